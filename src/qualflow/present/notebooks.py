"""Executing the parameterised notebooks (papermill) and rendering them for readers (nbconvert).

Two files per notebook:

* the executed ``.ipynb`` keeps everything (code, both parameter cells, outputs) and is
  reproducible byte for byte: no run timestamps or durations, no temporary paths, stable cell
  ids, Styler tables with sequential ids (see :mod:`qualflow.present.display`);
* the ``.html`` copy is written for readers: code folded under a "show code" disclosure, the
  parameters given once as a short "Run settings" list at the end, text columns of every table
  left-aligned and numbers right-aligned, no scripts at all (a Content-Security-Policy forbids
  them, so data that slipped past escaping still cannot run), nothing fetched from the network,
  and a print style that gives a clean PDF.
"""

from __future__ import annotations

import ast
import html
import logging
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

# nbformat validates notebooks with jsonschema, which imports ``rfc3987_syntax`` when installed
# (jupyter pulls it in) and builds a grammar at import: ~2.7 s of CPU in every notebook job, for
# the "iri" format checker that no notebook schema uses. Skip it (as workflow/rules/common.smk).
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat  # noqa: E402
from jinja2 import DictLoader  # noqa: E402
from nbconvert import HTMLExporter  # noqa: E402

from qualflow.io import write_text  # noqa: E402

log = logging.getLogger(__name__)

PARAMETER_TAGS = ("parameters", "injected-parameters")

#: No script of any kind may run in a notebook's HTML; styles and data: images are inline.
CSP = (
    "default-src 'none'; img-src data: 'self' file:; style-src 'unsafe-inline'; "
    "script-src 'none'; base-uri 'none'; form-action 'none'"
)

READER_CSS = """
.jp-InputPrompt, .jp-OutputPrompt, .jp-Collapser { display: none; }
.jp-Notebook .jp-Cell { padding-left: 0; padding-right: 0; }
.jp-MarkdownOutput, .jp-OutputArea-output { padding-left: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
details.qf-code { margin: 0.1rem 0 0.3rem; }
details.qf-code > summary {
  cursor: pointer; color: #57606a; font-size: 0.8rem; font-family: sans-serif;
  list-style-position: inside; width: max-content;
}
details.qf-code[open] > summary { margin-bottom: 0.2rem; }
.jp-RenderedHTMLCommon table { margin-left: 0; }
td.qf-text, th.qf-text { text-align: left !important; }
td.qf-num, th.qf-num { text-align: right !important; font-variant-numeric: tabular-nums; }
.jp-RenderedHTMLCommon th { vertical-align: bottom; }
.jp-RenderedHTMLCommon td { vertical-align: top; }
.jp-RenderedImage img, .jp-RenderedHTMLCommon img { max-width: 100%; height: auto; }
nav.qf-source, section.qf-settings { font-family: sans-serif; font-size: 0.85rem; color: #333; }
nav.qf-source { margin-bottom: 1rem; }
nav.qf-source a, section.qf-settings a { color: #0b5cad; }
section.qf-settings { border-top: 1px solid #ccc; margin-top: 2rem; padding-top: 0.5rem; }
section.qf-settings h2 { font-size: 1rem; }
section.qf-settings code { font-size: 0.8rem; }
@media print {
  details.qf-code, nav.qf-source { display: none !important; }
  main { max-width: none; padding: 0; }
  .jp-OutputArea-child, .jp-OutputArea-output { display: block; width: 100%; }
  tr, img, figure { break-inside: avoid; }
  thead { display: table-header-group; }
  .jp-OutputArea-output { overflow: visible !important; }
  .jp-RenderedHTMLCommon table { font-size: 7.5pt; }
  .jp-RenderedHTMLCommon td, .jp-RenderedHTMLCommon th { padding: 0.15em 0.35em; }
  @page { margin: 12mm; }
  h1, h2, h3 { break-after: avoid-page; }
  a { color: inherit; text-decoration: none; }
}
"""

_TEMPLATE = """{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js -%}
<meta http-equiv="Content-Security-Policy" content="{{ resources.qualflow.csp }}">
{%- endblock html_head_js -%}
{% block jupyter_widgets %}{% endblock jupyter_widgets %}
{%- block html_head_css -%}
<style type="text/css">{{ resources.qualflow.css }}</style>
{%- endblock html_head_css -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block body_header -%}
{{ super() }}
{{ resources.qualflow.header }}
{%- endblock body_header -%}
{% block input_group -%}
<details class="qf-code"><summary>show code</summary>
{{ super() }}
</details>
{%- endblock input_group %}
{% block body_footer %}
{{ resources.qualflow.footer }}
{{ super() }}
{% endblock body_footer %}
"""


def _kernel_sees_this_python() -> None:
    """Make the ``python3`` kernel start in this environment.

    ipykernel's installed kernelspec runs plain ``python``; put this interpreter's folder first on
    PATH so the kernel is the same Python (and qualflow) as the pipeline, however it was started.
    """
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if not path.startswith(bin_dir + os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + path


def _remove_leftovers(target: Path) -> None:
    """Delete temporary files an interrupted earlier run (``kill -9``) left beside ``target``."""
    if target.parent.is_dir():
        for stale in target.parent.glob(f".{target.stem}.*.tmp{target.suffix}"):
            log.info("removing %s, left by an interrupted run", stale)
            stale.unlink(missing_ok=True)


# --------------------------------------------------------------------------- reproducible .ipynb
_STYLER_ID = re.compile(r"\bT_([0-9a-f]{5})(?=[_\"\s])")
_OBJECT_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


def _stable_text(text: str, prefix: str) -> str:
    """Random Styler ids become ``T_{prefix}{n}``; ``<… at 0x…>`` addresses are dropped."""
    seen: dict[str, str] = {}
    for uid in _STYLER_ID.findall(text):
        seen.setdefault(uid, f"{prefix}{len(seen) + 1}")
    for uid, stable in seen.items():
        text = re.sub(rf"\bT_{uid}(?=[_\"\s])", f"T_{stable}", text)
    return _OBJECT_ADDRESS.sub(">", text)


def make_reproducible(notebook: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Strip what differs between two executions of the same notebook on the same inputs.

    Removed: papermill's start/end times and durations (notebook and cells), its input and output
    paths (a temporary file), the kernel's per-cell execution timestamps. Made stable: the id of
    papermill's injected-parameters cell (random otherwise), random Styler table ids and
    ``<object at 0x…>`` reprs in outputs.
    """
    meta = notebook.metadata.get("papermill", {})
    for key in (
        "start_time",
        "end_time",
        "duration",
        "input_path",
        "output_path",
        "exception",
        "environment_variables",
    ):
        meta.pop(key, None)
    for index, cell in enumerate(notebook.cells):
        tags = cell.metadata.get("tags", [])
        if "injected-parameters" in tags:
            cell["id"] = "injected-parameters"
        elif not cell.get("id"):
            cell["id"] = f"cell-{index}"
        cell.metadata.pop("execution", None)
        for key in ("start_time", "end_time", "duration", "exception"):
            cell.metadata.get("papermill", {}).pop(key, None)
        for output in cell.get("outputs", []):
            for mime, value in output.get("data", {}).items():
                if mime.startswith("text/") and isinstance(value, str):
                    output["data"][mime] = _stable_text(value, f"c{index}_")
            if "text" in output and isinstance(output["text"], str):
                output["text"] = _stable_text(output["text"], f"c{index}_")
    return notebook


# --------------------------------------------------------------------------- reader's HTML
def _assignments(source: str) -> dict[str, str]:
    """``name = value`` lines of a parameter cell, value shown as a reader would write it."""
    values: dict[str, str] = {}
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return values
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                values[node.targets[0].id] = ast.get_source_segment(source, node.value) or ""
                continue
            if isinstance(value, dict):
                value = "; ".join(f"{k}: {v}" for k, v in value.items())
            values[node.targets[0].id] = str(value)
    return values


def run_settings(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """The parameters the notebook ran with: its defaults, overridden by papermill's injection."""
    settings: dict[str, str] = {}
    for tag in PARAMETER_TAGS:  # defaults first, then the injected values win
        for cell in notebook.cells:
            if cell.cell_type == "code" and tag in cell.metadata.get("tags", []):
                settings.update(_assignments(cell.source))
    return settings


def _settings_html(settings: Mapping[str, str]) -> str:
    items = "\n".join(
        f"<li><code>{html.escape(name)}</code>: {html.escape(value)}</li>"
        for name, value in settings.items()
    )
    return (
        '<section class="qf-settings" id="run-settings">\n<h2>Run settings</h2>\n'
        f"<ul>\n{items}\n</ul>\n</section>"
    )


_NUMBER_WORDS = re.compile(r"\b(?:to|of|n/a|na|nan|ci|vs)\b", re.IGNORECASE)
_EMPTY_CELL = {"", "—", "–", "-", "−", "n/a", "NA", "nan", "NaN", "None", "·"}


def is_numeric_text(text: str) -> bool:
    """Whether a table cell holds a number (``0.71``, ``−0.12``, ``5/10 (50%)``,
    ``0.71 (0.55 to 0.86)``, ``29 of 30``, ``41.2 (9.3)``): digits and punctuation only, once
    the joining words *to*, *of* are set aside."""
    rest = _NUMBER_WORDS.sub(" ", text)
    return any(ch.isdigit() for ch in rest) and not any(ch.isalpha() for ch in rest)


def _align_table(table: Any) -> None:
    """Class every cell ``qf-num`` or ``qf-text`` by its column: numeric when every non-empty
    body cell of the column is a number."""
    rows = table.find_all("tr")
    body_rows = [r for r in rows if r.find("td") is not None]
    numeric: dict[int, bool] = {}
    for row in body_rows:
        for col, cell in enumerate(row.find_all(["td", "th"], recursive=False)):
            text = cell.get_text(" ", strip=True)
            if text in _EMPTY_CELL:
                continue
            numeric[col] = numeric.get(col, True) and is_numeric_text(text)
    for row in rows:
        for col, cell in enumerate(row.find_all(["td", "th"], recursive=False)):
            cls = "qf-num" if numeric.get(col, False) else "qf-text"
            cell["class"] = [*cell.get("class", []), cls]
            if "style" in cell.attrs and "text-align" in cell["style"]:
                del cell["style"]  # Markdown tables' inline alignment would beat the class


_TABLE = re.compile(r"<table\b.*?</table>", re.DOTALL | re.IGNORECASE)


def align_tables(page: str) -> str:
    """Left-align text columns and right-align number columns of every table in ``page``."""
    from bs4 import BeautifulSoup

    def fix(match: re.Match[str]) -> str:
        soup = BeautifulSoup(match.group(0), "html.parser")
        _align_table(soup.table)
        return str(soup)

    return _TABLE.sub(fix, page)


def reader_html(
    notebook: nbformat.NotebookNode, ipynb_name: str, title: str = "", home: str | None = None
) -> str:
    """The HTML a reader gets: code folded, parameters once as "Run settings", aligned tables,
    no scripts, a link to the executed notebook ``ipynb_name`` (which keeps everything) and to
    the study's front page ``home`` (a relative URL) when given."""
    settings = run_settings(notebook)
    shown = nbformat.from_dict(notebook)
    shown.cells = [
        cell for cell in shown.cells if not set(cell.metadata.get("tags", [])) & set(PARAMETER_TAGS)
    ]
    link = html.escape(ipynb_name)
    home_link = f'<a href="{html.escape(home)}">Study front page</a> · ' if home else ""
    header = (
        f'<nav class="qf-source">{home_link}Code is folded under "show code"; the executed '
        f'notebook <a href="{link}">{link}</a> keeps everything · '
        '<a href="#run-settings">Run settings</a></nav>'
    )
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[DictLoader({"qualflow_reader.html.j2": _TEMPLATE})],
        template_file="qualflow_reader.html.j2",
    )
    resources = {
        "metadata": {"name": title or Path(ipynb_name).stem},
        "qualflow": {
            "csp": CSP,
            "css": READER_CSS,
            "header": header,
            "footer": _settings_html(settings),
        },
    }
    body, _ = exporter.from_notebook_node(shown, resources=resources)
    return align_tables(body)


def _title(notebook: nbformat.NotebookNode, fallback: str) -> str:
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("# "):
                    return line[2:].strip()
    return fallback


# --------------------------------------------------------------------------- running
def run_notebook(
    source: str | Path,
    executed: str | Path,
    html: str | Path,
    parameters: Mapping[str, Any],
    cwd: str | Path | None = None,
    home: str | None = None,
) -> None:
    """Execute ``source`` with ``parameters`` into ``executed`` and render it as ``html``
    (linking to the front page ``home``, a URL relative to ``html``, when given).

    The kernel loads :mod:`qualflow.present.display` (escaped, stable displays). The notebook
    is executed
    in memory and written only when complete, so a failing cell (papermill's
    ``PapermillExecutionError``) or a killed run leaves no partial notebook; temporary files of
    an interrupted earlier run are removed.
    """
    import papermill

    _kernel_sees_this_python()
    executed, html_path = Path(executed), Path(html)
    for target in (executed, html_path):
        _remove_leftovers(target)
    log.info("executing %s -> %s with %s", source, executed, dict(parameters))
    notebook = papermill.execute_notebook(
        str(source),
        None,
        parameters=dict(parameters),
        kernel_name="python3",
        cwd=str(cwd) if cwd is not None else None,
        progress_bar=False,
        log_output=False,
        extra_arguments=["--ext=qualflow.present.display"],
    )
    notebook = make_reproducible(notebook)
    write_text(executed, nbformat.writes(notebook) + "\n")
    page = reader_html(notebook, executed.name, _title(notebook, executed.stem), home)
    write_text(html_path, page)
