def optional_quotes():
    """data/quotes.csv (analysts' pinned quotes) is an input only when it exists."""
    path = config["data"]["quotes"]
    return [path] if path and Path(path).exists() else []


rule themes:
    """Theme frequency by wave, primacy, importance, co-occurrence and exemplar quotes."""
    input:
        consensus="results/consensus/codings.csv",
        quotes=optional_quotes(),
        units="results/clean/units.csv",
        interviews=config["data"]["interviews"],
    output:
        frequency="results/themes/theme_frequency_by_wave.csv",
        matrix="results/themes/participant_theme_matrix.csv",
        primacy_by_transcript="results/themes/primacy_by_transcript.csv",
        primacy="results/themes/primacy.csv",
        importance="results/themes/theme_importance.csv",
        cooccurrence="results/themes/cooccurrence.csv",
        exemplars="results/themes/exemplars.csv",
        primacy_prompts="results/themes/primacy_prompts.csv",
        trajectories="results/themes/trajectories.csv",
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
        codebook=CODEBOOK,
        primacy_prompt=config["themes"]["primacy_prompt"],
        weights=config["themes"]["importance_weights"],
        min_words=config["exemplars"]["min_words"],
        max_words=config["exemplars"]["max_words"],
        per_subtheme=config["exemplars"]["per_subtheme"],
    script:
        "../scripts/themes.py"


rule quote_bank:
    """Every consensus unit per subtheme with both coders' codes and memos, for choosing quotes.
    Its own rule: the theme tables then depend on the consensus alone."""
    input:
        **coder_codings(),
        consensus="results/consensus/codings.csv",
        units="results/clean/units.csv",
        interviews=config["data"]["interviews"],
        exemplars="results/themes/exemplars.csv",
    output:
        "results/themes/quote_bank.xlsx",
    log:
        "logs/quote_bank.log",
    benchmark:
        benchmark_file("quote_bank")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 10),
        runtime=sized(5, 0.2),
    params:
        codebook=CODEBOOK,
        coders=[CODER_A, CODER_B],
    script:
        "../scripts/quote_bank.py"
