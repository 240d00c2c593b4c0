from pathlib import Path

from qualflow.codebook.read import load_codebook
from qualflow.contracts import read_units
from qualflow.qdpx.export import export_study
from qualflow.stage import run_stage
from qualflow.study import read_interviews, read_participants

run_stage(
    snakemake,
    lambda: export_study(
        clean_dir=Path(snakemake.input.units).parent,
        units=read_units(snakemake.input.units),
        codebook=load_codebook(snakemake.input.codebook),
        coders=list(snakemake.params.coders),
        participants=read_participants(snakemake.input.participants),
        interviews=read_interviews(snakemake.input.interviews),
        out_path=Path(snakemake.output[0]),
        project_name=snakemake.params.project_name,
        case_variables=list(snakemake.params.case_variables),
    ),
)
