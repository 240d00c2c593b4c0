"""The parameterised notebooks: committed clean, and executed with papermill on the synthetic
results folder they write every figure and table docs/files.md promises, without errors."""

from __future__ import annotations

import ast
from pathlib import Path

import nbformat
import pytest

from qualflow.present.notebooks import run_notebook

ROOT = Path(__file__).parents[1]
NOTEBOOKS = ROOT / "notebooks"
DEMO = Path(__file__).parent / "fixtures" / "results_demo"
AGREEMENT, THEMES, DATA = DEMO / "results/agreement", DEMO / "results/themes", DEMO / "data"
TABLE = (".csv", ".md", ".tex", ".docx")
FIGURE = (".png", ".svg", ".pdf")
COMMON = {"wave_labels", "figures_dir", "tables_dir", "dpi", "width_in", "font_size", "ci_level"}


def _inputs(name: str) -> dict[str, str]:
    """The input paths each notebook takes, pointed at the synthetic results folder."""
    paths = {
        "agreement": {
            "agreement_by_code": AGREEMENT / "agreement_by_code.csv",
            "agreement_by_code_transcript": AGREEMENT / "agreement_by_code_transcript.csv",
            "agreement_summary": AGREEMENT / "agreement_summary.csv",
            "codebook_changes": DEMO / "results/codebook/changes.csv",
            "codebook": DATA / "codebook.yaml",
        },
        "reconciliation": {
            "agreement_summary": AGREEMENT / "agreement_summary.csv",
            "reconciliation_summary": DEMO / "results/reconciliation/summary.csv",
        },
        "themes": {
            "theme_frequency": THEMES / "theme_frequency_by_wave.csv",
            "participant_theme_matrix": THEMES / "participant_theme_matrix.csv",
            "cooccurrence": THEMES / "cooccurrence.csv",
            "theme_importance": THEMES / "theme_importance.csv",
            "exemplars": THEMES / "exemplars.csv",
            "trajectories": THEMES / "trajectories.csv",
            "codebook": DATA / "codebook.yaml",
        },
        "manuscript": {
            "screening": DATA / "screening.csv",
            "participants": DATA / "participants.csv",
            "interviews": DATA / "interviews.csv",
            "codebook": DATA / "codebook.yaml",
            "theme_frequency": THEMES / "theme_frequency_by_wave.csv",
            "exemplars": THEMES / "exemplars.csv",
            "agreement_by_code": AGREEMENT / "agreement_by_code.csv",
            "agreement_summary": AGREEMENT / "agreement_summary.csv",
            "participant_theme_matrix": THEMES / "participant_theme_matrix.csv",
            "cleaning_report": DEMO / "results/clean/cleaning_report.csv",
            "reconciliation_status": DEMO / "results/reconciliation/status.csv",
            "codebook_changes": DEMO / "results/codebook/changes.csv",
        },
    }[name]
    return {key: str(path) for key, path in paths.items()}


def _expected(name: str, category: str = "all") -> list[str]:
    """The files docs/files.md says each notebook writes."""
    if name == "agreement":
        stems = [
            ("figures/agreement_forest", FIGURE),
            ("tables/agreement_by_code", TABLE),
            ("tables/agreement_summary", TABLE),
            ("tables/agreement_narrative", (".md",)),
        ]
    elif name == "themes":
        kinds = ["heatmap", "prevalence", "matrix"]
        if category == "all":  # three barrier subthemes make too few pairs for a panel
            kinds.append("cooccurrence")
        stems = [(f"figures/themes_{category}_{kind}", FIGURE) for kind in kinds]
        stems.append((f"tables/themes_{category}_frequency", TABLE))
    else:
        stems = [
            ("figures/figure1_flowchart", FIGURE),
            ("figures/figure2_change", FIGURE),
            ("tables/table1_participants", TABLE),
            ("tables/table2_themes", TABLE),
            ("tables/table3_agreement", TABLE),
        ]
    return sorted(stem + ext for stem, exts in stems for ext in exts)


def _parameters(notebook: nbformat.NotebookNode) -> dict[str, object]:
    cell = next(c for c in notebook.cells if c.cell_type == "code")
    assert "parameters" in cell.metadata.get("tags", [])
    tree = ast.parse(cell.source)
    return {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
    }


@pytest.mark.parametrize("name", ["agreement", "themes", "manuscript"])
def test_notebook_is_committed_clean_with_every_parameter(name):
    notebook = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert notebook.metadata.kernelspec.name == "python3"
    assert notebook.metadata.kernelspec.display_name == "Python 3"
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None
    parameters = _parameters(notebook)
    assert COMMON | set(_inputs(name)) <= set(parameters)
    assert parameters["wave_labels"] == {1: "Baseline", 2: "4 months", 3: "8 months"}
    assert parameters["dpi"] == 300 and parameters["font_size"] == 9
    if name == "themes":
        assert parameters["category"] == "all"
    if name != "agreement":  # the exemplar rule is named where quotes are shown
        assert any("choose_exemplars" in c.source for c in notebook.cells)


def _execute(tmp_path: Path, name: str, **extra: object) -> tuple[nbformat.NotebookNode, Path]:
    label = name + (f"_{extra['category']}" if "category" in extra else "")
    parameters = {
        **_inputs(name),
        "figures_dir": str(tmp_path / "figures"),
        "tables_dir": str(tmp_path / "tables"),
        "manuscript_dir": str(tmp_path / "manuscript"),
        "wave_labels": {1: "T1", 2: "T2", 3: "T3"},  # papermill passes keys as strings
        "dpi": 60,
        "width_in": 6.5,
        "font_size": 9,
        "ci_level": 0.9,
        **extra,
    }
    executed = tmp_path / f"{label}.ipynb"
    run_notebook(NOTEBOOKS / f"{name}.ipynb", executed, tmp_path / f"{label}.html", parameters)
    return nbformat.read(executed, as_version=4), tmp_path


def _written(folder: Path) -> list[str]:
    files = [p for sub in ("figures", "tables") for p in (folder / sub).iterdir()]
    assert all(p.stat().st_size > 0 for p in files)
    return sorted(str(p.relative_to(folder)) for p in files)


def _outputs_text(notebook: nbformat.NotebookNode) -> str:
    parts = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            assert output.output_type != "error", output
            assert output.get("name") != "stderr", output.get("text")
            data = output.get("data", {})
            parts.append(data.get("text/markdown", "") + data.get("text/html", ""))
    return "\n".join(parts)


def _injected(notebook: nbformat.NotebookNode) -> str:
    cells = [c for c in notebook.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1
    return cells[0].source


def test_agreement_notebook_writes_its_figure_tables_and_narrative(tmp_path):
    notebook, folder = _execute(tmp_path, "agreement")
    assert "ci_level = 0.9" in _injected(notebook)
    assert _written(folder) == _expected("agreement")
    narrative = (folder / "tables/agreement_narrative.md").read_text(encoding="utf-8")
    assert "bootstrap 90% CI" in narrative and narrative in _outputs_text(notebook) + "\n"
    page = (tmp_path / "agreement.html").read_text(encoding="utf-8")
    assert 'alt="Forest plot of Cohen' in page and "No description has been provided" not in page
    shown = _outputs_text(notebook)
    assert "siloed_structure renamed to siloed_departments" in shown
    assert "<b>clearer" not in shown and "&lt;b>clearer" in shown  # codebook text is data


def test_reconciliation_notebook_states_what_the_meeting_did(tmp_path):
    notebook, _ = _execute(tmp_path, "reconciliation")
    text = _outputs_text(notebook)
    assert "pooled κ was" in text and "were upheld" in text


@pytest.mark.parametrize("category", ["all", "barriers"])
def test_themes_notebook_shows_the_chosen_category(tmp_path, category):
    notebook, folder = _execute(tmp_path, "themes", category=category)
    assert f"category = '{category}'" in _injected(notebook).replace('"', "'")
    assert _written(folder) == _expected("themes", category)
    frequency = (folder / f"tables/themes_{category}_frequency.csv").read_text(encoding="utf-8")
    assert "Unclear role" in frequency
    assert ("Supportive figures" in frequency) == (category == "all")
    assert frequency.startswith("Category,Subtheme,T1,T2,T3,All waves")  # labels from params
    shown = _outputs_text(notebook)
    assert "TF-IDF" in shown and "25 to 80 words" in shown  # the exemplar rule, stated


def test_manuscript_notebook_writes_figure1_and_tables_1_to_3(tmp_path):
    notebook, folder = _execute(tmp_path, "manuscript")
    assert _written(folder) == _expected("manuscript")
    table1 = (folder / "tables/table1_participants.md").read_text(encoding="utf-8")
    assert "29 of 30" in table1 and "| T3 " in table1
    table2 = (folder / "tables/table2_themes.csv").read_text(encoding="utf-8")
    assert table2.count("“") == 7  # one exemplar quote per subtheme
    assert "Table 3." in (folder / "tables/table3_agreement.md").read_text(encoding="utf-8")
    assert "pooled Cohen's κ was" in _outputs_text(notebook)
    written = sorted(p.name for p in (folder / "manuscript").iterdir())
    assert written == ["coreq.csv", "coreq.docx", "manuscript.docx", "manuscript.md"]
    draft = (folder / "manuscript/manuscript.md").read_text(encoding="utf-8")
    assert "## Methods" in draft and "## Results" in draft and "Table 2." in draft
    assert "The remaining 10 took part" in draft and "29 of the 30 scheduled" in draft
    assert "![Figure 1]" in draft and "![Figure 2]" in draft
    assert "min_cell = 3" in notebook.cells[1].source  # the disclosure threshold, a parameter
