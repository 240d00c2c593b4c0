rule themes:
    """Theme frequency by wave, primacy, importance, co-occurrence and exemplar quotes."""
    input:
        consensus="results/consensus/codings.csv",
        units="results/clean/units.csv",
        interviews=config["data"]["interviews"],
        codebook=config["data"]["codebook"],
    output:
        frequency="results/themes/theme_frequency_by_wave.csv",
        matrix="results/themes/participant_theme_matrix.csv",
        primacy_by_transcript="results/themes/primacy_by_transcript.csv",
        primacy="results/themes/primacy.csv",
        importance="results/themes/theme_importance.csv",
        cooccurrence="results/themes/cooccurrence.csv",
        exemplars="results/themes/exemplars.csv",
    log:
        "logs/themes.log",
    benchmark:
        benchmark_file("themes")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 10),
        runtime=sized(5, 0.2),
    params:
        primacy_prompt=config["themes"]["primacy_prompt"],
        weights=config["themes"]["importance_weights"],
        min_words=config["exemplars"]["min_words"],
        max_words=config["exemplars"]["max_words"],
    script:
        "../scripts/themes.py"
