"""`make bench`: measure what the design claims about speed, on this machine.

1. Cleaning: one `clean_study` job over a synthetic study at 1x, 10x and 100x the demo study
   (100x ~ 3,000 transcripts), wall-clock seconds.
2. Snakemake's own per-job cost: N start-up-only jobs (Python + the cleaning module), to weigh
   one job per transcript against one job for the whole study.
3. Agreement: vectorised statistics + cluster bootstrap vs a naive scikit-learn loop
   (benchmarks/bench_agreement.py).
4. The whole pipeline (`snakemake --cores 2`) on a synthetic study at `--pipeline-scale`
   (default 10x; 100x takes several minutes), with each rule's wall time from Snakemake's
   total wall time.
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

import yaml

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
OUT = HERE / "out"


def study_at_scale(scale: int, root: Path) -> Path:
    """A synthetic study folder (cached between runs: generation is deterministic)."""
    from qualflow.demo.study import simulate_study

    folder = root / f"x{scale}"
    if not (folder / "data" / "interviews.csv").exists():
        t0 = time.perf_counter()
        simulate_study(folder, scale=scale, seed=2019)
        print(f"  generated x{scale} study in {time.perf_counter() - t0:.1f} s")
    return folder


def bench_cleaning(scales: list[int], root: Path, threads: int) -> list[dict]:
    from bench_leakgate import bench_clean_rescan

    from qualflow.clean.run import clean_study

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    rows = []
    for scale in scales:
        study = study_at_scale(scale, root)
        out = Path(tempfile.mkdtemp(prefix=f"clean_x{scale}_", dir=root))
        n_files = len(list((study / "data" / "transcripts").iterdir()))
        t0 = time.perf_counter()
        clean_study(
            interviews_csv=study / "data" / "interviews.csv",
            transcripts_dir=study / "data" / "transcripts",
            redaction_csv=study / "data" / "redaction.csv",
            speakers=config["speakers"],
            patterns=config["deid"]["patterns"],
            out_dir=out,
            threads=threads,
        )
        seconds = time.perf_counter() - t0
        rows.append(
            {
                "scale": scale,
                "transcripts": n_files,
                "threads": threads,
                "seconds": seconds,
                "ms_per_transcript": 1000 * seconds / n_files,
            }
        )
        # the leak gate's share of that: the cleaning stage's rescan of its own output
        rows[-1]["leak_rescan"] = bench_clean_rescan(
            out, study / "data" / "redaction.csv", config["deid"]["patterns"]
        )
        print(
            f"  clean x{scale}: {n_files} transcripts in {seconds:.1f} s "
            f"({1000 * seconds / n_files:.0f} ms each)"
        )
    return rows


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


def bench_pipeline(scale: int, root: Path, cores: int) -> dict:
    """Wall-clock of a full run on a fresh copy of the synthetic study at ``scale``."""
    from qualflow.cli import write_study_config

    study = study_at_scale(scale, root)
    run = Path(tempfile.mkdtemp(prefix=f"pipeline_x{scale}_", dir=root))
    (run / "data").symlink_to(study / "data", target_is_directory=True)
    write_study_config(REPO / "config.yaml", run)
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--cores", str(cores)],
        cwd=run,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise RuntimeError(f"pipeline at x{scale} failed:\n{proc.stderr[-3000:]}")
    units = sum(1 for _ in open(run / "results" / "clean" / "units.csv")) - 1
    row = {"scale": scale, "cores": cores, "seconds": seconds, "units": units, "run": str(run)}
    print(f"  pipeline x{scale}: {units:,} turns, whole DAG in {seconds / 60:.1f} min")
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
    parser.add_argument("--pipeline-scale", type=int, default=10, help="0 to skip")
    args = parser.parse_args(argv)
    root = Path(args.work)
    root.mkdir(parents=True, exist_ok=True)
    OUT.mkdir(parents=True, exist_ok=True)

    print("Cleaning (one job for the whole study):")
    cleaning = bench_cleaning(args.scales, root, args.threads)
    print("Snakemake per-job cost:")
    jobs = bench_snakemake_jobs(args.jobs, root, args.threads)
    (OUT / "cleaning.json").write_text(
        json.dumps({"cleaning": cleaning, "snakemake_jobs": jobs}, indent=2)
    )
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
    if args.pipeline_scale:
        print("Whole pipeline:")
        pipeline = bench_pipeline(args.pipeline_scale, root, args.threads)
        print("Leak gate (end-of-run scan of results/ and logs/):")
        from bench_leakgate import bench_run_folder

        gate_runs = [REPO] if (REPO / "results").is_dir() else []
        pipeline["leak_gate"] = [bench_run_folder(r) for r in [*gate_runs, Path(pipeline["run"])]]
        (OUT / "pipeline.json").write_text(json.dumps(pipeline, indent=2))
    print(f"results in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
