from pathlib import Path

from qualflow.stage import run_stage


def themes():
    from qualflow.themes.run import run_themes  # not needed when the job is replayed

    run_themes(
        consensus_csv=Path(snakemake.input.consensus),
        units_csv=Path(snakemake.input.units),
        interviews_csv=Path(snakemake.input.interviews),
        codebook_yaml=snakemake.params.codebook,
        outputs=dict(snakemake.output.items()),
        primacy_prompt=snakemake.params.primacy_prompt,
        weights=dict(snakemake.params.weights),
        min_words=snakemake.params.min_words,
        max_words=snakemake.params.max_words,
        per_subtheme=snakemake.params.per_subtheme,
        quotes_csv=Path(snakemake.input.quotes[0]) if snakemake.input.quotes else None,
    )


run_stage(snakemake, themes, early_cutoff=True)
