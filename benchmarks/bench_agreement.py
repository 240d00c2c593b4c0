"""Benchmark: vectorised intercoder agreement against a naive per-code, per-replicate loop.

The vectorised path (``qualflow.agreement``) turns the codings into per-transcript 2×2 counts
(T × C × 4) and computes every bootstrap replicate of every code's kappa from one matrix product.
The naive path is what one writes first: for each replicate, gather the resampled turns and call
``sklearn.metrics.cohen_kappa_score`` once per code. Both use the same transcript draws, so their
kappas must agree; the naive loop runs for as many replicates as fit in its time budget.

    python benchmarks/bench_agreement.py            # 100 codes × 300,000 units, 1,000 replicates
    python benchmarks/bench_agreement.py --quick    # a small smoke run
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.metrics import cohen_kappa_score
from tabulate import tabulate

from qualflow.agreement.bootstrap import (
    bootstrap_draws,
    draws_to_weights,
    percentile_interval,
    resampled_counts,
)
from qualflow.agreement.counts import per_transcript_counts
from qualflow.agreement.report import agreement_report
from qualflow.agreement.statistics import cohen_kappa
from qualflow.io import write_text

DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "agreement.json"
FULL = {"codes": 100, "units": 300_000, "transcripts": 3_000, "replicates": 1_000, "budget": 60.0}
QUICK = {"codes": 8, "units": 3_000, "transcripts": 30, "replicates": 50, "budget": 1.0}


@dataclass
class Study:
    """A synthetic double-coded study, as DataFrames and as dense code × unit decisions."""

    units: pd.DataFrame
    codebook: pd.DataFrame
    codings_a: pd.DataFrame
    codings_b: pd.DataFrame
    applied_a: np.ndarray  # (C, U) bool
    applied_b: np.ndarray  # (C, U) bool
    unit_transcript: np.ndarray  # (U,) transcript index; units are sorted by transcript
    transcript_start: np.ndarray  # (T,) first unit row of each transcript
    transcript_size: np.ndarray  # (T,) units per transcript


def simulate(n_codes: int, n_units: int, n_transcripts: int, seed: int) -> Study:
    """Two coders who see a latent truth with misses and false alarms (kappa ≈ 0.6–0.9)."""
    rng = np.random.default_rng(seed)
    size = rng.multinomial(n_units - n_transcripts, np.full(n_transcripts, 1 / n_transcripts)) + 1
    start = np.concatenate([[0], np.cumsum(size)[:-1]])
    unit_transcript = np.repeat(np.arange(n_transcripts), size)
    turn = np.arange(n_units) - start[unit_transcript] + 1
    participant = 10_000 + np.arange(n_transcripts) // 3
    wave = np.arange(n_transcripts) % 3 + 1
    transcript_id = np.array([f"{p}_{w}" for p, w in zip(participant, wave, strict=True)], object)
    unit_id = np.array(
        [f"{transcript_id[t]}:{k}" for t, k in zip(unit_transcript, turn, strict=True)], object
    )
    units = pd.DataFrame(
        {
            "unit_id": unit_id,
            "transcript_id": transcript_id[unit_transcript],
            "participant_id": participant[unit_transcript],
            "wave": wave[unit_transcript],
            "turn": turn,
            "speaker": "participant",
        }
    )
    codes = np.array([f"code_{i:03d}" for i in range(n_codes)], dtype=object)
    codebook = pd.DataFrame(
        {
            "code": codes,
            "subtheme": [f"subtheme_{i // 5:02d}" for i in range(n_codes)],
            "category": [
                "facilitators" if i < n_codes // 2 else "barriers" for i in range(n_codes)
            ],
        }
    )
    prevalence = rng.uniform(0.01, 0.08, n_codes)
    applied_a = np.empty((n_codes, n_units), dtype=bool)
    applied_b = np.empty((n_codes, n_units), dtype=bool)
    for c in range(n_codes):  # setup only; one code at a time keeps memory small
        truth = rng.random(n_units) < prevalence[c]
        for applied in (applied_a, applied_b):
            noise = rng.random(n_units)
            applied[c] = np.where(truth, noise > 0.15, noise < 0.01 * prevalence[c] * 10)

    def codings(applied: np.ndarray, coder: str) -> pd.DataFrame:
        code_index, unit_index = np.nonzero(applied)
        order = np.lexsort((code_index, unit_index))
        code_index, unit_index = code_index[order], unit_index[order]
        return pd.DataFrame(
            {
                "coder": coder,
                "unit_id": unit_id[unit_index],
                "transcript_id": units["transcript_id"].to_numpy()[unit_index],
                "code": codes[code_index],
                "memo": "",
            }
        )

    return Study(
        units=units,
        codebook=codebook,
        codings_a=codings(applied_a, "coder_a"),
        codings_b=codings(applied_b, "coder_b"),
        applied_a=applied_a,
        applied_b=applied_b,
        unit_transcript=unit_transcript,
        transcript_start=start,
        transcript_size=size,
    )


def vectorised(study: Study, draws: np.ndarray) -> tuple[np.ndarray, dict[str, float]]:
    """Per-code kappa of every replicate, (R, C), and how long each step took."""
    n_codes, _ = study.applied_a.shape
    n_transcripts = len(study.transcript_start)
    t0 = time.perf_counter()
    code_a, unit_a = np.nonzero(study.applied_a)
    code_b, unit_b = np.nonzero(study.applied_b)
    counts = per_transcript_counts(
        study.unit_transcript, n_transcripts, n_codes, (unit_a, code_a), (unit_b, code_b)
    )
    t1 = time.perf_counter()
    weights = draws_to_weights(draws, n_transcripts)
    kappa = cohen_kappa(resampled_counts(counts, weights))
    t2 = time.perf_counter()
    return kappa, {"counts_seconds": t1 - t0, "bootstrap_seconds": t2 - t1}


def naive(study: Study, draws: np.ndarray, budget: float) -> tuple[np.ndarray, float]:
    """sklearn once per code and replicate, for as many replicates as fit in ``budget`` s."""
    n_codes = study.applied_a.shape[0]
    start, size = study.transcript_start, study.transcript_size
    results = []
    t0 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sklearn warns about constant coders
        for replicate in draws:
            rows = np.concatenate([np.arange(start[t], start[t] + size[t]) for t in replicate])
            a, b = study.applied_a[:, rows], study.applied_b[:, rows]
            results.append([cohen_kappa_score(a[c], b[c]) for c in range(n_codes)])
            if time.perf_counter() - t0 > budget:
                break
    return np.array(results, dtype=float), time.perf_counter() - t0


def run(
    codes: int, units: int, transcripts: int, replicates: int, budget: float, seed: int
) -> dict:
    """Simulate, time both paths on the same draws, check they agree; return the results."""
    study = simulate(codes, units, transcripts, seed)

    t0 = time.perf_counter()
    report = agreement_report(
        study.codings_a,
        study.codings_b,
        study.units,
        study.codebook,
        replicates=replicates,
        seed=seed,
        cluster="transcript",  # the draws below are of transcripts
    )
    report_seconds = time.perf_counter() - t0

    # agreement_report's first draws from default_rng(seed) are these same transcript draws.
    draws = bootstrap_draws(transcripts, replicates, np.random.default_rng(seed))
    kappa, steps = vectorised(study, draws)
    slow, naive_seconds = naive(study, draws, budget)
    done = slow.shape[0]
    fast = kappa[:done]
    # Where kappa is undefined (a constant coder) qualflow says NaN; sklearn says 0 or NaN.
    undefined = np.isnan(fast)
    sklearn_at_undefined = slow[undefined]
    undefined_ok = bool(np.all(np.isnan(sklearn_at_undefined) | (sklearn_at_undefined == 0)))
    diff = np.abs(fast - slow)[~undefined]
    max_diff = float(diff.max()) if diff.size else 0.0
    # The report resamples the double-coded transcripts; when that is all of them, its
    # per-code intervals must come from exactly these draws.
    report_matches = None
    if report["double_coded"]["double_coded"].all():
        low, high, _ = percentile_interval(kappa, 0.95)
        by_code = report["by_code"]
        report_matches = bool(
            np.allclose(by_code["boot_ci_low"], low, rtol=0, atol=1e-12, equal_nan=True)
            and np.allclose(by_code["boot_ci_high"], high, rtol=0, atol=1e-12, equal_nan=True)
        )
    per_replicate = steps["bootstrap_seconds"] / replicates
    naive_per_replicate = naive_seconds / done
    return {
        "config": {
            "codes": codes,
            "units": units,
            "transcripts": transcripts,
            "replicates": replicates,
            "naive_budget_seconds": budget,
            "seed": seed,
            "coding_rows_a": len(study.codings_a),
            "coding_rows_b": len(study.codings_b),
        },
        "vectorised": {
            "report_total_seconds": report_seconds,
            "counts_seconds": steps["counts_seconds"],
            "bootstrap_seconds": steps["bootstrap_seconds"],
            "seconds_per_replicate": per_replicate,
        },
        "naive": {
            "replicates_run": done,
            "seconds": naive_seconds,
            "seconds_per_replicate": naive_per_replicate,
            "projected_seconds_all_replicates": naive_per_replicate * replicates,
        },
        "speedup_per_replicate": naive_per_replicate / per_replicate,
        "speedup_projected_total": naive_per_replicate * replicates / report_seconds,
        "check": {
            "replicates_compared": done,
            "max_abs_difference": max_diff,
            "undefined_pairs": int(undefined.sum()),
            "undefined_where_sklearn_gives_0_or_nan": undefined_ok,
            "values_match": bool(undefined_ok and done > 0 and max_diff <= 1e-9),
            "report_boot_ci_matches_draws": report_matches,
        },
        "versions": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
            "sklearn": sklearn.__version__,
            "machine": platform.machine(),
        },
    }


def summary_table(results: dict) -> str:
    vec, slow, check = results["vectorised"], results["naive"], results["check"]
    rows = [
        ["vectorised agreement_report, total s", f"{vec['report_total_seconds']:.3f}"],
        ["vectorised counts (T×C×4), s", f"{vec['counts_seconds']:.3f}"],
        ["vectorised bootstrap, s", f"{vec['bootstrap_seconds']:.3f}"],
        ["vectorised s per replicate", f"{vec['seconds_per_replicate']:.3g}"],
        [
            f"naive s per replicate ({slow['replicates_run']} run)",
            f"{slow['seconds_per_replicate']:.3g}",
        ],
        ["ratio naive / vectorised per replicate", f"{results['speedup_per_replicate']:,.0f}×"],
        [
            "naive projected for all replicates / whole report, s",
            f"{slow['projected_seconds_all_replicates']:,.1f} / {vec['report_total_seconds']:.1f}"
            f" = {results['speedup_projected_total']:,.0f}×",
        ],
        ["max |difference| over compared replicates", f"{check['max_abs_difference']:.2e}"],
        ["values match (≤1e-9; undefined where sklearn gives 0/NaN)", str(check["values_match"])],
        ["report intervals use the same draws", str(check["report_boot_ci_matches_draws"])],
    ]
    cfg = results["config"]
    title = (
        f"{cfg['codes']} codes × {cfg['units']:,} units in {cfg['transcripts']:,} transcripts, "
        f"{cfg['replicates']:,} replicates"
    )
    return title + "\n" + tabulate(rows, headers=["measure", "value"], tablefmt="github")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small smoke run")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="JSON results path")
    parser.add_argument("--codes", type=int)
    parser.add_argument("--units", type=int)
    parser.add_argument("--transcripts", type=int)
    parser.add_argument("--replicates", type=int)
    parser.add_argument("--budget", type=float, help="seconds for the naive loop")
    parser.add_argument("--seed", type=int, default=20190401)
    args = parser.parse_args(argv)
    sizes = dict(QUICK if args.quick else FULL)
    for key in sizes:
        if getattr(args, key) is not None:
            sizes[key] = getattr(args, key)
    results = run(seed=args.seed, **sizes)
    print(summary_table(results))
    write_text(args.out, json.dumps(results, indent=2) + "\n")
    print(f"wrote {args.out}")
    return results


if __name__ == "__main__":
    results = main()
    sys.exit(0 if results["check"]["values_match"] else 1)
