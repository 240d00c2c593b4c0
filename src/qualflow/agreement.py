"""Intercoder agreement between two coders: per code, pooled, with cluster-bootstrap intervals.

For every code, each unit of analysis gives one 2×2 observation: did coder A apply the code
(yes/no) × did coder B. Over n units the four cells are counted in this order::

    both (a)    a_only (b)    b_only (c)    neither (d)        n = a + b + c + d

Every statistic below is a vectorised function of such counts held in an array whose last axis
has these four cells, so one call covers all codes — and all bootstrap replicates — at once:
``(C, 4)`` for C codes, ``(R, C, 4)`` for R replicates.

Units of analysis are the turns of the chosen ``speakers`` (participants by default) in the
transcripts both coders coded, or — at the transcript level — the transcripts themselves (did each
coder apply the code anywhere in the transcript's in-scope turns). Confidence intervals come from
a cluster bootstrap that resamples whole transcripts, because turns of one interview are not
independent (Field & Welsh 2007; Davison & Hinkley 1997, §3.8): a replicate is a with-replacement
draw of transcripts, i.e. a weight vector over them, so all replicates' counts are one matrix
product ``W (R×T) @ counts (T×C·4)``.

The summary reports, overall and per subtheme, category and wave, pooled kappa (de Vries et al.
2008), the mean and median of the defined per-code kappas, and the kappa of all code × unit
decisions stacked in one table. Overall, subtheme and category intervals share the per-code
draws; a wave's interval resamples that wave's own transcripts (its size is fixed by design).
Percentile intervals leave out replicates in which a statistic is undefined and say how many.

Undefined statistics are NaN and the reason is written in ``note`` — never a crash, never a silent
1.0: for a code nobody used (or everybody used everywhere) kappa is 0/0, and percent agreement,
PABAK, AC1, ppos and pneg, which would read as perfect, are left NaN too. When only one coder is
constant, p_o = p_e and kappa is 0 (with SE 0), as statsmodels and sklearn give, with a note.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from .codebook import load_codebook
from .codings import strip_text
from .contracts import file_rows
from .errors import InputError
from .io import OutputSet
from .study import read_table

logger = logging.getLogger(__name__)

BOTH, A_ONLY, B_ONLY, NEITHER = 0, 1, 2, 3
CELLS = ("both", "a_only", "b_only", "neither")

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
SUMMARY_STATISTICS = (
    "pooled_kappa",
    "mean_kappa",
    "median_kappa",
    "concatenated_kappa",
    "positive_agreement",
)
CLUSTERS = ("participant", "transcript")
# Below this many clusters, cluster-robust and cluster-bootstrap intervals tend to be too narrow
# (Cameron & Miller 2015, §VI; Field & Welsh 2007).
FEW_CLUSTERS = 30
# The only columns of units.csv and of a coder's codings (qualflow.contracts.UNIT_COLUMNS,
# CODING_COLUMNS) agreement reads; tables and frames with just these are accepted.
REQUIRED_UNIT_COLUMNS = ["unit_id", "transcript_id", "participant_id", "wave", "speaker"]
REQUIRED_CODING_COLUMNS = ["unit_id", "transcript_id", "code"]
OUTPUT_FILES = {
    "by_code": "agreement_by_code.csv",
    "by_code_transcript": "agreement_by_code_transcript.csv",
    "summary": "agreement_summary.csv",
    "double_coded": "double_coded.csv",
}
# Landis & Koch (1977): upper bound of each band (kappa <= bound; poor is kappa < 0).
LANDIS_KOCH = (
    (0.0, "poor"),
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
    (np.inf, "almost perfect"),
)


# --------------------------------------------------------------------------------------------
# Statistics on (..., 4) count arrays
# --------------------------------------------------------------------------------------------


def _cells(counts: np.ndarray) -> tuple[np.ndarray, ...]:
    """Split counts (..., 4) into float arrays a, b, c, d and n."""
    counts = np.asarray(counts, dtype=float)
    if counts.shape[-1:] != (4,):
        raise ValueError(f"counts must have a last axis of 4 cells, not shape {counts.shape}")
    a, b, c, d = (counts[..., i] for i in range(4))
    return a, b, c, d, a + b + c + d


def _divide(num: np.ndarray, den: np.ndarray, defined: np.ndarray | None = None) -> np.ndarray:
    """num / den, NaN where den is 0 or ``defined`` is False; no RuntimeWarning."""
    num, den = np.broadcast_arrays(np.asarray(num, float), np.asarray(den, float))
    ok = den != 0
    if defined is not None:
        ok = ok & defined
    out = np.full(num.shape, np.nan)
    np.divide(num, den, out=out, where=ok)
    return out


def degenerate_margins(counts: np.ndarray) -> np.ndarray:
    """True where either coder applied the code to every unit or to none (or there are no units).

    With a constant coder, p_e equals p_o whatever the other coder does: kappa is 0 when the
    other coder varies (or disagrees throughout) and 0/0 when both are constant on the same side
    (see :func:`no_variation`).
    """
    a, b, c, d, n = _cells(counts)
    return (n == 0) | (a + b == 0) | (c + d == 0) | (a + c == 0) | (b + d == 0)


def no_variation(counts: np.ndarray) -> np.ndarray:
    """True where there is nothing to agree on: no units, or both coders gave every unit the
    same answer (a code nobody used, or one both applied to every unit).

    Kappa is then 0/0, and percent agreement, PABAK, AC1, ppos and pneg — which would read as
    perfect agreement — are uninformative; :func:`kappa_table` leaves them NaN.
    """
    a, _, _, d, n = _cells(counts)
    return (n == 0) | (a == n) | (d == n)


def percent_agreement(counts: np.ndarray) -> np.ndarray:
    """Observed proportion of agreement p_o = (a + d) / n, a proportion in [0, 1]."""
    a, _, _, d, n = _cells(counts)
    return _divide(a + d, n)


def chance_agreement(counts: np.ndarray) -> np.ndarray:
    """Cohen's (1960) chance agreement p_e = p_A·p_B + (1 − p_A)(1 − p_B) from the margins."""
    a, b, c, d, n = _cells(counts)
    return _divide((a + b) * (a + c) + (c + d) * (b + d), n * n)


def cohen_kappa(counts: np.ndarray) -> np.ndarray:
    """Cohen's (1960) kappa, (p_o − p_e) / (1 − p_e), vectorised over all leading axes.

    Computed as 2(ad − bc) / ((a + b)(b + d) + (a + c)(c + d)), the same quantity without the
    cancellation in 1 − p_e. When one coder is constant and the other is not, p_o = p_e and kappa
    is 0, as statsmodels and sklearn give; NaN only where it is 0/0 (:func:`no_variation`).
    """
    a, b, c, d, _ = _cells(counts)
    den = (a + b) * (b + d) + (a + c) * (c + d)
    return _divide(2.0 * (a * d - b * c), den)


def kappa_standard_error(counts: np.ndarray) -> np.ndarray:
    """Large-sample standard error of kappa (Fleiss, Cohen & Everitt 1969), not assuming κ = 0.

    Var(κ) = [Σ_i p_ii (1 − (p_i. + p_.i)(1 − κ))² + (1 − κ)² Σ_{i≠j} p_ij (p_.i + p_j.)²
    − (κ − p_e(1 − κ))²] / ((1 − p_e)² n); the value statsmodels' ``cohens_kappa().std_kappa``
    gives. Rows are coder A, columns coder B. NaN where kappa is undefined.
    """
    a, b, c, d, n = _cells(counts)
    kappa = cohen_kappa(counts)
    p_e = chance_agreement(counts)
    with np.errstate(divide="ignore", invalid="ignore"):
        p11, p12, p21, p22 = a / n, b / n, c / n, d / n
        row1, col1 = p11 + p12, p11 + p21  # coder A's and coder B's "applied" rates
        row2, col2 = 1 - row1, 1 - col1
        slack = 1 - kappa
        term_a = p11 * (1 - (row1 + col1) * slack) ** 2 + p22 * (1 - (row2 + col2) * slack) ** 2
        term_b = slack**2 * (p12 * (col1 + row2) ** 2 + p21 * (col2 + row1) ** 2)
        term_c = (kappa - p_e * slack) ** 2
        variance = (term_a + term_b - term_c) / ((1 - p_e) ** 2 * n)
    # Rounding can leave -1e-17 at perfect agreement; the variance is then 0. With a constant
    # coder every table with these margins has kappa 0, so the delta-method variance is exactly
    # 0 (statsmodels returns rounding noise of ~1e-8 there).
    variance = np.where(np.isnan(kappa), np.nan, np.maximum(variance, 0.0))
    variance = np.where(degenerate_margins(counts) & ~np.isnan(kappa), 0.0, variance)
    return np.sqrt(variance)


def pabak(counts: np.ndarray) -> np.ndarray:
    """Prevalence- and bias-adjusted kappa, 2·p_o − 1 (Byrt, Bishop & Carlin 1993)."""
    return 2.0 * percent_agreement(counts) - 1.0


def gwet_ac1(counts: np.ndarray) -> np.ndarray:
    """Gwet's (2008) AC1 for two coders and two categories.

    π = (p_A + p_B) / 2 is the mean rate of "applied"; chance agreement is
    p_e = 2π(1 − π) (Gwet 2008, with q = 2 categories), AC1 = (p_o − p_e) / (1 − p_e). p_e ≤ 0.5, so
    AC1 is defined whenever there is a unit; it is 1 for a code neither coder used.
    """
    a, b, c, _, n = _cells(counts)
    pi = _divide(2 * a + b + c, 2 * n)
    p_e = 2 * pi * (1 - pi)
    return _divide(percent_agreement(counts) - p_e, 1 - p_e)


def krippendorff_alpha(counts: np.ndarray) -> np.ndarray:
    """Krippendorff's alpha, nominal, two coders, no missing values (Krippendorff 2011, §A).

    The coincidence matrix has o_11 = 2a, o_00 = 2d and o_01 = o_10 = b + c, with n_1 = 2a + b + c
    and n_0 = 2d + b + c pairable values out of 2n, so α = 1 − (2n − 1)(b + c) / (n_0 · n_1).
    NaN when every value is the same (n_0 · n_1 = 0): there is no variation to agree on.
    """
    a, b, c, d, n = _cells(counts)
    n1, n0 = 2 * a + b + c, 2 * d + b + c
    return 1.0 - _divide((2 * n - 1) * (b + c), n0 * n1)


def positive_agreement(counts: np.ndarray) -> np.ndarray:
    """Proportion of specific positive agreement 2a / (2a + b + c) (Cicchetti & Feinstein 1990)."""
    a, b, c, _, _ = _cells(counts)
    return _divide(2 * a, 2 * a + b + c)


def negative_agreement(counts: np.ndarray) -> np.ndarray:
    """Proportion of specific negative agreement 2d / (2d + b + c) (Cicchetti & Feinstein 1990)."""
    _, b, c, d, _ = _cells(counts)
    return _divide(2 * d, 2 * d + b + c)


def prevalence_index(counts: np.ndarray) -> np.ndarray:
    """Prevalence index (a − d) / n (Byrt, Bishop & Carlin 1993), signed.

    Byrt et al. report the absolute value |a − d| / n; the sign is kept here because it says
    which way the imbalance goes (positive: the code applies to most units). Take ``abs`` for
    their form.
    """
    a, _, _, d, n = _cells(counts)
    return _divide(a - d, n)


def bias_index(counts: np.ndarray) -> np.ndarray:
    """Bias index (b − c) / n (Byrt, Bishop & Carlin 1993), signed.

    Byrt et al. report |b − c| / n; here the sign is kept: positive means coder A applied the
    code more often than coder B. Take ``abs`` for their form.
    """
    _, b, c, _, n = _cells(counts)
    return _divide(b - c, n)


def landis_koch_band(kappa: np.ndarray) -> np.ndarray:
    """Landis & Koch (1977) label for each kappa: poor (< 0), slight (≤ .20), fair (≤ .40),
    moderate (≤ .60), substantial (≤ .80), almost perfect; empty where kappa is NaN."""
    kappa = np.asarray(kappa, dtype=float)
    bounds = np.array([bound for bound, _ in LANDIS_KOCH])
    labels = np.array([label for _, label in LANDIS_KOCH] + [""], dtype=object)
    # kappa < 0 is poor; otherwise the first band above poor whose upper bound is >= kappa.
    above = 1 + np.searchsorted(bounds[1:], np.nan_to_num(kappa), side="left")
    index = np.where(kappa < 0, 0, above)
    index = np.where(np.isnan(kappa), len(LANDIS_KOCH), index)
    return labels[index]


def pooled_kappa(counts: np.ndarray) -> np.ndarray:
    """Pooled kappa over codes (de Vries, Elliott, Kanouse & Teleki 2008).

    κ_pooled = (mean p_o − mean p_e) / (1 − mean p_e), the means taken over the codes on the
    second-to-last axis: counts (..., C, 4) → (...). Codes neither coder used add 1 to both means
    and so leave it unchanged. NaN without units, codes, or any chance disagreement.
    """
    a, b, c, d, n = _cells(counts)
    if a.shape[-1] == 0:
        return np.full(a.shape[:-1], np.nan)
    n2 = n * n
    excess = _divide(2.0 * (a * d - b * c), n2).mean(axis=-1)  # mean of p_o − p_e
    room = _divide((a + b) * (b + d) + (a + c) * (c + d), n2).mean(axis=-1)  # mean of 1 − p_e
    return _divide(excess, room, ~np.isnan(room))


def concatenated_kappa(counts: np.ndarray) -> np.ndarray:
    """Kappa of all code × unit decisions stacked into one 2×2 table: (..., C, 4) → (...)."""
    return cohen_kappa(np.asarray(counts, dtype=float).sum(axis=-2))


def nan_quantile(values: np.ndarray, q: float, axis: int = 0) -> np.ndarray:
    """Quantile (numpy's default 'linear' rule) ignoring NaN, vectorised, without warnings.

    ``np.nanpercentile`` loops in Python over the other axes; this sorts once (NaN last) and
    interpolates between the order statistics of each slice's finite values. NaN where a slice
    has no finite value.
    """
    values = np.moveaxis(np.asarray(values, dtype=float), axis, 0)
    if values.shape[0] == 0:
        return np.full(values.shape[1:], np.nan)
    ordered = np.sort(values, axis=0)
    n_valid = np.sum(~np.isnan(values), axis=0)
    position = q * np.maximum(n_valid - 1, 0)
    low = np.floor(position).astype(np.int64)
    high = np.minimum(low + 1, np.maximum(n_valid - 1, 0))
    frac = position - low
    lo_val = np.take_along_axis(ordered, low[None, ...], axis=0)[0]
    hi_val = np.take_along_axis(ordered, high[None, ...], axis=0)[0]
    with np.errstate(invalid="ignore"):
        out = lo_val + (hi_val - lo_val) * frac
    return np.where(n_valid > 0, out, np.nan)


def _nan_mean(values: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """Mean over finite values along ``axis`` and how many there were; NaN for none."""
    finite = np.isfinite(values)
    total = np.where(finite, values, 0.0).sum(axis=axis)
    count = finite.sum(axis=axis)
    return _divide(total, count), count


def mean_kappa(counts: np.ndarray) -> np.ndarray:
    """Mean of the per-code kappas that are defined: (..., C, 4) → (...)."""
    return _nan_mean(cohen_kappa(counts), axis=-1)[0]


def median_kappa(counts: np.ndarray) -> np.ndarray:
    """Median of the per-code kappas that are defined: (..., C, 4) → (...)."""
    return nan_quantile(cohen_kappa(counts), 0.5, axis=-1)


def pooled_positive_agreement(counts: np.ndarray) -> np.ndarray:
    """Specific positive agreement of all decisions stacked: 2Σa / (2Σa + Σb + Σc) over the codes
    on the second-to-last axis, (..., C, 4) → (...) (Cicchetti & Feinstein 1990). Unlike kappa it
    does not collapse when a code is very common; NaN when nobody applied any of the codes."""
    return positive_agreement(np.asarray(counts, dtype=float).sum(axis=-2))


SUMMARY_FUNCTIONS = {
    "pooled_kappa": pooled_kappa,
    "mean_kappa": mean_kappa,
    "median_kappa": median_kappa,
    "concatenated_kappa": concatenated_kappa,
    "positive_agreement": pooled_positive_agreement,
}


def cluster_robust_kappa_se(cluster_counts: np.ndarray, axis: int = 0) -> np.ndarray:
    """Cluster-robust (delta-method, sandwich) standard error of Cohen's kappa.

    ``cluster_counts`` holds the 2×2 counts of each cluster (participant or transcript) along
    ``axis``, e.g. (K, C, 4) → (C,). Kappa is a smooth function of three ratio means over the
    pooled units — p_o, and each coder's rate p_A, p_B — so its variance is linearised
    (delta method) and the cluster totals' deviations are summed within clusters before squaring,
    which lets units of one cluster be correlated (Yang & Zhou 2014, Stat Med 33:2612; the
    cluster sandwich of Cameron & Miller 2015). With z_k = [∂κ/∂p_o (A_k − p_o n_k) +
    ∂κ/∂p_A (X_k − p_A n_k) + ∂κ/∂p_B (Y_k − p_B n_k)] / N, Var(κ) = K/(K − 1) Σ_k z_k², K the
    clusters with units. NaN where kappa is undefined or fewer than two clusters have units; 0
    when a coder is constant (kappa is then 0 in every sample).
    """
    counts = np.moveaxis(np.asarray(cluster_counts, dtype=float), axis, 0)
    a, b, c, d, n = _cells(counts)
    total = n.sum(axis=0)
    agree, rate_a, rate_b = a + d, a + b, a + c
    p_o, p_a, p_b = (_divide(x.sum(axis=0), total) for x in (agree, rate_a, rate_b))
    p_e = p_a * p_b + (1 - p_a) * (1 - p_b)
    kappa = cohen_kappa(counts.sum(axis=0))
    k = (n > 0).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        d_po = 1 / (1 - p_e)
        d_pe = (p_o - 1) / (1 - p_e) ** 2
        z = (
            d_po * (agree - p_o * n)
            + d_pe * (2 * p_b - 1) * (rate_a - p_a * n)
            + d_pe * (2 * p_a - 1) * (rate_b - p_b * n)
        ) / total
        variance = k / (k - 1) * (z**2).sum(axis=0)
    variance = np.where(np.isnan(kappa) | (k < 2), np.nan, np.maximum(variance, 0.0))
    variance = np.where(degenerate_margins(counts.sum(axis=0)) & ~np.isnan(variance), 0.0, variance)
    return np.sqrt(variance)


def aggregate_clusters(counts: np.ndarray, cluster: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sum per-transcript counts (T, ...) into per-cluster counts (K, ...) by cluster index."""
    counts = np.asarray(counts, dtype=float)
    out = np.zeros((n_clusters, *counts.shape[1:]))
    np.add.at(out, np.asarray(cluster, dtype=np.int64), counts)
    return out


def _z(ci_level: float) -> float:
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be between 0 and 1, not {ci_level!r}")
    return float(norm.ppf(0.5 + ci_level / 2))


def _integral(counts: np.ndarray) -> np.ndarray:
    """Counts as int64 when they are whole numbers (they are, unless weighted)."""
    counts = np.asarray(counts)
    if counts.dtype.kind in "iu":
        return counts.astype(np.int64)
    if np.all(np.isfinite(counts)) and np.all(counts == np.round(counts)):
        return counts.astype(np.int64)
    return counts.astype(float)


UNINFORMATIVE = ("percent_agreement", "pabak", "ac1", "ppos", "pneg")


def undefined_notes(
    counts: np.ndarray, coder_names: tuple[str, str] = ("coder_a", "coder_b"), unit: str = "unit"
) -> list[str]:
    """Why statistics are undefined, uninformative or zero by construction, per code ("" if none).

    counts: (C, 4). ``unit`` names the unit of analysis in the message ("unit", "transcript").
    """
    a, b, c, d, n = _cells(np.asarray(counts).reshape(-1, 4))
    empty = n == 0
    unused = ~empty & (a + b + c == 0)
    every = ~empty & (a == n)  # both coders applied it to every unit
    name_a, name_b = coder_names
    blank = "percent agreement, PABAK, AC1, ppos and pneg left blank (uninformative)"
    parts = [
        np.where(empty, f"no {unit}s to compare; every statistic undefined", ""),
        np.where(
            unused, f"neither coder applied this code; kappa and alpha undefined; {blank}", ""
        ),
        np.where(
            every,
            f"both coders applied the code to every {unit}; kappa and alpha undefined; {blank}",
            "",
        ),
    ]
    live = ~empty & ~unused & ~every
    for name, yes, no in ((name_a, a + b, c + d), (name_b, a + c, b + d)):
        parts.append(np.where(live & (no == 0), f"{name} applied the code to every {unit}", ""))
        parts.append(np.where(live & (yes == 0), f"{name} applied the code to no {unit}", ""))
    degenerate = live & degenerate_margins(np.stack([a, b, c, d], axis=-1))
    parts.append(
        np.where(
            degenerate,
            "p_o = p_e, so kappa = 0 by construction (SE 0: kappa is 0 for any table with a "
            "constant coder)",
            "",
        )
    )
    return ["; ".join(p for p in row if p) for row in zip(*parts, strict=True)]


def kappa_table(
    counts: np.ndarray,
    ci_level: float = 0.95,
    coder_names: tuple[str, str] = ("coder_a", "coder_b"),
    unit: str = "unit",
) -> pd.DataFrame:
    """Every agreement statistic for every code at once, from an (n_codes, 4) count array.

    Columns: n_units, both, a_only, b_only, neither, percent_agreement, kappa (Cohen 1960),
    kappa_se (Fleiss, Cohen & Everitt 1969), kappa_ci_low/high (kappa ± z·SE at ``ci_level``,
    a Wald interval truncated to kappa's range [−1, 1]), pabak (Byrt et al. 1993), ac1
    (Gwet 2008), alpha (Krippendorff 2011), ppos, pneg (Cicchetti & Feinstein 1990),
    prevalence_index, bias_index (Byrt et al. 1993, signed), band (Landis & Koch 1977) and
    note (why anything is undefined). Where both coders gave every unit the same answer
    (:func:`no_variation`) percent agreement, PABAK, AC1, ppos and pneg are NaN, not 1.0.
    """
    counts = _integral(np.asarray(counts).reshape(-1, 4))
    z = _z(ci_level)
    kappa = cohen_kappa(counts)
    se = kappa_standard_error(counts)
    frame = pd.DataFrame(
        {
            "n_units": counts.sum(axis=1),
            **{name: counts[:, i] for i, name in enumerate(CELLS)},
            "percent_agreement": percent_agreement(counts),
            "kappa": kappa,
            "kappa_se": se,
            "kappa_ci_low": np.clip(kappa - z * se, -1.0, 1.0),
            "kappa_ci_high": np.clip(kappa + z * se, -1.0, 1.0),
            "pabak": pabak(counts),
            "ac1": gwet_ac1(counts),
            "alpha": krippendorff_alpha(counts),
            "ppos": positive_agreement(counts),
            "pneg": negative_agreement(counts),
            "prevalence_index": prevalence_index(counts),
            "bias_index": bias_index(counts),
            "band": landis_koch_band(kappa),
            "note": undefined_notes(counts, coder_names, unit),
        }
    )
    # No silent perfect agreement: where nobody varied, these would all read 1.0.
    frame.loc[no_variation(counts), list(UNINFORMATIVE)] = np.nan
    return frame


# --------------------------------------------------------------------------------------------
# Cluster bootstrap
# --------------------------------------------------------------------------------------------


def bootstrap_draws(n_transcripts: int, replicates: int, rng: np.random.Generator) -> np.ndarray:
    """Transcript indices drawn with replacement: (replicates, n_transcripts) integers.

    Row r is bootstrap sample r — the transcripts whose turns it contains, with multiplicity.
    """
    if replicates < 0:
        raise ValueError(f"replicates must be >= 0, not {replicates}")
    if n_transcripts == 0:
        return np.zeros((replicates, 0), dtype=np.int64)
    return rng.integers(0, n_transcripts, size=(replicates, n_transcripts), dtype=np.int64)


def draws_to_weights(draws: np.ndarray, n_transcripts: int) -> np.ndarray:
    """How often each transcript occurs in each bootstrap sample: (R, T) float weights."""
    draws = np.asarray(draws, dtype=np.int64)
    replicates = draws.shape[0]
    flat = (np.arange(replicates, dtype=np.int64)[:, None] * n_transcripts + draws).ravel()
    counts = np.bincount(flat, minlength=replicates * n_transcripts)
    return counts.reshape(replicates, n_transcripts).astype(float)


def resampled_counts(per_transcript_counts: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Counts of every bootstrap sample: weights (R, T) @ counts (T, C, 4) → (R, C, 4).

    One BLAS matrix product; float64 holds the integer sums exactly (below 2**53).
    """
    per_transcript_counts = np.asarray(per_transcript_counts, dtype=float)
    n_transcripts = per_transcript_counts.shape[0]
    tail = per_transcript_counts.shape[1:]
    flat = per_transcript_counts.reshape(n_transcripts, int(np.prod(tail)))
    return (np.asarray(weights, dtype=float) @ flat).reshape((weights.shape[0], *tail))


def cluster_bootstrap_counts(
    per_transcript_counts: np.ndarray, replicates: int, rng: np.random.Generator
) -> np.ndarray:
    """Cluster bootstrap of 2×2 counts: resample whole transcripts with replacement.

    per_transcript_counts: (T, C, 4). Returns (replicates, C, 4). Resampling clusters rather
    than turns keeps the within-interview correlation of coding decisions in every replicate
    (Davison & Hinkley 1997, §3.8; Field & Welsh 2007).
    """
    n_transcripts = np.asarray(per_transcript_counts).shape[0]
    draws = bootstrap_draws(n_transcripts, replicates, rng)
    return resampled_counts(per_transcript_counts, draws_to_weights(draws, n_transcripts))


def percentile_interval(
    replicate_values: np.ndarray, ci_level: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Percentile bootstrap interval over axis 0, ignoring undefined (NaN) replicates.

    Returns (low, high, n_undefined); low/high are NaN when no replicate is defined.
    """
    _z(ci_level)
    values = np.asarray(replicate_values, dtype=float)
    tail = (1 - ci_level) / 2
    low = nan_quantile(values, tail, axis=0)
    high = nan_quantile(values, 1 - tail, axis=0)
    return low, high, np.isnan(values).sum(axis=0)


def _bootstrap_note(n_undefined: np.ndarray, replicates: int, defined: np.ndarray) -> np.ndarray:
    """Note for estimates whose bootstrap interval left out undefined replicates."""
    show = defined & (n_undefined > 0)
    text = np.array(
        [
            f"undefined in {k} of {replicates} bootstrap replicates; interval from the rest"
            for k in np.asarray(n_undefined).ravel()
        ],
        dtype=object,
    ).reshape(np.shape(n_undefined))
    return np.where(show, text, "")


def _join_notes(*columns: Sequence[str]) -> list[str]:
    return ["; ".join(p for p in row if p) for row in zip(*columns, strict=True)]


# --------------------------------------------------------------------------------------------
# From codings to counts
# --------------------------------------------------------------------------------------------


def per_transcript_counts(
    unit_transcript: np.ndarray,
    n_transcripts: int,
    n_codes: int,
    applied_a: tuple[np.ndarray, np.ndarray],
    applied_b: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """2×2 counts per transcript and code, (T, C, 4), without a dense unit × code matrix.

    unit_transcript: (U,) transcript index of each in-scope unit; applied_a / applied_b:
    (unit index, code index) arrays of the codes each coder applied (duplicates allowed). A pair
    is encoded as unit·C + code; set operations on the sorted keys give both / a_only / b_only
    and ``np.bincount`` tallies them per (transcript, code); neither is the remainder.
    """
    unit_transcript = np.asarray(unit_transcript, dtype=np.int64)
    size = n_transcripts * n_codes

    def keys(applied: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        unit, code = (np.asarray(x, dtype=np.int64) for x in applied)
        return np.unique(unit * n_codes + code)

    def member(k: np.ndarray, sorted_keys: np.ndarray) -> np.ndarray:
        position = np.minimum(np.searchsorted(sorted_keys, k), max(len(sorted_keys) - 1, 0))
        return sorted_keys[position] == k if len(sorted_keys) else np.zeros(len(k), bool)

    key_a, key_b = keys(applied_a), keys(applied_b)
    a_in_b, b_in_a = member(key_a, key_b), member(key_b, key_a)

    def tally(k: np.ndarray) -> np.ndarray:
        flat = unit_transcript[k // n_codes] * n_codes + k % n_codes
        return np.bincount(flat, minlength=size).reshape(n_transcripts, n_codes)

    both, a_only, b_only = tally(key_a[a_in_b]), tally(key_a[~a_in_b]), tally(key_b[~b_in_a])
    units_per_transcript = np.bincount(unit_transcript, minlength=n_transcripts)
    neither = units_per_transcript[:, None] - both - a_only - b_only
    return np.stack([both, a_only, b_only, neither], axis=-1).astype(np.int64)


def transcript_level_counts(unit_counts: np.ndarray) -> np.ndarray:
    """Turn-level counts (T, C, 4) → transcript-level counts (T, C, 4).

    The unit of analysis becomes (transcript, code): did each coder apply the code anywhere in
    the transcript's in-scope turns. A transcript without in-scope turns contributes nothing.
    """
    unit_counts = np.asarray(unit_counts)
    a_any = unit_counts[..., BOTH] + unit_counts[..., A_ONLY] > 0
    b_any = unit_counts[..., BOTH] + unit_counts[..., B_ONLY] > 0
    present = unit_counts.sum(axis=-1) > 0
    cells = [a_any & b_any, a_any & ~b_any, ~a_any & b_any, ~a_any & ~b_any]
    return np.stack([cell & present for cell in cells], axis=-1).astype(np.int64)


def _prepare_units(units: pd.DataFrame, source: str | PathLike[str] | None) -> pd.DataFrame:
    """Check units.csv columns and ids; participant_id and wave as integers."""
    missing = [c for c in REQUIRED_UNIT_COLUMNS if c not in units.columns]
    if missing:
        raise InputError(source, f"missing column(s) {', '.join(missing)}", line=1)
    rows = file_rows(units)
    units = units.reset_index(drop=True)
    out = pd.DataFrame({c: strip_text(units[c]) for c in REQUIRED_UNIT_COLUMNS})
    for column in ("participant_id", "wave"):
        numbers = pd.to_numeric(units[column], errors="coerce")
        bad = numbers.isna() | (numbers != numbers.round())
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                source,
                f"{column} must be a whole number, not {units[column].iloc[i]!r}",
                row=int(rows[i]),
            )
        out[column] = numbers.astype(np.int64)
    dupes = out["unit_id"].duplicated()
    if dupes.any():
        i = int(np.flatnonzero(dupes.to_numpy())[0])
        raise InputError(source, f"unit_id {out.at[i, 'unit_id']!r} listed twice", row=int(rows[i]))
    return out


def _coder_name(codings: pd.DataFrame, fallback: str) -> str:
    if "coder" not in codings.columns:
        return fallback
    names = [str(name).strip() for name in pd.unique(codings["coder"].dropna())]
    names = [name for name in names if name]
    return names[0] if names else fallback


def _locate_codings(
    codings: pd.DataFrame,
    units: pd.DataFrame,
    codes: pd.Index,
    source: str | PathLike[str] | None,
) -> tuple[np.ndarray, np.ndarray]:
    """Row of units.csv and codebook index of each coding; InputError naming the bad row."""
    missing = [c for c in REQUIRED_CODING_COLUMNS if c not in codings.columns]
    if missing:
        raise InputError(source, f"missing column(s) {', '.join(missing)}", line=1)
    rows = file_rows(codings)
    unit_ids = strip_text(codings["unit_id"]).to_numpy()
    code_names = strip_text(codings["code"]).to_numpy()
    transcripts = strip_text(codings["transcript_id"]).to_numpy()
    unit_row = pd.Index(units["unit_id"]).get_indexer(unit_ids)
    code_index = codes.get_indexer(code_names)
    if (code_index < 0).any():
        i = int(np.flatnonzero(code_index < 0)[0])
        raise InputError(source, f"code {code_names[i]!r} is not in the codebook", row=int(rows[i]))
    if (unit_row < 0).any():
        i = int(np.flatnonzero(unit_row < 0)[0])
        raise InputError(source, f"unit_id {unit_ids[i]!r} is not in units.csv", row=int(rows[i]))
    expected = units["transcript_id"].to_numpy()[unit_row]
    wrong = expected != transcripts
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        raise InputError(
            source,
            f"unit_id {unit_ids[i]!r} belongs to transcript {expected[i]!r}, "
            f"not {transcripts[i]!r}",
            row=int(rows[i]),
        )
    return unit_row.astype(np.int64), code_index.astype(np.int64)


def double_coded_transcripts(
    units: pd.DataFrame, coded_a: set[str], coded_b: set[str]
) -> pd.DataFrame:
    """double_coded.csv: each transcript of units.csv, who coded it, and whether both did."""
    order = (
        units[["transcript_id", "participant_id", "wave"]]
        .drop_duplicates("transcript_id")
        .sort_values(["participant_id", "wave", "transcript_id"])
    )
    ids = order["transcript_id"]
    frame = pd.DataFrame(
        {
            "transcript_id": ids.to_numpy(),
            "coded_by_a": ids.isin(coded_a).to_numpy(),
            "coded_by_b": ids.isin(coded_b).to_numpy(),
        }
    )
    frame["double_coded"] = frame["coded_by_a"] & frame["coded_by_b"]
    return frame[DOUBLE_CODED_COLUMNS]


# --------------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Stratum:
    """Transcripts a summary scope draws on, and their bootstrap weights (R, n in stratum)."""

    transcripts: np.ndarray  # (T,) bool mask over the double-coded transcripts
    weights: np.ndarray
    n_clusters: int = 0


@dataclass(frozen=True)
class _Level:
    """One unit of analysis: its name in the summary, its word in notes, and its counts.

    ``items`` says what the count array's second axis holds: codes or subthemes.
    """

    name: str  # "turn" | "transcript" | "subtheme_turn" | "presence"
    unit: str  # "unit" | "transcript" | "participant-wave"
    counts: np.ndarray  # (T, C, 4) per transcript and code (or subtheme)
    units_per_transcript: np.ndarray  # (T,)
    items: str = "code"
    _cache: dict = field(default_factory=dict, repr=False)

    def stratum(self, key: str, stratum: _Stratum) -> tuple[np.ndarray, np.ndarray, int]:
        """Point counts (C, 4), bootstrap counts (R, C, 4) and units of one stratum, cached."""
        if key not in self._cache:
            counts = self.counts[stratum.transcripts]
            self._cache[key] = (
                counts.sum(axis=0),
                resampled_counts(counts, stratum.weights),
                int(self.units_per_transcript[stratum.transcripts].sum()),
            )
        return self._cache[key]


def few_clusters_note(n_clusters: int, cluster: str) -> str:
    """The caveat printed beside intervals computed from fewer than :data:`FEW_CLUSTERS`."""
    if n_clusters >= FEW_CLUSTERS:
        return ""
    return (
        f"only {n_clusters} {cluster}s (< {FEW_CLUSTERS}): cluster-robust and cluster-bootstrap "
        "intervals may be too narrow"
    )


def _by_code_table(
    level: _Level,
    overall: _Stratum,
    codebook: pd.DataFrame,
    ci_level: float,
    coder_names: tuple[str, str],
    cluster: tuple[str, np.ndarray],
) -> pd.DataFrame:
    """agreement_by_code(_transcript).csv: kappa_table plus the bootstrap and cluster-robust
    intervals per code."""
    totals, boot, _ = level.stratum("all", overall)
    weights = overall.weights
    table = kappa_table(totals, ci_level, coder_names, level.unit)
    replicate_kappa = cohen_kappa(boot)
    defined = ~np.isnan(table["kappa"].to_numpy())
    low, high, n_undefined = percentile_interval(replicate_kappa, ci_level)
    no_boot = weights.shape[0] == 0
    table["boot_ci_low"] = np.where(defined, low, np.nan)
    table["boot_ci_high"] = np.where(defined, high, np.nan)
    name, cluster_of = cluster
    se = cluster_robust_kappa_se(aggregate_clusters(level.counts, cluster_of, overall.n_clusters))
    z = _z(ci_level)
    kappa = table["kappa"].to_numpy()
    table["kappa_se_cluster"] = se
    table["cluster_ci_low"] = np.clip(kappa - z * se, -1.0, 1.0)
    table["cluster_ci_high"] = np.clip(kappa + z * se, -1.0, 1.0)
    table["cluster"] = name
    table["n_clusters"] = overall.n_clusters
    extra = _bootstrap_note(n_undefined, weights.shape[0], defined)
    if no_boot:
        extra = np.where(defined, "no bootstrap replicates requested", "")
    elif overall.n_clusters == 1:  # every replicate is the one cluster again
        extra = np.where(
            defined, f"one {name}: the bootstrap interval collapses to the estimate", extra
        )
    table["note"] = _join_notes(table["note"], extra)
    table.insert(0, "code", codebook["code"].to_numpy())
    table.insert(1, "subtheme", codebook["subtheme"].to_numpy())
    table.insert(2, "category", codebook["category"].to_numpy())
    return table[BY_CODE_COLUMNS]


def _cluster_weights(
    cluster_of: np.ndarray, mask: np.ndarray, replicates: int, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """Bootstrap weights (R, transcripts in ``mask``) from resampling the clusters they belong to.

    Each replicate draws as many clusters as there are, with replacement; a transcript's weight
    is how often its cluster was drawn, so all transcripts of a participant go in together.
    """
    ids, local = np.unique(cluster_of[mask], return_inverse=True)
    n = len(ids)
    weights = draws_to_weights(bootstrap_draws(n, replicates, rng), n)
    return weights[:, local], n


def _wave_strata(
    transcript_wave: np.ndarray,
    waves: np.ndarray,
    cluster_of: np.ndarray,
    replicates: int,
    rng: np.random.Generator,
) -> dict[int, _Stratum]:
    """One stratum per wave, resampled within the wave.

    A wave's number of transcripts is fixed by the design, so its interval comes from drawing
    that wave's own clusters with replacement (a stratified cluster bootstrap), rather than from
    the wave's share of an overall resample, which may even contain none of it.
    """
    strata = {}
    for wave in waves:
        mask = transcript_wave == wave
        weights, n = _cluster_weights(cluster_of, mask, replicates, rng)
        strata[int(wave)] = _Stratum(mask, weights, n)
    return strata


def _summary_groups(
    codebook: pd.DataFrame, overall: _Stratum, waves: dict[int, _Stratum]
) -> list[tuple[str, str, dict[str, np.ndarray], str, _Stratum]]:
    """(scope, group, item masks {"code": …, "subtheme": …}, stratum key, stratum) in order."""
    subs = codebook.drop_duplicates("subtheme")

    def masks(scope: str | None, name: object = None) -> dict[str, np.ndarray]:
        if scope is None:
            return {"code": np.ones(len(codebook), bool), "subtheme": np.ones(len(subs), bool)}
        return {
            "code": (codebook[scope] == name).to_numpy(),
            "subtheme": (subs[scope] == name).to_numpy(),
        }

    groups = [("overall", "all", masks(None), "all", overall)]
    for scope in ("subtheme", "category"):
        for name in pd.unique(codebook[scope]):
            groups.append((scope, str(name), masks(scope, name), "all", overall))
    for wave, stratum in waves.items():
        groups.append(("wave", str(wave), masks(None), f"wave {wave}", stratum))
    return groups


def _summary_note(
    statistic: str, point_counts: np.ndarray, n_units: int, unit: str, items: str = "code"
) -> str:
    """Why a summary value is undefined, or which codes it leaves out."""
    if n_units == 0:
        return f"no {unit}s in scope"
    n_codes = point_counts.shape[0]
    if statistic in ("mean_kappa", "median_kappa"):
        n_undefined = int(np.isnan(cohen_kappa(point_counts)).sum())
        if n_undefined == n_codes:
            return f"kappa undefined for every {items}"
        if n_undefined:
            return f"{n_undefined} of {n_codes} {items}s with undefined kappa left out"
    if statistic == "pooled_kappa" and np.isnan(pooled_kappa(point_counts)):
        return f"no {items} has chance disagreement; pooled kappa undefined"
    if statistic == "concatenated_kappa" and np.isnan(concatenated_kappa(point_counts)):
        return f"a coder's decisions are constant over all {items}s; kappa undefined"
    if statistic == "positive_agreement" and np.isnan(pooled_positive_agreement(point_counts)):
        return f"neither coder applied any of these {items}s; positive agreement undefined"
    return ""


def _summary_rows(
    point: np.ndarray,
    boot: np.ndarray,
    n_units: int,
    level: _Level,
    ci_level: float,
    clusters: tuple[str, int],
) -> list[dict]:
    """The summary statistics of one group: point counts (C, 4), boot counts (R, C, 4)."""
    replicates = boot.shape[0]
    cluster, n_clusters = clusters
    rows = []
    for statistic in SUMMARY_STATISTICS:
        function = SUMMARY_FUNCTIONS[statistic]
        value = float(function(point)) if n_units else np.nan
        low, high, n_undefined = percentile_interval(function(boot), ci_level)
        defined = not np.isnan(value)
        notes = [
            _summary_note(statistic, point, n_units, level.unit, level.items),
            str(_bootstrap_note(n_undefined, replicates, np.asarray(defined))),
            few_clusters_note(n_clusters, cluster) if defined and replicates else "",
        ]
        if statistic in ("mean_kappa", "median_kappa"):
            n_codes = int(np.isfinite(cohen_kappa(point)).sum()) if n_units else 0
        else:
            n_codes = int(point.shape[0])
        rows.append(
            {
                "statistic": statistic,
                "n_codes": n_codes,
                "n_units": n_units,
                "cluster": cluster,
                "n_clusters": n_clusters,
                "value": value,
                "boot_ci_low": float(low) if defined else np.nan,
                "boot_ci_high": float(high) if defined else np.nan,
                "note": "; ".join(n for n in notes if n),
            }
        )
    return rows


def _summary_table(
    levels: Sequence[_Level],
    groups: list[tuple[str, str, dict[str, np.ndarray], str, _Stratum]],
    ci_level: float,
    cluster: str,
) -> pd.DataFrame:
    """agreement_summary.csv: every scope × group × unit × statistic, with bootstrap intervals."""
    rows = []
    for level in levels:
        for scope, group, masks, key, stratum in groups:
            point, boot, n_units = level.stratum(key, stratum)
            mask = masks[level.items]
            for row in _summary_rows(
                point[mask],
                boot[:, mask],
                n_units,
                level,
                ci_level,
                (cluster, stratum.n_clusters),
            ):
                rows.append({"scope": scope, "group": group, "unit": level.name, **row})
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)


def _turn_counts(
    units: pd.DataFrame,
    double_coded: pd.DataFrame,
    speakers: Sequence[str],
    n_codes: int,
    applied_a: tuple[np.ndarray, np.ndarray],
    applied_b: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn-level counts (T, C, 4) over the units of analysis: turns of ``speakers`` in
    double-coded transcripts. applied_*: (row of units, code index) of each coding.

    Returns the T transcripts with at least one such turn (in double_coded order), the counts
    and the number of turns per transcript.
    """
    double = set(double_coded.loc[double_coded["double_coded"], "transcript_id"])
    in_scope = units["speaker"].isin(list(speakers)) & units["transcript_id"].isin(double)
    scope_units = units[in_scope]
    present = double_coded["transcript_id"].isin(set(scope_units["transcript_id"]))
    transcripts = double_coded.loc[present, "transcript_id"].to_numpy()
    unit_transcript = pd.Index(transcripts).get_indexer(scope_units["transcript_id"])
    scope_row = np.full(len(units), -1, dtype=np.int64)
    scope_row[np.flatnonzero(in_scope.to_numpy())] = np.arange(len(scope_units))

    def in_scope_only(applied: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
        row = scope_row[applied[0]]
        keep = row >= 0
        return row[keep], applied[1][keep]

    counts = per_transcript_counts(
        unit_transcript,
        len(transcripts),
        n_codes,
        in_scope_only(applied_a),
        in_scope_only(applied_b),
    )
    return transcripts, counts, np.bincount(unit_transcript, minlength=len(transcripts))


def presence_counts(
    subtheme_counts: np.ndarray, group: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Participant × wave presence counts from turn-level subtheme counts (T, S, 4).

    ``group`` (T,) numbers each transcript's participant × wave; a subtheme is present for a
    coder when the coder applied any of its codes in any in-scope turn of that participant's
    interview(s) in that wave — the unit a table of "raised by n participants per wave" counts.
    The (group, subtheme) observation is stored on the group's first transcript, so the result
    keeps the (T, S, 4) shape the bootstrap resamples, with units per transcript (T,).
    """
    counts = np.asarray(subtheme_counts)
    group = np.asarray(group, dtype=np.int64)
    n_groups = int(group.max()) + 1 if len(group) else 0
    has_units = counts.sum(axis=-1) > 0
    a_any = np.zeros((n_groups, counts.shape[1]), dtype=bool)
    b_any = a_any.copy()
    present = a_any.copy()
    np.logical_or.at(a_any, group, counts[..., BOTH] + counts[..., A_ONLY] > 0)
    np.logical_or.at(b_any, group, counts[..., BOTH] + counts[..., B_ONLY] > 0)
    np.logical_or.at(present, group, has_units)
    cells = [a_any & b_any, a_any & ~b_any, ~a_any & b_any, ~a_any & ~b_any]
    per_group = np.stack([cell & present for cell in cells], axis=-1).astype(np.int64)
    first = np.zeros(len(group), dtype=bool)
    first[np.unique(group, return_index=True)[1]] = True
    out = np.zeros_like(counts, dtype=np.int64)
    out[first] = per_group[group[first]]
    units = (first & present.any(axis=1)[group]).astype(np.int64)
    return out, units


def agreement_report(
    codings_a: pd.DataFrame,
    codings_b: pd.DataFrame,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    speakers: Sequence[str] = ("participant",),
    replicates: int = 2000,
    seed: int = 20190401,
    ci_level: float = 0.95,
    *,
    cluster: str = "participant",
    sources: tuple[str | PathLike[str] | None, ...] = ("codings_a", "codings_b", "units"),
) -> dict[str, pd.DataFrame]:
    """Intercoder agreement of two coders: per code (turn and transcript level) and summarised.

    Units of analysis are the turns whose ``speaker`` is in ``speakers`` in transcripts both
    coders coded (applied at least one code in). Returns DataFrames keyed ``by_code``,
    ``by_code_transcript``, ``summary`` and ``double_coded`` with the columns of docs/files.md,
    rows in codebook order. Duplicate coding rows count once. Raises :class:`InputError` for a
    code not in the codebook, a unit not in ``units`` or a unit filed under the wrong transcript.

    The summary has four units of analysis: ``turn`` and ``transcript`` (per code), and at the
    level the themes table reports, ``subtheme_turn`` (a turn carries a subtheme when any of its
    codes was applied) and ``presence`` (participant × wave × subtheme: was the subtheme raised
    in that interview), each with kappa and specific positive agreement.

    Bootstrap intervals resample ``cluster``\\ s — participants (default: their waves are not
    independent) or transcripts — ``replicates`` draws from ``numpy.random.default_rng(seed)``.
    The same draws serve the per-code intervals and the overall, subtheme and category
    summaries; each wave's summary resamples that wave's own clusters. Per code there is also
    the analytic cluster-robust interval (:func:`cluster_robust_kappa_se`). ``sources`` names
    coder A's codings, coder B's and the units in error messages.
    """
    _z(ci_level)
    if replicates < 0:
        raise ValueError(f"replicates must be >= 0, not {replicates}")
    if cluster not in CLUSTERS:
        raise ValueError(f"cluster must be one of {', '.join(CLUSTERS)}, not {cluster!r}")
    source_a, source_b, source_units = sources
    units = _prepare_units(units, source_units)
    codebook = codebook.reset_index(drop=True)
    codes = pd.Index(codebook["code"].astype(str))
    subtheme_of_code = pd.Index(pd.unique(codebook["subtheme"])).get_indexer(codebook["subtheme"])
    n_subthemes = int(subtheme_of_code.max()) + 1 if len(codes) else 0
    coder_names = (_coder_name(codings_a, "coder_a"), _coder_name(codings_b, "coder_b"))
    unit_a, code_a = _locate_codings(codings_a, units, codes, source_a)
    unit_b, code_b = _locate_codings(codings_b, units, codes, source_b)

    unit_transcript_id = units["transcript_id"].to_numpy()
    coded_a, coded_b = set(unit_transcript_id[unit_a]), set(unit_transcript_id[unit_b])
    double_coded = double_coded_transcripts(units, coded_a, coded_b)

    transcripts, turn_counts, units_per_transcript = _turn_counts(
        units, double_coded, speakers, len(codes), (unit_a, code_a), (unit_b, code_b)
    )
    _, subtheme_counts, _ = _turn_counts(
        units,
        double_coded,
        speakers,
        n_subthemes,
        (unit_a, subtheme_of_code[code_a]),
        (unit_b, subtheme_of_code[code_b]),
    )
    n_transcripts = len(transcripts)
    about = units.drop_duplicates("transcript_id").set_index("transcript_id")
    transcript_wave = about["wave"].reindex(transcripts).to_numpy(dtype=np.int64)
    transcript_person = about["participant_id"].reindex(transcripts).to_numpy(dtype=np.int64)
    person_wave = [f"{p}\t{w}" for p, w in zip(transcript_person, transcript_wave, strict=True)]
    presence, presence_units = presence_counts(
        subtheme_counts, pd.factorize(pd.Series(person_wave, dtype=object))[0]
    )
    has_turns = (units_per_transcript > 0).astype(np.int64)
    levels = (
        _Level("turn", "unit", turn_counts, units_per_transcript),
        _Level("transcript", "transcript", transcript_level_counts(turn_counts), has_turns),
        _Level("subtheme_turn", "unit", subtheme_counts, units_per_transcript, "subtheme"),
        _Level("presence", "participant-wave", presence, presence_units, "subtheme"),
    )
    ids = transcript_person if cluster == "participant" else np.arange(n_transcripts)
    cluster_of = pd.factorize(ids)[0].astype(np.int64)
    # One set of draws for every per-code and overall interval, then one per wave stratum.
    rng = np.random.default_rng(seed)
    everything = np.ones(n_transcripts, dtype=bool)
    weights, n_clusters = _cluster_weights(cluster_of, everything, replicates, rng)
    waves = _wave_strata(
        transcript_wave, np.sort(units["wave"].unique()), cluster_of, replicates, rng
    )
    overall = _Stratum(everything, weights, n_clusters)

    by_cluster = (cluster, cluster_of)
    by_code = _by_code_table(levels[0], overall, codebook, ci_level, coder_names, by_cluster)
    by_code_transcript = _by_code_table(
        levels[1], overall, codebook, ci_level, coder_names, by_cluster
    )
    summary = _summary_table(levels, _summary_groups(codebook, overall, waves), ci_level, cluster)
    return {
        "by_code": by_code,
        "by_code_transcript": by_code_transcript,
        "summary": summary,
        "double_coded": double_coded,
    }


# --------------------------------------------------------------------------------------------
# Reconciliation report
# --------------------------------------------------------------------------------------------

RECONCILIATION_COLUMNS = ["section", "who", "statistic", "n_units", "value"]


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
    units = _prepare_units(units, source_units)
    codes = pd.Index(codebook["code"].astype(str))
    n_codes = len(codes)
    names = (_coder_name(codings_a, "coder_a"), _coder_name(codings_b, "coder_b"))
    located = [
        _locate_codings(frame, units, codes, source)
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


def run_reconciliation_report(
    codings_a_csv: Path,
    codings_b_csv: Path,
    consensus_csv: Path,
    units_csv: Path,
    codebook_yaml: Path,
    out_csv: Path,
    speakers: Sequence[str],
) -> None:
    """Stage entry: write results/reconciliation/summary.csv (:func:`reconciliation_summary`)."""
    codebook = load_codebook(codebook_yaml)
    units = read_table(units_csv, REQUIRED_UNIT_COLUMNS)
    frames = [
        read_table(path, REQUIRED_CODING_COLUMNS)
        for path in (codings_a_csv, codings_b_csv, consensus_csv)
    ]
    table = reconciliation_summary(
        *frames,
        units,
        codebook,
        speakers,
        sources=(codings_a_csv, codings_b_csv, consensus_csv, units_csv),
    )
    with OutputSet() as out:
        out.csv(out_csv, table)


def compare_intervals(by_code: pd.DataFrame) -> dict[str, int | float]:
    """How the per-code bootstrap interval compares with the analytic ones, for prose.

    Over the codes where all are defined: ``n_codes``; ``boot_wider_than_naive`` and
    ``boot_wider_than_cluster``: codes whose bootstrap interval is wider than the Fleiss et al.
    (1969) interval and than the cluster-robust one; ``median_ratio_naive`` and
    ``median_ratio_cluster``: median width ratio bootstrap / analytic.
    """
    boot = by_code["boot_ci_high"] - by_code["boot_ci_low"]
    naive = by_code["kappa_ci_high"] - by_code["kappa_ci_low"]
    robust = by_code["cluster_ci_high"] - by_code["cluster_ci_low"]
    ok = boot.notna() & naive.gt(0) & robust.gt(0)
    return {
        "n_codes": int(ok.sum()),
        "boot_wider_than_naive": int((boot[ok] > naive[ok]).sum()),
        "boot_wider_than_cluster": int((boot[ok] > robust[ok]).sum()),
        "median_ratio_naive": float((boot[ok] / naive[ok]).median()) if ok.any() else np.nan,
        "median_ratio_cluster": float((boot[ok] / robust[ok]).median()) if ok.any() else np.nan,
    }


def run_agreement(
    codings_a_csv: Path,
    codings_b_csv: Path,
    units_csv: Path,
    codebook_yaml: Path,
    out_dir: Path,
    speakers: Sequence[str],
    replicates: int,
    seed: int,
    ci_level: float,
    cluster: str = "participant",
) -> None:
    """Stage entry: read the two coders' codings, units and codebook; write the four tables.

    Writes agreement_by_code.csv, agreement_by_code_transcript.csv, agreement_summary.csv and
    double_coded.csv into ``out_dir`` together (nothing is written if anything fails).
    """
    codebook = load_codebook(codebook_yaml)
    units = read_table(units_csv, REQUIRED_UNIT_COLUMNS)
    codings_a = read_table(codings_a_csv, REQUIRED_CODING_COLUMNS)
    codings_b = read_table(codings_b_csv, REQUIRED_CODING_COLUMNS)
    tables = agreement_report(
        codings_a,
        codings_b,
        units,
        codebook,
        speakers,
        replicates,
        seed,
        ci_level,
        cluster=cluster,
        sources=(codings_a_csv, codings_b_csv, units_csv),
    )
    out_dir = Path(out_dir)
    with OutputSet() as out:
        for key, name in OUTPUT_FILES.items():
            out.csv(out_dir / name, tables[key])
    overall = tables["summary"].query(
        "scope == 'overall' and unit == 'turn' and statistic == 'pooled_kappa'"
    )
    logger.info(
        "agreement: %d double-coded transcripts, %d codes, pooled kappa %s",
        int(tables["double_coded"]["double_coded"].sum()),
        len(codebook),
        "NA" if overall.empty else f"{overall['value'].iloc[0]:.3f}",
    )
