"""Configuration, validation and the helpers the rules share."""

import re
import sys
from pathlib import Path

from snakemake.utils import min_version, validate

from qualflow.clean.bundle import MANIFEST_NAME
from qualflow.coders import qda_user_map
from qualflow.errors import InputError
from qualflow.plan import cached_study_plan

min_version("9.0")

# Parse time: jsonschema (for `validate` below) imports rfc3987_syntax when it is installed
# (jupyter pulls it in), which builds a grammar at import: 2.7 s of CPU, half of a no-op run.
# It only serves the "iri" format checker, which validate does not use: skip it.
sys.modules.setdefault("rfc3987_syntax", None)
# Validate the config (with the schema's defaults) and check the study before anything runs:
# the library's study_plan, kept in .snakemake/qualflow-plan.json while none of the files it
# reads changes (a no-op run then needs neither pandas nor the checks it already passed).
_SCHEMA = workflow.source_path("../schemas/config.schema.yaml")
PLAN = cached_study_plan(
    config, workflow.configfiles, _SCHEMA, lambda c: validate(c, _SCHEMA)
)

CODERS = list(config["coders"])
CODER_A, CODER_B = CODERS
# Each coder's files (one, or several: e.g. the codings and a filled recode sheet).
CODER_FILES = PLAN["coder_files"]
for coder, files in CODER_FILES.items():
    for file in files:
        if not Path(file).exists():
            raise InputError(
                file,
                f"coder {coder!r}'s codings file not found (config.yaml coders.{coder})",
            )
# What the analysis depends on in the codebook (names, hierarchy, pinned exemplars, change
# log), validated now: passed as a parameter, so a label or definition edit reruns only the
# rules that show them (they take the codebook file as input).
CODEBOOK = PLAN["codebook"]
CODEBOOK_HAS_SPLIT = any("split" in c for c in CODEBOOK.get("changes") or [])
# One themes notebook for all subthemes and one per category of the study's codebook.
CATEGORIES = PLAN["categories"]
WAVE_LABELS = {int(k): v for k, v in config["waves"].items()}
# The recorded interviews' transcripts, sorted by participant and wave.
TRANSCRIPT_IDS = PLAN["transcript_ids"]
TRANSCRIPT_FILES = PLAN["transcript_files"]


wildcard_constraints:
    coder="|".join(CODERS),
    category="|".join(CATEGORIES),


def clean_texts():
    return expand("results/clean/{tid}.txt", tid=TRANSCRIPT_IDS)


# Rules that read the cleaned texts take their manifest as input, never the texts one by one:
# Snakemake matches each input file against every output of its producer, so six rules
# taking N texts cost 6·N² regex matches (35 s of DAG at 100x, hours at 1,000x).
# Named by the library: its readers of the texts check them against the manifest beside them.
TEXT_MANIFEST = f"results/clean/{MANIFEST_NAME}"


def missing_clean_texts():
    """Cleaned texts deleted since `clean_texts` wrote the manifest. Snakemake remakes only
    missing outputs that something requests, so `all` requests these few (not all N texts:
    that is the N² matching again); none on a first run, where the manifest is missing too.
    """
    if not Path(TEXT_MANIFEST).exists():
        return []
    return [text for text in clean_texts() if not Path(text).exists()]


def coder_source(wildcards):
    return CODER_FILES[wildcards.coder]


def recode_sheets():
    """A recode sheet per coder when the codebook's change log splits a code."""
    if not CODEBOOK_HAS_SPLIT:
        return []
    return expand("results/codebook/recode_{coder}.xlsx", coder=CODERS)


def coder_codings():
    return {
        "codings_a": f"results/codings/{CODER_A}.csv",
        "codings_b": f"results/codings/{CODER_B}.csv",
    }


def figure_options():
    f = config["figures"]
    return {"dpi": f["dpi"], "width_in": f["width_in"], "font_size": f["font_size"]}


WILDCARD_VALUES = {"coder": CODERS, "category": CATEGORIES}


def all_outputs():
    """Every file every rule writes (each wildcard over its values), so that a missing
    intermediate — the output a failed job removed — is rebuilt on the next run and the run
    fails again the same way, instead of "Nothing to be done" on stale downstream results.
    """
    files = []
    for rule in workflow.rules:
        if rule.name in ("all", "leak_gate"):  # the gate is added by leak_gate_target()
            continue
        for output in rule.output:
            if rule.name == "clean_texts" and output != TEXT_MANIFEST:
                continue  # the texts: the manifest stands for them (see TEXT_MANIFEST)
            pattern, values = str(output), {}
            for name, constraint in re.findall(r"{(\w+)(?:,([^}]*))?}", pattern):
                allowed = WILDCARD_VALUES.get(name, [])
                values[name] = [
                    v for v in allowed if re.fullmatch(constraint or ".+", v)
                ]
            pattern = re.sub(
                r"{(\w+),[^}]*}", r"{\1}", pattern
            )  # constraints applied above
            if set(values) <= set(WILDCARD_VALUES):
                files += expand(pattern, **values)
    return sorted(set(files))


# --- notebooks -------------------------------------------------------------------------

TABLE_FORMATS = ["csv", "md", "tex", "docx"]
THEME_FIGURES = ["heatmap", "prevalence", "matrix", "cooccurrence"]


def notebook_source(name):
    """The shipped notebook `notebooks/{name}.ipynb`, found relative to this file rather than
    to `workflow.basedir` (the outer workflow's folder when qualflow is used as a Snakemake
    `module`); from a remote module source it is a locally cached copy."""
    return workflow.source_path(f"../../notebooks/{name}.ipynb")


# Local checkouts only (kept for rules not yet using notebook_source).
NOTEBOOK_DIR = (
    Path(workflow.current_basedir.get_path_or_uri(secret_free=False)).parents[1]
    / "notebooks"
)


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


# --- themes notebooks: which categories get a co-occurrence figure --------------------

# A category with too few subthemes for a co-occurrence panel worth drawing (three subthemes
# give three cells) gets none: its pairs are in the all-subtheme figure.
COOCCURRENCE_CATEGORIES = PLAN["cooccurrence_categories"]
NO_COOCCURRENCE_CATEGORIES = [c for c in CATEGORIES if c not in COOCCURRENCE_CATEGORIES]


def _one_of(names):
    """A wildcard constraint matching exactly these names (none: matches nothing)."""
    return "|".join(names) or "(?!)"


def theme_figure(kind, caption):
    return report(
        f"results/figures/themes_{{category}}_{kind}.png",
        caption=f"../report/{caption}.rst",
        category="Themes",
        subcategory="{category}",
    )


def theme_outputs(cooccurrence):
    """What one themes notebook writes; the co-occurrence figure only where it is drawn."""
    kinds = [k for k in THEME_FIGURES if cooccurrence or k != "cooccurrence"]
    outputs = {
        "ipynb": "results/notebooks/themes_{category}.ipynb",
        "html": "results/notebooks/themes_{category}.html",
        "heatmap": theme_figure("heatmap", "heatmap"),
        "prevalence": theme_figure("prevalence", "prevalence"),
        "matrix": theme_figure("matrix", "matrix"),
        "vector": expand(
            "results/figures/themes_{{category}}_{kind}.{ext}",
            kind=kinds,
            ext=["svg", "pdf"],
        ),
        "frequency": expand(
            "results/tables/themes_{{category}}_frequency.{ext}", ext=TABLE_FORMATS
        ),
    }
    if cooccurrence:
        outputs["cooccurrence"] = theme_figure("cooccurrence", "cooccurrence")
    return outputs
