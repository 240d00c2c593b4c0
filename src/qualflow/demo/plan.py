"""The demo study in memory: which codes each interview's participant turns express (the
ground truth), the participants' voices, and each transcript's length and file format.

Every participant turn carries a ground truth (0-2 codes); the dialogue itself is written by
:class:`qualflow.demo.dialogue.Interview`.
"""

from __future__ import annotations

import math
import os
import random
from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from . import codes, grammar
from . import dialogue as dlg
from .tables import (
    DEPARTMENT_SPOKEN,
    build_interviews,
    build_participants,
    build_screening,
    rng_for,
)
from .world import ACTIVITIES, CONFIDANTS, HOBBIES, ORGS, PLACES, STAFF, Entity, participant_names

# Mean number of coded participant turns per interview, by subtheme and wave, and the chance a
# participant does not raise a subtheme at all in that wave.
MENTION_RATE = {
    "supportive_figures": (6.0, 6.5, 6.5),
    "defined_role": (3.0, 5.5, 6.5),
    "personal_growth": (6.5, 6.5, 6.5),
    "coping_strategies": (3.0, 5.0, 7.0),
    "unclear_role": (9.5, 8.0, 6.5),
    "hostility_from_staff": (5.5, 5.5, 5.0),
    "unsupportive_environment": (5.0, 5.5, 5.5),
}
SKIP_WAVE = {
    "supportive_figures": (0.1, 0.1, 0.1),
    "defined_role": (0.4, 0.2, 0.1),
    "coping_strategies": (0.45, 0.25, 0.05),
    "unsupportive_environment": (0.3, 0.25, 0.2),
    "hostility_from_staff": (0.25, 0.2, 0.3),
}
# Codes that grow or fade over the waves (multiplies the participant's own preference).
WAVE_CODE_FACTOR = {
    "dual_relationship": (1.8, 1.0, 0.7),
    "role_confusion": (1.5, 1.0, 0.8),
    "role_building": (0.6, 1.2, 1.5),
    "recognised_contribution": (0.5, 1.0, 1.6),
    "career_progression": (0.5, 1.0, 1.6),
    "wellness_planning": (0.8, 1.0, 1.3),
}


@dataclass
class TranscriptPlan:
    """One recorded interview: who, when, how long, its turns (with truth) and file format."""

    transcript_id: str
    participant_id: int
    wave: int
    date: date
    duration_min: int
    turns: list[dlg.Turn]
    fmt: dict = field(default_factory=dict)

    @property
    def file_name(self) -> str:
        return f"{self.transcript_id}.{self.fmt['ext']}"


@dataclass
class Study:
    """The whole synthetic study in memory, before anything is written."""

    scale: int
    seed: int
    participants: pd.DataFrame
    screening: pd.DataFrame
    interviews: pd.DataFrame
    entities: dict[str, Entity]
    transcripts: list[TranscriptPlan]

    def truth(self) -> pd.DataFrame:
        """Ground truth: one row per (participant turn, code), columns transcript_id, turn, code."""
        rows = [
            (t.transcript_id, k, code)
            for t in self.transcripts
            for k, turn in enumerate(t.turns, start=1)
            for code in turn.codes
        ]
        return pd.DataFrame(rows, columns=["transcript_id", "turn", "code"])


def _entity_catalogue(participants: pd.DataFrame, names: dict[int, str]) -> dict[str, Entity]:
    entities: dict[str, Entity] = {}
    for group in STAFF.values():
        for eid, terms in group:
            entities[eid] = Entity(eid, "STAFF", terms)
    for group in PLACES.values():
        for eid, terms in group:
            entities[eid] = Entity(eid, "PLACE", terms)
    for eid, terms in ORGS:
        entities[eid] = Entity(eid, "ORG", terms)
    for pid in participants["participant_id"]:
        eid = f"participant_{pid}"
        entities[eid] = Entity(eid, "PARTICIPANT", (names[int(pid)],))
    return entities


def _voice(row, names: dict[int, str], seed: int) -> dlg.Voice:
    rng = rng_for(seed, "voice", row.participant_id)
    people = {role: rng.choice(pool)[0] for role, pool in STAFF.items()}
    people.update({role: rng.choice(pool)[0] for role, pool in PLACES.items()})
    people["org"] = rng.choice(ORGS)[0]
    terms = {
        eid: terms for group in (*STAFF.values(), *PLACES.values(), ORGS) for eid, terms in group
    }
    hobbies = rng.sample(HOBBIES, 3)
    return dlg.Voice(
        participant_id=int(row.participant_id),
        name=grammar.mark_entity(
            f"participant_{row.participant_id}", names[int(row.participant_id)]
        ),
        diagnosis=row.diagnosis,
        department=DEPARTMENT_SPOKEN[row.department],
        people=people,
        terms=terms,
        activity=rng.choice(ACTIVITIES),
        hobbies=[h[0] for h in hobbies],
        hobby_gerunds=[h[1] for h in hobbies],
        confidant=rng.choice(CONFIDANTS[row.gender]),
        openers=rng.sample(dlg.OPENERS, 4),
        opener_rate=rng.uniform(0.06, 0.22),
        filler_rate=rng.uniform(0.02, 0.14),
        particle_rate=rng.choice([0.0, 0.0, 0.02, 0.04, 0.06]),
        repeat_rate=rng.uniform(0.0, 0.05),
        code_weights={c: math.exp(rng.gauss(0, 0.4)) for c in codes.CODE_SUBTHEME},
    )


# Subthemes some participants never raise: (share at scale > 1, how many of 10 in the demo).
NEVER_RAISED = {
    "hostility_from_staff": (0.25, (2, 3)),
    "defined_role": (0.15, (2,)),
    "unsupportive_environment": (0.1, (1,)),
}


def _mentions(
    participants: pd.DataFrame, interviews: pd.DataFrame, scale: int, seed: int
) -> dict[str, dict[str, int]]:
    """How many coded turns each subtheme gets in each interview (the study-level truth)."""
    rng = rng_for(seed, "mentions")
    ids = [int(p) for p in participants["participant_id"]]
    never: dict[str, set[int]] = {}
    for subtheme, (share, demo_counts) in NEVER_RAISED.items():
        if scale == 1:
            never[subtheme] = set(rng.sample(ids, rng.choice(demo_counts)))
        else:
            never[subtheme] = {p for p in ids if rng.random() < share}
    out: dict[str, dict[str, int]] = {}
    recorded = interviews[interviews["recorded"]]
    taste = {(p, s): math.exp(rng.gauss(0, 0.35)) for p in ids for s in codes.SUBTHEMES}
    for row in recorded.itertuples():
        pid, wave = int(row.participant_id), int(row.wave)
        counts = {}
        for s in codes.SUBTHEMES:
            if pid in never.get(s, ()) or (
                s in SKIP_WAVE and rng.random() < SKIP_WAVE[s][wave - 1]
            ):
                counts[s] = 0
                continue
            lam = MENTION_RATE[s][wave - 1] * taste[(pid, s)]
            floor = 2 if s in ("unclear_role", "personal_growth") else 1
            counts[s] = max(floor, _poisson(rng, lam))
        out[f"{pid}_{wave}"] = counts
    # everyone not listed in NEVER_RAISED raises each subtheme at least once
    for subtheme in SKIP_WAVE:
        for pid in sorted(set(ids) - never.get(subtheme, set())):
            tids = sorted(t for t in out if t.startswith(f"{pid}_"))
            if tids and not any(out[t][subtheme] for t in tids):
                out[rng.choice(tids)][subtheme] = 2
    return out


def _poisson(rng: random.Random, lam: float) -> int:
    """A Poisson draw from ``rng`` (Knuth's method; fine for the small means used here)."""
    limit, k, p = math.exp(-lam), 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


@dataclass
class _InterviewJob:
    """What one worker needs to write one interview (picklable)."""

    plan: TranscriptPlan
    voice: dlg.Voice
    mentions: dict[str, int]
    extras: list[tuple[str, str]]
    n_turns: int
    words: int
    seed: int


def _write_interview(job: _InterviewJob) -> list[dlg.Turn]:
    """The turns of one interview, from its own random stream (so order does not matter)."""
    plan, voice = job.plan, job.voice
    rng = rng_for(job.seed, "interview", plan.transcript_id)
    weights = {
        c: w
        * WAVE_CODE_FACTOR.get(c, (1, 1, 1))[plan.wave - 1]
        * (1.8 if c == "stigma_doubt" and voice.diagnosis == "addiction" else 1.0)
        for c, w in voice.code_weights.items()
    }
    interview = dlg.Interview(
        dlg.Voice(**{**voice.__dict__, "code_weights": weights}),
        plan.wave,
        rng,
        extras=job.extras,
        covid=plan.date >= date(2020, 2, 7),
        accent=2 if plan.fmt["encoding"] == "cp1252" else int(rng.random() < 0.2),
    )
    turns = interview.write(job.mentions, job.n_turns, job.words)
    dlg.check_interviewer_turns(turns)
    return turns


def parallel_map(func, items: list, processes: int) -> list:
    """``map`` over worker processes when there is enough work; results keep their order."""
    if processes <= 1 or len(items) < 60:
        return [func(item) for item in items]
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as pool:
        return list(pool.map(func, items, chunksize=max(1, len(items) // (8 * processes))))


def default_processes() -> int:
    return max(1, min(8, os.cpu_count() or 1))


def build_study(scale: int = 1, seed: int = 2019, processes: int = 1) -> Study:
    """Everything the study holds, in memory: tables, entity catalogue, and interview turns."""
    if scale < 1:
        raise ValueError(f"scale must be a positive whole number, not {scale}")
    participants = build_participants(scale, seed)
    screening = build_screening(participants, scale, seed)
    interviews = build_interviews(participants, scale, seed)
    names = participant_names(participants, seed)
    entities = _entity_catalogue(participants, names)
    voices = {int(r.participant_id): _voice(r, names, seed) for r in participants.itertuples()}
    mentions = _mentions(participants, interviews, scale, seed)
    recorded = interviews[interviews["recorded"]].sort_values(["participant_id", "wave"])
    formats = _assign_formats(recorded, scale, seed)
    extras = _assign_extras(recorded, seed)
    lengths = _assign_lengths(recorded, seed)
    jobs = []
    for row in recorded.itertuples():
        pid, wave = int(row.participant_id), int(row.wave)
        tid = f"{pid}_{wave}"
        plan = TranscriptPlan(tid, pid, wave, row.date, int(row.duration_min), [], formats[tid])
        n_turns, words = lengths[tid]
        jobs.append(
            _InterviewJob(
                plan, voices[pid], mentions[tid], extras.get(tid, []), n_turns, words, seed
            )
        )
    for job, turns in zip(jobs, parallel_map(_write_interview, jobs, processes), strict=True):
        job.plan.turns = turns
    plans = [job.plan for job in jobs]
    return Study(scale, seed, participants, screening, interviews, entities, plans)


def _assign_lengths(recorded: pd.DataFrame, seed: int) -> dict[str, tuple[int, int]]:
    """Turns and words per interview: longer sessions have more words (6,000–9,000)."""
    rng = rng_for(seed, "lengths")
    minutes = recorded["duration_min"].astype(int).to_numpy()
    ranks = minutes.argsort().argsort() / max(1, len(minutes) - 1)
    out = {}
    for (pid, wave), rank in zip(
        zip(recorded["participant_id"], recorded["wave"], strict=True), ranks, strict=True
    ):
        words = int(min(8000, max(6150, 6250 + 1500 * rank + rng.gauss(0, 150))))
        turns = int(min(198, max(130, 2 * round((words / 42 + rng.gauss(0, 8)) / 2))))
        out[f"{pid}_{wave}"] = (turns, words)
    return out


def _assign_extras(recorded: pd.DataFrame, seed: int) -> dict[str, list[tuple[str, str]]]:
    """Phone numbers in a few interviews, one e-mail and one NRIC in the study."""
    rng = rng_for(seed, "pii")
    tids = [f"{p}_{w}" for p, w in zip(recorded["participant_id"], recorded["wave"], strict=True)]
    out: dict[str, list[tuple[str, str]]] = {}
    n_phone = max(3, len(tids) // 10)
    numbers = [
        f"+65 {rng.choice('89')}{rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        if i % 2 == 0
        else f"6{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        for i in range(max(2, n_phone - 1))
    ]
    for i, tid in enumerate(rng.sample(tids, n_phone)):
        number = numbers[i % len(numbers)]
        out.setdefault(tid, []).append(("phone", grammar.mark_entity("#PHONE", number)))
    n_each = max(1, len(tids) // 30)
    for kind, make in (
        ("email", lambda: f"peerdesk{rng.randint(1, 99)}@mindbridge.org.sg"),
        ("nric", lambda: f"S{rng.randint(7000000, 9999999)}{rng.choice('ABCDEFGHIJZ')}"),
    ):
        for tid in rng.sample(tids, n_each):
            out.setdefault(tid, []).append((kind, grammar.mark_entity(f"#{kind.upper()}", make())))
    return out


LABELS = {
    "interviewer": [("Interviewer", "INT"), ("INT", "Interviewer"), ("I", "INT")],
    "participant": [
        ("Participant", "P"),
        ("P", "{id}"),
        ("R", "Participant"),
        ("PSS", "R"),
        ("{id}", "P"),
    ],
}


def _assign_formats(recorded: pd.DataFrame, scale: int, seed: int) -> dict[str, dict]:
    """File format and transcription habits per interview (2+ docx, 2 vtt, 1 srt, cp1252 ...)."""
    rng = rng_for(seed, "formats")
    tids = [f"{p}_{w}" for p, w in zip(recorded["participant_id"], recorded["wave"], strict=True)]
    n = len(tids)
    kinds = (
        ["docx"] * max(3, round(0.07 * n))
        + ["vtt_voice"] * max(1, round(0.03 * n))
        + ["vtt_prefix"] * max(1, round(0.02 * n))
        + ["srt"] * max(1, round(0.03 * n))
        + ["cp1252"] * max(2, round(0.07 * n))
        + ["bom_crlf"] * max(6, round(0.2 * n))
    )
    kinds += ["utf8"] * (n - len(kinds))
    rng.shuffle(kinds)
    out = {}
    for tid, kind in zip(tids, kinds, strict=True):
        r = rng_for(seed, "format", tid)
        fmt = {
            "kind": kind,
            "ext": {"docx": "docx", "vtt_voice": "vtt", "vtt_prefix": "vtt", "srt": "srt"}.get(
                kind, "txt"
            ),
            "encoding": {"cp1252": "cp1252", "bom_crlf": "utf-8-sig"}.get(kind, "utf-8"),
            "newline": "\r\n" if kind in ("cp1252", "bom_crlf") or r.random() < 0.15 else "\n",
            "interviewer": r.choice(LABELS["interviewer"]),
            "participant": r.choice(LABELS["participant"]),
            "mix": r.choice([0.0, 0.05, 0.12]),
            "wrap": r.choice([None, None, 76, 80, 84]) if kind not in ("docx",) else None,
            "blank": True,
            "timestamps": r.choice(["none", "before", "after", "after"]),
            "ts_every": r.choice([1, 3, 6]),
            "header": r.random() < 0.45,
            "smart": r.random() < 0.6 or kind == "cp1252",
            "nbsp": r.random() < 0.5,
            "markers": r.choice([0.01, 0.025, 0.05]),
            "bold": r.random() < 0.7,
        }
        if fmt["wrap"] is None and kind not in ("docx",):
            fmt["blank"] = r.random() < 0.5
        out[tid] = fmt
    return out
