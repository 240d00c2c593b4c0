"""Journal figures from the CSVs the pipeline wrote (matplotlib, Agg canvas, no pyplot state).

One look for every figure: the configured font size and column width, the Okabe–Ito
colour-blind-safe palette (Okabe & Ito 2008) for categories, ``cividis`` (Nuñez et al. 2018)
for quantities, labelled axes with units, wrapped long labels and constrained layout so
nothing is clipped. Each function returns a :class:`~matplotlib.figure.Figure`;
:func:`save_figure` writes it as PNG, SVG and PDF with deterministic metadata; SVG and PDF keep
text as text (``svg.fonttype: none``, TrueType in PDF) so authors and journals can edit labels.
"""

from __future__ import annotations

import base64
import contextlib
import html
import math
import textwrap
from collections.abc import Callable, Iterator, Mapping
from os import PathLike
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib import transforms
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import Normalize
from matplotlib.figure import Figure
from matplotlib.font_manager import fontManager
from matplotlib.lines import Line2D
from matplotlib.patches import FancyBboxPatch, Patch, Rectangle
from matplotlib.text import Text

from qualflow.io import OutputSet
from qualflow.present.tables import (
    TRAJECTORIES,
    TRAJECTORY_LABELS,
    bootstrap_header,
    ci_label,
    codes_in_codebook_order,
    fmt_estimate,
    fmt_number,
    subthemes,
    trajectory_counts,
    wave_label,
    wave_label_map,
)
from qualflow.themes.cooccurrence import cooccurrence_matrix

#: Okabe & Ito (2008), ordered so the first colours differ most (yellow, weak on white, late).
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
#: Sequential, perceptually uniform and readable by people with colour-vision deficiency.
SEQUENTIAL_CMAP = "cividis_r"
#: Landis & Koch (1977) strength-of-agreement bands for κ.
LANDIS_KOCH = (
    (-1.0, 0.0, "Poor"),
    (0.0, 0.2, "Slight"),
    (0.2, 0.4, "Fair"),
    (0.4, 0.6, "Moderate"),
    (0.6, 0.8, "Substantial"),
    (0.8, 1.0, "Almost perfect"),
)
NOT_RECORDED_HATCH = "////"
GREY = "#6E6E6E"
LIGHT_GREY = "#D9D9D9"
NBSP = "\u00a0"  # keeps "(n = 4)" on one line when text is wrapped
_FONT_PREFERENCE = ("Arial", "Helvetica", "Liberation Sans", "DejaVu Sans")


# --------------------------------------------------------------------------- style and saving
def _sans_fonts() -> list[str]:
    """Journal-preferred sans-serif fonts that are installed (DejaVu Sans always is)."""
    installed = {f.name for f in fontManager.ttflist}
    return [name for name in _FONT_PREFERENCE if name in installed] or ["DejaVu Sans"]


@contextlib.contextmanager
def journal_style(font_size: float = 9) -> Iterator[None]:
    """Temporarily set matplotlib's parameters for a journal figure."""
    small = font_size - 1
    rc = {
        "font.family": "sans-serif",
        "font.sans-serif": _sans_fonts(),
        "font.size": font_size,
        "axes.titlesize": font_size,
        "axes.titleweight": "bold",
        "axes.labelsize": font_size,
        "xtick.labelsize": small,
        "ytick.labelsize": small,
        "legend.fontsize": small,
        "legend.title_fontsize": font_size,
        "legend.frameon": False,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.linewidth": 0.6,
        "xtick.major.width": 0.6,
        "ytick.major.width": 0.6,
        "lines.linewidth": 1.0,
        "axes.prop_cycle": mpl.cycler(color=OKABE_ITO),
        "image.cmap": SEQUENTIAL_CMAP,
        "svg.hashsalt": "qualflow",
        "svg.fonttype": "none",
        "pdf.fonttype": 42,
        "figure.dpi": 100,
    }
    with mpl.rc_context(rc):
        yield


def new_figure(width_in: float, height_in: float) -> Figure:
    """A constrained-layout figure on an Agg canvas (no pyplot, nothing global)."""
    fig = Figure(figsize=(width_in, height_in), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_figure(fig: Figure, stem: str | PathLike[str], dpi: int = 300) -> list[Path]:
    """Write ``stem.png`` (at ``dpi``), ``.svg`` and ``.pdf``, all or none, byte-reproducibly.

    SVG keeps its text as ``<text>`` (``svg.fonttype: none``) and PDF embeds TrueType fonts, so
    labels stay editable; PNG carries no software tag, SVG no date, creator or random ids
    (``svg.hashsalt``) and PDF no dates or producer, so the same figure gives the same bytes on
    every run.
    """
    stem = Path(stem)
    png, svg, pdf = (stem.with_name(stem.name + ext) for ext in (".png", ".svg", ".pdf"))
    rc = {"svg.hashsalt": "qualflow", "svg.fonttype": "none", "pdf.fonttype": 42}
    with mpl.rc_context(rc), OutputSet() as out:
        fig.savefig(out.path(png), format="png", dpi=dpi, metadata={"Software": None})
        fig.savefig(out.path(svg), format="svg", metadata={"Date": None, "Creator": None})
        fig.savefig(
            out.path(pdf),
            format="pdf",
            metadata={"CreationDate": None, "ModDate": None, "Producer": None, "Creator": None},
        )
    return [png, svg, pdf]


def preview(png: str | PathLike[str], alt: str, width_px: int = 650) -> dict[str, str]:
    """A notebook display bundle showing a saved PNG with alternative text (the HTML export
    keeps the ``alt``, which a plain image output loses): ``display(preview(...), raw=True)``."""
    data = base64.b64encode(Path(png).read_bytes()).decode("ascii")
    tag = f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}" width="{width_px}">'
    return {"text/html": tag, "text/plain": alt}


def label_chars(width_in: float, font_size: float, share: float) -> int:
    """How many characters of a label fit in ``share`` of the figure width (at least 12)."""
    return max(12, int(share * width_in * 72 / (0.55 * (font_size - 1))))


def wrap(text: object, width: int) -> str:
    """Wrap a label on word boundaries so it never runs into its neighbour."""
    return "\n".join(textwrap.wrap(str(text), width=width, break_long_words=False)) or str(text)


def _minus(text: str) -> str:
    """Typographic minus signs in figure text, as on the axes."""
    return text.replace("-", "\u2212")


def _text_size(fig: Figure, text: str, font_size: float) -> tuple[float, float]:
    """Width and height in inches of ``text`` set in ``font_size`` points on ``fig``."""
    probe = fig.text(0, 0, text, fontsize=font_size)
    extent = probe.get_window_extent(fig.canvas.get_renderer())
    probe.remove()
    return extent.width / fig.dpi, extent.height / fig.dpi


def _row_height(labels: list[str], font_size: float, minimum: float) -> float:
    """Inches a heatmap row needs so its (wrapped) tick label does not touch the next one."""
    lines = max((label.count("\n") + 1 for label in labels), default=1)
    return max(minimum, lines * (font_size - 1) * 1.25 / 72 + 0.08)


def _slant_if_crowded(fig: Figure) -> None:
    """Slant the x tick labels of any axes where, once laid out, two of them would touch."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    for ax in fig.axes:
        boxes = [t.get_window_extent(renderer) for t in ax.get_xticklabels() if t.get_text()]
        if any(a.overlaps(b) for a, b in zip(boxes, boxes[1:], strict=False)):
            ax.tick_params(axis="x", labelrotation=45)
            for label in ax.get_xticklabels():
                label.set_ha("right")
                label.set_rotation_mode("anchor")


def _text_colour(rgba: tuple) -> str:
    """Black or white, whichever reads better on a cell of colour ``rgba`` (WCAG luminance)."""
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgba[:3])
    return "black" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.179 else "white"


def _category_groups(codebook: pd.DataFrame, category: str) -> list[tuple[str, pd.DataFrame]]:
    """Subthemes per category, in codebook order: [(category label, subthemes)]."""
    subs = subthemes(codebook, category)
    return [
        (group["category_label"].iloc[0], group.reset_index(drop=True))
        for _, group in subs.groupby("category", sort=False)
    ]


def _denominators(freq: pd.DataFrame) -> dict[str, int]:
    """Participants with a recorded interview, per wave (and ``all``)."""
    first = freq.drop_duplicates("wave").set_index("wave")["n_interviewed"]
    return {str(w): int(n) for w, n in first.items() if pd.notna(n)}


def _wave_columns(freq: pd.DataFrame) -> list[str]:
    return sorted({str(w) for w in freq["wave"] if str(w) != "all"}, key=int)


def _wave_tick(wave: str, labels: Mapping[int, str], denominators: Mapping[str, int]) -> str:
    n = denominators.get(str(wave))
    name = wave_label(wave, labels)
    return name if n is None else f"{name}\n(N = {n})"


# --------------------------------------------------------------------------- forest plot
def forest_plot(
    by_code: pd.DataFrame,
    codebook: pd.DataFrame,
    pooled_kappa: float | None = None,
    ci_level: float = 0.95,
    *,
    width_in: float = 6.5,
    font_size: float = 9,
) -> Figure:
    """Per-code Cohen's κ with its analytic and bootstrap intervals, grouped by subtheme.

    Codes are in codebook order under their category and subtheme; the dashed line is the
    pooled κ (from ``agreement_summary.csv``); shaded bands are Landis & Koch (1977). A code
    whose κ is undefined keeps its row, marked "not estimable", and is listed below the axis.
    """
    ordered = codes_in_codebook_order(by_code, codebook)
    compact = width_in < 5  # single column: no estimate column, coarser ticks
    rows = _forest_rows(ordered, label_chars(width_in, font_size, 0.28))
    n_lines = math.ceil(max(r["y"] + r["label"].count("\n") / 2 for r in rows) + 1)
    with journal_style(font_size):
        fig = new_figure(width_in, 1.5 + 0.19 * n_lines)
        ax = fig.add_subplot()
        left = _forest_xmin(ordered)
        band_labels = _landis_koch_bands(ax, left, font_size, step=0.5 if compact else 0.2)
        handles = _forest_marks(ax, ordered, rows, ci_level)
        if pooled_kappa is not None and not pd.isna(pooled_kappa):
            pooled = {"color": "black", "lw": 0.8, "ls": (0, (4, 2))}
            ax.axvline(pooled_kappa, zorder=1, **pooled)
            handles.append(Line2D([], [], label=f"Pooled κ = {fmt_number(pooled_kappa)}", **pooled))
        ax.set_xlim(left, 1.0)
        ax.set_ylim(n_lines - 0.5, -0.5)
        ax.set_xlabel("Cohen's κ")
        ax.spines["left"].set_visible(False)
        ax.tick_params(axis="y", length=0)
        label_width = _forest_labels(fig, ax, rows, font_size)
        if compact:
            _forest_not_estimable(ax, ordered, rows, left, font_size)
        else:
            _forest_estimates(ax, ordered, rows, ci_level, font_size)
        _forest_undefined_note(ax, ordered, font_size, label_width, width_in)
        fig.legend(handles=handles, loc="outside lower center", ncols=1 if compact else 3)
        _drop_if_crowded(fig, band_labels)
    return fig


def _forest_rows(ordered: pd.DataFrame, chars: int) -> list[dict]:
    """Header and code rows top to bottom; ``y`` is a row's centre, wrapped labels take more."""
    rows, y = [], 0.0
    show_category = ordered["category"].nunique() > 1
    previous = (None, None)
    for i, row in ordered.iterrows():
        entries = []
        if show_category and row["category"] != previous[0]:
            entries.append(("category", str(row["category_label"]).upper(), None))
        if (row["category"], row["subtheme"]) != previous:
            entries.append(("subtheme", wrap(row["subtheme_label"], chars), None))
        entries.append(("code", wrap(row["code_label"], chars), i))
        for kind, label, index in entries:
            lines = label.count("\n") + 1
            rows.append({"kind": kind, "label": label, "y": y + (lines - 1) / 2, "index": index})
            y += lines
        previous = (row["category"], row["subtheme"])
    return rows


def _drop_if_crowded(fig: Figure, texts: list[Text]) -> None:
    """Remove ``texts`` (all of them) if, once laid out, any two overlap: better none than a
    jumble. The caption then carries what they said."""
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    if any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :]):
        for text in texts:
            text.remove()


def _forest_xmin(ordered: pd.DataFrame) -> float:
    low, _, _ = _analytic_interval(ordered, 0.95)  # the interval drawn, whatever its level
    lows = pd.concat([ordered[low], ordered["boot_ci_low"], ordered["kappa"]])
    lowest = lows.min(skipna=True)
    lowest = 0.0 if pd.isna(lowest) else min(0.0, float(lowest))
    return max(-1.0, math.floor(lowest * 10) / 10 - 0.1)


def _landis_koch_bands(ax: Axes, left: float, font_size: float, step: float) -> list[Text]:
    """Shade the bands and name them above the axes, on two staggered rows so they rarely
    overlap; returns the names. Ticks every ``step`` on the band edges."""
    names = []
    for i, (lo, hi, name) in enumerate(LANDIS_KOCH):
        lo = max(lo, left)
        if hi <= lo:
            continue
        ax.axvspan(lo, hi, color="#F2F2F2" if i % 2 else "#E4E4E4", lw=0, zorder=0)
        raise_by = transforms.offset_copy(
            ax.get_xaxis_transform(), fig=ax.figure, y=2 + (font_size + 1) * (i % 2), units="points"
        )
        names.append(
            ax.text(
                (lo + hi) / 2,
                1.0,
                name,
                transform=raise_by,
                ha="center",
                va="bottom",
                fontsize=font_size - 1.5,
                color=GREY,
            )
        )
    first = math.ceil(left / step - 1e-9) * step
    ax.set_xticks(np.round(np.arange(first, 1.0 + 1e-9, step), 2))
    return names


def _analytic_interval(ordered: pd.DataFrame, ci_level: float) -> tuple[str, str, str]:
    """The analytic interval the forest plot shows: cluster-robust when the CSV has it."""
    ci = ci_label(ci_level)
    if {"cluster_ci_low", "cluster_ci_high"} <= set(ordered.columns):
        return "cluster_ci_low", "cluster_ci_high", f"Cluster-robust {ci}"
    return "kappa_ci_low", "kappa_ci_high", f"Analytic {ci}"


def _forest_marks(ax: Axes, ordered: pd.DataFrame, rows: list[dict], ci_level: float) -> list:
    low, high, label = _analytic_interval(ordered, ci_level)
    styles = [
        (low, high, -0.17, OKABE_ITO[0], "o", label),
        (
            "boot_ci_low",
            "boot_ci_high",
            0.17,
            OKABE_ITO[3],
            "s",
            bootstrap_header(ordered, ci_level),
        ),
    ]
    handles = []
    for low, high, offset, colour, marker, label in styles:
        face = colour if marker == "o" else "white"
        for row in (r for r in rows if r["kind"] == "code"):
            data = ordered.loc[row["index"]]
            if pd.isna(data["kappa"]):
                continue
            y = row["y"] + offset
            if pd.notna(data[low]) and pd.notna(data[high]):
                ax.plot(
                    [data[low], data[high]],
                    [y, y],
                    color=colour,
                    lw=1.1,
                    zorder=3,
                    solid_capstyle="butt",
                )
            ax.plot(
                data["kappa"],
                y,
                marker=marker,
                ms=4,
                color=colour,
                mfc=face,
                mew=1.0,
                zorder=4,
                ls="none",
            )
        handles.append(
            Line2D([], [], color=colour, marker=marker, mfc=face, ms=4, lw=1.1, label=label)
        )
    return handles


def _indent(label: str) -> str:
    return "\n".join("    " + line for line in label.split("\n"))


def _forest_labels(fig: Figure, ax: Axes, rows: list[dict], font_size: float) -> float:
    """Left-aligned row labels: bold headers, indented codes; measured so none is clipped.

    Returns the width of the label column in points.
    """
    ax.set_yticks([r["y"] for r in rows])
    labels = ax.set_yticklabels(
        [_indent(r["label"]) if r["kind"] == "code" else r["label"] for r in rows],
        ha="left",
        linespacing=1.0,
    )
    for label, row in zip(labels, rows, strict=True):
        if row["kind"] != "code":
            label.set_fontweight("bold")
            label.set_fontsize(font_size - (0.5 if row["kind"] == "subtheme" else 0))
    renderer = fig.canvas.get_renderer()
    width = max(label.get_window_extent(renderer).width for label in labels) * 72 / fig.dpi
    ax.tick_params(axis="y", pad=width + 4)
    return width + 4


def _forest_estimates(
    ax: Axes, ordered: pd.DataFrame, rows: list[dict], ci_level: float, font_size: float
) -> None:
    """The analytic estimate and interval as text in a column right of the plot."""
    trans = transforms.blended_transform_factory(ax.transAxes, ax.transData)
    low, high, label = _analytic_interval(ordered, ci_level)
    ax.text(
        1.03,
        -0.5,
        f"κ ({label[0].lower() + label[1:]})",
        transform=trans,
        ha="left",
        va="bottom",
        fontsize=font_size - 1,
        fontweight="bold",
    )
    for row in (r for r in rows if r["kind"] == "code"):
        data = ordered.loc[row["index"]]
        text = _minus(fmt_estimate(data["kappa"], data[low], data[high]))
        ax.text(
            1.03,
            row["y"],
            "not estimable" if text == "n/a" else text,
            transform=trans,
            ha="left",
            va="center",
            fontsize=font_size - 1,
            color="black" if text != "n/a" else GREY,
        )


def _forest_not_estimable(
    ax: Axes, ordered: pd.DataFrame, rows: list[dict], left: float, font_size: float
) -> None:
    """Mark, inside the plot, the rows whose κ is undefined (when there is no estimate column)."""
    for row in (r for r in rows if r["kind"] == "code"):
        if pd.isna(ordered.loc[row["index"], "kappa"]):
            ax.text(
                left + 0.03,
                row["y"],
                "not estimable",
                va="center",
                ha="left",
                fontsize=font_size - 1.5,
                color=GREY,
                style="italic",
            )


def _forest_undefined_note(
    ax: Axes, ordered: pd.DataFrame, font_size: float, indent_pt: float, width_in: float
) -> None:
    """List, under the axis, the codes whose κ could not be estimated (they are not dropped)."""
    undefined = ordered[ordered["kappa"].isna()]
    # kappa = 0 by construction (one coder constant: p_o = p_e), flagged in the note column
    constant = ordered[ordered["note"].astype(str).str.contains("kappa = 0 by construction")]
    items = [
        f"{label}" + (f" ({note.strip()})" if str(note).strip() else "")
        for label, note in zip(undefined["code_label"], undefined["note"], strict=True)
    ]
    parts = ["κ not estimable for: " + "; ".join(items) + "."] if items else []
    if not constant.empty:
        parts.append(
            "κ = 0 by construction (one coder constant, p_o = p_e; SE 0) for: "
            + "; ".join(constant["code_label"].astype(str))
            + "."
        )
    if {"cluster", "n_clusters"} <= set(ordered.columns) and len(ordered):
        n, cluster = ordered["n_clusters"].iloc[0], str(ordered["cluster"].iloc[0])
        if not pd.isna(n) and int(n) < 30:
            parts.append(f"Only {int(n)} {cluster}s (< 30): the intervals may be too narrow.")
    if not parts:
        return
    chars = int((width_in - 0.3) * 72 / (0.56 * (font_size - 1)))
    text = "\n".join(wrap(part, chars) for part in parts)
    ax.annotate(
        text,
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(-indent_pt, -30),
        textcoords="offset points",
        ha="left",
        va="top",
        fontsize=font_size - 1,
        color=GREY,
        annotation_clip=False,
    )


# --------------------------------------------------------------------------- themes by wave
def wave_heatmap(
    frequency: pd.DataFrame,
    codebook: pd.DataFrame,
    wave_labels: Mapping[object, str],
    category: str = "all",
    *,
    width_in: float = 6.5,
    font_size: float = 9,
) -> Figure:
    """Subthemes × waves: the share of participants interviewed in a wave who raised each.

    Cells are annotated "n/N (%)"; N, the participants with a recorded interview in that
    wave, is also under each column label. The last column pools all waves.
    """
    labels = wave_label_map(wave_labels)
    freq = frequency[frequency["level"] == "subtheme"].assign(wave=lambda f: f["wave"].astype(str))
    waves = [*_wave_columns(freq), "all"]
    denominators = _denominators(freq)
    groups = _category_groups(codebook, category)
    n_rows = sum(len(g) for _, g in groups)
    chars = label_chars(width_in, font_size, 0.28)
    names = [[wrap(x, chars) for x in g["subtheme_label"]] for _, g in groups]
    row_h = _row_height([n for group in names for n in group], font_size, 0.36)
    norm = Normalize(0, 100)
    cmap = mpl.colormaps[SEQUENTIAL_CMAP]
    with journal_style(font_size):
        fig = new_figure(width_in, 1.2 + row_h * n_rows + 0.35 * len(groups))
        axes = fig.subplots(
            len(groups), 1, squeeze=False, height_ratios=[len(g) for _, g in groups]
        )[:, 0]
        for ax, (title, subs), rows in zip(axes, groups, names, strict=True):
            pct, text = _wave_cells(freq, subs, waves, " " if width_in >= 5 else "\n")
            image = ax.imshow(pct, cmap=cmap, norm=norm, aspect="auto")
            _annotate_cells(ax, pct, text, cmap, norm, font_size - 1)
            ax.set_yticks(range(len(subs)), rows)
            ax.set_xticks(range(len(waves)), [_wave_tick(w, labels, denominators) for w in waves])
            ax.axvline(len(waves) - 1.5, color="white", lw=3)
            ax.tick_params(length=0)
            ax.spines[:].set_visible(False)
            if len(groups) > 1:
                ax.set_title(title, loc="left")
        fig.colorbar(
            image,
            ax=list(axes),
            label="Participants who raised\nthe subtheme (%)",
            shrink=0.9 if len(groups) > 1 else 1.0,
            aspect=25,
        )
        _slant_if_crowded(fig)
    return fig


def _wave_cells(freq: pd.DataFrame, subs: pd.DataFrame, waves: list[str], sep: str = " "):
    """Percentages (NaN when nobody was interviewed) and "n/N (%)" labels."""
    pct = np.full((len(subs), len(waves)), np.nan)
    text = np.full(pct.shape, "n/a", dtype=object)
    for i, name in enumerate(subs["subtheme"]):
        for j, wave in enumerate(waves):
            hit = freq[(freq["theme"] == name) & (freq["wave"] == wave)]
            if hit.empty or pd.isna(hit.iloc[0]["n_interviewed"]):
                continue
            n, total = int(hit.iloc[0]["n_participants"]), int(hit.iloc[0]["n_interviewed"])
            if total:
                pct[i, j] = (
                    100.0 * n / total
                    if pd.isna(hit.iloc[0]["pct_participants"])
                    else (float(hit.iloc[0]["pct_participants"]))
                )
                text[i, j] = f"{n}/{total}{sep}({fmt_number(pct[i, j], 0)}%)"
    return pct, text


def _annotate_cells(ax: Axes, values: np.ndarray, text: np.ndarray, cmap, norm, size: float):
    for (i, j), value in np.ndenumerate(values):
        colour = "black" if np.isnan(value) else _text_colour(cmap(norm(value)))
        ax.text(j, i, text[i, j], ha="center", va="center", fontsize=size, color=colour)


def change_over_waves(
    frequency: pd.DataFrame,
    codebook: pd.DataFrame,
    wave_labels: Mapping[object, str],
    category: str = "all",
    *,
    width_in: float = 6.5,
    font_size: float = 9,
) -> Figure:
    """How each subtheme's prevalence changed from wave to wave: one small panel per subtheme.

    Dots joined by a line give the share of participants interviewed in each wave who raised
    the subtheme, each labelled ``n/N`` (N = participants with a recorded interview in that
    wave), on a shared 0–100 % axis so panels compare at a glance. Panels follow the codebook,
    coloured by category (Okabe & Ito 2008); a wave nobody was interviewed in is left out.
    """
    labels = wave_label_map(wave_labels)
    freq = frequency[frequency["level"] == "subtheme"].assign(wave=lambda f: f["wave"].astype(str))
    waves = _wave_columns(freq)
    subs = subthemes(codebook, category)
    colour_of = {c: k for k, c in enumerate(dict.fromkeys(codebook["category"]))}
    per_row = max(1, min(len(subs), int(width_in // 1.55)))
    n_rows = math.ceil(len(subs) / per_row)
    chars = label_chars(width_in / per_row, font_size, 0.72)
    titles = [wrap(x, chars) for x in subs["subtheme_label"]]
    title_lines = max((t.count("\n") + 1 for t in titles), default=1)
    ticks = [wave_label(w, labels) for w in waves]
    short = [str(w) for w in waves]
    with journal_style(font_size):
        panel_h = 1.25 + title_lines * font_size * 1.3 / 72
        fig = new_figure(width_in, 0.7 + panel_h * n_rows)
        axes = fig.subplots(n_rows, per_row, squeeze=False, sharey=True).ravel()
        for ax, sub, title in zip(axes, subs.itertuples(), titles, strict=False):
            pct, text = _wave_cells(freq, pd.DataFrame({"subtheme": [sub.subtheme]}), waves, "")
            x = np.arange(len(waves))
            keep = ~np.isnan(pct[0])
            colour = OKABE_ITO[colour_of.get(sub.category, 0) % len(OKABE_ITO)]
            ax.plot(x[keep], pct[0][keep], color=colour, lw=1.2, marker="o", ms=4, zorder=3)
            for xi, value, label in zip(x[keep], pct[0][keep], text[0][keep], strict=True):
                fraction = label.split("(")[0].strip()
                below = value > 80
                ax.annotate(
                    fraction,
                    (xi, value),
                    xytext=(0, -7 if below else 6),
                    textcoords="offset points",
                    ha="center",
                    va="top" if below else "bottom",
                    fontsize=font_size - 2,
                )
            ax.set_title(title, loc="left", fontsize=font_size - 0.5)
            ax.set_xlim(-0.4, len(waves) - 0.6)
            ax.set_ylim(0, 105)
            ax.set_yticks([0, 50, 100])
            ax.set_xticks(x, short)
            ax.yaxis.grid(True, color=LIGHT_GREY, lw=0.5, zorder=0)
            ax.set_axisbelow(True)
        for ax in axes[len(subs) :]:
            ax.set_visible(False)
        for ax in axes[::per_row]:
            ax.set_ylabel("Raised (%)")
        key = "; ".join(f"{w} = {t}" for w, t in zip(short, ticks, strict=True))
        fig.supxlabel(
            wrap(f"Interview wave ({key}). Labels: participants who raised it / interviewed.", 110),
            fontsize=font_size - 1,
        )
        if category == "all" and len(colour_of) > 1:
            names = dict(zip(codebook["category"], codebook["category_label"], strict=False))
            fig.legend(
                handles=[
                    Line2D(
                        [],
                        [],
                        color=OKABE_ITO[k % len(OKABE_ITO)],
                        marker="o",
                        ms=4,
                        label=names[c],
                    )
                    for c, k in colour_of.items()
                ],
                loc="outside upper right",
                ncols=len(colour_of),
            )
    return fig


#: The earlier name of :func:`change_over_waves` (the figure file is still ``*_prevalence``).
prevalence_by_wave = change_over_waves


# --------------------------------------------------------------------------- framework matrix
#: Trajectory colours, apart from the category colours: kept dark grey, gained bluish green,
#: dropped reddish purple, neither light grey.
TRAJECTORY_COLOURS = {"kept": "#3B3B3B", "gained": OKABE_ITO[2], "dropped": OKABE_ITO[4],
                      "absent": LIGHT_GREY}  # fmt: skip
MAX_PAGE_HEIGHT_IN = 8.5


def participant_matrix(
    matrix: pd.DataFrame,
    codebook: pd.DataFrame,
    wave_labels: Mapping[object, str],
    category: str = "all",
    *,
    width_in: float = 6.5,
    font_size: float = 9,
) -> Figure:
    """The framework matrix and, beside it, each subtheme's trajectory across the waves.

    Left: one row per participant, one column per (subtheme, wave); a filled cell means the
    subtheme was raised in that interview (at least one coded unit — presence, not the unit
    count, which tracks interview length), an open cell that it was not, a grey cell that
    no interview was recorded. A participant is followed across time along the row.
    Right: per subtheme, how many participants raised it at both their first and last recorded
    interview, gained it, dropped it, or had it at neither
    (:func:`qualflow.present.tables.trajectory_counts`). The figure never grows beyond a
    page: with many
    participants rows get thinner and only every k-th is labelled.
    """
    labels = wave_label_map(wave_labels)
    subs = subthemes(codebook, category)
    frame = matrix[matrix["subtheme"].isin(subs["subtheme"])]
    people = sorted(matrix["participant_id"].unique())
    waves = sorted(matrix["wave"].astype(int).unique())
    counts = trajectory_counts(matrix, codebook, category)
    colour_of = {c: k for k, c in enumerate(dict.fromkeys(codebook["category"]))}
    n_w, gap = len(waves), 0.6
    x_of = {
        (sub, wave): k * (n_w + gap) + j
        for k, sub in enumerate(subs["subtheme"])
        for j, wave in enumerate(waves)
    }
    with journal_style(font_size):
        # square cells where there is room: the matrix takes about half the width
        cell = 0.5 * width_in / (len(x_of) + gap * len(subs))
        row_h = min(0.2, cell, (MAX_PAGE_HEIGHT_IN - 2.2) / max(len(people), 1))
        names = _trajectory_names(counts, width_in, font_size)
        bars_h = len(subs) * _row_height(names, font_size, 0.25)
        height = 2.2 + max(row_h * len(people), bars_h)
        fig = new_figure(width_in, min(MAX_PAGE_HEIGHT_IN, height))
        left, right = fig.subplots(
            1, 2, width_ratios=[max(1.2, len(x_of) * 0.17 + gap * len(subs) * 0.17), 2.6]
        )
        dense = row_h < 0.09
        _presence_cells(left, frame, people, subs, x_of, colour_of, dense)
        step = max(1, math.ceil(len(people) / 40))
        ticks = list(range(0, len(people), step))
        left.set_yticks(ticks, [str(people[i]) for i in ticks])
        left.set_ylim(len(people) - 0.5, -0.5)
        left.set_xlim(-0.6, max(x_of.values()) + 0.6)
        left.set_ylabel("Participant")
        left.set_xticks(list(x_of.values()), [str(w) for _, w in x_of], fontsize=font_size - 2)
        centres = [k * (n_w + gap) + (n_w - 1) / 2 for k in range(len(subs))]
        top = left.secondary_xaxis("top")
        top.set_xticks(centres, [str(k) for k in range(1, len(subs) + 1)])
        top.tick_params(length=0)
        top.set_xlabel("Subtheme (numbered as on the right)", fontsize=font_size - 1)
        left.set_xlabel("Wave", fontsize=font_size - 1)
        left.tick_params(length=0)
        left.spines[:].set_visible(False)
        _trajectory_bars(right, counts, names, font_size)
        key = "; ".join(f"{w} = {wave_label(w, labels)}" for w in waves)
        handles = [
            Patch(facecolor=OKABE_ITO[k % len(OKABE_ITO)], label=f"Raised ({name})")
            for name, k in (
                (codebook.loc[codebook["category"] == c, "category_label"].iloc[0], k)
                for c, k in colour_of.items()
                if c in set(subs["category"])
            )
        ]
        handles += [
            Patch(facecolor="white", edgecolor=GREY, lw=0.5, label="Not raised"),
            Patch(facecolor=LIGHT_GREY, hatch=None if dense else NOT_RECORDED_HATCH,
                  edgecolor=GREY, lw=0, label="Interview not recorded"),
        ]  # fmt: skip
        handles += [
            Patch(facecolor=TRAJECTORY_COLOURS[k], label=TRAJECTORY_LABELS[k]) for k in TRAJECTORIES
        ]
        fig.legend(handles=handles, loc="outside lower center", ncols=2,
                   title=f"Waves: {key}", title_fontsize=font_size - 1)  # fmt: skip
    return fig


def _presence_cells(
    ax: Axes,
    frame: pd.DataFrame,
    people: list,
    subs: pd.DataFrame,
    x_of: Mapping,
    colour_of: Mapping,
    dense: bool,
) -> None:
    """Filled square: raised; outlined: not raised; grey (hatched): not recorded."""
    present = {
        (r.participant_id, r.subtheme, int(r.wave)): r.n_units > 0
        for r in frame.itertuples(index=False)
    }
    category_of = dict(zip(subs["subtheme"], subs["category"], strict=True))
    size = 1.0 if dense else 0.84
    for i, person in enumerate(people):
        for (sub, wave), x in x_of.items():
            state = present.get((person, sub, wave))
            corner = (x - size / 2, i - size / 2)
            if state is None:
                hatch = None if dense else NOT_RECORDED_HATCH
                patch = Rectangle(
                    corner, size, size, facecolor=LIGHT_GREY, lw=0, hatch=hatch, edgecolor=GREY
                )
            elif state:
                colour = OKABE_ITO[colour_of.get(category_of[sub], 0) % len(OKABE_ITO)]
                patch = Rectangle(corner, size, size, facecolor=colour, lw=0)
            elif dense:
                continue
            else:
                patch = Rectangle(corner, size, size, facecolor="white", edgecolor=LIGHT_GREY,
                                  lw=0.6)  # fmt: skip
            ax.add_patch(patch)


def _trajectory_names(counts: pd.DataFrame, width_in: float, font_size: float) -> list[str]:
    chars = label_chars(width_in, font_size, 0.22)
    return [wrap(f"{k}. {x}", chars) for k, x in enumerate(counts["subtheme_label"], start=1)]


def _trajectory_bars(ax: Axes, counts: pd.DataFrame, names: list[str], font_size: float) -> None:
    """Stacked horizontal bars: participants per trajectory, one bar per subtheme."""
    y = np.arange(len(counts))
    start = np.zeros(len(counts))
    for kind in TRAJECTORIES:
        values = counts[kind].to_numpy(dtype=float)
        ax.barh(y, values, left=start, color=TRAJECTORY_COLOURS[kind], height=0.7, lw=0)
        for yi, x0, v in zip(y, start, values, strict=True):
            if v >= 1:
                ink = "black" if kind == "absent" else "white"
                ax.text(x0 + v / 2, yi, str(int(v)), ha="center", va="center",
                        fontsize=font_size - 2, color=ink)  # fmt: skip
        start += values
    ax.set_yticks(y, names)
    ax.set_ylim(len(counts) - 0.5, -0.5)
    most = int(counts["n"].max()) if len(counts) else 0
    ax.set_xlim(0, max(most, 1))
    ticks = mpl.ticker.MaxNLocator(nbins=4, integer=True).tick_values(0, max(most, 1))
    ax.set_xticks([t for t in ticks if 0 <= t <= max(most, 1)])
    ax.set_xlabel("Participants")
    ax.set_title("First vs last recorded interview", loc="right", fontsize=font_size)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)


# --------------------------------------------------------------------------- co-occurrence
def cooccurrence_heatmap(
    cooccurrence: pd.DataFrame,
    codebook: pd.DataFrame,
    category: str = "all",
    *,
    width_in: float = 6.5,
    font_size: float = 9,
) -> Figure:
    """Which subthemes were coded on the same units: lower triangle of the subtheme pairs.

    Each cell shows the number of shared units; its colour is the Jaccard index of the two
    subthemes' units (Jaccard 1901) on the full 0–1 scale, so a pair sharing 14 of 300 units
    stays pale and a pair sharing none has the colour of 0 rather than falling off the scale.
    The diagonal (grey) shows each subtheme's own unit total. Whether a category's own panel is
    worth drawing is :func:`qualflow.codebook.read.cooccurrence_pairs`' question.
    """
    subs = subthemes(codebook, category)
    order = list(subs["subtheme"])
    shared = cooccurrence_matrix(cooccurrence, "n_units", order).reindex(index=order, columns=order)
    jaccard = cooccurrence_matrix(cooccurrence, "jaccard_units", order).reindex(
        index=order, columns=order
    )
    n = len(order)
    lower = np.tril(np.ones((n, n), dtype=bool), k=-1)
    overlap = np.nan_to_num(jaccard.to_numpy(dtype=float))  # no shared unit: Jaccard 0
    colour = np.where(lower, overlap, np.nan)
    norm = Normalize(0, 1)
    cmap = mpl.colormaps[SEQUENTIAL_CMAP].with_extremes(bad=(0, 0, 0, 0))
    # Columns are numbered like the rows: long slanted names would take half the page.
    chars = label_chars(width_in, font_size, 0.3)
    labels = list(subs["subtheme_label"])
    row_names = [wrap(f"{k}. {x}", chars) for k, x in enumerate(labels, start=1)]
    column_names = [str(k) for k in range(1, n + 1)]
    with journal_style(font_size):
        fig = new_figure(width_in, 4.0)
        label_w = max(_text_size(fig, t, font_size - 1)[0] for t in row_names)
        numbers_h = max(_text_size(fig, t, font_size - 1)[1] for t in column_names)
        cell = min(0.55, (width_in - label_w - 0.4) / n)
        row_h = max(cell, _row_height(row_names, font_size, 0))
        fig.set_figheight(row_h * n + numbers_h + 1.2)  # + the note and the colour bar
        ax = fig.add_subplot()
        image = ax.imshow(np.ma.masked_invalid(colour), cmap=cmap, norm=norm, aspect="auto")
        ax.set_box_aspect(row_h / cell)  # square cells unless labels need taller rows
        _cooccurrence_cells(ax, shared.to_numpy(dtype=float), colour, cmap, norm, font_size - 1)
        ax.set_xticks(range(n), column_names)
        ax.set_yticks(range(n), row_names)
        ax.tick_params(length=0)
        ax.spines[:].set_visible(False)
        ax.set_xlabel(
            "Numbers: units coded with both subthemes; grey diagonal: all units of the subtheme",
            fontsize=font_size - 1.5,
            color=GREY,
            wrap=True,
        )
        bar = fig.colorbar(
            image,
            ax=ax,
            location="bottom",
            shrink=0.6,
            aspect=25,
            label="Jaccard index of coded units (shared ÷ coded with either), full 0–1 scale",
        )
        bar.set_ticks([0, 0.25, 0.5, 0.75, 1])
    return fig


def _cooccurrence_cells(
    ax: Axes, values: np.ndarray, colour: np.ndarray, cmap, norm, size: float
) -> None:
    """Grey diagonal with each subtheme's total; shared units below it, in ink that reads on
    the cell's colour; a hairline outlines every cell of the triangle."""
    for i in range(len(values)):
        ax.add_patch(Rectangle((i - 0.5, i - 0.5), 1, 1, facecolor=LIGHT_GREY, lw=0))
        ax.text(
            i,
            i,
            fmt_number(values[i, i], 0),
            ha="center",
            va="center",
            fontsize=size,
            fontweight="bold",
        )
        for j in range(i):
            ax.add_patch(
                Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="none", edgecolor=LIGHT_GREY, lw=0.5)
            )
            ax.text(
                j,
                i,
                fmt_number(np.nan_to_num(values[i, j]), 0),
                ha="center",
                va="center",
                fontsize=size,
                color=_text_colour(cmap(norm(colour[i, j]))),
            )


# --------------------------------------------------------------------------- flowchart
def recruitment_flowchart(
    flow: Mapping,
    wave_labels: Mapping[object, str] | None = None,
    *,
    width_in: float = 6.5,
    font_size: float = 9,
) -> Figure:
    """A CONSORT-style recruitment flowchart (Schulz et al. 2010) from :func:`recruitment_flow`.

    Employed → excluded (ineligible, with reasons; declined) → interviewed → interviews
    recorded of scheduled in each wave. Boxes are sized to their text and the text is wrapped
    to the width available, so nothing overflows or overlaps at any column width.
    """
    labels = wave_label_map(wave_labels)
    with journal_style(font_size):
        fig = Figure(figsize=(width_in, 4.0))
        FigureCanvasAgg(fig)
        ax = fig.add_axes((0, 0, 1, 1))
        ax.set_axis_off()
        chart = _Flowchart(fig, ax, width_in, font_size)
        main_x = width_in * 0.3
        employed = chart.fit(
            lambda c: wrap("Peer support specialists employed", c) + f"\n(n = {flow['employed']})",
            2 * main_x - 0.1,
        )
        main_w = _text_size(fig, employed, font_size)[0] + 0.2
        top = chart.box(main_x, 0.1, employed, min_width=main_w)
        nearest = main_x + 0.35  # leave room for the arrow to the exclusion box
        excluded_text = chart.fit(lambda c: _excluded_text(flow, c), width_in - nearest - 0.05)
        box_w = _text_size(fig, excluded_text, font_size)[0] + 2 * chart.PAD
        left = max(nearest, min(width_in * 0.74 - box_w / 2, width_in - box_w - 0.05))
        excluded = chart.box(left, top.bottom + 0.3, excluded_text, align="left", anchor="left")
        interviewed = chart.box(
            main_x,
            excluded.bottom + 0.3,
            f"Interviewed\n(n = {flow['interviewed']})",
            min_width=main_w,
        )
        chart.arrow((main_x, top.bottom), (main_x, interviewed.top))
        chart.arrow((main_x, excluded.middle), (excluded.left, excluded.middle))
        waves = flow.get("waves") or []
        step = width_in / max(len(waves), 1)
        texts = [chart.fit(lambda c, w=w: _wave_text(w, labels, c), step - 0.1) for w in waves]
        wave_w = max((_text_size(fig, t, font_size)[0] for t in texts), default=0) + 0.2
        wave_boxes = []
        for k, text in enumerate(texts):
            x = step * (k + 0.5)
            box = chart.box(x, interviewed.bottom + 0.35, text, min_width=min(wave_w, step - 0.1))
            chart.arrow((main_x, interviewed.bottom), (x, box.top), elbow=True)
            wave_boxes.append((x, box))
        if "analysed_participants" in flow and wave_boxes:
            level = max(box.bottom for _, box in wave_boxes) + 0.17
            for x, box in wave_boxes:
                chart.line([(x, box.bottom), (x, level), (main_x, level)])
            top_of_analysed = level + 0.3
            missing = _not_recorded_text(flow, labels, 60)
            if missing:
                text = chart.fit(
                    lambda c: _not_recorded_text(flow, labels, c), width_in - nearest - 0.05
                )
                side = chart.box(left, level + 0.2, text, align="left", anchor="left")
                chart.arrow((main_x, side.middle), (side.left, side.middle))
                top_of_analysed = side.bottom + 0.3
            analysed = chart.box(
                main_x,
                top_of_analysed,
                f"Analysed\n{flow['analysed_participants']} participants, "
                f"{flow['analysed_transcripts']} transcripts",
                min_width=main_w,
            )
            chart.arrow((main_x, level), (main_x, analysed.top))
        chart.finish()
    return fig


def _wave_text(wave: Mapping, labels: Mapping[int, str], chars: int) -> str:
    """A wave's box: its label and the interviews recorded of those scheduled."""
    count = f"{wave['recorded']} of {wave['scheduled']} interviews recorded"
    return wave_label(wave["wave"], labels) + "\n" + wrap(count, chars)


def _not_recorded_text(flow: Mapping, labels: Mapping[int, str], chars: int) -> str:
    """The box of interviews scheduled but not recorded, by wave, with the reasons given."""
    waves = [w for w in flow.get("waves") or [] if w["scheduled"] > w["recorded"]]
    if not waves:
        return ""
    total = sum(w["scheduled"] - w["recorded"] for w in waves)
    lines = [f"Interviews not recorded (n = {total})"]
    for wave in waves:
        lines.append(
            f"• {wave_label(wave['wave'], labels)} (n = {wave['scheduled'] - wave['recorded']})"
        )
        for reason, n in (wave.get("not_recorded_reasons") or {}).items():
            text = f"{reason[:1].upper()}{reason[1:]} (n{NBSP}={NBSP}{n})"
            lines.append(
                textwrap.fill(
                    text,
                    chars,
                    initial_indent="    – ",
                    subsequent_indent="       ",
                    break_long_words=False,
                )
            )
    return "\n".join(lines)


def _excluded_text(flow: Mapping, chars: int = 36) -> str:
    """The exclusion box: ineligible and declined, each with its reasons, wrapped at ``chars``."""
    lines = [f"Excluded (n = {flow.get('excluded', flow['ineligible'] + flow['declined'])})"]
    for kind, title in (("ineligible", "Ineligible"), ("declined", "Declined to take part")):
        lines.append(f"• {title} (n = {flow[kind]})")
        for reason, n in (flow.get(f"{kind}_reasons") or {}).items():
            text = f"{reason[:1].upper()}{reason[1:]} (n{NBSP}={NBSP}{n})"
            lines.append(
                textwrap.fill(text, chars, initial_indent="    – ", subsequent_indent="       ")
            )
    return "\n".join(lines)


class _Box:
    def __init__(self, x0: float, y0: float, x1: float, y1: float) -> None:
        self.left, self.top, self.right, self.bottom = x0, y0, x1, y1
        self.middle = (y0 + y1) / 2


class _Flowchart:
    """Boxes and arrows in inch coordinates (y grows downwards), sized to their text."""

    PAD = 0.09

    def __init__(self, fig: Figure, ax: Axes, width_in: float, font_size: float) -> None:
        self.fig, self.ax, self.width, self.font_size = fig, ax, width_in, font_size
        self.boxes: list[_Box] = []
        self.renderer = fig.canvas.get_renderer()
        ax.set_xlim(0, width_in)
        ax.set_ylim(fig.get_figheight(), 0)

    def fit(self, make_text: Callable[[int], str], max_width: float) -> str:
        """The text ``make_text(chars)`` wrapped at the most characters that fit ``max_width``."""
        text = make_text(60)
        for chars in range(60, 9, -2):
            text = make_text(chars)
            if _text_size(self.fig, text, self.font_size)[0] + 2 * self.PAD <= max_width:
                break
        return text

    def box(
        self,
        x: float,
        top: float,
        text: str,
        align: str = "center",
        min_width: float = 0.0,
        anchor: str = "center",
    ) -> _Box:
        """A box whose top edge is at ``top``, centred on ``x`` (or starting at ``x`` when
        ``anchor="left"``), at least ``min_width`` wide and kept on the page."""
        label = self.ax.text(
            x, top, text, ha=align, va="top", fontsize=self.font_size, linespacing=1.3, zorder=3
        )
        extent = label.get_window_extent(self.renderer)
        h = extent.height / self.fig.dpi
        w = max(extent.width / self.fig.dpi, min_width - 2 * self.PAD)
        x0 = x if anchor == "left" else x - w / 2 - self.PAD
        x0 = min(max(x0, 0.02), self.width - w - 2 * self.PAD - 0.02)
        label.set_x(x0 + self.PAD + (w / 2 if align == "center" else 0))
        label.set_y(top + self.PAD)
        box = _Box(x0, top, x0 + w + 2 * self.PAD, top + h + 2 * self.PAD)
        self.ax.add_patch(
            FancyBboxPatch(
                (box.left, box.top),
                box.right - box.left,
                box.bottom - box.top,
                boxstyle="square,pad=0",
                facecolor="white",
                edgecolor="black",
                lw=0.8,
                zorder=2,
            )
        )
        self.boxes.append(box)
        return box

    def arrow(self, start: tuple, end: tuple, elbow: bool = False) -> None:
        style = {
            "arrowstyle": "-|>",
            "lw": 0.8,
            "color": "black",
            "shrinkA": 0,
            "shrinkB": 0,
            "mutation_scale": 8,
        }
        if elbow and not math.isclose(start[0], end[0]):
            mid = (start[1] + end[1]) / 2
            self.ax.plot(
                [start[0], start[0], end[0]],
                [start[1], mid, mid],
                color="black",
                lw=0.8,
                solid_capstyle="butt",
            )
            start = (end[0], mid)
        self.ax.annotate("", xy=end, xytext=start, arrowprops=style)

    def line(self, points: list[tuple]) -> None:
        """A plain connector through ``points`` (no arrow head)."""
        xs, ys = zip(*points, strict=True)
        self.ax.plot(xs, ys, color="black", lw=0.8, solid_capstyle="butt")

    def finish(self) -> None:
        """Fit the figure's height to the lowest box, keeping one inch per data unit."""
        height = max(b.bottom for b in self.boxes) + 0.1
        self.fig.set_figheight(height)
        self.ax.set_ylim(height, 0)
