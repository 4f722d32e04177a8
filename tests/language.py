"""One language at a time: find words of the other language in a rendered page or an API error.

``visible_text(html)`` keeps what a person reads: text between tags and the attributes a browser shows
(placeholder, title, aria-label, alt, a button's value), without scripts, styles, comments, literal code
(``<code>``, ``<kbd>``, ``<samp>``: column names, commands) and every other attribute value (classes,
test hooks, URLs). An element marked with another language (``lang="en"`` in
a Chinese page, e.g. "English" in the language switcher) is left out: the page says that part is in
that language on purpose.

``foreign_words(text, lang, user_data=...)`` then lists what does not belong:
- in a Chinese page, an ASCII word that is not a brand, a code, a number or a unit (``ALLOWED``);
- in an English page, any CJK character (ideographs and CJK/full-width punctuation).
User data (names, titles, usernames people typed) is in whatever language its author wrote it, so the
caller passes the strings it created and they are removed first.
"""

from __future__ import annotations

import html as htmllib
import re
from collections.abc import Iterable

# ASCII that a Chinese page may show. Keep it short; each entry has a reason.
ALLOWED = {
    # Words that are codes or abbreviations Chinese readers use as they are.
    "GMV",  # 成交额 as the trade says it; always next to its Chinese name
    "GPM",  # GMV per 1,000 views, the livestream trade's own abbreviation
    "APM",  # applications per 1,000 views, our figure named after GPM
    "SKU",
    "QR",  # 二维码 is also used; "QR" appears only in "QR 码"-style phrases
    "CSV",
    "XLSX",
    "Excel",
    "iCal",
    "ICS",
    "UID",
    "ID",
    "API",
    "JSON",
    "URL",
    "NUL",  # the control character's name, in the hostile-input message
    "HTTP",
    "GET",  # HTTP method names, quoted in "方法 “DELETE” 不被允许。"
    "POST",
    "PUT",
    "PATCH",
    "DELETE",
    "UTF",
    "BOM",
    "HR",
    "UTC",  # the time standard's code, in a zone named in Chinese: 北京时间 (UTC+08:00)
    "PNG",  # file formats on download buttons
    "SVG",
    # Units.
    "h",
    "min",
    "s",
    "ms",
    "KB",
    "MB",
    "km",
    # Brands and platforms, written the way they write themselves.
    "Yizhan",  # the product's romanised name, shown next to 驿站
    "Django",
    "Douyin",
    "Kuaishou",
    "WeChat",
    "Bilibili",
    "Taobao",
    "Chromium",
    "Google",  # calendar apps, named on the calendar subscription page
    "Outlook",
    "Apple",
    # The language switcher names English in English (an <option lang="en"> normally; kept for text).
    "English",
}

_DROP = re.compile(
    r"<(script|style|template|noscript|code|kbd|samp)\b.*?</\1\s*>|<!--.*?-->|<![^>]*>", re.S | re.I
)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)((?:\s+[^\s=>/]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s>]+))?)*)\s*/?>")
_ATTR = re.compile(r"([^\s=>/]+)(?:\s*=\s*(\"[^\"]*\"|'[^']*'|[^\s>]+))?")
_SHOWN_ATTRS = {"placeholder", "title", "aria-label", "alt"}
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
CJK = re.compile(
    r"[\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’]*")


def _attrs(raw: str) -> dict[str, str]:
    out = {}
    for name, value in _ATTR.findall(raw or ""):
        value = value or ""
        if value[:1] in "\"'":
            value = value[1:-1]
        out[name.lower()] = htmllib.unescape(value)
    return out


def visible_text(page: str, *, lang: str) -> str:
    """The words a person reads on the page, one chunk per line."""
    page = _DROP.sub(" ", page)
    other = "en" if lang.startswith("zh") else "zh"
    chunks: list[str] = []
    skip_depth: list[str] = []  # open elements marked with the other language
    pos = 0
    for match in _TAG.finditer(page):
        if not skip_depth:
            chunks.append(htmllib.unescape(page[pos : match.start()]))
        pos = match.end()
        closing, tag, raw = match.group(1), match.group(2).lower(), match.group(3)
        if closing:
            if skip_depth and skip_depth[-1] == tag:
                skip_depth.pop()
            continue
        attrs = _attrs(raw)
        if skip_depth:
            if tag not in _VOID and not match.group(0).endswith("/>"):
                skip_depth.append(tag)
            continue
        if attrs.get("lang", "").lower().startswith(other) and tag != "html":
            if tag not in _VOID:
                skip_depth.append(tag)
            continue
        for name in _SHOWN_ATTRS:
            if attrs.get(name):
                chunks.append(attrs[name])
        if tag == "input" and attrs.get("type", "").lower() in {"submit", "button"} and attrs.get("value"):
            chunks.append(attrs["value"])
    if not skip_depth:
        chunks.append(htmllib.unescape(page[pos:]))
    return "\n".join(c.strip() for c in chunks if c.strip())


def strip_user_data(text: str, user_data: Iterable[str]) -> str:
    for value in sorted({v for v in user_data if v and len(v) > 1}, key=len, reverse=True):
        text = text.replace(value, " ")
    return text


def foreign_words(text: str, lang: str, *, user_data: Iterable[str] = ()) -> list[str]:
    """Words of the other language, in order of appearance (empty when the text is in one language)."""
    text = strip_user_data(text, user_data)
    if lang.startswith("zh"):
        found = []
        for match in _WORD.finditer(text):
            word = match.group(0).rstrip("'’")
            before, after = text[match.start() - 1 : match.start()], text[match.end() : match.end() + 1]
            if word in ALLOWED or len(word) == 1:
                continue
            if (
                before.isdigit()
                or after.isdigit()
                or (before and before in "@./_-:")
                or (after and after in "@/_-:+")
            ):
                continue  # part of a code, an address, a version or a figure (2h, v1, a@b, x-y)
            found.append(word)
        return found
    return CJK.findall(text)


def page_problems(page: str, lang: str, *, user_data: Iterable[str] = ()) -> list[str]:
    """Lines of visible text that carry words of the other language, each with the words found."""
    problems = []
    for line in visible_text(page, lang=lang).splitlines():
        words = foreign_words(line, lang, user_data=user_data)
        if words:
            problems.append(f"{line[:160]!r}: {' '.join(dict.fromkeys(words))}")
    return problems
