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
    benchmark:
        benchmark_file("export_qdpx")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 10),
        runtime=sized(5, 0.2),
    params:
        coders=CODERS,
        project_name=config["study"]["name"],
    script:
        "../scripts/export_qdpx.py"
