"""File contracts shared by several stages: column lists and the one ``units.csv`` reader.

``docs/files.md`` is the authority on every file's columns; this module holds, once, the
columns of the files more than one module writes or reads, so that a stage imports them
instead of restating them:

* ``results/clean/units.csv`` — :data:`UNIT_COLUMNS`, read and checked by :func:`read_units`;
* ``results/codings/{coder}.csv`` — :data:`CODING_COLUMNS`;
* the span form of ``data/codings/{coder}.csv`` (also what :mod:`qualflow.qdpx` reads from a
  REFI-QDA project) — :data:`SPAN_COLUMNS`;
* ``results/consensus/codings.csv`` — :data:`CONSENSUS_COLUMNS`.

Columns and outputs only one stage knows about stay in that stage's module.
"""

from __future__ import annotations

from collections.abc import Callable
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import InputError
from .study import read_table

#: Speaker roles of a unit (``units.csv`` column ``speaker``).
SPEAKERS = ("interviewer", "participant")

#: ``results/clean/units.csv``
UNIT_COLUMNS = [
    "unit_id",
    "transcript_id",
    "participant_id",
    "wave",
    "turn",
    "speaker",
    "start",
    "end",
    "text",
    "n_words",
]
#: Columns a units table handed over in memory must have (see :func:`check_units`).
UNIT_FRAME_COLUMNS = [c for c in UNIT_COLUMNS if c != "n_words"]
UNIT_TEXT_COLUMNS = ["unit_id", "transcript_id", "speaker", "text"]
UNIT_INT_COLUMNS = ["participant_id", "wave", "turn", "start", "end"]

#: ``results/codings/{coder}.csv``: one row per (unit, code) a coder applied.
CODING_COLUMNS = ["coder", "unit_id", "transcript_id", "code", "memo"]

#: ``data/codings/{coder}.csv`` in span form (character offsets into the cleaned text).
SPAN_COLUMNS = ["coder", "transcript_id", "code", "start", "end", "memo"]

#: ``results/consensus/codings.csv``
CONSENSUS_COLUMNS = [
    "unit_id",
    "transcript_id",
    "participant_id",
    "wave",
    "turn",
    "speaker",
    "code",
    "subtheme",
    "category",
    "source",
]


def read_units(path: str | PathLike[str]) -> pd.DataFrame:
    """Read ``results/clean/units.csv``: every column of :data:`UNIT_COLUMNS` required.

    unit_id, transcript_id, speaker and text come back as str (empty cells stay ""),
    participant_id, wave, turn, start, end and n_words as int64; unit ids must be unique and
    speaker one of :data:`SPEAKERS`. Anything else raises :class:`InputError` naming the file
    and the row (numbered as a spreadsheet shows them: the header is row 1).
    """
    path = Path(path)
    units = check_units(read_table(path, UNIT_COLUMNS), source=path)
    rows = _rows(units)
    _whole_numbers(units, "n_words", rows, path)
    speaker = units["speaker"]
    _raise_first(
        ~speaker.isin(SPEAKERS).to_numpy(),
        rows,
        path,
        lambda i: f"speaker must be interviewer or participant, not {speaker.iloc[i]!r}",
    )
    return units


def check_units(units: pd.DataFrame, source: str | PathLike[str] | None = None) -> pd.DataFrame:
    """A copy of ``units`` with id columns as str and whole-number columns as int64.

    Accepts the frame as read with ``dtype=str`` or with pandas' default types, so callers may
    read units.csv either way; unit ids must be unique. For units handed over in memory, which
    need only :data:`UNIT_FRAME_COLUMNS` (``n_words`` is not used by the stages that take
    units as a frame); :func:`read_units` checks the whole file.
    """
    missing = [c for c in UNIT_FRAME_COLUMNS if c not in units.columns]
    if missing:
        raise InputError(source, f"units table lacks column(s) {', '.join(missing)}", line=1)
    out = units.copy()
    for column in UNIT_TEXT_COLUMNS:
        out[column] = out[column].fillna("").astype(str)
    rows = _rows(out)
    for column in UNIT_INT_COLUMNS:
        _whole_numbers(out, column, rows, source)
    _raise_first(
        out["unit_id"].duplicated().to_numpy(),
        rows,
        source,
        lambda i: f"unit_id {out['unit_id'].iloc[i]!r} is listed twice",
    )
    return out


def _rows(frame: pd.DataFrame) -> np.ndarray:
    """Row numbers as a spreadsheet shows them (the header is row 1), from the index that
    :func:`qualflow.study.read_table` keeps (blank rows dropped); positions otherwise."""
    return file_rows(frame)


def file_rows(frame: pd.DataFrame) -> np.ndarray:
    """The spreadsheet row of each row of ``frame``: index + 2 for an integer index (as
    :func:`qualflow.study.read_table` leaves it), position + 2 otherwise."""
    if pd.api.types.is_integer_dtype(frame.index):
        return frame.index.to_numpy() + 2
    return np.arange(len(frame)) + 2


def _whole_numbers(
    frame: pd.DataFrame, column: str, rows: np.ndarray, source: str | PathLike[str] | None
) -> None:
    """Turn ``frame[column]`` into int64 in place; InputError at the first non-whole number."""
    if pd.api.types.is_integer_dtype(frame[column]):
        frame[column] = frame[column].astype(np.int64)
        return
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = (values.isna() | (values != values.round())).to_numpy()
    _raise_first(
        bad,
        rows,
        source,
        lambda i: f"{column} must be a whole number, not {frame[column].iloc[i]!r}",
    )
    frame[column] = values.astype(np.int64)


def _raise_first(
    mask: np.ndarray,
    rows: np.ndarray,
    source: str | PathLike[str] | None,
    problem: Callable[[int], str],
) -> None:
    """InputError for the first True in ``mask``; ``problem(i)`` describes position i."""
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        raise InputError(source, problem(i), row=int(rows[i]))
