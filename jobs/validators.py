"""Validators for Chinese identifiers: unified social credit codes (mainland mobiles: core/phones.py)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from core.phones import InvalidPhone, cn_mobile_mask, cn_mobile_normalize

__all__ = ["InvalidPhone", "credit_code_error", "mask_phone", "normalize_credit_code", "normalize_mobile"]

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
        return _("统一社会信用代码应为 18 位。")
    bad = sorted({c for c in value if c not in CREDIT_CODE_ALPHABET})
    if bad:
        return _("统一社会信用代码含非法字符 %(chars)s。") % {"chars": "".join(bad)}
    if credit_code_check_char(value[:17]) != value[17]:
        return _("统一社会信用代码校验位不正确。")
    return None


def normalize_credit_code(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


# The mobile rule is core's (core/phones.py); these names stay for jobs' callers.
normalize_mobile = cn_mobile_normalize
mask_phone = cn_mobile_mask
