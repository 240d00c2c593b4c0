"""Growth of the whole pipeline with study size: `snakemake` on synthetic studies at 1×, 10×,
100× (and 1,000×: `make bench-1000`) the demo, with each rule's wall time (Snakemake's
`benchmark:` files, logs/benchmarks/*.tsv), CPU time and peak memory (the usage line each
stage logs: qualflow.stage.resource_usage) and the growth ratios
t(10×)/t(1×), t(100×)/t(10×), t(1000×)/t(100×) (linear growth: about 10; issue 13 asks ≤ 11).

    python benchmarks/bench_scale.py --scales 1 10 100 [--shards auto] [--cores 2]

Studies up to 10× are generated (qualflow.demo.study.simulate_study: about a minute at 10×);
larger ones replicate the 10× study (benchmarks/replicate.py: every participant copied under
new ids, the same transcripts and codings), generated once and cached: 100× = 10× replicated
×10, 1,000× = 10× replicated ×100. Generating 1,000× would take hours; the pipeline's cost
depends on how much text and how many codings it reads, not on their variety.

Results go to benchmarks/out/scale.json (merged with earlier scales) and a Markdown table is
printed at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"


GENERATED_UP_TO = 10  # larger studies replicate this one


def origin(scale: int) -> str:
    """How the study at ``scale`` is made: ``generated`` or ``x10 replicated ×N``."""
    if scale <= GENERATED_UP_TO:
        return "generated"
    return f"x{GENERATED_UP_TO} replicated ×{scale // GENERATED_UP_TO}"


def generate_study(folder: Path, scale: int) -> None:
    """The synthetic study at ``scale``: generated up to 10×, above that the (cached) 10× study
    replicated scale/10 times."""
    if scale <= GENERATED_UP_TO:
        from qualflow.demo.study import simulate_study  # the one place the generator is imported

        simulate_study(folder, scale=scale, seed=2019)
        return
    if scale % GENERATED_UP_TO:
        raise SystemExit(f"scales above {GENERATED_UP_TO} must be multiples of it, not {scale}")
    from replicate import replicate_study

    base, _ = study_at_scale(GENERATED_UP_TO, folder.parent)
    replicate_study(base, folder, scale // GENERATED_UP_TO)


def study_at_scale(scale: int, root: Path) -> tuple[Path, float | None]:
    """A synthetic study folder, cached between runs (generation is deterministic); the
    seconds generation took, or None when it was cached."""
    folder = root / f"x{scale}"
    if (folder / "data" / "interviews.csv").exists():
        return folder, None
    t0 = time.perf_counter()
    generate_study(folder, scale)
    seconds = time.perf_counter() - t0
    print(f"  made x{scale} study ({origin(scale)}) in {seconds:.0f} s", flush=True)
    return folder, seconds


def rule_of(benchmark: Path) -> str:
    """`clean_shard_2-of-3` → `clean_shard`; `import_codings_coder_a` → `import_codings`."""
    name = benchmark.stem
    for prefix in ("clean_shard", "import_codings", "coding_sheet", "notebook_themes"):
        if name.startswith(prefix + "_"):
            return prefix
    return name


def read_benchmarks(folder: Path) -> dict[str, dict]:
    """Per rule: summed wall seconds, summed CPU seconds, largest peak RSS (MB), job count.

    Wall seconds come from Snakemake's benchmark files. CPU seconds and the peak come from the
    usage line each stage logs last (qualflow.stage.resource_usage, exact); Snakemake's
    sampled ``cpu_time`` misses what ran after its last sample (every 30 s after the first
    30), which made short jobs look cheap and growth ratios look superlinear. The peak is the
    larger of the process's exact peak and Snakemake's sampled sum over the job's processes
    (worker pools). ``cpu_source`` says whether every job's CPU came from a usage line."""
    rules: dict[str, dict] = {}
    for tsv in sorted(folder.glob("*.tsv")):
        with tsv.open() as handle:
            row = next(csv.DictReader(handle, delimiter="\t"))
        entry = rules.setdefault(
            rule_of(tsv),
            {
                "jobs": 0,
                "seconds": 0.0,
                "cpu_seconds": 0.0,
                "max_rss_mb": 0.0,
                "cpu_source": "getrusage",
            },
        )
        rss = row.get("max_rss", "-")
        sampled_rss = float(rss) if rss not in ("", "-", "NA") else 0.0
        usage = logged_usage(folder.parent / f"{tsv.stem}.log")
        if usage is None:
            cpu, peak = float(row.get("cpu_time") or 0), sampled_rss
            entry["cpu_source"] = "benchmark (sampled)"
        else:
            cpu, peak = usage["cpu"], max(usage["peak"], sampled_rss)
        entry["jobs"] += 1
        entry["seconds"] += float(row["s"])
        entry["cpu_seconds"] += cpu
        entry["max_rss_mb"] = max(entry["max_rss_mb"], peak)
    return rules


def logged_usage(log: Path) -> dict[str, float] | None:
    """The job's CPU seconds and peak MB from the last usage line of its log, if any."""
    from qualflow.stage import USAGE_LINE

    if not log.exists():
        return None
    found = USAGE_LINE.findall(log.read_text(encoding="utf-8", errors="replace"))
    if not found:
        return None
    cpu, peak, _worker = (float(x) for x in found[-1])
    return {"cpu": cpu, "peak": peak}


def run_pipeline(
    scale: int,
    root: Path,
    cores: int,
    shards: str,
    keep_going: bool = False,
    until: list[str] | None = None,
) -> dict:
    """A full run on a fresh run folder over the study at ``scale``: wall seconds and rules.
    With ``keep_going`` a failed rule does not stop the others; the row then says which
    jobs failed (``failed``) and holds the rules that finished. With ``until`` (rule names)
    only those rules and what they depend on run (Snakemake's ``--until``)."""
    from qualflow.cli import write_study_config

    study, generated = study_at_scale(scale, root)
    run = root / f"run_x{scale}"
    if run.exists():
        shutil.rmtree(run)
    run.mkdir()
    (run / "data").symlink_to(study / "data", target_is_directory=True)
    write_study_config(REPO / "config.yaml", run)
    transcripts = list((study / "data" / "transcripts").iterdir())
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--cores", str(cores)]
        + ["--config", f"shards={shards}"]
        + (["--keep-going"] if keep_going else [])
        + (["--until", *until] if until else []),
        cwd=run,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    (root / f"run_x{scale}.log").write_text(proc.stdout + proc.stderr)
    failed = sorted(set(re.findall(r"Error in rule (\w+):", proc.stdout + proc.stderr)))
    if proc.returncode != 0 and not keep_going:
        raise RuntimeError(f"pipeline at x{scale} failed:\n{proc.stderr[-3000:]}")
    row = {
        "scale": scale,
        "transcripts": len(transcripts),
        "transcript_mb": sum(p.stat().st_size for p in transcripts) / 1e6,
        "cores": cores,
        "shards": shards,
        "load_before": os.getloadavg()[0],
        "origin": origin(scale),
        "generation_seconds": generated,
        "seconds": seconds,
        "rules": read_benchmarks(run / "logs" / "benchmarks"),
    }
    if until:
        row["until"] = until
    if proc.returncode != 0:
        row["failed"] = failed or ["(see the run log)"]
    print(
        f"  x{scale}: {len(transcripts):,} transcripts, whole DAG in {seconds:.0f} s"
        + (f" (FAILED: {', '.join(row['failed'])})" if "failed" in row else ""),
        flush=True,
    )
    return row


def growth(rows: dict[int, dict]) -> list[dict]:
    """t(next)/t(previous) for each pair of successive scales: the whole run's wall time, and
    each rule's CPU seconds (a rule's wall time depends on what else ran beside it)."""
    scales = sorted(rows)
    out = []
    for small, large in zip(scales, scales[1:], strict=False):
        a, b = rows[small], rows[large]
        per_rule = {
            rule: b["rules"][rule]["cpu_seconds"] / a["rules"][rule]["cpu_seconds"]
            for rule in b["rules"]
            if rule in a["rules"] and a["rules"][rule]["cpu_seconds"] > 0
        }
        out.append(
            {
                "from": small,
                "to": large,
                "size_ratio": b["transcript_mb"] / a["transcript_mb"],
                "time_ratio": b["seconds"] / a["seconds"],
                "rules": per_rule,
            }
        )
    return out


def markdown(rows: dict[int, dict], ratios: list[dict]) -> str:
    """One table: rule × scale (seconds / peak MB), the total, and the growth ratios."""
    scales = sorted(rows)
    rules = sorted({r for row in rows.values() for r in row["rules"]})
    head = "| rule | " + " | ".join(f"x{s} wall s / CPU s (peak MB)" for s in scales) + " |"
    lines = [head, "|" + " --- |" * (len(scales) + 1)]
    for rule in rules:
        cells = []
        for s in scales:
            entry = rows[s]["rules"].get(rule)
            cells.append(
                "–"
                if entry is None
                else f"{entry['seconds']:.1f} / {entry['cpu_seconds']:.1f} "
                f"({entry['max_rss_mb']:.0f})" + (f" ×{entry['jobs']}" if entry["jobs"] > 1 else "")
            )
        lines.append(f"| {rule} | " + " | ".join(cells) + " |")
    lines.append(
        "| **whole run (wall)** | "
        + " | ".join(f"**{rows[s]['seconds']:.0f}**" for s in scales)
        + " |"
    )
    cpu = {s: sum(e["cpu_seconds"] for e in rows[s]["rules"].values()) for s in scales}
    lines.append("| **CPU, all rules** | " + " | ".join(f"**{cpu[s]:.0f}**" for s in scales) + " |")
    lines.append(
        "| transcripts (MB) | "
        + " | ".join(f"{rows[s]['transcripts']:,} ({rows[s]['transcript_mb']:.0f})" for s in scales)
        + " |"
    )
    lines.append("| study | " + " | ".join(rows[s].get("origin", origin(s)) for s in scales) + " |")
    lines.append("")
    for g in ratios:
        cpu_ratio = cpu[g["to"]] / cpu[g["from"]] if cpu[g["from"]] else float("nan")
        worst = max(g["rules"].items(), key=lambda kv: kv[1], default=("-", 0))
        lines.append(
            f"- t(x{g['to']})/t(x{g['from']}) = **{g['time_ratio']:.2f}** "
            f"(CPU {cpu_ratio:.2f}) for {g['size_ratio']:.1f}× the transcripts "
            f"(steepest rule in CPU: {worst[0]} {worst[1]:.1f}×)"
        )
    return "\n".join(lines)


def run_scales(
    scales: list[int],
    root: Path,
    cores: int,
    shards: str,
    out: Path,
    keep_going: bool = False,
    until: list[str] | None = None,
) -> str:
    """Run every scale, merging into ``out`` (json) as each finishes; the Markdown summary."""
    root.mkdir(parents=True, exist_ok=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(out.read_text()) if out.exists() else {}
    rows = {int(k): v for k, v in previous.get("runs", {}).items()}
    print(f"Whole pipeline at {', '.join(f'x{s}' for s in scales)} ({cores} cores):", flush=True)
    for scale in scales:
        rows[scale] = run_pipeline(scale, root, cores, shards, keep_going, until)
        out.write_text(json.dumps({"runs": rows, "growth": growth(rows)}, indent=2, sort_keys=True))
    return markdown(rows, growth(rows))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--shards", default="auto", help="config shards for every run")
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "qualflow-bench"))
    parser.add_argument("--out", default=str(OUT / "scale.json"))
    parser.add_argument(
        "--keep-going", action="store_true", help="record the rules that finished when one fails"
    )
    parser.add_argument(
        "--until",
        nargs="+",
        metavar="RULE",
        help="run only these rules and what they depend on (use another --out)",
    )
    args = parser.parse_args(argv)
    work, out = Path(args.work), Path(args.out)
    print(run_scales(args.scales, work, args.cores, args.shards, out, args.keep_going, args.until))
    print(f"results in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
