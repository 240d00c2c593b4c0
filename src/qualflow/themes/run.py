"""The themes stage: read the consensus codings and write every theme table the rule names."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from os import PathLike
from pathlib import Path

import pandas as pd

from qualflow.codebook.read import codebook_path, load_codebook
from qualflow.contracts import CONSENSUS_COLUMNS, read_units
from qualflow.errors import InputError, file_rows, raise_first
from qualflow.io import OutputSet, read_table
from qualflow.stage import output_paths
from qualflow.study import read_interviews, to_int
from qualflow.themes.cooccurrence import cooccurrence
from qualflow.themes.exemplars import choose_exemplars, quote_bank, quote_bank_xlsx, read_pins
from qualflow.themes.frequency import (
    frequency_by_wave,
    participant_theme_matrix,
    recorded_interviews,
)
from qualflow.themes.primacy import (
    category_prompts,
    normalise_weights,
    primacy,
    primacy_prompts,
    theme_importance,
)
from qualflow.themes.trajectories import trajectories

log = logging.getLogger(__name__)


#: The theme tables, by the names the rule gives their outputs (CSV files).
THEME_TABLES = (
    "frequency",
    "matrix",
    "primacy_by_transcript",
    "primacy",
    "importance",
    "cooccurrence",
    "exemplars",
    "primacy_prompts",
    "trajectories",
)
#: Every output of the themes stage. The quote bank is its own stage (:func:`run_quote_bank`):
#: it shows each coder's codes, so the theme tables depend on the consensus alone and an edit
#: the consensus absorbs leaves them byte-identical (early cutoff, :mod:`qualflow.replay`).
THEME_OUTPUTS = THEME_TABLES


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
        frame[column] = to_int(frame, column, path).astype("int64")
    hierarchy = codebook.set_index("code")
    transcript_of = units.set_index("unit_id")["transcript_id"]
    recorded = set(recorded_interviews(interviews)["transcript_id"])
    known = frame["code"].isin(hierarchy.index)
    raise_first(
        path,
        ~known,
        lambda i: f"code {frame.code.iloc[i]!r} is not in the codebook",
        file_rows(frame),
    )
    for level in ("subtheme", "category"):
        expected = frame["code"].map(hierarchy[level])
        raise_first(
            path,
            frame[level] != expected,
            lambda i, lv=level: (
                f"code {frame.code.iloc[i]!r} has {lv} {frame[lv].iloc[i]!r} but the codebook "
                f"says {hierarchy.at[frame.code.iloc[i], lv]!r} (rerun the consensus stage)"
            ),
            file_rows(frame),
        )
    owner = frame["unit_id"].map(transcript_of)
    raise_first(
        path,
        owner.isna(),
        lambda i: f"unit {frame.unit_id.iloc[i]!r} is not in units.csv",
        file_rows(frame),
    )
    raise_first(
        path,
        owner != frame["transcript_id"],
        lambda i: (
            f"unit {frame.unit_id.iloc[i]!r} belongs to transcript "
            f"{transcript_of[frame.unit_id.iloc[i]]!r}, "
            f"not {frame.transcript_id.iloc[i]!r}"
        ),
        file_rows(frame),
    )
    raise_first(
        path,
        ~frame["transcript_id"].isin(recorded),
        lambda i: (
            f"transcript {frame.transcript_id.iloc[i]!r} is not a recorded interview "
            "in interviews.csv"
        ),
        file_rows(frame),
    )
    return frame


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
    outputs: Mapping[str, Path],
    primacy_prompt: str | Mapping[str, str | None] | None,
    weights: Mapping[str, float],
    min_words: int,
    max_words: int,
    per_subtheme: int = 3,
    quotes_csv: Path | None = None,
) -> None:
    """Stage entry: read and check the inputs, write the theme tables.

    ``outputs`` names a path for each of :data:`THEME_OUTPUTS`. ``quotes_csv``
    (``data/quotes.csv``, optional) pins quotes. Nothing is written unless all succeed.
    """
    paths = output_paths(outputs, THEME_OUTPUTS)
    codebook = load_codebook(codebook_yaml)
    units = read_units(units_csv)
    interviews = read_interviews(interviews_csv)
    consensus = read_consensus(consensus_csv, codebook, units, interviews)
    _check_exemplars(codebook, units, codebook_path(codebook_yaml))
    pins = read_pins(quotes_csv, units, codebook)
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
    with OutputSet() as out:
        for key in THEME_TABLES:
            out.csv(paths[key], tables[key])
    _log_summary(units, summary, tables["exemplars"], prompts)


def run_quote_bank(
    consensus_csv: Path,
    units_csv: Path,
    interviews_csv: Path,
    codebook_yaml: Path,
    exemplars_csv: Path,
    codings_csv: Mapping[str, Path],
    output: Path,
) -> None:
    """Stage entry: write the quote bank workbook (:func:`quote_bank`): every consensus unit per
    subtheme with each coder's codes and memos (``codings_csv``: coder name → codings CSV) and
    its rank among the exemplars the themes stage chose (``exemplars_csv``)."""
    codebook = load_codebook(codebook_yaml)
    units = read_units(units_csv)
    consensus = read_consensus(consensus_csv, codebook, units, read_interviews(interviews_csv))
    codings = {
        coder: read_table(Path(path), ["unit_id", "code"]) for coder, path in codings_csv.items()
    }
    exemplars = read_table(Path(exemplars_csv), ["subtheme", "unit_id", "rank"])
    chosen = exemplars["unit_id"] != ""
    exemplars = exemplars[chosen].assign(rank=exemplars.loc[chosen, "rank"].astype(int))
    bank = quote_bank(consensus, units, codebook, codings, exemplars)
    with OutputSet() as out:
        out.path(Path(output)).write_bytes(quote_bank_xlsx(bank))


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
