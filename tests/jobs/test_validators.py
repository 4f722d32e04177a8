import pytest

from jobs.validators import (
    InvalidPhone,
    credit_code_check_char,
    credit_code_error,
    mask_phone,
    normalize_credit_code,
    normalize_mobile,
)
from tests.jobs.factories import ALIBABA, HUAWEI, TENCENT, XIAOMI


@pytest.mark.parametrize("code", [HUAWEI, TENCENT, ALIBABA, XIAOMI])
def test_credit_code_real_companies_valid(code):
    assert credit_code_error(code) is None
    assert credit_code_check_char(code[:17]) == code[17]


def test_credit_code_check_char_31_maps_to_zero():
    # 91330000143076475 sums to a multiple of 31 → 31 - 0 = 31 → "0"? computed: check char "9".
    assert credit_code_check_char("91330000143076475") == "9"
    assert credit_code_check_char("91330104MA2CD5WN0") == "0"  # the 31 → 0 branch


@pytest.mark.parametrize(
    "code, fragment",
    [
        ("914403001922038217", "校验位"),  # last char altered
        ("91440300192203821", "18"),
        ("9144030019220382IO", "非法字符"),
        ("", "18"),
    ],
)
def test_credit_code_invalid(code, fragment):
    assert fragment in credit_code_error(code)


def test_credit_code_normalized():
    assert normalize_credit_code(" 9144030071526726xg ") == TENCENT


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("13800138000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("0086-15088886666", "15088886666"),
    ],
)
def test_mobile_normalized(raw, expected):
    assert normalize_mobile(raw) == expected


@pytest.mark.parametrize(
    "raw", ["", "12345", "02112345678", "010-12345678", "+1 415 555 2671", "1380013800x", "1" * 40]
)
def test_mobile_invalid(raw):
    with pytest.raises(InvalidPhone):
        normalize_mobile(raw)


def test_mask_phone():
    assert mask_phone("13812341234") == "138****1234"
