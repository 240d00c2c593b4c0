rule agreement:
    """Per-code and pooled intercoder agreement with analytic and cluster-bootstrap intervals."""
    input:
        **coder_codings(),
        units="results/clean/units.csv",
    output:
        by_code="results/agreement/agreement_by_code.csv",
        by_code_transcript="results/agreement/agreement_by_code_transcript.csv",
        summary="results/agreement/agreement_summary.csv",
        double_coded="results/agreement/double_coded.csv",
    log:
        "logs/agreement.log",
    benchmark:
        benchmark_file("agreement")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 10),
        runtime=sized(10, 0.5),
    params:
        codebook=CODEBOOK,
        speakers=config["agreement"]["speakers"],
        replicates=config["agreement"]["bootstrap"]["replicates"],
        seed=config["agreement"]["bootstrap"]["seed"],
        cluster=config["agreement"]["bootstrap"]["cluster"],
        ci_level=config["agreement"]["ci_level"],
    script:
        "../scripts/agreement.py"
