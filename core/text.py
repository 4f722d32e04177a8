"""Shortening text for fixed-size fields without breaking a character a person sees.

Python and PostgreSQL count code points, but one emoji can be several: a skin-tone modifier, a ZWJ
family (👨‍👩‍👧), a flag (two regional indicators), a keycap, a variation selector or a combining accent.
``shorten`` cuts only between user-perceived characters and marks the cut with an ellipsis.
"""

from __future__ import annotations

import unicodedata

ELLIPSIS = "…"
ZWJ = "\u200d"


def _extends(ch: str) -> bool:
    """Whether ``ch`` belongs to the character before it (never start a piece with it)."""
    code = ord(ch)
    return (
        ch == ZWJ
        or unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F  # variation selectors
        or 0x1F3FB <= code <= 0x1F3FF  # emoji skin-tone modifiers
        or 0xE0020 <= code <= 0xE007F  # emoji tag sequences (subdivision flags)
        or 0xE0100 <= code <= 0xE01EF
    )


def _regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _safe_cut(text: str, n: int) -> int:
    """The largest cut point ≤ n that does not split a user-perceived character."""
    n = min(n, len(text))
    while 0 < n < len(text):
        if _extends(text[n]) or text[n - 1] == ZWJ:
            n -= 1
            continue
        if _regional(text[n]) and _regional(text[n - 1]):
            # Flags pair up from the start of a run of regional indicators: cut between pairs only.
            start = n - 1
            while start > 0 and _regional(text[start - 1]):
                start -= 1
            if (n - start) % 2:
                n -= 1
                continue
        break
    return n


def shorten(text: str, limit: int, *, ellipsis: str = ELLIPSIS) -> str:
    """``text`` if it fits in ``limit`` code points, else a prefix cut at a character boundary + ellipsis."""
    if len(text) <= limit:
        return text
    return text[: _safe_cut(text, max(0, limit - len(ellipsis)))].rstrip() + ellipsis


def fit_title(head: str, tail: str, *, limit: int, separator: str = " · ") -> str:
    """``head · tail`` in at most ``limit`` code points: the tail (e.g. the segment title) stays whole and
    the head (the session title) is shortened with an ellipsis; only a tail too long on its own is cut."""
    whole = f"{head}{separator}{tail}"
    if len(whole) <= limit:
        return whole
    room = limit - len(separator) - len(tail)
    if room >= len(ELLIPSIS) + 1:
        return f"{shorten(head, room)}{separator}{tail}"
    return shorten(tail, limit)
