"""Accounts that others create, and links that let people in: invitations with a set-password link,
password reset, email sign-in links.

The set-password link is Django's password-reset token: it expires after ``PASSWORD_RESET_TIMEOUT`` and
works once (it is bound to the password hash and the last login, both of which change when used). Email
sign-in links are django-sesame tokens (15 minutes, single-use). Every message goes through the outbox.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlencode, urlsafe_base64_encode
from django.utils.translation import gettext as _
from sesame.utils import get_query_string

from core.activity import activity_log
from core.errors import ApplicationError, Conflict
from core.models import Union, User
from core.notify import notice_language
from core.outbox import email_payload, outbox_enqueue, sms_payload

INVITABLE_ROLES = (User.Role.COACH, User.Role.HOST)


def set_password_url(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return settings.SITE_URL + reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})


def _clean_email(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except Exception as exc:  # noqa: BLE001 - Django's ValidationError → our field error
        raise ApplicationError(_("Invalid email."), fields={"email": [_("请输入有效的邮箱地址。")]}) from exc
    return email


def _username_for(email: str) -> str:
    # Not derived from the address or a phone number: usernames can show up on public pages.
    return f"u{secrets.token_hex(5)}"


def account_invite(
    *, by: User, email: str, name: str, role: str, union: Union | None, phone: str = ""
) -> User:
    """Create an account without a password for a coach/host/recruiter and send the set-password link:
    by email, and by SMS when a phone is given (only SMS where only a phone is known; the number is kept
    on the account, so the person can also sign in with a code sent to it). Inviting the same address
    or number again resends the link. ``phone``: already cleaned (11 national digits)."""
    if role not in [r.value for r in INVITABLE_ROLES] + [User.Role.EMPLOYER.value]:
        raise ApplicationError(_("This role cannot be invited."), fields={"role": [_("不能邀请该角色。")]})
    phone = (phone or "").strip()
    if (email or "").strip() or not phone:
        email = _clean_email(email)
    else:
        email = ""
    name = (name or "").strip()[:100]
    if not name:
        raise ApplicationError(_("Name is required."), fields={"name": [_("请填写姓名。")]})
    with transaction.atomic():
        if email:
            user = User.objects.select_for_update().filter(email__iexact=email).first()
            taken = {"email": [_("该邮箱已有账号。")]}
        else:
            user = User.objects.select_for_update().filter(phone=phone).order_by("pk").first()
            taken = {"phone": [_("该手机号已有账号。")]}
        # Another union's person (or an active account) is never taken over: same answer as "taken".
        elsewhere = user is not None and union is not None and user.union_id not in (None, union.pk)
        if user is not None and (user.role != role or user.has_usable_password() or elsewhere):
            raise Conflict(
                _("This email or number already has an account."), code="email_taken", fields=taken
            )
        if user is None:
            try:
                user = User.objects.create_user(
                    username=_username_for(email),
                    email=email,
                    role=role,
                    display_name=name,
                    union=union,
                    phone=phone,
                )
            except IntegrityError as exc:
                raise Conflict(_("This email already has an account."), code="email_taken") from exc
            user.set_unusable_password()
            user.save(update_fields=["password"])
        elif phone and user.phone != phone:
            user.phone = phone
            user.save(update_fields=["phone"])
        activity_log(actor=by, verb="user.invited", obj=user, role=role)
        invitation_send(user=user, by=by, phone=phone)
    return user


def invitation_send(*, user: User, by: User, phone: str = "") -> None:
    """The set-password link by email and/or SMS, in the invited person's language (else the site's)."""
    with notice_language(user):
        _invitation_send(user=user, by=by, phone=phone)


def _invitation_send(*, user: User, by: User, phone: str) -> None:
    link = set_password_url(user)
    role = User.Role(user.role).label
    days = max(settings.PASSWORD_RESET_TIMEOUT // 86400, 1)
    # Key includes the password hash: a new invitation after the link was used is a new message.
    stamp = default_token_generator.make_token(user)[-12:]
    if user.email:
        text = "\n".join(
            [
                _("%(name)s，您好：") % {"name": user.name},
                "",
                _("%(by)s 邀请您以「%(role)s」身份加入驿站。") % {"by": by.name, "role": role},
                _("请打开下面的链接设置密码（%(days)s 天内有效，只能使用一次）：") % {"days": days},
                link,
                "",
                _("设置后用邮箱或下面的用户名登录：%(username)s") % {"username": user.username},
            ]
        )
        outbox_enqueue(
            key=f"invite:{user.pk}:{stamp}",
            recipient=user.email,
            subject=_("【驿站】邀请您加入：设置密码"),
            payload=email_payload(text=text),
        )
    if phone:
        outbox_enqueue(
            key=f"invite-sms:{user.pk}:{stamp}",
            kind="sms",
            recipient=phone,
            subject="invitation",
            payload=sms_payload(
                kind="invitation",
                text=_("【驿站】%(by)s 邀请您加入，请设置密码：%(link)s") % {"by": by.name, "link": link}
                + " "
                + _("（%(days)s 天内有效，只能使用一次；之后可用本手机号验证码登录）") % {"days": days},
                params={"name": by.name},
            ),
        )


def password_reset_send(*, email: str) -> int:
    """Send a set-password link to every active account with this email (usable password or not)."""
    sent = 0
    for user in User.objects.filter(email__iexact=(email or "").strip(), is_active=True)[:5]:
        link = set_password_url(user)
        stamp = default_token_generator.make_token(user)[-12:]
        with notice_language(user):
            sent += _password_reset_mail(user=user, link=link, stamp=stamp)
    return sent


def _password_reset_mail(*, user: User, link: str, stamp: str) -> int:
    text = "\n".join(
        [
            _("%(name)s，您好：") % {"name": user.name},
            "",
            _("请打开下面的链接设置新密码（只能使用一次）："),
            link,
            "",
            _("您的用户名：%(username)s。如果不是您本人操作，请忽略本邮件。") % {"username": user.username},
        ]
    )
    return outbox_enqueue(
        key=f"pwreset:{user.pk}:{stamp}",
        recipient=user.email,
        subject=_("【驿站】设置密码"),
        payload=email_payload(text=text),
    )


def magic_link_send(*, email: str, next_url: str = "") -> int:
    """Email a one-time sign-in link (django-sesame) to the accounts with this address. The answer
    is the same whether or not an account exists."""
    email = _clean_email(email)
    sent = 0
    for user in User.objects.filter(email__iexact=email, is_active=True)[:5]:
        query = get_query_string(user)
        if next_url:
            query += "&" + urlencode({"next": next_url})
        link = settings.SITE_URL + reverse("magic-login") + query
        with notice_language(user):
            text = "\n".join(
                [
                    _("%(name)s，您好：") % {"name": user.name},
                    "",
                    _("点击下面的链接登录驿站（15 分钟内有效，只能使用一次）："),
                    link,
                ]
            )
            subject = _("【驿站】登录链接")
        sent += outbox_enqueue(
            key=f"magic:{user.pk}:{secrets.token_hex(8)}",
            recipient=user.email,
            subject=subject,
            payload=email_payload(text=text),
        )
    return sent
