"""Codebook revision report: what each ``changes:`` entry did, and recode sheets for splits.

``results/codebook/changes.csv`` says, per change, how many codings of each coder and how many
recorded resolutions it touched (and how many merged decisions conflict), so the methods
section can report the codebook's evolution (Roberts et al. 2019 on codebook development).
A split cannot be applied mechanically: ``results/codebook/recode_{coder}.xlsx`` lists the
units that held the old code, with the new codes as columns; the coder fills it and lists it
under their files in ``config.yaml``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment
from openpyxl.utils import get_column_letter

from qualflow.codebook.changes import CodeHistory, with_old_names
from qualflow.codebook.read import CodebookSource, load_codebook, load_history
from qualflow.codings.run import read_study_coder
from qualflow.codings.spans import sort_by_unit
from qualflow.contracts import CHANGES_REPORT_COLUMNS, read_units
from qualflow.io import OutputSet
from qualflow.reconcile.resolutions import apply_changes_to_resolutions, read_resolutions
from qualflow.sheets import SHEET_NAME, add_codebook_sheet, set_text_cell, write_header

log = logging.getLogger(__name__)

RECODE_FIXED = ["unit_id", "speaker", "text", "recode_of"]


def changes_report(
    history: CodeHistory,
    coder_counts: Mapping[str, Mapping[int, int]],
    coder_recode: Mapping[str, pd.DataFrame],
    resolution_counts: Mapping[int, int],
    resolution_conflicts: Mapping[int, int],
) -> pd.DataFrame:
    """One row per change and coder (codings touched) and per change for the resolutions."""
    rows = []
    for change in history.changes:
        base = {
            "change": change.number,
            "date": change.date,
            "kind": change.kind,
            "codes": ";".join(change.sources),
            "into": ";".join(change.targets),
            "why": change.why,
        }
        for coder, counts in coder_counts.items():
            waiting = coder_recode[coder]
            pending = int(waiting["code"].isin(change.sources).sum()) if len(waiting) else 0
            detail = {
                "rename": "codings renamed",
                "merge": "codings merged (a unit coded with several merged codes counts once)",
                "split": f"codings to recode; {pending} not yet recoded",
                "retire": "codings dropped",
            }[change.kind]
            rows.append(
                base
                | {"applies_to": coder, "count": counts.get(change.number, 0), "detail": detail}
            )
        conflicts = resolution_conflicts.get(change.number, 0)
        rows.append(
            base
            | {
                "applies_to": "resolutions",
                "count": resolution_counts.get(change.number, 0),
                "detail": (
                    f"{conflicts} merged decision(s) conflict and are unresolved again"
                    if conflicts
                    else {
                        "rename": "decisions carried to the new name",
                        "merge": "decisions carried where they agree",
                        "split": "decisions no longer apply; decide again for the new codes",
                        "retire": "decisions dropped",
                    }[change.kind]
                ),
            }
        )
    return pd.DataFrame(rows, columns=CHANGES_REPORT_COLUMNS)


def write_recode_sheet(
    units: pd.DataFrame, recode: pd.DataFrame, codebook: pd.DataFrame, path: Path
) -> None:
    """A coding sheet of the units that held a split code: unit_id, speaker, text,
    ``recode_of`` (the old code), then one column per code it was split into."""
    new_codes = [c for c in codebook["code"] if any(c in i.split(";") for i in recode["into"])]
    rows = sort_by_unit(
        recode.merge(units[["unit_id", "speaker", "text"]], on="unit_id"), units, extra=["code"]
    )
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    write_header(sheet, [*RECODE_FIXED, *new_codes])
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(rows.itertuples(index=False), start=2):
        for col, value in enumerate((row.unit_id, row.speaker, row.text, row.code), start=1):
            set_text_cell(sheet.cell(row=r, column=col), value)
            sheet.cell(row=r, column=col).alignment = wrap
    widths = [14, 12, 80, 24] + [6] * len(new_codes)
    for col, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    sheet.freeze_panes = "E2"
    add_codebook_sheet(book, codebook[codebook["code"].isin(new_codes)])
    book.save(path)


def run_codebook_changes(
    coder_files: Mapping[str, Sequence[Path]],
    codebook_yaml: CodebookSource,
    units_csv: Path,
    clean_dir: Path,
    text_lock: Path | None,
    resolutions_csv: Path | None,
    min_overlap: int,
    out_changes: Path,
    out_recode: Mapping[str, Path] | None = None,
    coders: Mapping[str, str] | None = None,
    *,
    end_position: str = "auto",
) -> None:
    """Stage entry: ``results/codebook/changes.csv`` and, when the log has a split, the
    recode sheets ``results/codebook/recode_{coder}.xlsx``."""
    codebook = load_codebook(codebook_yaml)
    history = load_history(codebook_yaml, codebook)
    units = read_units(units_csv)
    counts, recode = {}, {}
    for coder, files in coder_files.items():
        result = read_study_coder(
            [Path(f) for f in files],
            coder,
            codebook_yaml,
            units_csv,
            clean_dir,
            text_lock,
            min_overlap=min_overlap,
            coders=coders,
            end_position=end_position,
            pending_recode="collect",
        )
        counts[coder], recode[coder] = result.change_counts, result.recode
    res_counts, res_conflicts = _resolution_counts(resolutions_csv, units, codebook, history)
    report = changes_report(history, counts, recode, res_counts, res_conflicts)
    with OutputSet() as out:
        out.csv(out_changes, report)
        for coder, path in (out_recode or {}).items():
            write_recode_sheet(units, recode[coder], codebook, out.path(path))
    log.info("%d codebook change(s) reported", len(history.changes))


def _resolution_counts(
    resolutions_csv: Path | None,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    history: CodeHistory,
) -> tuple[dict[int, int], dict[int, int]]:
    """Resolutions each change touched, and conflicting merged decisions per change."""
    if resolutions_csv is None or not Path(resolutions_csv).exists() or not history.changes:
        return {}, {}
    frame = read_resolutions(Path(resolutions_csv), units, with_old_names(codebook, history))
    fate = history.translate(frame["code"])
    touched = fate.loc[fate["change"] > 0, "change"].value_counts().to_dict()
    _, notes = apply_changes_to_resolutions(frame, history)
    conflicts = notes[notes["kind"] == "resolution_merge_conflict"]
    change_of = {
        code: history.fate(old).change.number
        for old in history.old_names
        for code in history.fate(old).codes
        if history.fate(old).change is not None
    }
    per_change = conflicts["code"].map(change_of).value_counts().to_dict()
    return touched, {int(k): int(v) for k, v in per_change.items()}
