"""Small employer-workspace writes that are not worth a module each: duplicating a posting."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.models import User
from jobs.models import JobPosting
from jobs.services.common import POSTING_FIELDS
from jobs.services.postings import posting_create


@transaction.atomic
def posting_duplicate(*, posting: JobPosting, by: User) -> JobPosting:
    """A draft copy with every structured field; a closing time already past is left empty."""
    fields = {name: getattr(posting, name) for name in POSTING_FIELDS}
    fields["title"] = (gettext("%(title)s（副本）") % {"title": posting.title})[:100]
    if fields["closes_at"] is not None and fields["closes_at"] <= timezone.now():
        fields["closes_at"] = None
    fields["tags"] = list(fields["tags"] or [])
    return posting_create(employer=posting.employer, by=by, publish=False, **fields)
