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
from docx.shared import Pt
from tabulate import tabulate

from . import agreement, themes
from .errors import InputError
from .io import OutputSet, formula_restore, is_people_csv

# Columns each result CSV must have (docs/files.md); checked where a notebook reads them.
RESULT_COLUMNS: dict[str, list[str]] = {
    "agreement_by_code": agreement.BY_CODE_COLUMNS,
    "agreement_summary": agreement.SUMMARY_COLUMNS,
    "theme_frequency_by_wave": themes.FREQUENCY_COLUMNS,
    "participant_theme_matrix": themes.MATRIX_COLUMNS,
    "cooccurrence": themes.COOCCURRENCE_COLUMNS,
    "exemplars": themes.EXEMPLAR_COLUMNS,
    "theme_importance": themes.IMPORTANCE_COLUMNS,
    "primacy": themes.PRIMACY_COLUMNS,
}
# Columns read as text (empty cells stay ""), whatever they look like.
_TEXT_COLUMNS = set(
    "code subtheme category band note scope group unit statistic level theme wave subtheme_a "
    "subtheme_b unit_id attribution quote rule".split()
)

SCOPE_ORDER = ("overall", "category", "subtheme", "wave")
STATISTIC_LABELS = {
    "pooled_kappa": "Pooled κ",
    "mean_kappa": "Mean κ",
    "median_kappa": "Median κ",
    "concatenated_kappa": "Concatenated κ",
}
UNIT_LABELS = {"turn": "Turn", "transcript": "Transcript"}
NA = "n/a"
DOCX_DATE = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)


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
def participant_characteristics(
    participants: pd.DataFrame,
    interviews: pd.DataFrame,
    wave_labels: Mapping[int, str] | None = None,
) -> pd.DataFrame:
    """Table 1: who was interviewed, and how many interviews were held and recorded.

    Columns ``Characteristic``, ``Category`` and ``Participants (n = N)``: counts with whole
    percentages, age and duration as mean (SD) with the sample SD, interviews as "29 of 30"
    (recorded of scheduled), overall and per wave. Duration is averaged over recorded
    interviews. Inputs are the frames of :func:`qualflow.study.read_participants` and
    :func:`qualflow.study.read_interviews`.
    """
    labels = wave_label_map(wave_labels)
    n = len(participants)
    rows: list[tuple[str, str, str]] = [("Participants, n", "", str(n))]
    rows += _count_rows("Gender, n (%)", participants["gender"], n)
    rows.append(("Age, years, mean (SD)", "", fmt_mean_sd(participants["age"])))
    rows.append(("Age, years, range", "", fmt_range(participants["age"])))
    for column in ("ethnicity", "diagnosis", "department"):
        rows += _count_rows(f"{column.capitalize()}, n (%)", participants[column], n)
    rows += _interview_rows(interviews, labels)
    frame = pd.DataFrame(rows, columns=["Characteristic", "Category", f"Participants (n = {n})"])
    return _blank_repeats(frame, "Characteristic")


def _count_rows(title: str, values: pd.Series, n: int) -> list[tuple[str, str, str]]:
    """One row per category, most frequent first (ties alphabetical), as n (%)."""
    counts = values.fillna("").astype(str).str.strip().replace("", "Not reported").value_counts()
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0].casefold()))
    return [(title, _display(value), fmt_n_pct(int(k), n)) for value, k in order]


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
    ``interviewed``; with ``interviews``, also ``waves``: [{wave, scheduled, recorded}].
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
            {"wave": int(w), "scheduled": int(len(g)), "recorded": int(g["recorded"].sum())}
            for w, g in interviews.groupby("wave", sort=True)
        ]
    return flow


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


# --------------------------------------------------------------------------- agreement
def agreement_table(by_code: pd.DataFrame, codebook: pd.DataFrame, ci_level: float) -> pd.DataFrame:
    """Table 3: per-code agreement in codebook order, formatted for print.

    κ is Cohen's (1960) with its analytic interval and the bootstrap percentile interval;
    PABAK (Byrt et al. 1993), Gwet's AC1 (Gwet 2008) and Krippendorff's α (2004) are shown
    because κ is unstable when a code is rare. Codes with undefined κ stay, marked n/a.
    """
    ci = ci_label(ci_level)
    ordered = codes_in_codebook_order(by_code, codebook)
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
            f"κ ({ci})": [
                fmt_estimate(k, lo, hi)
                for k, lo, hi in ordered[["kappa", "kappa_ci_low", "kappa_ci_high"]].itertuples(
                    index=False
                )
            ],
            f"Bootstrap {ci}": [
                fmt_interval(lo, hi)
                for lo, hi in zip(ordered["boot_ci_low"], ordered["boot_ci_high"], strict=True)
            ],
            "PABAK": ordered["pabak"].map(fmt_number),
            "AC1": ordered["ac1"].map(fmt_number),
            "α": ordered["alpha"].map(fmt_number),
            "Strength": ordered["band"].map(_display),
        }
    )
    if ordered["note"].astype(str).str.strip().ne("").any():
        table["Note"] = ordered["note"].astype(str).str.strip().values
    table = _blank_repeats(table.reset_index(drop=True), "Subtheme")
    return _blank_repeats(table, "Category")


def _percent(proportion: object) -> str:
    """Percent agreement from the proportion ``agreement.percent_agreement`` writes."""
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


def agreement_caption(ci_level: float, unit: str = "turn") -> str:
    """The caption of the per-code agreement table: what each column is."""
    ci = ci_label(ci_level)
    return (
        f"Intercoder agreement by code (unit of analysis: {unit}). Both / A only / B only: units "
        "coded by both coders or by one. κ: Cohen's kappa (Cohen 1960) with its analytic "
        f"{ci}; bootstrap {ci}: resampling whole transcripts. PABAK: prevalence- and "
        "bias-adjusted kappa (Byrt et al. 1993). AC1: Gwet's first-order agreement coefficient "
        "(Gwet 2008). α: Krippendorff's alpha. Strength: Landis & Koch (1977) band of κ. "
        "n/a: not estimable."
    )


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
def save_table(frame: pd.DataFrame, stem: str | PathLike[str], caption: str = "") -> list[Path]:
    """Write ``stem.csv``, ``.md`` (pipe table), ``.tex`` (booktabs) and ``.docx`` together.

    The four files appear only if all of them were written (:class:`qualflow.io.OutputSet`).
    The Word file has fixed core properties and zip timestamps, so it is byte-identical
    across runs.
    """
    stem = Path(stem)
    paths = [stem.with_name(stem.name + ext) for ext in (".csv", ".md", ".tex", ".docx")]
    with OutputSet() as out:
        out.csv(paths[0], frame)
        out.text(paths[1], to_markdown(frame, caption))
        out.text(paths[2], to_latex(frame, caption, label=stem.name))
        out.path(paths[3]).write_bytes(to_docx_bytes(frame, caption))
    return paths


def to_markdown(frame: pd.DataFrame, caption: str = "") -> str:
    """A pipe table (GitHub/Pandoc Markdown), with the caption as a paragraph above it."""
    body = tabulate(
        frame.astype(object).where(frame.notna(), ""),
        headers="keys",
        tablefmt="pipe",
        showindex=False,
        disable_numparse=True,
    )
    return (f"{caption}\n\n" if caption else "") + body + "\n"


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


def to_latex(frame: pd.DataFrame, caption: str = "", label: str = "") -> str:
    """A booktabs table (needs ``\\usepackage{booktabs}``); long text columns wrap."""
    cells = frame.astype(object).where(frame.notna(), "")
    spec = "".join(_latex_column(cells[c]) for c in cells.columns)
    lines = [r"% requires \usepackage{booktabs}", r"\begin{table}[htbp]", r"\centering"]
    caption = re.sub(r"^Table\s+\w+[.:]\s*", "", caption)  # LaTeX numbers tables itself
    if caption:
        lines.append(rf"\caption{{{latex_escape(caption)}}}")
    if label:
        lines.append(rf"\label{{tab:{re.sub(r'[^A-Za-z0-9:_-]', '', label)}}}")
    lines += [rf"\begin{{tabular}}{{{spec}}}", r"\toprule"]
    lines.append(" & ".join(latex_escape(c) for c in cells.columns) + r" \\")
    lines.append(r"\midrule")
    lines += [" & ".join(latex_escape(v) for v in row) + r" \\" for row in cells.itertuples(False)]
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}"]
    return "\n".join(lines) + "\n"


def _latex_column(values: pd.Series) -> str:
    texts = values.astype(str)
    longest = int(texts.str.len().max()) if len(texts) else 0
    if longest > 40:
        return rf"p{{{min(6.0, 0.1 * longest / 3 + 2):.1f}cm}}"
    numeric = pd.to_numeric(texts.replace("", None), errors="coerce")
    return "r" if len(texts) and numeric.notna().all() else "l"


def to_docx_bytes(frame: pd.DataFrame, caption: str = "") -> bytes:
    """A Word document: the caption, then the table with a bold header row."""
    document = docx.Document()
    _fix_core_properties(document, caption)
    if caption:
        document.add_paragraph(caption, style="Caption")
    cells = frame.astype(object).where(frame.notna(), "")
    table = document.add_table(rows=1, cols=len(cells.columns))
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, cells.columns, strict=True):
        run = cell.paragraphs[0].add_run(str(name))
        run.bold = True
    for values in cells.itertuples(index=False):
        for cell, value in zip(table.add_row().cells, values, strict=True):
            cell.text = str(value)
    for row in table.rows:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                for run in paragraph.runs:
                    run.font.size = Pt(9)
    buffer = io.BytesIO()
    document.save(buffer)
    return _deterministic_zip(buffer.getvalue())


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
