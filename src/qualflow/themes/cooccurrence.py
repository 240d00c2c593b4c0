"""Co-occurrence of subthemes on the same turns and transcripts (counts and Jaccard index)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from qualflow.contracts import COOCCURRENCE_COLUMNS
from qualflow.themes.frequency import coded_rows, subtheme_table


def cooccurrence(consensus: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Which subthemes are coded together, in the same unit and in the same transcript.

    Every unordered pair of codebook subthemes appears once with ``subtheme_a ≤ subtheme_b``
    (by name), zeros included; the diagonal (a = b) holds the subtheme's own number of units
    and transcripts. ``jaccard_units`` = |U_a ∩ U_b| / |U_a ∪ U_b| over the sets of units
    coded with each (Jaccard 1901); 1 on the diagonal of a raised subtheme, empty when
    neither was ever coded (0/0).
    """
    coded = coded_rows(consensus, codebook)
    names = sorted(subtheme_table(codebook)["subtheme"])
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
