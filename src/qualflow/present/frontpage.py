"""The study's front page, ``results/index.html``: where a reader starts.

It names the study and the inputs it was built from (fingerprints), gives the headline numbers
read from the result CSVs (participants, interviews recorded, pooled κ with its interval,
disagreements resolved / unresolved / stale, consensus codings), says what changed since the
previous successful run (:mod:`qualflow.present.run_changes`), lists the warnings of the status
files, and
links every notebook, figure (with a thumbnail), table (each format) and the disagreement sheet.

The page is one self-contained HTML file (inline CSS, no scripts, nothing fetched from the
network; a Content-Security-Policy forbids scripts), opened from disk with ``file://``. Every
value from the study is HTML-escaped. It carries no timestamp, so the same inputs give the same
bytes; *when* it was built is the file's own modification time, *from what* is the fingerprints.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath

import pandas as pd

from qualflow import __version__
from qualflow.contracts import RUN_CHANGE_COLUMNS
from qualflow.io import OutputSet, read_table
from qualflow.present.run_changes import compare, read_state, run_state, update_state
from qualflow.present.tables import ci_label, read_result, summary_value
from qualflow.study import read_interviews, read_participants, recorded_transcripts

CSP = (
    "default-src 'none'; img-src 'self' file: data:; style-src 'unsafe-inline'; "
    "script-src 'none'; base-uri 'none'; form-action 'none'"
)

#: status.csv kinds that a reader must see when their count is not zero.
RECONCILE_WARNINGS = {
    "unresolved": "disagreements without a decision",
    "stale": "stale decisions (they match no current disagreement)",
    "single_coder": "codes from transcripts coded by one coder only",
    "unresolved_policy": "unresolved codes settled by the configured policy",
    "duplicate_resolution": "repeated decisions, counted once",
}
#: codings/{coder}_status.csv kinds worth a warning when not zero.
CODING_WARNINGS = {
    "duplicate": "duplicate codings, counted once",
    "spans_without_unit": "coded spans that fall on no unit",
    "other_coder_spans": "spans of another coder in the file, ignored",
}


# --------------------------------------------------------------------------- fingerprints
def file_digest(path: str | Path) -> str:
    """The first 12 hex digits of a file's SHA-256."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def fingerprints(inputs: Mapping[str, object]) -> pd.DataFrame:
    """One row per input (``input``, ``path``, ``files``, ``sha256``): a file's digest, for a
    list of files (the transcripts) a digest over their names and digests, sorted, and for a
    mapping (the configuration as validated) a digest of its JSON."""
    rows = []
    for label, paths in inputs.items():
        if isinstance(paths, Mapping):
            text = json.dumps(paths, sort_keys=True, default=str, ensure_ascii=False)
            rows.append(
                {
                    "input": label,
                    "path": "(settings)",
                    "files": 0,
                    "sha256": hashlib.sha256(text.encode()).hexdigest()[:12],
                }
            )
            continue
        if isinstance(paths, str | Path):
            rows.append(
                {"input": label, "path": str(paths), "files": 1, "sha256": file_digest(paths)}
            )
            continue
        paths = sorted(str(p) for p in paths)
        joined = "\n".join(f"{p}\t{file_digest(p)}" for p in paths)
        folder = str(PurePosixPath(paths[0]).parent) if paths else ""
        rows.append(
            {
                "input": label,
                "path": folder,
                "files": len(paths),
                "sha256": hashlib.sha256(joined.encode()).hexdigest()[:12],
            }
        )
    return pd.DataFrame(rows, columns=["input", "path", "files", "sha256"])


# --------------------------------------------------------------------------- headline numbers
def _count(status: pd.DataFrame, kind: str) -> int:
    rows = status[(status["kind"] == kind) & (status["unit_id"] == "") & (status["code"] == "")]
    return int(rows.iloc[0]["count"]) if len(rows) else 0


def read_status(path: str | Path) -> pd.DataFrame:
    """``reconciliation/status.csv`` (``kind``, ``count``, ``unit_id``, ``code``, ``detail``)."""
    return read_table(path, ["kind", "count", "unit_id", "code", "detail"])


def headline(
    participants: str | Path,
    interviews: str | Path,
    agreement_summary: str | Path,
    status: str | Path,
    consensus: str | Path,
) -> dict[str, object]:
    """The numbers the front page leads with, each read from its CSV."""
    people = read_participants(participants)
    held = read_interviews(interviews)
    recorded = len(recorded_transcripts(held))
    summary = read_result(agreement_summary, "agreement_summary")
    pooled = summary_value(summary, "pooled_kappa", "turn")
    state = read_status(status)
    n_consensus = len(pd.read_csv(consensus, dtype=str, keep_default_na=False))
    return {
        "participants": int(people["participant_id"].nunique()),
        "interviews_recorded": recorded,
        "interviews_scheduled": len(held),
        "pooled_kappa": None if pooled is None else float(pooled["value"]),
        "pooled_kappa_low": None if pooled is None else float(pooled["boot_ci_low"]),
        "pooled_kappa_high": None if pooled is None else float(pooled["boot_ci_high"]),
        "resolved": _count(state, "resolved"),
        "unresolved": _count(state, "unresolved"),
        "stale": _count(state, "stale"),
        "consensus_codings": n_consensus,
    }


def warnings(
    status: str | Path,
    agreement_by_code: str | Path,
    coding_status: Mapping[str, str | Path],
    cleaning_report: str | Path | None = None,
) -> list[str]:
    """Plain-text warnings from the status files: stale or unresolved decisions (with the
    units), codes never used by either coder, doubtful codings, and any flagged transcript."""
    out: list[str] = []
    state = read_status(status)
    for kind, what in RECONCILE_WARNINGS.items():
        n = _count(state, kind)
        if n:
            items = state[(state["kind"] == kind) & (state["unit_id"] != "")]
            named = "; ".join(
                f"{r.unit_id} {r.code}" + (f" ({r.detail})" if r.detail else "")
                for r in items.head(10).itertuples()
            )
            more = f" … and {len(items) - 10} more" if len(items) > 10 else ""
            out.append(f"{n} {what}" + (f": {named}{more}" if named else "") + ".")
    by_code = read_result(agreement_by_code, "agreement_by_code")
    unused = by_code[(by_code["both"] + by_code["a_only"] + by_code["b_only"]) == 0]
    if len(unused):
        out.append(
            f"{len(unused)} code(s) never used by either coder: " + ", ".join(unused["code"]) + "."
        )
    for coder, path in coding_status.items():
        coded = read_table(path, ["kind", "count", "detail"])
        for kind, what in CODING_WARNINGS.items():
            hit = coded[coded["kind"] == kind]
            if len(hit) and hit.iloc[0]["count"] not in ("", "0"):
                out.append(f"{coder}: {hit.iloc[0]['count']} {what}.")
    if cleaning_report is not None:
        report = pd.read_csv(cleaning_report, dtype=str, keep_default_na=False)
        for column in [c for c in report.columns if c in ("warning", "warnings", "flag")]:
            for row in report[report[column] != ""].itertuples():
                out.append(f"Transcript {row.transcript_id}: {getattr(row, column)}.")
    return out


# --------------------------------------------------------------------------- rendering
def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _href(path: str, base: str) -> str:
    """``path`` as a link relative to the folder ``base`` (both relative to the working
    directory, or absolute)."""
    rel = os.path.relpath(Path(path).absolute(), Path(base).absolute())
    return _e(PurePosixPath(Path(rel).as_posix()))


def _fmt_kappa(value: object) -> str:
    return "n/a" if value is None or pd.isna(value) else f"{float(value):.2f}"


CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328;
  margin: 0; line-height: 1.45; }
main { max-width: 68rem; margin: 0 auto; padding: 1.5rem 1.5rem 3rem; }
h1 { font-size: 1.7rem; margin: 0 0 0.2rem; }
h2 { font-size: 1.2rem; border-bottom: 1px solid #d0d7de; padding-bottom: 0.2rem;
  margin-top: 2rem; }
.sub { color: #57606a; margin: 0 0 1rem; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr));
  gap: 0.75rem; margin: 1rem 0; }
.card { border: 1px solid #d0d7de; border-radius: 6px; padding: 0.6rem 0.8rem; }
.card .value { font-size: 1.5rem; font-weight: 600; font-variant-numeric: tabular-nums; }
.card .label { color: #57606a; font-size: 0.85rem; }
.warn { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px;
  padding: 0.5rem 1rem; }
.ok { color: #1a7f37; }
table { border-collapse: collapse; margin: 0.5rem 0; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #d0d7de; padding: 0.25rem 0.6rem; vertical-align: top; }
th { text-align: left; background: #f6f8fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.text, th.text { text-align: left; }
code { font-size: 0.85rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(15rem, 1fr));
  gap: 1rem; }
figure { margin: 0; border: 1px solid #d0d7de; border-radius: 6px; padding: 0.5rem; }
figure img { width: 100%; height: 10rem; object-fit: contain; background: #fff; }
figcaption { font-size: 0.85rem; }
a { color: #0b5cad; }
@media print {
  main { max-width: none; padding: 0; }
  figure, table, .card { break-inside: avoid; }
  h2 { break-after: avoid-page; }
}
"""


def _links(paths: Sequence[str], base: str) -> str:
    return " · ".join(
        f'<a href="{_href(p, base)}">{_e(PurePosixPath(p).suffix.lstrip("."))}</a>' for p in paths
    )


def _group(paths: Sequence[str]) -> dict[str, list[str]]:
    """Files by stem (``results/tables/table1_participants``), formats in the given order."""
    out: dict[str, list[str]] = {}
    for path in paths:
        p = PurePosixPath(path)
        out.setdefault(str(p.with_suffix("")), []).append(path)
    return out


def _label(stem: str) -> str:
    name = PurePosixPath(stem).name.replace("_", " ")
    return name[:1].upper() + name[1:]


def render(
    study_name: str,
    numbers: Mapping[str, object],
    ci_level: float,
    change_rows: pd.DataFrame,
    change_note: str,
    warning_lines: Sequence[str],
    outputs: Sequence[str],
    inputs: pd.DataFrame,
    base: str = "results",
) -> str:
    """The front page's HTML. ``outputs`` are paths relative to the study folder; links are
    relative to ``base`` (the folder holding index.html)."""
    n = numbers
    kappa = _fmt_kappa(n["pooled_kappa"])
    interval = (
        f"{_fmt_kappa(n['pooled_kappa_low'])}–{_fmt_kappa(n['pooled_kappa_high'])}"
        if n["pooled_kappa"] is not None
        else "n/a"
    )
    cards = [
        ("participants", n["participants"], "participants"),
        (
            "interviews",
            f"{n['interviews_recorded']} of {n['interviews_scheduled']}",
            "interviews recorded, of scheduled",
        ),
        ("kappa", kappa, f"pooled Cohen's κ (bootstrap {_e(ci_label(ci_level))} {interval})"),
        ("resolved", n["resolved"], "disagreements resolved"),
        ("unresolved", n["unresolved"], "disagreements unresolved"),
        ("stale", n["stale"], "stale decisions"),
        ("consensus", n["consensus_codings"], "consensus codings"),
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(study_name)}</title>",
        f"<style>{CSS}</style>",
        "</head>",
        "<body>",
        "<main>",
        f"<h1>{_e(study_name)}</h1>",
        f'<p class="sub">Results of the qualflow pipeline (qualflow {_e(__version__)}). Built '
        "from the inputs fingerprinted at the end of this page; rerun with "
        "<code>snakemake --cores 4</code> after any change.</p>",
        '<section id="headline"><div class="cards">',
    ]
    for key, value, label in cards:
        parts.append(
            f'<div class="card" id="n-{key}"><div class="value">{_e(value)}</div>'
            f'<div class="label">{label}</div></div>'
        )
    parts.append("</div></section>")

    parts.append('<section id="changes"><h2>What changed since the last run</h2>')
    parts.append(f"<p>{_e(change_note)}</p>")
    if len(change_rows):
        parts.append(_changes_table(change_rows))
        parts.append('<p>All changes: <a href="changes.csv">changes.csv</a>.</p>')
    parts.append("</section>")

    parts.append('<section id="warnings"><h2>Warnings</h2>')
    if warning_lines:
        parts.append('<div class="warn"><ul>')
        parts += [f"<li>{_e(w)}</li>" for w in warning_lines]
        parts.append("</ul></div>")
    else:
        parts.append('<p class="ok">No warnings in the status files.</p>')
    parts.append("</section>")

    notebooks = [p for p in outputs if p.endswith(".html")]
    parts.append('<section id="notebooks"><h2>Notebooks</h2><ul>')
    for page in notebooks:
        ipynb = str(PurePosixPath(page).with_suffix(".ipynb"))
        parts.append(
            f'<li><a href="{_href(page, base)}">{_e(_label(str(PurePosixPath(page).stem)))}</a>'
            f' (<a href="{_href(ipynb, base)}">executed notebook</a>)</li>'
        )
    parts.append("</ul></section>")

    figures = _group([p for p in outputs if "/figures/" in p])
    parts.append('<section id="figures"><h2>Figures</h2><div class="figures">')
    for stem, files in figures.items():
        png = next((f for f in files if f.endswith(".png")), files[0])
        parts.append(
            f'<figure><a href="{_href(png, base)}"><img src="{_href(png, base)}" '
            f'alt="{_e(_label(stem))}" loading="lazy"></a>'
            f"<figcaption>{_e(_label(stem))}: {_links(files, base)}</figcaption></figure>"
        )
    parts.append("</div></section>")

    tables = _group([p for p in outputs if "/tables/" in p])
    parts.append('<section id="tables"><h2>Tables</h2><table>')
    parts.append('<tr><th class="text">Table</th><th class="text">Formats</th></tr>')
    for stem, files in tables.items():
        parts.append(
            f'<tr><td class="text">{_e(_label(stem))}</td>'
            f'<td class="text">{_links(files, base)}</td></tr>'
        )
    parts.append("</table></section>")

    others = [
        p
        for p in outputs
        if not p.endswith((".html", ".ipynb")) and "/figures/" not in p and "/tables/" not in p
    ]
    parts.append('<section id="files"><h2>Reconciliation and data files</h2><ul>')
    for path in others:
        parts.append(f'<li><a href="{_href(path, base)}">{_href(path, base)}</a></li>')
    parts.append("</ul></section>")

    parts.append('<section id="inputs"><h2>Inputs (fingerprints)</h2><table>')
    parts.append(
        '<tr><th class="text">Input</th><th class="text">Path</th><th class="num">Files</th>'
        '<th class="text">SHA-256 (first 12)</th></tr>'
    )
    for row in inputs.itertuples():
        parts.append(
            f'<tr><td class="text">{_e(row.input)}</td><td class="text"><code>{_e(row.path)}'
            f'</code></td><td class="num">{_e(row.files)}</td>'
            f'<td class="text"><code>{_e(row.sha256)}</code></td></tr>'
        )
    parts += ["</table></section>", "</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def _changes_table(rows: pd.DataFrame, limit: int = 60) -> str:
    head = "".join(
        f'<th class="{"num" if c in ("previous", "current") else "text"}">{_e(c)}</th>'
        for c in RUN_CHANGE_COLUMNS
    )
    body = []
    for row in rows.head(limit).itertuples(index=False):
        cells = "".join(
            f'<td class="{"num" if c in ("previous", "current") else "text"}">{_e(v)}</td>'
            for c, v in zip(RUN_CHANGE_COLUMNS, row, strict=True)
        )
        body.append(f"<tr>{cells}</tr>")
    more = (
        f"<p>… and {len(rows) - limit} more rows in changes.csv.</p>" if len(rows) > limit else ""
    )
    legend = (
        "<p>κ to four decimals; <em>counts</em> are units coded by both coders / coder A only / "
        "coder B only; <em>theme_frequency</em> is participants who raised the subtheme / "
        "participants interviewed; an <em>input</em> row gives the file's fingerprint.</p>"
    )
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}{legend}"


# --------------------------------------------------------------------------- the stage
def build_front_page(
    study_name: str,
    ci_level: float,
    inputs: Mapping[str, object],
    results: Mapping[str, str],
    coding_status: Mapping[str, str],
    outputs: Sequence[str],
    index: str | Path,
    changes: str | Path,
    state: str | Path,
) -> None:
    """Write ``index`` and ``changes`` (together), then record this run in ``state``.

    ``results`` names the CSVs read: ``participants``, ``interviews``, ``agreement_summary``,
    ``agreement_by_code``, ``status``, ``consensus``, ``theme_frequency``, ``exemplars`` and
    optionally ``cleaning_report``. ``state`` is not a Snakemake output (Snakemake deletes
    outputs before a job runs); it keeps the previous run's numbers for
    :mod:`qualflow.present.run_changes`.
    """
    outputs = list(dict.fromkeys(str(p) for p in outputs))
    prints = fingerprints(inputs)
    numbers = headline(
        results["participants"],
        results["interviews"],
        results["agreement_summary"],
        results["status"],
        results["consensus"],
    )
    current = run_state(
        prints,
        results["agreement_by_code"],
        results["agreement_summary"],
        results["theme_frequency"],
        results["consensus"],
        results["exemplars"],
    )
    stored = read_state(state)
    previous, new_store = update_state(stored, current)
    rows, note = compare(previous, current)
    page = render(
        study_name,
        numbers,
        ci_level,
        rows,
        note,
        warnings(
            results["status"],
            results["agreement_by_code"],
            coding_status,
            results.get("cleaning_report"),
        ),
        outputs,
        prints,
        base=str(PurePosixPath(str(index)).parent),
    )
    with OutputSet() as out:
        out.text(index, page)
        out.csv(changes, rows)
    with OutputSet() as out:  # only after the page is written: a failed run records nothing
        out.text(state, new_store)
