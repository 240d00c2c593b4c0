# The study's front page: results/index.html, and what changed since the previous run.


rule frontpage:
    """Headline numbers, warnings, links to every output, and the changes since the last run."""
    input:
        participants=config["data"]["participants"],
        interviews=config["data"]["interviews"],
        screening=config["data"]["screening"],
        redaction=config["data"]["redaction"],
        codebook=config["data"]["codebook"],
        resolutions=config["data"]["resolutions"],
        coder_files=[file for files in CODER_FILES.values() for file in files],
        transcripts=TRANSCRIPT_FILES,
        agreement_summary="results/agreement/agreement_summary.csv",
        agreement_by_code="results/agreement/agreement_by_code.csv",
        status="results/reconciliation/status.csv",
        consensus="results/consensus/codings.csv",
        theme_frequency="results/themes/theme_frequency_by_wave.csv",
        exemplars="results/themes/exemplars.csv",
        cleaning_report="results/clean/cleaning_report.csv",
        coding_status=expand("results/codings/{coder}_status.csv", coder=CODERS),
        # Every file the page links: the notebooks' outputs, then the files for people. Paths
        # as plain strings: a `rules.x.output` item makes Snakemake look up every input of this
        # rule (the transcripts too) in a dict keyed by whole input lists, N² at 1,000x.
        links=[
            *map(str, rules.notebook_agreement.output),
            *[
                path
                for rule, names in (
                    (rules.notebook_themes, COOCCURRENCE_CATEGORIES),
                    (rules.notebook_themes_small, NO_COOCCURRENCE_CATEGORIES),
                )
                for category in names
                for path in expand(list(rule.output), category=category)
            ],
            *map(str, rules.notebook_manuscript.output),
            *map(str, rules.notebook_reconciliation.output),
            "results/reconciliation/disagreements.xlsx",
            "results/reconciliation/disagreements.csv",
            "results/reconciliation/status.csv",
            "results/consensus/codings.csv",
            *expand("results/coding_sheets/{coder}.xlsx", coder=CODERS),
            "results/qdpx/study.qdpx",
            "results/clean/units.csv",
            "results/clean/cleaning_report.csv",
            "results/agreement/agreement_by_code.csv",
            "results/agreement/agreement_summary.csv",
            "results/themes/theme_frequency_by_wave.csv",
            "results/themes/exemplars.csv",
        ],
    output:
        index="results/index.html",
        changes="results/changes.csv",
    log:
        "logs/frontpage.log",
    benchmark:
        benchmark_file("frontpage")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(1000, 1),
        runtime=sized(10, 0.1),
    params:
        study_name=config["study"]["name"],
        ci_level=config["agreement"]["ci_level"],
        coders=CODERS,
        settings=config,
        # Not an output: Snakemake would delete it before the job, losing the previous run.
        state="results/history/state.json",
    script:
        "../scripts/frontpage.py"
