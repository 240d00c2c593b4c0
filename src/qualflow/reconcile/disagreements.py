"""Where the two coders differ: unit × code pairs one coder applied and the other did not, as a
sheet for the meeting.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from qualflow.codings.spans import sort_by_unit
from qualflow.contracts import DECISION_COLUMNS, DISAGREEMENT_FIXED, check_units
from qualflow.sheets import (
    add_codebook_sheet,
    set_text_cell,
    write_header,
)
from qualflow.text import strip_text

MAX_LISTED = 5

MAX_LOGGED = 20

DISAGREEMENTS_SHEET = "disagreements"

BAND_FILL = PatternFill("solid", fgColor="F2F2F2")


def compare_coders(
    codings_a: pd.DataFrame,
    codings_b: pd.DataFrame,
    units: pd.DataFrame,
    speakers: Sequence[str] = ("participant",),
) -> pd.DataFrame:
    """Every (unit, code) either coder applied, with who applied it and whether it counts.

    Columns unit_id, code, ``a``, ``b`` (bool), transcript_id, ``speaker``, ``double_coded``
    (both coders applied at least one code somewhere in the transcript — the same rule the
    agreement stage uses) and ``analysed`` (the unit's speaker is in ``speakers``).
    """
    return compare_pairs(codings_a, codings_b, check_units(units), speakers)


def compare_pairs(
    codings_a: pd.DataFrame,
    codings_b: pd.DataFrame,
    units: pd.DataFrame,
    speakers: Sequence[str],
) -> pd.DataFrame:
    """:func:`compare_coders` for units already checked by ``check_units``."""
    a, b = _unit_code_pairs(codings_a), _unit_code_pairs(codings_b)
    both = a.merge(b, on=["unit_id", "code"], how="outer", indicator="who")
    both["a"] = (both["who"] != "right_only").to_numpy()
    both["b"] = (both["who"] != "left_only").to_numpy()
    both = both.drop(columns="who")
    info = units.set_index("unit_id")[["transcript_id", "speaker"]]
    unknown = ~both["unit_id"].isin(info.index)
    if unknown.any():
        raise ValueError(
            f"codings name units not in units.csv: {both.loc[unknown, 'unit_id'].iloc[0]}"
        )
    both = both.join(info, on="unit_id")
    coded_by_a = set(both.loc[both["a"], "transcript_id"])
    coded_by_b = set(both.loc[both["b"], "transcript_id"])
    both["double_coded"] = both["transcript_id"].isin(coded_by_a & coded_by_b)
    both["analysed"] = both["speaker"].isin(list(speakers))
    return sort_by_unit(both, units, extra=["code"])


def _unit_code_pairs(codings: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {"unit_id": strip_text(codings["unit_id"]), "code": strip_text(codings["code"])}
    ).drop_duplicates()


def check_coder_names(coder_names: Sequence[str]) -> tuple[str, str]:
    names = tuple(str(n) for n in coder_names)
    if len(names) != 2 or names[0] == names[1]:
        raise ValueError(f"coder_names must be two different names, not {coder_names!r}")
    clash = [n for n in names if n in DISAGREEMENT_FIXED + DECISION_COLUMNS]
    if clash:
        raise ValueError(f"coder name {clash[0]!r} clashes with a column of disagreements.csv")
    return names  # type: ignore[return-value]


def find_disagreements(
    codings_a: pd.DataFrame,
    codings_b: pd.DataFrame,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    coder_names: tuple[str, str],
    speakers: Sequence[str] = ("participant",),
) -> pd.DataFrame:
    """One row per (unit, code) the coders differ on, in double-coded transcripts only.

    Only units whose speaker is in ``speakers`` count. Columns: transcript_id, turn, unit_id,
    speaker, code, subtheme, previous_text (the turn before, for context), text, one 1/0
    column per coder named by the coder, and empty ``decision`` and ``rationale`` for the
    meeting. Ordered for the meeting: participant, wave, turn, code.
    """
    name_a, name_b = check_coder_names(coder_names)
    units = check_units(units)
    pairs = compare_pairs(codings_a, codings_b, units, speakers)
    differ = pairs[pairs["double_coded"] & pairs["analysed"] & (pairs["a"] != pairs["b"])]
    context = _turn_context(units)
    out = differ[["unit_id", "code"]].join(context, on="unit_id")
    out["subtheme"] = out["code"].map(codebook.set_index("code")["subtheme"])
    out[name_a] = differ["a"].astype(int).to_numpy()
    out[name_b] = differ["b"].astype(int).to_numpy()
    out["decision"] = ""
    out["rationale"] = ""
    return out[[*DISAGREEMENT_FIXED, name_a, name_b, *DECISION_COLUMNS]].reset_index(drop=True)


def _turn_context(units: pd.DataFrame) -> pd.DataFrame:
    """transcript_id, turn, speaker, previous_text and text per unit_id."""
    ordered = units.sort_values(["transcript_id", "turn"], kind="mergesort")
    previous = ordered.groupby("transcript_id", sort=False)["text"].shift(1).fillna("")
    ordered = ordered.assign(previous_text=previous)
    return ordered.set_index("unit_id")[
        ["transcript_id", "turn", "speaker", "previous_text", "text"]
    ]


def disagreements_workbook(disagreements: pd.DataFrame, codebook: pd.DataFrame) -> Workbook:
    """The disagreements as a workbook for the meeting: wrapped text, frozen header, widths,
    an include/exclude dropdown on ``decision``, rows of one turn banded together; text cells
    are inert strings (never formulas). A ``codebook`` sheet holds the definitions."""
    book = Workbook()
    sheet = book.active
    sheet.title = DISAGREEMENTS_SHEET
    columns = list(disagreements.columns)
    widths = {
        "transcript_id": 11,
        "turn": 6,
        "unit_id": 13,
        "speaker": 11,
        "code": 22,
        "subtheme": 22,
        "previous_text": 45,
        "text": 60,
        "decision": 11,
        "rationale": 40,
    }
    write_header(sheet, columns, widths, default_width=9)
    wrap = Alignment(wrap_text=True, vertical="top")
    band = False
    previous_unit = None
    for r, record in enumerate(disagreements.itertuples(index=False), start=2):
        if record.unit_id != previous_unit:
            band, previous_unit = not band, record.unit_id
        for col, value in enumerate(record, start=1):
            cell = sheet.cell(row=r, column=col)
            if isinstance(value, int | np.integer):
                cell.value = int(value)
            else:
                set_text_cell(cell, value)
            cell.alignment = wrap
            if band:
                cell.fill = BAND_FILL
    last_row = max(len(disagreements) + 1, 2)
    decision_col = get_column_letter(columns.index("decision") + 1)
    choose = DataValidation(
        type="list",
        formula1='"include,exclude"',
        allow_blank=True,
        errorTitle="Decision",
        error="Choose include or exclude.",
        promptTitle="Decision",
        prompt="include: the code applies to this turn; exclude: it does not.",
    )
    choose.add(f"{decision_col}2:{decision_col}{last_row}")
    sheet.add_data_validation(choose)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last_row}"
    add_codebook_sheet(book, codebook)
    return book
