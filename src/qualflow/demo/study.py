"""The whole synthetic study on disk (``qualflow simulate``): :func:`simulate_study`.

It writes what a research team really has after an interview study (see :mod:`qualflow.demo`).
Spans are offsets into the cleaned text, so the generator runs the cleaning stage
(:func:`qualflow.transcripts.clean_study`) on its own raw files and checks that every cleaned
transcript has exactly the turns and speakers it wrote.
"""

from __future__ import annotations

import logging
import os
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from qualflow.codings.textlock import write_lock
from qualflow.contracts import INTERVIEW_COLUMNS, read_units
from qualflow.io import atomic_path, write_csv, write_text

from . import codes, grammar
from .coders import (
    ERROR_RATE,
    calibrate_error_rates,
    observe,
    resolutions_table,
    spans_for,
    unit_codings,
    write_coder_sheet,
)
from .plan import Study, TranscriptPlan, build_study, default_processes, parallel_map
from .render import render_transcript
from .world import ARTICLE

DEFAULT_SPEAKERS: dict[str, list[str]] = {
    "interviewer": ["Interviewer", "INT", "I", "Int.", "Moderator"],
    "participant": ["Participant", "P", "R", "Respondent", "PSS"],
}
DEID_PATTERNS = ["phone", "email", "nric"]

log = logging.getLogger(__name__)

# ---------------------------------------------------------------------------------------------
# Tables written next to the transcripts
# ---------------------------------------------------------------------------------------------


def redaction_table(study: Study) -> pd.DataFrame:
    """``redaction.csv``: every name or place said in some transcript, grouped by entity."""
    said: dict[str, set[str]] = {}
    for plan in study.transcripts:
        for turn in plan.turns:
            for match in grammar.ENTITY_MARK.finditer(turn.text):
                if not match.group(1).startswith("#"):
                    said.setdefault(match.group(1), set()).add(match.group(2))
    rows = []
    for eid, surfaces in said.items():
        entity = study.entities[eid]
        for surface in surfaces:
            rows.append({"term": ARTICLE.sub("", surface), "kind": entity.kind, "entity": eid})
    kind_order = {"STAFF": 0, "PARTICIPANT": 1, "PLACE": 2, "ORG": 3}
    frame = pd.DataFrame(rows, columns=["term", "kind", "entity"]).drop_duplicates()
    frame["_k"] = frame["kind"].map(kind_order)
    frame = frame.sort_values(["_k", "entity", "term"]).drop(columns="_k")
    return frame.reset_index(drop=True)


def interviews_table(study: Study) -> pd.DataFrame:
    """``interviews.csv`` with file names for recorded interviews."""
    files = {(p.participant_id, p.wave): p.file_name for p in study.transcripts}
    frame = study.interviews.copy()
    frame["transcript_file"] = [
        files.get((int(p), int(w)), "")
        for p, w in zip(frame["participant_id"], frame["wave"], strict=True)
    ]
    frame["recorded"] = np.where(frame["recorded"], "yes", "no")
    frame["date"] = [d.isoformat() for d in frame["date"]]
    columns = [*INTERVIEW_COLUMNS, "note"]
    return frame[columns].sort_values(["participant_id", "wave"]).reset_index(drop=True)


def codebook_yaml() -> str:
    """``codebook.yaml`` text (own-words definitions; see qualflow.codebook for the shape)."""
    head = (
        "# Codebook of the synthetic demo study: facilitators and barriers of peer support work.\n"
        "# Categories -> subthemes -> codes. Code names are what coders apply; labels are what\n"
        "# readers see. Edit a definition and only what depends on the codebook reruns.\n"
    )
    body = yaml.safe_dump(codebook_document(), sort_keys=False, allow_unicode=True, width=96)
    return head + body


def codebook_document() -> dict:
    """The codebook as a YAML-ready mapping."""
    return codes.codebook_document()


# ---------------------------------------------------------------------------------------------
# Cleaning: the pipeline's own stage, run on the generated files
# ---------------------------------------------------------------------------------------------


def clean_units(
    data_dir: Path, work_dir: Path, speakers: dict[str, list[str]], threads: int = 1
) -> pd.DataFrame:
    """Run :func:`qualflow.transcripts.clean_study` on ``data_dir``; return its units.csv."""
    from qualflow.clean.run import clean_study

    clean_study(
        data_dir / "interviews.csv",
        data_dir / "transcripts",
        data_dir / "redaction.csv",
        speakers,
        DEID_PATTERNS,
        work_dir,
        threads=threads,
    )
    return read_units(work_dir / "units.csv")


def check_units_match(study: Study, units: pd.DataFrame) -> None:
    """Every cleaned transcript must have exactly the turns and speakers generated."""
    problems = []
    by_tid = {tid: g for tid, g in units.groupby("transcript_id", sort=False)}
    for plan in study.transcripts:
        got = by_tid.get(plan.transcript_id)
        want = [t.speaker for t in plan.turns]
        if got is None:
            problems.append(f"{plan.transcript_id}: no units after cleaning")
            continue
        got = got.sort_values("turn")
        have = got["speaker"].tolist()
        if list(got["turn"]) != list(range(1, len(have) + 1)) or have != want:
            first = next(
                (i for i, (a, b) in enumerate(zip(have, want, strict=False)) if a != b),
                min(len(have), len(want)),
            )
            problems.append(
                f"{plan.transcript_id} ({plan.file_name}): cleaned {len(have)} turns, generated "
                f"{len(want)}; first difference at turn {first + 1}"
            )
    if problems:
        raise RuntimeError(
            "cleaning does not reproduce the generated turns (generator or cleaner is wrong):\n"
            + "\n".join(problems[:10])
        )


# ---------------------------------------------------------------------------------------------
# The whole study on disk
# ---------------------------------------------------------------------------------------------


def _speakers(out_dir: Path) -> dict[str, list[str]]:
    config = out_dir / "config.yaml"
    if config.exists():
        doc = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
        if isinstance(doc.get("speakers"), dict):
            return {k: [str(a) for a in v] for k, v in doc["speakers"].items()}
    return DEFAULT_SPEAKERS


def simulate_study(
    out_dir: Path,
    scale: int = 1,
    seed: int = 2019,
    coding_sheet_for_b: bool | None = None,
) -> None:
    """Write the synthetic study into ``out_dir/data`` (deterministic for a given seed).

    ``scale=1`` is the demo study (10 participants, 29 transcripts, exact published targets);
    ``scale=N`` makes 10·N participants for benchmarks. Coder B hands in a filled coding sheet
    (.xlsx) when ``coding_sheet_for_b`` is true (default: only at scale 1), else a long CSV.
    """
    out_dir = Path(out_dir)
    sheet = (scale == 1) if coding_sheet_for_b is None else coding_sheet_for_b
    processes = default_processes()
    study = build_study(scale, seed, processes)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = out_dir / f".simulate-{seed}.tmp"
    if staging.exists():
        shutil.rmtree(staging)
    data = staging / "data"
    try:
        _write_inputs(study, data, processes)
        units = clean_units(data, staging / "clean", _speakers(out_dir), processes)
        check_units_match(study, units)
        _write_codings(study, data, units, sheet)
        write_lock(data / "text_lock.csv", units, staging / "clean")  # the texts coders got
        _publish(data, out_dir / "data")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    log.info(
        "simulated study: %d participants, %d transcripts in %s",
        len(study.participants),
        len(study.transcripts),
        out_dir / "data",
    )


def _render_job(job: tuple[TranscriptPlan, int]) -> bytes:
    return render_transcript(*job)


def _write_inputs(study: Study, data: Path, processes: int = 1) -> None:
    write_csv(data / "screening.csv", study.screening)
    write_csv(data / "participants.csv", study.participants)
    write_csv(data / "interviews.csv", interviews_table(study))
    write_csv(data / "redaction.csv", redaction_table(study))
    write_text(data / "codebook.yaml", codebook_yaml())
    (data / "transcripts").mkdir(parents=True, exist_ok=True)
    jobs = [(plan, study.seed) for plan in study.transcripts]
    for plan, raw in zip(
        study.transcripts, parallel_map(_render_job, jobs, processes), strict=True
    ):
        with atomic_path(data / "transcripts" / plan.file_name) as tmp:
            tmp.write_bytes(raw)


def _write_codings(study: Study, data: Path, units: pd.DataFrame, sheet: bool) -> None:
    rates = calibrate_error_rates(study) if study.scale == 1 else ERROR_RATE
    a = observe(study, "coder_a", rates)
    b = observe(study, "coder_b", rates)
    write_csv(data / "codings" / "coder_a.csv", spans_for(a, units, study.seed))
    b_units = unit_codings(b, "coder_b")
    if sheet:
        write_coder_sheet(units, b_units, data / "codings" / "coder_b.xlsx", data / "codebook.yaml")
    else:
        columns = ["coder", "transcript_id", "code", "unit_id", "memo"]
        write_csv(data / "codings" / "coder_b.csv", b_units[columns])
    labels = {
        code[0]: code[1]
        for cat in codes.CODEBOOK
        for sub in cat["subthemes"]
        for code in sub["codes"]
    }
    write_csv(data / "resolutions.csv", resolutions_table(study, a, b, labels))


def _publish(staged: Path, target: Path) -> None:
    """Move the staged files into ``target``; drop transcripts/codings the new study lacks."""
    new = {p.relative_to(staged) for p in staged.rglob("*") if p.is_file()}
    for sub in ("transcripts", "codings"):
        folder = target / sub
        if folder.is_dir():
            for old in folder.iterdir():
                if old.is_file() and old.relative_to(target) not in new:
                    old.unlink()
    for rel in sorted(new):
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        os.chmod(staged / rel, 0o644)  # staged through mkstemp (0600); data is for everyone
        os.replace(staged / rel, target / rel)
