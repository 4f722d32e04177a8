"""Validators for Chinese identifiers: unified social credit codes and mainland mobile numbers."""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _
from phonenumbers import PhoneNumberType

# GB 32100-2015: 18 characters from this 31-letter alphabet (no I, O, Z, S, V).
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def credit_code_check_char(first17: str) -> str:
    total = sum(CREDIT_CODE_ALPHABET.index(c) * w for c, w in zip(first17, CREDIT_CODE_WEIGHTS, strict=True))
    check = 31 - total % 31
    return CREDIT_CODE_ALPHABET[0 if check == 31 else check]


def credit_code_error(value: str) -> str | None:
    """None when valid, else a human message. Expects an upper-cased, stripped value."""
    if len(value) != 18:
        return _("统一社会信用代码应为 18 位 / A unified social credit code has 18 characters.")
    bad = sorted({c for c in value if c not in CREDIT_CODE_ALPHABET})
    if bad:
        return _("统一社会信用代码含非法字符 %(chars)s / Invalid characters: %(chars)s.") % {
            "chars": "".join(bad)
        }
    if credit_code_check_char(value[:17]) != value[17]:
        return _("统一社会信用代码校验位不正确 / The check character does not match (GB 32100-2015).")
    return None


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


class InvalidPhone(ValueError):
    pass


def normalize_mobile(value: str) -> str:
    """Return the 11-digit mainland mobile number or raise InvalidPhone (with a readable message)."""
    raw = (value or "").strip()
    if not raw:
        raise InvalidPhone(_("请填写手机号 / Please enter a mobile number."))
    if len(raw) > 32:
        raise InvalidPhone(_("手机号格式不正确 / Not a valid mobile number."))
    try:
        number = phonenumbers.parse(raw, "CN")
    except phonenumbers.NumberParseException as exc:
        raise InvalidPhone(_("手机号格式不正确 / Not a valid mobile number.")) from exc
    if number.country_code != 86 or not phonenumbers.is_valid_number(number):
        raise InvalidPhone(_("请填写中国大陆手机号 / Enter a valid mainland China mobile number."))
    if phonenumbers.number_type(number) not in (PhoneNumberType.MOBILE, PhoneNumberType.FIXED_LINE_OR_MOBILE):
        raise InvalidPhone(_("请填写手机号而不是座机 / Enter a mobile number, not a landline."))
    national = str(number.national_number)
    if len(national) != 11:
        raise InvalidPhone(_("请填写 11 位手机号 / Enter an 11-digit mobile number."))
    return national


def mask_phone(phone: str) -> str:
    """138****1234 — what everybody except the employer applied to sees."""
    if not phone:
        return ""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"
