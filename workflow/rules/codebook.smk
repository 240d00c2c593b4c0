rule codebook_changes:
    """What each entry of the codebook's change log did to each coder's codings and to the
    resolutions; for a split, the recode sheets coders fill."""
    input:
        sources=[file for files in CODER_FILES.values() for file in files],
        units="results/clean/units.csv",
        texts=TEXT_MANIFEST,
        text_lock=config["data"]["text_lock"],
        resolutions=config["data"]["resolutions"],
    output:
        changes="results/codebook/changes.csv",
        recode=recode_sheets(),
    log:
        "logs/codebook_changes.log",
    benchmark:
        benchmark_file("codebook_changes")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 10),
        runtime=sized(10, 0.5),
    params:
        codebook=CODEBOOK,
        coder_files=CODER_FILES,
        coders=qda_user_map(config["coders"], config["qda_users"]),
        min_overlap=config["units"]["min_overlap"],
        end_position=config["units"]["qdpx_end_position"],
    script:
        "../scripts/codebook_changes.py"
