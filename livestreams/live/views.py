"""Organizer pages: live dashboard, results scorecard with charts, exports, CSV order upload, series."""

from __future__ import annotations

import io
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core import formatting
from core.errors import ApplicationError
from livestreams import selectors
from livestreams.live import export, orders, refresh, results
from livestreams.models import SessionResult

MAX_UPLOAD = 5 * 1024 * 1024


def _session(request, pk):
    return get_object_or_404(selectors.sessions_editable_by(request.user), pk=pk)


def _sized(charts: list[dict]) -> list[dict]:
    """Give each spec its element id and a height that fits every label (no cut-off bars)."""
    for c in charts:
        c["dom_id"] = f"chart-spec-{c['id']}"
        if c.get("money"):  # the bars' labels as core.formatting writes money, so the script has no rule
            for series in c["series"]:
                series["texts"] = [formatting.yuan(v) for v in series["data"]]
        c["height"] = max(160, 48 + 36 * len(c["labels"])) if c["type"] == "hbar" else 260
    return charts


def _charts(result: SessionResult) -> list[dict]:
    """Chart specs (plain data) for ECharts; every chart has a table of the same figures on the page."""
    tl = result.timeline or []
    minutes = [row["minute"] for row in tl]
    bands = [
        [s["starts_minute"], s["ends_minute"], s["title"]] for s in result.breakdowns.get("segments", [])
    ]
    out = [
        {
            "id": "viewers",
            "type": "line",
            "title": _("在线人数（每分钟）"),
            "x": minutes,
            "x_name": _("分钟"),
            "bands": bands,
            "series": [
                {"name": _("同时在线"), "data": [row["concurrent"] for row in tl]},
                {"name": _("进入直播间"), "data": [row["views"] for row in tl]},
            ],
        },
        {
            "id": "per-minute",
            "type": "bar",
            "title": _("每分钟订单与投递"),
            "x": minutes,
            "x_name": _("分钟"),
            "series": [
                {"name": _("订单"), "data": [row["orders"] for row in tl]},
                {"name": _("投递"), "data": [row["applications"] for row in tl]},
            ],
        },
    ]
    jobs = result.breakdowns.get("jobs") or []
    if jobs:
        out.append(
            {
                "id": "jobs",
                "type": "hbar",
                "title": _("各岗位：投递 / 点击"),
                "labels": [j["title"] for j in jobs],
                "series": [
                    {"name": _("投递"), "data": [j["applications"] for j in jobs]},
                    {"name": _("点击"), "data": [j["clicks"] for j in jobs]},
                ],
            }
        )
    sellers = result.breakdowns.get("sellers") or []
    if sellers:
        out.append(
            {
                "id": "sellers",
                "type": "hbar",
                "title": _("各学员成交额"),
                "labels": [s["name"] for s in sellers],
                "money": True,
                "series": [{"name": _("净成交额"), "data": [float(Decimal(s["gmv_net"])) for s in sellers]}],
            }
        )
    return out


@login_required
def results_page(request, pk, import_report=None):
    session = _session(request, pk)
    result = SessionResult.objects.filter(session=session).first()
    context = {
        "session": session,
        "result": result,
        "import_report": import_report,
        "freshness": refresh.result_freshness(session),
    }
    if result is not None:
        context["charts"] = _sized(_charts(result))
        context["card"] = result.scorecard
    return render(request, "livestreams/results.html", context)


@login_required
@require_POST
def results_recompute(request, pk):
    session = _session(request, pk)
    if session.went_live_at is None:
        raise Http404
    refresh.result_refresh_compute(session_id=session.pk)
    return redirect("livestreams_live:results", pk=session.pk)


@login_required
def results_export(request, pk, fmt):
    session = _session(request, pk)
    result = get_object_or_404(SessionResult.objects.select_related("session__series"), session=session)
    include_ids = request.GET.get("ids") == "1"  # UUID columns only when asked for
    if fmt == "csv":
        body = export.result_csv(result, include_ids=include_ids)
        response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            export.result_xlsx(result, include_ids=include_ids),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = export.content_disposition(export.export_filename(result, fmt))
    return response


@login_required
@require_POST
def orders_upload(request, pk):
    session = _session(request, pk)
    upload = request.FILES.get("file")
    report = None
    if upload is None or upload.size > MAX_UPLOAD:
        report = {"error": _("请选择不超过 5 MB 的 CSV 文件。")}
    else:
        try:
            text = io.TextIOWrapper(upload.file, encoding="utf-8-sig", errors="strict")
            imported = orders.orders_import_csv(session=session, stream=text, by=request.user)
            report = {
                "created": imported.created,
                "duplicates": imported.duplicates,
                "refunded": imported.refunded,
                "errors": imported.errors,
            }
        except UnicodeDecodeError:
            report = {"error": _("文件不是 UTF-8 编码的 CSV。")}
        except ApplicationError as exc:
            report = {"error": exc.message, "fields": exc.fields}
    return results_page(request, pk, import_report=report)


@login_required
def series_results_page(request, pk):
    series = selectors.series_for_organizer(request.user, pk)
    roll = results.series_rollup(series=series)
    rows = roll.pop("sessions")
    done = [r for r in rows if r["result"]]
    titles = [r["session"].title for r in done]
    charts = [
        {
            "id": "series-viewers",
            "type": "hbar",
            "title": _("各场次独立观众"),
            "labels": titles,
            "series": [{"name": _("独立观众"), "data": [r["result"].unique_viewers for r in done]}],
        },
        {
            "id": "series-gmv",
            "type": "hbar",
            "title": _("各场次净成交额"),
            "labels": titles,
            "money": True,
            "series": [{"name": _("净成交额"), "data": [float(r["result"].gmv_net) for r in done]}],
        },
    ]
    return render(
        request,
        "livestreams/results_series.html",
        {"series": series, "rows": rows, "totals": roll, "charts": _sized(charts) if done else []},
    )
