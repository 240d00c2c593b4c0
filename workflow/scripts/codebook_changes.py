from pathlib import Path

from qualflow.revision import run_codebook_changes
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: run_codebook_changes(
        coder_files=dict(snakemake.params.coder_files),
        codebook_yaml=snakemake.params.codebook,
        units_csv=Path(snakemake.input.units),
        clean_dir=Path(snakemake.input.units).parent,
        text_lock=Path(snakemake.input.text_lock),
        resolutions_csv=Path(snakemake.input.resolutions),
        min_overlap=snakemake.params.min_overlap,
        out_changes=Path(snakemake.output.changes),
        out_recode={
            Path(path).stem.removeprefix("recode_"): Path(path) for path in snakemake.output.recode
        },
        coders=dict(snakemake.params.coders),
        end_position=snakemake.params.end_position,
    ),
)
