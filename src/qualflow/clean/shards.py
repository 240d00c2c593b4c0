"""Cleaning in shards: the study's transcripts split into a few size-balanced jobs that an
executor (local cores, Slurm) runs in parallel, and gathered into the same files, byte for byte,
as one :func:`qualflow.clean.run.clean_study` job writes.

The one study-wide step of cleaning is the numbering of pattern values (``[PHONE_3]`` is the
third distinct phone number met in transcript order). A shard cleans each of its transcripts
with numbering of its own, exactly as the first pass of ``clean_study`` does, and records the
values it numbered as keyed digests (no phone number or e-mail address in clear in the shard
file). The gather numbers them study-wide in transcript order and cleans again only the
transcripts whose own numbers disagree — the second pass of ``clean_study``. So no result
depends on how the transcripts were split.

Shards are contiguous runs of the transcripts in study order (participant, wave), cut where
the running total of file sizes crosses k/n of the whole (a linear partition): balanced by size
to within one transcript, stable (an edit that changes one file's size moves a cut only when a
cut falls within the change), and each transcript is in exactly one shard.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import multiprocessing
import pickle
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import Any

from qualflow.errors import InputError
from qualflow.io import OutputSet
from qualflow.stage import output_paths

#: The gather's outputs, by the names the rule ``clean`` gives them.
CLEAN_OUTPUTS = ("bundle", "units", "markers", "report")

logger = logging.getLogger(__name__)

#: Megabytes of raw transcripts per shard when ``shards: auto``: ~50 demo studies (about
#: 1,500 transcripts, one to two minutes of cleaning on one core), so a laptop-sized study is
#: one job and a 1,000× study (~1.3 GB) about 20.
AUTO_SHARD_MB = 64

SHARD_FORMAT = 1


def shard_name(index: int, n_shards: int) -> str:
    """``"{index}-of-{n}"`` (1-based), the naming of Snakemake's ``scatter`` helpers."""
    return f"{index}-of-{n_shards}"


def shard_count(setting: int | str, sizes: Sequence[int]) -> int:
    """How many shards: ``setting`` (config ``shards``) as a number, or ``"auto"`` — one per
    :data:`AUTO_SHARD_MB` of transcripts — never more than there are transcripts, at least 1."""
    if setting == "auto":
        wanted = math.ceil(sum(sizes) / (AUTO_SHARD_MB * 1_000_000))
    elif isinstance(setting, int) and not isinstance(setting, bool) and setting >= 1:
        wanted = setting
    else:
        raise InputError(
            "config.yaml", f"shards must be 'auto' or a whole number ≥ 1, not {setting!r}"
        )
    return max(1, min(wanted, len(sizes)))


def assign_shards(sizes: Sequence[int], n_shards: int) -> list[range]:
    """Split items ``0..len(sizes)-1`` (in study order) into ``n_shards`` contiguous runs
    balanced by size: run k ends at the first item whose cumulative size reaches k/n of the
    total (a linear partition, Bokhari 1988; greedy cut points). Every run is non-empty when
    ``n_shards <= len(sizes)``; each item is in exactly one run; the result depends only on
    the sizes, so it is the same on every node and every rerun."""
    if n_shards < 1:
        raise ValueError(f"n_shards must be >= 1, not {n_shards}")
    n = len(sizes)
    if n_shards > max(n, 1):
        raise ValueError(f"{n_shards} shards for {n} items: some would be empty")
    total = sum(sizes)
    bounds = [0]
    cumulative = 0
    for i, size in enumerate(sizes):
        cumulative += size
        k = len(bounds)  # the cut being looked for
        remaining_cuts = n_shards - k
        must_cut = n - (i + 1) == remaining_cuts  # leave one item for every later run
        if k < n_shards and (cumulative * n_shards >= k * total or must_cut):
            bounds.append(i + 1)
    bounds.append(n)
    return [range(bounds[k], bounds[k + 1]) for k in range(n_shards)]


def study_shards(
    transcript_ids: Sequence[str], files: Sequence[str | PathLike[str]], setting: int | str
) -> dict[str, list[tuple[str, str]]]:
    """``{shard name: [(transcript_id, file), ...]}`` for a study in transcript order, sized
    from the files on disk (what the rules wire; see :func:`assign_shards`)."""
    if len(transcript_ids) != len(files):
        raise ValueError("one file per transcript id")
    sizes = [Path(f).stat().st_size for f in files]
    n_shards = shard_count(setting, sizes)
    runs = assign_shards(sizes, n_shards)
    return {
        shard_name(k + 1, n_shards): [(transcript_ids[i], str(files[i])) for i in run]
        for k, run in enumerate(runs)
    }


# --------------------------------------------------------------------------- scatter


@dataclass
class ShardPart:
    """What a shard hands the gather: each transcript's :class:`CleanTranscript` (with its text)
    cleaned with numbering of its own, pattern keys replaced by :func:`pattern_digest`."""

    format: int
    transcript_ids: list[str]
    results: list[Any]  # CleanTranscript


def digest_key(redaction_csv: Path | None) -> bytes:
    """The HMAC key for pattern values: a hash of the redaction list (the study's own secret
    data), so a digest in a shard file cannot be checked against guessed phone numbers by
    someone who has results/ but not data/."""
    if redaction_csv is None:
        return b"qualflow"
    return hashlib.sha256(Path(redaction_csv).read_bytes()).digest()


def pattern_digest(key: bytes, kind: str, value: str) -> str:
    """HMAC-SHA256 of one pattern value (equal values, equal digests; nothing readable)."""
    return hmac.new(key, f"{kind}\x00{value}".encode(), hashlib.sha256).hexdigest()


_WORKER: dict[str, Any] = {}


def _init_worker(speakers: Mapping[str, Sequence[str]], redactor: Any) -> None:
    _WORKER["speakers"] = speakers
    _WORKER["redactor"] = redactor


def _clean_one(task: tuple[str, str, Mapping[tuple[str, str], int]]) -> Any:
    """One transcript with a fresh redactor seeded with ``numbers`` (as ``clean_study``)."""
    from qualflow.clean.transcript import clean_transcript

    transcript_id, path, numbers = task
    redactor = _WORKER["redactor"].with_pattern_numbers(numbers)
    return clean_transcript(path, transcript_id, _WORKER["speakers"], redactor)


def _clean_many(tasks: list, speakers: Mapping, redactor: Any, threads: int) -> list:
    """Clean ``tasks`` in order (in ``threads`` worker processes when more than one)."""
    workers = max(1, min(int(threads), len(tasks)))
    if workers == 1:
        _init_worker(speakers, redactor)
        return [_clean_one(task) for task in tasks]
    pool = multiprocessing.get_context().Pool(
        workers, initializer=_init_worker, initargs=(speakers, redactor)
    )
    try:
        chunk = max(1, min(8, len(tasks) // (8 * workers)))
        return list(pool.imap(_clean_one, tasks, chunksize=chunk))
    finally:
        pool.terminate()
        pool.join()


def clean_shard(
    transcripts: Sequence[tuple[str, str | PathLike[str]]],
    redaction_csv: Path | None,
    speakers: dict[str, list[str]],
    patterns: list[str],
    out_part: Path,
    threads: int = 1,
    not_names: Sequence[str] = (),
) -> None:
    """Scatter: clean one shard's ``(transcript_id, file)`` pairs, each with pattern numbers of
    its own, into ``out_part`` (a pickle read only by :func:`gather_clean`)."""
    from qualflow.clean.deid import Redactor
    from qualflow.clean.turns import speaker_aliases

    speaker_aliases(speakers)
    redactor = Redactor.from_csv(redaction_csv, patterns, not_names)
    key = digest_key(redaction_csv)
    tasks = [(tid, str(path), {}) for tid, path in transcripts]
    logger.info("cleaning %d transcripts of a shard", len(tasks))
    with redactor.masking():
        results = _clean_many(tasks, speakers, redactor, threads)
    for result in results:
        result.pattern_values = [
            (kind, pattern_digest(key, kind, value), n) for kind, value, n in result.pattern_values
        ]
    part = ShardPart(SHARD_FORMAT, [tid for tid, _ in transcripts], results)
    with OutputSet() as out:
        out.path(out_part).write_bytes(pickle.dumps(part, protocol=5))


# --------------------------------------------------------------------------- gather


def read_part(path: Path) -> ShardPart:
    """One shard's part, checked to be from this version of the scatter."""
    try:
        part = pickle.loads(Path(path).read_bytes())
    except (pickle.UnpicklingError, AttributeError, ImportError, EOFError):
        part = None
    if not isinstance(part, ShardPart) or part.format != SHARD_FORMAT:
        raise InputError(path, "not a cleaning shard of this qualflow version: delete it and rerun")
    return part


def gather_clean(
    parts: Sequence[Path],
    interviews_csv: Path,
    transcripts_dir: Path,
    redaction_csv: Path | None,
    speakers: dict[str, list[str]],
    patterns: list[str],
    outputs: Mapping[str, Path],
    threads: int = 1,
    not_names: Sequence[str] = (),
) -> None:
    """Gather: the shards' parts → the paths ``outputs`` names for :data:`CLEAN_OUTPUTS` (the
    texts' zip ``bundle``, ``units``, ``markers``, ``report``), identical to :func:`clean_study`.

    Pattern values are numbered study-wide in transcript order (participant, wave) over their
    digests; a transcript whose own numbers disagree is cleaned again here with the study-wide
    numbers (learning its values' keys by cleaning it once more on its own first: the shard
    file holds digests only). Errors: a transcript missing from the parts or in two of them.
    """
    from qualflow.clean.bundle import write_text_bundle
    from qualflow.clean.deid import KindNumbering, Redactor
    from qualflow.clean.run import plan_transcripts, study_tables
    from qualflow.study import read_interviews

    paths = output_paths(outputs, CLEAN_OUTPUTS)
    jobs = plan_transcripts(read_interviews(interviews_csv), interviews_csv, transcripts_dir)
    by_id: dict[str, Any] = {}
    for path in parts:
        for result in read_part(path).results:
            if result.transcript_id in by_id:
                raise InputError(path, f"transcript {result.transcript_id} is in two shards")
            by_id[result.transcript_id] = result
    missing = [job.transcript_id for job in jobs if job.transcript_id not in by_id]
    if missing:
        raise InputError(
            parts[0] if parts else interviews_csv, f"no shard cleaned {', '.join(missing[:5])}"
        )
    results = [by_id[job.transcript_id] for job in jobs]
    numbering = KindNumbering()
    redo = [i for i, r in enumerate(results) if not numbering.add(r.pattern_values)]
    redactor = Redactor.from_csv(redaction_csv, patterns, not_names)
    if redo:
        logger.info("re-cleaning %d transcript(s) with study-wide pattern numbers", len(redo))
        key = digest_key(redaction_csv)
        with redactor.masking():
            own = _clean_many(
                [(jobs[i].transcript_id, str(jobs[i].path), {}) for i in redo],
                speakers,
                redactor,
                threads,
            )
            tasks = [
                (
                    jobs[i].transcript_id,
                    str(jobs[i].path),
                    {
                        (kind, value): numbering.numbers[(kind, pattern_digest(key, kind, value))]
                        for kind, value, _ in result.pattern_values
                    },
                )
                for i, result in zip(redo, own, strict=True)
            ]
            for i, result in zip(
                redo, _clean_many(tasks, speakers, redactor, threads), strict=True
            ):
                results[i] = result
    texts = {r.transcript_id: r.text for r in results}
    units, markers, report = study_tables(results, redactor.kinds)
    with OutputSet() as out:
        out.csv(paths["units"], units)
        out.csv(paths["markers"], markers)
        out.csv(paths["report"], report)
        write_text_bundle(out.path(paths["bundle"]), texts)
    logger.info(
        "gathered %d transcripts from %d shard(s): %d turns, %d words",
        len(results),
        len(parts),
        len(units),
        int(units["n_words"].sum()),
    )
