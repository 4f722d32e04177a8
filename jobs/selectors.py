"""Scoped reads: every queryset here is already limited to what the requester may see."""

from __future__ import annotations

import uuid

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import ApplicationError
from core.models import User
from jobs.models import (
    Application,
    ApplicationEvent,
    Employer,
    EmployerMembership,
    JobPosting,
    LineupRequest,
    ShortLink,
)
from livestreams.models import LiveSession, SessionResult
from livestreams.selectors import sessions_visible_to

FUNNEL = ["applied", "contacted", "interview", "offer", "hired", "rejected", "withdrawn"]


def membership_of(user: User) -> EmployerMembership | None:
    if not user.is_authenticated:
        return None
    try:
        return user.employer_membership
    except EmployerMembership.DoesNotExist:
        return None


def employers_visible_to(user: User) -> QuerySet[Employer]:
    if user.is_organizer:
        return Employer.objects.all()
    membership = membership_of(user)
    if membership is None:
        return Employer.objects.none()
    return Employer.objects.filter(pk=membership.employer_id)


def postings_of(employer: Employer) -> QuerySet[JobPosting]:
    return JobPosting.objects.filter(employer=employer).select_related("employer")


def applications_of(employer: Employer) -> QuerySet[Application]:
    return (
        Application.objects.filter(posting__employer=employer)
        .select_related("posting", "session", "segment")
        .order_by("-created_at")
    )


def lineup_requests_visible_to(user: User) -> QuerySet[LineupRequest]:
    qs = LineupRequest.objects.select_related("employer", "session", "segment").prefetch_related(
        Prefetch("postings", queryset=JobPosting.objects.only("id", "title", "employer_id", "status"))
    )
    if user.is_superuser:
        return qs
    if user.is_organizer:
        return qs.filter(session__union_id=user.union_id)
    membership = membership_of(user)
    if membership is None:
        return qs.none()
    return qs.filter(employer_id=membership.employer_id)


def organizer_sessions(user: User) -> QuerySet[LiveSession]:
    if user.is_superuser:
        return LiveSession.objects.all()
    return LiveSession.objects.filter(union_id=user.union_id)


def organizer_applications(user: User) -> QuerySet[Application]:
    """Applications an organizer may count (sessions of their union). Always shown masked."""
    qs = Application.objects.select_related("posting__employer", "session", "segment").order_by("-created_at")
    if user.is_superuser:
        return qs.filter(session__isnull=False)
    return qs.filter(session__union_id=user.union_id)


def _funnel(qs: QuerySet[Application]) -> dict:
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in FUNNEL}


def session_report(session: LiveSession) -> dict:
    """Per posting, per segment, per channel and status funnel for one session (4 queries)."""
    apps = Application.objects.filter(session=session)
    per_posting = list(
        apps.order_by()
        .values("posting_id", "posting__title", "posting__employer_id", "posting__employer__name")
        .annotate(
            applications=Count("id"),
            live=Count("id", filter=Q(channel="live")),
            replay=Count("id", filter=Q(channel="replay")),
            hired=Count("id", filter=Q(status="hired")),
        )
        .order_by("-applications", "posting__title")
    )
    per_segment = list(
        apps.filter(segment__isnull=False)
        .order_by()
        .values("segment_id", "segment__title", "segment__starts_at")
        .annotate(applications=Count("id"))
        .order_by("segment__starts_at")
    )
    per_channel = dict(apps.order_by().values_list("channel").annotate(n=Count("id")))
    return {
        "session": str(session.pk),
        "title": session.title,
        "total": sum(row["applications"] for row in per_posting),
        "unique_applicants": apps.order_by().values("phone").distinct().count(),
        "per_channel": {c: per_channel.get(c, 0) for c in ("live", "replay", "direct")},
        "per_posting": [
            {
                "posting": str(r["posting_id"]),
                "title": r["posting__title"],
                "employer": str(r["posting__employer_id"]),
                "employer_name": r["posting__employer__name"],
                "applications": r["applications"],
                "live": r["live"],
                "replay": r["replay"],
                "hired": r["hired"],
            }
            for r in per_posting
        ],
        "per_segment": [
            {"segment": str(r["segment_id"]), "title": r["segment__title"], "applications": r["applications"]}
            for r in per_segment
        ],
        "funnel": _funnel(apps),
    }


def employer_report(employer: Employer, *, sessions: QuerySet[LiveSession]) -> dict:
    apps = Application.objects.filter(posting__employer=employer, session__in=sessions)
    per_posting = list(
        apps.order_by()
        .values("posting_id", "posting__title")
        .annotate(applications=Count("id"))
        .order_by("-applications")
    )
    per_session = list(
        apps.order_by()
        .values("session_id", "session__title")
        .annotate(applications=Count("id"))
        .order_by("session__title")
    )
    return {
        "employer": str(employer.pk),
        "name": employer.name,
        "total": sum(r["applications"] for r in per_posting),
        "per_posting": [
            {"posting": str(r["posting_id"]), "title": r["posting__title"], "applications": r["applications"]}
            for r in per_posting
        ],
        "per_session": [
            {"session": str(r["session_id"]), "title": r["session__title"], "applications": r["applications"]}
            for r in per_session
        ],
        "funnel": _funnel(apps),
    }


def posting_in_lineup(*, posting: JobPosting, session: LiveSession) -> bool:
    """Whether the posting is featured in the session: part of an approved lineup request."""
    return LineupRequest.objects.filter(session=session, status="approved", postings=posting).exists()


def session_featuring(*, posting: JobPosting, session_id) -> LiveSession:
    """The session (by id) that features the posting (see posting_in_lineup); a field error otherwise.

    A link "inside a session" credits that session's lineup, so only such a session may be named.
    """
    session = LiveSession.objects.filter(
        pk=session_id, lineup_requests__status="approved", lineup_requests__postings=posting
    ).first()
    if session is None:
        raise ApplicationError(
            "This posting is not featured in that session.",
            fields={"session": [gettext("岗位不在该场次的节目单中。")]},
        )
    return session


def public_lineup(session: LiveSession) -> list[LineupRequest]:
    """Approved lineup of a session with open postings and their short links, in segment order."""
    return list(
        # Verified employers only: an un-verified one is suspended from lineups (docs/jobs.md).
        LineupRequest.objects.filter(session=session, status="approved", employer__verified=True)
        .select_related("employer", "segment")
        .prefetch_related(
            Prefetch(
                "postings",
                queryset=JobPosting.objects.filter(status="open").prefetch_related(
                    Prefetch(
                        "short_links", queryset=ShortLink.objects.filter(session=session), to_attr="links"
                    )
                ),
                to_attr="open_postings",
            )
        )
        .order_by("segment__starts_at")
    )


# --- The employer workspace (pages under /jobs/employer/) ------------------------------------------

INBOX_FILTERS = ("status", "posting", "session", "channel", "q")


def postings_with_counts(employer: Employer) -> QuerySet[JobPosting]:
    """The employer's postings with their applicant count (one query)."""
    return (
        JobPosting.objects.filter(employer=employer)
        .annotate(applicant_count=Count("applications"))
        .order_by("-created_at")
    )


def fairs_taking_requests(user: User) -> QuerySet[LiveSession]:
    """Upcoming public job fairs an employer may ask to join (scheduled, not started)."""
    return (
        sessions_visible_to(user)
        .filter(
            kind=LiveSession.Kind.JOB_FAIR, status=LiveSession.Status.SCHEDULED, starts_at__gt=timezone.now()
        )
        .order_by("starts_at")
    )


def requests_of(employer: Employer) -> QuerySet[LineupRequest]:
    return (
        LineupRequest.objects.filter(employer=employer)
        .select_related("session", "segment", "preferred_segment")
        .prefetch_related(
            Prefetch("postings", queryset=JobPosting.objects.only("id", "title", "status", "employer_id"))
        )
        .order_by("-created_at")
    )


def inbox_filter(employer: Employer, params) -> tuple[QuerySet[Application], dict]:
    """The inbox's applicants for the filters in ``params`` (a QueryDict); unknown values are dropped.

    Returns the queryset and the filters actually applied (so the URL, the page and the export agree).
    """
    qs = applications_of(employer)
    chosen = {key: (params.get(key) or "").strip() for key in INBOX_FILTERS}
    chosen["q"] = chosen["q"][:50].replace("\x00", "")
    if chosen["status"] in Application.Status.values:
        qs = qs.filter(status=chosen["status"])
    else:
        chosen["status"] = ""
    if chosen["channel"] in Application.Channel.values:
        qs = qs.filter(channel=chosen["channel"])
    else:
        chosen["channel"] = ""
    if (
        chosen["posting"]
        and JobPosting.objects.filter(employer=employer, pk=_uuid(chosen["posting"])).exists()
    ):
        qs = qs.filter(posting_id=chosen["posting"])
    else:
        chosen["posting"] = ""
    if chosen["session"] and _uuid(chosen["session"]):
        qs = qs.filter(session_id=chosen["session"])
    else:
        chosen["session"] = ""
    if chosen["q"]:
        digits = "".join(c for c in chosen["q"] if c.isdigit())
        match = Q(name__icontains=chosen["q"])
        if len(digits) >= 3:
            match |= Q(phone__contains=digits)
        qs = qs.filter(match)
    return qs, {k: v for k, v in chosen.items() if v}


def _uuid(value: str):
    try:
        return uuid.UUID(value)
    except (ValueError, AttributeError):
        return None


PIPELINE_STAGES = ["applied", "contacted", "interview", "offer", "hired"]


def _stages_reached(own: QuerySet[Application]) -> list[dict]:
    """Per application: session, posting and the furthest pipeline stage it ever reached (rank 0–4).

    A rejected or withdrawn applicant still counts for the stages it passed (from the status history),
    so the funnel reads "how many got this far", not "how many sit here now".
    """
    rank = {stage: i for i, stage in enumerate(PIPELINE_STAGES)}
    rows = list(own.order_by().values("id", "session_id", "posting_id", "status"))
    furthest = {r["id"]: rank.get(r["status"], 0) for r in rows}
    events = ApplicationEvent.objects.filter(application__in=own.order_by().values("id")).exclude(
        to_status=""
    )
    for app_id, to_status in events.values_list("application_id", "to_status"):
        if to_status in rank and rank[to_status] > furthest.get(app_id, 0):
            furthest[app_id] = rank[to_status]
    for r in rows:
        r["reached"] = furthest[r["id"]]
    return rows


def _funnel_of(rows: list[dict]) -> list[int]:
    return [sum(1 for r in rows if r["reached"] >= i) for i in range(len(PIPELINE_STAGES))]


def employer_results(employer: Employer) -> dict:
    """The employer's own figures per fair and per posting, and its pipeline funnel across fairs.

    Job-card clicks and the session's views/unique viewers come from each session's stored result
    (clicks only for this employer's postings); applications come straight from PostgreSQL.
    """
    own = Application.objects.filter(posting__employer=employer)
    titles = dict(JobPosting.objects.filter(employer=employer).values_list("pk", "title"))
    posting_ids = {str(pk) for pk in titles}
    rows = _stages_reached(own)
    phones = dict(own.order_by().values_list("id", "phone"))
    session_ids = {r["session_id"] for r in rows if r["session_id"]} | set(
        LineupRequest.objects.filter(employer=employer, status="approved").values_list(
            "session_id", flat=True
        )
    )
    sessions = {s.pk: s for s in LiveSession.objects.filter(pk__in=session_ids)}
    stored = {r.session_id: r for r in SessionResult.objects.filter(session_id__in=session_ids)}
    fairs, clicks_by_posting, views_by_posting = [], {}, {}
    for sid, session in sorted(sessions.items(), key=lambda kv: kv[1].starts_at, reverse=True):
        result = stored.get(sid)
        jobs = [
            j for j in (result.breakdowns.get("jobs", []) if result else []) if j.get("id") in posting_ids
        ]
        for j in jobs:
            clicks_by_posting[j["id"]] = clicks_by_posting.get(j["id"], 0) + j.get("clicks", 0)
            views_by_posting[j["id"]] = views_by_posting.get(j["id"], 0) + result.views
        mine = [r for r in rows if r["session_id"] == sid]
        applicants = len({phones[r["id"]] for r in mine})
        views = result.views if result else None
        unique = result.unique_viewers if result else None
        fairs.append(
            {
                "session": session,
                "computed": result is not None,
                "views": views,
                "unique_viewers": unique,
                "clicks": sum(j.get("clicks", 0) for j in jobs),
                "applications": len(mine),
                "applicants": applicants,
                "apply_rate": applicants / unique if unique else None,
                "apm": len(mine) * 1000 / views if views else None,
                "funnel": _funnel_of(mine),
            }
        )
    postings = []
    for pk, title in titles.items():
        pid = str(pk)
        mine = [r for r in rows if r["posting_id"] == pk]
        from_fairs = sum(1 for r in mine if r["session_id"])
        views = views_by_posting.get(pid, 0)
        if not mine and pid not in clicks_by_posting:
            continue
        postings.append(
            {
                "id": pid,
                "title": title,
                "clicks": clicks_by_posting.get(pid, 0),
                "applications": len(mine),
                "from_fairs": from_fairs,
                "apm": from_fairs * 1000 / views if views else None,
                "funnel": _funnel_of(mine),
            }
        )
    postings.sort(key=lambda p: (-p["applications"], p["title"]))
    return {
        "fairs": fairs,
        "postings": postings,
        "funnel": list(zip(PIPELINE_STAGES, _funnel_of(rows), strict=True)),
    }


# --- Organizer console ----------------------------------------------------------------------------

OPEN_SESSION_STATES = ("draft", "scheduled", "live")


def employers_for_organizer(user: User) -> QuerySet[Employer]:
    """Employers an organizer works with: those in its union's fairs, and those in no open fair at all
    (new sign-ups). An employer busy only in other unions' fairs is theirs (see can_verify_employer)."""
    if user.is_superuser:
        return Employer.objects.all()
    if not (user.is_organizer and user.union_id):
        return Employer.objects.none()
    in_open_fairs = LineupRequest.objects.filter(
        status__in=LineupRequest.ACTIVE, session__status__in=OPEN_SESSION_STATES
    ).values("employer_id")
    ours = LineupRequest.objects.filter(session__union_id=user.union_id).values("employer_id")
    return Employer.objects.filter(Q(pk__in=ours) | ~Q(pk__in=in_open_fairs))


def fairs_for_organizer(user: User) -> QuerySet[LiveSession]:
    qs = LiveSession.objects.filter(kind=LiveSession.Kind.JOB_FAIR)
    if user.is_superuser:
        return qs
    return qs.filter(union_id=user.union_id)


def pending_requests_for_organizer(user: User) -> QuerySet[LineupRequest]:
    return (
        lineup_requests_visible_to(user)
        .filter(status=LineupRequest.Status.REQUESTED, session__status__in=("draft", "scheduled"))
        .order_by("session__starts_at", "created_at")
    )


def other_open_jobs(*, posting: JobPosting, session: LiveSession | None, limit: int = 8) -> list[dict]:
    """Open jobs to offer instead of a closed one: the fair's other featured jobs (with their short link),
    or, without a fair, the same employer's other open jobs. ``[{"posting": …, "url": …}]``."""

    now = timezone.now()
    offers: list[dict] = []
    if session is not None:
        for entry in public_lineup(session):
            for other in entry.open_postings:
                if other.pk == posting.pk or (other.closes_at and other.closes_at <= now):
                    continue
                url = (
                    reverse("jobs:apply", args=[other.links[0].code])
                    if other.links
                    else reverse("jobs:apply-direct", args=[other.pk])
                )
                offers.append({"posting": other, "employer": entry.employer, "url": url})
    else:
        others = (
            JobPosting.objects.filter(employer_id=posting.employer_id, status="open")
            .exclude(pk=posting.pk)
            .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
            .select_related("employer")
            .order_by("-created_at")[:limit]
        )
        offers = [
            {"posting": p, "employer": p.employer, "url": reverse("jobs:apply-direct", args=[p.pk])}
            for p in others
        ]
    return offers[:limit]
