"""Codebook changes as data (qualflow.codebook.changes); codings bound to their text
(qualflow.codings.textlock).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from qualflow.codebook.changes import CodeHistory, parse_changes, with_old_names
from qualflow.codebook.read import codebook_structure, load_codebook, load_history
from qualflow.codings.read import read_coder
from qualflow.codings.textlock import anchor, lock_rows
from qualflow.errors import InputError
from qualflow.reconcile.resolutions import apply_changes_to_resolutions

CODES = ["a_new", "b", "c1", "c2", "d"]


def history(*entries: dict) -> CodeHistory:
    return CodeHistory(CODES, parse_changes(list(entries), CODES, "codebook.yaml"))


# --- the change log --------------------------------------------------------------------------


def test_rename_merge_split_retire_fates():
    h = history(
        {"rename": "a", "to": "a_new"},
        {"merge": ["b_old", "b_older"], "into": "b"},
        {"split": "c", "into": ["c1", "c2"]},
        {"retire": "x"},
    )
    t = h.translate(pd.Series(["a", "b_old", "b_older", "c", "x", "d", "zzz"]))
    assert list(t["code"]) == ["a_new", "b", "b", "", "", "d", ""]
    assert list(t["fate"]) == [
        "renamed",
        "merged",
        "merged",
        "split",
        "retired",
        "current",
        "unknown",
    ]
    assert list(t["change"]) == [1, 2, 2, 3, 4, 0, 0]
    assert t["into"].iloc[3] == "c1;c2"


def test_renames_chain_to_the_current_code():
    h = history({"rename": "a0", "to": "a1"}, {"rename": "a1", "to": "a_new"})
    assert h.fate("a0").codes == ("a_new",)
    assert h.fate("a1").kind == "renamed"


def test_merged_into_a_code_later_retired_is_retired():
    h = history({"merge": ["m"], "into": "q"}, {"retire": "q"})
    assert h.fate("m").kind == "retired"


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"rename": "b", "to": "a_new"}], "'b' is still a code"),
        ([{"rename": "a", "to": "nowhere"}], "target 'nowhere' is not a code"),
        ([{"rename": "a", "to": "b"}, {"rename": "a", "to": "d"}], "already changed by change 1"),
        ([{"rename": "p", "to": "q"}, {"rename": "q", "to": "p"}], "was itself changed"),
        ([{"split": "c", "into": ["c1"]}], "at least two codes"),
        ([{"rename": "a", "into": "b"}], "unknown key"),
        ([{"rename": "a", "to": "b", "merge": ["x"]}], "exactly one of"),
        ([{"retire": "a", "to": "b"}], "unknown key"),
        (["rename a"], "must be a mapping"),
    ],
)
def test_bad_changes_stop_with_the_line(entries, message):
    with pytest.raises(InputError, match=message) as err:
        parse_changes(entries, CODES, "codebook.yaml", lines=[7] * len(entries))
    assert "line 7" in str(err.value)


def test_codebook_file_changes_validated_with_their_line(tmp_path):
    book = yaml.safe_load((Path(__file__).parents[1] / "data/codebook.yaml").read_text())
    book["changes"] = [{"date": "2020-02-03", "rename": "peer_partner", "to": "nowhere"}]
    path = tmp_path / "codebook.yaml"
    path.write_text(yaml.safe_dump(book, sort_keys=False))
    line = path.read_text().splitlines().index("changes:") + 2
    with pytest.raises(InputError, match=f"line {line}"):
        codebook_structure(path)


def test_structure_leaves_out_labels_and_definitions(tmp_path):
    source = Path(__file__).parents[1] / "data/codebook.yaml"
    edited = tmp_path / "codebook.yaml"
    edited.write_text(source.read_text().replace("definition: The PSS", "definition: The person"))
    assert codebook_structure(source) | {"_source": ""} == codebook_structure(edited) | {
        "_source": ""
    }
    assert list(load_codebook(codebook_structure(source))["code"]) == list(
        load_codebook(source)["code"]
    )


def test_old_names_accepted_and_placed_under_their_new_code():
    book = pd.DataFrame(
        {
            "code": CODES,
            "code_label": CODES,
            "subtheme": ["s1", "s1", "s2", "s2", "s3"],
            "category": "k",
            "definition": "",
        }
    )
    h = history({"rename": "a", "to": "a_new"}, {"split": "c", "into": ["c1", "c2"]})
    accepted = with_old_names(book, h)
    old = accepted.set_index("code").loc[["a", "c"]]
    assert list(old["subtheme"]) == ["s1", "s2"]
    assert list(old["now"]) == ["a_new", "c1;c2"]


# --- resolutions through the log -------------------------------------------------------------


def resolutions(*rows):
    frame = pd.DataFrame(rows, columns=["unit_id", "code", "decision"])
    return frame.assign(rationale="", decided_by="", date="", row=range(2, 2 + len(frame)))


def test_merge_conflicts_are_all_listed_and_left_undecided():
    h = history({"merge": ["b_old"], "into": "b"}, {"retire": "x"})
    frame = resolutions(
        ("t:1", "b", "include"),
        ("t:1", "b_old", "exclude"),  # conflict
        ("t:2", "b", "include"),
        ("t:2", "b_old", "include"),  # agree: carried once
        ("t:3", "b_old", "exclude"),
        ("t:4", "b", "exclude"),
        ("t:4", "b_old", "include"),  # conflict
        ("t:5", "x", "include"),  # retired
    )
    kept, notes = apply_changes_to_resolutions(frame, h)
    assert set(zip(kept["unit_id"], kept["code"], kept["decision"], strict=True)) == {
        ("t:2", "b", "include"),
        ("t:3", "b", "exclude"),
    }
    conflicts = notes[notes["kind"] == "resolution_merge_conflict"]
    assert list(conflicts["unit_id"]) == ["t:1", "t:4"]
    assert list(notes.loc[notes["kind"] == "resolution_code_changed", "code"]) == ["x"]


# --- the text lock ---------------------------------------------------------------------------


def units_of(tid: str, turns: list[tuple[str, str]]) -> tuple[pd.DataFrame, str]:
    """units.csv rows and the cleaned text for (speaker, text) turns."""
    text, rows = "", []
    for i, (speaker, said) in enumerate(turns, start=1):
        label = "Interviewer: " if speaker == "interviewer" else "Participant: "
        start = len(text) + len(label)
        text += label + said + "\n\n"
        rows.append(
            {
                "unit_id": f"{tid}:{i}",
                "transcript_id": tid,
                "participant_id": int(tid.split("_")[0]),
                "wave": int(tid.split("_")[1]),
                "turn": i,
                "speaker": speaker,
                "start": start,
                "end": start + len(said),
                "text": said,
                "n_words": len(said.split()),
            }
        )
    return pd.DataFrame(rows), text


TURNS = [
    ("interviewer", "How was the week?"),
    ("participant", "Busy with the groups on the ward."),
    ("interviewer", "Tell me about your supervisor."),
    ("participant", "Dr Tan backs me up when it matters."),
    ("participant", "And the nurses bring me to new patients."),
]


def test_unchanged_text_moves_nothing():
    units, text = units_of("50001_1", TURNS)
    a = anchor(lock_rows(units, {"50001_1": text}), units)
    assert a.moves.empty


def test_a_changed_and_an_inserted_turn_are_carried():
    old_units, old_text = units_of("50001_1", TURNS)
    lock = lock_rows(old_units, {"50001_1": old_text})
    turns = list(TURNS)
    turns[3] = ("participant", "[STAFF_1] backs me up when it matters.")  # a redaction
    turns.insert(1, ("participant", "Fine, thanks."))  # a new turn early on
    units, _ = units_of("50001_1", turns)
    a = anchor(lock, units)
    moves = a.moves.set_index("coded_unit_id")
    assert moves.loc["50001_1:4", "unit_id"] == "50001_1:5"
    assert moves.loc["50001_1:4", "change"] == "text_changed"
    assert moves.loc["50001_1:5", ["unit_id", "change"]].tolist() == ["50001_1:6", "moved"]
    pairs = pd.DataFrame({"unit_id": ["50001_1:4", "50001_1:2"], "code": ["x", "y"]})
    carried, report = a.carry(pairs)
    assert list(carried["unit_id"]) == ["50001_1:5", "50001_1:3"]
    assert set(report["change"]) == {"text_changed", "moved"}


def test_spans_are_read_on_the_locked_text(tmp_path):
    """A span coded before a sentence was inserted still codes the turn it was made on."""
    old_units, old_text = units_of("50001_1", TURNS)
    lock = lock_rows(old_units, {"50001_1": old_text})
    turns = list(TURNS)
    turns[1] = ("participant", "Busy with the groups on the ward, and a long meeting too.")
    units, text = units_of("50001_1", turns)
    clean = tmp_path / "clean"
    clean.mkdir()
    (clean / "50001_1.txt").write_text(text)
    target = old_units.iloc[3]  # the supervisor turn, after the edit in the old text
    csv = tmp_path / "coder_a.csv"
    pd.DataFrame(
        {
            "coder": ["coder_a"],
            "transcript_id": ["50001_1"],
            "code": ["b"],
            "start": [target["start"]],
            "end": [target["end"]],
        }
    ).to_csv(csv, index=False)
    book = pd.DataFrame(
        {"code": CODES, "code_label": CODES, "subtheme": "s", "category": "k", "definition": ""}
    )
    result = read_coder([csv], "coder_a", book, units, clean, anchoring=anchor(lock, units))
    assert list(result.codings["unit_id"]) == ["50001_1:4"]
    without_lock = read_coder([csv], "coder_a", book, units, clean)
    assert list(without_lock.codings["unit_id"]) != ["50001_1:4"]  # what the lock prevents


def test_demo_lock_matches_the_demo_study():
    root = Path(__file__).parents[1]
    lock = pd.read_csv(root / "data/text_lock.csv", dtype={"transcript_id": str})
    interviews = pd.read_csv(root / "data/interviews.csv")
    recorded = interviews[interviews["recorded"] == "yes"]
    expected = {
        f"{p}_{w}" for p, w in zip(recorded["participant_id"], recorded["wave"], strict=True)
    }
    assert set(lock["transcript_id"]) == expected
    assert load_history(root / "data/codebook.yaml").changes == []
