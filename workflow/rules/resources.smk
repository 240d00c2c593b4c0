"""Cluster sizing: what runs on the submit host, and each heavy rule's memory and runtime
grown from the size of its inputs (used by executors such as Slurm; ignored by a local run
apart from `--resources` limits). A retry after a failure (`retries:` in the Slurm profile)
asks for proportionally more, so a job killed for memory or time recovers on its own."""

import math


# Trivial jobs run where snakemake runs, not as cluster jobs: `all` has no work, and
# `clean_texts` only unpacks one zip (a cluster job would add a queue wait for a second's work).
localrules:
    all,
    clean_texts,


def sized(base, per_input_mb):
    """A resource value of `base + per_input_mb × (MB of the job's inputs)`, times the attempt.

    Used as `mem_mb=sized(...)` (MB) and `runtime=sized(...)` (minutes); the factors come from
    the peak memory and wall time in logs/benchmarks/ measured on the demo and a 10× study,
    with headroom (README "Clusters")."""

    def value(wildcards, input, attempt):
        return math.ceil((base + per_input_mb * input.size_mb) * attempt)

    return value


def benchmark_file(name):
    """Each rule's wall time and peak memory (Snakemake's benchmark TSV), beside its log."""
    return f"logs/benchmarks/{name}.tsv"
