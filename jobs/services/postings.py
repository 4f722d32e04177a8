"""Postings and their short links."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.activity import activity_log
from core.errors import ApplicationError, Busy, Conflict
from core.models import User
from core.validation import reject_unknown
from jobs.models import Employer, JobPosting, ShortLink
from jobs.services.common import POSTING_FIELDS, POSTING_TRANSITIONS, P
from livestreams.models import LiveSession


def _validate_posting(values: dict) -> None:
    errors: dict[str, list[str]] = {}
    pay_min, pay_max = values.get("pay_min"), values.get("pay_max")
    if pay_min is not None and pay_max is not None and Decimal(pay_min) > Decimal(pay_max):
        errors["pay_min"] = [gettext("最低薪资不能高于最高薪资。")]
    if values.get("headcount") is not None and values["headcount"] < 1:
        errors["headcount"] = [gettext("招聘人数至少为 1。")]
    age_min, age_max = values.get("age_min"), values.get("age_max")
    if age_min is not None and age_max is not None and age_min > age_max:
        errors["age_min"] = ["Minimum age must not exceed maximum age."]
    if age_min is not None and age_min < 16:
        errors["age_min"] = [gettext("不得招用未满 16 周岁的未成年人。")]
    closes_at = values.get("closes_at")
    if closes_at is not None and closes_at <= timezone.now() and values.get("_check_future", True):
        errors["closes_at"] = [gettext("截止时间必须在将来。")]
    if errors:
        raise ApplicationError(gettext("Invalid posting."), fields=errors)


@transaction.atomic
def posting_create(*, employer: Employer, by: User, publish: bool = False, **fields) -> JobPosting:
    reject_unknown(fields, POSTING_FIELDS)
    _validate_posting(fields)
    posting = JobPosting.objects.create(
        employer=employer, created_by=by, status=P.OPEN if publish else P.DRAFT, **fields
    )
    activity_log(actor=by, verb="posting.created", obj=posting)
    return posting


@transaction.atomic
def posting_update(*, posting: JobPosting, by: User, **changes) -> JobPosting:
    reject_unknown(changes, POSTING_FIELDS)
    posting = JobPosting.objects.select_for_update().get(pk=posting.pk)
    values = {name: getattr(posting, name) for name in POSTING_FIELDS}
    values.update(changes)
    values["_check_future"] = "closes_at" in changes
    _validate_posting(values)
    for name, value in changes.items():
        setattr(posting, name, value)
    posting.save()
    activity_log(actor=by, verb="posting.updated", obj=posting, fields=sorted(changes))
    return posting


@transaction.atomic
def _posting_label(status: str) -> str:
    return str(dict(JobPosting.Status.choices).get(status, status))


def posting_set_status(*, posting: JobPosting, by: User, status: str) -> JobPosting:
    posting = JobPosting.objects.select_for_update().get(pk=posting.pk)
    if status == posting.status:
        return posting
    if status not in POSTING_TRANSITIONS.get(posting.status, set()):
        raise Conflict(
            gettext("A %(current)s posting cannot become %(status)s.")
            % {"current": _posting_label(posting.status), "status": _posting_label(status)},
            code="invalid_transition",
            fields={
                "status": [
                    gettext("从“%(current)s”只能变为：%(allowed)s。")
                    % {
                        "current": _posting_label(posting.status),
                        "allowed": gettext("、").join(
                            _posting_label(s) for s in sorted(POSTING_TRANSITIONS[posting.status])
                        ),
                    }
                ]
            },
        )
    if status == P.OPEN and posting.closes_at and posting.closes_at <= timezone.now():
        raise ApplicationError(
            gettext("The closing time has passed; set a new closes_at first."),
            code="invalid_transition",
            fields={"closes_at": [gettext("截止时间已过。")]},
        )
    posting.status = status
    posting.save(update_fields=["status", "updated_at"])
    activity_log(actor=by, verb=f"posting.{status}", obj=posting)
    return posting


def postings_close_due(*, now: datetime | None = None) -> int:
    """Conditional UPDATE: only rows still open/paused and past closes_at change, so ticks may race."""
    now = now or timezone.now()
    return JobPosting.objects.filter(status__in=[P.OPEN, P.PAUSED], closes_at__lte=now).update(
        status=P.CLOSED, updated_at=now
    )


def posting_is_open(posting: JobPosting, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return posting.status == P.OPEN and (posting.closes_at is None or posting.closes_at > now)


def shortlink_get_or_create(*, posting: JobPosting, session: LiveSession | None) -> ShortLink:
    for _attempt in range(5):
        link = ShortLink.objects.filter(posting=posting, session=session).first()
        if link is not None:
            return link
        try:
            with transaction.atomic():
                return ShortLink.objects.create(posting=posting, session=session)
        except IntegrityError:
            continue  # a parallel create won the (posting, session) or code race; read it back
    raise Busy(gettext("Could not create a short link, please retry."))


def shortlink_url(link: ShortLink) -> str:
    return f"{settings.SITE_URL}/j/{link.code}/"
