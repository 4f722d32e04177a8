"""Mainland China mobile numbers: the one normalizer and the one masker.

Stored form everywhere (applications, employer contacts, trainees): the 11 national digits,
``13812345678`` — what people type, what an SMS gateway in mainland China takes, and one key per person
across apps. Input may carry +86, spaces or dashes.
"""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _
from phonenumbers import PhoneNumberType

from core.errors import ApplicationError


class InvalidPhone(ValueError):
    pass


def cn_mobile_normalize(value: str) -> str:
    """Return the 11-digit mainland mobile number or raise InvalidPhone (with a readable message)."""
    raw = (value or "").strip()
    if not raw:
        raise InvalidPhone(_("请填写手机号。"))
    if len(raw) > 32:
        raise InvalidPhone(_("手机号格式不正确。"))
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(_("手机号格式不正确。")) from exc
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise InvalidPhone(_("请填写中国大陆手机号。"))
    if phonenumbers.number_type(number) not in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise InvalidPhone(_("请填写手机号而不是座机。"))
    national = str(number.national_number)
    if len(national) != 11:
        raise InvalidPhone(_("请填写 11 位手机号。"))
    return national


def cn_mobile_clean(value: str, *, field: str = "phone") -> str:
    """``cn_mobile_normalize`` for services: a bad number is a 400 with the message on ``field``."""
    try:
        return cn_mobile_normalize(value)
    except InvalidPhone as exc:
        raise ApplicationError("Invalid mobile number.", fields={field: [str(exc)]}) from exc


def cn_mobile_mask(phone: str) -> str:
    """138****1234 — what everybody except the person's own employer/coach sees."""
    phone = (phone or "").removeprefix("+86")
    if not phone:
        return ""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"
