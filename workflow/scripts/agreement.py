from pathlib import Path

from qualflow.stage import run_stage


def agreement():
    from qualflow.agreement.run import run_agreement  # not needed when the job is replayed

    run_agreement(
        codings_a_csv=Path(snakemake.input.codings_a),
        codings_b_csv=Path(snakemake.input.codings_b),
        units_csv=Path(snakemake.input.units),
        codebook_yaml=snakemake.params.codebook,
        outputs=dict(snakemake.output.items()),
        speakers=list(snakemake.params.speakers),
        replicates=snakemake.params.replicates,
        seed=snakemake.params.seed,
        ci_level=snakemake.params.ci_level,
        cluster=snakemake.params.cluster,
    )


run_stage(snakemake, agreement, early_cutoff=True)
