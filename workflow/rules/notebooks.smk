rule notebook_agreement:
    """Forest plot, agreement tables and the generated narrative."""
    input:
        notebook=notebook_source("agreement"),
        agreement_by_code="results/agreement/agreement_by_code.csv",
        agreement_by_code_transcript="results/agreement/agreement_by_code_transcript.csv",
        agreement_summary="results/agreement/agreement_summary.csv",
        codebook_changes="results/codebook/changes.csv",
        codebook=config["data"]["codebook"],
    output:
        ipynb="results/notebooks/agreement.ipynb",
        html="results/notebooks/agreement.html",
        forest=figure("agreement_forest", "agreement_forest", "Agreement"),
        forest_svg="results/figures/agreement_forest.svg",
        by_code=tables("agreement_by_code"),
        summary=tables("agreement_summary"),
        narrative="results/tables/agreement_narrative.md",
    log:
        "logs/notebook_agreement.log",
    benchmark:
        benchmark_file("notebook_agreement")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(2000, 10),
        runtime=sized(10, 0.2),
    params:
        parameters=notebook_parameters(exemplars=False),
    script:
        "../scripts/notebook.py"


rule notebook_reconciliation:
    """What the reconciliation meeting did (after consensus; the agreement notebook is built
    before, so that it is there for the meeting)."""
    input:
        notebook=notebook_source("reconciliation"),
        agreement_summary="results/agreement/agreement_summary.csv",
        reconciliation_summary="results/reconciliation/summary.csv",
    output:
        ipynb="results/notebooks/reconciliation.ipynb",
        html="results/notebooks/reconciliation.html",
    log:
        "logs/notebook_reconciliation.log",
    benchmark:
        benchmark_file("notebook_reconciliation")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(2000, 10),
        runtime=sized(10, 0.2),
    params:
        parameters={"wave_labels": WAVE_LABELS},
    script:
        "../scripts/notebook.py"


THEMES_INPUT = {
    "notebook": notebook_source("themes"),
    "theme_frequency": "results/themes/theme_frequency_by_wave.csv",
    "participant_theme_matrix": "results/themes/participant_theme_matrix.csv",
    "cooccurrence": "results/themes/cooccurrence.csv",
    "theme_importance": "results/themes/theme_importance.csv",
    "exemplars": "results/themes/exemplars.csv",
    "trajectories": "results/themes/trajectories.csv",
    "codebook": config["data"]["codebook"],
}


rule notebook_themes:
    """Subtheme × wave heatmap, change over the waves, framework matrix with trajectories,
    co-occurrence — once for all subthemes and once per category."""
    input:
        **THEMES_INPUT,
    output:
        **theme_outputs(cooccurrence=True),
    log:
        "logs/notebook_themes_{category}.log",
    benchmark:
        benchmark_file("notebook_themes_{category}")
    wildcard_constraints:
        category=_one_of(COOCCURRENCE_CATEGORIES),
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(2000, 10),
        runtime=sized(10, 0.2),
    params:
        parameters=lambda wildcards: notebook_parameters(wildcards.category),
    script:
        "../scripts/notebook.py"


use rule notebook_themes as notebook_themes_small with:
    output:
        **theme_outputs(cooccurrence=False),
    wildcard_constraints:
        category=_one_of(NO_COOCCURRENCE_CATEGORIES),


rule notebook_manuscript:
    """Figure 1 (recruitment flowchart), Figure 2 (change over the waves), Tables 1-3, the
    manuscript draft (Methods and Results, .docx and .md) and the COREQ checklist."""
    input:
        notebook=notebook_source("manuscript"),
        screening=config["data"]["screening"],
        participants=config["data"]["participants"],
        interviews=config["data"]["interviews"],
        codebook=config["data"]["codebook"],
        theme_frequency="results/themes/theme_frequency_by_wave.csv",
        exemplars="results/themes/exemplars.csv",
        agreement_by_code="results/agreement/agreement_by_code.csv",
        agreement_summary="results/agreement/agreement_summary.csv",
        participant_theme_matrix="results/themes/participant_theme_matrix.csv",
        cleaning_report="results/clean/cleaning_report.csv",
        reconciliation_status="results/reconciliation/status.csv",
        codebook_changes="results/codebook/changes.csv",
    output:
        ipynb="results/notebooks/manuscript.ipynb",
        html="results/notebooks/manuscript.html",
        flowchart=figure("figure1_flowchart", "flowchart", "Manuscript"),
        change=figure("figure2_change", "prevalence", "Manuscript"),
        vector=expand(
            "results/figures/{stem}.{ext}",
            stem=["figure1_flowchart", "figure2_change"],
            ext=["svg", "pdf"],
        ),
        table1=table_report("table1_participants", "Manuscript"),
        table2=table_report("table2_themes", "Manuscript"),
        table3=table_report("table3_agreement", "Manuscript"),
        other_formats=expand(
            "results/tables/{stem}.{ext}",
            stem=["table1_participants", "table2_themes", "table3_agreement"],
            ext=["md", "tex", "docx"],
        ),
        draft=multiext("results/manuscript/manuscript", ".docx", ".md"),
        coreq=multiext("results/manuscript/coreq", ".csv", ".docx"),
    log:
        "logs/notebook_manuscript.log",
    benchmark:
        benchmark_file("notebook_manuscript")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(2000, 10),
        runtime=sized(10, 0.2),
    params:
        parameters={
            **notebook_parameters(),
            "manuscript_dir": "results/manuscript",
            "min_cell": config["tables"]["min_cell"],
            "coders": {c: files[0] for c, files in CODER_FILES.items()},
            "bootstrap_replicates": config["agreement"]["bootstrap"]["replicates"],
            "importance_weights": dict(config["themes"]["importance_weights"]),
        },
    script:
        "../scripts/notebook.py"
