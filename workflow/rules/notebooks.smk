rule notebook_agreement:
    """Forest plot, agreement tables and the generated narrative."""
    input:
        notebook=notebook_source("agreement"),
        agreement_by_code="results/agreement/agreement_by_code.csv",
        agreement_by_code_transcript="results/agreement/agreement_by_code_transcript.csv",
        agreement_summary="results/agreement/agreement_summary.csv",
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


rule notebook_themes:
    """Subtheme × wave heatmap, prevalence by wave, participant matrix, co-occurrence —
    once for all subthemes and once per category."""
    input:
        notebook=notebook_source("themes"),
        theme_frequency="results/themes/theme_frequency_by_wave.csv",
        participant_theme_matrix="results/themes/participant_theme_matrix.csv",
        cooccurrence="results/themes/cooccurrence.csv",
        theme_importance="results/themes/theme_importance.csv",
        exemplars="results/themes/exemplars.csv",
        codebook=config["data"]["codebook"],
    output:
        ipynb="results/notebooks/themes_{category}.ipynb",
        html="results/notebooks/themes_{category}.html",
        heatmap=report(
            "results/figures/themes_{category}_heatmap.png",
            caption="../report/heatmap.rst",
            category="Themes",
            subcategory="{category}",
        ),
        prevalence=report(
            "results/figures/themes_{category}_prevalence.png",
            caption="../report/prevalence.rst",
            category="Themes",
            subcategory="{category}",
        ),
        matrix=report(
            "results/figures/themes_{category}_matrix.png",
            caption="../report/matrix.rst",
            category="Themes",
            subcategory="{category}",
        ),
        cooccurrence=report(
            "results/figures/themes_{category}_cooccurrence.png",
            caption="../report/cooccurrence.rst",
            category="Themes",
            subcategory="{category}",
        ),
        svgs=expand(
            "results/figures/themes_{{category}}_{kind}.svg", kind=THEME_FIGURES
        ),
        frequency=expand(
            "results/tables/themes_{{category}}_frequency.{ext}", ext=TABLE_FORMATS
        ),
    log:
        "logs/notebook_themes_{category}.log",
    benchmark:
        benchmark_file("notebook_themes_{category}")
    conda:
        "../envs/qualflow.yaml"
    resources:
        mem_mb=sized(2000, 10),
        runtime=sized(10, 0.2),
    params:
        parameters=lambda wildcards: notebook_parameters(wildcards.category),
    script:
        "../scripts/notebook.py"


rule notebook_manuscript:
    """Table 1, Figure 1 (recruitment flowchart), the themes table and the agreement table."""
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
    output:
        ipynb="results/notebooks/manuscript.ipynb",
        html="results/notebooks/manuscript.html",
        flowchart=figure("figure1_flowchart", "flowchart", "Manuscript"),
        flowchart_svg="results/figures/figure1_flowchart.svg",
        table1=table_report("table1_participants", "Manuscript"),
        table2=table_report("table2_themes", "Manuscript"),
        table3=table_report("table3_agreement", "Manuscript"),
        other_formats=expand(
            "results/tables/{stem}.{ext}",
            stem=["table1_participants", "table2_themes", "table3_agreement"],
            ext=["md", "tex", "docx"],
        ),
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
        parameters=notebook_parameters(),
    script:
        "../scripts/notebook.py"
