"""File contracts: the columns of every CSV the pipeline reads or writes, in one place.

:data:`FILE_COLUMNS` maps each file's path in a study to its columns; the named lists below
are what the stages import, so a column is spelled once. ``docs/files.md`` describes the same
files for people (``tests/test_contracts.py`` checks that both say the same). Output *names*
live in the rules (``workflow/rules/*.smk``), which pass explicit paths to the stages.

Also here: the one reader of ``results/clean/units.csv`` (:func:`read_units`), which several
stages share.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

from qualflow.errors import InputError, file_rows, raise_first
from qualflow.io import read_table

if TYPE_CHECKING:  # imported where used: the workflow reads constants here at parse time
    import numpy as np
    import pandas as pd

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
#: ``results/clean/texts.csv``: the cleaned texts' manifest (:mod:`qualflow.clean.bundle`)
TEXT_MANIFEST_COLUMNS = ["transcript_id", "characters", "sha256"]
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
    rows = file_rows(units)
    _whole_numbers(units, "n_words", rows, path)
    speaker = units["speaker"]
    raise_first(
        path,
        ~speaker.isin(SPEAKERS).to_numpy(),
        lambda i: f"speaker must be interviewer or participant, not {speaker.iloc[i]!r}",
        rows,
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
    rows = file_rows(out)
    for column in UNIT_INT_COLUMNS:
        _whole_numbers(out, column, rows, source)
    raise_first(
        source,
        out["unit_id"].duplicated().to_numpy(),
        lambda i: f"unit_id {out['unit_id'].iloc[i]!r} is listed twice",
        rows,
    )
    return out


def _whole_numbers(
    frame: pd.DataFrame, column: str, rows: np.ndarray, source: str | PathLike[str] | None
) -> None:
    """Turn ``frame[column]`` into int64 in place; InputError at the first non-whole number."""
    import numpy as np
    import pandas as pd

    if pd.api.types.is_integer_dtype(frame[column]):
        frame[column] = frame[column].astype(np.int64)
        return
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = (values.isna() | (values != values.round())).to_numpy()
    raise_first(
        source,
        bad,
        lambda i: f"{column} must be a whole number, not {frame[column].iloc[i]!r}",
        rows,
    )
    frame[column] = values.astype(np.int64)


MARKER_COLUMNS = ["transcript_id", "turn", "kind", "value", "offset"]

REPORT_COLUMNS = [
    "transcript_id",
    "source_file",
    "format",
    "encoding",
    "had_bom",
    "n_turns",
    "n_words",
    "speaker_labels",
    "n_wrapped_lines_joined",
    "n_timestamps",
    "n_markers",
    "redactions",
]

#: Extra report column after the ``redacted_<KIND>`` counts: lines dropped before the first turn.
HEADER_COLUMN = "n_header_lines"

#: Last report column: what looks wrong but may be legitimate ("; "-separated, empty if nothing).
WARNINGS_COLUMN = "warnings"

#: ``results/codings/{coder}_status.csv``
CODING_STATUS_COLUMNS = ["kind", "count", "detail"]

SHEET_FIXED_COLUMNS = ["unit_id", "speaker", "text"]

SHEET_OPTIONAL_COLUMNS = ["transcript_id", "memo", "recode_of"]  # read; never code columns

CODEBOOK_SHEET_COLUMNS = [
    "code",
    "subtheme",
    "category",
    "definition",
    "include",
    "exclude",
    "example",
]

RECODE_COLUMNS = ["unit_id", "transcript_id", "code", "into"]

BY_CODE_COLUMNS = [
    "code",
    "subtheme",
    "category",
    "n_units",
    "both",
    "a_only",
    "b_only",
    "neither",
    "percent_agreement",
    "kappa",
    "kappa_se",
    "kappa_ci_low",
    "kappa_ci_high",
    "boot_ci_low",
    "boot_ci_high",
    "kappa_se_cluster",
    "cluster_ci_low",
    "cluster_ci_high",
    "cluster",
    "n_clusters",
    "pabak",
    "ac1",
    "alpha",
    "ppos",
    "pneg",
    "prevalence_index",
    "bias_index",
    "band",
    "note",
]

SUMMARY_COLUMNS = [
    "scope",
    "group",
    "unit",
    "statistic",
    "n_codes",
    "n_units",
    "cluster",
    "n_clusters",
    "value",
    "boot_ci_low",
    "boot_ci_high",
    "note",
]

DOUBLE_CODED_COLUMNS = ["transcript_id", "coded_by_a", "coded_by_b", "double_coded"]

RECONCILIATION_COLUMNS = ["section", "who", "statistic", "n_units", "value"]

FREQUENCY_COLUMNS = [
    "level",
    "theme",
    "category",
    "wave",
    "n_participants",
    "n_interviewed",
    "pct_participants",
    "n_transcripts",
    "n_units",
    "n_words",
]

MATRIX_COLUMNS = ["participant_id", "subtheme", "category", "wave", "n_units"]

PRIMACY_BY_TRANSCRIPT_COLUMNS = [
    "transcript_id",
    "participant_id",
    "wave",
    "category",
    "subtheme",
    "first_turn",
    "rank",
]

PRIMACY_PROMPT_COLUMNS = [
    "transcript_id",
    "participant_id",
    "wave",
    "category",
    "prompt",
    "found",
    "prompt_turn",
    "prompt_text",
]

PRIMACY_COLUMNS = [
    "subtheme",
    "category",
    "n_transcripts",
    "mean_rank",
    "median_rank",
    "n_first",
    "prompt_found",
]

IMPORTANCE_COLUMNS = [
    "subtheme",
    "category",
    "frequency",
    "primacy",
    "weight_frequency",
    "weight_primacy",
    "importance",
    "rank_in_category",
]

TRAJECTORY_COLUMNS = [
    "participant_id",
    "level",
    "theme",
    "category",
    "wave",
    "status",
    "change",
    "pattern",
    "missing_reason",
]

COOCCURRENCE_COLUMNS = ["subtheme_a", "subtheme_b", "n_units", "n_transcripts", "jaccard_units"]

EXEMPLAR_COLUMNS = [
    "subtheme",
    "category",
    "rank",
    "unit_id",
    "participant_id",
    "wave",
    "attribution",
    "quote",
    "n_words",
    "rule",
    "score",
    "reason",
]

PIN_COLUMNS = ["unit_id", "subtheme"]

DISAGREEMENT_FIXED = [
    "transcript_id",
    "turn",
    "unit_id",
    "speaker",
    "code",
    "subtheme",
    "previous_text",
    "text",
]

DECISION_COLUMNS = ["decision", "rationale"]

RESOLUTION_COLUMNS = ["unit_id", "code", "decision", "rationale", "decided_by", "date"]

#: ``results/reconciliation/status.csv``
CONSENSUS_STATUS_COLUMNS = ["kind", "count", "unit_id", "code", "detail"]


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


REDACTION_COLUMNS = ["term", "kind", "entity"]


LOCK_COLUMNS = ["transcript_id", "turn", "speaker", "start", "end", "digest"]


ANCHOR_COLUMNS = ["coded_unit_id", "unit_id", "transcript_id", "change", "detail"]


# results/codebook/changes.csv (qualflow.revision)
CHANGES_REPORT_COLUMNS = [
    "change",
    "date",
    "kind",
    "codes",
    "into",
    "why",
    "applies_to",
    "count",
    "detail",
]


COREQ_COLUMNS = ["item", "domain", "topic", "guide", "answer", "where", "status"]


RUN_CHANGE_COLUMNS = ["change", "item", "previous", "current"]


#: Every CSV the pipeline reads or writes, by its path in a study (``{coder}`` stands for a
#: coder's name), with its columns in order. ``docs/files.md`` documents the same columns
#: (tests/test_contracts.py checks that the two agree); stages import the lists from here.
FILE_COLUMNS: dict[str, list[str]] = {
    "data/screening.csv": SCREENING_COLUMNS,
    "data/participants.csv": PARTICIPANT_COLUMNS,
    "data/interviews.csv": INTERVIEW_COLUMNS,
    "data/redaction.csv": REDACTION_COLUMNS,
    "data/text_lock.csv": LOCK_COLUMNS,
    "data/resolutions.csv": RESOLUTION_COLUMNS,
    "data/quotes.csv": PIN_COLUMNS,
    "results/clean/texts.csv": TEXT_MANIFEST_COLUMNS,
    "results/clean/units.csv": UNIT_COLUMNS,
    "results/clean/markers.csv": MARKER_COLUMNS,
    "results/clean/cleaning_report.csv": REPORT_COLUMNS,
    "results/codings/{coder}.csv": CODING_COLUMNS,
    "results/codings/{coder}_anchoring.csv": ANCHOR_COLUMNS,
    "results/codings/{coder}_status.csv": CODING_STATUS_COLUMNS,
    "results/codebook/changes.csv": CHANGES_REPORT_COLUMNS,
    "results/agreement/agreement_by_code.csv": BY_CODE_COLUMNS,
    "results/agreement/agreement_summary.csv": SUMMARY_COLUMNS,
    "results/agreement/double_coded.csv": DOUBLE_CODED_COLUMNS,
    "results/reconciliation/disagreements.csv": DISAGREEMENT_FIXED,
    "results/reconciliation/summary.csv": RECONCILIATION_COLUMNS,
    "results/reconciliation/status.csv": CONSENSUS_STATUS_COLUMNS,
    "results/consensus/codings.csv": CONSENSUS_COLUMNS,
    "results/themes/theme_frequency_by_wave.csv": FREQUENCY_COLUMNS,
    "results/themes/participant_theme_matrix.csv": MATRIX_COLUMNS,
    "results/themes/primacy_by_transcript.csv": PRIMACY_BY_TRANSCRIPT_COLUMNS,
    "results/themes/primacy.csv": PRIMACY_COLUMNS,
    "results/themes/primacy_prompts.csv": PRIMACY_PROMPT_COLUMNS,
    "results/themes/theme_importance.csv": IMPORTANCE_COLUMNS,
    "results/themes/cooccurrence.csv": COOCCURRENCE_COLUMNS,
    "results/themes/trajectories.csv": TRAJECTORY_COLUMNS,
    "results/themes/exemplars.csv": EXEMPLAR_COLUMNS,
    "results/manuscript/coreq.csv": COREQ_COLUMNS,
    "results/changes.csv": RUN_CHANGE_COLUMNS,
}
