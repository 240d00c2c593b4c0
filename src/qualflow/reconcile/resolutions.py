"""The team's decisions on disagreements (CSV or the filled sheet), carried through codebook
changes.
"""

from __future__ import annotations

import datetime
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from qualflow.codebook.changes import CodeHistory
from qualflow.codebook.read import unknown_code_problem
from qualflow.contracts import RESOLUTION_COLUMNS, check_units
from qualflow.errors import InputError
from qualflow.io import read_table
from qualflow.reconcile.disagreements import DISAGREEMENTS_SHEET
from qualflow.sheets import (
    read_workbook,
)
from qualflow.text import strip_text

DECISIONS = ("include", "exclude")


def read_resolutions(path: Path, units: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Read the team's decisions (``data/resolutions.csv``, or a filled disagreements .xlsx).

    Columns unit_id, code, decision (include | exclude), rationale, decided_by, date; only the
    first three are required. Rows with an empty decision are not yet decided and are skipped
    (their disagreements stay unresolved). An unknown unit or code, another decision value, or
    the same (unit, code) decided both ways stops with the file and row. Returns the
    resolution columns plus ``row`` (the file row); repeats of one decision are kept here and
    counted by :func:`build_consensus`.
    """
    path = Path(path)
    frame = normalised_decisions(_read_resolution_table(path))
    frame = frame[frame["decision"] != ""]
    known_units = set(check_units(units)["unit_id"])
    known_codes = set(codebook["code"])
    for r in frame.itertuples():
        if r.unit_id not in known_units:
            raise InputError(path, f"unit_id {r.unit_id!r} is not in units.csv", row=r.row)
        if r.code not in known_codes:
            raise InputError(path, unknown_code_problem(r.code, codebook), row=r.row)
        if r.decision not in DECISIONS:
            raise InputError(
                path, f"decision must be include or exclude, not {r.decision!r}", row=r.row
            )
    check_conflicts(frame, path)
    return frame[[*RESOLUTION_COLUMNS, "row"]].reset_index(drop=True)


def apply_changes_to_resolutions(
    resolutions: pd.DataFrame, history: CodeHistory
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decisions recorded under old code names, carried through the codebook's change log.

    A renamed code's decisions follow it; decisions on codes merged into one carry over where
    they agree for the merged (unit, code) and are dropped where they conflict, so that the
    disagreement is unresolved again; a split or retired code's decisions no longer apply.
    Returns the decisions now in force and notes (kind, unit_id, code, detail) on every
    decision that was dropped, all of them at once."""
    if resolutions.empty or not history.changes:
        return resolutions, pd.DataFrame(columns=["kind", "unit_id", "code", "detail"])
    fate = history.translate(resolutions["code"])
    frame = resolutions.assign(code=fate["code"], old_code=resolutions["code"], fate=fate["fate"])
    notes = [
        (
            "resolution_code_changed",
            r.unit_id,
            r.old_code,
            f"{_where(r.row)}decided {r.decision} on {r.old_code}, which was {r.fate} "
            f"(change {c}); decide again for the current codes",
        )
        for r, c in zip(
            frame[frame["code"] == ""].itertuples(),
            fate.loc[frame["code"] == "", "change"],
            strict=True,
        )
    ]
    frame = frame[frame["code"] != ""]
    decisions = frame.groupby(["unit_id", "code"])["decision"].transform("nunique")
    conflicting = frame[decisions > 1]
    for (unit_id, code), group in conflicting.groupby(["unit_id", "code"], sort=True):
        said = "; ".join(f"{_where(r.row)}{r.old_code}: {r.decision}" for r in group.itertuples())
        notes.append(
            (
                "resolution_merge_conflict",
                unit_id,
                code,
                f"merged codes were decided differently ({said}); the disagreement is "
                "unresolved again",
            )
        )
    kept = frame[decisions <= 1].drop(columns=["old_code", "fate"])
    return kept.reset_index(drop=True), pd.DataFrame(
        notes, columns=["kind", "unit_id", "code", "detail"]
    )


def _where(row) -> str:
    return "" if pd.isna(row) else f"row {int(row)}: "


def _read_resolution_table(path: Path) -> pd.DataFrame:
    """The table as strings with a ``row`` column numbered as a spreadsheet shows it."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_resolution_sheet(path)
    frame = read_table(path, ["unit_id", "code", "decision"])
    frame["row"] = frame.index.to_numpy() + 2  # file rows (read_table keeps them)
    return frame


def _read_resolution_sheet(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError(path, "file not found")
    with read_workbook(path) as book:
        name = DISAGREEMENTS_SHEET if DISAGREEMENTS_SHEET in book.sheetnames else book.sheetnames[0]
        rows = list(book[name].iter_rows(values_only=True))
    header = [None if v is None else str(v).strip() for v in (rows[0] if rows else [])]
    missing = [c for c in ("unit_id", "code", "decision") if c not in header]
    if missing:
        raise InputError(path, f"sheet {name!r} lacks column(s) {', '.join(missing)}", row=1)
    keep = {c: header.index(c) for c in RESOLUTION_COLUMNS if c in header}
    records = [
        {c: _sheet_text(v[i] if i < len(v) else None) for c, i in keep.items()} | {"row": r}
        for r, v in enumerate(rows[1:], start=2)
    ]
    return pd.DataFrame(records, columns=[*keep, "row"])


def _sheet_text(value: object) -> str:
    """A cell as text; a date typed into a spreadsheet becomes ISO ``YYYY-MM-DD``."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def normalised_decisions(resolutions: pd.DataFrame) -> pd.DataFrame:
    """A copy with every resolution column (missing ones empty) as stripped text, decision
    lower-cased, and a ``row`` column (NA when the table did not come from a file)."""
    frame = resolutions.copy()
    for column in RESOLUTION_COLUMNS:
        frame[column] = strip_text(frame[column]) if column in frame else ""
    if "row" not in frame:
        frame["row"] = pd.NA
    frame["decision"] = frame["decision"].str.casefold()
    return frame


def check_conflicts(resolutions: pd.DataFrame, path: str | PathLike[str] | None) -> None:
    """The same (unit, code) decided include in one row and exclude in another is an error."""
    if resolutions.empty:
        return
    first = resolutions.groupby(["unit_id", "code"], sort=False)[["decision", "row"]].transform(
        "first"
    )
    conflict = (resolutions["decision"] != first["decision"]).to_numpy()
    if conflict.any():
        i = int(np.flatnonzero(conflict)[0])
        r, earlier = resolutions.iloc[i], first.iloc[i]
        where = "another row" if pd.isna(earlier["row"]) else f"row {int(earlier['row'])}"
        raise InputError(
            path,
            f"{r['unit_id']} {r['code']} is decided {r['decision']!r} here but "
            f"{earlier['decision']!r} in {where}; keep one decision",
            row=None if pd.isna(r["row"]) else int(r["row"]),
        )
