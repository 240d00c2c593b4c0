"""The study's own tables: screening, participants and interviews.

Each reader checks the columns and values it relies on and names the file and the row of
anything wrong (rows numbered as a spreadsheet shows them: the header is row 1).
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path

import pandas as pd

from .errors import InputError, csv_row_number

TRANSCRIPT_ID = re.compile(r"^(?P<participant>\d+)_(?P<wave>\d+)$")

PARTICIPANT_COLUMNS = ["participant_id", "gender", "age", "ethnicity", "diagnosis", "department"]
INTERVIEW_COLUMNS = [
    "participant_id",
    "wave",
    "date",
    "duration_min",
    "recorded",
    "transcript_file",
]
SCREENING_COLUMNS = ["staff_id", "status", "reason", "participant_id"]
SCREENING_STATUSES = ("interviewed", "ineligible", "declined")


def read_table(path: str | PathLike[str], required: list[str]) -> pd.DataFrame:
    """Read a CSV as strings (empty cells stay empty) and check its required columns.

    Blank rows are dropped; the index keeps each row's position in the file, so
    ``csv_row_number(label)`` is the row a spreadsheet shows.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(path, f"cannot be read as CSV ({err})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}", line=1)
    # Drop empty rows but keep the index: label i is row csv_row_number(i) of the file, so
    # row numbers in messages stay right after a blank line.
    return frame[~(frame.apply(lambda column: column.str.strip()) == "").all(axis=1)]


def _to_int(frame: pd.DataFrame, column: str, path: Path, allow_empty: bool = False) -> pd.Series:
    values = frame[column].str.strip()
    out = pd.to_numeric(values.where(values != "", None), errors="coerce")
    bad = out.isna() & ((values != "") | (not allow_empty))
    bad |= out.notna() & (out != out.round())
    if bad.any():
        i = int(bad.idxmax())
        raise InputError(
            path, f"{column} must be a whole number, not {values[i]!r}", row=csv_row_number(i)
        )
    return out.astype("Int64")


def read_participants(path: str | PathLike[str]) -> pd.DataFrame:
    """``participants.csv``: one row per interviewed participant."""
    path = Path(path)
    frame = read_table(path, PARTICIPANT_COLUMNS)
    frame["participant_id"] = _to_int(frame, "participant_id", path)
    frame["age"] = _to_int(frame, "age", path)
    dupes = frame["participant_id"].duplicated()
    if dupes.any():
        i = int(dupes.idxmax())
        raise InputError(
            path, f"participant {frame.at[i, 'participant_id']} listed twice", row=csv_row_number(i)
        )
    return frame


def read_interviews(path: str | PathLike[str]) -> pd.DataFrame:
    """``interviews.csv``: one row per scheduled interview; adds ``transcript_id``."""
    path = Path(path)
    frame = read_table(path, INTERVIEW_COLUMNS)
    frame["participant_id"] = _to_int(frame, "participant_id", path)
    frame["wave"] = _to_int(frame, "wave", path)
    frame["duration_min"] = _to_int(frame, "duration_min", path, allow_empty=True)
    recorded = frame["recorded"].str.strip().str.lower()
    bad = ~recorded.isin(["yes", "no"])
    if bad.any():
        i = int(bad.idxmax())
        raise InputError(
            path,
            f"recorded must be yes or no, not {frame.at[i, 'recorded']!r}",
            row=csv_row_number(i),
        )
    frame["recorded"] = recorded == "yes"
    frame["transcript_file"] = frame["transcript_file"].str.strip()
    frame["transcript_id"] = frame["participant_id"].astype(str) + "_" + frame["wave"].astype(str)
    for i, row in frame.iterrows():
        if row["recorded"] and not row["transcript_file"]:
            raise InputError(
                path, "recorded interview has no transcript_file", row=csv_row_number(i)
            )
        if row["transcript_file"]:
            stem = Path(row["transcript_file"]).stem
            if stem != row["transcript_id"]:
                raise InputError(
                    path,
                    f"transcript_file {row['transcript_file']!r} does not match participant "
                    f"{row['participant_id']} wave {row['wave']} "
                    f"(expected {row['transcript_id']}.*)",
                    row=csv_row_number(i),
                )
    dupes = frame["transcript_id"].duplicated()
    if dupes.any():
        i = int(dupes.idxmax())
        raise InputError(
            path, f"interview {frame.at[i, 'transcript_id']} listed twice", row=csv_row_number(i)
        )
    return frame


def read_screening(path: str | PathLike[str]) -> pd.DataFrame:
    """``screening.csv``: every staff member screened, with the outcome and its reason."""
    path = Path(path)
    frame = read_table(path, SCREENING_COLUMNS)
    status = frame["status"].str.strip().str.lower()
    bad = ~status.isin(SCREENING_STATUSES)
    if bad.any():
        i = int(bad.idxmax())
        raise InputError(
            path,
            f"status must be one of {', '.join(SCREENING_STATUSES)}, not {frame.at[i, 'status']!r}",
            row=csv_row_number(i),
        )
    frame["status"] = status
    return frame


def parse_transcript_id(
    transcript_id: str, source: str | PathLike[str] | None = None
) -> tuple[int, int]:
    """Split ``50004_2`` into (participant 50004, wave 2); a clear error otherwise."""
    match = TRANSCRIPT_ID.match(str(transcript_id))
    if not match:
        raise InputError(
            source,
            f"transcript id {transcript_id!r} does not parse as <participant>_<wave> "
            "(e.g. 50004_2)",
        )
    return int(match["participant"]), int(match["wave"])


def recorded_transcripts(interviews: pd.DataFrame) -> pd.DataFrame:
    """The interviews that have a transcript, sorted by participant and wave."""
    rec = interviews[interviews["recorded"]]
    return rec.sort_values(["participant_id", "wave"]).reset_index(drop=True)
