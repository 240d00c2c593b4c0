from pathlib import Path

from qualflow.clean.run import clean_study
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: clean_study(
        interviews_csv=snakemake.input.interviews,
        transcripts_dir=snakemake.params.transcripts_dir,
        redaction_csv=snakemake.input.redaction,
        speakers=dict(snakemake.params.speakers),
        patterns=list(snakemake.params.patterns),
        out_dir=Path(snakemake.output.units).parent,
        threads=snakemake.threads,
        texts_bundle=Path(snakemake.output.bundle),
    ),
)
