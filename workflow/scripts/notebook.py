import os

from qualflow.present.notebooks import run_notebook
from qualflow.stage import run_stage

inputs = {name: str(path) for name, path in snakemake.input.items() if name != "notebook"}
run_stage(
    snakemake,
    lambda: run_notebook(
        source=snakemake.input.notebook,
        executed=snakemake.output.ipynb,
        html=snakemake.output.html,
        parameters={**snakemake.params.parameters, **inputs},
        cwd=os.getcwd(),
        home=os.path.relpath("results/index.html", os.path.dirname(snakemake.output.html)),
    ),
)
