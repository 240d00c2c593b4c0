"""Cluster sizing: each heavy rule's memory and runtime grown from the size of its inputs
(used by executors such as Slurm; ignored by a local run apart from `--resources` limits).
A retry after a failure (`retries:` in the Slurm profile) asks for proportionally more, so a
job killed for memory or time recovers on its own."""

import math


def sized(base, per_input_mb):
    """A resource value of `base + per_input_mb × (MB of the job's inputs)`, times the attempt.

    Used as `mem_mb=sized(...)` (MB) and `runtime=sized(...)` (minutes). Measured with
    logs/benchmarks/ on the demo (1.3 MB of transcripts) and a 10× study (13 MB; units.csv
    13 MB): every rule peaked under 430 MB (notebooks ~400 MB, others 100-240 MB); memory grew
    by at most ~7 MB per MB of input (coding_sheet, openpyxl) and CPU time by at most ~1 s per
    MB (clean, coding_sheet). The factors in the rules leave about 3× (memory) and 10×
    (time) headroom.
    """

    def value(wildcards, input, attempt):
        return math.ceil((base + per_input_mb * input.size_mb) * attempt)

    return value


def benchmark_file(name):
    """Each rule's wall time and peak memory (Snakemake's benchmark TSV), beside its log."""
    return f"logs/benchmarks/{name}.tsv"


# The last two steps run where snakemake runs, not as cluster jobs: each only reads finished
# outputs and writes one small file (demo: under 20 s each; 10x: see logs/benchmarks/), while as
# a Slurm job each waited about a minute for its submission, two snakemake starts and a status
# check, one after the other at the end of every run (README "Clusters").
localrules:
    frontpage,
    leak_gate,
