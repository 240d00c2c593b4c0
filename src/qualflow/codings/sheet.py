"""The coding sheet: one row per turn, one column per code, for coders who code in a spreadsheet."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from qualflow.contracts import SHEET_FIXED_COLUMNS, check_units
from qualflow.io import atomic_path, save_workbook
from qualflow.sheets import (
    EXCEL_MAX_ROWS,
    HEADER_FILL,
    add_codebook_sheet,
    coding_sheet_title,
    set_text_cell,
    write_header,
)

log = logging.getLogger(__name__)


CODED_FILL = PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE")

INTERVIEWER_FONT = Font(color="666666", italic=True)


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
    """
    units = check_units(units).sort_values(["participant_id", "wave", "turn"], kind="mergesort")
    marked = _marked_cells(codings, units, list(codebook["code"]))
    book = Workbook()
    for part, start in enumerate(range(0, max(len(units), 1), rows_per_sheet), start=1):
        sheet = book.active if part == 1 else book.create_sheet()
        sheet.title = coding_sheet_title(part)
        _write_coding_rows(sheet, units.iloc[start : start + rows_per_sheet], codebook, marked)
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


def _write_coding_rows(
    sheet: Worksheet, units: pd.DataFrame, codebook: pd.DataFrame, marked: set
) -> None:
    codes = list(codebook["code"])
    n_fixed = len(SHEET_FIXED_COLUMNS)
    write_header(sheet, SHEET_FIXED_COLUMNS)
    for col, row in enumerate(codebook.itertuples(), start=n_fixed + 1):
        cell = sheet.cell(row=1, column=col, value=row.code)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(text_rotation=90, horizontal="center", vertical="bottom")
        note = f"{row.code_label}\n\n{row.definition}".strip()[:2000]
        cell.comment = Comment(note, "qualflow", width=320, height=180)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, unit in enumerate(units.itertuples(index=False), start=2):
        for col, value in enumerate((unit.unit_id, unit.speaker, unit.text), start=1):
            cell = sheet.cell(row=r, column=col)
            set_text_cell(cell, value)
            cell.alignment = wrap
            if unit.speaker == "interviewer":
                cell.font = INTERVIEWER_FONT
        for col, code in enumerate(codes, start=n_fixed + 1):
            if (unit.unit_id, code) in marked:
                sheet.cell(row=r, column=col, value=1)
    last_row = max(len(units) + 1, 2)
    first_code = get_column_letter(n_fixed + 1)
    last_code = get_column_letter(n_fixed + len(codes))
    area = f"{first_code}2:{last_code}{last_row}"
    marks = DataValidation(
        type="list",
        formula1='"1,x,yes"',
        allow_blank=True,
        errorStyle="warning",
        errorTitle="Not a coding mark",
        error="Enter 1 (or x / yes) to apply the code; leave the cell blank otherwise.",
    )
    marks.add(area)
    sheet.add_data_validation(marks)
    sheet.conditional_formatting.add(
        area, FormulaRule(formula=[f"LEN({first_code}2)>0"], fill=CODED_FILL)
    )
    sheet.freeze_panes = f"{first_code}2"
    sheet.auto_filter.ref = f"A1:{last_code}{last_row}"
    sheet.row_dimensions[1].height = min(7 * max(len(c) for c in codes) + 12, 220)
    for col, width in enumerate([14, 12, 80], start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    for col in range(n_fixed + 1, n_fixed + len(codes) + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 4.5
