"""Primacy: how early in the interview a theme comes up, relative to the prompt that opens its
category, and importance = frequency and primacy combined.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from qualflow.contracts import (
    IMPORTANCE_COLUMNS,
    PRIMACY_BY_TRANSCRIPT_COLUMNS,
    PRIMACY_COLUMNS,
    PRIMACY_PROMPT_COLUMNS,
)
from qualflow.errors import InputError
from qualflow.themes.frequency import ALL_WAVES, coded_rows, subtheme_table, unit_order

WEIGHT_KEYS = ("frequency", "primacy")

SCORE_DECIMALS = 12  # scores are compared after rounding, so float noise never breaks a tie


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
    ordered = unit_order(units)
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
    ordered = unit_order(units)
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
    subs = subtheme_table(codebook)
    categories = list(dict.fromkeys(subs["category"]))
    prompts = category_prompts(prompt, categories)
    coded = coded_rows(consensus, codebook)
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
    out = subtheme_table(codebook).merge(stats, on="subtheme", how="left")
    out["n_transcripts"] = out["n_transcripts"].fillna(0).astype("int64")
    out["n_first"] = out["subtheme"].map(n_first).fillna(0).astype("int64")
    out["mean_rank"] = out["mean_rank"].astype(float)
    out["median_rank"] = out["median_rank"].astype(float)
    out["prompt_found"] = out["category"].map(prompt_found).astype("Int64")
    return out[PRIMACY_COLUMNS]


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
    subthemes = subtheme_table(codebook).reset_index(names="order")
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
        .round(SCORE_DECIMALS)
        .groupby(out["category"])
        .rank(method="min", ascending=False)
        .astype("int64")
    )
    category_order = {c: i for i, c in enumerate(codebook["category"].drop_duplicates())}
    out["category_order"] = out["category"].map(category_order)
    out = out.sort_values(["category_order", "rank_in_category", "order"], kind="stable")
    return out[IMPORTANCE_COLUMNS].reset_index(drop=True)
