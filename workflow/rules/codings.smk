rule coding_sheet:
    """A blank coding sheet per coder, for coders without QDA software."""
    input:
        units="results/clean/units.csv",
        codebook=config["data"]["codebook"],
    output:
        "results/coding_sheets/{coder}.xlsx",
    log:
        "logs/coding_sheet_{coder}.log",
    benchmark:
        benchmark_file("coding_sheet_{coder}")
    # A side output nothing else waits for: the jobs on the way to the notebooks go first
    # (here, and on Slurm through `nice` in the profile).
    priority: -1
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 20),
        runtime=sized(5, 0.2),
    script:
        "../scripts/coding_sheet.py"


rule import_codings:
    """One coder's codings (long CSV, filled sheet or REFI-QDA project) → one row per unit × code."""
    input:
        source=coder_source,
        units="results/clean/units.csv",
        texts=TEXT_MANIFEST,
        text_lock=config["data"]["text_lock"],
    output:
        codings="results/codings/{coder}.csv",
        status="results/codings/{coder}_status.csv",
        anchoring="results/codings/{coder}_anchoring.csv",
    log:
        "logs/import_codings_{coder}.log",
    benchmark:
        benchmark_file("import_codings_{coder}")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 10),
        runtime=sized(5, 0.2),
    params:
        min_overlap=config["units"]["min_overlap"],
        end_position=config["units"]["qdpx_end_position"],
        coders=qda_user_map(config["coders"], config["qda_users"]),
        codebook=CODEBOOK,
    script:
        "../scripts/import_codings.py"
