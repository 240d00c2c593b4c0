"""The study's own tables: screening, participants and interviews.

Each reader checks the columns and values it relies on and names the file and the row of
anything wrong (rows numbered as a spreadsheet shows them: the header is row 1).
"""

from __future__ import annotations

import re
from os import PathLike
from pathlib import Path

import pandas as pd

from qualflow.contracts import INTERVIEW_COLUMNS, PARTICIPANT_COLUMNS, SCREENING_COLUMNS
from qualflow.errors import InputError, csv_row_number
from qualflow.io import read_table

TRANSCRIPT_ID = re.compile(r"^(?P<participant>\d+)_(?P<wave>\d+)$")

SCREENING_STATUSES = ("interviewed", "ineligible", "declined")
#: Longest plausible interview; a longer duration is a typo (hours for minutes, an extra digit).
MAX_DURATION_MIN = 600


def to_int(frame: pd.DataFrame, column: str, path: Path, allow_empty: bool = False) -> pd.Series:
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
    frame["participant_id"] = to_int(frame, "participant_id", path)
    frame["age"] = to_int(frame, "age", path)
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
    frame["participant_id"] = to_int(frame, "participant_id", path)
    frame["wave"] = to_int(frame, "wave", path)
    frame["duration_min"] = to_int(frame, "duration_min", path, allow_empty=True)
    bad = (frame["duration_min"] <= 0) | (frame["duration_min"] > MAX_DURATION_MIN)
    if bad.fillna(False).any():
        i = int(bad.fillna(False).idxmax())
        raise InputError(
            path,
            f"duration_min {frame.at[i, 'duration_min']} is not a plausible interview length "
            f"(1 to {MAX_DURATION_MIN} minutes)",
            row=csv_row_number(i),
        )
    dates = frame["date"].str.strip()
    parsed = pd.to_datetime(dates.where(dates != "", None), format="%Y-%m-%d", errors="coerce")
    bad = parsed.isna() & (dates != "")
    if bad.any():
        i = int(bad.idxmax())
        raise InputError(
            path,
            f"date {frame.at[i, 'date']!r} is not a date written YYYY-MM-DD",
            row=csv_row_number(i),
        )
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
    columns = ["recorded", "transcript_file", "transcript_id", "participant_id", "wave"]
    # Plain tuples, not iterrows: a Series per row costs seconds at 30,000 interviews, and
    # this runs at parse time of every snakemake call.
    for i, (is_recorded, file, tid, pid, wave) in zip(
        frame.index, frame[columns].itertuples(index=False, name=None), strict=True
    ):
        if is_recorded and not file:
            raise InputError(
                path, "recorded interview has no transcript_file", row=csv_row_number(i)
            )
        if file and Path(file).stem != tid:
            raise InputError(
                path,
                f"transcript_file {file!r} does not match participant {pid} wave {wave} "
                f"(expected {tid}.*)",
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
    dupes = frame["staff_id"].str.strip().duplicated()
    if dupes.any():
        i = int(dupes.idxmax())
        first = int(
            frame.index[frame["staff_id"].str.strip() == frame.at[i, "staff_id"].strip()][0]
        )
        raise InputError(
            path,
            f"staff_id {frame.at[i, 'staff_id']!r} is listed twice (also row "
            f"{csv_row_number(first)}); each person screened is one row",
            row=csv_row_number(i),
        )
    # checked as whole numbers; the column stays text (empty for people not interviewed)
    ids = to_int(frame, "participant_id", path, allow_empty=True)
    missing = (frame["status"] == "interviewed") & ids.isna()
    if missing.any():
        i = int(missing.idxmax())
        raise InputError(
            path, "status is interviewed but participant_id is empty", row=csv_row_number(i)
        )
    dupes = ids.notna() & ids.duplicated()
    if dupes.any():
        i = int(dupes.idxmax())
        raise InputError(path, f"participant {ids[i]} listed twice", row=csv_row_number(i))
    return frame


def check_study(
    participants_csv: str | PathLike[str],
    interviews_csv: str | PathLike[str],
    screening_csv: str | PathLike[str] | None = None,
) -> None:
    """Check that the study's tables describe the same people, before anything runs.

    Every participant in ``interviews.csv`` has a row in ``participants.csv`` and the other
    way round (else Table 1's n and the interview counts disagree); every ``interviewed`` row
    of ``screening.csv`` names a participant of ``participants.csv``, and every participant
    was screened (else the flowchart counts someone twice or not at all). Errors name the file
    and row.
    """
    participants = read_participants(participants_csv)
    interviews = read_interviews(interviews_csv)
    people = dict(zip(participants["participant_id"], participants.index, strict=True))
    interviewed = set(interviews["participant_id"])
    for i, pid in interviews["participant_id"].items():
        if pid not in people:
            raise InputError(
                interviews_csv,
                f"participant {pid} has interviews but no row in {participants_csv}",
                row=csv_row_number(i),
            )
    for pid, i in people.items():
        if pid not in interviewed:
            raise InputError(
                participants_csv,
                f"participant {pid} has no interview in {interviews_csv}",
                row=csv_row_number(i),
            )
    if screening_csv is None:
        return
    screening = read_screening(screening_csv)
    screened = screening.loc[screening["status"] == "interviewed", "participant_id"].astype(int)
    for i, pid in screened.items():
        if pid not in people:
            raise InputError(
                screening_csv,
                f"participant_id {pid} is not in {participants_csv}",
                row=csv_row_number(i),
            )
    screened_ids = set(screened)
    for pid, i in people.items():
        if pid not in screened_ids:
            raise InputError(
                participants_csv,
                f"participant {pid} has no 'interviewed' row in {screening_csv}",
                row=csv_row_number(i),
            )


def check_config_values(config: dict, source: str | PathLike[str] = "config.yaml") -> None:
    """Checks across config keys that a schema cannot express: exemplar lengths in order,
    two different coder files."""
    exemplars = config.get("exemplars", {})
    low, high = exemplars.get("min_words"), exemplars.get("max_words")
    if low is not None and high is not None and low > high:
        raise InputError(
            source, f"exemplars.min_words ({low}) is larger than exemplars.max_words ({high})"
        )
    from qualflow.coders import coder_files

    seen: dict[Path, str] = {}
    for name, entry in config.get("coders", {}).items():
        for file, _ in coder_files(entry, name):
            other = seen.setdefault(Path(file).resolve(), name)
            if other != name:
                raise InputError(
                    source,
                    f"coders {other} and {name} are given the same file {file}; agreement "
                    "between a file and itself is meaningless",
                )


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
