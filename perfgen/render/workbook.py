"""The workbook: every 附表 of a document as one sheet of an XLSX a finance bureau can sum and filter.

XlsxWriter rather than openpyxl: perfgen only writes workbooks, XlsxWriter writes them faster, with
formulas carrying cached results (so a viewer that does not recalculate still shows the 合计),
and its output is byte-reproducible once the creation date is fixed.
"""

from __future__ import annotations

import io
from datetime import datetime
from decimal import Decimal

import xlsxwriter

from ..derive.tables import Table

HEADER_ROW = 2  # title, department line, then the header
A4 = 9  # Excel's paper size code
PORTRAIT_WIDTH = 95  # column-width units (about one digit each) across A4 portrait inside the margins
LINE_POINTS = 13.5  # one line of 10 pt 宋体
MAX_LINES = 30  # a row is not made taller than this (Excel's row height ends at 409 pt)


def workbook_bytes(tables: list[Table], department: str, year: int, when: datetime) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_numbers": False})
    book.set_properties({"title": f"{department}{year}年绩效目标附表", "author": "perfgen", "created": when.replace(tzinfo=None)})
    styles = _Styles(book)
    for table in tables:
        _sheet(book, styles, table, department, year)
    book.close()
    return out.getvalue()


class _Styles:
    def __init__(self, book):
        base = {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter", "text_wrap": True}
        self.title = book.add_format({"font_name": "宋体", "bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
        self.note = book.add_format({"font_name": "宋体", "font_size": 10})
        self.note_right = book.add_format({"font_name": "宋体", "font_size": 10, "align": "right"})
        self.header = book.add_format({**base, "bold": True, "align": "center", "bg_color": "#F2F2F2"})
        self.text = book.add_format(base)
        self.count = book.add_format({**base, "align": "center", "num_format": "0"})
        self.number = book.add_format({**base, "align": "center"})
        self.total_text = book.add_format({**base, "bold": True, "align": "center"})
        self.total_count = book.add_format({**base, "bold": True, "align": "center", "num_format": "0"})
        self._book, self._money, self._percent = book, {}, {}

    def money(self, places: int, total: bool = False):
        key = (places, total)
        if key not in self._money:
            pattern = "#,##0" + ("." + "0" * places if places else "")
            self._money[key] = self._book.add_format(
                {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter", "num_format": pattern, "bold": total}
            )
        return self._money[key]

    def percent(self, places: int):
        """A percentage stored as its shown number (24.5, not 0.245) with a % after it."""
        if places not in self._percent:
            pattern = "0" + ("." + "0" * places if places else "") + '"%"'
            self._percent[places] = self._book.add_format(
                {"font_name": "宋体", "font_size": 10, "border": 1, "valign": "vcenter", "align": "center", "num_format": pattern}
            )
        return self._percent[places]


def _sheet(book, styles: _Styles, table: Table, department: str, year: int) -> None:
    sheet = book.add_worksheet(table.label or table.title[:31])
    last_col = len(table.columns) - 1
    sheet.merge_range(0, 0, 0, last_col, f"{table.label} {table.title}".strip(), styles.title)
    sheet.set_row(0, 24)
    sheet.write(1, 0, f"部门：{department}　年度：{year}", styles.note)
    if table.unit:
        sheet.write(1, last_col, table.unit, styles.note_right)
    for c, column in enumerate(table.columns):
        sheet.set_column(c, c, column.width)
        sheet.write(HEADER_ROW, c, column.title, styles.header)
    sheet.freeze_panes(HEADER_ROW + 1, 0)
    _print_setup(sheet, table)
    places = table.money_places
    top = bool(table.total) and table.total_top  # the 合计 row right under the header
    first = HEADER_ROW + 1 + top
    merged = _merged_runs(table)
    widths = [column.width for column in table.columns]
    _fit_height(sheet, HEADER_ROW, [column.title for column in table.columns], widths)
    for r, row in enumerate(table.rows):
        _fit_height(sheet, first + r, ["" if (r, c) in merged.covered or (r, c) in merged.starts else cell.text for c, cell in enumerate(row)], widths)
        for c in range(len(row)):
            if (r, c) in merged.covered:
                continue
            fmt, value = _formatted(styles, table, row, c, places)
            if (r, c) in merged.starts:
                end = merged.starts[(r, c)]
                sheet.merge_range(first + r, c, first + end, c, None, fmt)
            _write(sheet, first + r, c, value, fmt)
    if table.total:
        row = HEADER_ROW + 1 if top else first + len(table.rows)
        last = first + len(table.rows)  # 1-based number of the last data row
        for c, (cell, column) in enumerate(zip(table.total, table.columns, strict=True)):
            if column.kind in ("money", "count") and cell.number is not None:
                fmt = styles.money(_places(column, places), total=True) if column.kind == "money" else styles.total_count
                if column.summable:
                    letter = xlsxwriter.utility.xl_col_to_name(c)
                    cached = float(cell.number) if isinstance(cell.number, Decimal) else cell.number
                    sheet.write_formula(row, c, f"=SUM({letter}{first + 1}:{letter}{last})", fmt, cached)
                else:  # an item's amount repeated on each of its rows: a SUM would count it again and again
                    _write(sheet, row, c, cell.number, fmt)
            else:
                sheet.write(row, c, cell.text, styles.total_text)


def _print_setup(sheet, table: Table) -> None:
    """On A4, as wide as the page (landscape when the columns need it), the header row on every
    page, page numbers in the footer."""
    sheet.set_paper(A4)
    if sum(column.width for column in table.columns) > PORTRAIT_WIDTH:
        sheet.set_landscape()
    sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
    sheet.repeat_rows(HEADER_ROW)
    sheet.center_horizontally()
    sheet.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
    sheet.set_footer("&C第 &P 页，共 &N 页")


def _fit_height(sheet, row: int, texts: list[str], widths: list[int]) -> None:
    """A row tall enough for its wrapped text (a viewer that does not measure text itself shows
    overlapping lines otherwise); a Chinese character takes two width units, other characters one."""
    lines = 1
    for text, width in zip(texts, widths, strict=True):
        if text:
            lines = max(lines, sum(max(1, -(-_units(part) // max(width - 1, 1))) for part in str(text).split("\n")))
    if lines > 1:
        sheet.set_row(row, min(lines, MAX_LINES) * LINE_POINTS)


def _units(text: str) -> int:
    return sum(2 if ord(ch) > 0x2E7F else 1 for ch in text)


def _places(column, places: int) -> int:
    """A money column's decimals: its field's own, else the table's."""
    own = getattr(column.type, "places", None)
    return own if own is not None else places


def _formatted(styles: _Styles, table: Table, row: list, c: int, places: int):
    cell, kind = row[c], table.columns[c].kind
    if kind == "money" and isinstance(cell.number, Decimal):
        return styles.money(_places(table.columns[c], places)), cell.number
    if kind == "count" and cell.number is not None:
        return styles.count, cell.number
    if kind == "percent" and cell.number is not None:
        return styles.percent(max(0, -cell.number.as_tuple().exponent)), cell.number
    if kind in ("number", "value") and cell.number is not None:
        return styles.number, cell.number
    return styles.text, cell.text


def _write(sheet, row: int, col: int, value, fmt) -> None:
    if isinstance(value, Decimal):
        sheet.write_number(row, col, value, fmt)  # XlsxWriter writes a Decimal through its own repr
    elif isinstance(value, int):
        sheet.write_number(row, col, value, fmt)
    else:
        sheet.write_string(row, col, value or "", fmt)


class _Runs:
    def __init__(self):
        self.starts: dict[tuple[int, int], int] = {}  # (row, col) → last row of the merge
        self.covered: set[tuple[int, int]] = set()


def _merged_runs(table: Table) -> _Runs:
    runs = _Runs()
    for c in range(len(table.columns)):
        start = None
        for r, row in enumerate(table.rows + [[None] * len(table.columns)]):
            cell = row[c]
            if cell is not None and cell.merge == "continue" and start is not None:
                runs.covered.add((r, c))
                continue
            if start is not None and r - 1 > start:
                runs.starts[(start, c)] = r - 1
            start = r if cell is not None and cell.merge == "restart" else None
    return runs
