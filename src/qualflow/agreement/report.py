"""The agreement report: per-code and pooled statistics at turn, subtheme and presence level, with
intervals and notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike

import numpy as np
import pandas as pd

from qualflow.agreement.bootstrap import (
    bootstrap_draws,
    bootstrap_note,
    draws_to_weights,
    join_notes,
    percentile_interval,
    resampled_counts,
)
from qualflow.agreement.counts import (
    coder_name,
    double_coded_transcripts,
    locate_codings,
    per_transcript_counts,
    prepare_units,
    transcript_level_counts,
)
from qualflow.agreement.statistics import (
    A_ONLY,
    B_ONLY,
    BOTH,
    SUMMARY_FUNCTIONS,
    aggregate_clusters,
    cluster_robust_kappa_se,
    cohen_kappa,
    concatenated_kappa,
    kappa_table,
    pooled_kappa,
    pooled_positive_agreement,
    z_for,
)
from qualflow.contracts import BY_CODE_COLUMNS, SUMMARY_COLUMNS

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
    z = z_for(ci_level)
    kappa = table["kappa"].to_numpy()
    table["kappa_se_cluster"] = se
    table["cluster_ci_low"] = np.clip(kappa - z * se, -1.0, 1.0)
    table["cluster_ci_high"] = np.clip(kappa + z * se, -1.0, 1.0)
    table["cluster"] = name
    table["n_clusters"] = overall.n_clusters
    extra = bootstrap_note(n_undefined, weights.shape[0], defined)
    if no_boot:
        extra = np.where(defined, "no bootstrap replicates requested", "")
    elif overall.n_clusters == 1:  # every replicate is the one cluster again
        extra = np.where(
            defined, f"one {name}: the bootstrap interval collapses to the estimate", extra
        )
    table["note"] = join_notes(table["note"], extra)
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
            str(bootstrap_note(n_undefined, replicates, np.asarray(defined))),
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
    z_for(ci_level)
    if replicates < 0:
        raise ValueError(f"replicates must be >= 0, not {replicates}")
    if cluster not in CLUSTERS:
        raise ValueError(f"cluster must be one of {', '.join(CLUSTERS)}, not {cluster!r}")
    source_a, source_b, source_units = sources
    units = prepare_units(units, source_units)
    codebook = codebook.reset_index(drop=True)
    codes = pd.Index(codebook["code"].astype(str))
    subtheme_of_code = pd.Index(pd.unique(codebook["subtheme"])).get_indexer(codebook["subtheme"])
    n_subthemes = int(subtheme_of_code.max()) + 1 if len(codes) else 0
    coder_names = (coder_name(codings_a, "coder_a"), coder_name(codings_b, "coder_b"))
    unit_a, code_a = locate_codings(codings_a, units, codes, source_a)
    unit_b, code_b = locate_codings(codings_b, units, codes, source_b)

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
