rule export_qdpx:
    """The cleaned study as a REFI-QDA project that coders open in NVivo, ATLAS.ti, MAXQDA or
    QualCoder and code blind."""
    input:
        units="results/clean/units.csv",
        texts=TEXT_MANIFEST,
        codebook=config["data"]["codebook"],
        participants=config["data"]["participants"],
        interviews=config["data"]["interviews"],
    output:
        "results/qdpx/study.qdpx",
    log:
        "logs/export_qdpx.log",
    benchmark:
        benchmark_file("export_qdpx")
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
        project_name=config["study"]["name"],
        case_variables=config["qdpx"]["case_variables"],
    script:
        "../scripts/export_qdpx.py"


rule export_qdpx_coder:
    """The same project for one coder, who is its only user: a QDA tool files the coder's
    work under the project's first user, so each coder gets a project of their own."""
    input:
        units="results/clean/units.csv",
        texts=TEXT_MANIFEST,
        codebook=config["data"]["codebook"],
        participants=config["data"]["participants"],
        interviews=config["data"]["interviews"],
    output:
        "results/qdpx/study_{coder}.qdpx",
    log:
        "logs/export_qdpx_coder_{coder}.log",
    benchmark:
        benchmark_file("export_qdpx_coder_{coder}")
    # A side output nothing else waits for: the jobs on the way to the notebooks go first
    # (here, and on Slurm through `nice` in the profile).
    priority: -1
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 10),
        runtime=sized(10, 0.5),
    params:
        coders=lambda wildcards: [wildcards.coder],
        project_name=lambda wildcards: f"{config['study']['name']} ({wildcards.coder})",
        case_variables=config["qdpx"]["case_variables"],
    script:
        "../scripts/export_qdpx.py"
