"""The notebooks' HTML for readers, safe against hostile data and reproducible byte for byte.

Unit tests of the export layer (qualflow.present.notebooks, qualflow.present.display), then one
real execution of the manuscript notebook, twice, on a copy of the synthetic results where a
quote, a codebook
label and a participants.csv value carry live HTML.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from qualflow.present.display import escape_markdown_html, load_ipython_extension
from qualflow.present.notebooks import (
    align_tables,
    is_numeric_text,
    make_reproducible,
    reader_html,
    run_notebook,
    run_settings,
)

ROOT = Path(__file__).parents[1]
DEMO = Path(__file__).parent / "fixtures" / "results_demo"
SCRIPT = "<script>alert('x')</script>"
IMG = '<img src=x onerror="alert(1)">'


@pytest.mark.parametrize(
    "text, numeric",
    [
        ("0.71", True),
        ("−0.12", True),
        ("0.04 (-0.22 to 0.29)", True),
        ("5/10 (50%)", True),
        ("29 of 30", True),
        ("22–41", True),
        ("Supportive figures", False),
        ("Wave 2", False),
        ("50004_2", True),
        ("Almost perfect", False),
    ],
)
def test_numbers_are_told_from_text(text, numeric):
    assert is_numeric_text(text) is numeric


def test_tables_align_text_left_and_numbers_right():
    page = (
        "<p>x</p><table><thead><tr><th>Code</th><th>κ (95% CI)</th><th>Note</th></tr></thead>"
        "<tbody><tr><td>Peer network</td><td>0.79 (0.68–0.90)</td><td></td></tr>"
        "<tr><td>Isolation</td><td>n/a</td><td>never used</td></tr></tbody></table>"
        '<table><tr><th style="text-align: right">Subtheme</th></tr>'
        '<tr><td style="text-align: right">Unclear role</td></tr></table>'
    )
    soup = BeautifulSoup(align_tables(page), "html.parser")
    first, second = soup.find_all("table")
    header = [th["class"] for th in first.find_all("th")]
    assert header == [["qf-text"], ["qf-num"], ["qf-text"]]
    assert [td["class"] for td in first.find_all("tr")[2].find_all("td")] == [
        ["qf-text"],
        ["qf-num"],
        ["qf-text"],
    ]
    assert second.td["class"] == ["qf-text"] and "style" not in second.td.attrs
    assert soup.p.text == "x"


def test_markdown_data_cannot_become_html():
    escaped = escape_markdown_html(f"A quote {SCRIPT} and {IMG}; code `a<b` & more")
    assert "<script" not in escaped and "<img" not in escaped
    assert "&lt;script>" in escaped and "`a<b`" in escaped and "&amp; more" in escaped


class _Shell:
    """The part of IPython's shell the extension touches."""

    def __init__(self) -> None:
        from IPython.core.formatters import DisplayFormatter

        self.display_formatter = DisplayFormatter()


def test_styler_tables_and_markdown_are_escaped_and_stable():
    from IPython.display import Markdown

    shell = _Shell()
    with pd.option_context("styler.format.escape", None):
        load_ipython_extension(shell)
        frame = pd.DataFrame({IMG: [SCRIPT, "ok"], "n": [1, 2]})
        first = shell.display_formatter.format(frame.style.hide(axis="index"))[0]
        again = shell.display_formatter.format(frame.style.hide(axis="index"))[0]
        shown = shell.display_formatter.format(Markdown(f"> {SCRIPT}"))[0]
    page = first["text/html"]
    assert "<script" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert 'id="T_qf1"' in page and 'id="T_qf2"' in again["text/html"]
    assert " at 0x" not in first["text/plain"] and "ok" in first["text/plain"]
    assert shown["text/markdown"] == "> &lt;script>alert('x')&lt;/script>"


def _notebook_with_parameters() -> nbformat.NotebookNode:
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title\n\nText."),
        nbformat.v4.new_code_cell('dpi = 300\nwave_labels = {1: "Baseline"}', id="parameters"),
        nbformat.v4.new_code_cell('dpi = 60\ncodebook = "data/<b>.yaml"'),
        nbformat.v4.new_code_cell("x = 1"),
    ]
    nb.cells[1].metadata["tags"] = ["parameters"]
    nb.cells[2].metadata["tags"] = ["injected-parameters"]
    return nb


def test_run_settings_are_the_injected_values_over_the_defaults():
    settings = run_settings(_notebook_with_parameters())
    assert settings == {"dpi": "60", "wave_labels": "1: Baseline", "codebook": "data/<b>.yaml"}


def test_reader_html_folds_code_lists_settings_once_and_runs_no_script():
    page = reader_html(_notebook_with_parameters(), "demo.ipynb", "Title", home="../index.html")
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("script") is None
    assert "script-src 'none'" in soup.find("meta", attrs={"http-equiv": True})["content"]
    codes = soup.select(".jp-CodeCell")
    assert len(codes) == 1  # the two parameter cells are not shown as code
    assert codes[0].find("details").summary.text == "show code"
    assert codes[0].find("details").get("open") is None
    settings = soup.find(id="run-settings")
    assert [li.text for li in settings.find_all("li")] == [
        "dpi: 60",
        "wave_labels: 1: Baseline",
        "codebook: data/<b>.yaml",
    ]
    assert settings.find("b") is None  # a setting's value is text
    assert soup.find("a", href="demo.ipynb") and soup.find("a", href="../index.html")
    assert page.index('id="run-settings"') > page.index("Text.")


def test_make_reproducible_drops_times_paths_and_random_ids():
    nb = _notebook_with_parameters()
    nb.metadata["papermill"] = {
        "start_time": "2026-01-01T00:00:00",
        "duration": 3.2,
        "input_path": "/abs/notebooks/x.ipynb",
        "output_path": "/abs/results/.x.k2j3.tmp.ipynb",
        "parameters": {"dpi": 60},
    }
    nb.cells[2]["id"] = "4f1c9e2a-random"
    nb.cells[3].metadata["papermill"] = {"start_time": "t", "end_time": "t", "status": "completed"}
    nb.cells[3].metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00"}
    nb.cells[3].outputs = [
        nbformat.v4.new_output(
            "display_data",
            data={
                "text/html": '<style>#T_ab12c_row0_col0 {}</style><table id="T_ab12c">',
                "text/plain": "<pandas.io.formats.style.Styler at 0x7f3a2b1c>",
            },
        )
    ]
    text = nbformat.writes(make_reproducible(nb))
    for gone in ("2026", "duration", "/abs/", "ab12c", "0x7f3a", "4f1c9e2a"):
        assert gone not in text
    assert '"parameters": {' in text and "T_c3_1_row0_col0" in text
    assert nb.cells[2]["id"] == "injected-parameters"


def _hostile_study(folder: Path) -> Path:
    """The synthetic results with live HTML in a quote, a codebook label and a participant."""
    shutil.copytree(DEMO, folder)
    quotes = folder / "results/themes/exemplars.csv"
    frame = pd.read_csv(quotes, dtype=str, keep_default_na=False)
    frame.loc[0, "quote"] = f"I said {SCRIPT} and then {IMG} twice."
    frame.to_csv(quotes, index=False, lineterminator="\n")
    book = folder / "data/codebook.yaml"
    text = book.read_text(encoding="utf-8")
    hostile = "label: 'Supportive <img src=x onerror=alert(2)>'"
    text = text.replace("label: Supportive figures", hostile)
    book.write_text(text, encoding="utf-8")
    people = folder / "data/participants.csv"
    # every Chinese participant, so that Table 1 does not pool the value away (min_cell)
    rows = people.read_text(encoding="utf-8").replace(",Chinese,", ",<script>alert(3)</script>,")
    people.write_text(rows, encoding="utf-8")
    return folder


def _manuscript(study: Path) -> tuple[bytes, bytes]:
    inputs = {
        "screening": "data/screening.csv",
        "participants": "data/participants.csv",
        "interviews": "data/interviews.csv",
        "codebook": "data/codebook.yaml",
        "theme_frequency": "results/themes/theme_frequency_by_wave.csv",
        "exemplars": "results/themes/exemplars.csv",
        "agreement_by_code": "results/agreement/agreement_by_code.csv",
        "agreement_summary": "results/agreement/agreement_summary.csv",
    }
    parameters = {
        **inputs,
        "figures_dir": "results/figures",
        "tables_dir": "results/tables",
        "wave_labels": {1: "T1", 2: "T2", 3: "<i>T3</i>"},
        "dpi": 40,
        "width_in": 6.5,
        "font_size": 9,
        "ci_level": 0.95,
    }
    out = study / "results/notebooks"
    out.mkdir(parents=True)
    (out / ".manuscript.k2j3x.tmp.ipynb").write_text("{}")  # left by a killed earlier run
    run_notebook(
        ROOT / "notebooks/manuscript.ipynb",
        out / "manuscript.ipynb",
        out / "manuscript.html",
        parameters,
        cwd=study,
    )
    assert sorted(p.name for p in out.iterdir()) == ["manuscript.html", "manuscript.ipynb"]
    return (out / "manuscript.ipynb").read_bytes(), (out / "manuscript.html").read_bytes()


def test_manuscript_html_is_inert_with_hostile_data_and_identical_across_runs(tmp_path):
    first = _manuscript(_hostile_study(tmp_path / "one"))
    page = first[1].decode("utf-8")
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("script") is None
    assert not [tag for tag in soup.find_all(True) if any(a.startswith("on") for a in tag.attrs)]
    assert not soup.find("img", src="x") and not soup.find("i", string="T3")
    text = soup.get_text(" ")
    assert "alert('x')" in text and "onerror=alert(2)" in text and "<script>alert(3)" in text
    assert soup.select("details.qf-code") and not soup.select("details[open]")
    assert "Styler at" not in first[0].decode() and str(tmp_path) not in first[0].decode()
    # a second execution somewhere else gives the same bytes
    assert _manuscript(_hostile_study(tmp_path / "two")) == first
