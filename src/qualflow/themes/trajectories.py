"""Trajectories: each participant's subthemes across waves (present, absent, not recorded) and what
changed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from qualflow.contracts import TRAJECTORY_COLUMNS
from qualflow.themes.frequency import coded_rows, recorded_interviews, theme_table


def _missing_reasons(interviews: pd.DataFrame, people: list[int], waves: list[int]) -> dict:
    """(participant, wave) → why there is no transcript: the interviews.csv note of an
    interview not recorded, or that no interview is listed for that wave."""
    reasons = {}
    listed = interviews.set_index(["participant_id", "wave"])
    for person in people:
        for wave in waves:
            key = (int(person), int(wave))
            if key not in listed.index:
                reasons[key] = "no interview listed in interviews.csv"
                continue
            row = listed.loc[key]
            row = row.iloc[0] if isinstance(row, pd.DataFrame) else row
            if not bool(row["recorded"]):
                note = str(row.get("note", "") or "").strip()
                reasons[key] = "not recorded" + (f": {note}" if note else "")
    return reasons


def trajectories(
    consensus: pd.DataFrame, interviews: pd.DataFrame, codebook: pd.DataFrame
) -> pd.DataFrame:
    """trajectories.csv: each participant's path through the waves, per subtheme and per code.

    One row per participant × level (``subtheme``, ``code``) × theme × wave of the study:
    ``status`` is ``present`` (raised in that wave's consensus coding), ``absent`` (interviewed,
    not raised) or ``missing`` (no transcript; ``missing_reason`` from interviews.csv — the note
    of an interview not recorded, e.g. the participant had left the job). ``change`` compares
    with the participant's previous *recorded* wave: ``first``, ``gained``, ``dropped``,
    ``kept`` or ``still_absent`` (empty where missing). ``pattern`` sums the path up in wave
    order, ``1`` present, ``0`` absent, ``.`` missing (e.g. ``11.``). A subtheme kept by
    everyone can hide codes that were dropped, which the code rows show.
    """
    coded = coded_rows(consensus, codebook)
    recorded = recorded_interviews(interviews)
    people = sorted(int(p) for p in interviews["participant_id"].unique())
    waves = sorted(int(w) for w in interviews["wave"].unique())
    reasons = _missing_reasons(interviews, people, waves)
    have = set(zip(recorded["participant_id"], recorded["wave"], strict=True))
    frames = []
    for level in ("subtheme", "code"):
        themes = theme_table(codebook, level).reset_index(names="order")
        raised = set(zip(coded["participant_id"], coded["wave"], coded[level], strict=True))
        grid = pd.DataFrame(
            [(p, w) for p in people for w in waves], columns=["participant_id", "wave"]
        ).merge(themes, how="cross")
        keys = list(zip(grid["participant_id"], grid["wave"], strict=True))
        grid["status"] = [
            "missing"
            if key not in have
            else ("present" if (key[0], key[1], theme) in raised else "absent")
            for key, theme in zip(keys, grid["theme"], strict=True)
        ]
        grid["missing_reason"] = [reasons.get(key, "") for key in keys]
        grid["level"] = level
        frames.append(grid)
    out = pd.concat(frames, ignore_index=True)
    out["level_order"] = out["level"].map({"subtheme": 0, "code": 1})
    out = out.sort_values(
        ["participant_id", "level_order", "order", "wave"], kind="stable"
    ).reset_index(drop=True)
    symbol = out["status"].map({"present": "1", "absent": "0", "missing": "."})
    group = [out["participant_id"], out["level"], out["theme"]]
    out["pattern"] = symbol.groupby(group, sort=False).transform(lambda s: "".join(s))
    seen = out["status"].where(out["status"] != "missing")
    previous = seen.groupby(group, sort=False).transform(lambda s: s.ffill().shift())
    change = np.select(
        [
            out["status"] == "missing",
            previous.isna(),
            (previous == "absent") & (out["status"] == "present"),
            (previous == "present") & (out["status"] == "absent"),
            out["status"] == "present",
        ],
        ["", "first", "gained", "dropped", "kept"],
        default="still_absent",
    )
    out["change"] = change
    return out[TRAJECTORY_COLUMNS].reset_index(drop=True)
