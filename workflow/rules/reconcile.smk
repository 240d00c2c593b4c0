rule disagreements:
    """Every unit × code the coders differ on, ordered for the reconciliation meeting."""
    input:
        **coder_codings(),
        units="results/clean/units.csv",
        codebook=config["data"]["codebook"],
    output:
        csv="results/reconciliation/disagreements.csv",
        xlsx="results/reconciliation/disagreements.xlsx",
    log:
        "logs/disagreements.log",
    benchmark:
        benchmark_file("disagreements")
    # A side output nothing else waits for: the jobs on the way to the notebooks go first
    # (here, and on Slurm through `nice` in the profile).
    priority: -1
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 10),
        runtime=sized(5, 0.2),
    params:
        coders=CODERS,
        speakers=config["agreement"]["speakers"],
    script:
        "../scripts/disagreements.py"


rule consensus:
    """Agreed codes plus the team's recorded resolutions; doubtful items counted in status.csv."""
    input:
        **coder_codings(),
        units="results/clean/units.csv",
        resolutions=config["data"]["resolutions"],
    output:
        codings="results/consensus/codings.csv",
        status="results/reconciliation/status.csv",
    log:
        "logs/consensus.log",
    benchmark:
        benchmark_file("consensus")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 10),
        runtime=sized(5, 0.2),
    params:
        codebook=CODEBOOK,
        coders=CODERS,
        speakers=config["agreement"]["speakers"],
        unresolved=config["reconcile"]["unresolved"],
    script:
        "../scripts/consensus.py"
