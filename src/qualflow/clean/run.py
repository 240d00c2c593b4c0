"""The cleaning stage for a whole study: plan the transcripts, clean them in worker processes,
write the tables.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from qualflow.clean.bundle import write_text_bundle
from qualflow.clean.formats import FORMATS
from qualflow.clean.transcript import CleanTranscript, clean_transcript, format_redactions
from qualflow.clean.turns import speaker_aliases
from qualflow.contracts import (
    HEADER_COLUMN,
    MARKER_COLUMNS,
    REPORT_COLUMNS,
    UNIT_COLUMNS,
    WARNINGS_COLUMN,
)
from qualflow.errors import InputError, csv_row_number
from qualflow.io import OutputSet
from qualflow.study import parse_transcript_id, read_interviews

if TYPE_CHECKING:
    from qualflow.clean.deid import Redactor

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TranscriptJob:
    """One recorded transcript to clean."""

    transcript_id: str
    participant_id: int
    wave: int
    path: Path


def plan_transcripts(
    interviews: pd.DataFrame,
    interviews_csv: str | PathLike[str],
    transcripts_dir: str | PathLike[str],
) -> list[TranscriptJob]:
    """Match interviews.csv against the transcripts folder; sorted by participant and wave.

    Errors: a recorded interview whose file is missing (the interviews.csv row), a file in the
    folder that is not listed for a recorded interview, whose id does not parse, or whose
    format is not supported (the file). Hidden files and Office lock files (``~$…``) are ignored.
    """
    folder = Path(transcripts_dir)
    if not folder.is_dir():
        raise InputError(folder, "transcripts folder not found")
    present = {
        p.name: p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))
    }
    listed: dict[str, tuple[bool, int]] = {}
    jobs = []
    columns = ["transcript_file", "recorded", "transcript_id", "participant_id", "wave"]
    rows = interviews[columns].itertuples(index=False, name=None)
    for i, (name, recorded, tid, pid, wave) in zip(interviews.index, rows, strict=True):
        if not name:
            continue
        listed[name] = (bool(recorded), csv_row_number(i))
        if not recorded:
            continue
        if name not in present:
            raise InputError(
                interviews_csv,
                f"transcript file {name!r} is listed but not in {folder}",
                row=csv_row_number(i),
            )
        jobs.append(TranscriptJob(tid, int(pid), int(wave), present[name]))
    for name, path in sorted(present.items()):
        parse_transcript_id(path.stem, path)
        if path.suffix.lower() not in FORMATS:
            raise InputError(
                path, f"unsupported transcript format {path.suffix!r} (use {', '.join(FORMATS)})"
            )
        if name not in listed:
            raise InputError(path, f"transcript file {name!r} is not listed in {interviews_csv}")
        recorded, row = listed[name]
        if not recorded:
            raise InputError(
                path, f"{name!r} is present but {interviews_csv} row {row} says recorded=no"
            )
    return sorted(jobs, key=lambda job: (job.participant_id, job.wave))


_WORKER: dict[str, Any] = {}


def _init_worker(speakers: Mapping[str, Sequence[str]], redactor: Redactor) -> None:
    _WORKER["speakers"] = speakers
    _WORKER["redactor"] = redactor


def _clean_job(task: tuple[TranscriptJob, Mapping[tuple[str, str], int]]) -> CleanTranscript:
    """Clean one transcript with a fresh copy of the redactor seeded with ``numbers``, so the
    result never depends on which worker cleaned what before. An InputError pickles, so a
    worker's reaches the parent intact."""
    job, numbers = task
    redactor = _WORKER["redactor"].with_pattern_numbers(numbers)
    return clean_transcript(job.path, job.transcript_id, _WORKER["speakers"], redactor)


def _run_jobs(
    tasks: Sequence[tuple[TranscriptJob, Mapping[tuple[str, str], int]]],
    pool: Any,
    workers: int,
) -> Iterator[CleanTranscript]:
    """Clean ``tasks`` (in the pool if there is one), yielding results in task order and
    raising the first failure in that order, so errors are deterministic too."""
    if pool is None:
        return map(_clean_job, tasks)
    chunk = max(1, min(8, len(tasks) // (8 * workers)))
    return pool.imap(_clean_job, tasks, chunksize=chunk)


def clean_study(
    interviews_csv: Path,
    transcripts_dir: Path,
    redaction_csv: Path | None,
    speakers: dict[str, list[str]],
    patterns: list[str],
    out_dir: Path,
    threads: int = 1,
    texts_bundle: Path | None = None,
    not_names: Sequence[str] = (),
) -> None:
    """Clean every recorded transcript of a study into ``out_dir``.

    Writes ``{transcript_id}.txt``, ``units.csv``, ``markers.csv`` and ``cleaning_report.csv``
    (see docs/files.md) through one :class:`~qualflow.io.OutputSet`: nothing appears unless all
    succeeded. With ``texts_bundle`` the cleaned texts go into that one zip instead of separate
    files (:func:`unpack_texts` writes them out): the Snakemake rule does this because Snakemake
    records a checksum of every input for every output, which costs inputs × outputs file reads
    when one job both reads and writes thousands of files.

    Transcripts are cleaned by ``threads`` worker processes, each with its own pattern
    numbering; results are taken in transcript order (participant, wave), pattern
    values are numbered study-wide in that order, and the few transcripts whose own numbering
    disagrees with it are cleaned again with the study-wide numbering.
    """
    from qualflow.clean.deid import Redactor

    out_dir = Path(out_dir)
    if out_dir.resolve() == Path(transcripts_dir).resolve():
        raise InputError(out_dir, "the output folder must not be the raw transcripts folder")
    interviews = read_interviews(interviews_csv)
    jobs = plan_transcripts(interviews, interviews_csv, transcripts_dir)
    speaker_aliases(speakers)  # fail early on a bad speakers config
    redactor = Redactor.from_csv(redaction_csv, patterns, not_names)
    # Every error from here on passes the one masking point (workers' errors arrive through
    # clean_transcript, masked there too).
    with redactor.masking():
        _clean_all(jobs, speakers, redactor, out_dir, threads, texts_bundle)


def _clean_all(
    jobs: list[TranscriptJob],
    speakers: dict[str, list[str]],
    redactor: Redactor,
    out_dir: Path,
    threads: int,
    texts_bundle: Path | None,
) -> None:
    """The body of :func:`clean_study`, once inputs are checked and the redactor built."""
    from qualflow.clean.deid import KindNumbering

    workers = max(1, min(int(threads), len(jobs)))
    logger.info("cleaning %d transcripts with %d worker(s)", len(jobs), workers)

    results: list[CleanTranscript | None] = [None] * len(jobs)
    numbering = KindNumbering()
    redo: list[int] = []
    pool = None
    if workers > 1:
        pool = multiprocessing.get_context().Pool(
            workers, initializer=_init_worker, initargs=(speakers, redactor)
        )
    else:
        _init_worker(speakers, redactor)
    bundled: dict[str, str] = {}
    try:
        with OutputSet() as out:

            def emit(result: CleanTranscript) -> None:
                if texts_bundle is None:
                    out.text(out_dir / f"{result.transcript_id}.txt", result.text)
                else:
                    bundled[result.transcript_id] = result.text

            tasks = [(job, {}) for job in jobs]
            for i, result in enumerate(_run_jobs(tasks, pool, workers)):
                if numbering.add(result.pattern_values):
                    emit(result)
                else:
                    redo.append(i)
                results[i] = _without_text(result)
                _log_progress(i + 1, len(jobs))
            if redo:
                logger.info(
                    "re-cleaning %d transcript(s) with study-wide pattern numbers", len(redo)
                )
            tasks = [(jobs[i], dict(numbering.numbers)) for i in redo]
            for i, result in zip(redo, _run_jobs(tasks, pool, workers), strict=True):
                if not numbering.add(result.pattern_values):
                    raise RuntimeError(f"pattern numbering unstable for {result.transcript_id}")
                emit(result)
                results[i] = _without_text(result)
            done = [r for r in results if r is not None]
            units, markers, report = study_tables(done, redactor.kinds)
            out.csv(out_dir / "units.csv", units)
            out.csv(out_dir / "markers.csv", markers)
            out.csv(out_dir / "cleaning_report.csv", report)
            if texts_bundle is not None:
                write_text_bundle(out.path(texts_bundle), bundled)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    totals = {kind: int(report[f"redacted_{kind}"].sum()) for kind in redactor.kinds}
    logger.info(
        "cleaned %d transcripts: %d turns, %d words, %d markers; redactions: %s",
        len(report),
        len(units),
        int(units["n_words"].sum()),
        len(markers),
        format_redactions(totals, redactor.kinds) or "none",
    )
    _warn_stale_outputs(out_dir, {job.transcript_id for job in jobs})


def _warn_stale_outputs(out_dir: Path, current: set[str]) -> None:
    """Cleaned texts left from transcripts no longer in the study are reported, not deleted."""
    stale = sorted(p.name for p in out_dir.glob("*.txt") if p.stem not in current)
    if stale:
        logger.warning(
            "%d cleaned file(s) in %s are not from this study's transcripts: %s",
            len(stale),
            out_dir,
            ", ".join(stale[:10]) + (" …" if len(stale) > 10 else ""),
        )


def _without_text(result: CleanTranscript) -> CleanTranscript:
    result.text = ""
    return result


def _log_progress(done: int, total: int) -> None:
    step = max(1, total // 10)
    if done == total or done % step == 0:
        logger.info("cleaned %d/%d transcripts", done, total)


def study_tables(
    results: Sequence[CleanTranscript], kinds: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stack the per-transcript rows into ``units``, ``markers`` and ``cleaning_report`` frames,
    sorted by participant, wave and turn; report count columns for every kind, zero-filled."""
    results = sorted(results, key=lambda r: parse_transcript_id(r.transcript_id))
    units = (
        pd.concat([r.units for r in results], ignore_index=True)
        if results
        else pd.DataFrame(columns=UNIT_COLUMNS)
    )
    markers = [r.markers for r in results if len(r.markers)]
    markers = (
        pd.concat(markers, ignore_index=True) if markers else pd.DataFrame(columns=MARKER_COLUMNS)
    )
    kind_columns = [f"redacted_{kind}" for kind in kinds]
    report = pd.DataFrame(
        [r.report for r in results],
        columns=[*REPORT_COLUMNS, *kind_columns, HEADER_COLUMN, WARNINGS_COLUMN],
    )
    report[kind_columns] = report[kind_columns].fillna(0).astype(int)
    return units[UNIT_COLUMNS], markers[MARKER_COLUMNS], report
