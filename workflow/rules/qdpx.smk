rule export_qdpx:
    """The cleaned study as a REFI-QDA project that coders open in NVivo, ATLAS.ti, MAXQDA or
    QualCoder and code blind."""
    input:
        units="results/clean/units.csv",
        texts=clean_texts(),
        codebook=config["data"]["codebook"],
        participants=config["data"]["participants"],
        interviews=config["data"]["interviews"],
    output:
        "results/qdpx/study.qdpx",
    log:
        "logs/export_qdpx.log",
    conda:
        "../envs/qualflow.yaml"
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
        texts=clean_texts(),
        codebook=config["data"]["codebook"],
        participants=config["data"]["participants"],
        interviews=config["data"]["interviews"],
    output:
        "results/qdpx/study_{coder}.qdpx",
    log:
        "logs/export_qdpx_{coder}.log",
    conda:
        "../envs/qualflow.yaml"
    params:
        coders=lambda wildcards: [wildcards.coder],
        project_name=lambda wildcards: f"{config['study']['name']} ({wildcards.coder})",
        case_variables=config["qdpx"]["case_variables"],
    script:
        "../scripts/export_qdpx.py"
