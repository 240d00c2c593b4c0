"""Two-coder agreement statistics from 2×2 cells: Cohen's κ and its standard error, PABAK, Gwet's
AC1, Krippendorff's α, positive/negative agreement, prevalence and bias indices (Cohen 1960;
Fleiss, Cohen & Everitt 1969; Byrt, Bishop & Carlin 1993; Gwet 2008; Cicchetti & Feinstein
1990).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

BOTH, A_ONLY, B_ONLY, NEITHER = 0, 1, 2, 3

CELLS = ("both", "a_only", "b_only", "neither")

# Landis & Koch (1977): upper bound of each band (kappa <= bound; poor is kappa < 0).
LANDIS_KOCH = (
    (0.0, "poor"),
    (0.20, "slight"),
    (0.40, "fair"),
    (0.60, "moderate"),
    (0.80, "substantial"),
    (np.inf, "almost perfect"),
)


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


def z_for(ci_level: float) -> float:
    if not 0 < ci_level < 1:
        raise ValueError(f"ci_level must be between 0 and 1, not {ci_level!r}")
    from scipy.stats import norm  # here, not at the top: importing the statistics stays light

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
    z = z_for(ci_level)
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
