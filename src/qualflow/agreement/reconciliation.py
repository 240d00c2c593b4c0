"""How reconciliation changed the codings: each coder against the consensus, and the decisions it
took.
"""

from __future__ import annotations

from collections.abc import Sequence
from os import PathLike

import numpy as np
import pandas as pd

from qualflow.agreement.counts import coder_name, locate_codings, prepare_units
from qualflow.agreement.statistics import (
    cohen_kappa,
    pooled_kappa,
    pooled_positive_agreement,
    positive_agreement,
)
from qualflow.contracts import RECONCILIATION_COLUMNS


def _keys(applied: tuple[np.ndarray, np.ndarray], n_codes: int) -> np.ndarray:
    unit, code = (np.asarray(x, dtype=np.int64) for x in applied)
    return np.unique(unit * n_codes + code)


def _pair_counts(keys_a: np.ndarray, keys_b: np.ndarray, n_units: int, n_codes: int) -> np.ndarray:
    """(C, 4) counts of two sets of unit·C + code keys over ``n_units`` units."""
    both = np.intersect1d(keys_a, keys_b, assume_unique=True)
    a_only = np.setdiff1d(keys_a, keys_b, assume_unique=True)
    b_only = np.setdiff1d(keys_b, keys_a, assume_unique=True)
    tally = [np.bincount(k % n_codes, minlength=n_codes) for k in (both, a_only, b_only)]
    neither = n_units - tally[0] - tally[1] - tally[2]
    return np.stack([*tally, neither], axis=-1).astype(np.int64)


def reconciliation_summary(
    codings_a: pd.DataFrame,
    codings_b: pd.DataFrame,
    consensus: pd.DataFrame,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    speakers: Sequence[str] = ("participant",),
    *,
    sources: tuple[str | PathLike[str] | None, ...] = (
        "codings_a",
        "codings_b",
        "consensus",
        "units",
    ),
) -> pd.DataFrame:
    """results/reconciliation/summary.csv: what reconciliation did to each coder's work.

    Over the units of analysis of :func:`agreement_report` (turns of ``speakers`` in
    transcripts both coders coded), rows ``section, who, statistic, n_units, value``:

    - ``coder_vs_consensus``: each coder against the consensus — pooled kappa (de Vries et al.
      2008) and positive agreement over all unit × code decisions, ``codings`` (the coder's) and
      ``upheld`` (of them, in the consensus).
    - ``solo_codings``: codings only that coder made (``solo``), how many the consensus kept
      (``solo_upheld``) and the share (``solo_upheld_share``).
    - ``split`` (coder A vs coder B): ``code_turn_kappa`` / ``code_turn_ppos`` — whether to
      code the turn at all (any code); ``which_code_kappa`` / ``which_code_ppos`` — which
      code, over the turns both coded (pooled over codes); ``which_code_exact`` — the share of
      those turns given exactly the same codes.
    """
    source_a, source_b, source_consensus, source_units = sources
    units = prepare_units(units, source_units)
    codes = pd.Index(codebook["code"].astype(str))
    n_codes = len(codes)
    names = (coder_name(codings_a, "coder_a"), coder_name(codings_b, "coder_b"))
    located = [
        locate_codings(frame, units, codes, source)
        for frame, source in (
            (codings_a, source_a),
            (codings_b, source_b),
            (consensus, source_consensus),
        )
    ]
    transcript = units["transcript_id"].to_numpy()
    double = set(transcript[located[0][0]]) & set(transcript[located[1][0]])
    in_scope = (
        units["speaker"].isin(list(speakers)) & units["transcript_id"].isin(double)
    ).to_numpy()
    n_units = int(in_scope.sum())

    def scoped(applied: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        keep = in_scope[applied[0]]
        return applied[0][keep], applied[1][keep]

    key_a, key_b, key_c = (_keys(scoped(x), n_codes) for x in located)
    rows = []

    def add(section: str, who: str, statistic: str, n: int, value: float) -> None:
        rows.append(
            {"section": section, "who": who, "statistic": statistic, "n_units": n, "value": value}
        )

    for name, key in zip(names, (key_a, key_b), strict=True):
        counts = _pair_counts(key, key_c, n_units, n_codes)
        add("coder_vs_consensus", name, "pooled_kappa", n_units, float(pooled_kappa(counts)))
        add(
            "coder_vs_consensus",
            name,
            "positive_agreement",
            n_units,
            float(pooled_positive_agreement(counts)),
        )
        add("coder_vs_consensus", name, "codings", n_units, float(len(key)))
        add("coder_vs_consensus", name, "upheld", n_units, float(np.isin(key, key_c).sum()))
    for name, mine, other in ((names[0], key_a, key_b), (names[1], key_b, key_a)):
        solo = np.setdiff1d(mine, other, assume_unique=True)
        kept = int(np.isin(solo, key_c).sum())
        add("solo_codings", name, "solo", n_units, float(len(solo)))
        add("solo_codings", name, "solo_upheld", n_units, float(kept))
        add(
            "solo_codings",
            name,
            "solo_upheld_share",
            n_units,
            kept / len(solo) if len(solo) else np.nan,
        )
    who = f"{names[0]} vs {names[1]}"
    turn_a, turn_b = np.unique(key_a // max(n_codes, 1)), np.unique(key_b // max(n_codes, 1))
    any_counts = _pair_counts(turn_a, turn_b, n_units, 1)
    add("split", who, "code_turn_kappa", n_units, float(cohen_kappa(any_counts)[0]))
    add("split", who, "code_turn_ppos", n_units, float(positive_agreement(any_counts)[0]))
    both_turns = np.intersect1d(turn_a, turn_b, assume_unique=True)
    n_both = len(both_turns)
    sub_a = key_a[np.isin(key_a // max(n_codes, 1), both_turns)]
    sub_b = key_b[np.isin(key_b // max(n_codes, 1), both_turns)]
    which = _pair_counts(sub_a, sub_b, n_both, n_codes)
    add("split", who, "which_code_kappa", n_both, float(pooled_kappa(which)) if n_both else np.nan)
    add("split", who, "which_code_ppos", n_both, float(pooled_positive_agreement(which)))
    differ = np.unique(np.setxor1d(sub_a, sub_b) // max(n_codes, 1))
    add(
        "split",
        who,
        "which_code_exact",
        n_both,
        (n_both - len(differ)) / n_both if n_both else np.nan,
    )
    return pd.DataFrame(rows, columns=RECONCILIATION_COLUMNS)
