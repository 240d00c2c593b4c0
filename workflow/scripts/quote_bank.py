from pathlib import Path

from qualflow.stage import run_stage
from qualflow.themes.run import run_quote_bank

run_stage(
    snakemake,
    lambda: run_quote_bank(
        consensus_csv=Path(snakemake.input.consensus),
        units_csv=Path(snakemake.input.units),
        interviews_csv=Path(snakemake.input.interviews),
        codebook_yaml=snakemake.params.codebook,
        exemplars_csv=Path(snakemake.input.exemplars),
        codings_csv=dict(
            zip(
                snakemake.params.coders,
                [Path(snakemake.input.codings_a), Path(snakemake.input.codings_b)],
                strict=True,
            )
        ),
        output=Path(snakemake.output[0]),
    ),
)
