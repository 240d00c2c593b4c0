from pathlib import Path

from qualflow.agreement.run import run_reconciliation_report
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: run_reconciliation_report(
        codings_a_csv=Path(snakemake.input.codings_a),
        codings_b_csv=Path(snakemake.input.codings_b),
        consensus_csv=Path(snakemake.input.consensus),
        units_csv=Path(snakemake.input.units),
        codebook_yaml=snakemake.params.codebook,
        out_csv=Path(snakemake.output.summary),
        speakers=list(snakemake.params.speakers),
    ),
)
