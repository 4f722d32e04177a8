"""Employers: registration, sign-up, verification, invitations and memberships."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from core.activity import activity_log
from core.errors import ApplicationError, Conflict, Forbidden
from core.models import User
from core.notify import notice_language
from core.outbox import email_payload, outbox_enqueue, sms_payload
from core.phones import cn_mobile_clean, cn_mobile_mask
from core.validation import check_text, reject_unknown
from jobs.models import (
    Employer,
    EmployerInvitation,
    EmployerMembership,
    LineupRequest,
)
from jobs.services.common import EMPLOYER_FIELDS
from jobs.services.notices import Words, employer_notice_send, employer_team_tell
from jobs.validators import credit_code_error, normalize_credit_code, normalize_mobile


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
        raise ApplicationError(gettext("Invalid employer."), fields=errors)
    return fields


def _credit_code_taken() -> ApplicationError:
    return ApplicationError(
        gettext("This credit code is already registered."),
        code="duplicate",
        fields={"credit_code": [gettext("该统一社会信用代码已注册。")]},
    )


@transaction.atomic
def employer_register(*, user: User, **fields) -> Employer:
    """The user registers a company and becomes its owner."""
    reject_unknown(fields, EMPLOYER_FIELDS)
    if user.is_organizer or user.role not in (User.Role.EMPLOYER, User.Role.NONE):
        raise Forbidden(gettext("Only employer accounts can register a company."))
    if EmployerMembership.objects.filter(user=user).exists():
        raise Conflict(gettext("You already belong to an employer."), code="already_member")
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
    problem = ""
    if not username:
        problem = gettext("请填写用户名。")
    elif len(username) > 150:
        problem = gettext("用户名不超过 150 个字符。")
    else:
        try:
            User.username_validator(username)
        except ValidationError:
            problem = gettext("用户名只能包含字母、数字和 @/./+/-/_。")
    if problem:
        raise ApplicationError(gettext("Invalid username."), fields={"username": [problem]})


def _check_password(password: str) -> None:
    messages = []
    if len(password) < 8:
        messages.append(gettext("密码至少 8 位。"))
    try:
        validate_password(password)
    except ValidationError as exc:
        messages.extend(exc.messages)
    if messages:
        raise ApplicationError(gettext("Weak password."), fields={"password": messages})


def _employer_account_create(*, username: str, password: str, email: str, display_name: str) -> User:
    """A new employer-member account, after the checks both sign-up paths share."""
    _check_username(username)
    check_text(display_name=(display_name, 100))
    if User.objects.filter(username__iexact=username).exists():
        raise ApplicationError(
            gettext("Username taken."), fields={"username": [gettext("该用户名已被使用。")]}
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
    reject_unknown(changes, EMPLOYER_FIELDS)
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


ACTIVE_SESSION_STATES = ("draft", "scheduled", "live")


def employer_fair_unions(employer: Employer) -> set:
    """The unions whose not-yet-ended fairs the employer takes part in (an open or approved request)."""
    return set(
        LineupRequest.objects.filter(
            employer=employer,
            status__in=LineupRequest.ACTIVE,
            session__status__in=ACTIVE_SESSION_STATES,
        )
        .values_list("session__union_id", flat=True)
        .distinct()
    )


def employers_fair_unions(employer_ids) -> dict:
    """``employer_fair_unions`` for many employers in one query (list pages)."""
    out: dict = {pk: set() for pk in employer_ids}
    rows = (
        LineupRequest.objects.filter(
            employer_id__in=list(out),
            status__in=LineupRequest.ACTIVE,
            session__status__in=ACTIVE_SESSION_STATES,
        )
        .values_list("employer_id", "session__union_id")
        .distinct()
    )
    for employer_id, union_id in rows:
        out[employer_id].add(union_id)
    return out


def can_verify_employer(user: User, employer: Employer, *, unions: set | None = None) -> bool:
    """Who decides an employer's verification (docs/jobs.md, "Who verifies an employer").

    Platform staff (superusers) always. A union's organizer only while every fair the employer takes
    part in belongs to that union; an employer in no fair yet (a new sign-up) may be verified by any
    organizer, because no other union's lineup depends on it. An employer in several unions' fairs is
    decided by platform staff, so one union can never drop another union's employers.
    """
    if user.is_superuser:
        return True
    if not (user.is_organizer and user.union_id):
        return False
    if unions is None:
        unions = employer_fair_unions(employer)
    return not unions or unions == {user.union_id}


def _tell_unverified(employer: Employer, *, reason: str, suspended: list, held: dict) -> None:
    """The "slot requests suspended" notice: one message naming every fair, to each team member on
    their own channels (in their own language), and to the company contact address by email when
    nobody on the team uses it."""
    lines = "\n".join(f"- {r.session.title}" for r in suspended) or "-"
    stamp = timezone.now().strftime("%Y%m%d%H%M%S%f")
    facts = {"employer": employer.name, "reason": reason, "lines": lines, "count": len(suspended)}

    def words_for(user: User | None) -> Words:
        text = (
            gettext("您好：")
            + "\n\n"
            + gettext("「%(employer)s」的企业认证已被撤销。") % facts
            + "\n"
            + gettext("原因：%(reason)s") % facts
            + "\n\n"
            + gettext("以下尚未结束的直播带岗场次中，贵单位的环节已暂停，相应日历邀请已取消：")
            + f"\n{lines}\n\n"
            + gettext("重新通过认证后，请在驿站重新申请场次；原环节不会自动恢复。")
            + "\n"
        )
        return Words(
            subject=gettext("[驿站] 企业认证已撤销：%(employer)s") % facts,
            text=text,
            sms_text=gettext("【驿站】「%(employer)s」的企业认证已撤销，%(count)d 个直播带岗时段已暂停。")
            % facts,
        )

    employer_team_tell(
        employer=employer,
        key=f"jobs:unverified:{employer.pk}:{stamp}",
        contact_key=f"jobs:unverified:{employer.pk}:{stamp}:{(employer.contact_email or '').strip().lower()}",
        kind="employer_suspended",
        words_for=words_for,
        sms_params={"employer": employer.name[:20], "count": len(suspended)},
        attachments=held,  # every fair's CANCEL rides in this one email
    )


@transaction.atomic
def employer_verify(*, employer: Employer, by: User, verified: bool = True, reason: str = "") -> Employer:
    """Verify or un-verify an employer (scoped by ``can_verify_employer``).

    Un-verifying needs a reason and suspends the employer from the lineups of every fair that has not
    ended: its segments leave the lineup (so the public pages and APIs no longer show it), its calendar
    entries are cancelled through the invite machinery, and it is told why by email. Verifying again
    puts nothing back: the employer asks for a slot again and an organizer decides.
    """
    from jobs.services.lineup import lineup_suspend_for_employer  # noqa: PLC0415 -- cycle: lineup imports employers

    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if not can_verify_employer(by, employer):
        raise ApplicationError(
            gettext(
                "This employer takes part in another union's fairs; platform staff decide its verification."
            ),
            code="permission_denied",
            status_code=403,
        )
    reason = (reason or "").strip()
    if not verified and employer.verified and not reason:
        raise ApplicationError(
            gettext("A reason is required."), fields={"reason": [gettext("请填写撤销认证的原因。")]}
        )
    check_text(reason=(reason, 500))
    was_verified = employer.verified
    Employer.objects.filter(pk=employer.pk).update(
        verified=verified,
        verified_at=timezone.now() if verified else None,
        verified_by=by if verified else None,
    )
    employer.refresh_from_db()
    activity_log(
        actor=by,
        verb="employer.verified" if verified else "employer.unverified",
        obj=employer,
        reason=reason,
    )
    if was_verified and not verified:
        # One email per change: the team's CANCELs are held and carried by the notice naming every fair.
        held: dict = {}
        suspended = lineup_suspend_for_employer(employer=employer, by=by, reason=reason, held=held)
        _tell_unverified(employer, reason=reason, suspended=suspended, held=held)
    elif verified and not was_verified:
        employer_notice_send(employer=employer, kind="verified")
    return employer


INVITATION_LIFETIME = timedelta(days=7)


def invitation_message_send(*, invitation: EmployerInvitation, by: User, again: bool = False) -> None:
    """The invitation link by email and/or SMS (whichever the owner gave), through the outbox."""
    employer = invitation.employer
    link = f"{settings.SITE_URL}/jobs/invite/{invitation.token}/"
    facts = {"by": by.name, "employer": employer.name, "link": link, "token": invitation.token}
    if invitation.email:
        with notice_language():  # the invitee has no account yet: the site's language
            if again:
                lead = (
                    gettext("%(by)s 再次邀请您作为招聘专员加入「%(employer)s」，在驿站管理岗位和求职者。")
                    % facts
                )
                accept = gettext("接受邀请（7 天内有效，之前的链接已失效）：%(link)s") % facts
            else:
                lead = (
                    gettext("%(by)s 邀请您作为招聘专员加入「%(employer)s」，在驿站管理岗位和求职者。") % facts
                )
                accept = (
                    gettext("接受邀请（7 天内有效）：%(link)s") % facts
                    + "\n"
                    + gettext("或调用 API：POST /api/v1/jobs/invitations/accept/ ，token=%(token)s") % facts
                )
            text = gettext("您好：") + f"\n\n{lead}\n{accept}\n"
            subject = gettext("[驿站] 加入「%(employer)s」招聘团队的邀请") % facts
        outbox_enqueue(
            key=f"jobs:invite:{invitation.pk}" + (f":{invitation.token}" if again else ""),
            recipient=invitation.email,
            subject=subject,
            payload=email_payload(text=text),
        )
    if invitation.phone:
        outbox_enqueue(
            key=f"jobs:invite-sms:{invitation.pk}:{invitation.token}",
            kind="sms",
            recipient=invitation.phone,
            subject="invitation",
            payload=sms_payload(
                kind="recruiter_invitation",
                text=_sms_invitation_text(facts),
                params={"name": by.name[:20], "employer": employer.name[:20]},
            ),
        )


def _sms_invitation_text(facts: dict) -> str:
    with notice_language():
        return (
            gettext("【驿站】%(by)s 邀请您加入「%(employer)s」招聘团队（7 天内有效，只能使用一次）：%(link)s")
            % facts
        )


@transaction.atomic
def employer_invite(*, employer: Employer, by: User, email: str = "", phone: str = "") -> EmployerInvitation:
    """Invite a recruiter by email, or by SMS where only a mobile number is known (or both)."""
    membership = getattr(by, "employer_membership", None)
    if membership is None or membership.employer_id != employer.pk or membership.role != "owner":
        raise Forbidden(gettext("Only the owner can invite recruiters."))
    email = (email or "").strip()
    phone = cn_mobile_clean(phone) if (phone or "").strip() else ""
    if not email and not phone:
        raise ApplicationError(
            gettext("Email or mobile needed."), fields={"email": [gettext("请填写邮箱或手机号。")]}
        )
    invitation = EmployerInvitation.objects.create(
        employer=employer,
        email=email,
        phone=phone,
        invited_by=by,
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    invitation_message_send(invitation=invitation, by=by)
    activity_log(actor=by, verb="employer.invited", obj=employer, email=email, phone=cn_mobile_mask(phone))
    return invitation


@transaction.atomic
def invitation_accept(
    *, token: str, username: str, password: str, display_name: str = ""
) -> EmployerMembership:
    invitation = EmployerInvitation.objects.select_for_update().filter(token=token).first()
    if invitation is None or invitation.accepted_at or invitation.expires_at <= timezone.now():
        raise ApplicationError(
            gettext("This invitation is not valid."),
            code="invalid_invitation",
            fields={"token": [gettext("邀请无效或已过期。")]},
        )
    user = _employer_account_create(
        username=username, password=password, email=invitation.email, display_name=display_name
    )
    if invitation.phone:  # invited by SMS: the number reaches them and signs them in by code
        user.phone = invitation.phone
        user.save(update_fields=["phone"])
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
        raise Conflict(gettext("The owner cannot be removed."), code="owner")
    activity_log(actor=by, verb="employer.member_removed", obj=membership.employer, user=membership.user_id)
    membership.delete()
