"""What an analyst waits for between edits: a full run, a no-op run and two coder edits' reruns.

On a copy of a study (the demo by default): one full `snakemake --cores N` run, then `--repeats`
no-op runs ("Nothing to be done"), then two coder edits, each on its own copy of the finished
study (results and Snakemake's records included), with the jobs that ran:

* **changes the consensus**: coding 16 of the first coder's long CSV gets another code (on the
  demo: training_wanted -> meaning_purpose at unit 50001_1:120, where the other coder had
  meaning_purpose and the meeting had decided training_wanted). Both coders now agree, so the
  agreed code replaces the meeting's: the consensus and the theme counts change and everything
  downstream recomputes.
* **the consensus absorbs**: coding 24 is dropped (on the demo: overlap_other_roles at unit
  50001_2:18, a coding the meeting had excluded). Agreement changes; the consensus comes out
  byte-identical, so the theme notebooks are replayed (early cutoff, qualflow.replay).

An edit that opens a new disagreement stops at `consensus`, by design, until the team records a
decision. Each run is timed as wall-clock seconds and CPU seconds (user + sys of Snakemake and
every job it started), with the load average before and after (the machine may be shared). The
issue-13 targets: coder edit ≤ 50 % of a full run, no-op ≤ 1.5 s. Usage:

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
        "log": done.stderr,
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


def edit_one_coding(study: Path, row: int, code: str | None) -> str:
    """Give coding ``row`` (0-based) of the first coder's long CSV the code ``code``, or drop
    it when ``code`` is None."""
    config = yaml.safe_load((study / "config.yaml").read_text(encoding="utf-8"))
    entries = [e for e in config["coders"].values() if isinstance(e, str) and e.endswith(".csv")]
    if not entries:
        sys.exit("no coder with a long CSV (coders: name: file.csv) in config.yaml")
    path = study / entries[0]
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    old = rows[row]
    if code is None:
        del rows[row]
        change = f"dropped ({old['transcript_id']}, {old['code']})"
    else:
        rows[row] = {**old, "code": code}
        change = f"{old['code']} -> {code}"
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(old), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return f"{entries[0]} coding {row}: {change}"


#: The two edits timed (see the module docstring): name -> (coding row, new code or None).
EDITS = {
    "changes_consensus": (16, "meaning_purpose"),
    "consensus_absorbs": (24, None),
}


def timed_edit(finished: Path, copy: Path, cores: int, row: int, code: str | None) -> dict:
    """One edit on a copy of the finished study ``finished`` and its timed rerun."""
    shutil.copytree(finished, copy, symlinks=True)
    edit = edit_one_coding(copy, row, code)
    rerun = timed_snakemake(copy, cores)
    rerun["edit"] = edit
    replayed = re.findall(
        r"qualflow: (\S+(?: \([^)]*\))?): inputs, parameters and code", rerun.pop("log")
    )
    rerun["replayed"] = replayed
    print(f"  coder edit ({edit}): {rerun['wall_s']} s wall, {rerun['cpu_s']} s CPU")
    print(f"    jobs rerun: {rerun['jobs']}")
    print(f"    replayed (early cutoff): {replayed}")
    return rerun


def bench(source: Path, cores: int, repeats: int, root: Path) -> dict:
    study = root / "study"
    shutil.copytree(source / "data", study / "data")
    shutil.copy(source / "config.yaml", study / "config.yaml")
    print(f"  study copied to {study}")
    full = timed_snakemake(study, cores)
    full.pop("log")
    print(f"  full run: {full['wall_s']} s wall, {full['cpu_s']} s CPU")
    noops = [timed_snakemake(study, cores) for _ in range(repeats)]
    for noop in noops:
        noop.pop("log")
        print(f"  no-op: {noop['wall_s']} s wall, {noop['cpu_s']} s CPU")
    result = {
        "cores": cores,
        "full": full,
        "noop": noops,
        "noop_best_wall_s": min(n["wall_s"] for n in noops),
        "noop_best_cpu_s": min(n["cpu_s"] for n in noops),
        "coder_edits": {},
    }
    for name, (row, code) in EDITS.items():
        rerun = timed_edit(study, root / name, cores, row, code)
        rerun["share_wall"] = round(rerun["wall_s"] / full["wall_s"], 3)
        rerun["share_cpu"] = round(rerun["cpu_s"] / full["cpu_s"], 3)
        result["coder_edits"][name] = rerun
    return result


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--study", type=Path, default=REPO, help="folder with data/, config.yaml")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3, help="no-op runs")
    parser.add_argument("--out", type=Path, default=OUT / "rerun.json")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench_rerun_") as tmp:
        result = bench(args.study.resolve(), args.cores, args.repeats, Path(tmp))
    for name, rerun in result["coder_edits"].items():
        print(
            f"  {name}: rerun / full run {rerun['share_wall']:.0%} wall, "
            f"{rerun['share_cpu']:.0%} CPU (target ≤ 50 %)"
        )
    print(f"  best no-op {result['noop_best_wall_s']} s wall (target ≤ 1.5 s)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return result


if __name__ == "__main__":
    main()
