"""Applications: attribution, the one-minute submit, the pipeline."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core import sql
from core.errors import ApplicationError, Conflict, NotFound
from core.models import User
from core.validation import check_text
from jobs.models import (
    Application,
    ApplicationEvent,
    JobPosting,
)
from jobs.ratelimit import apply_rate_check
from jobs.services.common import PIPELINE
from jobs.validators import normalize_mobile
from livestreams.models import LiveSession


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


# --- The one-minute apply: one statement -----------------------------------------------------------
#
# Resolve the target (short link, or posting [+ session]), decide the attribution (a session is credited
# only when the posting is in its approved lineup; live → channel live + segment on air + minute; ended →
# replay; otherwise direct), refuse a closed posting, INSERT … ON CONFLICT DO NOTHING, and read back the
# existing row for a repeat: one round trip to PostgreSQL in the common case. Only when a parallel
# identical submit committed after this statement began (the loser of the race waited on the unique
# index, and its snapshot cannot see the winner) is the winner's row read in a second query.

_TARGETS = {
    "code": """
        SELECT p.id, p.title, p.status, p.closes_at, e.name, s.id AS sid, s.status AS sstatus, s.went_live_at
        FROM jobs_shortlink l
        JOIN jobs_jobposting p ON p.id = l.posting_id
        JOIN jobs_employer e ON e.id = p.employer_id
        LEFT JOIN livestreams_livesession s ON s.id = l.session_id
        WHERE l.code = %(code)s LIMIT 1""",
    "link": """
        SELECT p.id, p.title, p.status, p.closes_at, e.name, s.id AS sid, s.status AS sstatus, s.went_live_at
        FROM jobs_shortlink l
        JOIN jobs_jobposting p ON p.id = l.posting_id
        JOIN jobs_employer e ON e.id = p.employer_id
        JOIN livestreams_livesession s ON s.id = l.session_id
        WHERE l.posting_id = %(posting)s AND l.session_id = %(session)s LIMIT 1""",
    "posting": """
        SELECT p.id, p.title, p.status, p.closes_at, e.name, s.id AS sid, s.status AS sstatus, s.went_live_at
        FROM jobs_jobposting p
        JOIN jobs_employer e ON e.id = p.employer_id
        LEFT JOIN livestreams_livesession s ON s.id = %(session)s
        WHERE p.id = %(posting)s AND p.status <> 'draft'""",
}

_SUBMIT_SQL = """
WITH target AS ({target}),
attr AS (
    SELECT t.*,
           (t.status = 'open' AND (t.closes_at IS NULL OR t.closes_at > %(now)s)) AS is_open,
           (t.sid IS NOT NULL AND EXISTS (
                SELECT 1 FROM jobs_lineuprequest r
                JOIN jobs_lineuprequest_postings rp ON rp.lineuprequest_id = r.id
                WHERE r.session_id = t.sid AND r.status = 'approved' AND rp.jobposting_id = t.id)) AS featured
    FROM target t
),
chan AS (
    SELECT a.*,
           CASE WHEN NOT a.featured THEN 'direct'
                WHEN a.sstatus = 'live' AND a.went_live_at IS NOT NULL THEN 'live'
                WHEN a.sstatus = 'ended' THEN 'replay'
                ELSE 'direct' END AS channel
    FROM attr a
),
ins AS (
    INSERT INTO jobs_application
        (id, posting_id, session_id, segment_id, name, phone, note, minute_offset, channel, status, created_at)
    SELECT %(id)s, c.id, CASE WHEN c.featured THEN c.sid END,
           CASE WHEN c.channel = 'live' THEN (
               SELECT g.id FROM livestreams_segment g
               WHERE g.session_id = c.sid AND g.starts_at <= %(now)s AND g.ends_at > %(now)s
               ORDER BY g.starts_at LIMIT 1) END,
           %(name)s, %(phone)s, %(note)s,
           CASE WHEN c.channel = 'live'
                THEN GREATEST(FLOOR(EXTRACT(EPOCH FROM (%(now)s - c.went_live_at)) / 60), 0)::int END,
           c.channel, 'applied', %(now)s
    FROM chan c WHERE c.is_open
    ON CONFLICT (posting_id, phone) DO NOTHING
    RETURNING id, name, phone, channel, status
)
SELECT c.id, c.title, c.name, c.is_open, i.id IS NOT NULL,
       COALESCE(i.id, x.id), COALESCE(i.name, x.name), COALESCE(i.phone, x.phone),
       COALESCE(i.channel, x.channel), COALESCE(i.status, x.status)
FROM chan c
LEFT JOIN ins i ON true
LEFT JOIN LATERAL (
    SELECT a.id, a.name, a.phone, a.channel, a.status FROM jobs_application a
    WHERE i.id IS NULL AND a.posting_id = c.id AND a.phone = %(phone)s LIMIT 1
) x ON true
"""

_SUBMIT = {mode: _SUBMIT_SQL.format(target=target) for mode, target in _TARGETS.items()}
_EXISTING_SQL = (
    "SELECT id, name, phone, channel, status FROM jobs_application WHERE posting_id = %s AND phone = %s"
)


@dataclass(frozen=True, slots=True)
class Applied:
    """What an apply answers with: the application (new, or the existing one for a repeat) and its job."""

    id: uuid.UUID
    created: bool
    posting_id: uuid.UUID
    posting_title: str
    employer_name: str
    name: str
    phone: str
    channel: str
    status: str


class _Unknown(Exception):
    pass


def _submit_sql(*, mode: str, params: dict, now: datetime) -> Applied:
    params = {"code": None, "posting": None, "session": None, **params, "now": now, "id": uuid.uuid4()}
    row = sql.fetchone(_SUBMIT[mode], params)
    if row is None:
        raise _Unknown
    posting_id, title, employer_name, is_open, created, *app = row
    if not is_open:
        raise posting_closed_error()
    if app[0] is None:  # lost the race to a submit that committed after this statement began
        with connection.cursor() as cursor:
            cursor.execute(_EXISTING_SQL, [posting_id, params["phone"]])
            app = cursor.fetchone()
    return Applied(app[0], created, posting_id, title, employer_name, *app[1:])


def _target(*, code, posting_id, session_id) -> tuple[str, dict]:
    if code:
        return "code", {"code": code}
    if session_id:
        return "link", {"posting": posting_id, "session": session_id}
    return "posting", {"posting": posting_id}


def application_submit_public(
    *,
    name: str,
    phone: str,
    note: str = "",
    ip: str,
    code: str | None = None,
    posting_id=None,
    session_id=None,
) -> Applied:
    """The public one-minute apply (the JSON API and the phone page): validate, rate-limit, submit.

    The target is a short-link ``code``, or a ``posting_id`` (with a ``session_id``: the posting's link
    for that session must exist). Invalid input still counts against the IP's limit (hostile junk cannot
    probe for free); a valid one counts per IP and per number, both in one Redis command. The limiter
    never needs Redis (PostgreSQL fallback), so an application is stored during a Redis outage. Then one
    SQL statement resolves, attributes and stores (or returns the existing application).
    """
    try:
        name, phone, note = _validate_applicant(name, phone, note)
    except ApplicationError:
        apply_rate_check(ip=ip, phone=None)
        raise
    apply_rate_check(ip=ip, phone=phone)
    mode, params = _target(code=code, posting_id=posting_id, session_id=session_id)
    try:
        return _submit_sql(
            mode=mode, params={**params, "name": name, "phone": phone, "note": note}, now=timezone.now()
        )
    except _Unknown:
        if mode == "code":
            raise NotFound("Unknown link.") from None
        if mode == "link":
            raise ApplicationError(
                "This job is not featured in that session.",
                fields={"session": [gettext("岗位不在该场次的节目单中。")]},
            ) from None
        raise NotFound("Unknown job.") from None


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

    Returns (application, created). The same statement as :func:`application_submit_public` (one rule
    for attribution and repeats); ``session`` is credited only when the posting is in its lineup.
    """
    name, phone, note = _validate_applicant(name, phone, note)
    try:
        applied = _submit_sql(
            mode="posting",
            params={
                "posting": posting.pk,
                "session": session.pk if session else None,
                "name": name,
                "phone": phone,
                "note": note,
            },
            now=now or timezone.now(),
        )
    except _Unknown:
        raise NotFound("Unknown job.") from None
    return Application.objects.select_related("posting", "session", "segment").get(
        pk=applied.id
    ), applied.created


def posting_closed_error() -> Conflict:
    return Conflict(
        gettext("This job is no longer accepting applications."),
        code="posting_closed",
        fields={"posting": [gettext("该岗位已停止招聘。")]},
    )


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
