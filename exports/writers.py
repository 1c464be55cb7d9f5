"""Turning a job's spool into the file the user downloads: .xlsx (XlsxWriter, constant memory) or CSV.

Both read the spool twice: once to find the columns some row fills (a column no row fills is left out) and how wide
each should be, once to write. Headers and directions are in the active language (the job's), times in its zone.
"""

from __future__ import annotations

import csv
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from django.utils.translation import gettext

from exports.rows import CellType, Column
from ledger.forms import DIRECTION_LABELS
from vendors.results import Direction

# Excel's limit is 1,048,576 rows a sheet, the header row among them.
EXCEL_MAX_ROWS = 1_048_576
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
MAX_WIDTH = 60
MAX_TEXT = 32_000  # a cell holds 32,767 characters


UTF8_BOM = "\ufeff"

# What makes Excel or WPS run a cell as a formula (CSV injection; vendor text is untrusted): = + - @, | (DDE), and
# their full-width forms, which some locales read as the ASCII ones; also after leading blanks or a line feed.
_FORMULA_STARTS = frozenset("=+-@|\uff1d\uff0b\uff0d\uff20\uff5c")
_LEADING_BLANKS = " \t\r\n\u3000"


def neutralise_formula(value: str) -> str:
    """Text that a spreadsheet would run as a formula, made literal with a leading apostrophe."""
    if value[:1] in ("\t", "\r", "\n") or value.lstrip(_LEADING_BLANKS)[:1] in _FORMULA_STARTS:
        return "'" + value
    return value


@dataclass(frozen=True)
class Layout:
    """The columns written (those some row fills; every column when there is no row) and their widths."""

    indexes: list[int]
    widths: list[int]


def _display_width(text: str) -> int:
    # Chinese characters take two columns' room.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def header_label(column: Column, zone_name: str) -> str:
    if column.type == CellType.TIME:
        return gettext("%(label)s (%(zone)s)") % {"label": column.label, "zone": zone_name}
    return str(column.label)


def layout(columns: Sequence[Column], rows: Iterable[list[str | None]], zone_name: str) -> Layout:
    filled = [column.type == CellType.ROW_NUMBER for column in columns]
    widths = [_display_width(header_label(column, zone_name)) for column in columns]
    for cells in rows:
        for index, value in enumerate(cells):
            if value is None:
                continue
            filled[index] = True
            if columns[index].type in (CellType.TEXT, CellType.NUMBER):
                widths[index] = max(widths[index], min(_display_width(value), MAX_WIDTH))
    indexes = [index for index, used in enumerate(filled) if used]
    if all(columns[index].type == CellType.ROW_NUMBER for index in indexes):
        indexes = list(range(len(columns)))  # no row: the header still says what the file would hold
    for index, column in enumerate(columns):
        if column.type == CellType.TIME:
            widths[index] = max(widths[index], len("2026-11-30 23:59:59"))
    return Layout(indexes, [min(widths[index], MAX_WIDTH) + 2 for index in indexes])


def _direction(code: str) -> str:
    try:
        return str(DIRECTION_LABELS[Direction(code)])
    except (KeyError, ValueError):
        return code


def _exact_float(text: str) -> float | None:
    """The number as a float when that loses nothing (Excel keeps 15 significant digits), else None."""
    number = Decimal(text)
    value = float(number)
    return value if Decimal(repr(value)) == number else None


def write_xlsx(
    path: Path,
    *,
    columns: Sequence[Column],
    rows: Callable[[], Iterator[list[str | None]]],
    zone: tzinfo,
    zone_name: str,
    sheet_title: str,
    banner: str = "",
    rows_per_sheet: int = EXCEL_MAX_ROWS,
    tmpdir: Path | None = None,
) -> None:
    """An .xlsx of every spooled row: header row frozen, ids, mobiles and all vendor text as string cells (never a
    formula), times as Excel times, points as numbers where a float holds them exactly. A new sheet starts before a
    sheet would pass `rows_per_sheet` (Excel's limit). `banner`, when given, is a first row saying what is missing."""
    plan = layout(columns, rows(), zone_name)
    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "tmpdir": str(tmpdir) if tmpdir else None,
            "default_date_format": "yyyy-mm-dd hh:mm:ss",
        },
    )
    header_format = workbook.add_format({"bold": True, "bg_color": "#F3F4F6", "border": 1})
    banner_format = workbook.add_format({"bold": True, "font_color": "#B91C1C"})
    time_format = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    heading_rows = 2 if banner else 1
    per_sheet = max(1, rows_per_sheet - heading_rows)
    sheet_row = 0
    sheets = 0

    def new_sheet() -> xlsxwriter.worksheet.Worksheet:
        nonlocal sheets
        sheets += 1
        title = sheet_title if sheets == 1 else f"{sheet_title} ({sheets})"
        worksheet = workbook.add_worksheet(_sheet_name(title, sheets))
        for position, width in enumerate(plan.widths):
            worksheet.set_column(position, position, width)
        if banner:
            worksheet.write_string(0, 0, banner, banner_format)
        for position, index in enumerate(plan.indexes):
            worksheet.write_string(heading_rows - 1, position, header_label(columns[index], zone_name), header_format)
        worksheet.freeze_panes(heading_rows, 0)
        return worksheet

    sheet = new_sheet()
    # `written` counts across sheets: a ROW_NUMBER column numbers on.
    for written, cells in enumerate(rows(), start=1):
        if sheet_row >= per_sheet:
            sheet, sheet_row = new_sheet(), 0
        row = heading_rows + sheet_row
        for position, index in enumerate(plan.indexes):
            _write_cell(sheet, row, position, columns[index].type, cells[index], written, zone, time_format)
        sheet_row += 1
    workbook.close()


def _write_cell(sheet, row: int, col: int, kind: CellType, value, number: int, zone: tzinfo, time_format) -> None:
    if kind == CellType.ROW_NUMBER:
        sheet.write_number(row, col, number)
    elif value is None:
        return
    elif kind == CellType.NUMBER:
        exact = _exact_float(value)
        if exact is None:
            sheet.write_string(row, col, value)  # more digits than Excel keeps: the exact text, not a rounded number
        else:
            sheet.write_number(row, col, exact)
    elif kind == CellType.TIME:
        moment = datetime.fromisoformat(value).astimezone(zone).replace(tzinfo=None)
        sheet.write_datetime(row, col, moment, time_format)
    elif kind == CellType.DIRECTION:
        sheet.write_string(row, col, _direction(value))
    else:
        sheet.write_string(row, col, value[:MAX_TEXT])


def _sheet_name(title: str, number: int) -> str:
    # Sheet names: at most 31 characters, none of []:*?/\ .
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in title).strip() or f"Sheet {number}"
    return cleaned[:31]


def write_csv(
    path: Path,
    *,
    columns: Sequence[Column],
    rows: Callable[[], Iterator[list[str | None]]],
    zone: tzinfo,
    zone_name: str,
    banner: str = "",
) -> None:
    """CSV in UTF-8 with a byte-order mark (Excel then reads Chinese right); vendor text guarded against formulas."""
    plan = layout(columns, rows(), zone_name)
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write(UTF8_BOM)
        writer = csv.writer(file)
        if banner:
            writer.writerow([banner])
        writer.writerow([header_label(columns[index], zone_name) for index in plan.indexes])
        for number, cells in enumerate(rows(), start=1):
            writer.writerow([_csv_cell(columns[index].type, cells[index], number, zone) for index in plan.indexes])


def _csv_cell(kind: CellType, value: str | None, number: int, zone: tzinfo) -> object:
    if kind == CellType.ROW_NUMBER:
        return number
    if value is None:
        return ""
    if kind == CellType.TIME:
        return datetime.fromisoformat(value).astimezone(zone).strftime(TIME_FORMAT)
    if kind == CellType.DIRECTION:
        return _direction(value)
    if kind == CellType.NUMBER:
        return value
    return neutralise_formula(value)
