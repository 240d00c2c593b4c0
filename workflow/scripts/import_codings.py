from pathlib import Path

from qualflow.codings import import_coder
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: import_coder(
        source=Path(snakemake.input.source),
        coder=snakemake.wildcards.coder,
        codebook_yaml=Path(snakemake.input.codebook),
        units_csv=Path(snakemake.input.units),
        clean_dir=Path(snakemake.input.units).parent,
        min_overlap=snakemake.params.min_overlap,
        out_csv=Path(snakemake.output.codings),
        out_status=Path(snakemake.output.status),
        coders=dict(snakemake.params.coders),
        end_position=snakemake.params.end_position,
    ),
)
