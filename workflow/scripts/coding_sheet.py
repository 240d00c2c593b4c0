import pandas as pd

from qualflow.codebook import load_codebook
from qualflow.codings import write_coding_sheet
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: write_coding_sheet(
        units=pd.read_csv(snakemake.input.units, dtype={"unit_id": str, "transcript_id": str}),
        codebook=load_codebook(snakemake.input.codebook),
        path=snakemake.output[0],
    ),
)
