from pathlib import Path

from qualflow.codings.run import import_coder
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: import_coder(
        source=[Path(p) for p in snakemake.input.source],
        coder=snakemake.wildcards.coder,
        codebook_yaml=snakemake.params.codebook,
        units_csv=Path(snakemake.input.units),
        clean_dir=Path(snakemake.input.units).parent,
        min_overlap=snakemake.params.min_overlap,
        out_csv=Path(snakemake.output.codings),
        out_status=Path(snakemake.output.status),
        out_anchoring=Path(snakemake.output.anchoring),
        text_lock=Path(snakemake.input.text_lock),
        coders=dict(snakemake.params.coders),
        end_position=snakemake.params.end_position,
    ),
)
