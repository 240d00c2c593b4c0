"""The coding sheet: one row per turn, one column per code, for coders who code in a spreadsheet."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import Cell, WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet
from openpyxl.worksheet.datavalidation import DataValidation

from qualflow.contracts import SHEET_FIXED_COLUMNS, check_units
from qualflow.io import atomic_path, save_workbook
from qualflow.sheets import (
    EXCEL_MAX_ROWS,
    HEADER_FILL,
    add_codebook_sheet,
    coding_sheet_title,
    declare_size,
    header_cells,
    text_cell,
)

log = logging.getLogger(__name__)


CODED_FILL = PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE")

INTERVIEWER_FONT = Font(color="666666", italic=True)

#: Widths of the unit_id, speaker and text columns, and of each code column.
FIXED_COLUMN_WIDTHS = (14, 12, 80)
CODE_COLUMN_WIDTH = 4.5


def write_coding_sheet(
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    path: Path,
    codings: pd.DataFrame | None = None,
    rows_per_sheet: int = EXCEL_MAX_ROWS - 1,
) -> None:
    """Write an .xlsx coding sheet for coders without QDA software (atomically).

    Sheet ``coding``: unit_id, speaker, text, then one column per code (codebook order; the
    header's comment holds the label and definition), where the coder enters 1 (or x / yes).
    Every turn is listed, interviewer turns in grey, for context. Beyond Excel's row limit
    (``rows_per_sheet`` units) the rows continue on ``coding 2``, ``coding 3``, ... with the
    same header. Sheet ``codebook``: the definitions. With ``codings`` (columns unit_id, code)
    the sheet is written pre-filled.

    The workbook is written in openpyxl's write-only mode: rows stream to disk as they are
    made, so memory does not grow with the number of units.
    """
    units = check_units(units).sort_values(["participant_id", "wave", "turn"], kind="mergesort")
    marked = _marked_cells(codings, units, list(codebook["code"]))
    book = Workbook(write_only=True)
    for part, start in enumerate(range(0, max(len(units), 1), rows_per_sheet), start=1):
        sheet = book.create_sheet(coding_sheet_title(part))
        _write_coding_part(sheet, units.iloc[start : start + rows_per_sheet], codebook, marked)
    add_codebook_sheet(book, codebook)
    with atomic_path(path) as tmp:
        save_workbook(book, tmp)  # fixed dates: byte-identical reruns
    log.info(
        "coding sheet %s: %d units x %d codes, %d cells pre-filled",
        path,
        len(units),
        len(codebook),
        len(marked),
    )


def _marked_cells(codings: pd.DataFrame | None, units: pd.DataFrame, codes: list[str]) -> set:
    if codings is None or codings.empty:
        return set()
    unknown_codes = sorted(set(codings["code"]) - set(codes))
    unknown_units = sorted(set(codings["unit_id"]) - set(units["unit_id"]))
    if unknown_codes or unknown_units:
        raise ValueError(
            "codings to pre-fill name codes not in the codebook "
            f"{unknown_codes[:5]} or units not in units {unknown_units[:5]}"
        )
    return set(zip(codings["unit_id"], codings["code"], strict=True))


def _write_coding_part(
    sheet: WriteOnlyWorksheet, units: pd.DataFrame, codebook: pd.DataFrame, marked: set
) -> None:
    """One worksheet of the coding sheet: its layout, the header, then a row per unit."""
    codes = list(codebook["code"])
    _set_layout(sheet, codes, n_units=len(units))
    sheet.append(
        [
            *header_cells(sheet, SHEET_FIXED_COLUMNS),
            *(_code_header_cell(sheet, row) for row in codebook.itertuples()),
        ]
    )
    wrap = Alignment(wrap_text=True, vertical="top")
    for unit in units.itertuples(index=False):
        sheet.append(_unit_row(sheet, unit, codes, marked, wrap))


def _set_layout(sheet: WriteOnlyWorksheet, codes: list[str], n_units: int) -> None:
    """Size, widths, header height, frozen panes, filter, and the 1/x/yes check and green fill
    on the code cells; set before any row, as a write-only sheet writes its top first."""
    n_fixed = len(SHEET_FIXED_COLUMNS)
    first_code = get_column_letter(n_fixed + 1)
    last_code = get_column_letter(n_fixed + len(codes))
    last_row = max(n_units + 1, 2)
    area = f"{first_code}2:{last_code}{last_row}"
    declare_size(sheet, n_units + 1, n_fixed + len(codes))
    sheet.data_validations.append(_coding_marks(area))
    sheet.conditional_formatting.add(
        area, FormulaRule(formula=[f"LEN({first_code}2)>0"], fill=CODED_FILL)
    )
    sheet.freeze_panes = f"{first_code}2"
    sheet.auto_filter.ref = f"A1:{last_code}{last_row}"
    sheet.row_dimensions[1].height = min(7 * max(len(c) for c in codes) + 12, 220)
    widths = [*FIXED_COLUMN_WIDTHS, *[CODE_COLUMN_WIDTH] * len(codes)]
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width


def _coding_marks(area: str) -> DataValidation:
    """The dropdown and warning that admit 1, x or yes in the code cells of ``area``."""
    marks = DataValidation(
        type="list",
        formula1='"1,x,yes"',
        allow_blank=True,
        errorStyle="warning",
        errorTitle="Not a coding mark",
        error="Enter 1 (or x / yes) to apply the code; leave the cell blank otherwise.",
    )
    marks.add(area)
    return marks


def _code_header_cell(sheet: WriteOnlyWorksheet, entry) -> Cell:
    """The header of a codebook entry's column: the code turned upright, its label and
    definition in a comment."""
    cell = WriteOnlyCell(sheet, value=entry.code)
    cell.font = Font(bold=True)
    cell.fill = HEADER_FILL
    cell.alignment = Alignment(text_rotation=90, horizontal="center", vertical="bottom")
    note = f"{entry.code_label}\n\n{entry.definition}".strip()[:2000]
    cell.comment = Comment(note, "qualflow", width=320, height=180)
    return cell


def _unit_row(
    sheet: WriteOnlyWorksheet, unit, codes: list[str], marked: set, wrap: Alignment
) -> list:
    """A unit's row: unit_id, speaker and text as inert text (interviewer turns in grey),
    then 1 under each code pre-filled and nothing under the others."""
    font = INTERVIEWER_FONT if unit.speaker == "interviewer" else None
    texts = [
        text_cell(sheet, value, wrap, font) for value in (unit.unit_id, unit.speaker, unit.text)
    ]
    return [*texts, *(1 if (unit.unit_id, code) in marked else None for code in codes)]
