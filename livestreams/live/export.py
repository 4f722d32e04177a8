"""CSV and XLSX export of a stored result: the scorecard and every breakdown as its own table."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from openpyxl import Workbook

from livestreams.models import SessionResult


def _tables(result: SessionResult) -> list[tuple[str, list[str], list[list]]]:
    card = result.scorecard
    tables = [("scorecard", ["metric", "value"], [[k, "" if v is None else v] for k, v in card.items()])]
    b = result.breakdowns
    for name in ("segments", "jobs", "products", "sellers"):
        rows = b.get(name) or []
        if rows:
            header = list(rows[0].keys())
            tables.append((name, header, [[r.get(h) for h in header] for r in rows]))
    channels = b.get("channels") or {}
    if channels:
        header = ["channel", *next(iter(channels.values())).keys()]
        tables.append(("channels", header, [[ch, *vals.values()] for ch, vals in channels.items()]))
    if result.timeline:
        header = list(result.timeline[0].keys())
        tables.append(("timeline", header, [[r.get(h) for h in header] for r in result.timeline]))
    return tables


def result_csv(result: SessionResult) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # Excel opens UTF-8 Chinese correctly with a BOM
    writer = csv.writer(out)
    for name, header, rows in _tables(result):
        writer.writerow([f"# {name}"])
        writer.writerow(header)
        writer.writerows(rows)
        writer.writerow([])
    return out.getvalue()


def result_xlsx(result: SessionResult) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for name, header, rows in _tables(result):
        ws = wb.create_sheet(title=name[:31])
        ws.append(header)
        for row in rows:
            ws.append([_cell(v) for v in row])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _cell(value):
    if isinstance(value, str):
        try:
            if value and value.replace(".", "", 1).lstrip("-").isdigit() and "." in value:
                return Decimal(value)  # money strings become numbers a spreadsheet can sum
        except ValueError:
            pass
    return value
