"""Cluster bootstrap of the 2×2 cells: resample participants (or transcripts) with replacement,
percentile intervals (Efron & Tibshirani 1993; Field & Welsh 2007).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from qualflow.agreement.statistics import nan_quantile, z_for


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
    z_for(ci_level)
    values = np.asarray(replicate_values, dtype=float)
    tail = (1 - ci_level) / 2
    low = nan_quantile(values, tail, axis=0)
    high = nan_quantile(values, 1 - tail, axis=0)
    return low, high, np.isnan(values).sum(axis=0)


def bootstrap_note(n_undefined: np.ndarray, replicates: int, defined: np.ndarray) -> np.ndarray:
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


def join_notes(*columns: Sequence[str]) -> list[str]:
    return ["; ".join(p for p in row if p) for row in zip(*columns, strict=True)]
