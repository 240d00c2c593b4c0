"""The import stage: one coder's files read against the codebook, its change log and the
text lock.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path

import pandas as pd

from qualflow.codebook.read import CodebookSource, load_codebook, load_history
from qualflow.codings.read import CoderImport, read_coder
from qualflow.codings.textlock import anchor, read_lock
from qualflow.contracts import read_units
from qualflow.errors import InputError
from qualflow.io import OutputSet


def import_coder(
    source: Path | Sequence[Path],
    coder: str,
    codebook_yaml: CodebookSource,
    units_csv: Path,
    clean_dir: Path,
    min_overlap: int,
    out_csv: Path,
    out_status: Path,
    coders: Mapping[str, str] | Sequence[str] | None = None,
    *,
    end_position: str = "auto",
    text_lock: Path | None = None,
    out_anchoring: Path | None = None,
) -> None:
    """Stage entry: a coder's files → ``results/codings/{coder}.csv``, its status and the
    report of codings carried from the text they were coded on (``{coder}_anchoring.csv``).

    ``codebook_yaml`` is the codebook file or its structure (:func:`codebook_structure`);
    ``text_lock`` the study's record of the texts coders were given (required when given)."""
    paths = [Path(source)] if isinstance(source, str | PathLike) else [Path(p) for p in source]
    result = read_study_coder(
        paths,
        coder,
        codebook_yaml,
        units_csv,
        clean_dir,
        text_lock,
        min_overlap=min_overlap,
        coders=coders,
        end_position=end_position,
    )
    with OutputSet() as out:
        out.csv(out_csv, result.codings)
        out.csv(out_status, result.status)
        if out_anchoring is not None:
            out.csv(out_anchoring, result.anchoring)


def read_study_coder(
    paths: Sequence[Path],
    coder: str,
    codebook_yaml: CodebookSource,
    units_csv: Path,
    clean_dir: Path,
    text_lock: Path | None,
    min_overlap: int = 1,
    coders: Mapping[str, str] | Sequence[str] | None = None,
    *,
    end_position: str = "auto",
    pending_recode: str = "error",
) -> CoderImport:
    """:func:`read_coder` for a study on disk: its codebook (file or structure) with the
    change log, units.csv and the text lock."""
    codebook = load_codebook(codebook_yaml)
    units = read_units(units_csv)
    return read_coder(
        paths,
        coder,
        codebook,
        units,
        Path(clean_dir),
        min_overlap=min_overlap,
        coders=coders,
        end_position=end_position,
        history=load_history(codebook_yaml, codebook),
        anchoring=anchor(read_study_lock(text_lock, units, paths), units),
        pending_recode=pending_recode,
    )


def read_study_lock(text_lock: Path | None, units: pd.DataFrame, paths) -> pd.DataFrame | None:
    """The text lock; every analysed transcript must be in it."""
    if text_lock is None:
        return None
    text_lock = Path(text_lock)
    if not text_lock.exists():
        raise InputError(
            text_lock,
            "not found: the study has no record of the texts its coders were given, so "
            f"codings in {paths[0]} cannot be checked against them. After cleaning, run "
            "`qualflow lock` in the study folder (make lock) and commit the file",
        )
    lock = read_lock(text_lock)
    unlocked = sorted(set(units["transcript_id"]) - set(lock["transcript_id"]))
    if unlocked:
        raise InputError(
            text_lock,
            f"transcript(s) {', '.join(unlocked[:8])}{' …' if len(unlocked) > 8 else ''} are "
            "not in the text lock: run `qualflow lock` to record their text as the coders got "
            "it (transcripts already locked are kept)",
        )
    return lock
