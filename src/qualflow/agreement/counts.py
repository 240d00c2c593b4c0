"""Counting the 2×2 cells: each double-coded unit × code as both / A only / B only / neither, per
transcript.
"""

from __future__ import annotations

from os import PathLike

import numpy as np
import pandas as pd

from qualflow.agreement.statistics import A_ONLY, B_ONLY, BOTH
from qualflow.contracts import DOUBLE_CODED_COLUMNS
from qualflow.errors import InputError, file_rows
from qualflow.text import strip_text

# The only columns of units.csv and of a coder's codings (qualflow.contracts.UNIT_COLUMNS,
# CODING_COLUMNS) agreement reads; tables and frames with just these are accepted.
REQUIRED_UNIT_COLUMNS = ["unit_id", "transcript_id", "participant_id", "wave", "speaker"]

REQUIRED_CODING_COLUMNS = ["unit_id", "transcript_id", "code"]


def per_transcript_counts(
    unit_transcript: np.ndarray,
    n_transcripts: int,
    n_codes: int,
    applied_a: tuple[np.ndarray, np.ndarray],
    applied_b: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """2×2 counts per transcript and code, (T, C, 4), without a dense unit × code matrix.

    unit_transcript: (U,) transcript index of each in-scope unit; applied_a / applied_b:
    (unit index, code index) arrays of the codes each coder applied (duplicates allowed). A pair
    is encoded as unit·C + code; set operations on the sorted keys give both / a_only / b_only
    and ``np.bincount`` tallies them per (transcript, code); neither is the remainder.
    """
    unit_transcript = np.asarray(unit_transcript, dtype=np.int64)
    size = n_transcripts * n_codes

    def keys(applied: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        unit, code = (np.asarray(x, dtype=np.int64) for x in applied)
        return np.unique(unit * n_codes + code)

    def member(k: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
        position = np.minimum(np.searchsorted(sorted_keys, k), max(len(sorted_keys) - 1, 0))
        return sorted_keys[position] == k if len(sorted_keys) else np.zeros(len(k), bool)

    key_a, key_b = keys(applied_a), keys(applied_b)
    a_in_b, b_in_a = member(key_a, key_b), member(key_b, key_a)

    def tally(k: np.ndarray) -> np.ndarray:
        flat = unit_transcript[k // n_codes] * n_codes + k % n_codes
        return np.bincount(flat, minlength=size).reshape(n_transcripts, n_codes)

    both, a_only, b_only = tally(key_a[a_in_b]), tally(key_a[~a_in_b]), tally(key_b[~b_in_a])
    units_per_transcript = np.bincount(unit_transcript, minlength=n_transcripts)
    neither = units_per_transcript[:, None] - both - a_only - b_only
    return np.stack([both, a_only, b_only, neither], axis=-1).astype(np.int64)


def transcript_level_counts(unit_counts: np.ndarray) -> np.ndarray:
    """Turn-level counts (T, C, 4) → transcript-level counts (T, C, 4).

    The unit of analysis becomes (transcript, code): did each coder apply the code anywhere in
    the transcript's in-scope turns. A transcript without in-scope turns contributes nothing.
    """
    unit_counts = np.asarray(unit_counts)
    a_any = unit_counts[..., BOTH] + unit_counts[..., A_ONLY] > 0
    b_any = unit_counts[..., BOTH] + unit_counts[..., B_ONLY] > 0
    present = unit_counts.sum(axis=-1) > 0
    cells = [a_any & b_any, a_any & ~b_any, ~a_any & b_any, ~a_any & ~b_any]
    return np.stack([cell & present for cell in cells], axis=-1).astype(np.int64)


def prepare_units(units: pd.DataFrame, source: str | PathLike[str] | None) -> pd.DataFrame:
    """Check units.csv columns and ids; participant_id and wave as integers."""
    missing = [c for c in REQUIRED_UNIT_COLUMNS if c not in units.columns]
    if missing:
        raise InputError(source, f"missing column(s) {', '.join(missing)}", line=1)
    rows = file_rows(units)
    units = units.reset_index(drop=True)
    out = pd.DataFrame({c: strip_text(units[c]) for c in REQUIRED_UNIT_COLUMNS})
    for column in ("participant_id", "wave"):
        numbers = pd.to_numeric(units[column], errors="coerce")
        bad = numbers.isna() | (numbers != numbers.round())
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                source,
                f"{column} must be a whole number, not {units[column].iloc[i]!r}",
                row=int(rows[i]),
            )
        out[column] = numbers.astype(np.int64)
    dupes = out["unit_id"].duplicated()
    if dupes.any():
        i = int(np.flatnonzero(dupes.to_numpy())[0])
        raise InputError(source, f"unit_id {out.at[i, 'unit_id']!r} listed twice", row=int(rows[i]))
    return out


def coder_name(codings: pd.DataFrame, fallback: str) -> str:
    if "coder" not in codings.columns:
        return fallback
    names = [str(name).strip() for name in pd.unique(codings["coder"].dropna())]
    names = [name for name in names if name]
    return names[0] if names else fallback


def locate_codings(
    codings: pd.DataFrame,
    units: pd.DataFrame,
    codes: pd.Index,
    source: str | PathLike[str] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Row of units.csv and codebook index of each coding; InputError naming the bad row."""
    missing = [c for c in REQUIRED_CODING_COLUMNS if c not in codings.columns]
    if missing:
        raise InputError(source, f"missing column(s) {', '.join(missing)}", line=1)
    rows = file_rows(codings)
    unit_ids = strip_text(codings["unit_id"]).to_numpy()
    code_names = strip_text(codings["code"]).to_numpy()
    transcripts = strip_text(codings["transcript_id"]).to_numpy()
    unit_row = pd.Index(units["unit_id"]).get_indexer(unit_ids)
    code_index = codes.get_indexer(code_names)
    if (code_index < 0).any():
        i = int(np.flatnonzero(code_index < 0)[0])
        raise InputError(source, f"code {code_names[i]!r} is not in the codebook", row=int(rows[i]))
    if (unit_row < 0).any():
        i = int(np.flatnonzero(unit_row < 0)[0])
        raise InputError(source, f"unit_id {unit_ids[i]!r} is not in units.csv", row=int(rows[i]))
    expected = units["transcript_id"].to_numpy()[unit_row]
    wrong = expected != transcripts
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise InputError(
            source,
            f"unit_id {unit_ids[i]!r} belongs to transcript {expected[i]!r}, "
            f"not {transcripts[i]!r}",
            row=int(rows[i]),
        )
    return unit_row.astype(np.int64), code_index.astype(np.int64)


def double_coded_transcripts(
    units: pd.DataFrame, coded_a: set[str], coded_b: set[str]
) -> pd.DataFrame:
    """double_coded.csv: each transcript of units.csv, who coded it, and whether both did."""
    order = (
        units[["transcript_id", "participant_id", "wave"]]
        .drop_duplicates("transcript_id")
        .sort_values(["participant_id", "wave", "transcript_id"])
    )
    ids = order["transcript_id"]
    frame = pd.DataFrame(
        {
            "transcript_id": ids.to_numpy(),
            "coded_by_a": ids.isin(coded_a).to_numpy(),
            "coded_by_b": ids.isin(coded_b).to_numpy(),
        }
    )
    frame["double_coded"] = frame["coded_by_a"] & frame["coded_by_b"]
    return frame[DOUBLE_CODED_COLUMNS]
