"""What an analyst waits for between edits: a full run, a no-op run and a coder edit's rerun.

On a copy of a study (the demo by default): one full `snakemake --cores N` run, then `--repeats`
no-op runs ("Nothing to be done"), then one coder edit (one coding's code in the first coder's
long CSV replaced by another code) and its rerun, with the jobs that ran. The default edit on
the demo (coding 16 of coder_a: training_wanted -> meaning_purpose at unit 50001_1:120) makes
the coders agree where the meeting had decided, so the run completes; an edit that opens a new
disagreement stops at `consensus`, by design, until the team records a decision. Each
is timed as wall-clock seconds and CPU seconds (user + sys of Snakemake and every job it
started), with the load average before and after (the machine may be shared). The issue-13
targets: coder edit ≤ 50 % of a full run, no-op ≤ 1.5 s. Usage:

    python benchmarks/bench_rerun.py [--study DIR] [--cores 2] [--repeats 3] [--out FILE]

Not a test: numbers depend on the machine; the result is printed and written as JSON
(default benchmarks/out/rerun.json).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_snakemake(study: Path, cores: int) -> dict:
    """One `snakemake --cores N` in ``study``: wall and CPU seconds, load, jobs that ran."""
    load_before = os.getloadavg()[0]
    cpu0, t0 = _children_cpu(), time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--cores", str(cores)],
        cwd=study,
        capture_output=True,
        text=True,
    )
    wall, cpu = time.perf_counter() - t0, _children_cpu() - cpu0
    if done.returncode != 0:
        sys.exit(f"snakemake failed in {study}:\n{done.stderr[-3000:]}")
    return {
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
        "jobs": jobs_run(done.stderr),
    }


def jobs_run(log: str) -> dict[str, int]:
    """Snakemake's "Job stats" table (rule → count) from its log; empty for a no-op run."""
    match = re.search(r"Job stats:\n.*?\n-+\s+-+\n(.*?)\n\s*\n", log, re.DOTALL)
    if not match:
        return {}
    counts = {}
    for line in match.group(1).splitlines():
        name, _, count = line.rpartition(" ")
        if name.strip() and name.strip() not in ("total", "all"):
            counts[name.strip()] = int(count)
    return counts


def edit_one_coding(study: Path, row: int = 16, code: str | None = "meaning_purpose") -> str:
    """Give coding ``row`` (0-based) of the first coder's long CSV another code: ``code``, or
    the next code (alphabetically) that the coder used."""
    config = yaml.safe_load((study / "config.yaml").read_text(encoding="utf-8"))
    entries = [e for e in config["coders"].values() if isinstance(e, str) and e.endswith(".csv")]
    if not entries:
        sys.exit("no coder with a long CSV (coders: name: file.csv) in config.yaml")
    path = study / entries[0]
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    codes = sorted({row["code"] for row in rows})
    old = rows[row]["code"]
    later = [c for c in codes if c > old]
    rows[row]["code"] = code or (later[0] if later else codes[0])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return f"{entries[0]} coding {row}: {old} -> {rows[row]['code']}"


def bench(source: Path, cores: int, repeats: int, root: Path, edit: dict) -> dict:
    study = root / "study"
    shutil.copytree(source / "data", study / "data")
    shutil.copy(source / "config.yaml", study / "config.yaml")
    print(f"  study copied to {study}")
    full = timed_snakemake(study, cores)
    print(f"  full run: {full['wall_s']} s wall, {full['cpu_s']} s CPU")
    noops = [timed_snakemake(study, cores) for _ in range(repeats)]
    for noop in noops:
        print(f"  no-op: {noop['wall_s']} s wall, {noop['cpu_s']} s CPU")
    rerun_edit = edit_one_coding(study, **edit)
    rerun = timed_snakemake(study, cores)
    rerun["edit"] = rerun_edit
    print(f"  coder edit ({rerun_edit}): {rerun['wall_s']} s wall, {rerun['cpu_s']} s CPU")
    print(f"  jobs rerun: {rerun['jobs']}")
    return {
        "cores": cores,
        "full": full,
        "noop": noops,
        "noop_best_wall_s": min(n["wall_s"] for n in noops),
        "noop_best_cpu_s": min(n["cpu_s"] for n in noops),
        "coder_edit": rerun,
        "coder_edit_share_wall": round(rerun["wall_s"] / full["wall_s"], 3),
        "coder_edit_share_cpu": round(rerun["cpu_s"] / full["cpu_s"], 3),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=REPO, help="folder with data/, config.yaml")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="no-op runs")
    parser.add_argument("--row", type=int, default=16, help="coding edited (0-based)")
    parser.add_argument("--code", default="meaning_purpose", help="its new code")
    parser.add_argument("--out", type=Path, default=OUT / "rerun.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_rerun_") as tmp:
        edit = {"row": args.row, "code": args.code}
        result = bench(args.study.resolve(), args.cores, args.repeats, Path(tmp), edit)
    print(
        f"  coder edit / full run: {result['coder_edit_share_wall']:.0%} wall, "
        f"{result['coder_edit_share_cpu']:.0%} CPU (target ≤ 50 %); "
        f"best no-op {result['noop_best_wall_s']} s wall (target ≤ 1.5 s)"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
