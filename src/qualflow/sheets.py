"""Spreadsheet helpers shared by every stage that writes or reads .xlsx: header style, text cells,
formula safety.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.worksheet import Worksheet

from qualflow.contracts import CODEBOOK_SHEET_COLUMNS
from qualflow.errors import InputError
from qualflow.io import check_formulas_have_values

log = logging.getLogger(__name__)


SHEET_NAME = "coding"

#: Rows of one Excel worksheet (header included); a coding sheet with more units continues on
#: worksheets ``coding 2``, ``coding 3``, ... (about 1,000x the demo study needs five).
EXCEL_MAX_ROWS = 1_048_576

CODEBOOK_SHEET = "codebook"

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

EXCEL_CELL_LIMIT = 32_767

HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")


def coding_sheet_title(part: int) -> str:
    """``coding`` for the first worksheet of a coding sheet, ``coding 2`` ... after it."""
    return SHEET_NAME if part == 1 else f"{SHEET_NAME} {part}"


def coding_sheet_titles(sheetnames: Sequence[str]) -> list[str]:
    """A workbook's coding worksheets in order: ``coding``, ``coding 2``, ... (others ignored)."""
    parts = {1 if name == SHEET_NAME else _part_number(name): name for name in sheetnames}
    return [name for part, name in sorted(parts.items()) if part]


def _part_number(title: str) -> int:
    match = re.fullmatch(rf"{SHEET_NAME} ([2-9]|[1-9][0-9]+)", title)
    return int(match.group(1)) if match else 0


@contextlib.contextmanager
def read_workbook(path: Path) -> Iterator[Workbook]:
    """Open an .xlsx read-only (cached values, not formulas); the file is closed afterwards,
    even when reading stops half-way with an error."""
    with open(path, "rb") as handle:
        try:
            book = load_workbook(handle, read_only=True, data_only=True)
        except Exception as err:  # openpyxl raises several unrelated types for a bad file
            raise InputError(path, f"cannot be read as an Excel workbook ({err})") from None
        check_formulas_have_values(path)
        try:
            yield book
        finally:
            book.close()


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def write_header(
    sheet: Worksheet | WriteOnlyWorksheet,
    names: Sequence[str],
    widths: Mapping[str, float] | None = None,
    default_width: float | None = None,
) -> None:
    """Row 1 of a sheet still empty (write-only too): the column names, bold on the header
    fill; with ``widths`` (by name, else ``default_width``) each column's width too."""
    for col, name in enumerate(names, start=1):
        width = (widths or {}).get(name, default_width)
        if width is not None:  # before any row: a write-only sheet writes its columns first
            sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.append(header_cells(sheet, names))


def header_cells(sheet: Worksheet | WriteOnlyWorksheet, names: Sequence[str]) -> list[Cell]:
    """Cells for row 1 (to ``sheet.append``): each name bold on the header fill."""
    cells = []
    for name in names:
        cell = WriteOnlyCell(sheet, value=name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="bottom", wrap_text=True)
        cells.append(cell)
    return cells


def add_codebook_sheet(book: Workbook, codebook: pd.DataFrame) -> None:
    """Add a ``codebook`` sheet: code, subtheme, category, definition, include, exclude, example
    (to a write-only workbook too)."""
    sheet = book.create_sheet(CODEBOOK_SHEET)
    declare_size(sheet, len(codebook) + 1, len(CODEBOOK_SHEET_COLUMNS))
    sheet.freeze_panes = "A2"
    widths = {"code": 24, "subtheme": 24, "category": 14}
    write_header(sheet, CODEBOOK_SHEET_COLUMNS, widths, default_width=45)
    wrap = Alignment(wrap_text=True, vertical="top")
    for row in codebook[CODEBOOK_SHEET_COLUMNS].itertuples(index=False):
        sheet.append([text_cell(sheet, value, wrap) for value in row])


def declare_size(sheet: Worksheet | WriteOnlyWorksheet, n_rows: int, n_columns: int) -> None:
    """Give a write-only sheet the size (``<dimension ref="A1:…">``) a normal sheet records;
    readers size their rows by it. Call before the first row is appended.

    openpyxl writes the size only of a sheet that can ``calculate_dimension``, which a
    write-only sheet cannot (its rows are on disk); a normal sheet keeps its own."""
    if isinstance(sheet, WriteOnlyWorksheet):
        ref = f"A1:{get_column_letter(n_columns)}{n_rows}"
        sheet.calculate_dimension = lambda: ref


def text_cell(
    sheet: Worksheet | WriteOnlyWorksheet,
    value: object,
    alignment: Alignment | None = None,
    font: Font | None = None,
) -> Cell:
    """A new inert string cell (:func:`set_text_cell`) for ``sheet.append``, optionally with an
    alignment and a font."""
    cell = WriteOnlyCell(sheet)
    set_text_cell(cell, value)
    if alignment is not None:
        cell.alignment = alignment
    if font is not None:
        cell.font = font
    return cell


def set_text_cell(cell, value: object) -> None:
    """Store ``value`` as an inert string cell, never a formula (OWASP formula injection).

    openpyxl turns a string starting with ``=`` into a formula; forcing the string type, and
    Excel's quote prefix on text starting with = + - @, keeps it text even when a user edits it.
    Characters XML cannot hold are dropped; text beyond Excel's cell limit is cut (logged).
    """
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > EXCEL_CELL_LIMIT:
        log.warning("a text of %d characters was cut to Excel's cell limit", len(text))
        text = text[: EXCEL_CELL_LIMIT - 1] + "…"
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, made inert with a leading ``'``.

    Cells beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return are prefixed with
    a single quote, as the OWASP advice on CSV injection recommends. For CSV output only; the
    workbook keeps the text and stores it as a string cell instead.
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            values = out[column].fillna("").astype(str)
            risky = values.str.startswith(FORMULA_TRIGGERS)
            out[column] = values.where(~risky, "'" + values)
    return out
