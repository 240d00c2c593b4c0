from pathlib import Path

from qualflow.clean.shards import clean_shard
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: clean_shard(
        transcripts=[tuple(pair) for pair in snakemake.params.transcripts],
        redaction_csv=Path(snakemake.input.redaction),
        speakers=dict(snakemake.params.speakers),
        patterns=list(snakemake.params.patterns),
        not_names=list(snakemake.params.not_names),
        out_part=Path(snakemake.output[0]),
        threads=snakemake.threads,
    ),
)
