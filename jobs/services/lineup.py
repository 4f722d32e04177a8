"""Lineup requests: employers asking for a slot in a fair, and the organizer deciding."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.activity import activity_log
from core.errors import ApplicationError, Conflict
from core.models import User
from invites.services import Extras
from jobs.calendar import on_lineup_changed, team_invite_keys
from jobs.models import (
    Employer,
    JobPosting,
    LineupRequest,
)
from jobs.services.common import L, P, S
from jobs.services.notices import employer_notice_send
from jobs.services.postings import shortlink_get_or_create
from livestreams.models import LiveSession, Segment
from livestreams.services import segment_create, segment_delete


def _lineup_changed(
    *,
    request: LineupRequest,
    change: str,
    segment_gone: Segment | None = None,
    by: User | None = None,
    held: dict | None = None,
) -> None:
    """The one place every lineup change passes through (approved, declined, withdrawn, removed, moved).

    It records the activity, refreshes the time snapshot, makes sure short links exist for
    featured postings, and brings the employer's calendar invites up to date (REQUEST on approval
    or a move, CANCEL when declined/withdrawn/removed; idempotent).

    ``segment_gone``: the segment this change takes out of the lineup, deleted here (by ``by``) so that
    its CANCEL carries the change's notice: one email per change, as an approval's REQUEST does.
    ``held``: the team's CANCELs are not emailed but collected here ({attendee key: [attachment]}) for
    the caller's one email (an un-verification naming every fair).
    """
    if change in ("approved", "moved", "reinstated") and request.segment_id:
        segment = Segment.objects.get(pk=request.segment_id)
        LineupRequest.objects.filter(pk=request.pk).update(
            segment_starts_at=segment.starts_at, segment_ends_at=segment.ends_at
        )
        request.segment_starts_at, request.segment_ends_at = segment.starts_at, segment.ends_at
    if change in ("approved", "reinstated"):
        for posting in request.postings.all():
            shortlink_get_or_create(posting=posting, session=request.session)
    activity_log(actor=None, verb=f"lineup.{change}", obj=request)
    published = False

    def publish(notices: dict) -> set:
        nonlocal published
        published = True
        if segment_gone is not None:
            return segment_delete(segment=segment_gone, by=by, extras=Extras(notices=notices))
        return on_lineup_changed(request, notices)

    if change != "suspended":  # un-verifying suspends, and employer_verify sends one email naming every fair
        # A slot given back reads to the employer like an approval (its time is in the notice).
        kind = "approved" if change == "reinstated" else change
        # One email per change: the invite this change sends carries the notice (an approval's REQUEST,
        # a removal's CANCEL).
        employer_notice_send(employer=request.employer, kind=kind, request=request, by_invite=publish)
    if not published:  # no notice for this change (a move, a suspension): the calendar still follows
        if segment_gone is not None and held is not None:
            extras = Extras(hold_keys=frozenset(team_invite_keys(request.employer)))
            segment_delete(segment=segment_gone, by=by, extras=extras, held=held)
        elif segment_gone is not None:
            segment_delete(segment=segment_gone, by=by)
        else:
            on_lineup_changed(request)


def _lineup_error(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]})


@transaction.atomic
def lineup_request_create(
    *, employer: Employer, by: User, session: LiveSession, postings: list[JobPosting], note: str = ""
) -> LineupRequest:
    if session.kind != LiveSession.Kind.JOB_FAIR:
        raise _lineup_error("session", gettext("只能申请直播带岗专场。"))
    if session.status not in (S.DRAFT, S.SCHEDULED):
        raise _lineup_error(
            "session",
            gettext("该场次已%(status_label)s，不能再申请。")
            % {"status_label": session.get_status_display(), "status": session.status},
        )
    if not postings:
        raise _lineup_error("postings", gettext("请至少选择一个岗位。"))
    foreign = [p for p in postings if p.employer_id != employer.pk]
    if foreign:
        raise _lineup_error("postings", "Unknown posting.")
    inactive = [p.title for p in postings if p.status in (P.CLOSED, P.FILLED)]
    if inactive:
        raise _lineup_error(
            "postings",
            gettext("岗位已关闭，不能上节目单：%(titles)s。") % {"titles": ", ".join(inactive)},
        )
    try:
        with transaction.atomic():
            request = LineupRequest.objects.create(
                employer=employer, session=session, note=note, requested_by=by
            )
    except IntegrityError as exc:
        raise Conflict(
            gettext("You already have an open request for this session."),
            code="duplicate",
            fields={"session": [gettext("已申请过该场次。")]},
        ) from exc
    request.postings.set(postings)
    activity_log(actor=by, verb="lineup.requested", obj=request)
    return request


def _locked_request(request: LineupRequest) -> LineupRequest:
    return LineupRequest.objects.select_for_update().select_related("employer", "session").get(pk=request.pk)


@transaction.atomic
def lineup_approve(
    *,
    request: LineupRequest,
    by: User,
    segment: Segment | None = None,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    title: str = "",
) -> LineupRequest:
    request = _locked_request(request)
    if request.status != L.REQUESTED:
        raise Conflict(
            gettext("A %(status)s request cannot be approved.") % {"status": request.get_status_display()},
            code="invalid_state",
        )
    if not request.employer.verified:
        raise Conflict(
            gettext("Only verified employers can be placed in a lineup."),
            code="employer_not_verified",
            fields={"employer": [gettext("企业尚未通过审核。")]},
        )
    if request.session.status not in (S.DRAFT, S.SCHEDULED, S.LIVE):
        raise Conflict(
            gettext("The session is %(status)s.") % {"status": request.session.get_status_display()},
            code="invalid_state",
        )
    postings = list(request.postings.all())
    if segment is not None:
        if segment.session_id != request.session_id:
            raise _lineup_error("segment", "Unknown segment.")
        if LineupRequest.objects.filter(segment=segment).exists() or segment.seller_id:
            raise _lineup_error("segment", gettext("该时段已分配。"))
    else:
        if starts_at is None or ends_at is None:
            raise ApplicationError(
                gettext("Give a segment or starts_at/ends_at."),
                fields={"starts_at": ["Required when no segment is given."], "ends_at": ["Required."]},
            )
        segment = segment_create(
            session=request.session,
            by=by,
            title=title or f"{request.employer.name} 招聘宣讲",
            description="、".join(p.title for p in postings)[:5000],
            starts_at=starts_at,
            ends_at=ends_at,
        )
    request.status = L.APPROVED
    request.segment = segment
    request.decided_by = by
    request.decided_at = timezone.now()
    request.reason = ""
    request.save(update_fields=["status", "segment", "decided_by", "decided_at", "reason", "updated_at"])
    _lineup_changed(request=request, change="approved")
    return request


BULK_APPROVE_LIMIT = 100


@dataclass(frozen=True)
class BulkApproval:
    approved: list[LineupRequest]
    skipped: list[tuple[LineupRequest, str]]  # the request and why it was left in the queue


def lineup_approve_preferred_many(*, requests: list[LineupRequest], by: User) -> BulkApproval:
    """Approve each request into the segment its employer asked for: one ``lineup_approve`` (its own
    transaction, decision and notice) per request, in order, so one that cannot go (no preference,
    the segment taken meanwhile, the employer unverified) is left in the queue with the reason and the
    others still go."""
    if len(requests) > BULK_APPROVE_LIMIT:
        raise ApplicationError(
            gettext("一次最多批准 %(n)s 个申请。") % {"n": BULK_APPROVE_LIMIT},
            fields={"requests": ["Too many."]},
        )
    approved, skipped = [], []
    for request in requests:
        if request.preferred_segment_id is None:
            skipped.append((request, gettext("没有希望的环节，请单独选择环节。")))
            continue
        try:
            approved.append(lineup_approve(request=request, by=by, segment=request.preferred_segment))
        except ApplicationError as exc:
            reason = next(iter((exc.fields or {}).values()), [exc.message])[0]
            skipped.append((request, str(reason)))
    return BulkApproval(approved=approved, skipped=skipped)


@transaction.atomic
def lineup_decline(*, request: LineupRequest, by: User, reason: str) -> LineupRequest:
    request = _locked_request(request)
    if request.status != L.REQUESTED:
        raise Conflict(
            gettext("A %(status)s request cannot be declined.") % {"status": request.get_status_display()},
            code="invalid_state",
        )
    request.status, request.reason, request.decided_by, request.decided_at = (
        L.DECLINED,
        reason,
        by,
        timezone.now(),
    )
    request.save(update_fields=["status", "reason", "decided_by", "decided_at", "updated_at"])
    _lineup_changed(request=request, change="declined")
    return request


def _end_lineup(
    request: LineupRequest, *, by: User, to: str, reason: str, held: dict | None = None
) -> LineupRequest:
    request = _locked_request(request)
    if request.status not in LineupRequest.ACTIVE:
        raise Conflict(
            gettext("A %(status)s request cannot be %(to)s.")
            % {"status": request.get_status_display(), "to": dict(L.choices).get(to, to)},
            code="invalid_state",
        )
    if request.session.status in (S.ENDED, S.CANCELLED) and request.status == L.APPROVED:
        raise Conflict(
            f"The session is {request.session.status}; its lineup is history.", code="invalid_state"
        )
    segment_id = request.segment_id
    fields = ["status", "reason", "segment", "updated_at"]
    if to == L.SUSPENDED and request.segment is not None:
        request.suspended_segment = _segment_snapshot(request.segment, request.session)
        fields.append("suspended_segment")
    request.status, request.reason, request.segment = to, reason, None
    request.save(update_fields=fields)
    segment = Segment.objects.filter(pk=segment_id).first() if segment_id else None
    _lineup_changed(request=request, change=to, segment_gone=segment, by=by, held=held)
    return request


@transaction.atomic
def lineup_withdraw(*, request: LineupRequest, by: User, reason: str = "") -> LineupRequest:
    return _end_lineup(request, by=by, to=L.WITHDRAWN, reason=reason)


@transaction.atomic
def lineup_remove(*, request: LineupRequest, by: User, reason: str) -> LineupRequest:
    return _end_lineup(request, by=by, to=L.REMOVED, reason=reason)


def lineup_suspend_for_employer(
    *, employer: Employer, by: User, reason: str, held: dict | None = None
) -> list[LineupRequest]:
    """An employer lost its verification: take its approved slots out of every fair not yet ended.

    Each request goes the way a removal goes (segment deleted, calendar CANCEL), with its own status so
    the employer and the organizer can tell why; it is not reinstated by verifying again. ``held``: the
    team's CANCELs are collected there instead of emailed, for the one notice that names every fair.
    """
    suspended = []
    requests = LineupRequest.objects.filter(
        employer=employer, status=L.APPROVED, session__status__in=(S.DRAFT, S.SCHEDULED, S.LIVE)
    ).order_by("created_at")
    for request in requests:
        suspended.append(_end_lineup(request, by=by, to=L.SUSPENDED, reason=reason, held=held))
    return suspended


def _segment_snapshot(segment: Segment, session: LiveSession) -> dict:
    return {
        "id": str(segment.pk),
        "title": segment.title,
        "description": segment.description,
        "offset": int((segment.starts_at - session.starts_at).total_seconds()),
        "length": int((segment.ends_at - segment.starts_at).total_seconds()),
    }


@dataclass(frozen=True)
class ReinstatePlan:
    """What reinstating a suspended request would do now: put its segment back, or return it to the queue."""

    starts_at: datetime | None
    ends_at: datetime | None
    free: bool
    clash: str = ""  # the title of the segment now in the way, if any


def lineup_reinstate_plan(request: LineupRequest) -> ReinstatePlan:
    """The suspended segment's place in the session as it is today (it moves with a postponed session)."""
    session = request.session
    snap = request.suspended_segment or {}
    if "offset" in snap:
        starts_at = session.starts_at + timedelta(seconds=snap["offset"])
        ends_at = starts_at + timedelta(seconds=snap["length"])
    elif request.segment_starts_at and request.segment_ends_at:  # suspended before snapshots existed
        starts_at, ends_at = request.segment_starts_at, request.segment_ends_at
    else:
        return ReinstatePlan(None, None, free=False)
    if starts_at < session.starts_at or ends_at > session.ends_at:
        return ReinstatePlan(starts_at, ends_at, free=False)
    other = (
        session.segments.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).order_by("starts_at").first()
    )
    return ReinstatePlan(starts_at, ends_at, free=other is None, clash=other.title if other else "")


@transaction.atomic
def lineup_reinstate(*, request: LineupRequest, by: User) -> LineupRequest:
    """Give a suspended employer its slot back after it was verified again (a deliberate organizer step).

    If the segment's time is still free in the lineup, the segment comes back with its old id, so the
    employer's calendar gets the same UID again as an update (REQUEST, higher SEQUENCE). If the time was
    given to someone else, the request goes back to the queue as requested, for the organizer to place.
    """
    request = _locked_request(request)
    if request.status != L.SUSPENDED:
        raise Conflict(f"A {request.status} request cannot be reinstated.", code="invalid_state")
    if not request.employer.verified:
        raise Conflict(
            "Verify the employer again first.",
            code="employer_not_verified",
            fields={"employer": [gettext("企业还没有重新通过认证，不能恢复。")]},
        )
    session = request.session
    if session.status not in (S.DRAFT, S.SCHEDULED, S.LIVE):
        raise Conflict(
            f"The session is {session.status}.",
            code="invalid_state",
            fields={"session": [gettext("场次已结束或已取消，不能恢复。")]},
        )
    if LineupRequest.objects.filter(
        employer=request.employer, session=session, status__in=LineupRequest.ACTIVE
    ).exists():
        raise Conflict(
            "The employer has another open request for this session.",
            code="duplicate",
            fields={"session": [gettext("该企业在这个场次已有新的申请，请在队列中处理那一条。")]},
        )
    plan = lineup_reinstate_plan(request)
    snap = request.suspended_segment or {}
    if plan.free:
        postings = list(request.postings.all())
        segment = segment_create(
            session=session,
            by=by,
            pk=snap.get("id"),
            title=snap.get("title") or f"{request.employer.name} 招聘宣讲",
            description=snap.get("description") or "、".join(p.title for p in postings)[:5000],
            starts_at=plan.starts_at,
            ends_at=plan.ends_at,
        )
        request.status, request.segment = L.APPROVED, segment
    else:
        request.status = L.REQUESTED
    request.reason = ""
    request.decided_by, request.decided_at = by, timezone.now()
    request.suspended_segment = {}
    request.save(
        update_fields=[
            "status",
            "segment",
            "reason",
            "decided_by",
            "decided_at",
            "suspended_segment",
            "updated_at",
        ]
    )
    if plan.free:
        _lineup_changed(request=request, change="reinstated")
    else:
        activity_log(actor=by, verb="lineup.reinstated", obj=request, to="requested")
    return request


def lineup_on_segments_changed(session: LiveSession) -> None:
    """livestreams hook: notice segments of approved requests that were moved or deleted."""
    for request in LineupRequest.objects.filter(session=session, status=L.APPROVED).select_related("segment"):
        if request.segment is None:
            request.status, request.reason = L.REMOVED, "segment deleted"
            request.save(update_fields=["status", "reason", "updated_at"])
            _lineup_changed(request=request, change="removed")
        elif (request.segment.starts_at, request.segment.ends_at) != (
            request.segment_starts_at,
            request.segment_ends_at,
        ):
            _lineup_changed(request=request, change="moved")


def lineup_reminder_recipients(session: LiveSession) -> list[tuple]:
    """livestreams hook: lineup employers' contacts get the session reminders too."""
    rows = (
        LineupRequest.objects.filter(session=session, status=L.APPROVED)
        .select_related("employer")
        .order_by("created_at")
    )
    return [
        (None, r.employer.contact_email, r.employer.contact_name or r.employer.name)
        for r in rows
        if r.employer.contact_email
    ]


# --- Short links ------------------------------------------------------------------------------------
