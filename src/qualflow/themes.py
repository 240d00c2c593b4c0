"""Themes: frequency by wave, primacy, importance, co-occurrence and exemplar quotes.

The demo study weighed its themes by *frequency* (how many participants raised a theme) and
*primacy* (what people raised first when asked about their challenges), over three interview
waves, following Braun & Clarke's (2006) thematic analysis. This module computes the tables a
team otherwise builds by hand, from the consensus codings (``results/consensus/codings.csv``),
the units (``results/clean/units.csv``), the interviews table and the codebook. The output
columns are fixed in ``docs/files.md`` (section Themes).

Choices made here, stated once:

- A theme is *raised* by a participant in a wave when at least one consensus unit of that
  participant's transcript in that wave carries a code of the theme.
- The denominator of a wave is the number of participants with a *recorded* transcript in that
  wave (for ``all``: with any recorded transcript). A participant who left before wave 3 is not
  counted as not raising a theme at wave 3.
- Primacy is per category: each category has its own interviewer prompt
  (``themes.primacy_prompt``; barriers count from the question about challenges, facilitators
  from the one about what helped), and subthemes are ranked within their category from the
  first interviewer turn matching it, ties as ties (mid-rank). A transcript in which the prompt
  never matches is left out of that category's ranking (it does not count from the start) and
  not counted in ``prompt_found``; a category without a prompt gets no primacy, and its
  importance is its frequency. The matched turn of every transcript is written to
  ``primacy_prompts.csv`` for audit.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zipfile
from collections.abc import Mapping
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from .codebook import LEVELS, codebook_path, load_codebook
from .codings import set_text_cell
from .contracts import CONSENSUS_COLUMNS, read_units
from .errors import InputError, csv_row_number
from .io import OutputSet
from .study import _to_int, read_interviews, read_table, recorded_transcripts

log = logging.getLogger(__name__)

ALL_WAVES = "all"

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
QUOTE_BANK = "quote_bank.xlsx"
OUTPUT_FILES = {
    "frequency": "theme_frequency_by_wave.csv",
    "matrix": "participant_theme_matrix.csv",
    "primacy_by_transcript": "primacy_by_transcript.csv",
    "primacy": "primacy.csv",
    "importance": "theme_importance.csv",
    "cooccurrence": "cooccurrence.csv",
    "exemplars": "exemplars.csv",
    "primacy_prompts": "primacy_prompts.csv",
    "trajectories": "trajectories.csv",
}
WEIGHT_KEYS = ("frequency", "primacy")

#: The exemplar rule in words, for notebooks and method sections to quote.
EXEMPLAR_RULE = (
    "For each subtheme, the candidate quotes are participant turns that both coders coded "
    "with a code of the subtheme (consensus source 'agreed') and that are {min_words} to "
    "{max_words} words long; when none is, the subtheme gets no quote and the reason is given. "
    "Each candidate is scored by the cosine similarity of its TF-IDF vector to the centroid of "
    "the subtheme's other coded units. Up to three quotes are taken one at a time, preferring "
    "a turn with no code of the other category (so a facilitator quote is not also a "
    "complaint), then a participant not yet quoted for the subtheme or the category, then a "
    "wave not yet quoted, then the higher score and the earlier turn. Units the analysts "
    "pinned in data/quotes.csv (rule 'pinned') or named as the subtheme's exemplar in the "
    "codebook (rule 'codebook') override the rule."
)

# Fixed TF-IDF settings, so the exemplar choice is reproducible (Salton & Buckley 1988).
_TFIDF_SETTINGS = {
    "lowercase": True,
    "stop_words": "english",
    "token_pattern": r"(?u)\b[^\W\d_][^\W\d_]+\b",  # words of 2+ letters; no digits/placeholders
    "ngram_range": (1, 1),
    "sublinear_tf": True,
    "smooth_idf": True,
    "norm": "l2",
}
_DECIMALS = 12  # scores are compared after rounding, so float noise never breaks a tie


# --------------------------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------------------------


def _subthemes(codebook: pd.DataFrame) -> pd.DataFrame:
    """Subthemes in codebook order with their category (one row each)."""
    return codebook[["subtheme", "category"]].drop_duplicates("subtheme").reset_index(drop=True)


def _themes(codebook: pd.DataFrame, level: str) -> pd.DataFrame:
    """Themes at ``level`` in codebook order, columns ``theme`` and ``category``."""
    frame = codebook.drop_duplicates(level).reset_index(drop=True)
    return pd.DataFrame({"theme": frame[level], "category": frame["category"]})


def _unknown_code_error(codes: pd.Series, codebook: pd.DataFrame) -> None:
    unknown = codes[~codes.isin(codebook["code"])]
    if not unknown.empty:
        i = unknown.index[0]
        raise InputError(
            None,
            f"code {unknown.iloc[0]!r} is not in the codebook",
            row=csv_row_number(i) if isinstance(i, (int, np.integer)) else None,
        )


def _coded(consensus: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Consensus rows with ints for ids and the codebook's subtheme and category per code.

    The codebook is authoritative for the hierarchy; an unknown code is an error.
    """
    _unknown_code_error(consensus["code"], codebook)
    hierarchy = codebook.set_index("code")[["subtheme", "category"]]
    out = consensus[["unit_id", "transcript_id", "participant_id", "wave", "turn", "code"]].copy()
    for column in ("participant_id", "wave", "turn"):
        out[column] = out[column].astype("int64")
    out["subtheme"] = out["code"].map(hierarchy["subtheme"])
    out["category"] = out["code"].map(hierarchy["category"])
    if "source" in consensus.columns:
        out["source"] = consensus["source"].astype(str)
    return out


def _recorded(interviews: pd.DataFrame) -> pd.DataFrame:
    """Recorded interviews: participant_id, wave (ints) and transcript_id."""
    out = recorded_transcripts(interviews)[["participant_id", "wave", "transcript_id"]]
    return out.astype({"participant_id": "int64", "wave": "int64"})


def _unit_order(units: pd.DataFrame) -> pd.DataFrame:
    """Units with int ids, sorted in reading order (participant, wave, turn)."""
    out = units.copy()
    for column in ("participant_id", "wave", "turn", "n_words"):
        out[column] = out[column].astype("int64")
    out["text"] = out["text"].fillna("").astype(str)
    return out.sort_values(["participant_id", "wave", "turn"], kind="stable").reset_index(drop=True)


def _wave_sort_key(wave: object) -> tuple[int, int]:
    return (1, 0) if wave == ALL_WAVES else (0, int(wave))


# --------------------------------------------------------------------------------------------
# Frequency
# --------------------------------------------------------------------------------------------


def frequency_by_wave(
    consensus: pd.DataFrame,
    units: pd.DataFrame,
    interviews: pd.DataFrame,
    codebook: pd.DataFrame,
) -> pd.DataFrame:
    """How many participants raised each theme, per wave and over all waves.

    One row per level (code, subtheme, category) × theme (codebook order) × wave (1, 2, …,
    then ``all``); themes never raised appear with zeros. ``n_participants`` counts
    participants with at least one consensus unit of the theme; ``n_interviewed`` counts
    participants with a recorded transcript in that wave (for ``all``: any recorded
    transcript), so a participant who left before a wave is not counted as absent;
    ``pct_participants`` = 100 · n_participants / n_interviewed (empty when nobody was
    interviewed in a scheduled wave). ``n_units`` counts distinct units and ``n_words`` sums
    their ``n_words`` once per unit, so a unit coded twice within one theme counts once.
    """
    coded = _coded(consensus, codebook)
    words = _unit_order(units).set_index("unit_id")["n_words"]
    missing = coded.loc[~coded["unit_id"].isin(words.index), "unit_id"]
    if not missing.empty:
        raise InputError(None, f"consensus unit {missing.iloc[0]!r} is not in units.csv")
    coded["n_words"] = coded["unit_id"].map(words).astype("int64")
    recorded = _recorded(interviews)
    waves = sorted(
        set(interviews["wave"].astype("int64")) | set(recorded["wave"]) | set(coded["wave"])
    )
    denominators = {
        w: recorded.loc[recorded["wave"] == w, "participant_id"].nunique() for w in waves
    }
    denominators[ALL_WAVES] = recorded["participant_id"].nunique()

    parts = []
    for level in LEVELS:
        themes = _themes(codebook, level)
        theme_of = pd.Series(codebook[level].to_numpy(), index=codebook["code"])
        rows = coded.assign(theme=coded["code"].map(theme_of))
        for wave in [*waves, ALL_WAVES]:
            in_wave = rows if wave == ALL_WAVES else rows[rows["wave"] == wave]
            counts = _theme_counts(in_wave)
            frame = themes.merge(counts, on="theme", how="left")
            frame.insert(0, "level", level)
            frame["wave"] = wave
            frame["n_interviewed"] = denominators[wave]
            parts.append(frame)
    out = pd.concat(parts, ignore_index=True)
    count_columns = ["n_participants", "n_transcripts", "n_units", "n_words"]
    out[count_columns] = out[count_columns].fillna(0).astype("int64")
    out["n_interviewed"] = out["n_interviewed"].astype("int64")
    with np.errstate(divide="ignore", invalid="ignore"):
        pct = 100.0 * out["n_participants"] / out["n_interviewed"].replace(0, np.nan)
    out["pct_participants"] = pct.astype(float)
    out["wave"] = out["wave"].astype(object)
    return _sort_frequency(out, codebook)[FREQUENCY_COLUMNS]


def _theme_counts(rows: pd.DataFrame) -> pd.DataFrame:
    """Participants, transcripts, distinct units and their words per theme."""
    if rows.empty:
        counts = ["n_participants", "n_transcripts", "n_units", "n_words"]
        empty = {c: pd.Series(dtype="int64") for c in counts}
        return pd.DataFrame({"theme": pd.Series(dtype=object), **empty})
    distinct = rows.drop_duplicates(["theme", "unit_id"])
    grouped = distinct.groupby("theme", sort=False)
    return pd.DataFrame(
        {
            "n_participants": grouped["participant_id"].nunique(),
            "n_transcripts": grouped["transcript_id"].nunique(),
            "n_units": grouped["unit_id"].nunique(),
            "n_words": grouped["n_words"].sum(),
        }
    ).reset_index()


def _sort_frequency(frame: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    level_rank = {level: i for i, level in enumerate(LEVELS)}
    theme_rank = {}
    for level in LEVELS:
        for i, theme in enumerate(_themes(codebook, level)["theme"]):
            theme_rank[(level, theme)] = i
    key = pd.DataFrame(
        {
            "l": frame["level"].map(level_rank),
            "t": [
                theme_rank[(lv, th)] for lv, th in zip(frame["level"], frame["theme"], strict=True)
            ],
            "w": [_wave_sort_key(w) for w in frame["wave"]],
        }
    )
    order = key.sort_values(["l", "t", "w"], kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def participant_theme_matrix(
    consensus: pd.DataFrame, interviews: pd.DataFrame, codebook: pd.DataFrame
) -> pd.DataFrame:
    """The framework matrix: units per participant × subtheme × recorded wave, zeros included.

    Only waves in which the participant has a recorded transcript appear, so an empty cell
    means "interviewed and did not raise it", never "not interviewed". Rows are sorted by
    participant, wave and subtheme (codebook order).
    """
    coded = _coded(consensus, codebook)
    counts = (
        coded.drop_duplicates(["unit_id", "subtheme"])
        .groupby(["participant_id", "wave", "subtheme"])["unit_id"]
        .nunique()
        .rename("n_units")
        .reset_index()
    )
    subthemes = _subthemes(codebook).reset_index(names="order")
    grid = _recorded(interviews)[["participant_id", "wave"]].merge(subthemes, how="cross")
    out = grid.merge(counts, on=["participant_id", "wave", "subtheme"], how="left")
    out["n_units"] = out["n_units"].fillna(0).astype("int64")
    out = out.sort_values(["participant_id", "wave", "order"], kind="stable")
    return out[MATRIX_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Primacy
# --------------------------------------------------------------------------------------------


def _compile_prompt(
    prompt: str | None, element: str = "themes.primacy_prompt"
) -> re.Pattern[str] | None:
    if prompt is None or not str(prompt).strip():
        return None
    try:
        return re.compile(prompt)
    except re.error as err:
        raise InputError(
            None,
            f"primacy prompt {prompt!r} is not a valid regular expression ({err})",
            element=element,
        ) from None


#: The value of a per-category prompt meaning "count from the start of the transcript".
FROM_START = ""


def category_prompts(
    prompt: str | Mapping[str, str | None] | None, categories: list[str]
) -> dict[str, str | None]:
    """The primacy prompt of each category, from ``themes.primacy_prompt``.

    A mapping gives each category its own regular expression (``{barriers: ..., facilitators:
    ...}``); a category it leaves out or sets to null gets no primacy (None), and an empty
    string counts from the start of the transcript. A single string (or null) applies to every
    category, as before: null or blank counts from the start. Unknown categories are an error.
    """
    if prompt is None or isinstance(prompt, str):
        shared = FROM_START if prompt is None or not prompt.strip() else prompt
        out = {category: shared for category in categories}
    else:
        unknown = sorted(set(map(str, prompt)) - set(categories))
        if unknown:
            raise InputError(
                None,
                f"unknown category {unknown[0]!r}; expected one of {', '.join(categories)}",
                element="themes.primacy_prompt",
            )
        out = {}
        for category in categories:
            value = prompt.get(category)
            out[category] = None if value is None else str(value)
    for category, value in out.items():
        _compile_prompt(value, f"themes.primacy_prompt.{category}")
    return out


def prompt_turns(units: pd.DataFrame, prompt: str | None) -> pd.Series:
    """Per transcript, the turn ranks count from: the first interviewer turn matching ``prompt``.

    With no prompt (None or blank) every transcript starts at its first turn. Transcripts in
    which the prompt never matches are absent from the result.
    """
    ordered = _unit_order(units)
    regex = _compile_prompt(prompt)
    if regex is None:
        return ordered.groupby("transcript_id", sort=False)["turn"].min()
    asked = ordered[ordered["speaker"] == "interviewer"]
    asked = asked[asked["text"].map(lambda text: regex.search(text) is not None)]
    return asked.groupby("transcript_id", sort=False)["turn"].min()


def primacy_prompts(units: pd.DataFrame, prompts: Mapping[str, str | None]) -> pd.DataFrame:
    """primacy_prompts.csv: per transcript and category with a prompt, the turn primacy counts
    from and the interviewer's words there, so the match can be checked by eye.

    ``found`` is False (turn and text empty) where the prompt never matched; such a transcript is
    left out of that category's ranking. Categories without a prompt (None) have no rows.
    """
    ordered = _unit_order(units)
    transcripts = ordered.drop_duplicates("transcript_id")[
        ["transcript_id", "participant_id", "wave"]
    ]
    text = ordered.set_index(["transcript_id", "turn"])["text"]
    frames = []
    for category, prompt in prompts.items():
        if prompt is None:
            continue
        starts = prompt_turns(units, prompt)
        frame = transcripts.assign(category=category, prompt=prompt)
        frame["prompt_turn"] = frame["transcript_id"].map(starts).astype("Int64")
        frame["found"] = frame["prompt_turn"].notna()
        frame["prompt_text"] = [
            text.get((t, int(turn)), "") if pd.notna(turn) else ""
            for t, turn in zip(frame["transcript_id"], frame["prompt_turn"], strict=True)
        ]
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=PRIMACY_PROMPT_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    return out[PRIMACY_PROMPT_COLUMNS].reset_index(drop=True)


def primacy(
    consensus: pd.DataFrame,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    prompt: str | Mapping[str, str | None] | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rank subthemes, within their category, by the order they were raised after the
    category's prompt (primacy).

    Each category has its own prompt (:func:`category_prompts`): barriers count from the
    interviewer's question about challenges, facilitators from the one about what helped. In
    each transcript the count for a category starts at the first interviewer turn matching its
    regular expression (an empty prompt: the start of the transcript). Each subtheme of the
    category coded at or after that turn gets ``first_turn`` = the earliest such turn, and the
    category's subthemes are ranked by ``first_turn`` with ties as ties (mid-rank: two raised
    in the same turn after the first both get 2.5). A transcript in which the prompt never
    matches is skipped for that category (not counted from the start); a category without a
    prompt gets no ranks at all.

    Returns ``(primacy_by_transcript, summary)``: the summary has, per subtheme (all of the
    codebook), the number of transcripts where it was raised after its prompt, the mean and
    median rank over those transcripts (empty when never raised or no prompt), ``n_first``
    (how often it was raised first, alone or tied) and ``prompt_found`` (transcripts of
    ``units`` in which its category's prompt matched; empty without a prompt).
    """
    subs = _subthemes(codebook)
    categories = list(dict.fromkeys(subs["category"]))
    prompts = category_prompts(prompt, categories)
    coded = _coded(consensus, codebook)
    order = {name: i for i, name in enumerate(subs["subtheme"])}
    found = {}
    parts = []
    for category in categories:
        if prompts[category] is None:
            continue
        starts = prompt_turns(units, prompts[category])
        found[category] = len(starts)
        mine = coded[coded["category"] == category].copy()
        mine["start_turn"] = mine["transcript_id"].map(starts)
        parts.append(mine[mine["start_turn"].notna() & (mine["turn"] >= mine["start_turn"])])
    after = pd.concat(parts, ignore_index=True) if parts else coded.iloc[:0]
    firsts = (
        after.groupby(
            ["transcript_id", "participant_id", "wave", "category", "subtheme"], as_index=False
        )["turn"]
        .min()
        .rename(columns={"turn": "first_turn"})
    )
    firsts["order"] = firsts["subtheme"].map(order)
    firsts = firsts.sort_values(
        ["participant_id", "wave", "transcript_id", "first_turn", "order"], kind="stable"
    )
    group = firsts.groupby(["transcript_id", "category"], sort=False)["first_turn"]
    firsts["rank"] = group.rank(method="average").astype(float)
    firsts["_first"] = firsts["first_turn"] == group.transform("min")
    by_transcript = firsts[PRIMACY_BY_TRANSCRIPT_COLUMNS].reset_index(drop=True)
    for column in ("participant_id", "wave", "first_turn"):
        by_transcript[column] = by_transcript[column].astype("int64")
    n_first = firsts[firsts["_first"]].groupby("subtheme").size()
    return by_transcript, _primacy_summary(by_transcript, codebook, found, n_first)


def _primacy_summary(
    by_transcript: pd.DataFrame,
    codebook: pd.DataFrame,
    prompt_found: Mapping[str, int],
    n_first: pd.Series,
) -> pd.DataFrame:
    grouped = by_transcript.groupby("subtheme")["rank"]
    stats = pd.DataFrame(
        {
            "n_transcripts": grouped.size(),
            "mean_rank": grouped.mean(),
            "median_rank": grouped.median(),
        }
    ).reset_index()
    out = _subthemes(codebook).merge(stats, on="subtheme", how="left")
    out["n_transcripts"] = out["n_transcripts"].fillna(0).astype("int64")
    out["n_first"] = out["subtheme"].map(n_first).fillna(0).astype("int64")
    out["mean_rank"] = out["mean_rank"].astype(float)
    out["median_rank"] = out["median_rank"].astype(float)
    out["prompt_found"] = out["category"].map(prompt_found).astype("Int64")
    return out[PRIMACY_COLUMNS]


# --------------------------------------------------------------------------------------------
# Importance
# --------------------------------------------------------------------------------------------


def normalise_weights(weights: Mapping[str, float]) -> tuple[float, float]:
    """``(w_frequency, w_primacy)`` scaled to sum to 1; a missing key counts as 0.

    Unknown keys, negative or non-numeric weights, or weights summing to 0 are errors.
    """
    unknown = sorted(set(weights) - set(WEIGHT_KEYS))
    if unknown:
        raise InputError(
            None,
            f"unknown importance weight(s) {', '.join(map(str, unknown))}; "
            f"expected {' and '.join(WEIGHT_KEYS)}",
            element="themes.importance_weights",
        )
    values = []
    for key in WEIGHT_KEYS:
        raw = weights.get(key, 0.0)
        try:
            value = float(raw)
        except (TypeError, ValueError):
            value = float("nan")
        if not np.isfinite(value) or value < 0:
            raise InputError(
                None,
                f"weight {key} must be a number ≥ 0, not {raw!r}",
                element="themes.importance_weights",
            )
        values.append(value)
    total = sum(values)
    if total <= 0:
        raise InputError(
            None, "importance weights must not all be 0", element="themes.importance_weights"
        )
    return values[0] / total, values[1] / total


def rescale_primacy(mean_rank: pd.Series, n_subthemes: int) -> pd.Series:
    """Mean rank on a 0–1 scale: 1 − (mean_rank − 1)/(n_subthemes − 1), 1 = always first.

    ``n_subthemes`` (the codebook's count) is the largest rank possible. A subtheme never
    raised after the prompt (mean rank empty) scores 0: it gave no evidence of primacy. With a
    single subtheme, any raised subtheme scores 1.
    """
    mean_rank = mean_rank.astype(float)
    if n_subthemes <= 1:
        scaled = pd.Series(1.0, index=mean_rank.index)
    else:
        scaled = 1.0 - (mean_rank - 1.0) / (n_subthemes - 1)
    return scaled.where(mean_rank.notna(), 0.0).clip(0.0, 1.0)


def theme_importance(
    frequency: pd.DataFrame,
    primacy_summary: pd.DataFrame,
    codebook: pd.DataFrame,
    weights: Mapping[str, float],
) -> pd.DataFrame:
    """Balance frequency and primacy into one importance score per subtheme.

    ``frequency`` is the share (0–1) of participants who raised the subtheme over all waves
    (``n_participants / n_interviewed`` at wave ``all``); ``primacy`` is the rescaled mean
    rank within the category (:func:`rescale_primacy` with the category's number of subthemes,
    0 when never raised after the prompt; empty, with weight 0, for a category without a
    primacy prompt, whose importance is then its frequency). With the weights
    normalised to sum 1, ``importance = w_f · frequency + w_p · primacy``. Subthemes are
    ranked within their category by importance, highest first; equal scores share a rank
    (competition ranking 1, 2, 2, 4) and are listed in codebook order.
    """
    w_frequency, w_primacy = normalise_weights(weights)
    subthemes = _subthemes(codebook).reset_index(names="order")
    overall = frequency[
        (frequency["level"] == "subtheme") & (frequency["wave"].astype(str) == ALL_WAVES)
    ]
    share = overall.set_index("theme").eval("n_participants / n_interviewed")
    share = share.where(np.isfinite(share), 0.0)
    mean_rank = primacy_summary.set_index("subtheme")["mean_rank"]
    for name, table in (("theme frequency", share), ("primacy summary", mean_rank)):
        missing = subthemes.loc[~subthemes["subtheme"].isin(table.index), "subtheme"]
        if not missing.empty:
            raise InputError(None, f"the {name} has no row for subtheme {missing.iloc[0]!r}")
    out = subthemes.copy()
    out["frequency"] = out["subtheme"].map(share).astype(float)
    # ranks are within a category, so the largest possible rank is the category's size
    size = out.groupby("category")["subtheme"].transform("size")
    ranks = out["subtheme"].map(mean_rank)
    out["primacy"] = np.nan
    for n in pd.unique(size):
        rows = size == n
        out.loc[rows, "primacy"] = rescale_primacy(ranks[rows], int(n)).to_numpy()
    # a category without a primacy prompt has no primacy: importance is its frequency alone
    if "prompt_found" in primacy_summary.columns:
        found = primacy_summary.set_index("subtheme")["prompt_found"]
        no_prompt = out["subtheme"].map(found).isna().to_numpy()
    else:
        no_prompt = np.zeros(len(out), dtype=bool)
    out.loc[no_prompt, "primacy"] = np.nan
    out["weight_frequency"] = np.where(no_prompt, 1.0, w_frequency)
    out["weight_primacy"] = np.where(no_prompt, 0.0, w_primacy)
    out["importance"] = out["weight_frequency"] * out["frequency"] + out["weight_primacy"] * out[
        "primacy"
    ].fillna(0.0)
    out["rank_in_category"] = (
        out["importance"]
        .round(_DECIMALS)
        .groupby(out["category"])
        .rank(method="min", ascending=False)
        .astype("int64")
    )
    category_order = {c: i for i, c in enumerate(codebook["category"].drop_duplicates())}
    out["category_order"] = out["category"].map(category_order)
    out = out.sort_values(["category_order", "rank_in_category", "order"], kind="stable")
    return out[IMPORTANCE_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Change over time
# --------------------------------------------------------------------------------------------


def _missing_reasons(interviews: pd.DataFrame, people: list[int], waves: list[int]) -> dict:
    """(participant, wave) → why there is no transcript: the interviews.csv note of an
    interview not recorded, or that no interview is listed for that wave."""
    reasons = {}
    listed = interviews.set_index(["participant_id", "wave"])
    for person in people:
        for wave in waves:
            key = (int(person), int(wave))
            if key not in listed.index:
                reasons[key] = "no interview listed in interviews.csv"
                continue
            row = listed.loc[key]
            row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
            if not bool(row["recorded"]):
                note = str(row.get("note", "") or "").strip()
                reasons[key] = "not recorded" + (f": {note}" if note else "")
    return reasons


def trajectories(
    consensus: pd.DataFrame, interviews: pd.DataFrame, codebook: pd.DataFrame
) -> pd.DataFrame:
    """trajectories.csv: each participant's path through the waves, per subtheme and per code.

    One row per participant × level (``subtheme``, ``code``) × theme × wave of the study:
    ``status`` is ``present`` (raised in that wave's consensus coding), ``absent`` (interviewed,
    not raised) or ``missing`` (no transcript; ``missing_reason`` from interviews.csv — the note
    of an interview not recorded, e.g. the participant had left the job). ``change`` compares
    with the participant's previous *recorded* wave: ``first``, ``gained``, ``dropped``,
    ``kept`` or ``still_absent`` (empty where missing). ``pattern`` sums the path up in wave
    order, ``1`` present, ``0`` absent, ``.`` missing (e.g. ``11.``). A subtheme kept by
    everyone can hide codes that were dropped, which the code rows show.
    """
    coded = _coded(consensus, codebook)
    recorded = _recorded(interviews)
    people = sorted(int(p) for p in interviews["participant_id"].unique())
    waves = sorted(int(w) for w in interviews["wave"].unique())
    reasons = _missing_reasons(interviews, people, waves)
    have = set(zip(recorded["participant_id"], recorded["wave"], strict=True))
    frames = []
    for level in ("subtheme", "code"):
        themes = _themes(codebook, level).reset_index(names="order")
        raised = set(zip(coded["participant_id"], coded["wave"], coded[level], strict=True))
        grid = pd.DataFrame(
            [(p, w) for p in people for w in waves], columns=["participant_id", "wave"]
        ).merge(themes, how="cross")
        keys = list(zip(grid["participant_id"], grid["wave"], strict=True))
        grid["status"] = [
            "missing"
            if key not in have
            else ("present" if (key[0], key[1], theme) in raised else "absent")
            for key, theme in zip(keys, grid["theme"], strict=True)
        ]
        grid["missing_reason"] = [reasons.get(key, "") for key in keys]
        grid["level"] = level
        frames.append(grid)
    out = pd.concat(frames, ignore_index=True)
    out["level_order"] = out["level"].map({"subtheme": 0, "code": 1})
    out = out.sort_values(
        ["participant_id", "level_order", "order", "wave"], kind="stable"
    ).reset_index(drop=True)
    symbol = out["status"].map({"present": "1", "absent": "0", "missing": "."})
    group = [out["participant_id"], out["level"], out["theme"]]
    out["pattern"] = symbol.groupby(group, sort=False).transform(lambda s: "".join(s))
    seen = out["status"].where(out["status"] != "missing")
    previous = seen.groupby(group, sort=False).transform(lambda s: s.ffill().shift())
    change = np.select(
        [
            out["status"] == "missing",
            previous.isna(),
            (previous == "absent") & (out["status"] == "present"),
            (previous == "present") & (out["status"] == "absent"),
            out["status"] == "present",
        ],
        ["", "first", "gained", "dropped", "kept"],
        default="still_absent",
    )
    out["change"] = change
    return out[TRAJECTORY_COLUMNS].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Co-occurrence
# --------------------------------------------------------------------------------------------


def cooccurrence(consensus: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Which subthemes are coded together, in the same unit and in the same transcript.

    Every unordered pair of codebook subthemes appears once with ``subtheme_a ≤ subtheme_b``
    (by name), zeros included; the diagonal (a = b) holds the subtheme's own number of units
    and transcripts. ``jaccard_units`` = |U_a ∩ U_b| / |U_a ∪ U_b| over the sets of units
    coded with each (Jaccard 1901); 1 on the diagonal of a raised subtheme, empty when
    neither was ever coded (0/0).
    """
    coded = _coded(consensus, codebook)
    names = sorted(_subthemes(codebook)["subtheme"])
    units_both = _incidence_products(coded, "unit_id", names)
    transcripts_both = _incidence_products(coded, "transcript_id", names)
    totals = np.diag(units_both)
    rows = []
    for i, a in enumerate(names):
        for j in range(i, len(names)):
            shared = int(units_both[i, j])
            union = int(totals[i] + totals[j] - shared)
            rows.append(
                {
                    "subtheme_a": a,
                    "subtheme_b": names[j],
                    "n_units": shared,
                    "n_transcripts": int(transcripts_both[i, j]),
                    "jaccard_units": shared / union if union else np.nan,
                }
            )
    return pd.DataFrame(rows, columns=COOCCURRENCE_COLUMNS)


def _incidence_products(coded: pd.DataFrame, key: str, names: list[str]) -> np.ndarray:
    """``X.T @ X`` for the 0/1 incidence matrix X of ``key`` (rows) × subtheme (columns)."""
    pairs = coded[[key, "subtheme"]].drop_duplicates()
    if pairs.empty:
        return np.zeros((len(names), len(names)), dtype=np.int64)
    rows = pd.Categorical(pairs[key]).codes
    cols = pd.Categorical(pairs["subtheme"], categories=names).codes
    ones = np.ones(len(pairs), dtype=np.int64)
    incidence = sparse.csr_matrix((ones, (rows, cols)), shape=(rows.max() + 1, len(names)))
    return (incidence.T @ incidence).toarray()


def cooccurrence_matrix(
    pairs: pd.DataFrame, value: str = "n_units", order: list[str] | None = None
) -> pd.DataFrame:
    """The square, symmetric subtheme × subtheme matrix of ``value`` from :func:`cooccurrence`.

    ``order`` lists the subthemes (e.g. codebook order); by default they are sorted by name.
    """
    names = order or sorted(set(pairs["subtheme_a"]) | set(pairs["subtheme_b"]))
    matrix = pd.DataFrame(np.nan, index=names, columns=names)
    for a, b, v in zip(pairs["subtheme_a"], pairs["subtheme_b"], pairs[value], strict=True):
        if a in matrix.index and b in matrix.index:
            matrix.loc[a, b] = v
            matrix.loc[b, a] = v
    return matrix


# --------------------------------------------------------------------------------------------
# Exemplars
# --------------------------------------------------------------------------------------------


def attribution(participant_id: int, wave: int) -> str:
    """How the study attributed quotes: ``50004`` at wave 1, ``50004_2`` / ``50004_3`` later."""
    return str(int(participant_id)) if int(wave) == 1 else f"{int(participant_id)}_{int(wave)}"


def read_pins(
    path: str | PathLike[str] | None, units: pd.DataFrame, codebook: pd.DataFrame
) -> pd.DataFrame:
    """``data/quotes.csv`` (``unit_id``, ``subtheme``): quotes the analysts pinned for Table 2.

    Optional: None or a missing file gives no pins. An unknown unit or subtheme stops with the
    file and row. Returns unit_id and subtheme in file order, repeats dropped.
    """
    if path is None or not Path(path).exists():
        return pd.DataFrame(columns=PIN_COLUMNS)
    path = Path(path)
    frame = read_table(path, PIN_COLUMNS)
    frame = frame.assign(
        unit_id=frame["unit_id"].astype(str).str.strip(),
        subtheme=frame["subtheme"].astype(str).str.strip(),
    )
    known_units = set(units["unit_id"])
    known_subthemes = set(codebook["subtheme"])
    _raise_first(
        path,
        ~frame["unit_id"].isin(known_units),
        lambda r: f"unit {r.unit_id!r} is not in units.csv",
        frame,
    )
    _raise_first(
        path,
        ~frame["subtheme"].isin(known_subthemes),
        lambda r: f"subtheme {r.subtheme!r} is not in the codebook",
        frame,
    )
    return frame[PIN_COLUMNS].drop_duplicates().reset_index(drop=True)


def choose_exemplars(
    consensus: pd.DataFrame,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    min_words: int = 25,
    max_words: int = 80,
    per_subtheme: int = 3,
    pins: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Up to ``per_subtheme`` exemplar quotes per subtheme, chosen by a fixed, stated rule.

    The rule (also in :data:`EXEMPLAR_RULE`): candidates are participant units that both
    coders coded with a code of the subtheme (consensus ``source == "agreed"``) and that have
    ``min_words ≤ n_words ≤ max_words`` — the limits are never relaxed: with no candidate the
    subtheme gets one row with an empty quote, ``rule = none`` and the reason. Each candidate
    is scored by the cosine similarity of its TF-IDF vector (scikit-learn ``TfidfVectorizer``
    with fixed settings, fitted on all consensus-coded units; Salton & Buckley 1988) to the
    centroid of the subtheme's *other* coded units — the most typical way participants voiced
    the subtheme. Quotes are then taken one at a time, preferring, in this order: a unit with
    no consensus code of another category (a facilitator quote that is not also a complaint);
    a participant not yet quoted for this subtheme, then not yet quoted in the category; a wave
    not yet quoted for the subtheme, then the wave least quoted in the category; the higher
    score; the earlier unit. Subthemes are filled in codebook order.

    Overrides: units pinned in ``pins`` (``data/quotes.csv``; ``rule = pinned``) or named in
    the codebook's ``exemplar`` field (``rule = codebook``) replace the rule for their
    subtheme, pins first. ``rank`` numbers a subtheme's quotes (1 = the one a table shows
    first).
    """
    ordered = _unit_order(units).reset_index(names="position")
    by_id = ordered.set_index("unit_id")
    coded = _coded(consensus, codebook)
    missing = coded.loc[~coded["unit_id"].isin(by_id.index), "unit_id"]
    if not missing.empty:
        raise InputError(None, f"consensus unit {missing.iloc[0]!r} is not in units.csv")
    for column in ("position", "speaker", "n_words"):
        coded[f"unit_{column}"] = coded["unit_id"].map(by_id[column])
    coded = coded.sort_values("unit_position", kind="stable")
    coded_ids = coded["unit_id"].drop_duplicates().tolist()
    vectors, row_of = _tfidf_vectors(by_id.loc[coded_ids, "text"].tolist(), coded_ids)
    exemplar_of = codebook.drop_duplicates("subtheme").set_index("subtheme")["exemplar"]
    categories_of = coded.groupby("unit_id")["category"].agg(frozenset)
    pins = pins if pins is not None else pd.DataFrame(columns=PIN_COLUMNS)
    quoted_people: dict[str, set] = {}
    quoted_waves: dict[str, dict[int, int]] = {}

    rows = []
    for subtheme, category in _subthemes(codebook).itertuples(index=False):
        in_theme = coded[coded["subtheme"] == subtheme]
        theme_ids = in_theme["unit_id"].drop_duplicates().tolist()
        people = quoted_people.setdefault(category, set())
        waves = quoted_waves.setdefault(category, {})
        pinned = pins.loc[pins["subtheme"] == subtheme, "unit_id"].tolist()
        named = str(exemplar_of.get(subtheme, "") or "").strip()
        if named and named not in by_id.index:
            raise InputError(
                None,
                f"exemplar {named!r} of subtheme {subtheme!r} is not a unit in units.csv",
                element=f"subtheme {subtheme}",
            )
        if pinned or named:
            chosen = [(u, "pinned") for u in pinned] + (
                [(named, "codebook")] if named and named not in pinned else []
            )
            scores = dict(
                zip(
                    [u for u, _ in chosen],
                    _typicality([u for u, _ in chosen], theme_ids, vectors, row_of),
                    strict=True,
                )
            )
            picks = [(u, rule, scores[u]) for u, rule in chosen]
        else:
            candidates = _strict_candidates(in_theme, min_words, max_words)
            if not candidates:
                reason = (
                    "never coded"
                    if not theme_ids
                    else f"no agreed participant turn of {min_words}–{max_words} words"
                )
                rows.append(_empty_exemplar(subtheme, category, reason))
                continue
            scores = _typicality(candidates, theme_ids, vectors, row_of)
            picks = _spread(
                candidates, scores, by_id, categories_of, category, people, waves, per_subtheme
            )
        for rank, (unit_id, rule, score) in enumerate(picks, start=1):
            unit = by_id.loc[unit_id]
            person, wave = int(unit["participant_id"]), int(unit["wave"])
            people.add(person)
            waves[wave] = waves.get(wave, 0) + 1
            mixed = categories_of.get(unit_id, frozenset()) - {category}
            rows.append(
                {
                    "subtheme": subtheme,
                    "category": category,
                    "rank": rank,
                    "unit_id": unit_id,
                    "participant_id": person,
                    "wave": wave,
                    "attribution": attribution(person, wave),
                    "quote": unit["text"],
                    "n_words": int(unit["n_words"]),
                    "rule": rule,
                    "score": score,
                    "reason": "also coded " + ", ".join(sorted(mixed)) if mixed else "",
                }
            )
    out = pd.DataFrame(rows, columns=EXEMPLAR_COLUMNS)
    for column in ("rank", "participant_id", "wave", "n_words"):
        out[column] = out[column].astype("Int64")
    out["score"] = out["score"].astype(float)
    return out


def _spread(
    candidates: list[str],
    scores: np.ndarray,
    by_id: pd.DataFrame,
    categories_of: pd.Series,
    category: str,
    people: set,
    waves: dict[int, int],
    wanted: int,
) -> list[tuple[str, str, float]]:
    """Pick up to ``wanted`` candidates one at a time (see :func:`choose_exemplars`)."""
    rounded = np.round(np.nan_to_num(scores, nan=-np.inf), _DECIMALS)
    info = [
        (
            i,
            int(by_id.at[u, "participant_id"]),
            int(by_id.at[u, "wave"]),
            bool(categories_of.get(u, frozenset()) - {category}),
        )
        for i, u in enumerate(candidates)
    ]
    picked: list[int] = []
    mine_people: set[int] = set()
    mine_waves: set[int] = set()
    while len(picked) < min(wanted, len(candidates)):
        best = min(
            (x for x in info if x[0] not in picked),
            key=lambda x: (
                x[3],  # also coded with another category
                x[1] in mine_people,
                x[1] in people,
                x[2] in mine_waves,
                waves.get(x[2], 0),
                -rounded[x[0]],
                x[0],
            ),
        )
        picked.append(best[0])
        mine_people.add(best[1])
        mine_waves.add(best[2])
    return [(candidates[i], "tfidf", float(scores[i])) for i in picked]


def _empty_exemplar(subtheme: str, category: str, reason: str = "") -> dict:
    return {
        "subtheme": subtheme,
        "category": category,
        "rank": pd.NA,
        "unit_id": "",
        "participant_id": pd.NA,
        "wave": pd.NA,
        "attribution": "",
        "quote": "",
        "n_words": pd.NA,
        "rule": "none",
        "score": np.nan,
        "reason": reason,
    }


def quote_bank(
    consensus: pd.DataFrame,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    codings: Mapping[str, pd.DataFrame],
    exemplars: pd.DataFrame,
) -> pd.DataFrame:
    """Every consensus unit per subtheme, for analysts choosing quotes (quote_bank.xlsx).

    One row per (subtheme, unit): ID_wave attribution, turn, speaker, word count, the
    consensus codes of the unit, each coder's codes and memos on it (``codings`` maps coder
    name → that coder's codings with ``unit_id``, ``code`` and optionally ``memo``), the
    consensus source, whether the unit also carries a code of another category, its rank if it
    is an exemplar, and the text. Sorted by codebook order of subtheme, then reading order.
    """
    ordered = _unit_order(units).reset_index(names="position").set_index("unit_id")
    coded = _coded(consensus, codebook)
    labels = codebook.drop_duplicates("subtheme").set_index("subtheme")
    subtheme_order = {s: i for i, s in enumerate(labels.index)}
    per_unit_codes = coded.groupby("unit_id")["code"].agg(lambda c: "; ".join(sorted(set(c))))
    categories = coded.groupby("unit_id")["category"].agg(frozenset)
    frame = (
        coded.groupby(["subtheme", "unit_id"], as_index=False).agg(
            category=("category", "first"), source=("source", _joined)
        )
        if "source" in coded
        else coded.groupby(["subtheme", "unit_id"], as_index=False)
        .agg(category=("category", "first"))
        .assign(source="")
    )
    unit = ordered.loc[frame["unit_id"]]
    frame["participant_id"] = unit["participant_id"].to_numpy()
    frame["wave"] = unit["wave"].to_numpy()
    frame["id_wave"] = [
        attribution(p, w) for p, w in zip(frame["participant_id"], frame["wave"], strict=True)
    ]
    frame["turn"] = unit["turn"].to_numpy()
    frame["speaker"] = unit["speaker"].to_numpy()
    frame["n_words"] = unit["n_words"].to_numpy()
    frame["consensus_codes"] = frame["unit_id"].map(per_unit_codes)
    frame["other_category"] = [
        ", ".join(sorted(categories[u] - {c}))
        for u, c in zip(frame["unit_id"], frame["category"], strict=True)
    ]
    for coder, rows in codings.items():
        rows = rows.assign(unit_id=rows["unit_id"].astype(str).str.strip())
        frame[f"{coder}_codes"] = (
            frame["unit_id"]
            .map(rows.groupby("unit_id")["code"].agg(lambda c: "; ".join(sorted(set(map(str, c))))))
            .fillna("")
        )
        memo = rows["memo"] if "memo" in rows else pd.Series("", index=rows.index)
        memo = memo.fillna("").astype(str).str.strip()
        frame[f"{coder}_memos"] = (
            frame["unit_id"]
            .map(
                rows.assign(memo=memo)[memo != ""]
                .groupby("unit_id")["memo"]
                .agg(lambda m: " | ".join(dict.fromkeys(m)))
            )
            .fillna("")
        )
    chosen = exemplars[exemplars["unit_id"].astype(str) != ""]
    rank = dict(
        zip(zip(chosen["subtheme"], chosen["unit_id"], strict=True), chosen["rank"], strict=True)
    )
    frame["exemplar_rank"] = [
        rank.get((s, u), pd.NA) for s, u in zip(frame["subtheme"], frame["unit_id"], strict=True)
    ]
    frame["exemplar_rank"] = frame["exemplar_rank"].astype("Int64")
    frame["text"] = unit["text"].to_numpy()
    frame["_s"] = frame["subtheme"].map(subtheme_order)
    frame["_p"] = frame["unit_id"].map(ordered["position"])
    frame = frame.sort_values(["_s", "_p"], kind="stable").reset_index(drop=True)
    columns = [
        "subtheme",
        "category",
        "unit_id",
        "id_wave",
        "participant_id",
        "wave",
        "turn",
        "speaker",
        "n_words",
        "consensus_codes",
        "source",
        "other_category",
        *[c for coder in codings for c in (f"{coder}_codes", f"{coder}_memos")],
        "exemplar_rank",
        "text",
    ]
    return frame[columns]


def _joined(values: pd.Series) -> str:
    return "; ".join(sorted(set(map(str, values))))


_XLSX_DATE = (1980, 1, 1, 0, 0, 0)


def quote_bank_xlsx(bank: pd.DataFrame) -> bytes:
    """The quote bank as an .xlsx: one sheet, bold frozen header, autofilter on every column,
    wrapped text, inert text cells; fixed timestamps so equal inputs give equal bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "quote_bank"
    widths = {"text": 80, "consensus_codes": 30, "subtheme": 22, "unit_id": 13}
    for col, name in enumerate(bank.columns, start=1):
        cell = sheet.cell(row=1, column=col, value=name)
        cell.font = Font(bold=True)
        width = widths.get(name, 40 if name.endswith(("_codes", "_memos")) else 11)
        sheet.column_dimensions[get_column_letter(col)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, record in enumerate(bank.itertuples(index=False), start=2):
        for col, value in enumerate(record, start=1):
            cell = sheet.cell(row=r, column=col)
            if isinstance(value, int | np.integer) and not isinstance(value, bool):
                cell.value = int(value)
            elif value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                cell.value = None
            else:
                set_text_cell(cell, value)
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(bank.columns), 1))}{len(bank) + 1}"
    fixed = dt.datetime(2000, 1, 1)
    book.properties.created = fixed
    book.properties.modified = fixed
    raw = io.BytesIO()
    book.save(raw)
    source = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2000-01-01T00:00:00Z\g<2>",
                    data,
                )
            member = zipfile.ZipInfo(info.filename, date_time=_XLSX_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(member, data)
    return target.getvalue()


def _strict_candidates(in_theme: pd.DataFrame, min_words: int, max_words: int) -> list[str]:
    """Agreed participant units of the theme within the word limits, in reading order.

    ``in_theme`` is sorted in reading order and carries the unit's speaker and n_words.
    """
    if "source" not in in_theme:
        return []
    keep = (
        (in_theme["source"] == "agreed")
        & (in_theme["unit_speaker"] == "participant")
        & in_theme["unit_n_words"].between(min_words, max_words)
    )
    return in_theme.loc[keep, "unit_id"].drop_duplicates().tolist()


def _tfidf_vectors(texts: list[str], ids: list[str]) -> tuple[sparse.csr_matrix, dict[str, int]]:
    """L2-normalised TF-IDF rows for ``texts`` (empty matrix when no word survives)."""
    row_of = {unit_id: i for i, unit_id in enumerate(ids)}
    if not texts:
        return sparse.csr_matrix((0, 0)), row_of
    try:
        matrix = TfidfVectorizer(**_TFIDF_SETTINGS).fit_transform(texts)
    except ValueError:  # empty vocabulary: only stop words or no words at all
        matrix = sparse.csr_matrix((len(texts), 1))
    return sparse.csr_matrix(matrix), row_of


def _typicality(
    candidates: list[str],
    theme_ids: list[str],
    vectors: sparse.csr_matrix,
    row_of: dict[str, int],
) -> np.ndarray:
    """Cosine of each candidate to the centroid of the theme's other units (NaN if undefined).

    The centroid of the others is proportional to S − v (S = the sum of the theme's vectors,
    v = the candidate's own when it is one of them), and a cosine ignores scale, so with
    ``d = v·S``: cos = (d − v·v) / (|v| · |S − v|), |S − v|² = S·S − 2d + v·v.
    """
    scores = np.full(len(candidates), np.nan)
    members = [row_of[u] for u in theme_ids if u in row_of]
    present = [i for i, u in enumerate(candidates) if u in row_of]
    if not members or not present or vectors.shape[1] == 0:
        return scores
    total = np.asarray(vectors[members].sum(axis=0)).ravel()
    own = vectors[[row_of[candidates[i]] for i in present]]
    dot = own @ total
    self_dot = np.asarray(own.multiply(own).sum(axis=1)).ravel()
    member_set = set(theme_ids)
    is_member = np.array([candidates[i] in member_set for i in present])
    numerator = np.where(is_member, dot - self_dot, dot)
    centroid_sq = np.where(is_member, total @ total - 2 * dot + self_dot, total @ total)
    norms = np.sqrt(np.clip(self_dot, 0, None) * np.clip(centroid_sq, 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        cosines = np.where(norms > 1e-12, numerator / norms, np.nan)
    scores[present] = cosines
    return scores


def _best(candidates: list[str], scores: np.ndarray) -> tuple[str, float]:
    """Highest score, ties (after rounding) and NaN to the earliest candidate."""
    rounded = np.round(np.nan_to_num(scores, nan=-np.inf), _DECIMALS)
    index = int(np.argmax(rounded))  # argmax returns the first of equal maxima
    return candidates[index], float(scores[index])


# --------------------------------------------------------------------------------------------
# Reading and the stage entry
# --------------------------------------------------------------------------------------------


def read_consensus(
    path: str | PathLike[str],
    codebook: pd.DataFrame,
    units: pd.DataFrame,
    interviews: pd.DataFrame,
) -> pd.DataFrame:
    """``results/consensus/codings.csv``, checked against the codebook, units and interviews.

    Each row must name a codebook code whose subtheme and category match the codebook (a
    mismatch means the consensus is stale), a unit of units.csv in the same transcript, and a
    transcript of a recorded interview (else frequencies could exceed their denominators).
    """
    path = Path(path)
    frame = read_table(path, CONSENSUS_COLUMNS)
    for column in ("participant_id", "wave", "turn"):
        frame[column] = _to_int(frame, column, path).astype("int64")
    hierarchy = codebook.set_index("code")
    transcript_of = units.set_index("unit_id")["transcript_id"]
    recorded = set(_recorded(interviews)["transcript_id"])
    known = frame["code"].isin(hierarchy.index)
    _raise_first(path, ~known, lambda r: f"code {r.code!r} is not in the codebook", frame)
    for level in ("subtheme", "category"):
        expected = frame["code"].map(hierarchy[level])
        _raise_first(
            path,
            frame[level] != expected,
            lambda r, lv=level: (
                f"code {r.code!r} has {lv} {getattr(r, lv)!r} but the codebook "
                f"says {hierarchy.at[r.code, lv]!r} (rerun the consensus stage)"
            ),
            frame,
        )
    owner = frame["unit_id"].map(transcript_of)
    _raise_first(path, owner.isna(), lambda r: f"unit {r.unit_id!r} is not in units.csv", frame)
    _raise_first(
        path,
        owner != frame["transcript_id"],
        lambda r: (
            f"unit {r.unit_id!r} belongs to transcript {transcript_of[r.unit_id]!r}, "
            f"not {r.transcript_id!r}"
        ),
        frame,
    )
    _raise_first(
        path,
        ~frame["transcript_id"].isin(recorded),
        lambda r: f"transcript {r.transcript_id!r} is not a recorded interview in interviews.csv",
        frame,
    )
    return frame


def _raise_first(path: Path, bad: pd.Series, problem, frame: pd.DataFrame) -> None:
    """Raise for the first row flagged in ``bad``; ``problem(row)`` words the message."""
    if bad.any():
        i = int(np.flatnonzero(bad.to_numpy())[0])
        row = next(frame.iloc[[i]].itertuples(index=False))
        raise InputError(path, problem(row), row=csv_row_number(i))


def _check_exemplars(codebook: pd.DataFrame, units: pd.DataFrame, codebook_yaml: Path) -> None:
    named = codebook.drop_duplicates("subtheme")
    known = set(units["unit_id"])
    for subtheme, exemplar in zip(named["subtheme"], named["exemplar"], strict=True):
        if exemplar and exemplar not in known:
            raise InputError(
                codebook_yaml,
                f"exemplar {exemplar!r} of subtheme {subtheme!r} is not a unit in units.csv",
                element=f"subtheme {subtheme}",
            )


def run_themes(
    consensus_csv: Path,
    units_csv: Path,
    interviews_csv: Path,
    codebook_yaml: Path,
    out_dir: Path,
    primacy_prompt: str | Mapping[str, str | None] | None,
    weights: Mapping[str, float],
    min_words: int,
    max_words: int,
    per_subtheme: int = 3,
    codings_csv: Mapping[str, Path] | None = None,
    quotes_csv: Path | None = None,
) -> None:
    """Stage entry: read and check the inputs, write the theme tables and the quote bank.

    Outputs (``out_dir``): see :data:`OUTPUT_FILES`, and ``quote_bank.xlsx`` (each coder's
    codes and memos from ``codings_csv``, coder name → codings CSV). ``quotes_csv``
    (``data/quotes.csv``, optional) pins quotes. Nothing is written unless all succeed.
    """
    codebook = load_codebook(codebook_yaml)
    units = read_units(units_csv)
    interviews = read_interviews(interviews_csv)
    consensus = read_consensus(consensus_csv, codebook, units, interviews)
    _check_exemplars(codebook, units, codebook_path(codebook_yaml))
    pins = read_pins(quotes_csv, units, codebook)
    codings = {
        coder: read_table(Path(path), ["unit_id", "code"])
        for coder, path in (codings_csv or {}).items()
    }
    normalise_weights(weights)
    prompts = category_prompts(primacy_prompt, list(dict.fromkeys(codebook["category"])))

    frequency = frequency_by_wave(consensus, units, interviews, codebook)
    matrix = participant_theme_matrix(consensus, interviews, codebook)
    by_transcript, summary = primacy(consensus, units, codebook, primacy_prompt)
    tables = {
        "frequency": frequency,
        "matrix": matrix,
        "primacy_by_transcript": by_transcript,
        "primacy": summary,
        "importance": theme_importance(frequency, summary, codebook, weights),
        "cooccurrence": cooccurrence(consensus, codebook),
        "exemplars": choose_exemplars(
            consensus, units, codebook, min_words, max_words, per_subtheme, pins
        ),
        "primacy_prompts": primacy_prompts(units, prompts),
        "trajectories": trajectories(consensus, interviews, codebook),
    }
    out_dir = Path(out_dir)
    with OutputSet() as out:
        for key, name in OUTPUT_FILES.items():
            out.csv(out_dir / name, tables[key])
        bank = quote_bank(consensus, units, codebook, codings, tables["exemplars"])
        out.path(out_dir / QUOTE_BANK).write_bytes(quote_bank_xlsx(bank))
    _log_summary(units, summary, tables["exemplars"], prompts)


def _log_summary(
    units: pd.DataFrame,
    summary: pd.DataFrame,
    exemplars: pd.DataFrame,
    prompts: Mapping[str, str | None],
) -> None:
    n_transcripts = units["transcript_id"].nunique()
    found = summary.drop_duplicates("category").set_index("category")["prompt_found"]
    for category, prompt in prompts.items():
        if prompt is None:
            log.info("themes: no primacy prompt for %s; no primacy ranks", category)
            continue
        n = int(found.get(category, 0)) if pd.notna(found.get(category)) else 0
        log.info(
            "themes: %s primacy prompt found in %d of %d transcripts", category, n, n_transcripts
        )
        if prompt and n < n_transcripts:
            log.warning(
                "themes: %d transcript(s) never asked the %s primacy prompt; left out of its "
                "primacy ranks",
                n_transcripts - n,
                category,
            )
    none = exemplars.loc[exemplars["rule"] == "none", "subtheme"].tolist()
    if none:
        log.warning("themes: no exemplar quote for %s (see reason)", ", ".join(none))
