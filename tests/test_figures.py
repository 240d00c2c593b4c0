"""Figures: each function returns a Figure, saves PNG + SVG, and nothing is clipped or overlaps.

Inputs are the synthetic results folder in ``tests/fixtures/results_demo`` (see make_demo.py).
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from matplotlib.figure import Figure
from matplotlib.text import Text
from PIL import Image

from qualflow.codebook.read import MIN_COOCCURRENCE_PAIRS, cooccurrence_pairs, load_codebook
from qualflow.present import figures, tables
from qualflow.study import read_interviews, read_screening

DEMO = Path(__file__).parent / "fixtures" / "results_demo"
WAVES = {1: "Baseline", 2: "4 months", 3: "8 months"}


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    return load_codebook(DEMO / "data" / "codebook.yaml")


def _result(kind: str, folder: str) -> pd.DataFrame:
    return tables.read_result(DEMO / "results" / folder / f"{kind}.csv", kind)


@pytest.fixture(scope="module")
def by_code() -> pd.DataFrame:
    return _result("agreement_by_code", "agreement")


@pytest.fixture(scope="module")
def frequency() -> pd.DataFrame:
    return _result("theme_frequency_by_wave", "themes")


@pytest.fixture(scope="module")
def flow() -> dict:
    return tables.recruitment_flow(
        read_screening(DEMO / "data" / "screening.csv"),
        read_interviews(DEMO / "data" / "interviews.csv"),
    )


def _texts(fig: Figure) -> list[Text]:
    fig.canvas.draw()
    return [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]


def _all_text(fig: Figure) -> str:
    return "\n".join(t.get_text() for t in _texts(fig)).replace("\u00a0", " ")


def assert_readable(fig: Figure) -> None:
    """No text runs off the figure, and no two tick labels of one axis overlap.

    (Slanted labels are left out of the overlap check: their boxes overlap by construction.)
    """
    renderer = fig.canvas.get_renderer()
    page = fig.bbox
    for text in _texts(fig):
        box = text.get_window_extent(renderer)
        inside = (
            box.x0 >= page.x0 - 1
            and box.y0 >= page.y0 - 1
            and box.x1 <= page.x1 + 1
            and box.y1 <= page.y1 + 1
        )
        assert inside, f"text {text.get_text()!r} is clipped: {box} outside {page}"
    for ax in fig.axes:
        for labels in (ax.get_xticklabels(), ax.get_yticklabels()):
            level = [t for t in labels if t.get_text().strip() and t.get_rotation() in (0, 90)]
            boxes = [t.get_window_extent(renderer) for t in level]
            for a, b in itertools.combinations(boxes, 2):
                assert not a.overlaps(b), f"tick labels overlap: {a} and {b}"


def _check_saved(fig: Figure, tmp_path: Path, width_in: float = 6.5, dpi: int = 100) -> None:
    paths = figures.save_figure(fig, tmp_path / "figure", dpi=dpi)
    assert [p.name for p in paths] == ["figure.png", "figure.svg", "figure.pdf"]
    assert all(p.stat().st_size > 1000 for p in paths)
    with Image.open(paths[0]) as image:
        assert image.size[0] == round(width_in * dpi)
    svg = paths[1].read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg
    # text stays text (svg.fonttype none), so authors and journals can edit labels
    assert "<text" in svg and '<use xlink:href="#DejaVu' not in svg
    pdf = paths[2].read_bytes()
    assert pdf.startswith(b"%PDF") and b"CreationDate" not in pdf and b"/FontFile2" in pdf
    assert sorted(p.name for p in tmp_path.iterdir()) == ["figure.pdf", "figure.png", "figure.svg"]


def test_save_figure_is_byte_reproducible(tmp_path, by_code, book):
    fig = figures.forest_plot(by_code, book, 0.72)
    first = [p.read_bytes() for p in figures.save_figure(fig, tmp_path / "a", dpi=72)]
    again = figures.forest_plot(by_code, book, 0.72)
    second = [p.read_bytes() for p in figures.save_figure(again, tmp_path / "b", dpi=72)]
    assert first == second
    assert b"Software" not in first[0]


def test_forest_plot_lists_every_code_and_the_undefined_one(tmp_path, by_code, book):
    fig = figures.forest_plot(by_code, book, pooled_kappa=0.7166, ci_level=0.9)
    assert isinstance(fig, Figure)
    text = _all_text(fig)
    for label in book["code_label"]:
        assert label in text
    assert "Pooled κ = 0.72" in text
    assert "Cluster-robust 90% CI" in text
    assert "Bootstrap 90% CI (10 participants resampled)" in text
    assert "Only 10 participants (< 30)" in text
    assert "κ not estimable for: Exclusion from meetings (neither coder applied this code" in text
    isolation = by_code.set_index("code").loc["isolation"]
    assert f"{isolation['kappa']:.2f} (\u2212{abs(isolation['cluster_ci_low']):.2f} to" in text
    assert "Almost perfect" in text and "Poor" in text  # Landis & Koch bands named
    assert "κ = 0 by construction" not in text
    constant = by_code.copy()
    constant.loc[constant["code"] == "isolation", "note"] = (
        "ann applied the code to every unit; p_o = p_e, so kappa = 0 by construction"
    )
    flagged = _all_text(figures.forest_plot(constant, book, ci_level=0.9))
    assert "κ = 0 by construction (one coder constant, p_o = p_e; SE 0) for: Isolation" in flagged
    assert_readable(fig)
    _check_saved(fig, tmp_path)


@pytest.mark.parametrize("category, n_rows", [("all", 7), ("barriers", 3)])
def test_wave_heatmap_annotates_n_of_n(tmp_path, frequency, book, category, n_rows):
    fig = figures.wave_heatmap(frequency, book, WAVES, category)
    heat_axes = [ax for ax in fig.axes if ax.get_images() and ax.get_yticklabels()]
    assert sum(len(ax.get_yticks()) for ax in heat_axes) == n_rows
    text = _all_text(fig)
    row = frequency[
        (frequency["level"] == "subtheme")
        & (frequency["theme"] == "unclear_role")
        & (frequency["wave"] == "3")
    ].iloc[0]
    assert f"{row['n_participants']}/{row['n_interviewed']} (100%)" in text
    assert "8 months\n(N = 9)" in text and "All waves\n(N = 10)" in text
    assert ("Supportive figures" in text) == (category == "all")
    assert_readable(fig)
    _check_saved(fig, tmp_path)


def test_change_over_waves_labels_every_point_n_of_n(tmp_path, frequency, book):
    fig = figures.change_over_waves(frequency, book, {"1": "T1", "2": "T2", "3": "T3"})
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.get_lines()]
    assert len(panels) == 7  # one small panel per subtheme
    text = _all_text(fig)
    rows = frequency[(frequency["level"] == "subtheme") & (frequency["wave"] != "all")]
    for row in rows.itertuples():
        assert f"{row.n_participants}/{row.n_interviewed}" in text
    assert "3 = T3" in text
    for ax in panels:
        assert ax.get_ylim() == (0, 105)  # one honest 0–100 % scale in every panel
    # a subtheme's line goes through its three wave percentages
    unclear = next(ax for ax in panels if ax.get_title(loc="left") == "Unclear role")
    pct = rows[rows["theme"] == "unclear_role"].sort_values("wave")["pct_participants"]
    assert list(unclear.get_lines()[0].get_ydata()) == pytest.approx(list(pct))
    assert figures.prevalence_by_wave is figures.change_over_waves
    assert_readable(fig)
    _check_saved(fig, tmp_path)


def test_participant_matrix_shows_presence_and_trajectories(tmp_path, book):
    matrix = _result("participant_theme_matrix", "themes")
    fig = figures.participant_matrix(matrix, book, WAVES, "facilitators")
    assert fig.get_figheight() <= figures.MAX_PAGE_HEIGHT_IN
    left = fig.axes[0]
    hatched = [p for p in left.patches if p.get_hatch()]
    assert len(hatched) == 4  # participant 50008, wave 3, x 4 facilitator subthemes
    facilitators = matrix[matrix["category"] == "facilitators"]
    filled = [
        p for p in left.patches if p.get_facecolor()[:3] != (1.0, 1.0, 1.0) and not p.get_hatch()
    ]
    assert len(filled) == int((facilitators["n_units"] > 0).sum())  # presence, not counts
    text = _all_text(fig)
    assert "Interview not recorded" in text and "Unclear role" not in text
    assert "1 = Baseline" in text and "1. Supportive figures" in text
    counts = tables.trajectory_counts(matrix, book, "facilitators")
    bars = [p for p in fig.axes[1].patches]
    assert sum(p.get_width() for p in bars) == counts[list(tables.TRAJECTORIES)].sum().sum()
    assert_readable(fig)
    _check_saved(fig, tmp_path)


def test_trajectories_compare_first_and_last_recorded_interview():
    matrix = pd.DataFrame(
        {
            "participant_id": [1, 1, 1, 2, 2, 2, 3, 3, 4],
            "subtheme": ["s"] * 9,
            "category": ["c"] * 9,
            "wave": [1, 2, 3, 1, 2, 3, 1, 2, 1],
            "n_units": [2, 0, 1, 0, 0, 5, 3, 0, 4],
        }
    )
    paths = tables.presence_trajectories(matrix).set_index("participant_id")
    assert paths["trajectory"].to_dict() == {1: "kept", 2: "gained", 3: "dropped"}
    assert paths.loc[3, "last_wave"] == 2  # participant 3's last recorded interview
    assert 4 not in paths.index  # one interview: no trajectory
    assert paths.loc[1, "n_waves_present"] == 2


def test_participant_matrix_fits_a_page_with_hundreds_of_participants(tmp_path, book):
    small = _result("participant_theme_matrix", "themes")
    copies = []
    for k in range(30):  # 300 participants
        copy = small.copy()
        copy["participant_id"] = copy["participant_id"] + 1000 * (k + 1)
        copies.append(copy)
    matrix = pd.concat(copies, ignore_index=True)
    fig = figures.participant_matrix(matrix, book, WAVES, "all")
    assert fig.get_figheight() <= figures.MAX_PAGE_HEIGHT_IN
    labels = [t for t in fig.axes[0].get_yticklabels() if t.get_text()]
    assert 20 <= len(labels) <= 45
    assert not [p for ax in fig.axes for p in ax.patches if p.get_hatch()]
    assert_readable(fig)
    _check_saved(fig, tmp_path)


def test_cooccurrence_heatmap_shows_totals_on_an_honest_scale(tmp_path, book):
    pairs = _result("cooccurrence", "themes")
    fig = figures.cooccurrence_heatmap(pairs, book)
    diagonal = pairs[pairs["subtheme_a"] == pairs["subtheme_b"]]
    text = _all_text(fig)
    for total in diagonal["n_units"]:
        assert str(total) in text
    assert "Jaccard" in text
    image = fig.axes[0].get_images()[0]
    assert image.norm.vmin == 0 and image.norm.vmax == 1  # full scale, not the largest value
    shown = image.get_array()
    assert shown.count() == 7 * 6 // 2  # every pair below the diagonal is on the scale
    assert_readable(fig)
    _check_saved(fig, tmp_path)


def test_cooccurrence_panel_is_dropped_when_it_carries_almost_nothing(book):
    assert cooccurrence_pairs(book, "all") == 21
    assert cooccurrence_pairs(book, "barriers") == 3 < MIN_COOCCURRENCE_PAIRS


def test_recruitment_flowchart_boxes_hold_the_counts(tmp_path, flow):
    fig = figures.recruitment_flowchart(flow, WAVES)
    text = _all_text(fig)
    assert "Peer support specialists employed\n(n = 18)" in text
    assert "Excluded (n = 8)" in text and "Ineligible (n = 7)" in text
    assert "Hired before 2017 (n = 4)" in text and "Declined to take part (n = 1)" in text
    assert "Interviewed\n(n = 10)" in text
    assert "8 months\n9 of 10 interviews recorded" in text
    assert "Interviews not recorded (n = 1)" in text and "Left the job" in text
    assert "Analysed\n10 participants, 29 transcripts" in text
    assert_readable(fig)
    boxes = [p for p in fig.axes[0].patches]
    assert len(boxes) == 8  # employed, excluded, interviewed, three waves, not recorded, analysed
    _check_saved(fig, tmp_path)


@pytest.mark.parametrize("width_in", [3.5, 7.2])
def test_figures_fit_other_column_widths(tmp_path, width_in, by_code, frequency, book, flow):
    """Single-column (3.5 in) and full-page widths: still nothing clipped or overlapping."""
    style = {"width_in": width_in, "font_size": 8}
    made = [
        figures.forest_plot(by_code, book, 0.7, **style),
        figures.wave_heatmap(frequency, book, WAVES, "barriers", **style),
        figures.recruitment_flowchart(flow, WAVES, **style),
    ]
    for fig in made:
        assert fig.get_figwidth() == width_in
        assert_readable(fig)


def test_preview_carries_alt_text_for_the_html_export(tmp_path, flow):
    paths = figures.save_figure(figures.recruitment_flowchart(flow), tmp_path / "f", dpi=40)
    bundle = figures.preview(paths[0], 'Flow "chart" <1>', width_px=300)
    assert bundle["text/plain"] == 'Flow "chart" <1>'
    assert 'alt="Flow &quot;chart&quot; &lt;1&gt;"' in bundle["text/html"]
    assert bundle["text/html"].startswith('<img src="data:image/png;base64,iVBORw0KGgo')
