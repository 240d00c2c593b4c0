from qualflow.codebook.read import load_codebook
from qualflow.codings.sheet import write_coding_sheet
from qualflow.contracts import read_units
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: write_coding_sheet(
        units=read_units(snakemake.input.units),
        codebook=load_codebook(snakemake.input.codebook),
        path=snakemake.output[0],
    ),
)
