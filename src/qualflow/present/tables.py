"""Manuscript tables: formatted from the CSVs the pipeline wrote, saved in four formats.

Every function here takes the frames a stage wrote (see ``docs/files.md``) and returns a new
frame of display strings — nothing is re-estimated, so each number a reader sees is also in a
CSV a rule wrote. :func:`save_table` writes one table as CSV, Markdown (pipe), LaTeX (booktabs)
and Word, all at once and atomically.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from os import PathLike
from pathlib import Path

import docx
import pandas as pd
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt
from tabulate import tabulate

from qualflow.contracts import (
    BY_CODE_COLUMNS,
    CHANGES_REPORT_COLUMNS,
    COOCCURRENCE_COLUMNS,
    EXEMPLAR_COLUMNS,
    FREQUENCY_COLUMNS,
    IMPORTANCE_COLUMNS,
    MATRIX_COLUMNS,
    PRIMACY_COLUMNS,
    RECONCILIATION_COLUMNS,
    SUMMARY_COLUMNS,
    TRAJECTORY_COLUMNS,
)
from qualflow.errors import InputError
from qualflow.io import OutputSet, formula_restore, is_people_csv

# Columns each result CSV must have (docs/files.md); checked where a notebook reads them.
RESULT_COLUMNS: dict[str, list[str]] = {
    "agreement_by_code": BY_CODE_COLUMNS,
    "agreement_summary": SUMMARY_COLUMNS,
    "theme_frequency_by_wave": FREQUENCY_COLUMNS,
    "participant_theme_matrix": MATRIX_COLUMNS,
    "cooccurrence": COOCCURRENCE_COLUMNS,
    "exemplars": EXEMPLAR_COLUMNS,
    "theme_importance": IMPORTANCE_COLUMNS,
    "primacy": PRIMACY_COLUMNS,
    "trajectories": TRAJECTORY_COLUMNS,
    "reconciliation_summary": RECONCILIATION_COLUMNS,
    "codebook_changes": CHANGES_REPORT_COLUMNS,
}
# Columns read as text (empty cells stay ""), whatever they look like.
_TEXT_COLUMNS = set(
    "code subtheme category band note scope group unit statistic level theme wave subtheme_a "
    "subtheme_b unit_id attribution quote rule status change pattern missing_reason section "
    "who date kind codes into why applies_to detail".split()
)

SCOPE_ORDER = ("overall", "category", "subtheme", "wave")
STATISTIC_LABELS = {
    "pooled_kappa": "Pooled κ",
    "mean_kappa": "Mean κ",
    "median_kappa": "Median κ",
    "concatenated_kappa": "Concatenated κ",
    "positive_agreement": "Positive agreement",
}
UNIT_LABELS = {
    "turn": "Turn",
    "transcript": "Transcript",
    "subtheme_turn": "Turn (subtheme)",
    "presence": "Participant × wave (subtheme presence)",
}
NA = "n/a"
DOCX_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


_CHANGE_VERBS = {
    "rename": "renamed to",
    "merge": "merged into",
    "split": "split into",
    "retire": "retired",
}


def changes_sentence(changes: pd.DataFrame) -> str:
    """The codebook changes in force, one clause each, with what they touched."""
    if changes.empty:
        return "No codebook changes are in force: every code is compared as the coders used it."
    clauses = []
    for number, rows in changes.groupby("change", sort=True):
        first = rows.iloc[0]
        into = first["into"].replace(";", ", ")
        what = f"{first['codes'].replace(';', ', ')} {_CHANGE_VERBS[first['kind']]}"
        what += f" {into}" if into else ""
        when = f"{first['date']}: " if first["date"] else ""
        why = f" ({first['why']})" if first["why"] else ""
        touched = ", ".join(f"{r.applies_to} {fmt_count(r.count)}" for r in rows.itertuples())
        clauses.append(f"({number}) {when}{what}{why} — {touched}")
    # Returned as Markdown; the notebooks' display extension escapes data
    # (qualflow.present.display).
    return f"{fmt_count(len(clauses))} codebook change(s) are in force: " + "; ".join(clauses) + "."


# --------------------------------------------------------------------------- reading
def read_result(path: str | PathLike[str], kind: str) -> pd.DataFrame:
    """Read a result CSV written by an earlier stage and check its columns.

    ``kind`` is the file's stem in ``docs/files.md`` (``agreement_by_code``, ``cooccurrence``,
    ...); ``agreement_by_code_transcript`` is checked like ``agreement_by_code``.
    """
    path = Path(path)
    required = RESULT_COLUMNS[kind.removesuffix("_transcript")]
    if not path.exists():
        raise InputError(path, "file not found")
    try:
        header = pd.read_csv(path, nrows=0, encoding="utf-8-sig").columns
        text = {c: str for c in header if c in _TEXT_COLUMNS}
        frame = pd.read_csv(
            path, dtype=text, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
        )
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as err:
        raise InputError(path, f"cannot be read as CSV ({err})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}", line=1)
    for column in text:
        frame[column] = frame[column].fillna("")
    return formula_restore(frame) if is_people_csv(path) else frame


def wave_label_map(wave_labels: Mapping[object, str] | None) -> dict[int, str]:
    """Wave labels keyed by int, whatever the keys were (papermill and JSON make them str)."""
    return {int(k): str(v) for k, v in (wave_labels or {}).items()}


def wave_label(wave: object, wave_labels: Mapping[int, str]) -> str:
    """The reader's name for a wave: its configured label, ``All waves``, or ``Wave n``."""
    if str(wave) == "all":
        return "All waves"
    return wave_labels.get(int(wave), f"Wave {int(wave)}")


def subthemes(codebook: pd.DataFrame, category: str = "all") -> pd.DataFrame:
    """The codebook's subthemes in codebook order, all or those of one category.

    Columns: subtheme, subtheme_label, subtheme_definition, category, category_label, exemplar.
    """
    columns = [
        "subtheme",
        "subtheme_label",
        "subtheme_definition",
        "category",
        "category_label",
        "exemplar",
    ]
    subs = codebook[columns].drop_duplicates(["category", "subtheme"]).reset_index(drop=True)
    if category == "all":
        return subs
    known = list(dict.fromkeys(codebook["category"]))
    if category not in known:
        raise ValueError(f"category must be 'all' or one of {', '.join(known)}, not {category!r}")
    return subs[subs["category"] == category].reset_index(drop=True)


# --------------------------------------------------------------------------- formatting
def fmt_number(value: object, digits: int = 2) -> str:
    """A number with fixed decimals, half-up rounding (0.125 → 0.13); ``n/a`` when missing."""
    if value is None or pd.isna(value):
        return NA
    quantum = Decimal(1).scaleb(-digits)
    text = str(Decimal(str(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))
    return "0" + text[2:] if text.startswith("-0") and Decimal(text) == 0 else text


def fmt_count(value: object) -> str:
    """A whole number with thousands separators; ``n/a`` when missing."""
    if value is None or pd.isna(value):
        return NA
    return f"{int(value):,}"


def fmt_interval(low: object, high: object, digits: int = 2) -> str:
    """``0.71–0.84``; ``-0.10 to 0.30`` when a bound is negative (a dash would read as minus)."""
    if pd.isna(low) or pd.isna(high):
        return NA
    lo, hi = fmt_number(low, digits), fmt_number(high, digits)
    return f"{lo} to {hi}" if lo.startswith("-") or hi.startswith("-") else f"{lo}–{hi}"


def fmt_estimate(value: object, low: object, high: object, digits: int = 2) -> str:
    """``0.78 (0.71–0.84)``; just the estimate when the interval is missing."""
    if pd.isna(value):
        return NA
    interval = fmt_interval(low, high, digits)
    estimate = fmt_number(value, digits)
    return estimate if interval == NA else f"{estimate} ({interval})"


def fmt_n_pct(count: int, total: int) -> str:
    """``6 (60)``: a count and its whole-number percentage of ``total``."""
    if total == 0:
        return f"{count} ({NA})"
    return f"{count} ({fmt_number(100 * count / total, 0)})"


def fmt_mean_sd(values: pd.Series, digits: int = 1) -> str:
    """``30.1 (6.2)``: mean and sample SD (n − 1 denominator) of the non-missing values."""
    values = pd.to_numeric(values, errors="coerce").dropna().astype(float)
    if values.empty:
        return NA
    sd = values.std(ddof=1) if len(values) > 1 else float("nan")
    return f"{fmt_number(values.mean(), digits)} ({fmt_number(sd, digits)})"


def fmt_range(values: pd.Series) -> str:
    """``23–42``: the smallest and largest of the non-missing values."""
    values = pd.to_numeric(values, errors="coerce").dropna()
    if values.empty:
        return NA
    return f"{fmt_number(values.min(), 0)}–{fmt_number(values.max(), 0)}"


def fmt_fraction(numerator: object, denominator: object) -> str:
    """``9/10``; ``n/a`` when either side is missing."""
    if pd.isna(numerator) or pd.isna(denominator):
        return NA
    return f"{int(numerator)}/{int(denominator)}"


def ci_label(ci_level: float) -> str:
    """``95% CI`` for 0.95, ``99.5% CI`` for 0.995."""
    return f"{float(ci_level) * 100:.10g}% CI"


def _display(value: object) -> str:
    """A value as a reader sees it: underscores as spaces, first letter upper case."""
    text = str(value).strip().replace("_", " ") if value else ""
    return text[:1].upper() + text[1:]


# --------------------------------------------------------------------------- Table 1
#: Default smallest count Table 1 shows (``tables.min_cell`` in config.yaml).
MIN_CELL = 3


def participant_characteristics(
    participants: pd.DataFrame,
    interviews: pd.DataFrame,
    wave_labels: Mapping[int, str] | None = None,
    min_cell: int = MIN_CELL,
) -> pd.DataFrame:
    """Table 1: who was interviewed, and how many interviews were held and recorded.

    Columns ``Characteristic``, ``Category`` and ``Participants (n = N)``: counts with whole
    percentages, age, time in post and duration as mean (SD) with the sample SD, interviews
    as "29 of 30" (recorded of scheduled), overall and per wave. Duration is averaged over
    recorded interviews; time in post is whole years from ``hire_year`` to the participant's
    first interview. In a small workforce a category held by one or two people identifies
    them, so categories with fewer than ``min_cell`` participants are pooled
    (:func:`suppress_small_cells`); :func:`suppression_note` says so under the table.
    Inputs are the frames of :func:`qualflow.study.read_participants` and
    :func:`qualflow.study.read_interviews`.
    """
    labels = wave_label_map(wave_labels)
    n = len(participants)
    rows: list[tuple[str, str, str]] = []
    rows += _count_rows("Gender, n (%)", participants["gender"], n, min_cell)
    rows.append(("Age, years, mean (SD)", "", fmt_mean_sd(participants["age"])))
    rows.append(("Age, years, range", "", fmt_range(participants["age"])))
    if "hire_year" in participants.columns:
        years = time_in_post(participants, interviews)
        rows.append(("Time in post at first interview, years, mean (SD)", "", fmt_mean_sd(years)))
        rows.append(("Time in post at first interview, years, range", "", fmt_range(years)))
    for column in ("ethnicity", "diagnosis", "department"):
        rows += _count_rows(f"{column.capitalize()}, n (%)", participants[column], n, min_cell)
    rows += _interview_rows(interviews, labels)
    frame = pd.DataFrame(rows, columns=["Characteristic", "Category", f"Participants (n = {n})"])
    return _blank_repeats(frame, "Characteristic")


def time_in_post(participants: pd.DataFrame, interviews: pd.DataFrame) -> pd.Series:
    """Whole years from ``hire_year`` to each participant's first scheduled interview.

    Only the year of hire is recorded, so this is the difference of calendar years (a person
    hired in 2017 and first interviewed in 2019 has 2 years in post). Missing when either is
    unknown. Indexed like ``participants``.
    """
    hired = pd.to_numeric(participants["hire_year"], errors="coerce")
    dates = pd.to_datetime(interviews["date"], errors="coerce")
    first = dates.groupby(interviews["participant_id"]).min().dt.year
    started = participants["participant_id"].map(first)
    return (pd.to_numeric(started, errors="coerce") - hired).astype(float)


def suppress_small_cells(counts: Mapping[str, int], min_cell: int) -> list[tuple[str, int]]:
    """Pool categories held by fewer than ``min_cell`` people so that no one is identifiable.

    Categories below the threshold are merged into one "Other" row; if that pooled row is
    itself below the threshold (or the only small category, which could be recovered by
    subtraction), the smallest category shown is merged in too, until every row shown is at
    least ``min_cell`` or all are pooled. Order: most frequent first, ties alphabetical,
    "Other" last. ``min_cell`` ≤ 1 keeps every category. (Complementary suppression as in
    statistical disclosure control; Hundepool et al. 2012, ch. 5.)
    """
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
    if min_cell <= 1:
        return order
    shown = [(k, v) for k, v in order if v >= min_cell]
    pooled = [(k, v) for k, v in order if v < min_cell]
    while pooled and shown and (sum(v for _, v in pooled) < min_cell or len(pooled) == 1):
        pooled.append(shown.pop())
    if not pooled:
        return shown
    return [*shown, (OTHER, sum(v for _, v in pooled))]


OTHER = "Other (pooled)"


def suppression_note(min_cell: int) -> str:
    """The Table 1 footnote on small-cell suppression."""
    if min_cell <= 1:
        return ""
    return (
        f"Categories held by fewer than {min_cell} participants are pooled as “Other” (with the "
        f"next smallest category where needed) so that no cell identifies fewer than "
        f"{min_cell} people."
    )


def _count_rows(title: str, values: pd.Series, n: int, min_cell: int = 1) -> list[tuple]:
    """One row per category, most frequent first (ties alphabetical), as n (%); categories
    below ``min_cell`` pooled (:func:`suppress_small_cells`)."""
    counts = values.fillna("").astype(str).str.strip().replace("", "Not reported").value_counts()
    order = suppress_small_cells({str(k): int(v) for k, v in counts.items()}, min_cell)
    return [
        (title, value if value == OTHER else _display(value), fmt_n_pct(int(k), n))
        for value, k in order
    ]


def _interview_rows(interviews: pd.DataFrame, labels: Mapping[int, str]) -> list[tuple]:
    recorded = interviews["recorded"].astype(bool)
    title = "Interviews recorded, of scheduled"
    rows = [(title, "All waves", f"{int(recorded.sum())} of {len(interviews)}")]
    for wave, group in interviews.groupby("wave", sort=True):
        done = group["recorded"].astype(bool)
        rows.append((title, wave_label(wave, labels), f"{int(done.sum())} of {len(group)}"))
    durations = interviews.loc[recorded, "duration_min"]
    rows.append(
        ("Interview duration, min, mean (SD)", "Recorded interviews", fmt_mean_sd(durations))
    )
    rows.append(("Interview duration, min, range", "Recorded interviews", fmt_range(durations)))
    return rows


def _blank_repeats(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """Print-style grouping: a group's title only on its first row."""
    frame = frame.copy()
    frame.loc[frame[column].eq(frame[column].shift()), column] = ""
    return frame


def recruitment_flow(screening: pd.DataFrame, interviews: pd.DataFrame | None = None) -> dict:
    """Counts for the CONSORT-style recruitment flowchart (Schulz et al. 2010).

    Returns ``employed`` (everyone screened), ``ineligible`` and ``declined`` with their
    ``*_reasons`` ({reason: n}, most frequent first), ``excluded`` (their sum) and
    ``interviewed``; with ``interviews``, also ``waves``: [{wave, scheduled, recorded,
    not_recorded_reasons}] (reasons from the ``note`` column) and what was analysed:
    ``analysed_participants`` (with at least one recorded interview) and
    ``analysed_transcripts`` (recorded interviews).
    """
    status = screening["status"].str.strip().str.lower()
    flow: dict = {"employed": int(len(screening))}
    for kind in ("ineligible", "declined"):
        reasons = screening.loc[status == kind, "reason"].fillna("").astype(str).str.strip()
        counts = reasons.replace("", "reason not recorded").value_counts()
        order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
        flow[kind] = int((status == kind).sum())
        flow[f"{kind}_reasons"] = {reason: int(k) for reason, k in order}
    flow["excluded"] = flow["ineligible"] + flow["declined"]
    flow["interviewed"] = int((status == "interviewed").sum())
    if interviews is not None:
        flow["waves"] = [
            {
                "wave": int(w),
                "scheduled": int(len(g)),
                "recorded": int(g["recorded"].sum()),
                "not_recorded_reasons": _not_recorded_reasons(g),
            }
            for w, g in interviews.groupby("wave", sort=True)
        ]
        recorded = interviews[interviews["recorded"].astype(bool)]
        flow["analysed_participants"] = int(recorded["participant_id"].nunique())
        flow["analysed_transcripts"] = int(len(recorded))
    return flow


def _not_recorded_reasons(interviews: pd.DataFrame) -> dict[str, int]:
    """{reason: n} for the interviews not recorded, from ``interviews.csv`` ``note``."""
    missing = interviews[~interviews["recorded"].astype(bool)]
    if "note" in missing.columns:
        notes = missing["note"].fillna("").astype(str).str.strip()
    else:
        notes = pd.Series([""] * len(missing), dtype=str)
    counts = notes.replace("", "reason not recorded").value_counts()
    return {r: int(k) for r, k in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


# --------------------------------------------------------------------------- themes
def theme_frequency_table(
    frequency: pd.DataFrame,
    codebook: pd.DataFrame,
    wave_labels: Mapping[int, str],
    category: str = "all",
) -> pd.DataFrame:
    """Subthemes × waves: participants who raised each subtheme, ``n/N (%)``.

    N is the number of participants with a recorded interview in that wave (the honest
    denominator written by the themes stage); the last columns are coded units and
    transcripts over all waves.
    """
    labels = wave_label_map(wave_labels)
    subs = subthemes(codebook, category)
    freq = _subtheme_frequency(frequency)
    waves = _waves(freq)
    rows = []
    for sub in subs.itertuples():
        row = {"Category": sub.category_label, "Subtheme": sub.subtheme_label}
        for wave in [*waves, "all"]:
            hit = _frequency_row(freq, sub.subtheme, wave)
            row[wave_label(wave, labels)] = _n_of_n_pct(hit)
        overall = _frequency_row(freq, sub.subtheme, "all")
        row["Coded units, n"] = fmt_count(overall.get("n_units", 0))
        row["Transcripts, n"] = fmt_count(overall.get("n_transcripts", 0))
        rows.append(row)
    return _blank_repeats(pd.DataFrame(rows), "Category")


def _subtheme_frequency(frequency: pd.DataFrame) -> pd.DataFrame:
    freq = frequency[frequency["level"] == "subtheme"].copy()
    freq["wave"] = freq["wave"].astype(str)
    return freq


def _waves(freq: pd.DataFrame) -> list[str]:
    return sorted({w for w in freq["wave"] if w != "all"}, key=int)


def _frequency_row(freq: pd.DataFrame, subtheme: str, wave: str) -> dict:
    """The frequency row of one subtheme and wave; a zero row (same N) if it is absent."""
    hit = freq[(freq["theme"] == subtheme) & (freq["wave"] == str(wave))]
    if not hit.empty:
        return hit.iloc[0].to_dict()
    denominators = freq.loc[freq["wave"] == str(wave), "n_interviewed"]
    n = denominators.iloc[0] if not denominators.empty else float("nan")
    return {
        "n_participants": 0,
        "n_interviewed": n,
        "pct_participants": 0.0,
        "n_units": 0,
        "n_transcripts": 0,
    }


def _n_of_n_pct(row: Mapping) -> str:
    fraction = fmt_fraction(row.get("n_participants"), row.get("n_interviewed"))
    if fraction == NA:
        return NA
    return f"{fraction} ({fmt_number(row.get('pct_participants'), 0)})"


def themes_table(
    frequency: pd.DataFrame,
    exemplars: pd.DataFrame,
    codebook: pd.DataFrame,
    wave_labels: Mapping[int, str],
) -> pd.DataFrame:
    """Table 2: each subtheme, its definition, how many participants raised it, a quote.

    Participants are shown as ``n/N`` overall and per wave (N = participants interviewed and
    recorded in that wave); the exemplar is the one the themes stage chose (see
    ``exemplars.csv`` ``rule``), with its attribution.
    """
    labels = wave_label_map(wave_labels)
    freq = _subtheme_frequency(frequency)
    waves = _waves(freq)
    quotes = exemplars.drop_duplicates("subtheme").set_index("subtheme")
    rows = []
    for sub in subthemes(codebook).itertuples():
        row = {
            "Category": sub.category_label,
            "Subtheme": sub.subtheme_label,
            "Definition": sub.subtheme_definition,
        }
        for wave in ["all", *waves]:
            hit = _frequency_row(freq, sub.subtheme, wave)
            name = "Participants, all waves" if wave == "all" else wave_label(wave, labels)
            row[name] = fmt_fraction(hit.get("n_participants"), hit.get("n_interviewed"))
        row["Exemplar quote"] = _quote(quotes, sub.subtheme)
        rows.append(row)
    return _blank_repeats(pd.DataFrame(rows), "Category")


def _quote(quotes: pd.DataFrame, subtheme: str) -> str:
    if subtheme not in quotes.index:
        return ""
    row = quotes.loc[subtheme]
    text = " ".join(str(row["quote"]).split())
    return f"“{text}” ({row['attribution']})" if text else ""


def importance_table(
    importance: pd.DataFrame, codebook: pd.DataFrame, category: str = "all"
) -> pd.DataFrame:
    """Subthemes ranked within their category by importance (frequency and primacy)."""
    subs = subthemes(codebook, category)
    merged = subs.merge(importance, on=["subtheme", "category"], how="left")
    merged = merged.sort_values(["category", "rank_in_category"], kind="stable")
    order = {c: i for i, c in enumerate(dict.fromkeys(subs["category"]))}
    merged = merged.sort_values("category", key=lambda s: s.map(order), kind="stable")
    table = pd.DataFrame(
        {
            "Category": merged["category_label"],
            "Subtheme": merged["subtheme_label"],
            "Rank": merged["rank_in_category"].map(fmt_count),
            "Participants (%)": (100 * merged["frequency"]).map(lambda v: fmt_number(v, 0)),
            "Primacy (0–1)": merged["primacy"].map(fmt_number),
            "Importance (0–1)": merged["importance"].map(fmt_number),
        }
    )
    return _blank_repeats(table.reset_index(drop=True), "Category")


#: Fewer subtheme pairs than this and a co-occurrence panel carries almost nothing.
# --------------------------------------------------------------------------- trajectories
TRAJECTORIES = ("kept", "gained", "dropped", "absent")
TRAJECTORY_LABELS = {
    "kept": "Raised at first and last interview",
    "gained": "Gained: raised at last, not first",
    "dropped": "Dropped: raised at first, not last",
    "absent": "Raised at neither",
}


def presence_trajectories(matrix: pd.DataFrame) -> pd.DataFrame:
    """Each participant's course with each subtheme, from ``participant_theme_matrix.csv``.

    A subtheme is *present* in a participant's wave when at least one unit of that interview
    was coded with it (``n_units > 0``). Comparing the participant's first and last recorded
    interviews gives ``kept`` (present in both), ``gained`` (absent first, present last),
    ``dropped`` (present first, absent last) or ``absent`` (in neither; it may have come up in
    between). Participants with fewer than two recorded interviews have no trajectory and are
    left out. Columns: participant_id, subtheme, category, first_wave, last_wave,
    n_waves_present, trajectory. Sorted by participant and subtheme.
    """
    frame = matrix.assign(wave=matrix["wave"].astype(int), present=matrix["n_units"] > 0)
    frame = frame.sort_values(["participant_id", "subtheme", "wave"], kind="stable")
    rows = []
    for (person, sub), group in frame.groupby(["participant_id", "subtheme"], sort=True):
        if len(group) < 2:
            continue
        first, last = bool(group["present"].iloc[0]), bool(group["present"].iloc[-1])
        kind = {(True, True): "kept", (False, True): "gained", (True, False): "dropped"}.get(
            (first, last), "absent"
        )
        rows.append(
            {
                "participant_id": person,
                "subtheme": sub,
                "category": group["category"].iloc[0],
                "first_wave": int(group["wave"].iloc[0]),
                "last_wave": int(group["wave"].iloc[-1]),
                "n_waves_present": int(group["present"].sum()),
                "trajectory": kind,
            }
        )
    columns = [
        "participant_id",
        "subtheme",
        "category",
        "first_wave",
        "last_wave",
        "n_waves_present",
        "trajectory",
    ]
    return pd.DataFrame(rows, columns=columns)


def trajectory_counts(matrix: pd.DataFrame, codebook: pd.DataFrame, category: str = "all"):
    """Participants per subtheme and trajectory (:func:`presence_trajectories`), codebook order.

    Columns: subtheme, subtheme_label, category, then one count column per trajectory and
    ``n`` (participants with two or more recorded interviews).
    """
    paths = presence_trajectories(matrix)
    subs = subthemes(codebook, category)
    counts = (
        paths.groupby(["subtheme", "trajectory"]).size().unstack(fill_value=0)
        if not paths.empty
        else pd.DataFrame()
    )
    counts = counts.reindex(index=list(subs["subtheme"]), columns=list(TRAJECTORIES), fill_value=0)
    counts = counts.fillna(0).astype(int)
    out = subs[["subtheme", "subtheme_label", "category"]].reset_index(drop=True)
    for kind in TRAJECTORIES:
        out[kind] = counts[kind].to_numpy()
    out["n"] = out[list(TRAJECTORIES)].sum(axis=1)
    return out


# --------------------------------------------------------------------------- agreement
def agreement_table(
    by_code: pd.DataFrame,
    codebook: pd.DataFrame,
    ci_level: float,
    summary: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Table 3: per-code agreement in codebook order, formatted for print.

    κ is Cohen's (1960) with the cluster-robust (delta-method) interval when ``by_code`` has it
    (else the Fleiss et al. 1969 one) and the cluster-bootstrap percentile interval; the column
    headers say which interval and how many clusters were resampled. PABAK (Byrt et al. 1993),
    Gwet's AC1 (Gwet 2008), Krippendorff's α (2004) and specific positive agreement (Cicchetti &
    Feinstein 1990) are shown because κ is unstable when a code is rare or very common. With
    ``summary`` (agreement_summary.csv), each subtheme's first row also carries κ and positive
    agreement at the subtheme level (turns) and at participant × wave presence — the unit the
    themes table counts. Codes with undefined κ stay, marked n/a.
    """
    ci = ci_label(ci_level)
    ordered = codes_in_codebook_order(by_code, codebook)
    robust = {"kappa_se_cluster", "cluster_ci_low", "cluster_ci_high"} <= set(ordered.columns)
    low, high = (
        ("cluster_ci_low", "cluster_ci_high") if robust else ("kappa_ci_low", "kappa_ci_high")
    )
    kappa_header = f"κ (cluster-robust {ci})" if robust else f"κ ({ci})"
    table = pd.DataFrame(
        {
            "Category": ordered["category_label"],
            "Subtheme": ordered["subtheme_label"],
            "Code": ordered["code_label"],
            "Units, n": ordered["n_units"].map(fmt_count),
            "Both / A only / B only": [
                f"{fmt_count(b)} / {fmt_count(a)} / {fmt_count(o)}"
                for b, a, o in zip(
                    ordered["both"], ordered["a_only"], ordered["b_only"], strict=True
                )
            ],
            "Agreement (%)": ordered["percent_agreement"].map(_percent),
            kappa_header: [
                fmt_estimate(k, lo, hi)
                for k, lo, hi in ordered[["kappa", low, high]].itertuples(index=False)
            ],
            bootstrap_header(by_code, ci_level): [
                fmt_interval(lo, hi)
                for lo, hi in zip(ordered["boot_ci_low"], ordered["boot_ci_high"], strict=True)
            ],
            "PABAK": ordered["pabak"].map(fmt_number),
            "AC1": ordered["ac1"].map(fmt_number),
            "α": ordered["alpha"].map(fmt_number),
            "Positive agreement": ordered["ppos"].map(fmt_number),
            "Strength": ordered["band"].map(_display),
        }
    )
    if summary is not None:
        repeat = ordered["subtheme"].eq(ordered["subtheme"].shift()).to_numpy()
        for unit, header in (
            ("subtheme_turn", "Subtheme (turns): κ / PA"),
            ("presence", "Subtheme presence (participant × wave): κ / PA"),
        ):
            shown = ordered["subtheme"].map(_subtheme_agreement(summary, unit)).fillna(NA)
            table[header] = shown.where(~repeat, "").to_numpy()
    if ordered["note"].astype(str).str.strip().ne("").any():
        table["Note"] = ordered["note"].astype(str).str.strip().values
    table = _blank_repeats(table.reset_index(drop=True), "Subtheme")
    return _blank_repeats(table, "Category")


def _subtheme_agreement(summary: pd.DataFrame, unit: str) -> dict[str, str]:
    """Subtheme → "κ / positive agreement" at one subtheme-level unit of agreement_summary.csv."""
    rows = summary[(summary["scope"] == "subtheme") & (summary["unit"] == unit)]
    value = rows.set_index(["group", "statistic"])["value"]
    out = {}
    for group in pd.unique(rows["group"]):
        kappa = value.get((group, "pooled_kappa"))
        ppos = value.get((group, "positive_agreement"))
        out[group] = f"{fmt_number(kappa)} / {fmt_number(ppos)}"
    return out


def bootstrap_header(by_code: pd.DataFrame, ci_level: float) -> str:
    """Which bootstrap interval: "Bootstrap 95% CI (10 participants resampled)" when the CSV
    says what was resampled, else "Bootstrap 95% CI"."""
    ci = ci_label(ci_level)
    if {"cluster", "n_clusters"} <= set(by_code.columns) and len(by_code):
        cluster, n = str(by_code["cluster"].iloc[0]), by_code["n_clusters"].iloc[0]
        if cluster and not pd.isna(n):
            return f"Bootstrap {ci} ({int(n)} {cluster}s resampled)"
    return f"Bootstrap {ci}"


def _percent(proportion: object) -> str:
    """Percent agreement from the proportion ``percent_agreement`` writes."""
    return NA if pd.isna(proportion) else fmt_number(100 * float(proportion), 1)


def codes_in_codebook_order(by_code: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Rows in codebook order with labels; codes unknown to the codebook last, by name."""
    labels = codebook[["code", "code_label", "subtheme_label", "category_label"]].copy()
    labels["_order"] = range(len(labels))
    merged = by_code.merge(labels, on="code", how="left")
    for column, fallback in (
        ("code_label", "code"),
        ("subtheme_label", "subtheme"),
        ("category_label", "category"),
    ):
        merged[column] = merged[column].fillna(merged[fallback])
    merged["_order"] = merged["_order"].fillna(len(labels))
    return merged.sort_values(["_order", "code"], kind="stable").reset_index(drop=True)


def agreement_summary_table(
    summary: pd.DataFrame,
    codebook: pd.DataFrame,
    ci_level: float,
    wave_labels: Mapping[int, str] | None = None,
) -> pd.DataFrame:
    """Pooled, mean and median κ overall, by category, subtheme and wave, with bootstrap CIs.

    Pooled κ treats every (unit, code) decision as one observation (de Vries et al. 2008).
    """
    labels = wave_label_map(wave_labels)
    names = {
        **dict(zip(codebook["category"], codebook["category_label"], strict=True)),
        **dict(zip(codebook["subtheme"], codebook["subtheme_label"], strict=True)),
    }
    group_order = {name: i for i, name in enumerate(dict.fromkeys(names))}
    frame = summary.copy()
    frame["_scope"] = frame["scope"].map({s: i for i, s in enumerate(SCOPE_ORDER)}).fillna(9)
    frame["_group"] = frame["group"].map(
        lambda g: int(g) if str(g).isdigit() else group_order.get(g, len(group_order))
    )
    frame["_stat"] = frame["statistic"].map({s: i for i, s in enumerate(STATISTIC_LABELS)})
    frame["_unit"] = frame["unit"].map({u: i for i, u in enumerate(UNIT_LABELS)}).fillna(9)
    frame = frame.sort_values(["_scope", "_group", "group", "_unit", "_stat"], kind="stable")

    def group_name(row: pd.Series) -> str:
        if row["scope"] == "overall":
            return "All codes"
        if row["scope"] == "wave" and str(row["group"]).isdigit():
            return wave_label(row["group"], labels)
        return names.get(row["group"], row["group"])

    table = pd.DataFrame(
        {
            "Scope": frame["scope"].map(_display).values,
            "Group": [group_name(r) for _, r in frame.iterrows()],
            "Unit of analysis": frame["unit"].map(lambda u: UNIT_LABELS.get(u, u)).values,
            "Statistic": frame["statistic"].map(lambda s: STATISTIC_LABELS.get(s, s)).values,
            "Codes, n": frame["n_codes"].map(fmt_count).values,
            "Units, n": frame["n_units"].map(fmt_count).values,
            f"Estimate (bootstrap {ci_label(ci_level)})": [
                fmt_estimate(v, lo, hi)
                for v, lo, hi in frame[["value", "boot_ci_low", "boot_ci_high"]].itertuples(
                    index=False
                )
            ],
        }
    )
    return table.reset_index(drop=True)


def agreement_narrative(
    summary: pd.DataFrame,
    by_code: pd.DataFrame,
    ci_level: float,
    threshold: float = 0.6,
    codebook: pd.DataFrame | None = None,
) -> str:
    """A results paragraph on intercoder agreement; every number comes from the two CSVs.

    Reports the pooled κ (turn as unit) with its bootstrap interval, the transcript-level
    pooled κ when present, the per-code range and median, the codes below ``threshold`` and
    the codes whose κ is undefined (Cohen 1960; bands after Landis & Koch 1977).
    """
    ci = ci_label(ci_level)
    names = _code_names(by_code, codebook)
    sentences = []
    pooled = summary_value(summary, "pooled_kappa", "turn")
    if pooled is not None:
        sentences.append(
            f"Across {fmt_count(pooled['n_codes'])} codes and {fmt_count(pooled['n_units'])} "
            f"double-coded turns, pooled Cohen's κ was {fmt_number(pooled['value'])}"
            f"{_ci_clause(pooled, f'bootstrap {ci}')}."
        )
    by_transcript = summary_value(summary, "pooled_kappa", "transcript")
    if by_transcript is not None:
        sentences.append(
            "With the transcript as the unit of analysis, pooled κ was "
            f"{fmt_number(by_transcript['value'])}{_ci_clause(by_transcript, f'bootstrap {ci}')}."
        )
    sentences += _per_code_sentences(summary, by_code, names, threshold)
    return " ".join(sentences)


def _code_names(by_code: pd.DataFrame, codebook: pd.DataFrame | None) -> dict[str, str]:
    names = {c: c.replace("_", " ") for c in by_code["code"]}
    if codebook is not None:
        names.update(dict(zip(codebook["code"], codebook["code_label"], strict=True)))
    return names


def summary_value(summary: pd.DataFrame, statistic: str, unit: str) -> pd.Series | None:
    """The overall row of ``agreement_summary.csv`` for a statistic and unit, if it has a value."""
    hit = summary[
        (summary["scope"] == "overall")
        & (summary["statistic"] == statistic)
        & (summary["unit"] == unit)
    ]
    return None if hit.empty or pd.isna(hit.iloc[0]["value"]) else hit.iloc[0]


def _ci_clause(row: pd.Series, label: str) -> str:
    interval = fmt_interval(row["boot_ci_low"], row["boot_ci_high"])
    return "" if interval == NA else f" ({label} {interval})"


def _count_word(n: int) -> str:
    """A count that opens a sentence: spelled out up to twelve (journal style), else digits."""
    words = "Zero One Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve".split()
    return words[n] if 0 <= n < len(words) else str(n)


def _per_code_sentences(
    summary: pd.DataFrame, by_code: pd.DataFrame, names: Mapping[str, str], threshold: float
) -> list[str]:
    defined = by_code[by_code["kappa"].notna()].sort_values(["kappa", "code"], kind="stable")
    undefined = by_code[by_code["kappa"].isna()].sort_values("code")
    sentences = []
    if not defined.empty:
        low, high = defined.iloc[0], defined.iloc[-1]
        text = (
            f"Per-code κ ranged from {fmt_number(low['kappa'])} ({names[low['code']]}) "
            f"to {fmt_number(high['kappa'])} ({names[high['code']]})"
        )
        median = summary_value(summary, "median_kappa", "turn")
        if median is not None:
            text += f", with a median of {fmt_number(median['value'])}"
        sentences.append(text + ".")
        # compare what the reader sees: 0.598 prints as 0.60 and is not "below 0.60"
        shown = defined["kappa"].map(lambda k: float(fmt_number(k)))
        below = defined[shown < threshold]
        limit = fmt_number(threshold)
        if below.empty:
            sentences.append(f"No code fell below {limit}.")
        else:
            listed = "; ".join(
                f"{names[c]} ({fmt_number(k)})"
                for c, k in zip(below["code"], below["kappa"], strict=True)
            )
            noun = "code" if len(below) == 1 else "codes"
            sentences.append(f"{_count_word(len(below))} {noun} fell below {limit}: {listed}.")
    if not undefined.empty:
        listed = "; ".join(
            names[c] + (f" ({n.strip()})" if str(n).strip() else "")
            for c, n in zip(undefined["code"], undefined["note"], strict=True)
        )
        noun = "code" if len(undefined) == 1 else "codes"
        sentences.append(f"Cohen's κ could not be estimated for {len(undefined)} {noun}: {listed}.")
    return sentences


def agreement_caption(
    ci_level: float, unit: str = "turn", by_code: pd.DataFrame | None = None
) -> str:
    """The caption of the per-code agreement table: what each column is, and which intervals.

    With ``by_code`` the caption names what the bootstrap resampled and, below 30 clusters,
    says that the intervals may be too narrow.
    """
    ci = ci_label(ci_level)
    robust = by_code is not None and "cluster_ci_low" in by_code.columns
    cluster, n_clusters = "transcript", None
    if by_code is not None and {"cluster", "n_clusters"} <= set(by_code.columns) and len(by_code):
        cluster, n_clusters = str(by_code["cluster"].iloc[0]), by_code["n_clusters"].iloc[0]
    interval = (
        f"κ: Cohen's kappa (Cohen 1960) with its cluster-robust (delta-method) {ci}, which allows "
        f"for turns of one {cluster} being correlated"
        if robust
        else f"κ: Cohen's kappa (Cohen 1960) with its analytic {ci}"
    )
    text = (
        f"Intercoder agreement by code (unit of analysis: {unit}). Both / A only / B only: units "
        f"coded by both coders or by one. {interval}; bootstrap {ci}: percentile interval from "
        f"resampling whole {cluster}s. PABAK: prevalence- and "
        "bias-adjusted kappa (Byrt et al. 1993). AC1: Gwet's first-order agreement coefficient "
        "(Gwet 2008). α: Krippendorff's alpha. Positive agreement (PA): 2·both / (2·both + "
        "A only + B only) (Cicchetti & Feinstein 1990). Strength: Landis & Koch (1977) band of κ. "
        "n/a: not estimable, or uninformative because nobody used the code."
    )
    if n_clusters is not None and not pd.isna(n_clusters) and int(n_clusters) < 30:
        text += (
            f" With only {int(n_clusters)} {cluster}s (fewer than 30) the intervals may be too "
            "narrow."
        )
    return text


def exemplar_quotes_markdown(
    exemplars: pd.DataFrame, codebook: pd.DataFrame, category: str = "all"
) -> str:
    """Each subtheme's exemplar quote as a Markdown block quote with its attribution and rule."""
    rule_names = {
        "codebook": "named in the codebook",
        "tfidf": "most typical coded turn",
        "tfidf-any": "most typical unit (no turn met the length rule)",
    }
    quotes = exemplars.drop_duplicates("subtheme").set_index("subtheme")
    parts = []
    for sub in subthemes(codebook, category).itertuples():
        parts.append(f"**{sub.subtheme_label}** ({sub.category_label})")
        row = quotes.loc[sub.subtheme] if sub.subtheme in quotes.index else None
        if row is None or not str(row["quote"]).strip():
            parts.append("> *No consensus-coded unit; no quote.*")
            continue
        text = " ".join(str(row["quote"]).split())
        how = rule_names.get(str(row["rule"]), str(row["rule"]))
        parts.append(f"> {text}\n>\n> — {row['attribution']} (unit {row['unit_id']}; {how})")
    return "\n\n".join(parts) + "\n"


# --------------------------------------------------------------------------- saving
def save_table(
    frame: pd.DataFrame,
    stem: str | PathLike[str],
    caption: str = "",
    footnote: str = "",
    landscape: bool | None = None,
) -> list[Path]:
    """Write ``stem.csv``, ``.md`` (pipe table), ``.tex`` (booktabs) and ``.docx`` together.

    The four files appear only if all of them were written (:class:`qualflow.io.OutputSet`).
    ``footnote`` goes under the table (not into the CSV); ``landscape`` (default: decided by
    :func:`is_wide`) turns the Word page and the LaTeX table sideways. The Word file has
    fixed core properties and zip timestamps, so it is byte-identical across runs.
    """
    stem = Path(stem)
    paths = [stem.with_name(stem.name + ext) for ext in (".csv", ".md", ".tex", ".docx")]
    with OutputSet() as out:
        out.csv(paths[0], frame)
        out.text(paths[1], to_markdown(frame, caption, footnote))
        tex = to_latex(frame, caption, label=stem.name, footnote=footnote, landscape=landscape)
        out.text(paths[2], tex)
        out.path(paths[3]).write_bytes(to_docx_bytes(frame, caption, footnote, landscape))
    return paths


def to_markdown(frame: pd.DataFrame, caption: str = "", footnote: str = "") -> str:
    """A pipe table (GitHub/Pandoc Markdown), with the caption above it and the note below."""
    body = tabulate(
        frame.astype(object).where(frame.notna(), ""),
        headers="keys",
        tablefmt="pipe",
        showindex=False,
        disable_numparse=True,
    )
    return (
        (f"{caption}\n\n" if caption else "")
        + body
        + "\n"
        + (f"\n{footnote}\n" if footnote else "")
    )


#: Characters of running text that fit across a portrait page of table text (9 pt, 6.5 in).
PORTRAIT_CHARS = 110


def column_weights(frame: pd.DataFrame) -> list[float]:
    """How wide each column wants to be, in characters: its longest cell, capped at 48 (long
    text then wraps) unless its cells are long on average (quotes), never narrower than
    :func:`column_minimums`."""
    cells = frame.astype(object).where(frame.notna(), "").astype(str)
    minimums = column_minimums(frame)
    out = []
    for column, low in zip(cells.columns, minimums, strict=True):
        lengths = cells[column].str.len() if len(cells) else pd.Series([0])
        # running text (definitions, quotes) asks for room in proportion to its typical length
        prose = min(0.5 * float(lengths.mean()), 120.0)
        out.append(float(max(low, min(int(lengths.max()), 48), prose)))
    return out


def column_minimums(frame: pd.DataFrame) -> list[float]:
    """The narrowest each column may be, in characters: its longest word, and the whole of
    any short cell (numbers, ``9/10 (90)``) so that they never break."""
    cells = frame.astype(object).where(frame.notna(), "").astype(str)
    out = []
    for column in cells.columns:
        header = [1.2 * len(w) + 1 for w in str(column).split()]  # bold, and never broken
        words = [len(w) for text in cells[column] for w in text.split()]
        short = [len(t) + 1 for t in cells[column] if len(t) <= 14]
        out.append(float(max([3, *header, *words, *short])))
    return out


def column_widths(frame: pd.DataFrame, available: float) -> list[float]:
    """Share ``available`` characters among the columns: every column gets its minimum, and
    the rest goes to the columns that want more, in proportion to how much more they want."""
    low, want = column_minimums(frame), column_weights(frame)
    spare = available - sum(low)
    extra = [w - m for w, m in zip(want, low, strict=True)]
    if spare <= 0 or sum(extra) == 0:
        return [m + max(spare, 0) / len(low) for m in low]
    if sum(extra) <= spare:  # everything fits: spread what is left evenly
        return [w + (spare - sum(extra)) / len(want) for w in want]
    return [m + e * spare / sum(extra) for m, e in zip(low, extra, strict=True)]


def is_wide(frame: pd.DataFrame) -> bool:
    """Whether a table needs a landscape page: its columns want more than a portrait line."""
    return sum(column_weights(frame)) + 2 * len(frame.columns) > PORTRAIT_CHARS


_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "κ": r"$\kappa$",
    "α": r"$\alpha$",
    "≥": r"$\geq$",
    "≤": r"$\leq$",
    "−": r"$-$",
    "–": "--",
    "—": "---",
    "“": "``",
    "”": "''",
    "‘": "`",
    "’": "'",
    "×": r"$\times$",
}
_NEGATIVE_NUMBER = re.compile(r"(?<![\w.\-])-(?=\d)")  # a minus, not a hyphen, in LaTeX
_LATEX_PATTERN = re.compile("|".join(re.escape(k) for k in _LATEX_SPECIAL))


def latex_escape(text: object) -> str:
    """Escape LaTeX's special characters and spell Greek letters and dashes in ASCII LaTeX."""
    escaped = _LATEX_PATTERN.sub(lambda m: _LATEX_SPECIAL[m.group()], str(text))
    return _NEGATIVE_NUMBER.sub(r"$-$", escaped)


def to_latex(
    frame: pd.DataFrame,
    caption: str = "",
    label: str = "",
    footnote: str = "",
    landscape: bool | None = None,
) -> str:
    """A booktabs table that fits the page.

    Short tables are a ``tabularx`` at ``\\linewidth`` whose long-text columns (``X``) wrap;
    tables of more than :data:`LONGTABLE_ROWS` rows are a ``longtable`` that breaks across
    pages and repeats its header. Wide tables (:func:`is_wide`) sit in a ``landscape``
    environment (pdflscape). Numbers are right-aligned. Needs booktabs, tabularx, longtable
    and pdflscape, listed in the first line.
    """
    cells = frame.astype(object).where(frame.notna(), "")
    wide = is_wide(frame) if landscape is None else landscape
    long = len(cells) > LONGTABLE_ROWS
    caption = re.sub(r"^Table\s+\w+[.:]\s*", "", caption)  # LaTeX numbers tables itself
    header = " & ".join(latex_escape(c) for c in cells.columns) + r" \\"
    body = [" & ".join(latex_escape(v) for v in row) + r" \\" for row in cells.itertuples(False)]
    label_cmd = rf"\label{{tab:{re.sub(r'[^A-Za-z0-9:_-]', '', label)}}}" if label else ""
    note = [rf"\par\smallskip{{\footnotesize {latex_escape(footnote)}\par}}"] if footnote else []
    lines = [r"% requires \usepackage{booktabs,tabularx,longtable,pdflscape}"]
    if wide:
        lines.append(r"\begin{landscape}")
    if long:
        spec = "".join(_latex_column(cells[c], fixed=True) for c in cells.columns)
        lines += [r"\footnotesize", rf"\begin{{longtable}}{{{spec}}}"]
        if caption:
            lines.append(rf"\caption{{{latex_escape(caption)}}}{label_cmd} \\")
        lines += [r"\toprule", header, r"\midrule", r"\endhead", r"\bottomrule", r"\endfoot"]
        lines += body
        lines.append(r"\end{longtable}")
        lines += note
    else:
        spec = "".join(_latex_column(cells[c]) for c in cells.columns)
        lines += [r"\begin{table}[htbp]", r"\centering", r"\footnotesize"]
        if caption:
            lines.append(rf"\caption{{{latex_escape(caption)}}}")
        if label_cmd:
            lines.append(label_cmd)
        env = "tabularx" if "X" in spec else "tabular"  # no text to wrap: natural width
        width = "{\\linewidth}" if env == "tabularx" else ""
        lines += [rf"\begin{{{env}}}{width}{{{spec}}}", r"\toprule", header, r"\midrule"]
        lines += body
        lines += [r"\bottomrule", rf"\end{{{env}}}", *note, r"\end{table}"]
    if wide:
        lines.append(r"\end{landscape}")
    return "\n".join(lines) + "\n"


#: More rows than this and a LaTeX table becomes a longtable that breaks across pages.
LONGTABLE_ROWS = 30


def _latex_column(values: pd.Series, fixed: bool = False) -> str:
    """``X`` (or a fixed ``p{}`` in a longtable) for long text, ``r`` for numbers, else ``l``."""
    texts = values.astype(str)
    longest = int(texts.str.len().max()) if len(texts) else 0
    if longest > 40:
        if fixed:
            return rf"p{{{min(6.0, 0.1 * longest / 3 + 2):.1f}cm}}"
        return r">{\raggedright\arraybackslash}X"
    numeric = pd.to_numeric(texts.replace("", None), errors="coerce")
    return "r" if len(texts) and numeric.notna().all() else "l"


def to_docx_bytes(
    frame: pd.DataFrame, caption: str = "", footnote: str = "", landscape: bool | None = None
) -> bytes:
    """A Word document holding one table in journal style (:func:`add_docx_table`)."""
    document = docx.Document()
    _fix_core_properties(document, caption)
    add_docx_table(document, frame, caption, footnote, landscape, new_section=False)
    buffer = io.BytesIO()
    document.save(buffer)
    return _deterministic_zip(buffer.getvalue())


def add_docx_table(
    document: docx.document.Document,
    frame: pd.DataFrame,
    caption: str = "",
    footnote: str = "",
    landscape: bool | None = None,
    *,
    new_section: bool = True,
    portrait_after: bool = True,
    font_pt: float = 9,
) -> None:
    """Append a journal-style table: caption above, three horizontal rules (above and below
    the header, under the last row), no vertical lines, the header row repeated on every page,
    rows kept whole, column widths in proportion to their content (:func:`column_weights`),
    and the note below. A wide table (:func:`is_wide`, or ``landscape=True``) gets a landscape
    section of its own (with ``new_section``, the page turns back to portrait after it unless
    ``portrait_after`` is false, as when another wide table follows; without ``new_section``,
    the document's only section is turned)."""
    wide = is_wide(frame) if landscape is None else landscape
    if wide:
        current = document.sections[-1]
        if new_section and current.orientation == WD_ORIENT.LANDSCAPE:
            document.add_page_break()  # already sideways (the table before was wide too)
        elif new_section:
            _set_orientation(document.add_section(WD_SECTION.NEW_PAGE), landscape=True)
        else:
            _set_orientation(document.sections[-1], landscape=True)
    section = document.sections[-1]
    usable = section.page_width - section.left_margin - section.right_margin
    if caption:
        paragraph = document.add_paragraph(caption, style="Caption")
        paragraph.paragraph_format.keep_with_next = True
    cells = frame.astype(object).where(frame.notna(), "")
    table = document.add_table(rows=1, cols=len(cells.columns))
    table.autofit = False
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _table_rules(table)
    for cell, name in zip(table.rows[0].cells, cells.columns, strict=True):
        run = cell.paragraphs[0].add_run(str(name))
        run.bold = True
    for values in cells.itertuples(index=False):
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = str(value)
    for row in table.rows:  # schema order: cantSplit before tblHeader
        row._tr.get_or_add_trPr().append(_on("w:cantSplit"))
    _repeat_header(table.rows[0])
    for cell in table.rows[0].cells:
        _cell_border(cell, "bottom")
    if wide:
        font_pt -= 1  # landscape tables carry more columns and running text
    padding = 3  # characters of cell margin
    per_char = Pt(font_pt * 0.5)  # an average character of a serif text face
    chars = column_widths(frame, usable / per_char - padding * len(cells.columns))
    widths = [int(usable * (c + padding) / sum(c + padding for c in chars)) for c in chars]
    _table_width(table, sum(widths))
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
        for cell in column.cells:
            cell.width = width
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                paragraph.paragraph_format.space_after = Pt(0)
                for run in paragraph.runs:
                    run.font.size = Pt(font_pt)
    if footnote:
        note = document.add_paragraph()
        note.paragraph_format.space_before = Pt(3)
        note.add_run(footnote).font.size = Pt(font_pt - 1)
    if wide and new_section and portrait_after:
        _set_orientation(document.add_section(WD_SECTION.NEW_PAGE), landscape=False)


def _table_width(table, width: int) -> None:
    """Give the table its full width (Word and LibreOffice otherwise size it themselves)."""
    tbl_w = table._tbl.tblPr.find(qn("w:tblW"))
    tbl_w.set(qn("w:type"), "dxa")
    tbl_w.set(qn("w:w"), str(int(width / 635)))  # EMU to twentieths of a point


def _on(tag: str):
    element = OxmlElement(tag)
    element.set(qn("w:val"), "true")
    return element


def _repeat_header(row) -> None:
    """Mark the row as a header row Word repeats at the top of every page."""
    row._tr.get_or_add_trPr().append(_on("w:tblHeader"))


def _rule(tag: str, size: int = 8):
    element = OxmlElement(tag)
    element.set(qn("w:val"), "single" if size else "nil")
    if size:
        element.set(qn("w:sz"), str(size))  # eighths of a point
        element.set(qn("w:space"), "0")
        element.set(qn("w:color"), "000000")
    return element


def _table_rules(table) -> None:
    """Top and bottom rules on the table; no left, right or inner lines."""
    borders = OxmlElement("w:tblBorders")
    for edge, size in (("top", 8), ("left", 0), ("bottom", 8), ("right", 0),
                       ("insideH", 0), ("insideV", 0)):  # fmt: skip
        borders.append(_rule(f"w:{edge}", size))
    properties = table._tbl.tblPr
    later = ("shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription")
    following = [child for child in properties if child.tag in {qn(f"w:{t}") for t in later}]
    if following:
        following[0].addprevious(borders)  # keep the schema's element order (Word checks it)
    else:
        properties.append(borders)


def _cell_border(cell, edge: str, size: int = 4) -> None:
    properties = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    borders.append(_rule(f"w:{edge}", size))
    properties.append(borders)


def _set_orientation(section, landscape: bool) -> None:
    width, height = section.page_width, section.page_height
    if landscape != (width > height):
        section.page_width, section.page_height = height, width
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT


def _fix_core_properties(document: docx.document.Document, caption: str) -> None:
    props = document.core_properties
    props.author = "qualflow"
    props.last_modified_by = "qualflow"
    props.title = caption.split(".")[0][:200] if caption else ""
    props.created = DOCX_DATE
    props.modified = DOCX_DATE
    props.last_printed = DOCX_DATE
    props.revision = 1


def _deterministic_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed member timestamps (python-docx stamps the current time)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            member = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = info.external_attr
            out.writestr(member, source.read(info.filename))
    return target.getvalue()
