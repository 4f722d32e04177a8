"""Per-session ingest credentials: a hashed bearer token and an HMAC signing secret for webhooks."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext

from core import sql
from core.activity import activity_log
from core.errors import ApplicationError, NotFound
from core.models import User
from livestreams.models import IngestCredential, LiveSession

TOKEN_PREFIX = "yzi"
WEBHOOK_WINDOW_SECONDS = 300


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class IssuedCredential:
    credential: IngestCredential
    token: str  # shown once
    signing_secret: str


@dataclass(frozen=True)
class IngestContext:
    """What the hot path needs about the session, read in one query with the credential."""

    session_id: str
    union_id: str
    status: str
    went_live_at: datetime | None
    ended_at: datetime | None
    counters_dirty: bool
    key_id: str = ""
    # Read from this process's memory of an earlier request (``recall=True``), not from the database:
    # the statement that stores the events must confirm it (STILL_SO_SQL) or raise StaleContext.
    recalled: bool = False

    def still_so_params(self) -> list:
        """The parameters of STILL_SO_SQL for this context."""
        return [self.key_id, self.status, self.went_live_at, self.ended_at, self.counters_dirty]


class StaleContext(Exception):
    """A recalled context no longer matches the database (the credential was revoked, the session moved
    on, its counters were marked dirty or rebuilt): nothing was stored; authenticate afresh and redo."""


def credential_issue(
    *, session: LiveSession, by: User | None, label: str = "", expires_at: datetime | None = None
) -> IssuedCredential:
    if session.status == LiveSession.Status.CANCELLED:
        raise ApplicationError(gettext("A cancelled session takes no events."), code="invalid_state")
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    signing_secret = secrets.token_hex(32)
    credential = IngestCredential.objects.create(
        session=session,
        key_id=key_id,
        token_hash=_hash(secret),
        signing_secret=signing_secret,
        label=label,
        created_by=by,
        expires_at=expires_at or session.ends_at + timedelta(days=2),
    )
    activity_log(actor=by, verb="ingest_credential.issued", obj=session, key_id=key_id)
    return IssuedCredential(credential, f"{TOKEN_PREFIX}_{key_id}_{secret}", signing_secret)


def credential_revoke(*, credential: IngestCredential, by: User | None) -> IngestCredential:
    IngestCredential.objects.filter(pk=credential.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    credential.refresh_from_db()
    activity_log(actor=by, verb="ingest_credential.revoked", obj=credential.session, key_id=credential.key_id)
    return credential


_LOOKUP_SQL = """
SELECT c.token_hash, c.signing_secret, c.expires_at, c.revoked_at, c.session_id,
       s.union_id, s.status, s.went_live_at, s.ended_at, cs.dirty_since
FROM livestreams_ingestcredential c
JOIN livestreams_livesession s ON s.id = c.session_id
LEFT JOIN livestreams_livecounterstate cs ON cs.session_id = c.session_id
WHERE c.key_id = %s
"""


# One row when the credential is still usable and the session as the recalled context says, none
# otherwise; composed into the statement that stores a batch (ingest), so that recalling a context
# costs no round trip of its own. Positional parameters: IngestContext.still_so_params().
STILL_SO_SQL = """
SELECT FROM livestreams_ingestcredential c
JOIN livestreams_livesession s ON s.id = c.session_id
LEFT JOIN livestreams_livecounterstate cs ON cs.session_id = c.session_id
WHERE c.key_id = %s::text AND c.revoked_at IS NULL AND (c.expires_at IS NULL OR c.expires_at > now())
  AND s.status = %s::text
  AND s.went_live_at IS NOT DISTINCT FROM %s::timestamptz AND s.ended_at IS NOT DISTINCT FROM %s::timestamptz
  AND (cs.dirty_since IS NOT NULL) = %s::bool
"""

# Lookups of this process, by key id: a bridge sends every second with the same credential, and the
# lookup was one of a single event's four round trips. A recalled row is never trusted on its own: the
# token is still checked against its hash here, and the storing statement confirms the rest.
_RECENT: dict[str, tuple] = {}
_RECENT_MAX = 10_000


class Unauthorized(ApplicationError):
    status_code = 401

    def __init__(self, message: str = "", **kwargs):
        kwargs.setdefault("code", "unauthorized")
        super().__init__(message or gettext("Missing or invalid ingest credential."), **kwargs)


def _lookup(key_id: str, session_id: str, *, recall: bool = False) -> tuple:
    """(token hash, signing secret, IngestContext) of the credential ``key_id``; ``recall``: from this
    process's memory of an earlier request when it has one (the context says so: ``recalled``)."""
    row = _RECENT.get(key_id) if recall else None
    if row is not None:
        try:
            return _context(row, key_id, session_id, recalled=True)
        except ApplicationError:  # decided afresh below
            _RECENT.pop(key_id, None)
    # Prepared (planned once per connection): every bridge request without a recalled context starts here.
    row = sql.fetchone(_LOOKUP_SQL, [key_id])
    if row is None:
        _RECENT.pop(key_id, None)
        if not LiveSession.objects.filter(pk=session_id).exists():
            raise NotFound(gettext("Unknown session."))
        raise Unauthorized()
    if len(_RECENT) >= _RECENT_MAX:
        _RECENT.clear()
    _RECENT[key_id] = row
    return _context(row, key_id, session_id, recalled=False)


def _context(row: tuple, key_id: str, session_id: str, *, recalled: bool) -> tuple:
    (
        token_hash,
        signing_secret,
        expires_at,
        revoked_at,
        cred_session,
        union_id,
        status,
        live_at,
        ended_at,
        dirty,
    ) = row
    if str(cred_session) != str(session_id):
        # A valid credential of another session: do not reveal whether this session exists.
        raise Unauthorized(gettext("This credential belongs to another session."))
    if revoked_at is not None:
        raise Unauthorized(gettext("This credential was revoked."), code="credential_revoked")
    if expires_at is not None and expires_at <= timezone.now():
        raise Unauthorized(gettext("This credential has expired."), code="credential_expired")
    context = IngestContext(
        str(cred_session), str(union_id), status, live_at, ended_at, dirty is not None, key_id, recalled
    )
    return token_hash, signing_secret, context


def authenticate_token(*, header: str, session_id: str, recall: bool = False) -> IngestContext:
    """``Authorization: Bearer yzi_<key_id>_<secret>``. ``recall``: see ``_lookup``; only for callers
    that confirm the context in the statement that writes (ingest.events_ingest)."""
    scheme, _, token = (header or "").partition(" ")
    if scheme.lower() != "bearer" or not token.startswith(TOKEN_PREFIX + "_"):
        raise Unauthorized()
    _, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if not key_id or not secret or len(key_id) > 32:
        raise Unauthorized()
    token_hash, _, context = _lookup(key_id, session_id, recall=recall)
    if not hmac.compare_digest(token_hash, _hash(secret)):
        raise Unauthorized()
    return context


def sign(*, secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def authenticate_signature(
    *,
    key_id: str,
    timestamp: str,
    signature: str,
    body: bytes,
    session_id: str,
    now: float | None = None,
    recall: bool = False,
) -> IngestContext:
    """Webhook form: X-Yizhan-Key, X-Yizhan-Timestamp (unix seconds), X-Yizhan-Signature (hex HMAC)."""
    if not key_id or not timestamp or not signature:
        raise Unauthorized(gettext("Missing X-Yizhan-Key, X-Yizhan-Timestamp or X-Yizhan-Signature."))
    try:
        sent = int(timestamp)
    except ValueError:
        raise Unauthorized(
            gettext("X-Yizhan-Timestamp must be unix seconds."), code="bad_timestamp"
        ) from None
    if abs((now or time.time()) - sent) > WEBHOOK_WINDOW_SECONDS:
        raise Unauthorized(gettext("Stale or future timestamp (5-minute window)."), code="stale_timestamp")
    _, signing_secret, context = _lookup(key_id[:32], session_id, recall=recall)
    expected = sign(secret=signing_secret, timestamp=timestamp, body=body)
    if not hmac.compare_digest(expected, signature.strip().lower()):
        raise Unauthorized(gettext("Bad signature."), code="bad_signature")
    return context
