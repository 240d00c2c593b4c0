from pathlib import Path

from qualflow.clean.shards import gather_clean
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: gather_clean(
        parts=[Path(p) for p in snakemake.input.parts],
        interviews_csv=Path(snakemake.input.interviews),
        transcripts_dir=Path(snakemake.params.transcripts_dir),
        redaction_csv=Path(snakemake.input.redaction),
        speakers=dict(snakemake.params.speakers),
        patterns=list(snakemake.params.patterns),
        not_names=list(snakemake.params.not_names),
        outputs=dict(snakemake.output.items()),
        threads=snakemake.threads,
    ),
)
