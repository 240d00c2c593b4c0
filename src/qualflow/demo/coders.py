"""Two simulated coders observe the ground truth with error, and the team reconciles.

Errors are misses, extra codes on neighbouring turns and confusion between neighbouring codes,
tuned so per-code Cohen's (1960) kappa spans about 0.5-0.95. Coder A hands in QDA-style spans,
coder B a filled coding sheet or a long CSV.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from qualflow.io import atomic_path

from . import codes
from .plan import Study
from .render import normalise_ooxml
from .tables import rng_for

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
    rng = rng_for(study.seed, coder, "errors")
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
                extra.setdefault((tid, k, rng.choice(codes.neighbours(code))), f"confused:{code}")
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
        rng = rng_for(seed, coder, "spans", tid)
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
                memo = rng.choice(A_MEMOS).format(other=rng.choice(codes.neighbours(code)))
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
    from qualflow.codebook.read import load_codebook
    from qualflow.codings.sheet import write_coding_sheet

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
        rng = rng_for(study.seed, "resolution", tid, turn, code)
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
