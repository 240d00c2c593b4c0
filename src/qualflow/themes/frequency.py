"""Theme frequency by interview wave: turns, transcripts and participants with each subtheme (Braun
& Clarke 2006).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qualflow.codebook.read import LEVELS
from qualflow.contracts import FREQUENCY_COLUMNS, MATRIX_COLUMNS
from qualflow.errors import InputError, csv_row_number
from qualflow.study import recorded_transcripts

ALL_WAVES = "all"


def subtheme_table(codebook: pd.DataFrame) -> pd.DataFrame:
    """Subthemes in codebook order with their category (one row each)."""
    return codebook[["subtheme", "category"]].drop_duplicates("subtheme").reset_index(drop=True)


def theme_table(codebook: pd.DataFrame, level: str) -> pd.DataFrame:
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


def coded_rows(consensus: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
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


def recorded_interviews(interviews: pd.DataFrame) -> pd.DataFrame:
    """Recorded interviews: participant_id, wave (ints) and transcript_id."""
    out = recorded_transcripts(interviews)[["participant_id", "wave", "transcript_id"]]
    return out.astype({"participant_id": "int64", "wave": "int64"})


def unit_order(units: pd.DataFrame) -> pd.DataFrame:
    """Units with int ids, sorted in reading order (participant, wave, turn)."""
    out = units.copy()
    for column in ("participant_id", "wave", "turn", "n_words"):
        out[column] = out[column].astype("int64")
    out["text"] = out["text"].fillna("").astype(str)
    return out.sort_values(["participant_id", "wave", "turn"], kind="stable").reset_index(drop=True)


def _wave_sort_key(wave: object) -> tuple[int, int]:
    return (1, 0) if wave == ALL_WAVES else (0, int(wave))


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
    coded = coded_rows(consensus, codebook)
    words = unit_order(units).set_index("unit_id")["n_words"]
    missing = coded.loc[~coded["unit_id"].isin(words.index), "unit_id"]
    if not missing.empty:
        raise InputError(None, f"consensus unit {missing.iloc[0]!r} is not in units.csv")
    coded["n_words"] = coded["unit_id"].map(words).astype("int64")
    recorded = recorded_interviews(interviews)
    waves = sorted(
        set(interviews["wave"].astype("int64")) | set(recorded["wave"]) | set(coded["wave"])
    )
    denominators = {
        w: recorded.loc[recorded["wave"] == w, "participant_id"].nunique() for w in waves
    }
    denominators[ALL_WAVES] = recorded["participant_id"].nunique()

    parts = []
    for level in LEVELS:
        themes = theme_table(codebook, level)
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
        for i, theme in enumerate(theme_table(codebook, level)["theme"]):
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
    coded = coded_rows(consensus, codebook)
    counts = (
        coded.drop_duplicates(["unit_id", "subtheme"])
        .groupby(["participant_id", "wave", "subtheme"])["unit_id"]
        .nunique()
        .rename("n_units")
        .reset_index()
    )
    subthemes = subtheme_table(codebook).reset_index(names="order")
    grid = recorded_interviews(interviews)[["participant_id", "wave"]].merge(subthemes, how="cross")
    out = grid.merge(counts, on=["participant_id", "wave", "subtheme"], how="left")
    out["n_units"] = out["n_units"].fillna(0).astype("int64")
    out = out.sort_values(["participant_id", "wave", "order"], kind="stable")
    return out[MATRIX_COLUMNS].reset_index(drop=True)
