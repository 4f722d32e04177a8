"""The live room's pages, for a session's organizers and hosts: data screen, host kit, questions board.

Every page goes through ``selectors.session_for_staff`` (others get a 404). The data screen polls
``screen_data`` (a plain Django view over ``screen.snapshot``: one Redis pipeline plus a cached
PostgreSQL breakdown — no DRF, no serializers on the poll path).
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from core.errors import ApplicationError
from livestreams import selectors
from livestreams.live import questions, screen
from livestreams.models import LiveSession, Segment


def _qr_svg(url: str) -> str:
    # A white quiet zone even on the dark big screen, sized by its box (omitsize) so print and stream match.
    svg = segno.make(url, error="m", micro=False).svg_inline(scale=1, border=4, omitsize=True, light="#fff")
    return mark_safe(svg)  # generated markup, no user input inside


# --- data screen ---------------------------------------------------------------------------------------


def _screen_labels() -> dict:
    return {
        "concurrent": _("同时在线"),
        "views": _("进入直播间"),
        "comments": _("评论"),
        "applications": _("投递"),
        "orders": _("订单"),
        "gmv": _("净成交额"),
        "product_clicks": _("商品点击"),
        "no_segment": _("未分段"),
        "on_air": _("正在播"),
        "minute": _("分钟"),
        "empty": _("暂无数据"),
    }


@login_required
def screen_page(request, pk):
    session = selectors.session_for_staff(request.user, pk)
    big = request.GET.get("mode") == "big"
    return render(
        request,
        "livestreams/live/screen_big.html" if big else "livestreams/live/screen.html",
        {
            "session": session,
            "big": big,
            "is_fair": session.kind == LiveSession.Kind.JOB_FAIR,
            "data_url": reverse("livestreams_live:live-data", args=[session.pk]),
            "labels": _screen_labels(),
        },
    )


@never_cache
def screen_data(request, pk):
    """The poll endpoint: JSON from the live counters. Anonymous and foreign users get a 404, not a redirect."""
    if not request.user.is_authenticated:
        return JsonResponse({"error": {"code": "not_found", "message": "Not found."}}, status=404)
    try:
        session = selectors.session_for_staff(request.user, pk)
    except Http404:
        return JsonResponse({"error": {"code": "not_found", "message": "Not found."}}, status=404)
    return JsonResponse(screen.snapshot(session=session))


# --- host kit -------------------------------------------------------------------------------------------


def _kit(session: LiveSession) -> dict:
    """Lineup in order with each segment's cards; the on-air segment and the next one."""
    now = timezone.now()
    cards = questions.featured_items(session)
    public_url = settings.SITE_URL + reverse("livestreams:session", args=[session.pk])
    for card in cards:
        if not card["url"]:  # products have no page of their own: point at the session page
            card["url"] = f"{public_url}?p={card['code']}"
        card["qr"] = _qr_svg(card["url"])
    segments = list(Segment.objects.filter(session=session).order_by("starts_at", "position"))
    current = next((s for s in segments if s.starts_at <= now < s.ends_at), None)
    upcoming = next((s for s in segments if s.starts_at > now), None)
    rows = []
    for seg in segments:
        rows.append(
            {
                "segment": seg,
                "on_air": current is not None and seg.pk == current.pk,
                "next": upcoming is not None and seg.pk == upcoming.pk,
                "cards": [c for c in cards if c["segment_id"] == str(seg.pk)],
            }
        )
    loose = [c for c in cards if c["segment_id"] not in {str(s.pk) for s in segments}]
    return {"rows": rows, "loose": loose, "cards": cards, "current": current, "upcoming": upcoming}


@login_required
def kit_page(request, pk):
    session = selectors.session_for_staff(request.user, pk)
    kit = _kit(session)
    present = request.GET.get("present")
    if present:
        card = next((c for c in kit["cards"] if c["key"] == present), None)
        if card is None:
            raise Http404
        keys = [c["key"] for c in kit["cards"]]
        i = keys.index(present)
        return render(
            request,
            "livestreams/live/present.html",
            {
                "session": session,
                "card": card,
                "prev": keys[i - 1] if i > 0 else None,
                "next": keys[i + 1] if i + 1 < len(keys) else None,
            },
        )
    template = "livestreams/live/kit_print.html" if request.GET.get("print") else "livestreams/live/kit.html"
    return render(request, template, {"session": session, **kit})


# --- questions board -----------------------------------------------------------------------------------


@login_required
def questions_page(request, pk):
    session = selectors.session_for_staff(request.user, pk)
    context = {
        "session": session,
        "board": questions.board(session=session),
        "view": request.GET.get("by", "segment"),
    }
    if request.GET.get("fragment"):
        return render(request, "livestreams/live/_board.html", context)
    return render(request, "livestreams/live/questions.html", context)


@login_required
@require_POST
def question_answer(request, pk, question_id):
    session = selectors.session_for_staff(request.user, pk)
    try:
        questions.question_answer(session=session, question_id=question_id, by=request.user)
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise Http404 from None
        return JsonResponse({"error": {"code": exc.code, "message": exc.message}}, status=exc.status_code)
    view = request.POST.get("by", "segment")
    if request.headers.get("X-Board") == "1":  # the board's script swaps the fragment in place
        context = {"session": session, "board": questions.board(session=session), "view": view}
        return render(request, "livestreams/live/_board.html", context)
    return redirect(
        reverse("livestreams_live:questions", args=[session.pk])
        + f"?by={'item' if view == 'item' else 'segment'}"
    )


# --- the session page links staff to the room ----------------------------------------------------------


def live_room_section(session, request):
    """Hook ``session_page_sections``: links to the live room for the session's organizers and hosts."""
    user = request.user
    if not user.is_authenticated or not selectors.sessions_staffed_by(user).filter(pk=session.pk).exists():
        return None
    html = render_to_string("livestreams/live/_room_links.html", {"session": session}, request=request)
    return mark_safe(html)  # rendered by the template engine, which escaped every value
