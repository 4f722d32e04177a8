"""Files people open: the writer behind every export (BOM, widths, frozen header, inert formulas)."""

import csv
import io
from datetime import date
from decimal import Decimal
from urllib.parse import unquote

from openpyxl import load_workbook

from core import spreadsheet
from core.spreadsheet import DURATION, MONEY, PERCENT, TEXT, Cell, Sheet


def _sheet():
    sheet = Sheet(
        "求职者", [("姓名", TEXT), ("成交额（元）", MONEY), ("投递率", PERCENT), ("时长", DURATION)]
    )
    sheet.rows = [["=HYPERLINK(1)", Decimal("1234.5"), 0.125, 75], ["张伟", None, None, None]]
    return sheet


def test_xlsx_has_widths_a_frozen_header_numbers_and_inert_text():
    wb = load_workbook(io.BytesIO(spreadsheet.xlsx_bytes([_sheet()])))
    ws = wb["求职者"]
    assert ws.freeze_panes == "A2"
    assert [c.value for c in ws[1]] == ["姓名", "成交额（元）", "投递率", "时长"]
    name, money, rate, length = (c for c in ws[2])
    assert name.value == "'=HYPERLINK(1)"
    assert money.value == 1234.5 and money.number_format == "#,##0.00"
    assert rate.value == 0.125 and rate.number_format == "0.00%"
    assert length.value == "1:15"
    assert all(ws.column_dimensions[col].width >= 8 for col in "ABCD")
    assert ws.column_dimensions["B"].width >= len("成交额（元）") * 2  # CJK counts double


def test_csv_has_a_bom_and_readable_cells():
    body = spreadsheet.csv_bytes([_sheet()])
    assert body.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [
        ["姓名", "成交额（元）", "投递率", "时长"],
        ["'=HYPERLINK(1)", "1234.50", "12.50%", "1:15"],
        ["张伟", "", "", ""],
    ]


def test_a_cell_can_carry_its_own_kind():
    sheet = Sheet("成绩总览", [("指标", TEXT), ("数值", TEXT)], [["投递率", Cell(PERCENT, 0.5)]])
    assert "50.00%" in spreadsheet.csv_bytes([sheet]).decode("utf-8-sig")


def test_file_name_carries_subject_what_and_date():
    name = spreadsheet.filename("春风/专场", "成绩", date(2026, 3, 1), "xlsx")
    assert name == "春风_专场-成绩-2026-03-01.xlsx"
    disposition = spreadsheet.content_disposition(name)
    assert disposition.startswith('attachment; filename="') and unquote(disposition).endswith(name)
