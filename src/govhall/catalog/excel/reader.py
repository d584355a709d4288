"""Read a catalogue workbook into typed rows, collecting every unreadable cell as a Chinese error."""

import zipfile
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from govhall.catalog.excel.spec import ITEMS, SHEETS, CellError, from_cell

SHEET_ORDER = list(SHEETS)


@dataclass
class Row:
    sheet: str
    number: int  # the row number Excel shows
    values: dict


@dataclass
class Errors:
    """Problems found in a workbook, listed by sheet (in workbook order) and row."""

    entries: list[tuple[int, int, str]] = field(default_factory=list)

    def add(self, sheet: str, row: int, column: str, reason: str) -> None:
        # The agreed format: 工作表 第N行 列名：原因
        line = _("%(s)s 第%(r)d行 %(c)s：%(m)s") % {"s": sheet, "r": row, "c": column, "m": reason}
        self.entries.append((SHEET_ORDER.index(sheet), row, line))

    def add_general(self, message: str) -> None:
        self.entries.append((-1, 0, message))

    @property
    def lines(self) -> list[str]:
        return [line for _sheet, _row, line in sorted(self.entries, key=lambda e: (e[0], e[1]))]

    def __bool__(self) -> bool:
        return bool(self.entries)


def _header_index(sheet: str, header_row: tuple, errors: Errors) -> dict[str, int]:
    present = {str(h).strip(): i for i, h in enumerate(header_row) if h is not None}
    for column in SHEETS[sheet]:
        if column.header not in present:
            errors.add(sheet, 1, column.header, _("缺少该列"))
    return present


def _read_row(sheet: str, number: int, cells: tuple, index: dict[str, int], errors: Errors) -> Row:
    values = {}
    for column in SHEETS[sheet]:
        position = index.get(column.header)
        raw = cells[position] if position is not None and position < len(cells) else None
        try:
            values[column.field] = from_cell(column, raw)
        except CellError as exc:
            errors.add(sheet, number, column.header, str(exc))
            values[column.field] = None
            continue
        if column.required and values[column.field] is None:
            errors.add(sheet, number, column.header, _("必填，不能为空"))
    return Row(sheet, number, values)


def read_workbook(path, errors: Errors) -> dict[str, list[Row]]:
    """Rows of every known sheet (blank rows skipped); the items sheet is required, others optional."""
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, OSError, KeyError, ValueError) as exc:
        errors.add_general(_("无法读取工作簿：%(e)s") % {"e": exc})
        return {}
    rows: dict[str, list[Row]] = {sheet: [] for sheet in SHEETS}
    if ITEMS not in book.sheetnames:
        errors.add_general(_("工作簿缺少工作表“%(s)s”") % {"s": ITEMS})
    for sheet in SHEETS:
        if sheet not in book.sheetnames:
            continue
        lines = book[sheet].iter_rows(values_only=True)
        index = _header_index(sheet, next(lines, ()), errors)
        for number, cells in enumerate(lines, start=2):
            if any(c is not None and str(c).strip() for c in cells):
                rows[sheet].append(_read_row(sheet, number, cells, index, errors))
    book.close()
    return rows
