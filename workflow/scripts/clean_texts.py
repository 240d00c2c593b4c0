from pathlib import Path

from qualflow.stage import run_stage
from qualflow.transcripts import unpack_texts

run_stage(
    snakemake,
    lambda: unpack_texts(Path(snakemake.input[0]), Path(snakemake.output[0]).parent),
)
