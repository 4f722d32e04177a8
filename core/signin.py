"""Phone sign-in with a one-time SMS code.

Rules (docs/operations.md "Sign-in"): 6 digits, stored only as a keyed hash, valid 5 minutes, at most
5 tries per code, a new code for the same number after 60 s, at most ``PER_NUMBER_PER_HOUR`` codes per
number and ``PER_IP_PER_HOUR`` per client address. Known and unknown numbers get the same answer (an
SMS goes out only to a number that has an account, but the row, the limits and the reply are the same).
The counters are the code rows themselves (PostgreSQL), so sign-in keeps working when Redis is down;
a per-number advisory lock makes "one code per 60 s" hold under parallel requests.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from core.activity import activity_log
from core.errors import ApplicationError
from core.models import PhoneCode, User
from core.notify import notice_language
from core.outbox import outbox_enqueue, sms_payload
from core.phones import cn_mobile_normalize
from core.throttle import RateLimited

CODE_TTL = timedelta(minutes=5)
MAX_TRIES = 5
RESEND_AFTER = timedelta(seconds=60)
PER_NUMBER_PER_HOUR = 5
PER_IP_PER_HOUR = 30


@dataclass(frozen=True)
class CodeSent:
    phone: str  # E.164
    resend_after: int  # seconds until another code may be asked for


def normalize_mobile(raw: str, *, field: str = "phone") -> str:
    """Mainland China mobile → E.164, or a field error (same rule as the booking form)."""
    message = _("请输入有效的中国大陆手机号。")
    try:
        number = phonenumbers.parse((raw or "").strip()[:32], "CN")
    except phonenumbers.NumberParseException as exc:
        raise ApplicationError(_("Invalid mobile number."), fields={field: [message]}) from exc
    kind = phonenumbers.number_type(number)
    if (
        phonenumbers.region_code_for_number(number) != "CN"
        or not phonenumbers.is_valid_number(number)
        or kind
        not in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    ):
        raise ApplicationError(_("Invalid mobile number."), fields={field: [message]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _hash(phone: str, code: str) -> str:
    return salted_hmac("yizhan.signin.code", f"{phone}:{code}", algorithm="sha256").hexdigest()


def user_for_phone(phone: str) -> User | None:
    """The active account that owns this mobile number (trainees sign up with one)."""
    # Codes are keyed by E.164; trainee phones are stored as 11 national digits (core/phones.py).
    forms = {phone, cn_mobile_normalize(phone)}
    found = User.objects.filter(trainee__phone__in=forms, is_active=True).first()
    if found is None:  # staff invited by SMS sign in with the number on their account
        found = User.objects.filter(phone__in=forms, is_active=True).order_by("pk").first()
    return found


def _lock_number(phone: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"signin:{phone}"])


def phone_code_request(*, phone: str, ip: str | None, now: datetime | None = None) -> CodeSent:
    """Send a sign-in code to ``phone`` if an account has it. Same answer either way."""
    e164 = normalize_mobile(phone)
    now = now or timezone.now()
    with transaction.atomic():
        _lock_number(e164)
        recent = PhoneCode.objects.filter(phone=e164, created_at__gt=now - timedelta(hours=1))
        last = recent.order_by("-created_at").first()
        if last is not None and now - last.created_at < RESEND_AFTER:
            wait = RESEND_AFTER - (now - last.created_at)
            raise RateLimited(
                _("验证码已发送，请 %(seconds)s 秒后再试。") % {"seconds": int(wait.total_seconds()) + 1},
                retry_after=int(wait.total_seconds()) + 1,
                fields={"phone": [_("请稍后再获取验证码。")]},
            )
        if recent.count() >= PER_NUMBER_PER_HOUR:
            oldest = recent.order_by("created_at").first()
            raise RateLimited(
                _("该号码获取验证码次数过多，请一小时后再试。"),
                retry_after=int((oldest.created_at + timedelta(hours=1) - now).total_seconds()) + 1,
                fields={"phone": [_("获取验证码次数过多。")]},
            )
        if ip and PhoneCode.objects.filter(ip=ip, created_at__gt=now - timedelta(hours=1)).count() >= (
            PER_IP_PER_HOUR
        ):
            raise RateLimited(_("获取验证码次数过多，请稍后再试。"), retry_after=3600)
        user = user_for_phone(e164)
        code = f"{secrets.randbelow(10**6):06d}"
        row = PhoneCode.objects.create(
            phone=e164,
            code_hash=_hash(e164, code),
            ip=ip or None,
            known=user is not None,
            created_at=now,
            expires_at=now + CODE_TTL,
        )
        if user is not None:
            minutes = int(CODE_TTL.total_seconds() // 60)
            with notice_language(user):  # the account's language, not the page's
                text = _("【驿站】您的登录验证码是 %(code)s，%(minutes)s 分钟内有效。请勿告诉他人。") % {
                    "code": code,
                    "minutes": minutes,
                }
            outbox_enqueue(
                key=f"signin:{row.pk}",
                kind="sms",
                recipient=e164,
                subject="sign-in code",
                payload=sms_payload(
                    kind="login_code",
                    text=text,
                    params={"code": code},
                )
                | {"scrub_after_send": True},
            )
    return CodeSent(phone=e164, resend_after=int(RESEND_AFTER.total_seconds()))


class CodeRefused(ApplicationError):
    def __init__(self, message: str, *, code: str):
        super().__init__(message, code=code, fields={"code": [message]})


def phone_code_verify(*, phone: str, code: str, now: datetime | None = None) -> User:
    """Check the latest code for the number; one success uses it up. Returns the account."""
    e164 = normalize_mobile(phone)
    now = now or timezone.now()
    code = (code or "").strip()
    refused: CodeRefused | None = None
    user = None
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update()
            .filter(phone=e164, used_at__isnull=True)
            .order_by("-created_at")
            .first()
        )
        if row is None or row.expires_at <= now:
            refused = CodeRefused(_("验证码已过期，请重新获取。"), code="code_expired")
        elif row.attempts >= MAX_TRIES:
            refused = CodeRefused(_("错误次数过多，请重新获取验证码。"), code="code_locked")
        elif not (
            len(code) == 6 and code.isdigit() and hmac.compare_digest(row.code_hash, _hash(e164, code))
        ):
            PhoneCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
            left = MAX_TRIES - row.attempts - 1
            refused = CodeRefused(
                _("验证码不正确，还可以再试 %(left)s 次。") % {"left": left}
                if left
                else _("错误次数过多，请重新获取验证码。"),
                code="code_invalid" if left else "code_locked",
            )
        else:
            user = user_for_phone(e164) if row.known else None
            PhoneCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now)
            if user is None:  # cannot happen without the code, but never sign in to nobody
                refused = CodeRefused(_("验证码不正确。"), code="code_invalid")
            else:
                activity_log(actor=user, verb="user.signed_in_by_sms", obj=user)
    if refused is not None:
        raise refused
    return user


def signin_codes_purge(*, older_than: timedelta = timedelta(days=2)) -> int:
    """Old code rows are only needed for the hourly limits; drop them after a while."""
    deleted, _counts = PhoneCode.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


def resend_wait(*, phone: str, now: datetime | None = None) -> int:
    """Seconds until the number may ask for another code (0 = now). For the page's countdown."""
    now = now or timezone.now()
    last = PhoneCode.objects.filter(phone=phone).order_by("-created_at").first()
    if last is None:
        return 0
    return max(int((last.created_at + RESEND_AFTER - now).total_seconds()), 0)
