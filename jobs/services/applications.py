"""Applications: attribution, the one-minute submit, the pipeline."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.errors import ApplicationError, Conflict
from core.models import User
from core.validation import check_text
from jobs.models import (
    Application,
    ApplicationEvent,
    JobPosting,
)
from jobs.ratelimit import apply_rate_check
from jobs.selectors import posting_in_lineup
from jobs.services.common import PIPELINE, A, S
from jobs.services.postings import posting_is_open
from jobs.validators import normalize_mobile
from livestreams.models import LiveSession
from livestreams.services import segment_on_air


def attribution_for(session: LiveSession | None, *, at: datetime, posting: JobPosting | None = None) -> dict:
    """Which channel, segment and minute an application made now belongs to.

    A session is credited only when the posting is in its approved lineup: a link or a simulator that
    names another session (or a posting removed from the lineup) gives a ``direct`` application.
    """
    if (
        session is not None
        and posting is not None
        and not posting_in_lineup(posting=posting, session=session)
    ):
        session = None
    if session is None:
        return {
            "session": None,
            "segment": None,
            "minute_offset": None,
            "channel": Application.Channel.DIRECT,
        }
    if session.status == S.LIVE and session.went_live_at:
        offset = int((at - session.went_live_at).total_seconds() // 60)
        return {
            "session": session,
            "segment": segment_on_air(session, at),
            "minute_offset": max(offset, 0),
            "channel": Application.Channel.LIVE,
        }
    if session.status == S.ENDED:
        return {
            "session": session,
            "segment": None,
            "minute_offset": None,
            "channel": Application.Channel.REPLAY,
        }
    # Before the live starts (a shared link or the session page), the session is kept but the
    # application is not counted as a live one.
    return {"session": session, "segment": None, "minute_offset": None, "channel": Application.Channel.DIRECT}


_INSERT_SQL = """
INSERT INTO jobs_application
    (id, posting_id, session_id, segment_id, name, phone, note, minute_offset, channel, status, created_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, 'applied', %s)
ON CONFLICT (posting_id, phone) DO NOTHING
RETURNING id
"""


def _validate_applicant(name: str, phone: str, note: str) -> tuple[str, str, str]:
    errors: dict[str, list[str]] = {}
    name = (name or "").strip()
    note = (note or "").strip()
    if "\x00" in name + note + (phone or ""):
        check_text(name=(name, 50), note=(note, 200), phone=(phone or "", 40))
    if not name:
        errors["name"] = [gettext("请填写姓名。")]
    elif len(name) > 50:
        errors["name"] = [gettext("姓名不超过 50 个字。")]
    if len(note) > 200:
        errors["note"] = [gettext("留言不超过 200 个字。")]
    try:
        phone = normalize_mobile(phone)
    except ValueError as exc:
        errors["phone"] = [str(exc)]
    if errors:
        raise ApplicationError(gettext("Invalid application."), fields=errors)
    return name, phone, note


def application_submit_public(
    *,
    posting: JobPosting,
    session: LiveSession | None,
    name: str,
    phone: str,
    note: str = "",
    ip: str,
) -> tuple[Application, bool]:
    """The public one-minute apply (the JSON API and the phone page): validate, rate-limit, submit.

    Invalid input still counts against the IP's limit (hostile junk cannot probe for free); a valid one
    counts per IP and per number. The limiter never needs Redis (PostgreSQL fallback), so an
    application is stored during a Redis outage.
    """
    try:
        name, phone, note = _validate_applicant(name, phone, note)
    except ApplicationError:
        apply_rate_check(ip=ip, phone=None)
        raise
    apply_rate_check(ip=ip, phone=phone)
    return _submit(posting=posting, session=session, name=name, phone=phone, note=note, now=timezone.now())


def application_submit(
    *,
    posting: JobPosting,
    name: str,
    phone: str,
    note: str = "",
    session: LiveSession | None = None,
    now: datetime | None = None,
) -> tuple[Application, bool]:
    """One application per (posting, phone), without a rate limit (staff tools, demo, imports).

    Returns (application, created). See :func:`application_submit_public` for the public path.
    """
    name, phone, note = _validate_applicant(name, phone, note)
    return _submit(
        posting=posting, session=session, name=name, phone=phone, note=note, now=now or timezone.now()
    )


def posting_closed_error() -> Conflict:
    return Conflict(
        gettext("This job is no longer accepting applications."),
        code="posting_closed",
        fields={"posting": [gettext("该岗位已停止招聘。")]},
    )


def _submit(
    *, posting: JobPosting, session: LiveSession | None, name: str, phone: str, note: str, now: datetime
) -> tuple[Application, bool]:
    """INSERT … ON CONFLICT DO NOTHING makes 20 parallel identical submits produce one row; the losers
    read the winner's row back. A repeat keeps the first attribution."""
    if not posting_is_open(posting, now=now):
        raise posting_closed_error()
    attribution = attribution_for(session, at=now, posting=posting)
    session = attribution["session"]
    new_id = uuid.uuid4()
    segment = attribution["segment"]
    with connection.cursor() as cursor:
        cursor.execute(
            _INSERT_SQL,
            [
                new_id,
                posting.pk,
                session.pk if session else None,
                segment.pk if segment else None,
                name,
                phone,
                note,
                attribution["minute_offset"],
                attribution["channel"],
                now,
            ],
        )
        created = cursor.fetchone() is not None
    if created:
        application = Application(
            id=new_id,
            posting=posting,
            session=session,
            segment=segment,
            name=name,
            phone=phone,
            note=note,
            minute_offset=attribution["minute_offset"],
            channel=attribution["channel"],
            status=A.APPLIED,
            created_at=now,
        )
        application._state.adding = False
        application._state.db = "default"
    else:
        application = Application.objects.get(posting=posting, phone=phone)
    return application, created


def _status_label(status: str) -> str:
    return str(dict(Application.Status.choices).get(status, status))


@transaction.atomic
def application_set_status(*, application: Application, by: User, status: str, note: str = "") -> Application:
    current = application.status
    allowed = PIPELINE.get(current, set())
    if status not in allowed:
        raise ApplicationError(
            gettext("Cannot move an application from %(current)s to %(status)s.")
            % {"current": _status_label(current), "status": _status_label(status)},
            code="invalid_transition",
            fields={
                "status": [
                    gettext("从“%(current)s”只能变为：%(allowed)s。")
                    % {
                        "current": _status_label(current),
                        "allowed": gettext("、").join(_status_label(s) for s in sorted(allowed)) or "—",
                    }
                ]
            },
        )
    now = timezone.now()
    # Conditional UPDATE: two recruiters clicking at once cannot both move it from the same state.
    updated = Application.objects.filter(pk=application.pk, status=current).update(
        status=status, status_changed_at=now, status_changed_by=by
    )
    if not updated:
        raise Conflict(gettext("The application was changed meanwhile; reload it."), code="stale")
    ApplicationEvent.objects.create(
        application=application, from_status=current, to_status=status, note=note, by=by
    )
    application.refresh_from_db()
    return application


def application_add_note(*, application: Application, by: User, note: str) -> ApplicationEvent:
    return ApplicationEvent.objects.create(application=application, note=note, by=by)
