from pathlib import Path

from qualflow.reconcile.run import run_disagreements
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: run_disagreements(
        codings_a_csv=Path(snakemake.input.codings_a),
        codings_b_csv=Path(snakemake.input.codings_b),
        units_csv=Path(snakemake.input.units),
        codebook_yaml=Path(snakemake.input.codebook),
        coder_names=tuple(snakemake.params.coders),
        speakers=list(snakemake.params.speakers),
        out_csv=Path(snakemake.output.csv),
        out_xlsx=Path(snakemake.output.xlsx),
    ),
)
