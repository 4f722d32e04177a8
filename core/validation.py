"""Small field checks shared by services that take free text from public forms."""

from __future__ import annotations

from django.utils.translation import gettext

from core.errors import ApplicationError


def check_text(**fields: tuple[str, int]) -> None:
    """Raise one ApplicationError naming every field whose text PostgreSQL would refuse or cut.

    ``fields`` maps a field name to ``(value, max_length)``. NUL characters are refused (PostgreSQL
    text cannot hold them), and so is text longer than the column.
    """
    errors: dict[str, list[str]] = {}
    for name, (value, max_length) in fields.items():
        value = value or ""
        if "\x00" in value:
            errors[name] = [gettext("包含不允许的字符。")]
        elif len(value) > max_length:
            errors[name] = [gettext("最多 %(n)d 个字符。") % {"n": max_length}]
    if errors:
        raise ApplicationError(gettext("Invalid text."), fields=errors)


def reject_unknown(given, allowed) -> None:
    """The one "unknown fields" check for services (serializers have StrictSerializer): every name in
    ``given`` that is not in ``allowed`` is a field error, and nothing is written."""
    unknown = set(given) - set(allowed)
    if unknown:
        raise ApplicationError(
            gettext("Unknown fields."), fields={f: [gettext("Unknown field.")] for f in sorted(unknown)}
        )
