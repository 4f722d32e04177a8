"""CSV and XLSX export of a stored result, for the people who read it (the union's boss, not a program).

Headers and sheet names are words in the reader's language (Chinese first), times are local to the
session's zone, choices are labels, rates are percentages, watch time is minutes:seconds, money is a
number a spreadsheet can sum. Internal ids (UUIDs) appear only when asked for (``include_ids``).
CSV is UTF-8 with a BOM so Excel opens Chinese correctly.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from core.timeutils import local
from livestreams.models import SessionResult

PERCENT, MONEY, DURATION, INT, TEXT, NUMBER = "percent", "money", "duration", "int", "text", "number"


@dataclass
class Table:
    title: str
    header: list[str]
    kinds: list[str]
    rows: list[list] = field(default_factory=list)


def _duration(seconds) -> str:
    if seconds is None:
        return ""
    seconds = int(round(float(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _scorecard_rows(card: dict) -> list[tuple[str, object, str, str]]:
    """(label, value, kind, definition) for every figure of the scorecard, in reading order."""
    d = card.get
    return [
        (_("直播时长"), _duration(d("live_seconds")), TEXT, _("开播到结束，时:分:秒")),
        (_("观看次数"), d("views"), INT, _("进入直播间的次数，重复进入也计数")),
        (_("独立观众"), d("unique_viewers"), INT, _("按会员号去重，没有会员号时按设备/平台号")),
        (_("峰值在线"), d("peak_concurrent"), INT, _("每分钟同时在线人数的最大值")),
        (_("平均在线"), d("average_concurrent"), NUMBER, _("总观看时长 ÷ 直播时长")),
        (_("人均观看时长"), _duration(d("average_watch_seconds")), TEXT, _("总观看时长 ÷ 独立观众，分:秒")),
        (_("总观看时长"), _duration(d("total_watch_seconds")), TEXT, _("所有观众观看时长之和")),
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


def tables(result: SessionResult, *, include_ids: bool = False) -> list[Table]:
    from livestreams.live.results import live_window  # noqa: PLC0415 -- cycle: results imports export

    session = result.session
    zone = session.timezone
    start, _end = live_window(session)

    def at_minute(minute) -> str:
        if minute is None:
            return ""
        return local(start + timedelta(minutes=int(minute)), zone).strftime("%H:%M")

    def when(dt) -> str:
        return local(dt, zone).strftime("%Y-%m-%d %H:%M") if dt else ""

    info = Table(_("场次信息"), [_("项目"), _("内容")], [TEXT, TEXT])
    info.rows = [
        [_("场次"), session.title],
        [_("类型"), session.get_kind_display()],
        [_("状态"), session.get_status_display()],
        [_("系列"), session.series.title if session.series_id else ""],
        [_("计划开始"), when(session.starts_at)],
        [_("计划结束"), when(session.ends_at)],
        [_("实际开播"), when(session.went_live_at)],
        [_("实际结束"), when(session.ended_at)],
        [_("时区"), zone],
        [_("成绩计算于"), when(result.computed_at)],
    ]
    if include_ids:
        info.rows.append(["ID", str(session.pk)])

    card = Table(_("成绩总览"), [_("指标"), _("数值"), _("说明")], [TEXT, NUMBER, TEXT])
    for label, value, kind, definition in _scorecard_rows(result.scorecard):
        card.rows.append([label, (kind, value), definition])
    out = [info, card]

    b = result.breakdowns or {}
    id_header = ["ID"] if include_ids else []
    id_kind = [TEXT] if include_ids else []

    def ids(row) -> list:
        return [row.get("id")] if include_ids else []

    segments = b.get("segments") or []
    if segments:
        t = Table(
            _("环节"),
            [
                _("序号"),
                _("环节"),
                _("上播学员"),
                _("开始"),
                _("结束"),
                _("观看次数"),
                _("观众"),
                _("峰值在线"),
                _("平均在线"),
                _("评论"),
                _("提问"),
                _("岗位卡点击"),
                _("商品点击"),
                _("订单"),
                _("净成交额（元）"),
                _("投递"),
                *id_header,
            ],
            [
                INT,
                TEXT,
                TEXT,
                TEXT,
                TEXT,
                INT,
                INT,
                INT,
                NUMBER,
                INT,
                INT,
                INT,
                INT,
                INT,
                MONEY,
                INT,
                *id_kind,
            ],
        )
        for i, r in enumerate(segments, start=1):
            t.rows.append(
                [
                    i,
                    r.get("title"),
                    r.get("seller") or "",
                    at_minute(r.get("starts_minute")),
                    at_minute(r.get("ends_minute")),
                    r.get("views"),
                    r.get("viewers"),
                    r.get("peak_concurrent"),
                    r.get("average_concurrent"),
                    r.get("comments"),
                    r.get("questions"),
                    r.get("job_card_clicks"),
                    r.get("product_clicks"),
                    r.get("orders"),
                    r.get("gmv_net"),
                    r.get("applications"),
                    *ids(r),
                ]
            )
        out.append(t)

    jobs = b.get("jobs") or []
    if jobs:
        t = Table(
            _("岗位"),
            [
                _("岗位"),
                _("岗位卡点击"),
                _("投递"),
                _("投递人数"),
                _("投递率"),
                _("每千次观看投递"),
                *id_header,
            ],
            [TEXT, INT, INT, INT, PERCENT, NUMBER, *id_kind],
        )
        for r in jobs:
            t.rows.append(
                [
                    r.get("title"),
                    r.get("clicks"),
                    r.get("applications"),
                    r.get("applicants"),
                    r.get("apply_rate"),
                    r.get("apm"),
                    *ids(r),
                ]
            )
        out.append(t)

    products = b.get("products") or []
    if products:
        t = Table(
            _("商品"),
            [
                _("商品"),
                "SKU",
                _("学员"),
                _("商品点击"),
                _("订单"),
                _("件数"),
                _("净成交额（元）"),
                _("点击转化率"),
                *id_header,
            ],
            [TEXT, TEXT, TEXT, INT, INT, INT, MONEY, PERCENT, *id_kind],
        )
        for r in products:
            t.rows.append(
                [
                    r.get("name"),
                    r.get("sku"),
                    r.get("seller") or "",
                    r.get("clicks"),
                    r.get("orders"),
                    r.get("items"),
                    r.get("gmv_net"),
                    r.get("click_to_order"),
                    *ids(r),
                ]
            )
        out.append(t)

    sellers = b.get("sellers") or []
    if sellers:
        t = Table(
            _("学员"),
            [
                _("学员"),
                _("商品点击"),
                _("订单"),
                _("买家"),
                _("件数"),
                _("成交总额（元）"),
                _("退款（元）"),
                _("净成交额（元）"),
            ],
            [TEXT, INT, INT, INT, INT, MONEY, MONEY, MONEY],
        )
        for r in sellers:
            t.rows.append(
                [
                    r.get("name"),
                    r.get("product_clicks"),
                    r.get("orders"),
                    r.get("buyers"),
                    r.get("items"),
                    r.get("gmv_gross"),
                    r.get("refunded"),
                    r.get("gmv_net"),
                ]
            )
        out.append(t)

    channels = b.get("channels") or {}
    if channels:
        labels = {"live": _("直播中"), "replay": _("回放及之后")}
        t = Table(
            _("渠道"),
            [_("渠道"), _("订单"), _("净成交额（元）"), _("投递"), _("投递人数")],
            [TEXT, INT, MONEY, INT, INT],
        )
        for key, vals in channels.items():
            t.rows.append(
                [
                    labels.get(key, key),
                    vals.get("orders"),
                    vals.get("gmv_net"),
                    vals.get("applications"),
                    vals.get("applicants"),
                ]
            )
        out.append(t)

    if result.timeline:
        t = Table(
            _("每分钟"),
            [
                _("第几分钟"),
                _("时间"),
                _("同时在线"),
                _("进入直播间"),
                _("评论"),
                _("提问"),
                _("岗位卡点击"),
                _("商品点击"),
                _("订单"),
                _("净成交额（元）"),
                _("投递"),
            ],
            [INT, TEXT, INT, INT, INT, INT, INT, INT, INT, MONEY, INT],
        )
        for r in result.timeline:
            t.rows.append(
                [
                    r.get("minute"),
                    at_minute(r.get("minute")),
                    r.get("concurrent"),
                    r.get("views"),
                    r.get("comments"),
                    r.get("questions"),
                    r.get("job_card_clicks"),
                    r.get("product_clicks"),
                    r.get("orders"),
                    r.get("gmv_net"),
                    r.get("applications"),
                ]
            )
        out.append(t)
    return out


def _cell_value(kind: str, value, *, for_csv: bool):
    if isinstance(value, tuple):  # the scorecard's value column carries its own kind
        kind, value = value
    if value is None or value == "":
        return ""
    if kind == MONEY:
        number = Decimal(str(value))
        return f"{number:.2f}" if for_csv else number
    if kind == PERCENT:
        return f"{float(value) * 100:.2f}%" if for_csv else float(value)
    return value


def _percent_cell(kind: str, value) -> bool:
    if isinstance(value, tuple):
        kind, value = value
    return kind == PERCENT and value not in (None, "")


def result_csv(result: SessionResult, *, include_ids: bool = False) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 Chinese correctly with a BOM
    writer = csv.writer(out)
    for table in tables(result, include_ids=include_ids):
        writer.writerow([f"# {table.title}"])
        writer.writerow(table.header)
        for row in table.rows:
            writer.writerow([_cell_value(k, v, for_csv=True) for k, v in zip(table.kinds, row, strict=False)])
        writer.writerow([])
    return out.getvalue()


def result_xlsx(result: SessionResult, *, include_ids: bool = False) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for table in tables(result, include_ids=include_ids):
        ws = wb.create_sheet(title=table.title[:31])
        ws.append(table.header)
        for row in table.rows:
            ws.append([_cell_value(k, v, for_csv=False) for k, v in zip(table.kinds, row, strict=False)])
            for col, (kind, value) in enumerate(zip(table.kinds, row, strict=False), start=1):
                cell = ws.cell(row=ws.max_row, column=col)
                if _percent_cell(kind, value):
                    cell.number_format = "0.00%"
                elif kind == MONEY or (isinstance(value, tuple) and value[0] == MONEY):
                    cell.number_format = "#,##0.00"
        for col, head in enumerate(table.header, start=1):
            width = max([len(str(head)) * 2] + [len(str(r[col - 1])) for r in table.rows if col - 1 < len(r)])
            ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 60)
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def export_filename(result: SessionResult, ext: str) -> str:
    """「<title>-<local date>-成绩.<ext>」: characters a file system refuses are replaced."""
    session = result.session
    day = local(session.went_live_at or session.starts_at, session.timezone).strftime("%Y%m%d")
    title = "".join("_" if ch in '\\/:*?"<>|\r\n\t' else ch for ch in session.title).strip() or "session"
    return f"{title[:80]}-{day}-{_('成绩')}.{ext}"


def content_disposition(filename: str) -> str:
    """RFC 6266: an ASCII fallback plus the UTF-8 name (RFC 5987) that browsers use."""
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
