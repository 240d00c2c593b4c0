from pathlib import Path

from qualflow.clean.bundle import unpack_texts
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: unpack_texts(
        Path(snakemake.input[0]),
        Path(snakemake.output.manifest).parent,
        Path(snakemake.output.manifest),
    ),
)
