# qualflow: team-based thematic analysis of interview transcripts, from raw transcripts to a
# manuscript's figures and tables.  Run:  snakemake --cores 4
# Another study folder:  snakemake -s <repo>/Snakefile --directory <study> --cores 4


configfile: "config.yaml"


report: "workflow/report/workflow.rst"


include: "workflow/rules/common.smk"
include: "workflow/rules/resources.smk"
include: "workflow/rules/clean.smk"
include: "workflow/rules/codings.smk"
include: "workflow/rules/codebook.smk"
include: "workflow/rules/qdpx.smk"
include: "workflow/rules/agreement.smk"
include: "workflow/rules/reconcile.smk"
include: "workflow/rules/reconciliation_report.smk"
include: "workflow/rules/themes.smk"
include: "workflow/rules/notebooks.smk"
include: "workflow/rules/frontpage.smk"
include: "workflow/rules/leakgate.smk"


rule all:
    default_target: True
    input:
        all_outputs(),
        missing_clean_texts(),
        leak_gate_target(),
