"""The disagreements and consensus stages: read the files a rule names, write the ones it
asks for.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from qualflow.codebook.changes import with_old_names
from qualflow.codebook.read import load_codebook, load_history
from qualflow.codings.read import load_codings
from qualflow.contracts import RESOLUTION_COLUMNS, read_units
from qualflow.io import OutputSet, save_workbook
from qualflow.reconcile.consensus import build_consensus
from qualflow.reconcile.disagreements import disagreements_workbook, find_disagreements
from qualflow.reconcile.resolutions import apply_changes_to_resolutions, read_resolutions
from qualflow.sheets import formula_safe

log = logging.getLogger(__name__)


def _load_inputs(codings_a_csv, codings_b_csv, units_csv, codebook_yaml):
    codebook = load_codebook(codebook_yaml)
    units = read_units(units_csv)
    codings_a = load_codings(codings_a_csv, units, codebook)
    codings_b = load_codings(codings_b_csv, units, codebook)
    return codings_a, codings_b, units, codebook


def run_disagreements(
    codings_a_csv: Path,
    codings_b_csv: Path,
    units_csv: Path,
    codebook_yaml: Path,
    coder_names: tuple[str, str],
    speakers: Sequence[str],
    out_csv: Path,
    out_xlsx: Path,
) -> None:
    """Stage entry: ``reconciliation/disagreements.csv`` (formula-safe) and ``.xlsx``."""
    codings_a, codings_b, units, codebook = _load_inputs(
        codings_a_csv, codings_b_csv, units_csv, codebook_yaml
    )
    table = find_disagreements(codings_a, codings_b, units, codebook, coder_names, speakers)
    book = disagreements_workbook(table, codebook)
    with OutputSet() as out:
        out.csv(out_csv, formula_safe(table))
        save_workbook(book, out.path(out_xlsx))  # fixed dates: byte-identical reruns
    log.info("%d disagreements in %d units listed", len(table), table["unit_id"].nunique())


def run_consensus(
    codings_a_csv: Path,
    codings_b_csv: Path,
    units_csv: Path,
    codebook_yaml: Path,
    resolutions_csv: Path | None,
    coder_names: tuple[str, str],
    speakers: Sequence[str],
    unresolved: str,
    out_codings: Path,
    out_status: Path,
) -> None:
    """Stage entry: ``consensus/codings.csv`` and ``reconciliation/status.csv``."""
    codings_a, codings_b, units, codebook = _load_inputs(
        codings_a_csv, codings_b_csv, units_csv, codebook_yaml
    )
    history = load_history(codebook_yaml, codebook)
    if resolutions_csv is None:
        resolutions = pd.DataFrame(columns=[*RESOLUTION_COLUMNS, "row"])
        where = "data/resolutions.csv"
    else:
        accepted = with_old_names(codebook, history)
        resolutions = read_resolutions(Path(resolutions_csv), units, accepted)
        where = resolutions_csv
    resolutions, notes = apply_changes_to_resolutions(resolutions, history)
    consensus, status = build_consensus(
        codings_a,
        codings_b,
        units,
        codebook,
        resolutions,
        coder_names,
        unresolved=unresolved,
        speakers=speakers,
        resolutions_file=where,
        change_notes=notes,
    )
    with OutputSet() as out:
        out.csv(out_codings, consensus)
        out.csv(out_status, status)
