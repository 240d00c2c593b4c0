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
    script:
        "../scripts/export_qdpx.py"
