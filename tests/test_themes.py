"""Theme tables on small hand-built studies where every number is computed by hand.

Study used by most tests (codebook order: supportive_figures, defined_role | unclear_role,
hostility, unsupportive_environment):

- participants 101, 102, 103; waves 1–3; 102 left before wave 3 (wave 3 scheduled, not
  recorded) → denominators 3, 3, 2 and 3 overall.
- every transcript has turns 1–6, odd = interviewer, even = participant; a participant turn's
  n_words equals its turn number, so word sums are easy to add up.
- consensus (unit: codes):
  101_1:2 supervisor_backing | 101_1:4 role_confusion + doing_everything | 101_1:6 dismissive_staff
  101_2:4 role_confusion | 101_3:2 clear_tasks
  102_1:4 dismissive_staff + supervisor_backing | 102_1:6 role_confusion | 102_2:2 peer_partner
  103_1:4 role_confusion | 103_3:4 supervisor_backing | 103_3:6 doing_everything
- the prompt "challenges" is asked at turn 3, except in 101_3 (turn 5) and 102_2 (never; there
  only the participant says "challenging").
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml
from openpyxl.utils import get_column_letter

from qualflow.codebook.read import load_codebook
from qualflow.contracts import (
    COOCCURRENCE_COLUMNS,
    EXEMPLAR_COLUMNS,
    FREQUENCY_COLUMNS,
    IMPORTANCE_COLUMNS,
    MATRIX_COLUMNS,
    PRIMACY_BY_TRANSCRIPT_COLUMNS,
    PRIMACY_COLUMNS,
    PRIMACY_PROMPT_COLUMNS,
    TRAJECTORY_COLUMNS,
)
from qualflow.errors import InputError
from qualflow.themes.cooccurrence import cooccurrence, cooccurrence_matrix
from qualflow.themes.exemplars import attribution, choose_exemplars, read_pins
from qualflow.themes.frequency import frequency_by_wave, participant_theme_matrix
from qualflow.themes.primacy import (
    category_prompts,
    normalise_weights,
    primacy,
    primacy_prompts,
    rescale_primacy,
    theme_importance,
)
from qualflow.themes.run import run_quote_bank, run_themes
from qualflow.themes.trajectories import trajectories

PROMPT = "(?i)\\b(challeng|difficult)"

CODEBOOK = {
    "facilitators": {
        "supportive_figures": ["supervisor_backing", "peer_partner"],
        "defined_role": ["clear_tasks"],
    },
    "barriers": {
        "unclear_role": ["role_confusion", "doing_everything"],
        "hostility": ["dismissive_staff"],
        "unsupportive_environment": ["no_space"],
    },
}

# (participant, wave, recorded)
INTERVIEWS = [
    (101, 1, True),
    (101, 2, True),
    (101, 3, True),
    (102, 1, True),
    (102, 2, True),
    (102, 3, False),
    (103, 1, True),
    (103, 2, True),
    (103, 3, True),
]

CODINGS = [
    ("101_1:2", "supervisor_backing"),
    ("101_1:4", "role_confusion"),
    ("101_1:4", "doing_everything"),
    ("101_1:6", "dismissive_staff"),
    ("101_2:4", "role_confusion"),
    ("101_3:2", "clear_tasks"),
    ("102_1:4", "dismissive_staff"),
    ("102_1:4", "supervisor_backing"),
    ("102_1:6", "role_confusion"),
    ("102_2:2", "peer_partner"),
    ("103_1:4", "role_confusion"),
    ("103_3:4", "supervisor_backing"),
    ("103_3:6", "doing_everything"),
]


# --------------------------------------------------------------------------------------------
# Fixture builders
# --------------------------------------------------------------------------------------------


def write_codebook(path: Path, tree: dict, exemplars: dict[str, str] | None = None) -> Path:
    exemplars = exemplars or {}
    doc = {
        "categories": [
            {
                "name": category,
                "subthemes": [
                    {
                        "name": subtheme,
                        **({"exemplar": exemplars[subtheme]} if subtheme in exemplars else {}),
                        "codes": [{"name": code, "definition": f"about {code}"} for code in codes],
                    }
                    for subtheme, codes in subthemes.items()
                ],
            }
            for category, subthemes in tree.items()
        ]
    }
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    return path


@pytest.fixture
def codebook(tmp_path: Path) -> pd.DataFrame:
    return load_codebook(write_codebook(tmp_path / "codebook.yaml", CODEBOOK))


def interviews_frame(rows=INTERVIEWS) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "participant_id": pd.array([p for p, _, _ in rows], dtype="Int64"),
            "wave": pd.array([w for _, w, _ in rows], dtype="Int64"),
            "recorded": [r for _, _, r in rows],
            "transcript_id": [f"{p}_{w}" for p, w, _ in rows],
        }
    )


def interviewer_text(transcript_id: str, turn: int) -> str:
    if transcript_id == "102_2":
        return {1: "Thanks for coming.", 3: "How was your week?", 5: "Anything else?"}[turn]
    if transcript_id == "101_3":
        return {1: "Thanks for coming.", 3: "How is the team?", 5: "Any challenges lately?"}[turn]
    return {1: "Thanks for coming.", 3: "What challenges have you met?", 5: "Go on."}[turn]


def participant_text(transcript_id: str, turn: int) -> str:
    if transcript_id == "102_2" and turn == 2:
        return "Quite challenging"  # a participant saying it is not the prompt
    return " ".join(f"w{k}" for k in range(turn))  # n_words == turn


def units_frame() -> pd.DataFrame:
    rows = []
    for participant, wave, recorded in INTERVIEWS:
        if not recorded:
            continue
        tid = f"{participant}_{wave}"
        offset = 0
        for turn in range(1, 7):
            speaker = "interviewer" if turn % 2 else "participant"
            text = (interviewer_text if turn % 2 else participant_text)(tid, turn)
            rows.append(
                {
                    "unit_id": f"{tid}:{turn}",
                    "transcript_id": tid,
                    "participant_id": participant,
                    "wave": wave,
                    "turn": turn,
                    "speaker": speaker,
                    "start": offset,
                    "end": offset + len(text),
                    "text": text,
                    "n_words": len(text.split()),
                }
            )
            offset += len(text) + 20
    return pd.DataFrame(rows)


def consensus_frame(codebook: pd.DataFrame, codings=CODINGS, source="agreed") -> pd.DataFrame:
    hierarchy = codebook.set_index("code")
    rows = []
    for unit_id, code in codings:
        tid, turn = unit_id.split(":")
        participant, wave = tid.split("_")
        rows.append(
            {
                "unit_id": unit_id,
                "transcript_id": tid,
                "participant_id": int(participant),
                "wave": int(wave),
                "turn": int(turn),
                "speaker": "participant" if int(turn) % 2 == 0 else "interviewer",
                "code": code,
                "subtheme": hierarchy.at[code, "subtheme"],
                "category": hierarchy.at[code, "category"],
                "source": source if isinstance(source, str) else source[unit_id],
            }
        )
    return pd.DataFrame(rows)


def row(frame: pd.DataFrame, **where) -> pd.Series:
    mask = np.ones(len(frame), dtype=bool)
    for column, value in where.items():
        mask &= (frame[column] == value).to_numpy()
    assert mask.sum() == 1, f"expected one row for {where}, found {mask.sum()}"
    return frame[mask].iloc[0]


# --------------------------------------------------------------------------------------------
# Frequency
# --------------------------------------------------------------------------------------------


def test_frequency_shape_and_order(codebook):
    freq = frequency_by_wave(consensus_frame(codebook), units_frame(), interviews_frame(), codebook)
    assert list(freq.columns) == FREQUENCY_COLUMNS
    # 7 codes + 5 subthemes + 2 categories, each for waves 1, 2, 3, all
    assert len(freq) == 14 * 4
    assert list(freq["wave"][:4]) == [1, 2, 3, "all"]
    assert list(freq.drop_duplicates("level")["level"]) == ["code", "subtheme", "category"]
    subthemes = freq[freq["level"] == "subtheme"]["theme"].drop_duplicates().tolist()
    assert subthemes == [
        "supportive_figures",
        "defined_role",
        "unclear_role",
        "hostility",
        "unsupportive_environment",
    ]


def test_frequency_denominators_with_missing_wave3(codebook):
    freq = frequency_by_wave(consensus_frame(codebook), units_frame(), interviews_frame(), codebook)
    for wave, expected in [(1, 3), (2, 3), (3, 2), ("all", 3)]:
        assert set(freq.loc[freq["wave"] == wave, "n_interviewed"]) == {expected}
    # supportive_figures at wave 3: only 103 (of 101 and 103 interviewed) → 50 %, not 33 %
    sf3 = row(freq, level="subtheme", theme="supportive_figures", wave=3)
    assert (sf3["n_participants"], sf3["n_interviewed"]) == (1, 2)
    assert sf3["pct_participants"] == pytest.approx(50.0)
    # facilitators at wave 3: 101 (defined_role) and 103 (supportive_figures) → 2/2
    fac3 = row(freq, level="category", theme="facilitators", wave=3)
    assert fac3["pct_participants"] == pytest.approx(100.0)


@pytest.mark.parametrize(
    "level, theme, wave, expected",
    [
        # (n_participants, n_transcripts, n_units, n_words, pct)
        ("subtheme", "supportive_figures", 1, (2, 2, 2, 6, 200 / 3)),
        ("subtheme", "supportive_figures", 2, (1, 1, 1, 2, 100 / 3)),
        ("subtheme", "supportive_figures", "all", (3, 4, 4, 12, 100.0)),
        # 101_1:4 carries two unclear_role codes: one unit, its 4 words once
        ("subtheme", "unclear_role", 1, (3, 3, 3, 14, 100.0)),
        ("subtheme", "unclear_role", "all", (3, 5, 5, 24, 100.0)),
        ("subtheme", "defined_role", "all", (1, 1, 1, 2, 100 / 3)),
        ("subtheme", "hostility", "all", (2, 2, 2, 10, 200 / 3)),
        ("code", "role_confusion", "all", (3, 4, 4, 18, 100.0)),
        ("code", "doing_everything", "all", (2, 2, 2, 10, 200 / 3)),
        ("code", "doing_everything", 3, (1, 1, 1, 6, 50.0)),
        ("category", "barriers", 1, (3, 3, 5, 24, 100.0)),
        ("category", "barriers", "all", (3, 5, 7, 34, 100.0)),
        ("category", "facilitators", "all", (3, 5, 5, 14, 100.0)),
    ],
)
def test_frequency_counts_by_hand(codebook, level, theme, wave, expected):
    freq = frequency_by_wave(consensus_frame(codebook), units_frame(), interviews_frame(), codebook)
    got = row(freq, level=level, theme=theme, wave=wave)
    n_participants, n_transcripts, n_units, n_words, pct = expected
    assert got["n_participants"] == n_participants
    assert got["n_transcripts"] == n_transcripts
    assert got["n_units"] == n_units
    assert got["n_words"] == n_words
    assert got["pct_participants"] == pytest.approx(pct)


def test_frequency_zero_rows_for_themes_never_raised(codebook):
    freq = frequency_by_wave(consensus_frame(codebook), units_frame(), interviews_frame(), codebook)
    never = freq[freq["theme"].isin(["unsupportive_environment", "no_space", "peer_partner"])]
    never = never[~((never["theme"] == "peer_partner") & (never["wave"].isin([2, "all"])))]
    assert len(never) == 4 + 4 + 2
    assert (never[["n_participants", "n_transcripts", "n_units", "n_words"]] == 0).all().all()
    assert (never["pct_participants"] == 0).all()
    assert row(freq, level="category", theme="barriers", wave="all")["category"] == "barriers"
    assert row(freq, level="code", theme="no_space", wave=3)["category"] == "barriers"


def test_frequency_with_empty_consensus_is_all_zeros(codebook):
    empty = consensus_frame(codebook).iloc[0:0]
    freq = frequency_by_wave(empty, units_frame(), interviews_frame(), codebook)
    assert len(freq) == 56
    assert freq["n_participants"].sum() == 0
    assert row(freq, level="subtheme", theme="hostility", wave=3)["n_interviewed"] == 2


def test_frequency_scheduled_wave_nobody_recorded_has_empty_pct(codebook):
    rows = [r for r in INTERVIEWS if r[1] < 3] + [(101, 3, False), (102, 3, False), (103, 3, False)]
    codings = [c for c in CODINGS if not c[0].split(":")[0].endswith("_3")]
    freq = frequency_by_wave(
        consensus_frame(codebook, codings), units_frame(), interviews_frame(rows), codebook
    )
    wave3 = freq[freq["wave"] == 3]
    assert len(wave3) == 14
    assert (wave3["n_interviewed"] == 0).all()
    assert wave3["pct_participants"].isna().all()


def test_frequency_unknown_code_is_an_error(codebook):
    bad = consensus_frame(codebook)
    bad.loc[3, "code"] = "not_a_code"
    with pytest.raises(InputError, match="not_a_code.*not in the codebook"):
        frequency_by_wave(bad, units_frame(), interviews_frame(), codebook)


# --------------------------------------------------------------------------------------------
# Participant × theme matrix
# --------------------------------------------------------------------------------------------


def test_participant_theme_matrix(codebook):
    matrix = participant_theme_matrix(consensus_frame(codebook), interviews_frame(), codebook)
    assert list(matrix.columns) == MATRIX_COLUMNS
    # 8 recorded interviews × 5 subthemes; 102 has no wave-3 rows at all
    assert len(matrix) == 40
    assert matrix[(matrix["participant_id"] == 102) & (matrix["wave"] == 3)].empty
    first = matrix[(matrix["participant_id"] == 101) & (matrix["wave"] == 1)]
    assert first["subtheme"].tolist() == [
        "supportive_figures",
        "defined_role",
        "unclear_role",
        "hostility",
        "unsupportive_environment",
    ]
    assert first["n_units"].tolist() == [1, 0, 1, 1, 0]  # two unclear_role codes, one unit
    assert matrix[(matrix["participant_id"] == 103) & (matrix["wave"] == 2)]["n_units"].sum() == 0
    assert row(matrix, participant_id=102, wave=1, subtheme="hostility")["category"] == "barriers"
    assert matrix["n_units"].sum() == 12  # distinct (unit, subtheme) pairs in CODINGS


# --------------------------------------------------------------------------------------------
# Primacy
# --------------------------------------------------------------------------------------------


def test_primacy_with_prompt_by_transcript(codebook):
    by_transcript, _ = primacy(consensus_frame(codebook), units_frame(), codebook, PROMPT)
    assert list(by_transcript.columns) == PRIMACY_BY_TRANSCRIPT_COLUMNS
    got = list(
        by_transcript[["transcript_id", "subtheme", "first_turn", "rank"]].itertuples(
            index=False, name=None
        )
    )
    assert got == [
        # ranks are within a category. supportive_figures at turn 2 comes before the prompt
        # (turn 3): not ranked
        ("101_1", "unclear_role", 4, 1),
        ("101_1", "hostility", 6, 2),
        ("101_2", "unclear_role", 4, 1),
        # 101_3: prompt at turn 5, defined_role at turn 2 → nothing ranked
        # 102_1: supportive_figures (facilitators) and hostility (barriers) both at turn 4:
        # each is first in its own category
        ("102_1", "supportive_figures", 4, 1),
        ("102_1", "hostility", 4, 1),
        ("102_1", "unclear_role", 6, 2),
        # 102_2: the prompt never matches an interviewer turn → skipped
        ("103_1", "unclear_role", 4, 1),
        ("103_3", "supportive_figures", 4, 1),
        ("103_3", "unclear_role", 6, 1),
    ]
    assert by_transcript["category"].tolist()[:2] == ["barriers", "barriers"]
    assert row(by_transcript, transcript_id="103_3", subtheme="unclear_role")["wave"] == 3


def test_primacy_with_prompt_summary(codebook):
    _, summary = primacy(consensus_frame(codebook), units_frame(), codebook, PROMPT)
    assert list(summary.columns) == PRIMACY_COLUMNS
    assert summary["subtheme"].tolist() == [
        "supportive_figures",
        "defined_role",
        "unclear_role",
        "hostility",
        "unsupportive_environment",
    ]
    # 8 recorded transcripts; the prompt is never asked in 102_2
    assert set(summary["prompt_found"]) == {7}
    sf = row(summary, subtheme="supportive_figures")
    assert (sf["n_transcripts"], sf["mean_rank"], sf["median_rank"], sf["n_first"]) == (2, 1, 1, 2)
    ur = row(summary, subtheme="unclear_role")  # ranks 1, 1, 2, 1, 1 among barriers
    assert ur["n_transcripts"] == 5
    assert ur["mean_rank"] == pytest.approx(1.2)
    assert ur["median_rank"] == 1
    assert ur["n_first"] == 4
    ho = row(summary, subtheme="hostility")  # ranks 2, 1
    assert (ho["n_transcripts"], ho["mean_rank"], ho["median_rank"], ho["n_first"]) == (
        2,
        1.5,
        1.5,
        1,
    )
    for never in ("defined_role", "unsupportive_environment"):
        got = row(summary, subtheme=never)
        assert got["n_transcripts"] == 0 and got["n_first"] == 0
        assert math.isnan(got["mean_rank"]) and math.isnan(got["median_rank"])
    assert row(summary, subtheme="hostility")["category"] == "barriers"


@pytest.mark.parametrize("prompt", [None, "", "   "])
def test_primacy_without_prompt_counts_from_the_start(codebook, prompt):
    by_transcript, summary = primacy(consensus_frame(codebook), units_frame(), codebook, prompt)
    ranks = {
        (t, s): r
        for t, s, r in by_transcript[["transcript_id", "subtheme", "rank"]].itertuples(
            index=False, name=None
        )
    }
    assert ranks[("101_1", "supportive_figures")] == 1
    assert ranks[("101_1", "unclear_role")] == 1  # first among barriers
    assert ranks[("101_1", "hostility")] == 2
    assert ranks[("101_3", "defined_role")] == 1
    assert ranks[("102_2", "supportive_figures")] == 1
    assert len(by_transcript) == 12
    assert set(summary["prompt_found"]) == {8}
    sf = row(summary, subtheme="supportive_figures")  # ranks 1, 1, 1, 1
    assert (sf["n_transcripts"], sf["mean_rank"], sf["n_first"]) == (4, 1.0, 4)
    ur = row(summary, subtheme="unclear_role")  # ranks 1, 1, 2, 1, 1
    assert ur["mean_rank"] == pytest.approx(1.2)
    assert ur["median_rank"] == 1
    assert ur["n_first"] == 4
    ho = row(summary, subtheme="hostility")  # ranks 2, 1
    assert ho["mean_rank"] == pytest.approx(1.5) and ho["median_rank"] == pytest.approx(1.5)
    assert row(summary, subtheme="defined_role")["n_transcripts"] == 1


def test_primacy_ties_are_mid_ranks_within_a_category(codebook):
    # 102_1: unclear_role and hostility (both barriers) at turn 4, no_space at turn 6
    codings = [
        ("102_1:4", "role_confusion"),
        ("102_1:4", "dismissive_staff"),
        ("102_1:6", "no_space"),
        ("102_1:6", "supervisor_backing"),
    ]
    by_transcript, summary = primacy(
        consensus_frame(codebook, codings), units_frame(), codebook, PROMPT
    )
    ranks = dict(zip(by_transcript["subtheme"], by_transcript["rank"], strict=True))
    assert ranks == {
        "unclear_role": 1.5,
        "hostility": 1.5,
        "unsupportive_environment": 3.0,
        "supportive_figures": 1.0,  # alone in its category at turn 6: first
    }
    # both tied subthemes count as raised first
    assert row(summary, subtheme="hostility")["n_first"] == 1
    assert row(summary, subtheme="unclear_role")["n_first"] == 1


def test_primacy_per_category_prompts_and_a_category_without_one(codebook):
    units = units_frame()
    # facilitators count from turn 1 (empty prompt), barriers from the challenges question;
    # with a category left out it gets no primacy at all
    prompts = {"facilitators": "", "barriers": PROMPT}
    by_transcript, summary = primacy(consensus_frame(codebook), units, codebook, prompts)
    ranks = {
        (t, s): r
        for t, s, r in by_transcript[["transcript_id", "subtheme", "rank"]].itertuples(
            index=False, name=None
        )
    }
    assert ranks[("101_1", "supportive_figures")] == 1  # turn 2: before the challenge question
    assert ("102_2", "supportive_figures") in ranks  # 102_2 never asked about challenges
    assert not any(t == "102_2" for t, s in ranks if s in ("unclear_role", "hostility"))
    found = summary.set_index("subtheme")["prompt_found"]
    assert found["supportive_figures"] == 8 and found["hostility"] == 7
    only_barriers = {"barriers": PROMPT}
    by_transcript, summary = primacy(consensus_frame(codebook), units, codebook, only_barriers)
    assert set(by_transcript["category"]) == {"barriers"}
    facilitators = summary[summary["category"] == "facilitators"]
    assert facilitators["prompt_found"].isna().all() and facilitators["mean_rank"].isna().all()
    freq = frequency_by_wave(consensus_frame(codebook), units, interviews_frame(), codebook)
    imp = theme_importance(freq, summary, codebook, {"frequency": 1, "primacy": 1})
    sf = row(imp, subtheme="supportive_figures")
    assert math.isnan(sf["primacy"]) and sf["weight_primacy"] == 0 and sf["importance"] == 1.0
    assert row(imp, subtheme="unclear_role")["weight_primacy"] == 0.5
    audit = primacy_prompts(units, category_prompts(only_barriers, ["facilitators", "barriers"]))
    assert list(audit.columns) == PRIMACY_PROMPT_COLUMNS
    assert set(audit["category"]) == {"barriers"} and len(audit) == 8
    missing = audit[~audit["found"]]
    assert missing["transcript_id"].tolist() == ["102_2"] and missing["prompt_text"].eq("").all()
    asked = audit.set_index("transcript_id").loc["101_3"]
    assert asked["prompt_turn"] == 5 and re.search(PROMPT, asked["prompt_text"])
    with pytest.raises(InputError, match="unknown category 'enablers'"):
        primacy(consensus_frame(codebook), units, codebook, {"enablers": PROMPT})


def test_primacy_bad_regex_is_an_input_error(codebook):
    with pytest.raises(InputError, match="primacy_prompt.*not a valid regular expression"):
        primacy(consensus_frame(codebook), units_frame(), codebook, "(unclosed")


def test_trajectories_by_hand(codebook):
    interviews = interviews_frame().assign(
        note=["", "", "", "", "", "Had left the job", "", "", ""]
    )
    traj = trajectories(consensus_frame(codebook), interviews, codebook)
    assert list(traj.columns) == TRAJECTORY_COLUMNS
    # 3 participants × 3 waves × (5 subthemes + 7 codes)
    assert len(traj) == 3 * 3 * (5 + 7)

    def path(person, level, theme):
        rows = traj[
            (traj["participant_id"] == person) & (traj["level"] == level) & (traj["theme"] == theme)
        ]
        return rows["status"].tolist(), rows["change"].tolist(), rows["pattern"].iloc[0]

    assert path(101, "subtheme", "supportive_figures") == (
        ["present", "absent", "absent"],
        ["first", "dropped", "still_absent"],
        "100",
    )
    assert path(101, "subtheme", "unclear_role") == (
        ["present", "present", "absent"],
        ["first", "kept", "dropped"],
        "110",
    )
    assert path(101, "subtheme", "defined_role")[1] == ["first", "still_absent", "gained"]
    # 102 left before wave 3: missing, with the reason from interviews.csv
    status, change, pattern = path(102, "subtheme", "supportive_figures")
    assert (status, change, pattern) == (
        ["present", "present", "missing"],
        ["first", "kept", ""],
        "11.",
    )
    # the subtheme was kept, but its code was not: peer_partner replaced supervisor_backing
    assert path(102, "code", "supervisor_backing")[2] == "10."
    assert path(102, "code", "peer_partner")[2] == "01."
    reasons = traj.loc[traj["status"] == "missing", "missing_reason"].unique().tolist()
    assert reasons == ["not recorded: Had left the job"]
    # change is against the previous recorded wave, skipping a missing one
    unlisted = interviews_frame([r for r in INTERVIEWS if r[:2] != (103, 2)])
    skipped = trajectories(consensus_frame(codebook), unlisted, codebook)
    row = skipped[
        (skipped["participant_id"] == 103)
        & (skipped["theme"] == "supportive_figures")
        & (skipped["level"] == "subtheme")
    ]
    assert row["pattern"].iloc[0] == "0.1" and row["change"].tolist() == ["first", "", "gained"]
    assert row["missing_reason"].iloc[1] == "no interview listed in interviews.csv"


# --------------------------------------------------------------------------------------------
# Importance
# --------------------------------------------------------------------------------------------


def test_rescale_primacy():
    got = rescale_primacy(pd.Series([1.0, 3.0, 5.0, np.nan, 2.0]), 5)
    assert got.tolist() == pytest.approx([1.0, 0.5, 0.0, 0.0, 0.75])
    assert rescale_primacy(pd.Series([1.0, np.nan]), 1).tolist() == [1.0, 0.0]


def test_normalise_weights():
    assert normalise_weights({"frequency": 3, "primacy": 1}) == pytest.approx((0.75, 0.25))
    assert normalise_weights({"frequency": 0.5, "primacy": 0.5}) == pytest.approx((0.5, 0.5))
    assert normalise_weights({"primacy": 2}) == pytest.approx((0.0, 1.0))
    for bad, message in [
        ({"frequency": 1, "primcy": 1}, "unknown importance weight"),
        ({"frequency": -1, "primacy": 1}, "must be a number"),
        ({"frequency": "a lot"}, "must be a number"),
        ({"frequency": 0, "primacy": 0}, "must not all be 0"),
    ]:
        with pytest.raises(InputError, match=message):
            normalise_weights(bad)


def test_importance_by_hand(codebook):
    consensus = consensus_frame(codebook)
    freq = frequency_by_wave(consensus, units_frame(), interviews_frame(), codebook)
    _, summary = primacy(consensus, units_frame(), codebook, PROMPT)
    imp = theme_importance(freq, summary, codebook, {"frequency": 3, "primacy": 1})
    assert list(imp.columns) == IMPORTANCE_COLUMNS
    expected = {
        # subtheme: (frequency, primacy, importance, rank_in_category)
        # primacy is rescaled within the category: 2 facilitators, 3 barriers
        "supportive_figures": (1.0, 1.0, 1.0, 1),
        "defined_role": (1 / 3, 0.0, 0.25, 2),  # never raised after the prompt → primacy 0
        "unclear_role": (1.0, 0.9, 0.75 + 0.25 * 0.9, 1),  # mean rank 1.2 of 3
        "hostility": (2 / 3, 0.75, 0.5 + 0.25 * 0.75, 2),  # mean rank 1.5 of 3
        "unsupportive_environment": (0.0, 0.0, 0.0, 3),
    }
    assert imp["subtheme"].tolist() == list(expected)  # category, then rank
    for subtheme, (f, p, i, r) in expected.items():
        got = row(imp, subtheme=subtheme)
        assert got["frequency"] == pytest.approx(f)
        assert got["primacy"] == pytest.approx(p)
        assert got["importance"] == pytest.approx(i)
        assert got["rank_in_category"] == r
    assert set(imp["weight_frequency"]) == {0.75}
    assert set(imp["weight_primacy"]) == {0.25}


def test_importance_weights_change_the_order_and_ties_share_a_rank(tmp_path):
    tree = {"barriers": {"a_theme": ["code_a"], "b_theme": ["code_b"], "c_theme": ["code_c"]}}
    book = load_codebook(write_codebook(tmp_path / "cb.yaml", tree))
    freq = pd.DataFrame(
        {
            "level": "subtheme",
            "theme": ["a_theme", "b_theme", "c_theme"],
            "wave": "all",
            "n_participants": [2, 4, 4],
            "n_interviewed": 4,
        }
    )
    summary = pd.DataFrame(
        {"subtheme": ["a_theme", "b_theme", "c_theme"], "mean_rank": [1.0, 3.0, 3.0]}
    )
    # primacy: a 1, b 0, c 0; frequency: a 0.5, b 1, c 1
    only_frequency = theme_importance(freq, summary, book, {"frequency": 1, "primacy": 0})
    assert only_frequency["subtheme"].tolist() == ["b_theme", "c_theme", "a_theme"]
    assert only_frequency["rank_in_category"].tolist() == [1, 1, 3]  # b and c tie
    only_primacy = theme_importance(freq, summary, book, {"primacy": 1})
    assert only_primacy["subtheme"].tolist() == ["a_theme", "b_theme", "c_theme"]
    assert only_primacy["rank_in_category"].tolist() == [1, 2, 2]
    balanced = theme_importance(freq, summary, book, {"frequency": 2, "primacy": 2})
    # a: 0.5·0.5 + 0.5·1 = 0.75 ; b, c: 0.5·1 + 0 = 0.5
    assert balanced["importance"].tolist() == pytest.approx([0.75, 0.5, 0.5])
    assert balanced["weight_frequency"].tolist() == [0.5] * 3


def test_importance_missing_subtheme_is_an_error(codebook):
    consensus = consensus_frame(codebook)
    freq = frequency_by_wave(consensus, units_frame(), interviews_frame(), codebook)
    _, summary = primacy(consensus, units_frame(), codebook, PROMPT)
    with pytest.raises(InputError, match="primacy summary has no row for subtheme 'hostility'"):
        theme_importance(
            freq, summary[summary["subtheme"] != "hostility"], codebook, {"frequency": 1}
        )


# --------------------------------------------------------------------------------------------
# Co-occurrence
# --------------------------------------------------------------------------------------------


def test_cooccurrence_by_hand(codebook):
    pairs = cooccurrence(consensus_frame(codebook), codebook)
    assert list(pairs.columns) == COOCCURRENCE_COLUMNS
    assert len(pairs) == 15  # 5 subthemes: 10 pairs + 5 diagonal cells
    assert (pairs["subtheme_a"] <= pairs["subtheme_b"]).all()
    hs = row(pairs, subtheme_a="hostility", subtheme_b="supportive_figures")
    assert (hs["n_units"], hs["n_transcripts"]) == (1, 2)  # unit 102_1:4; 101_1 and 102_1
    assert hs["jaccard_units"] == pytest.approx(1 / 5)  # |{102_1:4}| / |2 + 4 − 1|
    su = row(pairs, subtheme_a="supportive_figures", subtheme_b="unclear_role")
    assert (su["n_units"], su["n_transcripts"], su["jaccard_units"]) == (0, 3, 0.0)
    hu = row(pairs, subtheme_a="hostility", subtheme_b="unclear_role")
    assert (hu["n_units"], hu["n_transcripts"]) == (0, 2)
    diagonal = pairs[pairs["subtheme_a"] == pairs["subtheme_b"]].set_index("subtheme_a")
    assert diagonal["n_units"].to_dict() == {
        "defined_role": 1,
        "hostility": 2,
        "supportive_figures": 4,
        "unclear_role": 5,
        "unsupportive_environment": 0,
    }
    assert diagonal.loc["unclear_role", "n_transcripts"] == 5
    assert diagonal.loc["unclear_role", "jaccard_units"] == 1.0
    assert math.isnan(diagonal.loc["unsupportive_environment", "jaccard_units"])  # 0/0
    ue = row(pairs, subtheme_a="defined_role", subtheme_b="unsupportive_environment")
    assert ue["jaccard_units"] == 0.0


def test_cooccurrence_is_symmetric_and_order_free(codebook):
    consensus = consensus_frame(codebook)
    pairs = cooccurrence(consensus, codebook)
    shuffled = cooccurrence(consensus.sample(frac=1, random_state=3), codebook)
    pd.testing.assert_frame_equal(pairs, shuffled)
    for value in ("n_units", "n_transcripts", "jaccard_units"):
        matrix = cooccurrence_matrix(pairs, value)
        np.testing.assert_array_equal(matrix.to_numpy(), matrix.to_numpy().T)
    order = ["supportive_figures", "unclear_role"]
    small = cooccurrence_matrix(pairs, "n_transcripts", order=order)
    assert small.to_numpy().tolist() == [[4, 3], [3, 5]]


# --------------------------------------------------------------------------------------------
# Exemplars
# --------------------------------------------------------------------------------------------

EX_TREE = {
    "facilitators": {
        "supportive_figures": ["supervisor_backing"],
        "defined_role": ["clear_tasks"],
    },
    "barriers": {"unclear_role": ["role_confusion"], "hostility": ["dismissive_staff"]},
}
# unit: (speaker, text, code, source)
EX_UNITS = {
    "201_1:1": ("interviewer", "supervisor mentoring", "supervisor_backing", "agreed"),
    "201_1:2": ("participant", "ward meetings", "supervisor_backing", "agreed"),
    "201_1:4": ("participant", "supervisor mentoring", "supervisor_backing", "resolved"),
    "201_1:6": ("participant", "clear tasks", "clear_tasks", "resolved"),
    "201_1:8": ("participant", "role confusion", "role_confusion", "agreed"),
    "201_2:2": ("participant", "supervisor mentoring", "supervisor_backing", "agreed"),
    "201_2:4": (
        "participant",
        " ".join(["supervisor mentoring"] * 3),
        "supervisor_backing",
        "agreed",
    ),
    "201_2:6": ("participant", "role confusion", "role_confusion", "agreed"),
}


def exemplar_inputs(tmp_path: Path, exemplars: dict[str, str] | None = None):
    book = load_codebook(write_codebook(tmp_path / "ex.yaml", EX_TREE, exemplars))
    units = []
    for unit_id, (speaker, text, _, _) in EX_UNITS.items():
        tid, turn = unit_id.split(":")
        units.append(
            {
                "unit_id": unit_id,
                "transcript_id": tid,
                "participant_id": 201,
                "wave": int(tid[-1]),
                "turn": int(turn),
                "speaker": speaker,
                "start": 0,
                "end": len(text),
                "text": text,
                "n_words": len(text.split()),
            }
        )
    codings = [(u, code) for u, (_, _, code, _) in EX_UNITS.items()]
    sources = {u: source for u, (_, _, _, source) in EX_UNITS.items()}
    return consensus_frame(book, codings, sources), pd.DataFrame(units), book


def test_exemplar_rule_by_hand(tmp_path):
    consensus, units, book = exemplar_inputs(tmp_path)
    every = choose_exemplars(consensus, units, book, min_words=2, max_words=5)
    assert list(every.columns) == EXEMPLAR_COLUMNS
    assert every["subtheme"].drop_duplicates().tolist() == list(book["subtheme"].drop_duplicates())
    # both candidates of supportive_figures are quoted, the more typical first
    sf_rows = every[every["subtheme"] == "supportive_figures"]
    assert sf_rows["unit_id"].tolist() == ["201_2:2", "201_1:2"]
    assert sf_rows["rank"].tolist() == [1, 2]
    ex = every.drop_duplicates("subtheme")  # rank 1 of each subtheme
    sf = row(ex, subtheme="supportive_figures")
    # Candidates: 201_1:2 and 201_2:2 only (201_1:1 is the interviewer, 201_1:4 was resolved
    # rather than agreed, 201_2:4 has 6 words). With s = "supervisor mentoring" and w = "ward
    # meetings" (orthogonal unit vectors), the others of 201_2:2 sum to w + 3s:
    # cos = 3/√10; the others of 201_1:2 sum to 4s: cos = 0.
    assert sf["unit_id"] == "201_2:2"
    assert sf["score"] == pytest.approx(3 / math.sqrt(10))
    assert sf["rule"] == "tfidf"
    assert (sf["participant_id"], sf["wave"], sf["attribution"]) == (201, 2, "201_2")
    assert (sf["quote"], sf["n_words"], sf["category"]) == (
        "supervisor mentoring",
        2,
        "facilitators",
    )
    # defined_role: its only unit was resolved, not agreed → no quote, and the reason (the
    # length and agreement rules are never relaxed)
    dr = row(ex, subtheme="defined_role")
    assert (dr["unit_id"], dr["rule"], dr["quote"]) == ("", "none", "")
    assert dr["reason"] == "no agreed participant turn of 2–5 words"
    # unclear_role: two identical texts tie at cos = 1 → the earlier unit (wave 1) wins
    ur = row(ex, subtheme="unclear_role")
    assert (ur["unit_id"], ur["attribution"], ur["rule"]) == ("201_1:8", "201", "tfidf")
    assert ur["score"] == pytest.approx(1.0)
    # hostility was never coded: listed, not dropped
    ho = row(ex, subtheme="hostility")
    assert (ho["rule"], ho["unit_id"], ho["quote"], ho["reason"]) == ("none", "", "", "never coded")
    assert pd.isna(ho["participant_id"])


def test_exemplar_word_limits_change_the_candidates(tmp_path):
    consensus, units, book = exemplar_inputs(tmp_path)
    # max_words 6 admits 201_2:4 (6 words): its others sum to w + 3s as well → tie with
    # 201_2:2 at 3/√10, which is earlier in wave 2 → still 201_2:2
    ex = choose_exemplars(consensus, units, book, min_words=2, max_words=6)
    assert row(ex.drop_duplicates("subtheme"), subtheme="supportive_figures")["unit_id"] == (
        "201_2:2"
    )
    # min_words 3 leaves only the 6-word unit
    ex = choose_exemplars(consensus, units, book, min_words=3, max_words=6)
    sf = row(ex, subtheme="supportive_figures")
    assert (sf["unit_id"], sf["rule"], sf["n_words"]) == ("201_2:4", "tfidf", 6)
    # nothing fits 10–20 words → no quote at all, never a shorter one
    ex = choose_exemplars(consensus, units, book, min_words=10, max_words=20)
    assert ex["rule"].tolist() == ["none"] * 4 and ex["quote"].eq("").all()
    assert ex["reason"].tolist()[:3] == ["no agreed participant turn of 10–20 words"] * 3


def test_exemplar_codebook_override(tmp_path):
    consensus, units, book = exemplar_inputs(tmp_path, {"unclear_role": "201_2:6"})
    ex = choose_exemplars(consensus, units, book, min_words=2, max_words=5)
    ur = row(ex, subtheme="unclear_role")
    assert (ur["unit_id"], ur["rule"], ur["attribution"]) == ("201_2:6", "codebook", "201_2")
    assert ur["score"] == pytest.approx(1.0)
    assert set(ex.loc[ex["subtheme"] == "supportive_figures", "rule"]) == {"tfidf"}


def test_exemplars_spread_over_participants_and_waves_and_avoid_mixed_units(tmp_path):
    book = load_codebook(write_codebook(tmp_path / "cb.yaml", CODEBOOK))
    same = "my supervisor backed me every single time"
    ids = ["301_1:2", "301_2:2", "301_3:2", "302_1:2", "302_2:2"]
    codings = [(u, "supervisor_backing") for u in ids] + [("301_1:2", "role_confusion")]
    consensus = consensus_frame(book, codings)
    units = pd.DataFrame(
        [
            {
                "unit_id": u,
                "transcript_id": u.split(":")[0],
                "participant_id": int(u[:3]),
                "wave": int(u[4]),
                "turn": 2,
                "speaker": "participant",
                "text": same,
                "n_words": 7,
            }
            for u in ids
        ]
    )
    ex = choose_exemplars(consensus, units, book, min_words=5, max_words=10)
    sf = ex[ex["subtheme"] == "supportive_figures"]
    # all equally typical: 301 at wave 2 first (earliest unit that is not also a barrier),
    # then the other participant at a new wave, then a third wave; 301_1:2, also coded
    # role_confusion (a barrier), is never chosen while a clean unit is left
    assert sf["unit_id"].tolist() == ["301_2:2", "302_1:2", "301_3:2"]
    assert sf["wave"].nunique() == 3 and sf["participant_id"].nunique() == 2
    # the barrier subtheme may use the mixed unit: it is its only candidate
    ur = row(ex, subtheme="unclear_role")
    assert (ur["unit_id"], ur["reason"]) == ("301_1:2", "also coded facilitators")
    # pins override the rule
    pins = pd.DataFrame({"unit_id": ["302_2:2"], "subtheme": ["supportive_figures"]})
    pinned = choose_exemplars(consensus, units, book, min_words=5, max_words=10, pins=pins)
    sf = pinned[pinned["subtheme"] == "supportive_figures"]
    assert sf[["unit_id", "rule", "rank"]].values.tolist() == [["302_2:2", "pinned", 1]]


def test_read_pins_checks_units_and_subthemes(tmp_path, codebook):
    units = units_frame()
    assert read_pins(None, units, codebook).empty
    assert read_pins(tmp_path / "absent.csv", units, codebook).empty
    path = tmp_path / "quotes.csv"
    path.write_text("unit_id,subtheme\n101_1:2,supportive_figures\n101_1:4,nope\n")
    with pytest.raises(InputError, match="subtheme 'nope' is not in the codebook") as err:
        read_pins(path, units, codebook)
    assert err.value.row == 3
    path.write_text("unit_id,subtheme\n101_1:2,supportive_figures\n")
    assert read_pins(path, units, codebook).values.tolist() == [["101_1:2", "supportive_figures"]]


def test_exemplar_override_naming_a_missing_unit_is_an_error(tmp_path):
    consensus, units, book = exemplar_inputs(tmp_path, {"unclear_role": "201_9:6"})
    with pytest.raises(InputError, match="exemplar '201_9:6' of subtheme 'unclear_role'"):
        choose_exemplars(consensus, units, book, min_words=2, max_words=5)


def test_exemplars_are_deterministic_and_order_free(tmp_path):
    consensus, units, book = exemplar_inputs(tmp_path)
    first = choose_exemplars(consensus, units, book, min_words=2, max_words=5)
    again = choose_exemplars(consensus, units, book, min_words=2, max_words=5)
    shuffled = choose_exemplars(
        consensus.sample(frac=1, random_state=7),
        units.sample(frac=1, random_state=11),
        book,
        min_words=2,
        max_words=5,
    )
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, shuffled)


def test_attribution():
    assert attribution(50004, 1) == "50004"
    assert attribution(50004, 2) == "50004_2"
    assert attribution(50004, 3) == "50004_3"


# --------------------------------------------------------------------------------------------
# Stage entry
# --------------------------------------------------------------------------------------------


def write_study(tmp_path: Path, exemplars: dict[str, str] | None = None) -> dict[str, Path]:
    book_path = write_codebook(tmp_path / "codebook.yaml", CODEBOOK, exemplars)
    book = load_codebook(book_path)
    interviews = pd.DataFrame(
        {
            "participant_id": [p for p, _, _ in INTERVIEWS],
            "wave": [w for _, w, _ in INTERVIEWS],
            "date": "2019-04-01",
            "duration_min": [45 if r else "" for _, _, r in INTERVIEWS],
            "recorded": ["yes" if r else "no" for _, _, r in INTERVIEWS],
            "transcript_file": [f"{p}_{w}.txt" if r else "" for p, w, r in INTERVIEWS],
            "note": "",
        }
    )
    paths = {
        "consensus_csv": tmp_path / "consensus.csv",
        "units_csv": tmp_path / "units.csv",
        "interviews_csv": tmp_path / "interviews.csv",
        "codebook_yaml": book_path,
    }
    consensus_frame(book).to_csv(paths["consensus_csv"], index=False)
    units_frame().to_csv(paths["units_csv"], index=False)
    interviews.to_csv(paths["interviews_csv"], index=False)
    return paths


#: The themes rule's outputs (workflow/rules/themes.smk), by name.
OUTPUT_FILES = {
    "frequency": "theme_frequency_by_wave.csv",
    "matrix": "participant_theme_matrix.csv",
    "primacy_by_transcript": "primacy_by_transcript.csv",
    "primacy": "primacy.csv",
    "importance": "theme_importance.csv",
    "cooccurrence": "cooccurrence.csv",
    "exemplars": "exemplars.csv",
    "primacy_prompts": "primacy_prompts.csv",
    "trajectories": "trajectories.csv",
}
QUOTE_BANK = "quote_bank.xlsx"


def theme_outputs(folder: Path) -> dict[str, Path]:
    return {key: folder / name for key, name in OUTPUT_FILES.items()}


def write_quote_bank(paths: dict[str, Path], out_dir: Path) -> Path:
    """The quote bank stage on the themes stage's exemplars, with one coder's codings."""
    codings = out_dir.parent / "coder_a.csv"
    consensus = pd.read_csv(paths["consensus_csv"], dtype=str)
    consensus[["unit_id", "code"]].assign(memo="check wording").to_csv(codings, index=False)
    run_quote_bank(
        **paths,
        exemplars_csv=out_dir / OUTPUT_FILES["exemplars"],
        codings_csv={"coder_a": codings},
        output=out_dir / QUOTE_BANK,
    )
    return out_dir / QUOTE_BANK


def run(paths: dict[str, Path], out_dir: Path) -> None:
    run_themes(
        **paths,
        outputs=theme_outputs(out_dir),
        primacy_prompt=PROMPT,
        weights={"frequency": 0.5, "primacy": 0.5},
        min_words=2,
        max_words=80,
    )


def test_run_themes_writes_every_table_and_is_byte_identical(tmp_path, caplog):
    paths = write_study(tmp_path)
    with caplog.at_level("INFO", logger="qualflow.themes"):
        run(paths, tmp_path / "out1")
    assert "barriers primacy prompt found in 7 of 8 transcripts" in caplog.text
    assert "1 transcript(s) never asked the barriers primacy prompt" in caplog.text
    run(paths, tmp_path / "out2")
    banks = [write_quote_bank(paths, tmp_path / f"out{n}") for n in (1, 2)]
    columns = {
        "frequency": FREQUENCY_COLUMNS,
        "matrix": MATRIX_COLUMNS,
        "primacy_by_transcript": PRIMACY_BY_TRANSCRIPT_COLUMNS,
        "primacy": PRIMACY_COLUMNS,
        "importance": IMPORTANCE_COLUMNS,
        "cooccurrence": COOCCURRENCE_COLUMNS,
        "exemplars": EXEMPLAR_COLUMNS,
        "primacy_prompts": PRIMACY_PROMPT_COLUMNS,
        "trajectories": TRAJECTORY_COLUMNS,
    }
    written = sorted(p.name for p in (tmp_path / "out1").iterdir())
    assert written == sorted([*OUTPUT_FILES.values(), QUOTE_BANK])
    for key, name in OUTPUT_FILES.items():
        first = (tmp_path / "out1" / name).read_bytes()
        assert first == (tmp_path / "out2" / name).read_bytes(), name
        assert first.decode("utf-8").splitlines()[0] == ",".join(columns[key])
    assert banks[0].read_bytes() == banks[1].read_bytes()
    sheet = openpyxl.load_workbook(banks[0]).active
    header = [c.value for c in sheet[1]]
    assert sheet.auto_filter.ref == f"A1:{get_column_letter(len(header))}{sheet.max_row}"
    assert sheet.freeze_panes == "A2"
    assert {"id_wave", "n_words", "consensus_codes", "text", "exemplar_rank"} <= set(header)
    rows = [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(2)]
    assert {row["coder_a_memos"] for row in rows} == {"check wording"}
    exemplar_units = pd.read_csv(tmp_path / "out1" / OUTPUT_FILES["exemplars"], dtype=str)
    ranked = {(r["subtheme"], r["unit_id"]): r["exemplar_rank"] for r in rows if r["exemplar_rank"]}
    chosen = exemplar_units.dropna(subset=["unit_id"])
    assert ranked and ranked == {
        (row.subtheme, row.unit_id): int(row.rank) for row in chosen.itertuples()
    }
    consensus = pd.read_csv(paths["consensus_csv"])
    expected = consensus[["unit_id", "subtheme"]].drop_duplicates()
    assert sheet.max_row - 1 == len(expected)  # every consensus unit per subtheme
    freq = pd.read_csv(tmp_path / "out1" / OUTPUT_FILES["frequency"], dtype={"wave": str})
    sf3 = freq[(freq["theme"] == "supportive_figures") & (freq["wave"] == "3")].iloc[0]
    assert (sf3["n_participants"], sf3["n_interviewed"], sf3["pct_participants"]) == (1, 2, 50.0)
    primacy_csv = pd.read_csv(tmp_path / "out1" / OUTPUT_FILES["primacy"])
    assert set(primacy_csv["prompt_found"]) == {7}
    exemplars = pd.read_csv(tmp_path / "out1" / OUTPUT_FILES["exemplars"], dtype=str)
    assert exemplars.loc[exemplars["subtheme"] == "defined_role", "attribution"].item() == "101_3"


@pytest.mark.parametrize(
    "target, edit, message",
    [
        (
            "consensus_csv",
            lambda f: f.assign(code=f["code"].where(f.index != 4, "typo")),
            "row 6.*'typo' is not in the codebook",
        ),
        (
            "consensus_csv",
            lambda f: f.assign(subtheme=f["subtheme"].where(f.index != 0, "hostility")),
            "row 2.*subtheme 'hostility' but the codebook says 'supportive_figures'",
        ),
        (
            "consensus_csv",
            lambda f: f.assign(unit_id=f["unit_id"].where(f.index != 2, "101_1:99")),
            "row 4.*'101_1:99' is not in units.csv",
        ),
        (
            "consensus_csv",
            lambda f: f.assign(transcript_id=f["transcript_id"].where(f.index != 1, "101_2")),
            "row 3.*belongs to transcript '101_1', not '101_2'",
        ),
        (
            "consensus_csv",
            lambda f: f.assign(turn=f["turn"].astype(str).where(f.index != 0, "two")),
            "row 2.*turn must be a whole number",
        ),
        ("units_csv", lambda f: f.drop(columns=["n_words"]), "line 1.*missing column"),
        (
            "units_csv",
            lambda f: pd.concat([f, f.iloc[[3]]], ignore_index=True),
            "row 50.*listed twice",
        ),
    ],
)
def test_run_themes_bad_input_names_file_and_row_and_writes_nothing(
    tmp_path, target, edit, message
):
    paths = write_study(tmp_path)
    frame = pd.read_csv(paths[target], dtype=str, keep_default_na=False)
    edit(frame).to_csv(paths[target], index=False)
    out_dir = tmp_path / "out"
    with pytest.raises(InputError, match=message) as caught:
        run(paths, out_dir)
    assert caught.value.file == str(paths[target])
    assert not out_dir.exists() or not any(out_dir.iterdir())


def test_run_themes_transcript_not_recorded_is_an_error(tmp_path):
    paths = write_study(tmp_path)
    interviews = pd.read_csv(paths["interviews_csv"], dtype=str, keep_default_na=False)
    interviews.loc[
        interviews["participant_id"].eq("103") & interviews["wave"].eq("3"),
        ["recorded", "transcript_file"],
    ] = ["no", ""]
    interviews.to_csv(paths["interviews_csv"], index=False)
    with pytest.raises(InputError, match=r"row 13.*'103_3' is not a recorded interview"):
        run(paths, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_run_themes_bad_exemplar_names_the_codebook(tmp_path):
    paths = write_study(tmp_path, {"hostility": "999_1:1"})
    with pytest.raises(InputError, match="'999_1:1' of subtheme 'hostility'") as caught:
        run(paths, tmp_path / "out")
    assert caught.value.file == str(paths["codebook_yaml"])
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_run_themes_with_no_codings_writes_zero_tables(tmp_path):
    paths = write_study(tmp_path)
    pd.read_csv(paths["consensus_csv"]).iloc[0:0].to_csv(paths["consensus_csv"], index=False)
    out_dir = tmp_path / "out"
    run_themes(
        **paths,
        outputs=theme_outputs(out_dir),
        primacy_prompt=None,
        weights={"frequency": 1, "primacy": 1},
        min_words=2,
        max_words=80,
    )
    freq = pd.read_csv(out_dir / OUTPUT_FILES["frequency"])
    assert len(freq) == 56 and freq["n_participants"].sum() == 0
    assert pd.read_csv(out_dir / OUTPUT_FILES["primacy_by_transcript"]).empty
    summary = pd.read_csv(out_dir / OUTPUT_FILES["primacy"])
    assert set(summary["prompt_found"]) == {8}  # no prompt: every transcript from its start
    assert set(pd.read_csv(out_dir / OUTPUT_FILES["exemplars"])["rule"]) == {"none"}
    importance = pd.read_csv(out_dir / OUTPUT_FILES["importance"])
    assert (importance["importance"] == 0).all() and (importance["rank_in_category"] == 1).all()
