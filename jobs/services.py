"""Every write and rule of the jobs domain: employers, postings, lineup, applications, digests."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.activity import activity_log
from core.errors import ApplicationError, Conflict
from core.models import User
from core.outbox import email_payload, outbox_enqueue
from core.validation import check_text
from jobs.models import (
    Application,
    ApplicationEvent,
    Employer,
    EmployerInvitation,
    EmployerMembership,
    JobPosting,
    LineupRequest,
    ShortLink,
)
from jobs.validators import credit_code_error, mask_phone, normalize_credit_code, normalize_mobile
from livestreams.models import LiveSession, Segment
from livestreams.services import segment_create, segment_on_air

logger = logging.getLogger(__name__)

P = JobPosting.Status
A = Application.Status
L = LineupRequest.Status
S = LiveSession.Status

EMPLOYER_FIELDS = {
    "name",
    "credit_code",
    "industry",
    "city",
    "district",
    "contact_name",
    "contact_phone",
    "contact_email",
}
POSTING_FIELDS = {
    "title",
    "description",
    "pay_type",
    "pay_min",
    "pay_max",
    "headcount",
    "city",
    "district",
    "address",
    "shift",
    "housing",
    "meals",
    "ins_pension",
    "ins_medical",
    "ins_unemployment",
    "ins_work_injury",
    "ins_maternity",
    "housing_fund",
    "education",
    "experience_years",
    "age_min",
    "age_max",
    "tags",
    "closes_at",
}

# The pipeline. Skipping "contacted" is allowed (a recruiter often calls and books the interview in
# one go), and anything not yet final can end as rejected/withdrawn. Hiring straight from "applied"
# or "contacted" is refused: an offer is recorded first. Final states stay final.
PIPELINE: dict[str, set[str]] = {
    A.APPLIED: {A.CONTACTED, A.INTERVIEW, A.REJECTED, A.WITHDRAWN},
    A.CONTACTED: {A.INTERVIEW, A.REJECTED, A.WITHDRAWN},
    A.INTERVIEW: {A.OFFER, A.REJECTED, A.WITHDRAWN},
    A.OFFER: {A.HIRED, A.REJECTED, A.WITHDRAWN},
    A.HIRED: set(),
    A.REJECTED: set(),
    A.WITHDRAWN: set(),
}

# Posting status changes an employer may make (closing is also done by the tick at closes_at).
POSTING_TRANSITIONS: dict[str, set[str]] = {
    P.DRAFT: {P.OPEN, P.CLOSED},
    P.OPEN: {P.PAUSED, P.CLOSED, P.FILLED},
    P.PAUSED: {P.OPEN, P.CLOSED, P.FILLED},
    P.CLOSED: {P.OPEN},
    P.FILLED: {P.OPEN, P.CLOSED},
}


# --- Employers --------------------------------------------------------------------------------------


def _validate_employer_fields(fields: dict) -> dict:
    errors: dict[str, list[str]] = {}
    if "credit_code" in fields:
        fields["credit_code"] = normalize_credit_code(fields["credit_code"])
        message = credit_code_error(fields["credit_code"])
        if message:
            errors["credit_code"] = [message]
    if fields.get("contact_phone"):
        try:
            fields["contact_phone"] = normalize_mobile(fields["contact_phone"])
        except ValueError as exc:
            errors["contact_phone"] = [str(exc)]
    if errors:
        raise ApplicationError("Invalid employer.", fields=errors)
    return fields


def _credit_code_taken() -> ApplicationError:
    return ApplicationError(
        "This credit code is already registered.",
        code="duplicate",
        fields={"credit_code": [gettext("该统一社会信用代码已注册 / This company is already registered.")]},
    )


@transaction.atomic
def employer_register(*, user: User, **fields) -> Employer:
    """The user registers a company and becomes its owner."""
    unknown = set(fields) - EMPLOYER_FIELDS
    if unknown:
        raise ApplicationError("Unknown fields.", fields={f: ["Unknown field."] for f in sorted(unknown)})
    if user.is_organizer or user.role not in (User.Role.EMPLOYER, User.Role.NONE):
        raise ApplicationError(
            "Only employer accounts can register a company.", code="permission_denied", status_code=403
        )
    if EmployerMembership.objects.filter(user=user).exists():
        raise Conflict("You already belong to an employer.", code="already_member")
    fields = _validate_employer_fields(dict(fields))
    if Employer.objects.filter(credit_code=fields["credit_code"]).exists():
        raise _credit_code_taken()
    try:
        with transaction.atomic():
            employer = Employer.objects.create(**fields)
    except IntegrityError as exc:
        raise _credit_code_taken() from exc
    EmployerMembership.objects.create(user=user, employer=employer, role=EmployerMembership.Role.OWNER)
    if user.role != User.Role.EMPLOYER:
        user.role = User.Role.EMPLOYER
        user.save(update_fields=["role"])
    activity_log(actor=user, verb="employer.registered", obj=employer)
    return employer


def _check_username(username: str) -> None:
    from django.core.exceptions import ValidationError

    problem = ""
    if not username:
        problem = gettext("请填写用户名 / Please choose a username.")
    elif len(username) > 150:
        problem = gettext("用户名不超过 150 个字符 / At most 150 characters.")
    else:
        try:
            User.username_validator(username)
        except ValidationError:
            problem = gettext("用户名只能包含字母、数字和 @/./+/-/_ / Letters, digits and @/./+/-/_ only.")
    if problem:
        raise ApplicationError("Invalid username.", fields={"username": [problem]})


def _check_password(password: str) -> None:
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    messages = []
    if len(password) < 8:
        messages.append(gettext("密码至少 8 位 / At least 8 characters."))
    try:
        validate_password(password)
    except ValidationError as exc:
        messages.extend(exc.messages)
    if messages:
        raise ApplicationError("Weak password.", fields={"password": messages})


def _employer_account_create(*, username: str, password: str, email: str, display_name: str) -> User:
    """A new employer-member account, after the checks both sign-up paths share."""
    _check_username(username)
    check_text(display_name=(display_name, 100))
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(
            "Username taken.", fields={"username": [gettext("该用户名已被使用 / Username taken.")]}
        )
    _check_password(password)
    return User.objects.create_user(
        username=username, password=password, email=email, display_name=display_name, role=User.Role.EMPLOYER
    )


@transaction.atomic
def employer_signup(
    *, username: str, password: str, email: str, display_name: str = "", **company
) -> Employer:
    """Anonymous sign-up: create the owner account and the company in one step."""
    user = _employer_account_create(
        username=username, password=password, email=email, display_name=display_name
    )
    return employer_register(user=user, **company)


@transaction.atomic
def employer_update(*, employer: Employer, by: User, **changes) -> Employer:
    unknown = set(changes) - EMPLOYER_FIELDS
    if unknown:
        raise ApplicationError("Unknown fields.", fields={f: ["Unknown field."] for f in sorted(unknown)})
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    changes = _validate_employer_fields(dict(changes))
    if "credit_code" in changes and changes["credit_code"] != employer.credit_code:
        if employer.verified:
            # The credit code is what the organizer verified; changing it needs a new verification.
            employer.verified = False
            employer.verified_at = None
            changes["verified"] = False
        if Employer.objects.filter(credit_code=changes["credit_code"]).exclude(pk=employer.pk).exists():
            raise _credit_code_taken()
    for name, value in changes.items():
        setattr(employer, name, value)
    employer.save()
    activity_log(actor=by, verb="employer.updated", obj=employer, fields=sorted(changes))
    return employer


@transaction.atomic
def employer_verify(*, employer: Employer, by: User, verified: bool = True) -> Employer:
    Employer.objects.filter(pk=employer.pk).update(
        verified=verified,
        verified_at=timezone.now() if verified else None,
        verified_by=by if verified else None,
    )
    employer.refresh_from_db()
    activity_log(actor=by, verb="employer.verified" if verified else "employer.unverified", obj=employer)
    return employer


INVITATION_LIFETIME = timedelta(days=7)


@transaction.atomic
def employer_invite(*, employer: Employer, by: User, email: str) -> EmployerInvitation:
    membership = getattr(by, "employer_membership", None)
    if membership is None or membership.employer_id != employer.pk or membership.role != "owner":
        raise ApplicationError(
            "Only the owner can invite recruiters.", code="permission_denied", status_code=403
        )
    invitation = EmployerInvitation.objects.create(
        employer=employer, email=email, invited_by=by, expires_at=timezone.now() + INVITATION_LIFETIME
    )
    link = f"{settings.SITE_URL}/jobs/invite/{invitation.token}/"
    text = (
        f"您好：\n\n{by.name} 邀请您作为招聘专员加入「{employer.name}」，在驿站管理岗位和求职者。\n"
        f"接受邀请（7 天内有效）：{link}\n或调用 API：POST /api/v1/jobs/invitations/accept/ ，token={invitation.token}\n\n"
        f"{by.name} invited you to recruit for “{employer.name}” on Yizhan. Accept within 7 days: {link}\n"
    )
    outbox_enqueue(
        key=f"jobs:invite:{invitation.pk}",
        recipient=email,
        subject=f"[驿站] 加入「{employer.name}」招聘团队的邀请",
        payload=email_payload(text=text),
    )
    activity_log(actor=by, verb="employer.invited", obj=employer, email=email)
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, username: str, password: str, display_name: str = ""
) -> EmployerMembership:
    invitation = EmployerInvitation.objects.select_for_update().filter(token=token).first()
    if invitation is None or invitation.accepted_at or invitation.expires_at <= timezone.now():
        raise ApplicationError(
            "This invitation is not valid.",
            code="invalid_invitation",
            fields={"token": [gettext("邀请无效或已过期 / Invitation is invalid or expired.")]},
        )
    user = _employer_account_create(
        username=username, password=password, email=invitation.email, display_name=display_name
    )
    membership = EmployerMembership.objects.create(
        user=user, employer=invitation.employer, role=EmployerMembership.Role.RECRUITER
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_user = user
    invitation.save(update_fields=["accepted_at", "accepted_user"])
    activity_log(actor=user, verb="employer.joined", obj=invitation.employer)
    return membership


@transaction.atomic
def membership_remove(*, membership: EmployerMembership, by: User) -> None:
    if membership.role == EmployerMembership.Role.OWNER:
        raise Conflict("The owner cannot be removed.", code="owner")
    activity_log(actor=by, verb="employer.member_removed", obj=membership.employer, user=membership.user_id)
    membership.delete()


# --- Postings ---------------------------------------------------------------------------------------


def _validate_posting(values: dict) -> None:
    errors: dict[str, list[str]] = {}
    pay_min, pay_max = values.get("pay_min"), values.get("pay_max")
    if pay_min is not None and pay_max is not None and Decimal(pay_min) > Decimal(pay_max):
        errors["pay_min"] = [gettext("最低薪资不能高于最高薪资 / Minimum pay must not exceed maximum pay.")]
    if values.get("headcount") is not None and values["headcount"] < 1:
        errors["headcount"] = [gettext("招聘人数至少为 1 / Headcount must be at least 1.")]
    age_min, age_max = values.get("age_min"), values.get("age_max")
    if age_min is not None and age_max is not None and age_min > age_max:
        errors["age_min"] = ["Minimum age must not exceed maximum age."]
    if age_min is not None and age_min < 16:
        errors["age_min"] = [gettext("不得招用未满 16 周岁的未成年人 / Minimum legal working age is 16.")]
    closes_at = values.get("closes_at")
    if closes_at is not None and closes_at <= timezone.now() and values.get("_check_future", True):
        errors["closes_at"] = [gettext("截止时间必须在将来 / Closing time must be in the future.")]
    if errors:
        raise ApplicationError("Invalid posting.", fields=errors)


@transaction.atomic
def posting_create(*, employer: Employer, by: User, publish: bool = False, **fields) -> JobPosting:
    unknown = set(fields) - POSTING_FIELDS
    if unknown:
        raise ApplicationError("Unknown fields.", fields={f: ["Unknown field."] for f in sorted(unknown)})
    _validate_posting(fields)
    posting = JobPosting.objects.create(
        employer=employer, created_by=by, status=P.OPEN if publish else P.DRAFT, **fields
    )
    activity_log(actor=by, verb="posting.created", obj=posting)
    return posting


@transaction.atomic
def posting_update(*, posting: JobPosting, by: User, **changes) -> JobPosting:
    unknown = set(changes) - POSTING_FIELDS
    if unknown:
        raise ApplicationError("Unknown fields.", fields={f: ["Unknown field."] for f in sorted(unknown)})
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
def posting_set_status(*, posting: JobPosting, by: User, status: str) -> JobPosting:
    posting = JobPosting.objects.select_for_update().get(pk=posting.pk)
    if status == posting.status:
        return posting
    if status not in POSTING_TRANSITIONS.get(posting.status, set()):
        raise Conflict(
            f"A {posting.status} posting cannot become {status}.",
            code="invalid_transition",
            fields={
                "status": [f"Allowed from {posting.status}: {sorted(POSTING_TRANSITIONS[posting.status])}."]
            },
        )
    if status == P.OPEN and posting.closes_at and posting.closes_at <= timezone.now():
        raise ApplicationError(
            "The closing time has passed; set a new closes_at first.",
            code="invalid_transition",
            fields={"closes_at": [gettext("截止时间已过 / Closing time has passed.")]},
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


# --- Lineup -----------------------------------------------------------------------------------------


def _lineup_changed(*, request: LineupRequest, change: str) -> None:
    """The one place every lineup change passes through (approved, declined, withdrawn, removed, moved).

    It records the activity, refreshes the time snapshot, makes sure short links exist for
    featured postings, and brings the employer's calendar invites up to date (REQUEST on approval
    or a move, CANCEL when declined/withdrawn/removed; idempotent).
    """
    if change in ("approved", "moved") and request.segment_id:
        segment = Segment.objects.get(pk=request.segment_id)
        LineupRequest.objects.filter(pk=request.pk).update(
            segment_starts_at=segment.starts_at, segment_ends_at=segment.ends_at
        )
        request.segment_starts_at, request.segment_ends_at = segment.starts_at, segment.ends_at
    if change == "approved":
        for posting in request.postings.all():
            shortlink_get_or_create(posting=posting, session=request.session)
    activity_log(actor=None, verb=f"lineup.{change}", obj=request)
    from invites.adapters import on_lineup_changed

    on_lineup_changed(request)


def _lineup_error(field: str, message: str, code: str = "invalid") -> ApplicationError:
    return ApplicationError(message, code=code, fields={field: [message]})


@transaction.atomic
def lineup_request_create(
    *, employer: Employer, by: User, session: LiveSession, postings: list[JobPosting], note: str = ""
) -> LineupRequest:
    if session.kind != LiveSession.Kind.JOB_FAIR:
        raise _lineup_error(
            "session", gettext("只能申请直播带岗专场 / Only job-fair sessions have an employer lineup.")
        )
    if session.status not in (S.DRAFT, S.SCHEDULED):
        raise _lineup_error(
            "session",
            gettext("该场次已%(status_label)s，不能再申请 / Session is %(status)s.")
            % {"status_label": session.get_status_display(), "status": session.status},
        )
    if not postings:
        raise _lineup_error("postings", gettext("请至少选择一个岗位 / Choose at least one posting."))
    foreign = [p for p in postings if p.employer_id != employer.pk]
    if foreign:
        raise _lineup_error("postings", "Unknown posting.")
    inactive = [p.title for p in postings if p.status in (P.CLOSED, P.FILLED)]
    if inactive:
        raise _lineup_error(
            "postings",
            gettext("岗位已关闭 / Closed postings cannot be featured: %(titles)s.")
            % {"titles": ", ".join(inactive)},
        )
    try:
        with transaction.atomic():
            request = LineupRequest.objects.create(
                employer=employer, session=session, note=note, requested_by=by
            )
    except IntegrityError as exc:
        raise Conflict(
            "You already have an open request for this session.",
            code="duplicate",
            fields={"session": [gettext("已申请过该场次 / Already requested.")]},
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
        raise Conflict(f"A {request.status} request cannot be approved.", code="invalid_state")
    if not request.employer.verified:
        raise Conflict(
            "Only verified employers can be placed in a lineup.",
            code="employer_not_verified",
            fields={"employer": [gettext("企业尚未通过审核 / Employer is not verified yet.")]},
        )
    if request.session.status not in (S.DRAFT, S.SCHEDULED, S.LIVE):
        raise Conflict(f"The session is {request.session.status}.", code="invalid_state")
    postings = list(request.postings.all())
    if segment is not None:
        if segment.session_id != request.session_id:
            raise _lineup_error("segment", "Unknown segment.")
        if LineupRequest.objects.filter(segment=segment).exists() or segment.seller_id:
            raise _lineup_error("segment", gettext("该时段已分配 / This segment is already taken."))
    else:
        if starts_at is None or ends_at is None:
            raise ApplicationError(
                "Give a segment or starts_at/ends_at.",
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


@transaction.atomic
def lineup_decline(*, request: LineupRequest, by: User, reason: str) -> LineupRequest:
    request = _locked_request(request)
    if request.status != L.REQUESTED:
        raise Conflict(f"A {request.status} request cannot be declined.", code="invalid_state")
    request.status, request.reason, request.decided_by, request.decided_at = (
        L.DECLINED,
        reason,
        by,
        timezone.now(),
    )
    request.save(update_fields=["status", "reason", "decided_by", "decided_at", "updated_at"])
    _lineup_changed(request=request, change="declined")
    return request


def _end_lineup(request: LineupRequest, *, by: User, to: str, reason: str) -> LineupRequest:
    request = _locked_request(request)
    if request.status not in LineupRequest.ACTIVE:
        raise Conflict(f"A {request.status} request cannot be {to}.", code="invalid_state")
    if request.session.status in (S.ENDED, S.CANCELLED) and request.status == L.APPROVED:
        raise Conflict(
            f"The session is {request.session.status}; its lineup is history.", code="invalid_state"
        )
    segment_id = request.segment_id
    request.status, request.reason, request.segment = to, reason, None
    request.save(update_fields=["status", "reason", "segment", "updated_at"])
    if segment_id:
        from livestreams.services import segment_delete

        segment = Segment.objects.filter(pk=segment_id).first()
        if segment is not None:
            segment_delete(segment=segment, by=by)
    _lineup_changed(request=request, change=to)
    return request


@transaction.atomic
def lineup_withdraw(*, request: LineupRequest, by: User, reason: str = "") -> LineupRequest:
    return _end_lineup(request, by=by, to=L.WITHDRAWN, reason=reason)


@transaction.atomic
def lineup_remove(*, request: LineupRequest, by: User, reason: str) -> LineupRequest:
    return _end_lineup(request, by=by, to=L.REMOVED, reason=reason)


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
    raise ApplicationError("Could not create a short link, please retry.", code="busy", status_code=503)


def shortlink_url(link: ShortLink) -> str:
    return f"{settings.SITE_URL}/j/{link.code}/"


# --- Applications -----------------------------------------------------------------------------------


def attribution_for(session: LiveSession | None, *, at: datetime) -> dict:
    """Which channel, segment and minute an application made now belongs to."""
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
        errors["name"] = [gettext("请填写姓名 / Please enter your name.")]
    elif len(name) > 50:
        errors["name"] = [gettext("姓名不超过 50 个字 / At most 50 characters.")]
    if len(note) > 200:
        errors["note"] = [gettext("留言不超过 200 个字 / At most 200 characters.")]
    try:
        phone = normalize_mobile(phone)
    except ValueError as exc:
        errors["phone"] = [str(exc)]
    if errors:
        raise ApplicationError("Invalid application.", fields=errors)
    return name, phone, note


def application_submit(
    *,
    posting: JobPosting,
    name: str,
    phone: str,
    note: str = "",
    session: LiveSession | None = None,
    now: datetime | None = None,
    validated: bool = False,
) -> tuple[Application, bool]:
    """One application per (posting, phone). Returns (application, created).

    INSERT … ON CONFLICT DO NOTHING makes 20 parallel identical submits produce one row; the losers
    read the winner's row back. A repeat keeps the first attribution.
    """
    if not validated:
        name, phone, note = _validate_applicant(name, phone, note)
    now = now or timezone.now()
    if not posting_is_open(posting, now=now):
        raise Conflict(
            "This job is no longer accepting applications.",
            code="posting_closed",
            fields={"posting": [gettext("该岗位已停止招聘 / This job is closed.")]},
        )
    attribution = attribution_for(session, at=now)
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


@transaction.atomic
def application_set_status(*, application: Application, by: User, status: str, note: str = "") -> Application:
    current = application.status
    allowed = PIPELINE.get(current, set())
    if status not in allowed:
        raise ApplicationError(
            f"Cannot move an application from {current} to {status}.",
            code="invalid_transition",
            fields={
                "status": [
                    gettext("从 %(current)s 只能变为 / From %(current)s allowed: %(allowed)s.")
                    % {"current": current, "allowed": ", ".join(sorted(allowed)) or "—"}
                ]
            },
        )
    now = timezone.now()
    # Conditional UPDATE: two recruiters clicking at once cannot both move it from the same state.
    updated = Application.objects.filter(pk=application.pk, status=current).update(
        status=status, status_changed_at=now, status_changed_by=by
    )
    if not updated:
        raise Conflict("The application was changed meanwhile; reload it.", code="stale")
    ApplicationEvent.objects.create(
        application=application, from_status=current, to_status=status, note=note, by=by
    )
    application.refresh_from_db()
    return application


def application_add_note(*, application: Application, by: User, note: str) -> ApplicationEvent:
    return ApplicationEvent.objects.create(application=application, note=note, by=by)


# --- Digest -----------------------------------------------------------------------------------------


def digest_period_start(now: datetime) -> datetime:
    minutes = max(int(getattr(settings, "JOBS_DIGEST_MINUTES", 60)), 1)
    epoch = int(now.timestamp()) // 60
    return datetime.fromtimestamp((epoch - epoch % minutes) * 60, tz=UTC)


def digests_send_due(*, now: datetime | None = None, limit: int = 5000) -> int:
    """Announce applications from finished periods: one email per employer per period (unique key).

    Applications created in the current period wait for the next boundary, so two ticks in one
    period cannot split an employer's applicants into two emails with the same key.
    """
    now = now or timezone.now()
    period = digest_period_start(now)
    sent = 0
    with transaction.atomic():
        rows = list(
            Application.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(digested_at__isnull=True, created_at__lt=period)
            .select_related("posting__employer")
            .order_by("created_at")[:limit]
        )
        if not rows:
            return 0
        Application.objects.filter(pk__in=[r.pk for r in rows]).update(digested_at=now)
        by_employer: dict = {}
        for row in rows:
            by_employer.setdefault(row.posting.employer, []).append(row)
        for employer, apps in by_employer.items():
            sent += int(_send_digest(employer, apps, period))
    return sent


def _digest_recipient(employer: Employer) -> str:
    if employer.contact_email:
        return employer.contact_email
    owner = employer.memberships.filter(role="owner").select_related("user").first()
    return owner.user.email if owner else ""


def _send_digest(employer: Employer, apps: list[Application], period: datetime) -> bool:
    lines = [
        f"- {a.name} {mask_phone(a.phone)} · {a.posting.title} · {a.get_channel_display()}" for a in apps[:50]
    ]
    more = f"\n……另有 {len(apps) - 50} 人 / and {len(apps) - 50} more" if len(apps) > 50 else ""
    text = (
        f"「{employer.name}」您好：\n\n新收到 {len(apps)} 份求职申请 / {len(apps)} new applications:\n\n"
        + "\n".join(lines)
        + more
        + f"\n\n登录查看完整联系方式并跟进 / Sign in to see full numbers: {settings.SITE_URL}/jobs/employer/\n"
    )
    return outbox_enqueue(
        key=f"jobs:digest:{employer.pk}:{period.isoformat()}",
        recipient=_digest_recipient(employer),
        subject=f"[驿站] {employer.name}：新收到 {len(apps)} 份求职申请",
        payload=email_payload(text=text),
    )
