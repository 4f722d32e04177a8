"""One way to hand people a table as a file (CSV or XLSX): results, applicants, reports, attendance.

A ``Sheet`` is a title, typed columns and rows of plain values. The writers decide how each kind
looks: money is a number a spreadsheet can sum (two decimals), rates are percentages, durations are
minutes:seconds, text typed by people is made formula-inert. XLSX sheets get column widths and a
frozen header row; CSV is UTF-8 with a BOM so Excel opens Chinese text correctly. File names carry
the subject (session, company, class) and the date; ``response`` sends them with RFC 6266 names.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import quote

from django.http import HttpResponse
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.utils import get_column_letter

from core import formatting

TEXT, INT, NUMBER, MONEY, PERCENT, DURATION = "text", "int", "number", "money", "percent", "duration"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class Cell:
    """A value that carries its own kind (a "value" column holding money in one row, a rate in the next)."""

    kind: str
    value: object


@dataclass
class Sheet:
    title: str
    columns: list[tuple[str, str]]  # (header, kind)
    rows: list[list] = field(default_factory=list)

    @property
    def header(self) -> list[str]:
        return [str(h) for h, _kind in self.columns]


def safe_text(value):
    """Spreadsheet formula injection: text starting with = + - @ (or a tab/CR) is made inert."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def _split(kind: str, value):
    if isinstance(value, Cell):
        return value.kind, value.value
    return kind, value


def _csv_value(kind: str, value):
    kind, value = _split(kind, value)
    if value is None or value == "":
        return ""
    if kind == MONEY:
        return f"{Decimal(str(value)):.2f}"
    if kind == PERCENT:
        return formatting.percent(value, 2)
    if kind == DURATION:
        return formatting.duration(value)
    return safe_text(value) if isinstance(value, str) else value


def _xlsx_value(kind: str, value):
    kind, value = _split(kind, value)
    if value is None or value == "":
        return None, None
    if kind == MONEY:
        return Decimal(str(value)).quantize(Decimal("0.01")), "#,##0.00"
    if kind == PERCENT:
        return float(value), "0.00%"
    if kind == DURATION:
        return formatting.duration(value), None
    return (safe_text(value) if isinstance(value, str) else value), None


def _display_width(text: str) -> int:
    # CJK characters take two columns in a spreadsheet.
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def csv_bytes(sheets: Iterable[Sheet], *, titled: bool | None = None) -> bytes:
    """UTF-8 with a BOM. Several sheets go one under another, each under a "# title" line."""
    sheets = list(sheets)
    titled = len(sheets) > 1 if titled is None else titled
    out = io.StringIO()
    writer = csv.writer(out)
    for sheet in sheets:
        if titled:
            writer.writerow([f"# {sheet.title}"])
        writer.writerow(sheet.header)
        kinds = [k for _h, k in sheet.columns]
        for row in sheet.rows:
            writer.writerow([_csv_value(k, v) for k, v in zip(kinds, row, strict=False)])
        if titled:
            writer.writerow([])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def xlsx_bytes(sheets: Iterable[Sheet]) -> bytes:
    # Write-only mode keeps a large inbox export small in memory; widths are measured first.
    wb = Workbook(write_only=True)
    for sheet in sheets:
        ws = wb.create_sheet(title=_sheet_title(sheet.title))
        kinds = [k for _h, k in sheet.columns]
        widths = [_display_width(h) for h in sheet.header]
        rows = []
        for raw_row in sheet.rows:
            row = []
            for c, (kind, raw) in enumerate(zip(kinds, raw_row, strict=False)):
                value, number_format = _xlsx_value(kind, raw)
                shown = formatting.percent(value, 2) if number_format == "0.00%" else str(value or "")
                widths[c] = max(widths[c], _display_width(shown))
                row.append((value, number_format))
            rows.append(row)
        for c, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(c)].width = min(max(width + 2, 8), 60)
        ws.freeze_panes = "A2"
        ws.append(sheet.header)
        for row in rows:
            cells = []
            for value, number_format in row:
                cell = WriteOnlyCell(ws, value=value)
                if number_format:
                    cell.number_format = number_format
                cells.append(cell)
            ws.append(cells)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_title(title: str) -> str:
    # Excel refuses these characters in sheet names and more than 31 of them.
    return "".join("_" if ch in "[]:*?/\\" else ch for ch in str(title))[:31] or "Sheet"


def filename(subject: str, what: str, day: date, ext: str) -> str:
    """「<subject>-<what>-YYYY-MM-DD.<ext>」 with the characters file systems refuse replaced."""
    clean = "".join("_" if ch in '\\/:*?"<>|\r\n\t' else ch for ch in str(subject)).strip()
    return f"{clean[:80] or 'export'}-{what}-{day.isoformat()}.{ext}"


def content_disposition(name: str) -> str:
    """RFC 6266: an ASCII fallback plus the UTF-8 name (RFC 5987) that browsers use."""
    fallback = name.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def response(sheets: Iterable[Sheet], *, kind: str, name: str) -> HttpResponse:
    """The file as a download: ``kind`` is "csv" or "xlsx"; ``name`` comes from ``filename``."""
    if kind == "csv":
        resp = HttpResponse(csv_bytes(sheets), content_type=CSV_TYPE)
    else:
        resp = HttpResponse(xlsx_bytes(sheets), content_type=XLSX_TYPE)
    resp["Content-Disposition"] = content_disposition(name)
    resp["Cache-Control"] = "no-store"
    return resp
