"""The employer's side of fair slot requests: a request with a preferred segment, and withdrawing it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from core.errors import ApplicationError
from core.models import User
from jobs.models import Employer, JobPosting, LineupRequest
from jobs.services.lineup import lineup_request_create
from livestreams.models import LiveSession, Segment


@transaction.atomic
def lineup_request_submit(
    *,
    employer: Employer,
    by: User,
    session: LiveSession,
    postings: list[JobPosting],
    preferred_segment: Segment | None = None,
    note: str = "",
) -> LineupRequest:
    """lineup_request_create plus the segment the employer would like; the segment must be free."""
    if preferred_segment is not None:
        taken = (
            LineupRequest.objects.filter(segment=preferred_segment).exists() or preferred_segment.seller_id
        )
        if preferred_segment.session_id != session.pk or taken:
            message = gettext("该时段不可选，请选择其他时段。")
            raise ApplicationError(gettext("Segment not available."), fields={"preferred_segment": [message]})
    request = lineup_request_create(employer=employer, by=by, session=session, postings=postings, note=note)
    if preferred_segment is not None:
        request.preferred_segment = preferred_segment
        request.preferred_segment_title = preferred_segment.title[:200]
        request.save(update_fields=["preferred_segment", "preferred_segment_title", "updated_at"])
    return request
