"""CSV and XLSX export of a stored result, for the people who read it (the union's boss, not a program).

Headers and sheet names are words in the reader's language (Chinese first), times are local to the
session's zone, choices are labels, rates are percentages, watch time is minutes:seconds, money is a
number a spreadsheet can sum. Internal ids (UUIDs) appear only when asked for (``include_ids``).
CSV is UTF-8 with a BOM so Excel opens Chinese correctly.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from core import formatting, spreadsheet
from core.spreadsheet import DURATION, INT, MONEY, NUMBER, PERCENT, TEXT, Cell, Sheet
from livestreams.models import SessionResult


def _scorecard_rows(card: dict) -> list[tuple[str, object, str, str]]:
    """(label, value, kind, definition) for every figure of the scorecard, in reading order."""
    d = card.get
    return [
        (_("直播时长"), d("live_seconds"), DURATION, _("开播到结束，时:分:秒")),
        (_("观看次数"), d("views"), INT, _("进入直播间的次数，重复进入也计数")),
        (_("独立观众"), d("unique_viewers"), INT, _("按会员号去重，没有会员号时按设备/平台号")),
        (_("峰值在线"), d("peak_concurrent"), INT, _("每分钟同时在线人数的最大值")),
        (_("平均在线"), d("average_concurrent"), NUMBER, _("总观看时长 ÷ 直播时长")),
        (_("人均观看时长"), d("average_watch_seconds"), DURATION, _("总观看时长 ÷ 独立观众，分:秒")),
        (_("总观看时长"), d("total_watch_seconds"), DURATION, _("所有观众观看时长之和")),
        (_("评论"), d("comments"), INT, ""),
        (_("评论人数"), d("commenters"), INT, ""),
        (_("提问"), d("questions"), INT, ""),
        (_("已回答提问"), d("questions_answered"), INT, ""),
        (_("点赞"), d("likes"), INT, ""),
        (_("分享"), d("shares"), INT, ""),
        (_("关注"), d("follows"), INT, ""),
        (_("岗位卡点击"), d("job_card_clicks"), INT, ""),
        (_("商品点击"), d("product_clicks"), INT, ""),
        (_("投递"), d("applications"), INT, _("每人每岗位计一次")),
        (_("投递人数"), d("applicants"), INT, _("按手机号去重")),
        (_("投递率"), d("apply_rate"), PERCENT, _("投递人数 ÷ 独立观众")),
        (_("每千次观看投递（APM）"), d("apm"), NUMBER, _("投递 × 1000 ÷ 观看次数")),
        (_("订单"), d("orders"), INT, ""),
        (_("退款订单"), d("orders_refunded"), INT, ""),
        (_("买家"), d("buyers"), INT, _("按买家去重")),
        (_("件数"), d("items"), INT, ""),
        (_("成交总额（元）"), d("gmv_gross"), MONEY, ""),
        (_("退款（元）"), d("refunded"), MONEY, ""),
        (_("净成交额（元）"), d("gmv_net"), MONEY, _("成交总额 − 退款")),
        (_("观看转化率"), d("conversion"), PERCENT, _("买家 ÷ 独立观众")),
        (_("客单价（元）"), d("aov"), MONEY, _("净成交额 ÷ 未退款订单")),
        (_("千次观看成交额（GPM，元）"), d("gpm"), MONEY, _("净成交额 × 1000 ÷ 观看次数")),
    ]


def _sheet(title: str, columns: list[tuple[str, str, str | Callable]], records, *, ids: bool) -> Sheet:
    """The one table builder: ``columns`` are (header, kind, key or function of the record); with
    ``ids`` an "ID" column is added from each record's ``id``."""
    if ids:
        columns = [*columns, ("ID", TEXT, "id")]
    sheet = Sheet(title, [(header, kind) for header, kind, _key in columns])
    for record in records:
        sheet.rows.append([key(record) if callable(key) else record.get(key) for _h, _k, key in columns])
    return sheet


def tables(result: SessionResult, *, include_ids: bool = False) -> list[Sheet]:
    from livestreams.live.results import live_window  # noqa: PLC0415 -- cycle: results imports export

    session = result.session
    zone = session.timezone
    start, _end = live_window(session)

    def at_minute(minute) -> str:
        if minute is None:
            return ""
        return formatting.local_text(start + timedelta(minutes=int(minute)), zone, "%H:%M")

    def when(dt) -> str:
        return formatting.local_text(dt, zone)

    info = Sheet(_("场次信息"), [(_("项目"), TEXT), (_("内容"), TEXT)])
    info.rows = [
        [_("场次"), session.title],
        [_("类型"), session.get_kind_display()],
        [_("状态"), session.get_status_display()],
        [_("系列"), session.series.title if session.series_id else ""],
        [_("计划开始"), when(session.starts_at)],
        [_("计划结束"), when(session.ends_at)],
        [_("实际开播"), when(session.went_live_at)],
        [_("实际结束"), when(session.ended_at)],
        [_("时区"), formatting.zone_name(zone, session.starts_at)],
        [_("成绩计算于"), when(result.computed_at)],
    ]
    if include_ids:
        info.rows.append(["ID", str(session.pk)])

    card = Sheet(
        _("成绩总览"),
        [(_("指标"), TEXT), (_("数值"), NUMBER), (pgettext("metric definition column", "说明"), TEXT)],
    )
    for label, value, kind, definition in _scorecard_rows(result.scorecard):
        card.rows.append([label, Cell(kind, value), definition])
    out = [info, card]

    b = result.breakdowns or {}
    # What happened in a segment or a minute, in the same order in both sheets.
    activity = [
        (_("评论"), INT, "comments"),
        (_("提问"), INT, "questions"),
        (_("岗位卡点击"), INT, "job_card_clicks"),
        (_("商品点击"), INT, "product_clicks"),
        (_("订单"), INT, "orders"),
        (_("净成交额（元）"), MONEY, "gmv_net"),
        (_("投递"), INT, "applications"),
    ]
    segments = b.get("segments") or []
    numbered = [{**r, "n": i} for i, r in enumerate(segments, start=1)]
    sheets = [
        (
            _("环节"),
            [
                (_("序号"), INT, "n"),
                (_("环节"), TEXT, "title"),
                (_("上播学员"), TEXT, lambda r: r.get("seller") or ""),
                (_("开始"), TEXT, lambda r: at_minute(r.get("starts_minute"))),
                (_("结束"), TEXT, lambda r: at_minute(r.get("ends_minute"))),
                (_("观看次数"), INT, "views"),
                (_("观众"), INT, "viewers"),
                (_("峰值在线"), INT, "peak_concurrent"),
                (_("平均在线"), NUMBER, "average_concurrent"),
                *activity,
            ],
            numbered,
            include_ids,
        ),
        (
            _("岗位"),
            [
                (_("岗位"), TEXT, "title"),
                (_("岗位卡点击"), INT, "clicks"),
                (_("投递"), INT, "applications"),
                (_("投递人数"), INT, "applicants"),
                (_("投递率"), PERCENT, "apply_rate"),
                (_("每千次观看投递"), NUMBER, "apm"),
            ],
            b.get("jobs") or [],
            include_ids,
        ),
        (
            _("商品"),
            [
                (_("商品"), TEXT, "name"),
                ("SKU", TEXT, "sku"),
                (_("学员"), TEXT, lambda r: r.get("seller") or ""),
                (_("商品点击"), INT, "clicks"),
                (_("订单"), INT, "orders"),
                (_("件数"), INT, "items"),
                (_("净成交额（元）"), MONEY, "gmv_net"),
                (_("点击转化率"), PERCENT, "click_to_order"),
            ],
            b.get("products") or [],
            include_ids,
        ),
        (
            _("学员"),
            [
                (_("学员"), TEXT, "name"),
                (_("商品点击"), INT, "product_clicks"),
                (_("订单"), INT, "orders"),
                (_("买家"), INT, "buyers"),
                (_("件数"), INT, "items"),
                (_("成交总额（元）"), MONEY, "gmv_gross"),
                (_("退款（元）"), MONEY, "refunded"),
                (_("净成交额（元）"), MONEY, "gmv_net"),
            ],
            b.get("sellers") or [],
            False,
        ),
    ]
    channel_labels = {"live": _("直播中"), "replay": _("回放及之后")}
    channels = [{**vals, "key": key} for key, vals in (b.get("channels") or {}).items()]
    sheets.append(
        (
            _("渠道"),
            [
                (_("渠道"), TEXT, lambda r: channel_labels.get(r["key"], r["key"])),
                (_("订单"), INT, "orders"),
                (_("净成交额（元）"), MONEY, "gmv_net"),
                (_("投递"), INT, "applications"),
                (_("投递人数"), INT, "applicants"),
            ],
            channels,
            False,
        )
    )
    sheets.append(
        (
            _("每分钟"),
            [
                (_("第几分钟"), INT, "minute"),
                (_("时间"), TEXT, lambda r: at_minute(r.get("minute"))),
                (_("同时在线"), INT, "concurrent"),
                (_("进入直播间"), INT, "views"),
                *activity,
            ],
            result.timeline or [],
            False,
        )
    )
    out += [_sheet(title, columns, records, ids=ids) for title, columns, records, ids in sheets if records]
    return out


def result_csv(result: SessionResult, *, include_ids: bool = False) -> str:
    return spreadsheet.csv_bytes(tables(result, include_ids=include_ids), titled=True).decode("utf-8")


def result_xlsx(result: SessionResult, *, include_ids: bool = False) -> bytes:
    return spreadsheet.xlsx_bytes(tables(result, include_ids=include_ids))


def export_filename(result: SessionResult, ext: str) -> str:
    """「<title>-成绩-<local date>.<ext>」 (see core.spreadsheet.filename)."""
    session = result.session
    day = formatting.local(session.went_live_at or session.starts_at, session.timezone).date()
    return spreadsheet.filename(session.title, _("成绩"), day, ext)


def content_disposition(filename: str) -> str:
    return spreadsheet.content_disposition(filename)
