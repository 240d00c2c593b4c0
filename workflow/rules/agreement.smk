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
    conda:
        "../envs/qualflow.yaml"
    params:
        codebook=CODEBOOK,
        speakers=config["agreement"]["speakers"],
        replicates=config["agreement"]["bootstrap"]["replicates"],
        seed=config["agreement"]["bootstrap"]["seed"],
        cluster=config["agreement"]["bootstrap"]["cluster"],
        ci_level=config["agreement"]["ci_level"],
    script:
        "../scripts/agreement.py"
