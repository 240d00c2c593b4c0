rule reconciliation_report:
    """Each coder against the consensus, solo codings upheld, and coding-at-all vs which-code."""
    input:
        **coder_codings(),
        consensus="results/consensus/codings.csv",
        units="results/clean/units.csv",
    output:
        summary="results/reconciliation/summary.csv",
    log:
        "logs/reconciliation_report.log",
    benchmark:
        benchmark_file("reconciliation_report")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 10),
        runtime=sized(10, 0.5),
    params:
        codebook=CODEBOOK,
        speakers=config["agreement"]["speakers"],
    script:
        "../scripts/reconciliation_report.py"
