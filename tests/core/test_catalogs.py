"""The compiled catalogs say each thing in one language, with the same placeholders as the msgid.

Catalogs were merged with ``msgcat --use-first``, which keeps one branch's translation when two
branches added the same msgid; these checks catch the mechanical half of what that can break (a Chinese
msgstr in the English catalog, English in the Chinese one, a lost or extra placeholder, leftover
"中文 / English" msgids). Whether an English msgstr is the right translation is checked by reading.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

LOCALE = Path(__file__).resolve().parents[2] / "locale"
CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
LANGUAGE_NAMES = {"简体中文", "English"}  # the language switcher names each language in itself


def _entries(language: str) -> list[tuple[str, str]]:
    with open(LOCALE / language / "LC_MESSAGES" / "django.mo", "rb") as fh:
        catalog = gettext.GNUTranslations(fh)._catalog
    out = []
    for key, text in catalog.items():
        msgid = key[0] if isinstance(key, tuple) else key
        if msgid:  # the header
            out.append((msgid.split("\x04")[-1], text))
    return out


def test_english_catalog_has_no_chinese_translations():
    chinese = [(i, s) for i, s in _entries("en") if CJK.search(s) and s not in LANGUAGE_NAMES]
    assert chinese == []


def test_chinese_catalog_has_no_english_translations():
    english = [
        (i, s)
        for i, s in _entries("zh_Hans")
        if s and not CJK.search(s) and re.search(r"[A-Za-z]{3}", s) and s not in LANGUAGE_NAMES
    ]
    assert english == []


@pytest.mark.parametrize("language", ["en", "zh_Hans"])
def test_translations_keep_the_placeholders(language):
    wrong = [
        (i, s)
        for i, s in _entries(language)
        if s and sorted(set(PLACEHOLDER.findall(i))) != sorted(set(PLACEHOLDER.findall(s)))
    ]
    assert wrong == []


def test_no_two_language_msgids_are_left():
    pairs = [i for i, _ in _entries("en") if re.search(r"[\u4e00-\u9fff][^/]* / [A-Za-z]", i)]
    assert pairs == []
