"""The demo study's tables: participants, the screening log and the interviews.

The design follows the published study it is modelled on (10 peer support specialists,
interviews at baseline, 4 and 8 months; mean (SD) length 63 (20) minutes; 18 staff screened,
7 ineligible, 1 declined). Deterministic: one ``random.Random`` per purpose, seeded from
(seed, what, which) by :func:`rng_for`.
"""

from __future__ import annotations

import random
import statistics
from datetime import date, timedelta

import numpy as np
import pandas as pd

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


def rng_for(seed: int, *what: object) -> random.Random:
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
    rng = rng_for(seed, "participants")
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
    rng = rng_for(seed, "screening")
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
    rng = rng_for(seed, "interviews")
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
