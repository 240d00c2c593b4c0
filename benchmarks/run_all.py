"""`make bench`: measure what the design claims about speed, on this machine.

1. The whole pipeline (`snakemake`, config `shards: auto`) on synthetic studies at 1x, 10x and
   100x the demo (100x ~ 2,900 transcripts): wall time and each rule's time and peak memory
   from its benchmark file, and the growth ratios (benchmarks/bench_scale.py; the 1,000x
   study is `make bench-1000`).
2. Snakemake's own per-job cost: N start-up-only jobs (Python + the cleaning module), to weigh
   one job per transcript against one job for the whole study.
3. Agreement: vectorised statistics + cluster bootstrap vs a naive scikit-learn loop
   (benchmarks/bench_agreement.py).
4. The leak gate's end-of-run scan over the largest run folder (benchmarks/bench_leakgate.py).
5. Between edits, on the demo: a full run, no-op runs and two coder edits' reruns
   (benchmarks/bench_rerun.py).
Results are printed and written to benchmarks/out/*.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"


SNAKEFILE = """
N = {n}
rule all:
    input: expand("out/{{i}}.txt", i=range(N))
rule one:
    output: "out/{{i}}.txt"
    log: "logs/{{i}}.log"
    script: "job.py"
"""

# What a per-transcript cleaning job would pay before doing any work: the interpreter, pandas and
# the cleaning module (the work itself is measured in the batch timing above).
JOB = (
    "from pathlib import Path\n"
    "import qualflow.clean.run  # noqa: F401  (imports pandas, as a real cleaning job would)\n"
    "Path(snakemake.output[0]).write_text('x')\n"
)


def bench_snakemake_jobs(n_jobs: int, root: Path, cores: int) -> dict:
    """Wall-clock of N `script:` jobs that only start Python and import the cleaning module, as
    each job of a per-transcript cleaning rule would: the scheduler's and start-up cost."""
    work = Path(tempfile.mkdtemp(prefix="smk_jobs_", dir=root))
    (work / "Snakefile").write_text(SNAKEFILE.format(n=n_jobs))
    (work / "job.py").write_text(JOB)
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "snakemake", "--cores", str(cores), "--quiet", "all"],
        cwd=work,
        check=True,
        capture_output=True,
    )
    seconds = time.perf_counter() - t0
    row = {
        "jobs": n_jobs,
        "cores": cores,
        "seconds": seconds,
        "seconds_per_job": seconds / n_jobs,
        "extrapolated_3000_jobs_seconds": 3000 * seconds / n_jobs,
    }
    print(
        f"  snakemake: {n_jobs} start-up-only jobs on {cores} cores in {seconds:.1f} s "
        f"({seconds / n_jobs:.2f} s/job; 3,000 per-transcript jobs ≈ "
        f"{row['extrapolated_3000_jobs_seconds'] / 60:.0f} min of overhead alone)"
    )
    return row


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    parser.add_argument(
        "--jobs", type=int, default=200, help="start-up-only Snakemake jobs to time"
    )
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--work", default=str(Path(tempfile.gettempdir()) / "qualflow-bench"))
    parser.add_argument("--skip-agreement", action="store_true")
    parser.add_argument("--skip-rerun", action="store_true")
    parser.add_argument("--shards", default="auto")
    args = parser.parse_args(argv)
    root = Path(args.work)
    root.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)
    markdown = ""
    if args.scales:
        from bench_scale import run_scales

        markdown = run_scales(args.scales, root, args.threads, args.shards, OUT / "scale.json")

    print("Snakemake per-job cost:")
    jobs = bench_snakemake_jobs(args.jobs, root, args.threads)
    (OUT / "snakemake_jobs.json").write_text(json.dumps(jobs, indent=2))
    if not args.skip_agreement:
        print("Agreement (vectorised vs naive):")
        subprocess.run(
            [
                sys.executable,
                str(HERE / "bench_agreement.py"),
                "--out",
                str(OUT / "agreement.json"),
            ],
            check=True,
        )
    if args.scales:
        from bench_leakgate import bench_run_folder

        print("Leak gate (end-of-run scan of results/ and logs/):")
        run = root / f"run_x{max(args.scales)}"
        (OUT / "leakgate.json").write_text(json.dumps(bench_run_folder(run), indent=2))
        print(markdown)
    if not args.skip_rerun:
        from bench_rerun import main as bench_rerun

        print("Between edits (demo):")
        bench_rerun(["--cores", str(args.threads), "--out", str(OUT / "rerun.json")])
    print(f"results in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
