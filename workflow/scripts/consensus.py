from pathlib import Path

from qualflow.reconcile.run import run_consensus
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: run_consensus(
        codings_a_csv=Path(snakemake.input.codings_a),
        codings_b_csv=Path(snakemake.input.codings_b),
        units_csv=Path(snakemake.input.units),
        codebook_yaml=snakemake.params.codebook,
        resolutions_csv=Path(snakemake.input.resolutions),
        coder_names=tuple(snakemake.params.coders),
        speakers=list(snakemake.params.speakers),
        unresolved=snakemake.params.unresolved,
        out_codings=Path(snakemake.output.codings),
        out_status=Path(snakemake.output.status),
    ),
)
