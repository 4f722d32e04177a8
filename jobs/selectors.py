"""Scoped reads: every queryset here is already limited to what the requester may see."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from core.models import User
from jobs.models import Application, Employer, EmployerMembership, JobPosting, LineupRequest, ShortLink
from livestreams.models import LiveSession

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


def public_lineup(session: LiveSession) -> list[LineupRequest]:
    """Approved lineup of a session with open postings and their short links, in segment order."""
    return list(
        LineupRequest.objects.filter(session=session, status="approved")
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
