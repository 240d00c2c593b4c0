"""Two-coder reconciliation: disagreements, resolutions, consensus and its status."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from qualflow.codebook.read import load_codebook
from qualflow.contracts import CONSENSUS_COLUMNS, CONSENSUS_STATUS_COLUMNS
from qualflow.errors import InputError
from qualflow.reconcile.consensus import build_consensus
from qualflow.reconcile.disagreements import find_disagreements
from qualflow.reconcile.resolutions import read_resolutions
from qualflow.reconcile.run import run_consensus, run_disagreements
from qualflow.sheets import formula_safe

CODEBOOK_YAML = """\
categories:
  - name: facilitators
    label: Facilitators
    subthemes:
      - name: supportive_figures
        codes:
          - name: supervisor_backing
            definition: A manager speaks up for the specialist's work.
          - name: peer_network
            definition: Other specialists help each other.
  - name: barriers
    label: Barriers
    subthemes:
      - name: unclear_role
        codes:
          - name: role_confusion
            definition: Nobody knows what the specialist is meant to do.
          - name: task_drift
            definition: The specialist is given unrelated chores.
"""

NAMES = ("ann", "bo")

# transcript -> utterances; odd turns interviewer, even turns participant
TURNS = {
    "50001_1": [
        "How did it start?",
        "My manager stood up for me.",
        "Anything else?",
        "=SUM(A1:A9) is what the rota looked like",
        "Go on.",
        "-- well, nobody knew my job.",
        "And then?",
        "I sorted post all week.",
        "What helped?",
        "@team chats with other peers.",
        "Thanks.",
        "+1 for the peer group.",
    ],
    "50001_2": ["Since then?", "The role is clearer.", "Who helps?", "Other peers."],
    "50002_1": ["Your ward?", "They send me on errands.", "Why?", "No one explained my role."],
}


def make_units() -> pd.DataFrame:
    rows = []
    for tid, utterances in TURNS.items():
        participant, wave = (int(x) for x in tid.split("_"))
        pos = 0
        for turn, text in enumerate(utterances, start=1):
            speaker = "interviewer" if turn % 2 else "participant"
            pos += len(speaker) + 4
            rows.append(
                {
                    "unit_id": f"{tid}:{turn}",
                    "transcript_id": tid,
                    "participant_id": participant,
                    "wave": wave,
                    "turn": turn,
                    "speaker": speaker,
                    "start": pos,
                    "end": pos + len(text),
                    "text": text,
                    "n_words": len(text.split()),
                }
            )
            pos += len(text)
    return pd.DataFrame(rows)


def codings(coder: str, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(coder, u, u.split(":")[0], c, "") for u, c in pairs],
        columns=["coder", "unit_id", "transcript_id", "code", "memo"],
    )


# 50001_1 and 50001_2 are double-coded; 50002_1 is coded by bo only.
A = codings(
    "ann",
    [
        ("50001_1:2", "supervisor_backing"),  # agreed
        ("50001_1:4", "task_drift"),  # ann only
        ("50001_1:6", "role_confusion"),  # agreed
        ("50001_1:10", "peer_network"),  # ann only
        ("50001_1:12", "peer_network"),  # agreed
        ("50001_1:3", "role_confusion"),  # interviewer turn: not analysed
        ("50001_2:2", "role_confusion"),  # ann only
    ],
)
B = codings(
    "bo",
    [
        ("50001_1:2", "supervisor_backing"),
        ("50001_1:6", "role_confusion"),
        ("50001_1:6", "task_drift"),  # bo only
        ("50001_1:12", "peer_network"),
        ("50001_2:4", "peer_network"),  # bo only
        ("50002_1:2", "task_drift"),  # single coder
        ("50002_1:4", "role_confusion"),  # single coder
    ],
)
DISAGREEMENTS = [
    ("50001_1:4", "task_drift", 1, 0),
    ("50001_1:6", "task_drift", 0, 1),
    ("50001_1:10", "peer_network", 1, 0),
    ("50001_2:2", "role_confusion", 1, 0),
    ("50001_2:4", "peer_network", 0, 1),
]


@pytest.fixture
def codebook(tmp_path: Path) -> pd.DataFrame:
    path = tmp_path / "codebook.yaml"
    path.write_text(CODEBOOK_YAML, encoding="utf-8")
    return load_codebook(path)


@pytest.fixture
def units() -> pd.DataFrame:
    return make_units()


def resolutions(rows: list[tuple[str, str, str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [(u, c, d, "because", "ann; bo", "2024-05-01", i + 2) for i, (u, c, d) in enumerate(rows)],
        columns=["unit_id", "code", "decision", "rationale", "decided_by", "date", "row"],
    )


ALL_DECIDED = resolutions(
    [
        ("50001_1:4", "task_drift", "include"),
        ("50001_1:6", "task_drift", "exclude"),
        ("50001_1:10", "peer_network", "include"),
        ("50001_2:2", "role_confusion", "exclude"),
        ("50001_2:4", "peer_network", "include"),
    ]
)


def status_counts(status: pd.DataFrame) -> dict[str, int]:
    totals = status[status["count"].notna()]
    return dict(zip(totals["kind"], totals["count"].astype(int), strict=True))


def keyed(frame: pd.DataFrame) -> dict[tuple[str, str], str]:
    return {
        (u, c): s for u, c, s in zip(frame["unit_id"], frame["code"], frame["source"], strict=True)
    }


# ---------------------------------------------------------------------------------------------
# Disagreements
# ---------------------------------------------------------------------------------------------


def test_disagreements_only_in_double_coded_transcripts_and_analysed_turns(units, codebook):
    table = find_disagreements(A, B, units, codebook, NAMES)
    assert list(table.columns) == [
        "transcript_id",
        "turn",
        "unit_id",
        "speaker",
        "code",
        "subtheme",
        "previous_text",
        "text",
        "ann",
        "bo",
        "decision",
        "rationale",
    ]
    got = list(zip(table["unit_id"], table["code"], table["ann"], table["bo"], strict=True))
    assert got == DISAGREEMENTS  # meeting order: participant, wave, turn (10 after 6), code
    assert set(table["speaker"]) == {"participant"}
    assert "50002_1" not in set(table["transcript_id"])  # coded by bo only
    row = table.set_index(["unit_id", "code"]).loc[("50001_1:6", "task_drift")]
    assert row["previous_text"] == "Go on."
    assert row["text"] == "-- well, nobody knew my job."
    assert row["subtheme"] == "unclear_role"
    assert row["turn"] == 6
    assert (table["decision"] == "").all() and (table["rationale"] == "").all()


def test_disagreements_with_interviewer_turns_analysed(units, codebook):
    table = find_disagreements(
        A, B, units, codebook, NAMES, speakers=("interviewer", "participant")
    )
    assert ("50001_1:3", "role_confusion") in set(zip(table["unit_id"], table["code"], strict=True))
    first = table.iloc[0]
    assert (
        first["unit_id"] == "50001_1:3" and first["previous_text"] == "My manager stood up for me."
    )


def test_coder_names_must_differ_and_not_clash(units, codebook):
    with pytest.raises(ValueError, match="two different names"):
        find_disagreements(A, B, units, codebook, ("ann", "ann"))
    with pytest.raises(ValueError, match="clashes"):
        find_disagreements(A, B, units, codebook, ("ann", "text"))


def write_inputs(tmp_path: Path, units: pd.DataFrame) -> dict[str, Path]:
    paths = {
        "codings_a_csv": tmp_path / "results" / "codings" / "ann.csv",
        "codings_b_csv": tmp_path / "results" / "codings" / "bo.csv",
        "units_csv": tmp_path / "results" / "clean" / "units.csv",
        "codebook_yaml": tmp_path / "codebook.yaml",
    }
    for path in paths.values():
        path.parent.mkdir(parents=True, exist_ok=True)
    A.to_csv(paths["codings_a_csv"], index=False)
    B.to_csv(paths["codings_b_csv"], index=False)
    units.to_csv(paths["units_csv"], index=False)
    return paths


def test_disagreement_files_are_formula_safe_and_meeting_ready(tmp_path, units, codebook):
    paths = write_inputs(tmp_path, units)
    out_csv = tmp_path / "rec" / "disagreements.csv"
    out_xlsx = tmp_path / "rec" / "disagreements.xlsx"
    run_disagreements(
        **paths, coder_names=NAMES, speakers=["participant"], out_csv=out_csv, out_xlsx=out_xlsx
    )

    table = pd.read_csv(out_csv, dtype=str, keep_default_na=False)
    texts = dict(zip(table["unit_id"], table["text"], strict=False))
    previous = dict(zip(table["unit_id"], table["previous_text"], strict=False))
    assert texts["50001_1:6"] == "'-- well, nobody knew my job."
    assert previous["50001_1:6"] == "Go on."
    assert texts["50001_1:10"] == "'@team chats with other peers."
    assert previous["50001_1:4"] == "Anything else?"
    assert not any(
        cell.startswith(("=", "+", "-", "@")) for column in table for cell in table[column]
    )

    book = openpyxl.load_workbook(out_xlsx)
    assert book.sheetnames == ["disagreements", "codebook"]
    sheet = book["disagreements"]
    cells = [c for row in sheet.iter_rows() for c in row]
    assert all(c.data_type != "f" for c in cells)  # nothing a spreadsheet would execute
    by_value = {c.value: c for c in cells if isinstance(c.value, str)}
    assert "-- well, nobody knew my job." in by_value  # the text itself is kept
    assert by_value["-- well, nobody knew my job."].data_type == "s"
    header = [c.value for c in sheet[1]]
    assert header[-4:] == ["ann", "bo", "decision", "rationale"]
    assert sheet.freeze_panes == "A2"
    text_col = header.index("text") + 1
    assert sheet.cell(2, text_col).alignment.wrap_text
    assert sheet.column_dimensions[openpyxl.utils.get_column_letter(text_col)].width >= 40
    decision = openpyxl.utils.get_column_letter(header.index("decision") + 1)
    validations = sheet.data_validations.dataValidation
    assert any(
        v.formula1 == '"include,exclude"' and f"{decision}2" in str(v.sqref) for v in validations
    )
    assert [sheet.cell(r, 3).value for r in range(2, sheet.max_row + 1)] == [
        d[0] for d in DISAGREEMENTS
    ]
    assert sheet.cell(2, header.index("ann") + 1).value == 1


def test_the_units_text_with_a_formula_is_inert_in_the_workbook(tmp_path, units, codebook):
    a = codings("ann", [("50001_1:2", "supervisor_backing"), ("50001_1:4", "peer_network")])
    b = codings("bo", [("50001_1:2", "supervisor_backing")])
    paths = write_inputs(tmp_path, units)
    a.to_csv(paths["codings_a_csv"], index=False)
    b.to_csv(paths["codings_b_csv"], index=False)
    out_csv, out_xlsx = tmp_path / "d.csv", tmp_path / "d.xlsx"
    run_disagreements(
        **paths, coder_names=NAMES, speakers=["participant"], out_csv=out_csv, out_xlsx=out_xlsx
    )
    sheet = openpyxl.load_workbook(out_xlsx)["disagreements"]
    text = sheet.cell(2, 8)
    assert text.value == "=SUM(A1:A9) is what the rota looked like"
    assert text.data_type == "s" and text.quotePrefix
    assert pd.read_csv(out_csv)["text"].iloc[0] == "'=SUM(A1:A9) is what the rota looked like"


def test_formula_safe_leaves_numbers_and_plain_text_alone():
    frame = pd.DataFrame({"a": ["=1+1", "plain", "\tx", "a=b"], "n": [1, -2, 3, 4]})
    safe = formula_safe(frame)
    assert safe["a"].tolist() == ["'=1+1", "plain", "'\tx", "a=b"]
    assert safe["n"].tolist() == [1, -2, 3, 4]


# ---------------------------------------------------------------------------------------------
# Resolutions
# ---------------------------------------------------------------------------------------------

RES_HEADER = "unit_id,code,decision,rationale,decided_by,date\n"


@pytest.mark.parametrize(
    ("body", "row", "problem"),
    [
        (
            "50001_1:4,task_drift,include,x,ann,2024-05-01\n50001_1:99,task_drift,include,,,\n",
            3,
            "unit_id '50001_1:99' is not in units.csv",
        ),
        ("50001_1:4,task_drif,include,,,\n", 2, "code 'task_drif' is not in the codebook"),
        ("50001_1:4,task_drift,maybe,,,\n", 2, "decision must be include or exclude, not 'maybe'"),
        (
            "50001_1:4,task_drift,include,,,\n50001_1:6,task_drift,exclude,,,\n50001_1:4,task_drift,Exclude,,,\n",
            4,
            "50001_1:4 task_drift is decided 'exclude' here but 'include' in row 2",
        ),
    ],
    ids=["unknown unit", "unknown code", "bad decision", "conflicting duplicate"],
)
def test_bad_resolutions_name_file_row_and_problem(tmp_path, units, codebook, body, row, problem):
    path = tmp_path / "resolutions.csv"
    path.write_text(RES_HEADER + body, encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_resolutions(path, units, codebook)
    assert str(err.value).startswith(f"{path}, row {row}: ")
    assert problem in str(err.value)


def test_resolutions_missing_column(tmp_path, units, codebook):
    path = tmp_path / "resolutions.csv"
    path.write_text("unit_id,code,rationale\n50001_1:4,task_drift,x\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 1: missing column\(s\) decision"):
        read_resolutions(path, units, codebook)


def test_resolutions_read_normalised_and_undecided_rows_skipped(tmp_path, units, codebook):
    path = tmp_path / "resolutions.csv"
    path.write_text(
        RES_HEADER
        + " 50001_1:4 , task_drift , Include ,fits the definition,ann; bo,2024-05-01\n"
        + "50001_1:6,task_drift,,not discussed yet,,\n"
        + "50001_1:4,task_drift,include,again,,\n",
        encoding="utf-8",
    )
    table = read_resolutions(path, units, codebook)
    assert table[["unit_id", "code", "decision", "row"]].values.tolist() == [
        ["50001_1:4", "task_drift", "include", 2],
        ["50001_1:4", "task_drift", "include", 4],
    ]
    assert table["rationale"].iloc[0] == "fits the definition"


def test_a_filled_disagreements_workbook_serves_as_resolutions(tmp_path, units, codebook):
    paths = write_inputs(tmp_path, units)
    out_xlsx = tmp_path / "d.xlsx"
    run_disagreements(
        **paths,
        coder_names=NAMES,
        speakers=["participant"],
        out_csv=tmp_path / "d.csv",
        out_xlsx=out_xlsx,
    )
    book = openpyxl.load_workbook(out_xlsx)
    sheet = book["disagreements"]
    header = [c.value for c in sheet[1]]
    for r in range(2, sheet.max_row + 1):
        sheet.cell(r, header.index("decision") + 1, "include" if r % 2 else "exclude")
        sheet.cell(r, header.index("rationale") + 1, "discussed")
    sheet.cell(1, len(header) + 1, "date")
    sheet.cell(2, len(header) + 1, datetime.datetime(2024, 5, 1))
    book.save(out_xlsx)
    table = read_resolutions(out_xlsx, units, codebook)
    assert table["date"].tolist() == ["2024-05-01", "", "", "", ""]
    assert table["rationale"].iloc[0] == "discussed"
    assert len(table) == len(DISAGREEMENTS)
    assert table["decision"].tolist() == ["exclude", "include", "exclude", "include", "exclude"]
    assert table["row"].tolist() == [2, 3, 4, 5, 6]
    consensus, status = build_consensus(A, B, units, codebook, table, NAMES)
    assert status_counts(status)["unresolved"] == 0


# ---------------------------------------------------------------------------------------------
# Consensus
# ---------------------------------------------------------------------------------------------


def test_consensus_sources(units, codebook):
    consensus, status = build_consensus(A, B, units, codebook, ALL_DECIDED, NAMES)
    assert list(consensus.columns) == CONSENSUS_COLUMNS
    assert keyed(consensus) == {
        ("50001_1:2", "supervisor_backing"): "agreed",
        ("50001_1:4", "task_drift"): "resolved",
        ("50001_1:6", "role_confusion"): "agreed",
        ("50001_1:10", "peer_network"): "resolved",
        ("50001_1:12", "peer_network"): "agreed",
        ("50001_2:4", "peer_network"): "resolved",
        ("50002_1:2", "task_drift"): "single_coder",
        ("50002_1:4", "role_confusion"): "single_coder",
    }
    assert consensus["unit_id"].tolist()[:5] == [
        "50001_1:2",
        "50001_1:4",
        "50001_1:6",
        "50001_1:10",
        "50001_1:12",
    ]
    row = consensus.set_index(["unit_id", "code"]).loc[("50002_1:4", "role_confusion")]
    assert (row["participant_id"], row["wave"], row["turn"]) == (50002, 1, 4)
    assert (row["speaker"], row["subtheme"], row["category"]) == (
        "participant",
        "unclear_role",
        "barriers",
    )
    assert "50001_1:3" not in set(consensus["unit_id"])  # interviewer turn left out...
    counts = status_counts(status)
    assert counts["speaker_not_analysed"] == 1  # ...and counted
    assert counts["agreed"] == 3 and counts["resolved"] == 5 and counts["single_coder"] == 2
    assert counts["unresolved"] == 0 and counts["stale"] == 0 and counts["consensus"] == 8
    resolved = status.set_index("kind").loc["resolved"]
    assert resolved["detail"] == "3 include, 2 exclude"
    assert list(status.columns) == CONSENSUS_STATUS_COLUMNS


OPEN = ALL_DECIDED.iloc[
    [0, 1]
]  # leaves 50001_1:10 peer_network (ann), 50001_2:2 (ann), 50001_2:4 (bo)


def test_unresolved_error_lists_them_and_points_at_resolutions(units, codebook):
    with pytest.raises(InputError) as err:
        build_consensus(A, B, units, codebook, OPEN, NAMES, resolutions_file="data/resolutions.csv")
    message = str(err.value)
    assert message.startswith("data/resolutions.csv: 3 disagreement(s) have no decision")
    assert "50001_1:10 peer_network, 50001_2:2 role_confusion, 50001_2:4 peer_network" in message
    assert "reconcile.unresolved" in message


@pytest.mark.parametrize(
    ("policy", "included"),
    [
        ("exclude", set()),
        (
            "include",
            {
                ("50001_1:10", "peer_network"),
                ("50001_2:2", "role_confusion"),
                ("50001_2:4", "peer_network"),
            },
        ),
        ("coder:ann", {("50001_1:10", "peer_network"), ("50001_2:2", "role_confusion")}),
        ("coder:bo", {("50001_2:4", "peer_network")}),
    ],
)
def test_unresolved_policies(units, codebook, policy, included, caplog):
    with caplog.at_level(logging.INFO, logger="qualflow.reconcile"):
        consensus, status = build_consensus(A, B, units, codebook, OPEN, NAMES, unresolved=policy)
    by_policy = {k for k, s in keyed(consensus).items() if s == "unresolved_policy"}
    assert by_policy == included
    assert keyed(consensus)[("50001_1:4", "task_drift")] == "resolved"
    assert ("50001_1:6", "task_drift") not in keyed(consensus)  # decided exclude
    counts = status_counts(status)
    assert counts["unresolved"] == 3 and counts["unresolved_policy"] == len(included)
    items = status[(status["kind"] == "unresolved") & status["count"].isna()]
    assert items["unit_id"].tolist() == ["50001_1:10", "50001_2:2", "50001_2:4"]
    assert items["detail"].iloc[0].startswith("ann=1, bo=0;")
    assert all(policy in d for d in items["detail"])
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 3 and all("unresolved" in r.getMessage() for r in warnings)


@pytest.mark.parametrize("policy", ["coder:cy", "majority", ""])
def test_unknown_policy_is_refused(units, codebook, policy):
    with pytest.raises(InputError, match="reconcile.unresolved must be"):
        build_consensus(A, B, units, codebook, ALL_DECIDED, NAMES, unresolved=policy)


def test_stale_resolutions_are_reported_and_change_nothing(units, codebook, caplog):
    stale = resolutions(
        [
            ("50001_1:2", "supervisor_backing", "exclude"),  # both coders apply it now
            ("50001_1:8", "task_drift", "include"),  # neither coder applies it
            ("50002_1:2", "task_drift", "exclude"),  # transcript coded by one coder
            ("50001_1:3", "role_confusion", "exclude"),  # interviewer turn
        ]
    )
    decisions = pd.concat([ALL_DECIDED, stale], ignore_index=True)
    decisions["row"] = range(2, len(decisions) + 2)
    with caplog.at_level(logging.WARNING, logger="qualflow.reconcile"):
        consensus, status = build_consensus(A, B, units, codebook, decisions, NAMES)
    assert keyed(consensus)[("50001_1:2", "supervisor_backing")] == "agreed"
    assert ("50001_1:8", "task_drift") not in keyed(consensus)
    assert keyed(consensus)[("50002_1:2", "task_drift")] == "single_coder"
    assert status_counts(status)["stale"] == 4
    items = status[(status["kind"] == "stale") & status["count"].isna()]
    items = items.set_index("unit_id")["detail"]
    assert items["50001_1:2"] == "row 7 decided exclude, but both coders now apply this code"
    assert "neither coder applies this code" in items["50001_1:8"]
    assert "coded by one coder only" in items["50002_1:2"]
    assert "interviewer turns are not analysed" in items["50001_1:3"]
    assert list(items.index) == ["50001_1:2", "50001_1:3", "50001_1:8", "50002_1:2"]
    assert sum("stale" in r.getMessage() for r in caplog.records) == 4


def test_repeated_decisions_are_counted_and_conflicts_refused(units, codebook):
    again = pd.concat([ALL_DECIDED, ALL_DECIDED.iloc[[0]]], ignore_index=True)
    again.loc[5, "row"] = 7
    consensus, status = build_consensus(A, B, units, codebook, again, NAMES)
    assert status_counts(status)["duplicate_resolution"] == 1
    assert status_counts(status)["resolved"] == 5
    conflict = again.copy()
    conflict.loc[5, "decision"] = "exclude"
    with pytest.raises(InputError, match="row 7: 50001_1:4 task_drift is decided 'exclude' here"):
        build_consensus(A, B, units, codebook, conflict, NAMES)


# ---------------------------------------------------------------------------------------------
# Stage entry
# ---------------------------------------------------------------------------------------------


def test_run_consensus_writes_both_files(tmp_path, units):
    paths = write_inputs(tmp_path, units)
    (tmp_path / "codebook.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")
    res = tmp_path / "data" / "resolutions.csv"
    res.parent.mkdir()
    ALL_DECIDED.drop(columns="row").to_csv(res, index=False)
    out_codings = tmp_path / "results" / "consensus" / "codings.csv"
    out_status = tmp_path / "results" / "reconciliation" / "status.csv"
    run_consensus(
        **paths,
        resolutions_csv=res,
        coder_names=NAMES,
        speakers=["participant"],
        unresolved="error",
        out_codings=out_codings,
        out_status=out_status,
    )
    consensus = pd.read_csv(out_codings, dtype=str, keep_default_na=False)
    assert list(consensus.columns) == CONSENSUS_COLUMNS and len(consensus) == 8
    status = pd.read_csv(out_status, dtype=str, keep_default_na=False)
    assert list(status.columns) == CONSENSUS_STATUS_COLUMNS
    assert status["kind"].tolist()[:4] == ["agreed", "resolved", "unresolved", "stale"]
    assert status.set_index("kind").at["agreed", "count"] == "3"


def test_run_consensus_writes_nothing_when_decisions_are_missing(tmp_path, units):
    paths = write_inputs(tmp_path, units)
    (tmp_path / "codebook.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")
    res = tmp_path / "resolutions.csv"
    res.write_text(RES_HEADER, encoding="utf-8")  # the meeting has not happened yet
    out = tmp_path / "out"
    with pytest.raises(InputError, match=r"resolutions\.csv: 5 disagreement\(s\) have no decision"):
        run_consensus(
            **paths,
            resolutions_csv=res,
            coder_names=NAMES,
            speakers=["participant"],
            unresolved="error",
            out_codings=out / "codings.csv",
            out_status=out / "status.csv",
        )
    assert not out.exists() or not any(out.iterdir())


def test_codings_naming_unknown_units_are_refused(tmp_path, units):
    paths = write_inputs(tmp_path, units)
    (tmp_path / "codebook.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")
    codings("bo", [("50001_1:2", "peer_network"), ("50003_1:2", "peer_network")]).to_csv(
        paths["codings_b_csv"], index=False
    )
    with pytest.raises(InputError) as err:
        run_disagreements(
            **paths,
            coder_names=NAMES,
            speakers=["participant"],
            out_csv=tmp_path / "d.csv",
            out_xlsx=tmp_path / "d.xlsx",
        )
    assert str(err.value).startswith(f"{paths['codings_b_csv']}, row 3: unit_id '50003_1:2'")
    assert not (tmp_path / "d.csv").exists() and not (tmp_path / "d.xlsx").exists()
