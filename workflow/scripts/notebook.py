import os

from qualflow.stage import run_stage


def execute():
    from qualflow.present.notebooks import run_notebook  # not needed when the job is replayed

    inputs = {name: str(path) for name, path in snakemake.input.items() if name != "notebook"}
    run_notebook(
        source=snakemake.input.notebook,
        executed=snakemake.output.ipynb,
        html=snakemake.output.html,
        parameters={**snakemake.params.parameters, **inputs},
        cwd=os.getcwd(),
        home=os.path.relpath("results/index.html", os.path.dirname(snakemake.output.html)),
    )


run_stage(snakemake, execute, early_cutoff=True)
