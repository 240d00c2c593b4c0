"""What changed since the previous successful run, and which input change caused the rerun.

Each run of the front page records a small summary of its results (:func:`run_state`): the input
fingerprints, pooled κ, each code's κ and 2 × 2 counts, how many participants raised each
subtheme in each wave, the consensus codings and the exemplar quotes. The summary is kept in
``results/history/state.json``, a file Snakemake does not manage (it deletes a job's outputs
before running it, which would lose the previous run). The file holds the latest run and the one
before the latest change, so rebuilding the page without a change in the results shows the same
comparison again (and the same bytes).

:func:`compare` lists the differences as rows of ``results/changes.csv``. The input that caused
a rerun is named from the fingerprints: Snakemake reruns a job when an input's content (or the
code or parameters) changed, and the fingerprints say which study file that was.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pandas as pd

from qualflow.contracts import RUN_CHANGE_COLUMNS
from qualflow.present.tables import read_result, summary_value

STATE_VERSION = 1


def _round(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 6)


def run_state(
    fingerprints: pd.DataFrame,
    agreement_by_code: str | Path,
    agreement_summary: str | Path,
    theme_frequency: str | Path,
    consensus: str | Path,
    exemplars: str | Path,
) -> dict[str, Any]:
    """The numbers of this run that the next run compares against (JSON-ready, sorted)."""
    by_code = read_result(agreement_by_code, "agreement_by_code")
    pooled = summary_value(
        read_result(agreement_summary, "agreement_summary"), "pooled_kappa", "turn"
    )
    frequency = read_result(theme_frequency, "theme_frequency_by_wave")
    subthemes = frequency[frequency["level"] == "subtheme"]
    codings = pd.read_csv(consensus, dtype=str, keep_default_na=False)
    quotes = read_result(exemplars, "exemplars").drop_duplicates("subtheme")
    return {
        "inputs": dict(zip(fingerprints["input"], fingerprints["sha256"], strict=True)),
        "pooled_kappa": None if pooled is None else _round(pooled["value"]),
        "codes": {
            str(r.code): {
                "kappa": _round(r.kappa),
                "counts": f"{int(r.both)}/{int(r.a_only)}/{int(r.b_only)}",
            }
            for r in by_code.sort_values("code").itertuples()
        },
        "themes": {
            f"{r.theme} (wave {r.wave})": f"{int(r.n_participants)}/{int(r.n_interviewed)}"
            for r in subthemes.sort_values(["theme", "wave"]).itertuples()
        },
        "consensus": sorted(
            f"{u} {c}" for u, c in zip(codings["unit_id"], codings["code"], strict=True)
        ),
        "quotes": {
            str(r.subtheme): f"{r.unit_id} " + hashlib.sha256(str(r.quote).encode()).hexdigest()[:8]
            for r in quotes.sort_values("subtheme").itertuples()
        },
    }


def _normal(state: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(state, sort_keys=True))


def read_state(path: str | Path) -> dict[str, Any] | None:
    """The stored runs, or None before the first run (or when the file is unreadable)."""
    path = Path(path)
    if not path.exists():
        return None
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stored if stored.get("version") == STATE_VERSION else None


def update_state(
    stored: dict[str, Any] | None, current: dict[str, Any]
) -> tuple[dict[str, Any] | None, str]:
    """The run to compare with, and the new file content.

    A result that differs from the latest stored run moves that run to ``previous``; the same
    result again keeps the stored comparison, so rebuilding the page is idempotent.
    """
    current = _normal(current)
    if stored is None:
        previous = None
    elif stored.get("current") == current:
        previous = stored.get("previous")
    else:
        previous = stored.get("current")
    store = {"version": STATE_VERSION, "current": current, "previous": previous}
    return previous, json.dumps(store, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _diff(change: str, old: dict[str, Any], new: dict[str, Any]) -> list[dict[str, str]]:
    return [
        {
            "change": change,
            "item": key,
            "previous": _fmt(old.get(key)),
            "current": _fmt(new.get(key)),
        }
        for key in sorted(set(old) | set(new))
        if old.get(key) != new.get(key)
    ]


def compare(previous: dict[str, Any] | None, current: dict[str, Any]) -> tuple[pd.DataFrame, str]:
    """Rows of ``changes.csv`` (``change``, ``item``, ``previous``, ``current``) and one sentence
    for the front page.

    ``change`` is ``input`` (a fingerprint; the cause of the rerun), ``pooled_kappa``,
    ``kappa`` and ``counts`` (per code; counts are both / A only / B only),
    ``theme_frequency`` (participants who raised a subtheme / interviewed, per wave), ``quote``
    (the exemplar's unit and a digest of its text), ``consensus_added`` and
    ``consensus_removed`` (one row per unit and code).
    """
    current = _normal(current)
    if previous is None:
        note = (
            "This is the first recorded run in this folder, so there is nothing to compare "
            "with yet."
        )
        return pd.DataFrame(columns=RUN_CHANGE_COLUMNS), note
    rows = _diff("input", previous["inputs"], current["inputs"])
    inputs_changed = [r["item"] for r in rows]
    if previous["pooled_kappa"] != current["pooled_kappa"]:
        rows.append(
            {
                "change": "pooled_kappa",
                "item": "all codes",
                "previous": _fmt(previous["pooled_kappa"]),
                "current": _fmt(current["pooled_kappa"]),
            }
        )
    for part in ("kappa", "counts"):
        rows += _diff(
            part,
            {k: v[part] for k, v in previous["codes"].items()},
            {k: v[part] for k, v in current["codes"].items()},
        )
    rows += _diff("theme_frequency", previous["themes"], current["themes"])
    rows += _diff("quote", previous["quotes"], current["quotes"])
    old, new = set(previous["consensus"]), set(current["consensus"])
    rows += [
        {"change": "consensus_added", "item": k, "previous": "", "current": "coded"}
        for k in sorted(new - old)
    ]
    rows += [
        {"change": "consensus_removed", "item": k, "previous": "coded", "current": ""}
        for k in sorted(old - new)
    ]
    frame = pd.DataFrame(rows, columns=RUN_CHANGE_COLUMNS)
    n_results = len(frame) - len(inputs_changed)
    cause = (
        f"Inputs changed since the previous run: {', '.join(inputs_changed)}."
        if inputs_changed
        else "No study input changed (the code or settings did)."
    )
    if n_results == 0:
        effect = "The results did not change."
    else:
        kinds = frame[frame["change"] != "input"]["change"].value_counts().sort_index()
        effect = "Changed results: " + ", ".join(f"{n} {k}" for k, n in kinds.items()) + "."
    return frame, f"{cause} {effect}"
