"""Configuration, validation and the helpers the rules share."""

from pathlib import Path

from snakemake.utils import min_version, validate

from qualflow.codebook import load_codebook
from qualflow.io import load_yaml
from qualflow.study import read_interviews, recorded_transcripts
from qualflow.study import check_config_values, check_study
from qualflow.transcripts import plan_transcripts

min_version("9.0")

# Re-read every config file strictly (qualflow.io.load_yaml): Snakemake's reader lets a key
# given twice win silently and follows aliases; this names the file and line instead.
for _configfile in workflow.configfiles:
    load_yaml(_configfile)

# YAML reads `waves: {1: ...}` with integer keys; JSON Schema wants string keys.
if "waves" in config:
    config["waves"] = {str(k): v for k, v in config["waves"].items()}
validate(config, workflow.source_path("../schemas/config.schema.yaml"))

CODERS = list(config["coders"])
CODER_A, CODER_B = CODERS
# One themes notebook for all subthemes and one per category of the study's codebook.
CATEGORIES = ["all", *load_codebook(config["data"]["codebook"])["category"].unique()]
WAVE_LABELS = {int(k): v for k, v in config["waves"].items()}

ALL_INTERVIEWS = read_interviews(config["data"]["interviews"])
# Fail before anything runs if interviews.csv and the transcripts folder disagree (a listed
# file missing, or a file present that is not listed), naming the file or row.
plan_transcripts(
    ALL_INTERVIEWS, config["data"]["interviews"], config["data"]["transcripts"]
)
# Fail before anything runs if the study's tables disagree with each other (participants vs
# interviews vs screening) or config values contradict each other.
check_config_values(config)
check_study(
    config["data"]["participants"],
    config["data"]["interviews"],
    config["data"]["screening"],
)
INTERVIEWS = recorded_transcripts(ALL_INTERVIEWS)
TRANSCRIPT_IDS = list(INTERVIEWS["transcript_id"])
TRANSCRIPT_FILES = [
    str(Path(config["data"]["transcripts"]) / name)
    for name in INTERVIEWS["transcript_file"]
]


wildcard_constraints:
    coder="|".join(CODERS),
    category="|".join(CATEGORIES),


def clean_texts():
    return expand("results/clean/{tid}.txt", tid=TRANSCRIPT_IDS)


def coder_source(wildcards):
    return config["coders"][wildcards.coder]


def coder_codings():
    return {
        "codings_a": f"results/codings/{CODER_A}.csv",
        "codings_b": f"results/codings/{CODER_B}.csv",
    }


def figure_options():
    f = config["figures"]
    return {"dpi": f["dpi"], "width_in": f["width_in"], "font_size": f["font_size"]}


def all_outputs():
    return [
        "results/clean/units.csv",
        expand("results/coding_sheets/{coder}.xlsx", coder=CODERS),
        "results/qdpx/study.qdpx",
        "results/agreement/agreement_by_code.csv",
        "results/reconciliation/disagreements.xlsx",
        "results/consensus/codings.csv",
        "results/themes/theme_frequency_by_wave.csv",
        "results/notebooks/agreement.html",
        expand("results/notebooks/themes_{category}.html", category=CATEGORIES),
        "results/notebooks/manuscript.html",
    ]


# --- notebooks -------------------------------------------------------------------------

TABLE_FORMATS = ["csv", "md", "tex", "docx"]
THEME_FIGURES = ["heatmap", "prevalence", "matrix", "cooccurrence"]
NOTEBOOK_DIR = Path(workflow.basedir) / "notebooks"


def figure(stem, caption, category, subcategory=None):
    """A figure's PNG, flagged for the Snakemake report with its caption."""
    return report(
        f"results/figures/{stem}.png",
        caption=f"../report/{caption}.rst",
        category=category,
        subcategory=subcategory,
    )


def tables(stem):
    return expand("results/tables/{stem}.{ext}", stem=stem, ext=TABLE_FORMATS)


def table_report(stem, category):
    return report(
        f"results/tables/{stem}.csv", caption="../report/table.rst", category=category
    )


def notebook_parameters(category=None, exemplars=True):
    """Config values a notebook shows; a change here reruns only the notebooks using it."""
    params = {
        "figures_dir": "results/figures",
        "tables_dir": "results/tables",
        "wave_labels": WAVE_LABELS,
        "ci_level": config["agreement"]["ci_level"],
        **figure_options(),
    }
    if exemplars:
        params["exemplar_min_words"] = config["exemplars"]["min_words"]
        params["exemplar_max_words"] = config["exemplars"]["max_words"]
    if category is not None:
        params["category"] = category
    return params
