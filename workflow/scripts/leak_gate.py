from qualflow.clean.leakgate import run_leak_gate
from qualflow.stage import run_stage

run_stage(
    snakemake,
    lambda: run_leak_gate(
        redaction_csv=snakemake.input.redaction,
        patterns=list(snakemake.params.patterns),
        roots=["results", "logs"],
        report=snakemake.output[0],
        exclude=list(snakemake.log),
        not_names=list(snakemake.params.not_names),
    ),
)
