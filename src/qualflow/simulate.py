"""The seeded generator of the synthetic demo study (``qualflow simulate``).

It writes what a research team really has after an interview study: the screening log, the
participant and interview tables, raw transcripts in the shapes transcription produces (.txt in
several encodings, .docx, WebVTT, SRT, with speaker-label variants, timestamps, wrapped lines,
names and numbers to redact), the redaction list, the codebook, two coders' independent codings
(a QDA-style span export and a filled coding sheet) and the team's reconciliation decisions.

The design follows the published study it is modelled on (10 peer support specialists,
interviews at baseline, 4 and 8 months; mean (SD) length 63 (20) minutes; 18 staff screened,
7 ineligible, 1 declined); all dialogue is newly written from the grammar in
:mod:`qualflow.simulate_dialogue`. Every participant turn carries a ground truth (0–2 codes);
the coders observe it with errors — misses, extra codes on neighbouring turns, confusion
between neighbouring codes — tuned so per-code Cohen's (1960) kappa spans about 0.5–0.95.

Spans are offsets into the cleaned text, so the generator runs the cleaning stage
(:func:`qualflow.transcripts.clean_study`) on its own raw files and checks that every cleaned
transcript has exactly the turns and speakers it wrote.

Deterministic: one ``random.Random`` per purpose, seeded from (seed, what, which); documents
are written with fixed timestamps, so the same seed gives byte-identical files.
"""

from __future__ import annotations

import io
import logging
import math
import os
import random
import re
import shutil
import statistics
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from . import simulate_dialogue as dlg
from .contracts import read_units
from .io import atomic_path, write_csv, write_text
from .textlock import write_lock

log = logging.getLogger(__name__)

DEFAULT_SPEAKERS: dict[str, list[str]] = {
    "interviewer": ["Interviewer", "INT", "I", "Int.", "Moderator"],
    "participant": ["Participant", "P", "R", "Respondent", "PSS"],
}
DEID_PATTERNS = ["phone", "email", "nric"]
FIXED_TIMESTAMP = datetime(2020, 7, 1, 9, 0, 0)
FIRST_ID = 50001

# ---------------------------------------------------------------------------------------------
# Study tables
# ---------------------------------------------------------------------------------------------

ETHNICITIES = ["Chinese", "Malay", "Indian"]
DIAGNOSES = [
    "schizophrenia",
    "depression",
    "bipolar disorder",
    "addiction",
    "obsessive-compulsive disorder",
]
DEPARTMENTS = [
    "Psychosocial rehabilitation",
    "Emergency services",
    "Case management",
    "Community mental health",
    "Occupational therapy",
    "Inpatient wards",
    "Outpatient clinics",
    "Addiction medicine",
    "Mood disorders unit",
    "Early psychosis intervention",
]
# how a department's name sounds in speech ("there was no peer role in ... before")
DEPARTMENT_SPOKEN = {
    "Psychosocial rehabilitation": "rehab",
    "Emergency services": "emergency",
    "Case management": "case management",
    "Community mental health": "the community team",
    "Occupational therapy": "OT",
    "Inpatient wards": "the wards",
    "Outpatient clinics": "outpatients",
    "Addiction medicine": "the addiction service",
    "Mood disorders unit": "the mood unit",
    "Early psychosis intervention": "early psychosis",
}
# screening.csv: `reason` is the short reason the flowchart groups by; `detail` the note.
INELIGIBLE_GROUPS = {"probation": "probation not complete", "pre2017": "hired before 2017"}
INELIGIBLE_REASONS = {
    "probation": [
        "probation not complete (joined {month} 2019)",
        "still on 3-month probation at screening (started {month} 2019)",
    ],
    "pre2017": [
        "hired before 2017 (ad hoc appointment since {year})",
        "employed before 2017 ({year}), under the earlier ad hoc scheme",
    ],
}
DECLINE_REASONS = [
    "declined: did not wish to be recorded",
    "declined: no time alongside a part-time course",
    "declined: preferred not to take part",
]


def _rng(seed: int, *what: object) -> random.Random:
    """An independent, reproducible stream for one purpose (str seeds hash with SHA-512)."""
    return random.Random(":".join(str(w) for w in (seed, *what)))


def demo_ages(rng: random.Random, n: int = 10, mean: int = 30, sd: float = 6.2) -> list[int]:
    """Whole-number ages with mean exactly ``mean`` and sample SD rounding to ``sd``."""
    for _ in range(10_000):
        ages = [min(46, max(22, round(rng.gauss(mean, sd)))) for _ in range(n)]
        diff = mean * n - sum(ages)
        while diff:
            i = rng.randrange(n)
            step = 1 if diff > 0 else -1
            if 22 <= ages[i] + step <= 46:
                ages[i] += step
                diff -= step
        if round(statistics.stdev(ages), 1) == sd:
            return ages
    raise RuntimeError("could not draw ages with the target mean and SD")


def demo_durations(rng: random.Random, n: int, mean: int = 63, sd: int = 20) -> list[int]:
    """Interview lengths (min) whose mean and SD round to the targets (ddof 0 and 1)."""
    for _ in range(10_000):
        raw = np.array([rng.gauss(0, 1) for _ in range(n)])
        z = (raw - raw.mean()) / raw.std(ddof=1)
        minutes = [int(round(mean + sd * v)) for v in z]
        if min(minutes) < 25 or max(minutes) > 125:
            continue
        arr = np.array(minutes, dtype=float)
        if (
            round(arr.mean()) == mean
            and round(arr.std(ddof=1)) == sd
            and round(arr.std(ddof=0)) == sd
        ):
            return minutes
    raise RuntimeError("could not draw durations with the target mean and SD")


def build_participants(scale: int, seed: int) -> pd.DataFrame:
    """``participants.csv``: exact demographic targets at scale 1 (6 women, age 30.0 (6.2))."""
    rng = _rng(seed, "participants")
    n = 10 * scale
    ids = list(range(FIRST_ID, FIRST_ID + n))
    if scale == 1:
        genders = ["female"] * 6 + ["male"] * 4
        rng.shuffle(genders)
        ages = demo_ages(rng)
        ethnicity = ["Chinese"] * 6 + ["Malay"] * 2 + ["Indian"] * 2
        rng.shuffle(ethnicity)
        diagnosis = DIAGNOSES + [rng.choice(DIAGNOSES) for _ in range(5)]
        rng.shuffle(diagnosis)
    else:
        genders = ["female" if rng.random() < 0.6 else "male" for _ in ids]
        ages = [min(55, max(21, round(rng.gauss(30, 6.2)))) for _ in ids]
        ethnicity = rng.choices(ETHNICITIES, [0.74, 0.14, 0.12], k=n)
        diagnosis = rng.choices(DIAGNOSES, k=n)
    hire = rng.choices([2017, 2018, 2019], [0.4, 0.45, 0.15], k=n)
    return pd.DataFrame(
        {
            "participant_id": ids,
            "gender": genders,
            "age": ages,
            "ethnicity": ethnicity,
            "diagnosis": diagnosis,
            "department": [rng.choice(DEPARTMENTS) for _ in ids],
            "hire_year": hire,
        }
    )


def build_screening(participants: pd.DataFrame, scale: int, seed: int) -> pd.DataFrame:
    """``screening.csv``: 18 staff per 10 participants; 7 ineligible (a reason each), 1 declined."""
    rng = _rng(seed, "screening")
    rows: list[dict] = [
        {"status": "interviewed", "reason": "", "detail": "", "participant_id": str(pid)}
        for pid in participants["participant_id"]
    ]
    for i in range(7 * scale):
        kind = "probation" if i % 7 < 3 else "pre2017"
        template = rng.choice(INELIGIBLE_REASONS[kind])
        reason = template.format(
            month=rng.choice(["January", "February", "March"]), year=rng.randint(2012, 2016)
        )
        rows.append(
            {
                "status": "ineligible",
                "reason": INELIGIBLE_GROUPS[kind],
                "detail": reason,
                "participant_id": "",
            }
        )
    for _ in range(scale):
        detail = rng.choice(DECLINE_REASONS)
        rows.append(
            {
                "status": "declined",
                "reason": detail.removeprefix("declined: "),
                "detail": detail,
                "participant_id": "",
            }
        )
    rng.shuffle(rows)
    width = max(2, len(str(len(rows))))
    frame = pd.DataFrame(rows)
    frame.insert(0, "staff_id", [f"S{i:0{width}d}" for i in range(1, len(rows) + 1)])
    return frame


# Singapore public holidays (observed) during fieldwork: no interviews on these days.
PUBLIC_HOLIDAYS = {
    date(2019, 4, 19),
    date(2019, 5, 1),
    date(2019, 5, 20),
    date(2019, 6, 5),
    date(2019, 8, 9),
    date(2019, 8, 12),
    date(2019, 10, 28),
    date(2019, 12, 25),
    date(2020, 1, 1),
    date(2020, 1, 27),
    date(2020, 4, 10),
}


def _weekday(day: date) -> date:
    """The first working day on or after ``day``."""
    while day.weekday() >= 5 or day in PUBLIC_HOLIDAYS:
        day += timedelta(days=1)
    return day


def build_interviews(participants: pd.DataFrame, scale: int, seed: int) -> pd.DataFrame:
    """``interviews.csv``: three waves about 4 months apart; one man left before wave 3."""
    rng = _rng(seed, "interviews")
    n = len(participants)
    men = participants.loc[participants["gender"] == "male", "participant_id"].tolist()
    leavers = set(rng.sample(men, max(1, min(len(men), round(n / 10)))))
    rows = []
    for pid, hire in zip(participants["participant_id"], participants["hire_year"], strict=True):
        earliest = date(2019, 5, 6) if hire == 2019 else date(2019, 4, 2)
        span = (date(2019, 8, 16) - earliest).days
        base = _weekday(earliest + timedelta(days=rng.randrange(span)))
        for wave in (1, 2, 3):
            offset = {1: 0, 2: rng.randint(117, 126), 3: rng.randint(236, 246)}[wave]
            day = _weekday(base + timedelta(days=offset))
            held = not (pid in leavers and wave == 3)
            rows.append({"participant_id": pid, "wave": wave, "date": day, "recorded": held})
    frame = pd.DataFrame(rows)
    recorded = frame["recorded"].to_numpy()
    if scale == 1:
        minutes = demo_durations(rng, int(recorded.sum()))
    else:
        minutes = [min(125, max(25, round(rng.gauss(63, 20)))) for _ in range(int(recorded.sum()))]
    frame["duration_min"] = pd.array([pd.NA] * len(frame), dtype="Int64")
    frame.loc[recorded, "duration_min"] = minutes
    frame["note"] = [_interview_note(r, rng) for r in frame.itertuples()]
    return frame


def _interview_note(row, rng: random.Random) -> str:
    """The interviewer's note on an interview (why it was not recorded, how it was held)."""
    if not row.recorded:
        return "Had left the PSS post; final interview not recorded at his request"
    if row.date >= date(2020, 4, 7):
        return "Held by video call under COVID-19 measures"
    if rng.random() < 0.08:
        return rng.choice(["Rescheduled once (ward emergency)", "Background noise from corridor"])
    return ""


# ---------------------------------------------------------------------------------------------
# The participants' world: staff, places, organisations, names
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    """A real person, place or organisation named in transcripts, and how people say it."""

    entity: str
    kind: str
    terms: tuple[str, ...]


STAFF = {
    "sup": [
        ("staff_ong", ("Ms Ong", "Pei Shan", "Ong Pei Shan")),
        ("staff_selvam", ("Mr Selvam", "Selvam")),
        ("staff_halimah", ("Dr Halimah", "Halimah")),
        ("staff_chua", ("Mr Chua", "Benedict", "Benedict Chua")),
        ("staff_tay", ("Ms Tay", "Lydia Tay", "Lydia")),
    ],
    "partner": [
        ("staff_farid", ("Farid", "Farid Ismail")),
        ("staff_cheryl", ("Cheryl", "Cheryl Ho")),
        ("staff_vijay", ("Vijay", "Vijay Kumar")),
        ("staff_wenhui", ("Wen Hui", "Sng Wen Hui")),
        ("staff_daniel", ("Daniel", "Daniel Sim")),
    ],
    "cm": [
        ("staff_jason", ("Jason", "Jason Lau")),
        ("staff_noraini", ("Ms Noraini", "Noraini")),
        ("staff_priya", ("Ms Priya", "Priya Nair")),
        ("staff_teo", ("Mr Teo", "Teo Jun Hao")),
    ],
    "nurse": [
        ("staff_farhana", ("Nurse Farhana", "Farhana")),
        ("staff_wong", ("Sister Wong",)),
        ("staff_kelvin", ("Nurse Kelvin", "Kelvin")),
        ("staff_joanne", ("Nurse Joanne", "Joanne")),
    ],
    "doc": [
        ("staff_goh", ("Dr Goh", "Dr Goh Siew Lan")),
        ("staff_krishnan", ("Dr Krishnan", "Dr Krish")),
        ("staff_lee", ("Dr Lee", "Dr Lee Meng Kit")),
        ("staff_aziz", ("Dr Aziz",)),
    ],
    "wm": [
        ("staff_rosnah", ("Mdm Rosnah", "Rosnah")),
        ("staff_loh", ("Mr Loh",)),
        ("staff_yvonne", ("Ms Yvonne Quah", "Yvonne")),
    ],
}
PLACES = {
    "ward": [
        ("place_ward31", ("Ward 31",)),
        ("place_ward46b", ("Ward 46B",)),
        ("place_ward18", ("Ward 18",)),
        ("place_ward63", ("Ward 63",)),
        ("place_ward27", ("Ward 27",)),
    ],
    "clinic": [
        ("place_tampines", ("the Tampines satellite clinic", "the Tampines clinic")),
        ("place_bedok", ("the Bedok day centre",)),
        ("place_jurong", ("the Jurong community hub", "Jurong hub")),
        ("place_hougang", ("the Hougang drop-in centre", "Hougang drop-in")),
    ],
}
ORGS = [
    ("org_harbourlight", ("Harbourlight Recovery Network", "Harbourlight")),
    ("org_peervoices", ("Peer Voices Alliance",)),
    ("org_silverstrand", ("the Silverstrand Foundation", "Silverstrand")),
]
# "the X" is said but not part of the name to redact
_ARTICLE = re.compile(r"^the ", re.IGNORECASE)

GIVEN = {
    (
        "Chinese",
        "female",
    ): "Hui Min Li Ting Xin Yi Shu Fen Mei Xuan Wan Ting Yi Ling Jia Qi Siew Mei",
    (
        "Chinese",
        "male",
    ): "Wei Jie Jun Wei Zhi Hao Kai Xiang Yong Sheng Guo Liang Ming Hui Jian Rong",
    ("Malay", "female"): (
        "Nur Aisyah|Siti Nabilah|Nurul Huda|Farah|Syafiqah|Amirah|Hidayah|Aqilah|Nadia|"
        "Zulaikha|Liyana|Atiqah|Hazirah|Sakinah"
    ),
    ("Malay", "male"): (
        "Muhammad Hafiz|Ahmad Firdaus|Irfan|Haziq|Khairul|Syahmi|Faizal|Rizwan|Hakim|"
        "Imran|Shahrul|Zaki|Danial|Amir"
    ),
    ("Indian", "female"): (
        "Kavitha|Divya|Shalini|Revathi|Anitha|Deepa|Meena|Lakshmi|Sangeetha|Nithya|"
        "Malathi|Pooja|Vasanthi|Janani"
    ),
    ("Indian", "male"): (
        "Arun|Suresh|Ganesh|Prakash|Ravi|Karthik|Naveen|Dinesh|Mohan|Rajesh|Senthil|"
        "Vignesh|Hari|Gopal"
    ),
}
SURNAMES = {
    "Chinese": "Lim Ng Koh Chan Yeo Toh Quek Seah Foo Heng Soh Kwek Pang Chia".split(),
    "Malay": (
        "Rahman Osman Yusof Hamid Salleh Jamil Kassim Ariffin Bakar Latif Zainal Hashim"
    ).split(),
    "Indian": (
        "Raman Subramaniam Pillai Naidu Chandran Murugan Sivakumar Menon Rajoo Govindasamy "
        "Balakrishnan Thevar"
    ).split(),
}


def _chinese_given(gender: str) -> list[str]:
    syllables = list(dict.fromkeys(GIVEN[("Chinese", gender)].split()))
    return [f"{a} {b.lower()}".title() for a in syllables for b in syllables if a != b]


def participant_names(participants: pd.DataFrame, seed: int) -> dict[int, str]:
    """A unique full name per participant, matching gender and ethnicity."""
    rng = _rng(seed, "names")
    staff_terms = [t for group in STAFF.values() for _, terms in group for t in terms]
    clash = re.compile(r"\b(" + "|".join(re.escape(t) for t in staff_terms) + r")\b", re.I)
    pools: dict[tuple[str, str], list[str]] = {}
    taken: set[str] = set()
    names: dict[int, str] = {}
    for pid, gender, ethnicity in zip(
        participants["participant_id"],
        participants["gender"],
        participants["ethnicity"],
        strict=True,
    ):
        key = (ethnicity, gender)
        if key not in pools:
            pools[key] = _name_pool(ethnicity, gender, clash, rng)
        pool = pools[key]
        while pool and pool[-1].lower() in taken:
            pool.pop()
        if not pool:
            raise RuntimeError(f"ran out of {ethnicity} {gender} names")
        names[int(pid)] = pool.pop()
        taken.add(names[int(pid)].lower())
    return names


def _name_pool(ethnicity: str, gender: str, clash: re.Pattern, rng: random.Random) -> list[str]:
    if ethnicity == "Chinese":
        combos = [f"{s} {g}" for s in SURNAMES["Chinese"] for g in _chinese_given(gender)]
    else:
        tie = {"Malay": ("binte", "bin"), "Indian": ("", "")}[ethnicity][gender == "male"]
        combos = [
            " ".join(filter(None, (g, tie, s)))
            for g in GIVEN[(ethnicity, gender)].split("|")
            for s in SURNAMES[ethnicity]
        ]
    combos = sorted({c for c in combos if not clash.search(c)})
    rng.shuffle(combos)
    return combos


ACTIVITIES = [
    "the recovery group",
    "the hearing voices group",
    "a peer sharing circle",
    "the wellness planning workshop",
    "the discharge support group",
    "one-to-one check-ins",
    "the family sharing session",
    "the art and recovery group",
]
HOBBIES = [
    ("cycling", "cycling"),
    ("swimming", "swimming"),
    ("for long walks by the reservoir", "walking"),
    ("to church", "going to church"),
    ("jogging", "jogging"),
    ("hiking", "hiking"),
    ("to the gym", "going to the gym"),
    ("fishing with my uncle", "fishing"),
    ("to badminton with my old classmates", "playing badminton"),
    ("to choir practice", "singing in a choir"),
    ("to the temple with my mother", "journaling"),
    ("to the mosque early", "playing the guitar"),
]
CONFIDANTS = {
    "female": [
        "my mum",
        "my sister",
        "my husband",
        "my best friend",
        "my cousin",
        "a friend from church",
    ],
    "male": [
        "my mum",
        "my brother",
        "my wife",
        "my best friend",
        "my girlfriend",
        "an old army friend",
    ],
}

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
    rng = _rng(seed, "voice", row.participant_id)
    people = {role: rng.choice(pool)[0] for role, pool in STAFF.items()}
    people.update({role: rng.choice(pool)[0] for role, pool in PLACES.items()})
    people["org"] = rng.choice(ORGS)[0]
    terms = {
        eid: terms for group in (*STAFF.values(), *PLACES.values(), ORGS) for eid, terms in group
    }
    hobbies = rng.sample(HOBBIES, 3)
    return dlg.Voice(
        participant_id=int(row.participant_id),
        name=dlg.mark_entity(f"participant_{row.participant_id}", names[int(row.participant_id)]),
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
        code_weights={c: math.exp(rng.gauss(0, 0.4)) for c in dlg.CODE_SUBTHEME},
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
    rng = _rng(seed, "mentions")
    ids = [int(p) for p in participants["participant_id"]]
    never: dict[str, set[int]] = {}
    for subtheme, (share, demo_counts) in NEVER_RAISED.items():
        if scale == 1:
            never[subtheme] = set(rng.sample(ids, rng.choice(demo_counts)))
        else:
            never[subtheme] = {p for p in ids if rng.random() < share}
    out: dict[str, dict[str, int]] = {}
    recorded = interviews[interviews["recorded"]]
    taste = {(p, s): math.exp(rng.gauss(0, 0.35)) for p in ids for s in dlg.SUBTHEMES}
    for row in recorded.itertuples():
        pid, wave = int(row.participant_id), int(row.wave)
        counts = {}
        for s in dlg.SUBTHEMES:
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
    rng = _rng(job.seed, "interview", plan.transcript_id)
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


def _parallel_map(func, items: list, processes: int) -> list:
    """``map`` over worker processes when there is enough work; results keep their order."""
    if processes <= 1 or len(items) < 60:
        return [func(item) for item in items]
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    with ProcessPoolExecutor(processes, mp_context=get_context("fork")) as pool:
        return list(pool.map(func, items, chunksize=max(1, len(items) // (8 * processes))))


def _default_processes() -> int:
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
    for job, turns in zip(jobs, _parallel_map(_write_interview, jobs, processes), strict=True):
        job.plan.turns = turns
    plans = [job.plan for job in jobs]
    return Study(scale, seed, participants, screening, interviews, entities, plans)


def _assign_lengths(recorded: pd.DataFrame, seed: int) -> dict[str, tuple[int, int]]:
    """Turns and words per interview: longer sessions have more words (6,000–9,000)."""
    rng = _rng(seed, "lengths")
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
    rng = _rng(seed, "pii")
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
        out.setdefault(tid, []).append(("phone", dlg.mark_entity("#PHONE", number)))
    n_each = max(1, len(tids) // 30)
    for kind, make in (
        ("email", lambda: f"peerdesk{rng.randint(1, 99)}@mindbridge.org.sg"),
        ("nric", lambda: f"S{rng.randint(7000000, 9999999)}{rng.choice('ABCDEFGHIJZ')}"),
    ):
        for tid in rng.sample(tids, n_each):
            out.setdefault(tid, []).append((kind, dlg.mark_entity(f"#{kind.upper()}", make())))
    return out


# ---------------------------------------------------------------------------------------------
# Raw transcript formats
# ---------------------------------------------------------------------------------------------

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
    rng = _rng(seed, "formats")
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
        r = _rng(seed, "format", tid)
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


_TITLES = re.compile(r"\b(Dr|Mr|Ms|Mdm|Nurse|Sister|Ward) ")
_KEEP = "\ue010"  # a space that must not break when wrapping or splitting cues


def _smart_quotes(text: str) -> str:
    text = re.sub(r'"(\S[^"]*?)"', "\u201c\\1\u201d", text)
    return text.replace("'", "\u2019")


def _raw_utterance(turn: dlg.Turn, fmt: dict, rng: random.Random, clock: float) -> str:
    """A turn as the transcriber typed it: names as said, markers, typographic quirks."""
    sentences = [dlg.surface_text(s) for s in turn.sentences]
    out: list[str] = []
    for i, sentence in enumerate(sentences):
        if i == 0 and turn.speaker == "participant" and rng.random() < fmt["markers"] / 2:
            out.append("[crosstalk]")
        out.append(sentence)
        if i < len(sentences) - 1:
            roll = rng.random()
            if roll < fmt["markers"]:
                out.append(rng.choice(["[inaudible]", f"[inaudible{_KEEP}{_clock(clock)}]"]))
            elif roll < fmt["markers"] * 1.3:
                out.append("[laughs]")
    text = " ".join(out)
    if fmt["smart"]:
        text = _smart_quotes(text)
    if fmt["nbsp"]:
        text = _TITLES.sub(lambda m: m.group(1) + "\u00a0", text)
        if rng.random() < 0.3:
            text = text.replace(". ", ".\u00a0", 1)
    return text


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _label(turn: dlg.Turn, fmt: dict, pid: int, rng: random.Random) -> str:
    main, alt = fmt[turn.speaker]
    choice = alt if rng.random() < fmt["mix"] else main
    return choice.format(id=pid)


def _turn_clock(plan: TranscriptPlan) -> list[float]:
    """Seconds from the start at which each turn begins (speech paced to the duration)."""
    words = [len(dlg.surface_text(t.text).split()) for t in plan.turns]
    talking = plan.duration_min * 60 - 10.0 - 0.6 * len(words)
    per_word = max(0.1, talking / max(1, sum(words)))
    clock, out = 5.0, []
    for w in words:
        out.append(clock)
        clock += w * per_word + 0.6
    return out


def _header_lines(plan: TranscriptPlan) -> list[str]:
    when = plan.date.strftime("%d %B %Y").lstrip("0")
    return [
        f"Transcript {plan.transcript_id}, recorded {when}",
        f"Length {plan.duration_min} min, verbatim",
    ]


def render_text(plan: TranscriptPlan, seed: int) -> bytes:
    """A plain-text transcript (.txt) in the file's encoding, line ends and habits."""
    fmt, rng = plan.fmt, _rng(seed, "render", plan.transcript_id)
    lines: list[str] = []
    if fmt["header"]:
        lines += _header_lines(plan) + [""]
    for k, (turn, clock) in enumerate(zip(plan.turns, _turn_clock(plan), strict=True)):
        label = _label(turn, fmt, plan.participant_id, rng)
        body = _raw_utterance(turn, fmt, rng, clock)
        stamp = (
            f"[{_clock(clock)}]" if fmt["timestamps"] != "none" and k % fmt["ts_every"] == 0 else ""
        )
        if stamp and fmt["timestamps"] == "before":
            line = f"{stamp} {label}: {body}"
        elif stamp:
            line = f"{label}: {stamp} {body}"
        else:
            line = f"{label}: {body}"
        if fmt["wrap"]:
            lines += wrap_line(line, fmt["wrap"])
        else:
            lines.append(line)
        if fmt["blank"]:
            lines.append("")
    text = fmt["newline"].join(lines).rstrip() + fmt["newline"]
    return text.replace(_KEEP, " ").encode(fmt["encoding"])


def wrap_line(line: str, width: int) -> list[str]:
    """Break ``line`` at spaces into lines of at most ``width`` characters (longer words stay
    whole), as a word processor's hard wrap would."""
    out: list[str] = []
    current = ""
    for word in line.split(" "):
        if not word:
            continue
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        out.append(current)
    return out


def _cues(text: str, rng: random.Random) -> list[str]:
    """Split a long utterance into subtitle-sized chunks at word boundaries."""
    words = text.split(" ")
    chunks, i = [], 0
    while i < len(words):
        size = rng.randint(9, 18)
        chunks.append(" ".join(words[i : i + size]))
        i += size
    return chunks


def _cue_lines(chunk: str) -> str:
    return "\n".join(wrap_line(chunk, 42))


def render_subtitles(plan: TranscriptPlan, seed: int) -> bytes:
    """A WebVTT (voice tags or name prefixes) or SRT transcript; long turns span several cues."""
    fmt, rng = plan.fmt, _rng(seed, "render", plan.transcript_id)
    clocks = _turn_clock(plan) + [plan.duration_min * 60.0]
    vtt = fmt["ext"] == "vtt"
    blocks: list[str] = ["WEBVTT", f"NOTE transcript {plan.transcript_id}"] if vtt else []
    number = 0
    for k, turn in enumerate(plan.turns):
        label = _label(turn, fmt, plan.participant_id, rng)
        chunks = _cues(_raw_utterance(turn, fmt, rng, clocks[k]), rng)
        t0 = clocks[k]
        t1 = max(clocks[k + 1] - 0.4, t0 + 0.5)
        step = (t1 - t0) / len(chunks)
        for j, chunk in enumerate(chunks):
            number += 1
            start, end = t0 + j * step, t0 + (j + 1) * step - 0.05
            if fmt["kind"] == "vtt_voice":
                body = f"<v {label}>{_cue_lines(chunk)}"
            elif j == 0:
                body = _cue_lines(f"{label}: {chunk}")
            else:
                body = _cue_lines(chunk)
            timing = f"{_subtitle_time(start, vtt)} --> {_subtitle_time(end, vtt)}"
            blocks.append(f"{timing}\n{body}" if vtt else f"{number}\n{timing}\n{body}")
    text = "\n\n".join(blocks).replace(_KEEP, " ") + "\n"
    return text.replace("\n", fmt["newline"]).encode(fmt["encoding"])


def _subtitle_time(seconds: float, vtt: bool) -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{'.' if vtt else ','}{ms:03d}"


def render_docx(plan: TranscriptPlan, seed: int) -> bytes:
    """A Word transcript: one paragraph per turn, the label in a bold run; fixed metadata."""
    from docx import Document

    fmt, rng = plan.fmt, _rng(seed, "render", plan.transcript_id)
    doc = Document()
    props = doc.core_properties
    props.created = props.modified = props.last_printed = FIXED_TIMESTAMP
    props.author = props.last_modified_by = "transcription service"
    props.revision = 1
    props.title = ""
    if fmt["header"]:
        for line in _header_lines(plan):
            doc.add_paragraph().add_run(line).italic = True
    for k, (turn, clock) in enumerate(zip(plan.turns, _turn_clock(plan), strict=True)):
        label = _label(turn, fmt, plan.participant_id, rng)
        body = _raw_utterance(turn, fmt, rng, clock).replace(_KEEP, " ")
        stamp = fmt["timestamps"] != "none" and k % fmt["ts_every"] == 0
        para = doc.add_paragraph()
        para.add_run(f"{label}:").bold = fmt["bold"]
        para.add_run(f" [{_clock(clock)}] {body}" if stamp else f" {body}")
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_ooxml(buffer.getvalue())


def normalise_ooxml(data: bytes) -> bytes:
    """Rewrite a .docx/.xlsx zip with fixed entry times and core-property dates (reproducible)."""
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            payload = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = payload.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    rf"\g<1>{stamp}\g<3>",
                    text,
                )
                payload = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zout.writestr(entry, payload)
    return out.getvalue()


def render_transcript(plan: TranscriptPlan, seed: int) -> bytes:
    """The raw file's bytes in the plan's format."""
    if plan.fmt["ext"] == "docx":
        return render_docx(plan, seed)
    if plan.fmt["ext"] in ("vtt", "srt"):
        return render_subtitles(plan, seed)
    return render_text(plan, seed)


# ---------------------------------------------------------------------------------------------
# Tables written next to the transcripts
# ---------------------------------------------------------------------------------------------


def redaction_table(study: Study) -> pd.DataFrame:
    """``redaction.csv``: every name or place said in some transcript, grouped by entity."""
    said: dict[str, set[str]] = {}
    for plan in study.transcripts:
        for turn in plan.turns:
            for match in dlg.ENTITY_MARK.finditer(turn.text):
                if not match.group(1).startswith("#"):
                    said.setdefault(match.group(1), set()).add(match.group(2))
    rows = []
    for eid, surfaces in said.items():
        entity = study.entities[eid]
        for surface in surfaces:
            rows.append({"term": _ARTICLE.sub("", surface), "kind": entity.kind, "entity": eid})
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
    columns = [
        "participant_id",
        "wave",
        "date",
        "duration_min",
        "recorded",
        "transcript_file",
        "note",
    ]
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
    return dlg.codebook_document()


# ---------------------------------------------------------------------------------------------
# Cleaning: the pipeline's own stage, run on the generated files
# ---------------------------------------------------------------------------------------------


def clean_units(
    data_dir: Path, work_dir: Path, speakers: dict[str, list[str]], threads: int = 1
) -> pd.DataFrame:
    """Run :func:`qualflow.transcripts.clean_study` on ``data_dir``; return its units.csv."""
    from .transcripts import clean_study

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
# Two coders observe the truth with error
# ---------------------------------------------------------------------------------------------

# Target Cohen's kappa per code over participant turns: a few below 0.6, most 0.6-0.9.
TARGET_KAPPA = {
    "supervisor_backing": 0.88,
    "peer_partner": 0.84,
    "staff_allies": 0.66,
    "clear_boundaries": 0.6,
    "role_building": 0.74,
    "recognised_contribution": 0.52,
    "training_wanted": 0.90,
    "meaning_purpose": 0.70,
    "career_progression": 0.80,
    "talking_it_through": 0.80,
    "wellness_planning": 0.86,
    "personal_activities": 0.9,
    "role_confusion": 0.72,
    "supervisor_unfamiliar": 0.68,
    "overlap_other_roles": 0.64,
    "dual_relationship": 0.78,
    "dismissive_remarks": 0.86,
    "excluded_from_team": 0.80,
    "stigma_doubt": 0.55,
    "gatekeeping_approval": 0.71,
    "referral_restrictions": 0.77,
    "lack_of_resources": 0.91,
    "siloed_structure": 0.5,
}
# Errors per true instance giving about TARGET_KAPPA: calibrate_error_rates(build_study(20)).
ERROR_RATE = {
    "supervisor_backing": 0.058,
    "peer_partner": 0.124,
    "staff_allies": 0.3219,
    "clear_boundaries": 0.3762,
    "role_building": 0.2088,
    "recognised_contribution": 0.4731,
    "training_wanted": 0.0544,
    "meaning_purpose": 0.3024,
    "career_progression": 0.166,
    "talking_it_through": 0.1719,
    "wellness_planning": 0.1354,
    "personal_activities": 0.0708,
    "role_confusion": 0.226,
    "supervisor_unfamiliar": 0.2867,
    "overlap_other_roles": 0.3487,
    "dual_relationship": 0.1686,
    "dismissive_remarks": 0.0691,
    "excluded_from_team": 0.1454,
    "stigma_doubt": 0.4871,
    "gatekeeping_approval": 0.2589,
    "referral_restrictions": 0.1867,
    "lack_of_resources": 0.0302,
    "siloed_structure": 0.5872,
}
# coder_a reads generously (fewer misses, more extras); coder_b is stricter
CODER_BIAS = {"coder_a": (0.8, 1.3), "coder_b": (1.2, 0.7)}
ERROR_SHARE = {"miss": 0.45, "confuse": 0.25, "spill": 0.30}


def error_rates(
    code: str, coder: str, rates: dict[str, float] | None = None
) -> tuple[float, float, float]:
    """(miss, confuse, spill-per-neighbouring-turn) probabilities for one coder and code."""
    e = (rates or ERROR_RATE)[code]
    miss_bias, spill_bias = CODER_BIAS[coder]
    return (
        min(0.9, ERROR_SHARE["miss"] * e * miss_bias),
        min(0.9, ERROR_SHARE["confuse"] * e),
        min(0.9, ERROR_SHARE["spill"] * e * spill_bias / 2),
    )


def kappa_by_code(study: Study, a: pd.DataFrame, b: pd.DataFrame) -> dict[str, float]:
    """Cohen's (1960) kappa per code over participant turns (unit = turn, 1 = code applied)."""
    n = sum(t.speaker == "participant" for plan in study.transcripts for t in plan.turns)
    out = {}
    for code in TARGET_KAPPA:
        sa, sb = (_pairs(frame[frame["code"] == code]) for frame in (a, b))
        pa, pb = len(sa) / n, len(sb) / n
        observed = 1 - len(sa ^ sb) / n
        expected = pa * pb + (1 - pa) * (1 - pb)
        out[code] = 1.0 if expected == 1 else (observed - expected) / (1 - expected)
    return out


def _pairs(frame: pd.DataFrame) -> set[tuple[str, int]]:
    return set(zip(frame["transcript_id"], frame["turn"], strict=True))


def calibrate_error_rates(
    study: Study, rounds: int = 6, start: dict[str, float] | None = None
) -> dict[str, float]:
    """Error rates under which ``study``'s per-code kappas come closest to TARGET_KAPPA.

    Each round rescales a code's rate by (1 - target) / (1 - observed kappa) and the best
    round (smallest largest miss) is kept. ERROR_RATE came from ``build_study(20)``; the demo
    study is fitted on itself, so its few dozen instances per code still land on target.
    """
    rates = dict(start or ERROR_RATE)
    best, best_gap = rates, math.inf
    for _ in range(rounds):
        a, b = observe(study, "coder_a", rates), observe(study, "coder_b", rates)
        kappas = kappa_by_code(study, a, b)
        gap = max(abs(kappas[code] - TARGET_KAPPA[code]) for code in kappas)
        if gap < best_gap:
            best, best_gap = rates, gap
        rates = {
            code: min(1.5, rate * (1 - TARGET_KAPPA[code]) / max(0.02, 1 - kappas[code]))
            for code, rate in rates.items()
        }
    return {code: round(rate, 4) for code, rate in best.items()}


def observe(study: Study, coder: str, rates: dict[str, float] | None = None) -> pd.DataFrame:
    """One coder's unit-level codings of participant turns, with where each came from.

    Errors are allotted study-wide per code in exact numbers (misses, confusions with a
    neighbouring code, spill-overs onto an adjacent participant turn), drawn at random which
    instances they hit, so each code's agreement lands close to its target even in a small
    study. Columns transcript_id, turn, code, source (``kept`` | ``confused:<code>`` | ``spill``).
    """
    rng = _rng(study.seed, coder, "errors")
    instances: dict[str, list[tuple[str, int]]] = {code: [] for code in TARGET_KAPPA}
    neighbours_of: dict[str, list[tuple[str, int]]] = {code: [] for code in TARGET_KAPPA}
    truth: dict[tuple[str, int], tuple[str, ...]] = {}
    for plan in study.transcripts:
        tid = plan.transcript_id
        turns = [k for k, t in enumerate(plan.turns, start=1) if t.speaker == "participant"]
        for k in turns:
            truth[(tid, k)] = plan.turns[k - 1].codes
        for i, k in enumerate(turns):
            for code in truth[(tid, k)]:
                instances[code].append((tid, k))
                for j in (i - 1, i + 1):
                    if 0 <= j < len(turns) and code not in truth[(tid, turns[j])]:
                        neighbours_of[code].append((tid, turns[j]))
    kept: dict[tuple[str, int, str], str] = {}
    extra: dict[tuple[str, int, str], str] = {}
    for code in TARGET_KAPPA:
        miss, confuse, spill = error_rates(code, coder, rates)
        found = instances[code]
        order = rng.sample(range(len(found)), len(found))
        n_miss = _round_at_random(len(found) * miss, rng)
        n_confused = _round_at_random(len(found) * confuse, rng)
        for rank, i in enumerate(order):
            tid, k = found[i]
            if rank < n_miss:
                continue
            if rank < n_miss + n_confused:
                extra.setdefault((tid, k, rng.choice(dlg.neighbours(code))), f"confused:{code}")
            else:
                kept[(tid, k, code)] = "kept"
        candidates = sorted(set(neighbours_of[code]))
        n_spill = min(len(candidates), _round_at_random(len(neighbours_of[code]) * spill, rng))
        for tid, k in rng.sample(candidates, n_spill):
            extra.setdefault((tid, k, code), "spill")
    applied = {**extra, **kept}
    rows = [(tid, k, code, source) for (tid, k, code), source in applied.items()]
    frame = pd.DataFrame(rows, columns=["transcript_id", "turn", "code", "source"])
    return _sort_units(frame)


def _round_at_random(x: float, rng: random.Random) -> int:
    """``x`` rounded down or up at random, so the expected value is ``x``."""
    whole = math.floor(x)
    return whole + int(rng.random() < x - whole)


def _sort_units(frame: pd.DataFrame, extra: Sequence[str] = ("code",)) -> pd.DataFrame:
    keys = frame["transcript_id"].str.split("_", expand=True).astype(int)
    order = pd.DataFrame({"p": keys[0], "w": keys[1], "t": frame["turn"]})
    for column in extra:
        order[column] = frame[column]
    return frame.loc[order.sort_values(list(order.columns)).index].reset_index(drop=True)


A_MEMOS = [
    "borderline - check with B",
    "strong example, consider for the write-up",
    "could also be {other}",
    "only part of the turn fits",
    "recheck after the codebook meeting",
    "participant comes back to this later",
]


def spans_for(
    codings: pd.DataFrame, units: pd.DataFrame, seed: int, coder: str = "coder_a"
) -> pd.DataFrame:
    """Character spans as a QDA tool exports them: ragged boundaries, sometimes two turns.

    A span starts a few words into its turn and may stop before the end; when the same code
    applies to consecutive participant turns with a short interviewer prompt between, the
    coder sometimes drags one span over all three. Spans never touch any other turn.
    """
    index = {
        (tid, int(turn)): (speaker, int(start), int(end), text, int(n_words))
        for tid, turn, speaker, start, end, text, n_words in zip(
            units["transcript_id"],
            units["turn"],
            units["speaker"],
            units["start"],
            units["end"],
            units["text"],
            units["n_words"],
            strict=True,
        )
    }
    rows = []
    for tid, group in codings.groupby("transcript_id", sort=False):
        rng = _rng(seed, coder, "spans", tid)
        pairs = list(zip(group["turn"].astype(int), group["code"], strict=True))
        coded = set(pairs)
        merged: set[tuple[int, str]] = set()
        for turn, code in pairs:
            if (turn, code) in merged:
                continue
            first = last = index[(tid, turn)]
            between = index.get((tid, turn + 1))
            if (
                (turn + 2, code) in coded
                and between is not None
                and between[0] == "interviewer"
                and between[4] <= 14
                and rng.random() < 0.3
            ):
                last = index[(tid, turn + 2)]
                merged.add((turn + 2, code))
            start = first[1] + _skip_words(first[3], rng, from_end=False)
            end = last[2] - _skip_words(last[3], rng, from_end=True)
            if end <= start:
                start, end = first[1], last[2]
            memo = ""
            if rng.random() < 0.06:
                memo = rng.choice(A_MEMOS).format(other=rng.choice(dlg.neighbours(code)))
            rows.append((coder, tid, code, start, end, memo))
    spans = pd.DataFrame(rows, columns=["coder", "transcript_id", "code", "start", "end", "memo"])
    keys = spans["transcript_id"].str.split("_", expand=True).astype(int)
    order = pd.DataFrame({"p": keys[0], "w": keys[1], "s": spans["start"], "c": spans["code"]})
    return spans.loc[order.sort_values(["p", "w", "s", "c"]).index].reset_index(drop=True)


def _skip_words(text: str, rng: random.Random, from_end: bool) -> int:
    """Characters to leave out at one end of a turn: none, or a few words."""
    words = list(re.finditer(r"\S+", text))
    limit = len(words) // 5
    k = min(limit, rng.choice([0, 0, 0, 1, 1, 2, 3, 5]))
    if k == 0:
        return 0
    if from_end:
        return len(text) - words[len(words) - 1 - k].end()
    return words[k].start()


def unit_codings(codings: pd.DataFrame, coder: str) -> pd.DataFrame:
    """Unit-level rows (coder, unit_id, transcript_id, code, memo) as the import stage writes."""
    return pd.DataFrame(
        {
            "coder": coder,
            "unit_id": codings["transcript_id"] + ":" + codings["turn"].astype(str),
            "transcript_id": codings["transcript_id"],
            "code": codings["code"],
            "memo": "",
        }
    )


def write_coder_sheet(
    units: pd.DataFrame, codings: pd.DataFrame, path: Path, codebook_path: Path
) -> None:
    """Coder B's filled coding sheet, written by the pipeline's own sheet writer."""
    from .codebook import load_codebook
    from .codings import write_coding_sheet

    book = load_codebook(codebook_path)
    write_coding_sheet(units, book, path, codings=codings)
    with atomic_path(path) as tmp:
        tmp.write_bytes(normalise_ooxml(path.read_bytes()))


RATIONALES = {
    "include": [
        "Re-read together: the turn describes {label} and meets the include criteria.",
        "Missed on the first pass; a clear instance of {label}.",
        "Kept: the participant speaks directly about {label}.",
        "Fits the definition once the whole turn is read, not just the opening.",
        "Include; close to the codebook example.",
        "Agreed to code: the second half of the turn is about {label}.",
        "Include - the participant gives a concrete example of {label}.",
    ],
    "confused": [
        "Better captured by {true}; exclude here.",
        "Exclude: this is {true}, see the exclude note in the codebook.",
        "Closer to {true} than to {label} on discussion.",
        "Reassigned to {true}; the turn is not about {label}.",
    ],
    "spill": [
        "The topic carries over from the neighbouring turn, but this turn itself is not {label}.",
        "Exclude: passing mention only, no description of {label}.",
        "Too thin to code; the participant moves on at once.",
        "Not {label} on a close reading; the turn is about something else.",
        "Exclude - context, not content.",
    ],
}


def resolutions_table(
    study: Study, a: pd.DataFrame, b: pd.DataFrame, codebook: dict[str, str]
) -> pd.DataFrame:
    """One decision per (participant turn, code) the coders disagree on, following the truth."""
    truth = set(zip(*(study.truth()[c] for c in ("transcript_id", "turn", "code")), strict=True))
    source = {(r.transcript_id, r.turn, r.code): r.source for r in pd.concat([a, b]).itertuples()}
    in_a = set(zip(a["transcript_id"], a["turn"], a["code"], strict=True))
    in_b = set(zip(b["transcript_id"], b["turn"], b["code"], strict=True))
    order = {pid: i for i, pid in enumerate(sorted(study.participants["participant_id"]))}
    n_people = len(order)
    rows = []
    for key in sorted(in_a ^ in_b):
        tid, turn, code = key
        rng = _rng(study.seed, "resolution", tid, turn, code)
        label = codebook[code].lower()
        if key in truth:
            decision, bank = "include", "include"
            true = label
        else:
            decision = "exclude"
            src = source.get(key, "spill")
            bank = "confused" if src.startswith("confused:") else "spill"
            true = codebook[src.split(":", 1)[1]].lower() if bank == "confused" else label
        rationale = rng.choice(RATIONALES[bank]).format(label=label, true=true)
        escalate = 0.35 if TARGET_KAPPA[code] < 0.65 else 0.1
        who = "coder_a; coder_b; PI" if rng.random() < escalate else "coder_a; coder_b"
        pid = int(tid.split("_")[0])
        week = order[pid] * 26 // max(1, n_people) if n_people > 10 else order[pid] // 2
        meeting = date(2020, 5, 6) + timedelta(weeks=week)
        rows.append(
            {
                "transcript_id": tid,
                "turn": turn,
                "code": code,
                "unit_id": f"{tid}:{turn}",
                "decision": decision,
                "rationale": rationale,
                "decided_by": who,
                "date": meeting.isoformat(),
            }
        )
    frame = pd.DataFrame(
        rows,
        columns=[
            "transcript_id",
            "turn",
            "code",
            "unit_id",
            "decision",
            "rationale",
            "decided_by",
            "date",
        ],
    )
    frame = _sort_units(frame) if len(frame) else frame
    return frame[["unit_id", "code", "decision", "rationale", "decided_by", "date"]]


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
    processes = _default_processes()
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
        study.transcripts, _parallel_map(_render_job, jobs, processes), strict=True
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
        for cat in dlg.CODEBOOK
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
