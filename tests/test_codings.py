"""Importing coders' codings: long CSV (unit ids or spans), coding sheets, REFI-QDA projects."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from qualflow.codebook.read import load_codebook
from qualflow.codings.read import load_codings, read_codings
from qualflow.codings.run import import_coder
from qualflow.codings.sheet import write_coding_sheet
from qualflow.codings.spans import spans_to_units
from qualflow.contracts import CODING_COLUMNS, SHEET_FIXED_COLUMNS, check_units, read_units
from qualflow.errors import InputError
from qualflow.sheets import read_workbook

CODEBOOK_YAML = """\
categories:
  - name: facilitators
    label: Facilitators
    subthemes:
      - name: supportive_figures
        label: Supportive figures
        codes:
          - name: supervisor_backing
            label: Supervisor backing
            definition: A manager speaks up for the specialist's work.
            include: Explicit backing in meetings.
            exclude: General friendliness.
            example: My boss told the ward I was part of the team.
          - name: peer_network
            label: Peer network
            definition: Other specialists help each other.
  - name: barriers
    label: Barriers
    subthemes:
      - name: unclear_role
        label: Unclear role
        codes:
          - name: role_confusion
            label: Role confusion
            definition: Nobody knows what the specialist is meant to do.
          - name: task_drift
            label: Task drift
            definition: The specialist is given unrelated chores.
"""

# Dialogue written for these tests: (speaker, utterance) per turn.
TRANSCRIPTS = {
    "50001_1": [
        ("interviewer", "How did the first weeks go?"),
        ("participant", "My manager backed me when the nurses asked why I was there."),
        ("interviewer", "And the other specialists?"),
        ("participant", "We text each other after difficult shifts."),
        ("interviewer", "What was hard?"),
        ("participant", "Nobody could tell me what my job actually was."),
        ("interviewer", "Can you say more?"),
        ("participant", "Some days I just folded laundry for the ward."),
        ("interviewer", "How did that feel?"),
        ("participant", "Yes."),
        ("interviewer", "Anything else?"),
        ("participant", "The team meeting helped a little, later on."),
    ],
    "50001_2": [
        ("interviewer", "What has changed since we last spoke?"),
        ("participant", "My role is written down now, which helps."),
        ("interviewer", "Who supports you?"),
        ("participant", "Mostly the other peer workers."),
    ],
    "50002_1": [
        ("interviewer", "Tell me about your ward."),
        ("participant", "Staff keep asking me to fetch files."),
        ("interviewer", "Why do you think that is?"),
        ("participant", "They do not know what peers are for."),
    ],
}


def build_clean(turns: list[tuple[str, str]], tid: str) -> tuple[str, list[dict]]:
    """Cleaned text (``Speaker: text`` paragraphs) and its units, as the clean stage writes."""
    text, units = "", []
    participant, wave = (int(x) for x in tid.split("_"))
    for turn, (speaker, utterance) in enumerate(turns, start=1):
        if text:
            text += "\n\n"
        label = f"{speaker.capitalize()}: "
        start = len(text) + len(label)
        text += label + utterance
        units.append(
            {
                "unit_id": f"{tid}:{turn}",
                "transcript_id": tid,
                "participant_id": participant,
                "wave": wave,
                "turn": turn,
                "speaker": speaker,
                "start": start,
                "end": start + len(utterance),
                "text": utterance,
                "n_words": len(utterance.split()),
            }
        )
    return text + "\n", units


@pytest.fixture
def study(tmp_path: Path) -> dict:
    clean = tmp_path / "results" / "clean"
    clean.mkdir(parents=True)
    rows = []
    texts = {}
    for tid, turns in TRANSCRIPTS.items():
        text, units = build_clean(turns, tid)
        (clean / f"{tid}.txt").write_text(text, encoding="utf-8")
        texts[tid] = text
        rows.extend(units)
    units = pd.DataFrame(rows)
    units_csv = clean / "units.csv"
    units.to_csv(units_csv, index=False)
    codebook_yaml = tmp_path / "codebook.yaml"
    codebook_yaml.write_text(CODEBOOK_YAML, encoding="utf-8")
    out = tmp_path / "out"
    return {
        "root": tmp_path,
        "clean": clean,
        "units": units,
        "units_csv": units_csv,
        "texts": texts,
        "codebook_yaml": codebook_yaml,
        "codebook": load_codebook(codebook_yaml),
        "out_csv": out / "coder_a.csv",
        "out_status": out / "coder_a_status.csv",
        "data": tmp_path / "data",
    }


def unit(study: dict, unit_id: str) -> dict:
    return study["units"].set_index("unit_id").loc[unit_id].to_dict()


def write_csv(study: dict, name: str, text: str) -> Path:
    path = study["data"] / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def read(
    study: dict, path: Path, coder: str = "coder_a", **kw
) -> tuple[pd.DataFrame, pd.DataFrame]:
    return read_codings(path, coder, study["codebook"], study["units"], study["clean"], **kw)


def status_count(status: pd.DataFrame, kind: str) -> int:
    return int(status.set_index("kind").at[kind, "count"])


def pairs(codings: pd.DataFrame) -> list[tuple[str, str]]:
    return list(zip(codings["unit_id"], codings["code"], strict=True))


# ---------------------------------------------------------------------------------------------
# Long CSV
# ---------------------------------------------------------------------------------------------


def test_long_csv_with_unit_ids_is_sorted_by_participant_wave_turn_code(study):
    path = write_csv(
        study,
        "coder_a.csv",
        "coder,transcript_id,unit_id,code,memo\n"
        "coder_a,50002_1,50002_1:2,task_drift,\n"
        "coder_a,50001_1,50001_1:12,peer_network,late mention\n"
        "coder_a,50001_2,50001_2:2,role_confusion,\n"
        "coder_a,50001_1,50001_1:2,supervisor_backing,clear\n"
        "coder_a,50001_1,50001_1:2,peer_network,\n",
    )
    codings, status = read(study, path)
    assert list(codings.columns) == CODING_COLUMNS
    assert pairs(codings) == [
        ("50001_1:2", "peer_network"),
        ("50001_1:2", "supervisor_backing"),
        ("50001_1:12", "peer_network"),  # turn 12 after turn 2: numeric, not text, order
        ("50001_2:2", "role_confusion"),
        ("50002_1:2", "task_drift"),
    ]
    assert set(codings["coder"]) == {"coder_a"}
    assert codings.set_index(["unit_id", "code"]).at[("50001_1:12", "peer_network"), "memo"] == (
        "late mention"
    )
    assert status_count(status, "rows_read") == 5
    assert status_count(status, "spans_read") == 0
    assert status_count(status, "units_coded") == 4
    assert status_count(status, "transcripts_coded") == 3
    assert status_count(status, "duplicate") == 0


def test_long_csv_spans_code_every_turn_they_overlap(study):
    first, prompt, second = (unit(study, f"50001_1:{t}") for t in (4, 5, 6))
    p2 = unit(study, "50002_1:4")
    path = write_csv(
        study,
        "coder_a.csv",
        "coder,transcript_id,code,start,end,memo\n"
        # from a few words into turn 4, across the interviewer prompt, into turn 6
        f"coder_a,50001_1,role_confusion,{first['start'] + 3},{second['start'] + 10},runs on\n"
        f"coder_a,50002_1,role_confusion,{p2['start']},{p2['end']},\n",
    )
    codings, status = read(study, path)
    assert pairs(codings) == [
        ("50001_1:4", "role_confusion"),
        ("50001_1:5", "role_confusion"),
        ("50001_1:6", "role_confusion"),
        ("50002_1:4", "role_confusion"),
    ]
    assert prompt["speaker"] == "interviewer"
    assert codings["memo"].tolist() == ["runs on", "runs on", "runs on", ""]
    assert status_count(status, "spans_read") == 2
    assert status_count(status, "spans_without_unit") == 0


def test_mixed_unit_and_span_rows_in_one_file(study):
    u = unit(study, "50001_2:4")
    path = write_csv(
        study,
        "coder_a.csv",
        "coder,transcript_id,unit_id,code,start,end\n"
        "coder_a,50001_2,50001_2:2,role_confusion,,\n"
        f"coder_a,50001_2,,peer_network,{u['start']},{u['end']}\n",
    )
    codings, status = read(study, path)
    assert pairs(codings) == [("50001_2:2", "role_confusion"), ("50001_2:4", "peer_network")]
    assert status_count(status, "spans_read") == 1


# ---------------------------------------------------------------------------------------------
# The overlap rule
# ---------------------------------------------------------------------------------------------


def spans_frame(rows: list[tuple[str, int, int]]) -> pd.DataFrame:
    return pd.DataFrame(
        [("coder_a", tid, "peer_network", s, e, "") for tid, s, e in rows],
        columns=["coder", "transcript_id", "code", "start", "end", "memo"],
    )


def test_touching_spans_do_not_overlap(study):
    before, u, after = (unit(study, f"50001_1:{t}") for t in (3, 4, 5))
    spans = spans_frame(
        [
            ("50001_1", before["end"] - 2, u["start"]),  # ends where turn 4 starts
            ("50001_1", u["end"], after["start"] + 2),  # starts where turn 4 ends
            ("50001_1", before["end"], u["start"]),  # only the label between turns 3 and 4
            ("50001_1", u["end"], after["start"]),  # only the gap between turns 4 and 5
        ]
    )
    mapped = spans_to_units(spans, study["units"])
    assert list(zip(mapped["span"], mapped["unit_id"], strict=True)) == [
        (0, "50001_1:3"),
        (1, "50001_1:5"),
    ]
    assert mapped["overlap"].tolist() == [2, 2]


def test_one_character_overlap_and_min_overlap(study):
    u = unit(study, "50001_1:4")
    spans = spans_frame([("50001_1", u["start"] - 5, u["start"] + 1)])  # 1 character inside
    assert spans_to_units(spans, study["units"], min_overlap=1)["unit_id"].tolist() == ["50001_1:4"]
    assert spans_to_units(spans, study["units"], min_overlap=2).empty
    three = spans_frame([("50001_1", u["end"] - 3, u["end"] + 2)])
    mapped = spans_to_units(three, study["units"], min_overlap=3)
    assert mapped["unit_id"].tolist() == ["50001_1:4"]
    assert mapped["overlap"].tolist() == [3]
    assert spans_to_units(three, study["units"], min_overlap=4).empty


def test_short_turn_covered_by_a_span_is_coded_despite_min_overlap(study):
    yes = unit(study, "50001_1:10")  # "Yes." is 4 characters
    assert yes["end"] - yes["start"] == 4
    spans = spans_frame([("50001_1", yes["start"] - 20, yes["end"] + 20)])
    mapped = spans_to_units(spans, study["units"], min_overlap=10)
    assert "50001_1:10" in set(mapped["unit_id"])


def test_min_overlap_below_one_is_refused(study):
    with pytest.raises(ValueError, match="min_overlap"):
        spans_to_units(spans_frame([("50001_1", 0, 5)]), study["units"], min_overlap=0)


def brute_force(spans: pd.DataFrame, units: pd.DataFrame, min_overlap: int) -> set:
    found = set()
    for i, s in spans.iterrows():
        for u in units[units["transcript_id"] == s["transcript_id"]].itertuples():
            overlap = min(s["end"], u.end) - max(s["start"], u.start)
            covers = s["start"] <= u.start and u.end <= s["end"] and u.end > u.start
            if overlap >= min_overlap or covers:
                found.add((i, u.unit_id))
    return found


@pytest.mark.parametrize("min_overlap", [1, 4, 15])
def test_vectorised_mapping_matches_brute_force(min_overlap):
    rng = np.random.default_rng(7)
    unit_rows = []
    for t in range(6):
        pos = 0
        for turn in range(1, 25):
            pos += int(rng.integers(2, 15))  # label and blank line
            length = int(rng.integers(1, 40))
            unit_rows.append(
                {
                    "unit_id": f"{50001 + t}_1:{turn}",
                    "transcript_id": f"{50001 + t}_1",
                    "participant_id": 50001 + t,
                    "wave": 1,
                    "turn": turn,
                    "speaker": "participant",
                    "start": pos,
                    "end": pos + length,
                    "text": "x" * length,
                }
            )
            pos += length
    units = pd.DataFrame(unit_rows).sample(frac=1, random_state=3)  # any order in
    starts = rng.integers(0, 600, 400)
    spans = pd.DataFrame(
        {
            "coder": "a",
            "transcript_id": [f"{50001 + t}_1" for t in rng.integers(0, 6, 400)],
            "code": "peer_network",
            "start": starts,
            "end": starts + rng.integers(1, 120, 400),
            "memo": "",
        }
    )
    mapped = spans_to_units(spans, units, min_overlap=min_overlap)
    assert set(zip(mapped["span"], mapped["unit_id"], strict=True)) == brute_force(
        spans, units, min_overlap
    )


# ---------------------------------------------------------------------------------------------
# Duplicates and merged spans
# ---------------------------------------------------------------------------------------------


def test_duplicate_rows_are_counted_once_and_reported(study, caplog):
    u = unit(study, "50002_1:2")
    path = write_csv(
        study,
        "coder_a.csv",
        "coder,transcript_id,unit_id,code,start,end\n"
        "coder_a,50001_1,50001_1:2,supervisor_backing,,\n"  # row 2
        f"coder_a,50002_1,,task_drift,{u['start']},{u['end']}\n"  # row 3
        "coder_a,50001_1,50001_1:2,supervisor_backing,,\n"  # row 4 repeats row 2
        f"coder_a,50002_1,,task_drift,{u['start']},{u['end']}\n"  # row 5 repeats row 3
        "coder_a,50001_1,50001_1:4,peer_network,,\n",
    )
    with caplog.at_level(logging.INFO, logger="qualflow.codings"):
        codings, status = read(study, path)
    assert pairs(codings) == [
        ("50001_1:2", "supervisor_backing"),
        ("50001_1:4", "peer_network"),
        ("50002_1:2", "task_drift"),
    ]
    row = status.set_index("kind").loc["duplicate"]
    assert row["count"] == 2
    assert "row 4 repeats row 2" in row["detail"]
    assert "row 5 repeats row 3" in row["detail"]
    assert status_count(status, "rows_read") == 5
    summary = [r for r in caplog.records if r.name == "qualflow.codings.read"]
    assert len(summary) == 1
    assert summary[0].levelno == logging.WARNING
    assert "2 duplicate rows" in summary[0].getMessage()


def test_two_spans_on_one_turn_are_merged_and_their_memos_kept(study):
    u = unit(study, "50001_1:6")
    path = write_csv(
        study,
        "coder_a.csv",
        "coder,transcript_id,code,start,end,memo\n"
        f"coder_a,50001_1,role_confusion,{u['start']},{u['start'] + 10},first part\n"
        f"coder_a,50001_1,role_confusion,{u['start'] + 20},{u['end']},second part\n",
    )
    codings, status = read(study, path)
    assert pairs(codings) == [("50001_1:6", "role_confusion")]
    assert codings["memo"].tolist() == ["first part | second part"]
    assert status_count(status, "spans_merged") == 1
    assert status_count(status, "duplicate") == 0


def test_span_that_codes_no_turn_is_reported(study):
    before, u = unit(study, "50001_1:3"), unit(study, "50001_1:4")
    path = write_csv(
        study,
        "coder_a.csv",
        "coder,transcript_id,code,start,end\n"
        f"coder_a,50001_1,peer_network,{u['start']},{u['end']}\n"
        f"coder_a,50001_1,role_confusion,{before['end']},{u['start']}\n",
    )
    codings, status = read(study, path)
    assert pairs(codings) == [("50001_1:4", "peer_network")]
    row = status.set_index("kind").loc["spans_without_unit"]
    assert row["count"] == 1
    assert "row 3" in row["detail"] and "role_confusion" in row["detail"]


# ---------------------------------------------------------------------------------------------
# Coding sheets
# ---------------------------------------------------------------------------------------------


def test_blank_sheet_layout(study, tmp_path):
    path = tmp_path / "sheets" / "coder_b.xlsx"
    write_coding_sheet(study["units"], study["codebook"], path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["coding", "codebook"]
    sheet = book["coding"]
    header = [c.value for c in sheet[1]]
    assert header == ["unit_id", "speaker", "text", *study["codebook"]["code"]]
    assert sheet.max_row == len(study["units"]) + 1
    assert sheet.freeze_panes == "D2"
    assert sheet["C2"].alignment.wrap_text
    assert sheet.column_dimensions["C"].width >= 60
    assert sheet["A2"].value == "50001_1:1" and sheet["A13"].value == "50001_1:12"
    assert all(sheet.cell(r, 4).value is None for r in range(2, sheet.max_row + 1))
    assert "Supervisor backing" in sheet["D1"].comment.text
    assert sheet.data_validations.dataValidation  # a 1/x/yes dropdown on the code cells
    codebook = book["codebook"]
    assert [c.value for c in codebook[1]] == [
        "code",
        "subtheme",
        "category",
        "definition",
        "include",
        "exclude",
        "example",
    ]
    assert codebook.freeze_panes == "A2"
    assert codebook["D2"].alignment.wrap_text
    assert codebook["A2"].value == "supervisor_backing"
    assert codebook["E2"].value == "Explicit backing in meetings."


def fill(path: Path, marks: dict[tuple[str, str], object]) -> None:
    book = openpyxl.load_workbook(path)
    sheet = book["coding"]
    header = [c.value for c in sheet[1]]
    rows = {sheet.cell(r, 1).value: r for r in range(2, sheet.max_row + 1)}
    for (unit_id, code), value in marks.items():
        sheet.cell(rows[unit_id], header.index(code) + 1, value)
    book.save(path)


def test_sheet_round_trip_blank_filled_by_a_coder(study, tmp_path):
    path = tmp_path / "coder_b.xlsx"
    write_coding_sheet(study["units"], study["codebook"], path)
    fill(
        path,
        {
            ("50001_1:2", "supervisor_backing"): 1,
            ("50001_1:4", "peer_network"): "x",
            ("50001_1:6", "role_confusion"): " Yes ",
            ("50001_1:8", "task_drift"): "X",
            ("50001_1:12", "peer_network"): 1.0,
            ("50002_1:2", "task_drift"): "1",
            ("50002_1:4", "role_confusion"): 0,  # 0 = not applied
            ("50001_2:2", "role_confusion"): "0",
            ("50001_2:4", "peer_network"): True,
        },
    )
    codings, status = read(study, path, coder="coder_b")
    assert pairs(codings) == [
        ("50001_1:2", "supervisor_backing"),
        ("50001_1:4", "peer_network"),
        ("50001_1:6", "role_confusion"),
        ("50001_1:8", "task_drift"),
        ("50001_1:12", "peer_network"),
        ("50001_2:4", "peer_network"),
        ("50002_1:2", "task_drift"),
    ]
    assert set(codings["coder"]) == {"coder_b"}
    assert codings.set_index("unit_id").at["50002_1:2", "transcript_id"] == "50002_1"
    assert status_count(status, "rows_read") == len(study["units"])


def test_prefilled_sheet_reads_back_to_the_same_codings(study, tmp_path):
    codings = pd.DataFrame(
        {
            "coder": "coder_b",
            "unit_id": ["50001_1:2", "50001_1:2", "50001_2:4", "50002_1:4"],
            "transcript_id": ["50001_1", "50001_1", "50001_2", "50002_1"],
            "code": ["peer_network", "supervisor_backing", "peer_network", "role_confusion"],
            "memo": "",
        }
    )
    path = tmp_path / "coder_b.xlsx"
    write_coding_sheet(study["units"], study["codebook"], path, codings=codings)
    back, _ = read(study, path, coder="coder_b")
    pd.testing.assert_frame_equal(back, codings)


def test_sheet_past_the_row_limit_continues_on_numbered_sheets(study, tmp_path):
    """Beyond Excel's 1,048,575 unit rows the sheet goes on as `coding 2`, `coding 3`, ...
    (here 4 rows a sheet); each has the header and checks, and all are read back."""
    units = study["units"]
    codings = pd.DataFrame(
        {
            "coder": "coder_b",
            "unit_id": ["50001_1:2", "50001_2:4", "50002_1:4"],
            "transcript_id": ["50001_1", "50001_2", "50002_1"],
            "code": ["peer_network", "peer_network", "role_confusion"],
            "memo": "",
        }
    )
    path = tmp_path / "coder_b.xlsx"
    write_coding_sheet(units, study["codebook"], path, codings=codings, rows_per_sheet=4)
    book = openpyxl.load_workbook(path)
    parts = -(-len(units) // 4)
    titles = ["coding", *[f"coding {k}" for k in range(2, parts + 1)]]
    assert book.sheetnames == [*titles, "codebook"]
    rows = [r for t in titles for r in book[t].iter_rows(min_row=2, values_only=True)]
    assert [r[0] for r in rows] == list(
        units.sort_values(["participant_id", "wave", "turn"])["unit_id"]
    )
    assert all(book[t].cell(1, 1).value == "unit_id" for t in titles)
    assert all(book[t].data_validations.dataValidation for t in titles)
    back, status = read(study, path, coder="coder_b")
    pd.testing.assert_frame_equal(back, codings)
    # a mistake on a later sheet is reported with that sheet's name and row
    last = book[titles[-1]]
    last.cell(2, len(SHEET_FIXED_COLUMNS) + 1).value = "maybe"
    book.save(path)
    with pytest.raises(InputError, match=rf"sheet '{titles[-1]}', cell .2 .* holds 'maybe'"):
        read(study, path, coder="coder_b")


def test_sheet_text_is_never_a_formula(study, tmp_path):
    units = study["units"].copy()
    units.loc[1, "text"] = '=HYPERLINK("http://evil.example","click")'
    units.loc[3, "text"] = "-- well, +1 to that @everyone"
    path = tmp_path / "sheet.xlsx"
    write_coding_sheet(units, study["codebook"], path)
    sheet = openpyxl.load_workbook(path)["coding"]
    assert sheet["C3"].value.startswith("=HYPERLINK")
    assert sheet["C3"].data_type == "s" and sheet["C3"].quotePrefix
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_every_part_of_a_split_sheet_keeps_its_checks_and_layout(study, tmp_path):
    """Written row by row, each worksheet still has the styled header with the codes'
    comments, widths, frozen panes, filter, the 1/x/yes check, the fill of marked cells, grey
    interviewer turns, inert text, and its size for readers."""
    units = study["units"].copy()
    units.loc[units["unit_id"] == "50002_1:4", "text"] = "=1+1"
    path = tmp_path / "coder_b.xlsx"
    write_coding_sheet(units, study["codebook"], path, rows_per_sheet=6)
    book = openpyxl.load_workbook(path)
    titles = ["coding", "coding 2", "coding 3", "coding 4"]
    assert book.sheetnames == [*titles, "codebook"]
    for title, n_units in zip(titles, [6, 6, 6, 2], strict=True):
        sheet, last = book[title], n_units + 1
        assert sheet.freeze_panes == "D2"
        assert sheet.auto_filter.ref == f"A1:G{last}"
        widths = [sheet.column_dimensions[c].width for c in "ABCDEFG"]
        assert widths == [14, 12, 80, 4.5, 4.5, 4.5, 4.5]
        assert sheet.row_dimensions[1].height == 7 * len("supervisor_backing") + 12
        assert all(c.font.bold and c.fill.fgColor.rgb == "00DDE6F0" for c in sheet[1])
        assert sheet["D1"].alignment.text_rotation == 90
        assert sheet["D1"].comment.text.startswith("Supervisor backing")
        assert sheet["G1"].comment.text.startswith("Task drift")
        (marks,) = sheet.data_validations.dataValidation
        assert str(marks.sqref) == f"D2:G{last}" and marks.formula1 == '"1,x,yes"'
        (coded,) = sheet.conditional_formatting
        assert str(coded.sqref) == f"D2:G{last}"
        assert coded.rules[0].formula == ["LEN(D2)>0"]
        assert coded.rules[0].dxf.fill.fgColor.rgb == "00C6EFCE"
        for row in sheet.iter_rows(min_row=2, max_col=3):
            assert all(c.data_type == "s" and c.alignment.wrap_text for c in row)
            assert all(bool(c.font.italic) == (row[1].value == "interviewer") for c in row)
    assert book["coding 4"]["C3"].value == "=1+1" and book["coding 4"]["C3"].quotePrefix
    with read_workbook(path) as recorded:  # the size a read-only reader goes by
        assert [recorded[t].calculate_dimension() for t in titles] == [
            "A1:G7",
            "A1:G7",
            "A1:G7",
            "A1:G3",
        ]
        assert recorded["codebook"].calculate_dimension() == "A1:G5"


def test_coding_sheet_is_byte_identical_when_written_again(study, tmp_path):
    paths = [tmp_path / run / "coder_b.xlsx" for run in ("first", "second")]
    for path in paths:
        write_coding_sheet(study["units"], study["codebook"], path, rows_per_sheet=6)
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_prefilling_with_an_unknown_code_is_refused(study, tmp_path):
    bad = pd.DataFrame({"unit_id": ["50001_1:2"], "code": ["nope"]})
    with pytest.raises(ValueError, match="nope"):
        write_coding_sheet(study["units"], study["codebook"], tmp_path / "x.xlsx", codings=bad)
    assert not (tmp_path / "x.xlsx").exists()


# ---------------------------------------------------------------------------------------------
# REFI-QDA projects (the reader itself belongs to qualflow.qdpx; faked here)
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def fake_qdpx(monkeypatch, study):
    calls = {}
    a, b = unit(study, "50001_1:2"), unit(study, "50002_1:4")

    def read_spans(path, codebook, clean_dir, coders=None, end_position="auto", coder=None):
        calls.update(path=path, clean_dir=clean_dir, coders=coders, end_position=end_position)
        return pd.DataFrame(
            [
                ("coder_a", "50001_1", "supervisor_backing", a["start"], a["end"], "memo a"),
                ("coder_b", "50001_1", "peer_network", a["start"], a["end"], ""),
                ("coder_a", "50002_1", "role_confusion", b["start"] + 2, b["end"], ""),
                ("coder_b", "50002_1", "role_confusion", b["start"], b["end"], ""),
                ("coder_b", "50002_1", "task_drift", b["start"], b["end"], ""),
            ],
            columns=["coder", "transcript_id", "code", "start", "end", "memo"],
        )

    monkeypatch.setattr("qualflow.qdpx.spans.read_spans", read_spans)
    return calls


@pytest.mark.parametrize("suffix", [".qdpx", ".qde"])
def test_project_keeps_only_this_coders_spans(study, fake_qdpx, suffix):
    path = write_csv(study, f"project{suffix}", "placeholder")
    codings, status = read(study, path, coders={"coder_a": "Ann", "coder_b": "Bo"})
    assert pairs(codings) == [
        ("50001_1:2", "supervisor_backing"),
        ("50002_1:4", "role_confusion"),
    ]
    assert codings["memo"].tolist() == ["memo a", ""]
    assert fake_qdpx["coders"] == {"coder_a": "Ann", "coder_b": "Bo"}
    assert fake_qdpx["clean_dir"] == study["clean"]
    assert status_count(status, "spans_read") == 2
    other = status.set_index("kind").loc["other_coder_spans"]
    assert other["count"] == 3 and "coder_b: 3" in other["detail"]


def test_project_without_this_coder_is_an_error(study, fake_qdpx):
    path = write_csv(study, "project.qdpx", "placeholder")
    with pytest.raises(InputError, match=r"no codings by coder 'coder_c'.*coder_a, coder_b"):
        read(study, path, coder="coder_c")


def test_project_round_trip_through_the_refi_qda_reader(study, tmp_path):
    """Export codings of two coders with qualflow.qdpx, import each coder back."""
    qdpx = pytest.importorskip("qualflow.qdpx.export")
    participants = pd.DataFrame(
        {
            "participant_id": [50001, 50002],
            "gender": ["female", "male"],
            "age": [29, 34],
            "ethnicity": ["A", "B"],
            "diagnosis": ["x", "y"],
            "department": ["ward 1", "ward 2"],
        }
    )
    interviews = pd.DataFrame(
        {
            "participant_id": [50001, 50001, 50002],
            "wave": [1, 2, 1],
            "transcript_id": list(TRANSCRIPTS),
            "date": ["2019-01-05", "2019-05-05", "2019-01-09"],
            "duration_min": [40, 35, 50],
        }
    )
    coded = {
        "coder_a": [("50001_1:2", "supervisor_backing"), ("50001_1:12", "peer_network")],
        "coder_b": [("50001_1:2", "peer_network"), ("50002_1:4", "role_confusion")],
    }
    frames = {
        coder: pd.DataFrame(
            [(coder, u, u.split(":")[0], c, "") for u, c in rows], columns=CODING_COLUMNS
        )
        for coder, rows in coded.items()
    }
    path = tmp_path / "study.qdpx"
    qdpx.export_study(
        clean_dir=study["clean"],
        units=study["units"],
        codebook=study["codebook"],
        coders=list(coded),
        participants=participants,
        interviews=interviews,
        out_path=path,
        codings=frames,
    )
    for coder, rows in coded.items():
        codings, status = read(study, path, coder=coder, coders=list(coded))
        assert pairs(codings) == rows
        assert status_count(status, "other_coder_spans") == 2
        assert "REFI-QDA project" in status.set_index("kind").at["rows_read", "detail"]


# ---------------------------------------------------------------------------------------------
# Bad input: file, row and problem named; nothing written
# ---------------------------------------------------------------------------------------------


def csv_case(body: str, header: str = "coder,transcript_id,unit_id,code,start,end") -> str:
    return header + "\n" + "coder_a,50001_1,50001_1:2,peer_network,,\n" + body


BAD_CSV = [
    (
        "unknown code",
        csv_case("coder_a,50001_1,50001_1:4,supervisor_backin,,\n"),
        3,
        "code 'supervisor_backin' is not in the codebook (did you mean 'supervisor_backing'?)",
    ),
    (
        "label instead of name",
        csv_case("coder_a,50001_1,50001_1:4,Peer Network,,\n"),
        3,
        "did you mean 'peer_network'?",
    ),
    (
        "unknown transcript",
        csv_case("coder_a,50009_1,50009_1:4,peer_network,,\n"),
        3,
        "transcript '50009_1' is not among the cleaned transcripts",
    ),
    (
        "unit not in units",
        csv_case("coder_a,50001_1,50001_1:40,peer_network,,\n"),
        3,
        "unit_id '50001_1:40' is not in units.csv",
    ),
    (
        "unit of another transcript",
        csv_case("coder_a,50001_1,50002_1:2,peer_network,,\n"),
        3,
        "unit_id '50002_1:2' belongs to transcript 50002_1, not 50001_1",
    ),
    (
        "end beyond the text",
        csv_case("coder_a,50001_2,,peer_network,10,5000\n"),
        3,
        "end 5000 is outside the text",
    ),
    (
        "negative start",
        csv_case("coder_a,50001_2,,peer_network,-4,10\n"),
        3,
        "start -4 is outside the text",
    ),
    (
        "end before start",
        csv_case("coder_a,50001_2,,peer_network,30,30\n"),
        3,
        "end 30 must be greater than start 30",
    ),
    (
        "fractional offset",
        csv_case("coder_a,50001_2,,peer_network,12.5,30\n"),
        3,
        "start must be a whole number (a character offset), not '12.5'",
    ),
    (
        "text offset",
        csv_case("coder_a,50001_2,,peer_network,10,end\n"),
        3,
        "end must be a whole number (a character offset), not 'end'",
    ),
    (
        "half a span",
        csv_case("coder_a,50001_2,,peer_network,10,\n"),
        3,
        "end is empty (a span needs both start and end)",
    ),
    (
        "neither unit nor span",
        csv_case("coder_a,50001_2,,peer_network,,\n"),
        3,
        "neither a unit_id nor start and end",
    ),
    (
        "other coder",
        csv_case(
            "coder_a,50001_1,50001_1:4,peer_network,,\ncoder_b,50001_1,50001_1:6,peer_network,,\n"
        ),
        4,
        "coder is 'coder_b' but config.yaml assigns this file to coder 'coder_a'",
    ),
    (
        "missing column",
        "coder,transcript_id,unit_id\ncoder_a,50001_1,50001_1:2\n",
        None,
        "missing column(s) code",
    ),
    (
        "no unit or span columns",
        "coder,transcript_id,code\ncoder_a,50001_1,peer_network\n",
        None,
        "needs a unit_id column, or start and end columns",
    ),
    (
        "start without end column",
        "coder,transcript_id,code,start\ncoder_a,50001_1,peer_network,3\n",
        None,
        "has a start column but no end column",
    ),
    ("no rows", "coder,transcript_id,unit_id,code\n", None, "no codings found"),
]


def run_import(study: dict, source: Path, coder: str = "coder_a") -> None:
    import_coder(
        source=source,
        coder=coder,
        codebook_yaml=study["codebook_yaml"],
        units_csv=study["units_csv"],
        clean_dir=study["clean"],
        min_overlap=1,
        out_csv=study["out_csv"],
        out_status=study["out_status"],
    )


def assert_nothing_written(study: dict) -> None:
    assert not study["out_csv"].exists()
    assert not study["out_status"].exists()
    out_dir = study["out_csv"].parent
    assert not out_dir.exists() or not any(out_dir.iterdir())


@pytest.mark.parametrize(("case", "text", "row", "problem"), BAD_CSV, ids=[c[0] for c in BAD_CSV])
def test_bad_csv_names_file_row_and_problem(study, case, text, row, problem):
    path = write_csv(study, "coder_a.csv", text)
    with pytest.raises(InputError) as err:
        run_import(study, path)
    message = str(err.value)
    assert message.startswith(str(path))
    assert problem in message
    assert err.value.row == row
    if row is not None:
        assert f"row {row}:" in message
    assert_nothing_written(study)


def blank_sheet(study: dict) -> Path:
    path = study["data"] / "coder_b.xlsx"
    write_coding_sheet(study["units"], study["codebook"], path)
    return path


def test_sheet_with_outdated_code_columns_names_them(study):
    path = blank_sheet(study)
    book = openpyxl.load_workbook(path)
    sheet = book["coding"]
    sheet["E1"] = "peer_support"  # was peer_network
    sheet["G1"] = None  # task_drift column gone
    book.save(path)
    with pytest.raises(InputError) as err:
        run_import(study, path, coder="coder_b")
    message = str(err.value)
    assert str(path) in message and "row 1" in message
    assert "missing code column(s) peer_network, task_drift" in message
    assert "unexpected column(s) peer_support" in message
    assert_nothing_written(study)


@pytest.mark.parametrize("value", [2, "maybe", "no", 0.5])
def test_sheet_cell_that_is_not_a_mark(study, value):
    path = blank_sheet(study)
    fill(path, {("50001_1:2", "peer_network"): 1, ("50001_1:6", "task_drift"): value})
    with pytest.raises(InputError) as err:
        run_import(study, path, coder="coder_b")
    message = str(err.value)
    assert str(path) in message and err.value.row == 7
    assert "cell G7 (code task_drift)" in message and repr(value) in message
    assert_nothing_written(study)


def test_sheet_row_with_unknown_unit(study):
    path = blank_sheet(study)
    book = openpyxl.load_workbook(path)
    book["coding"]["A5"] = "50001_1:99"
    book.save(path)
    with pytest.raises(InputError) as err:
        run_import(study, path, coder="coder_b")
    assert err.value.row == 5 and "'50001_1:99' is not in units.csv" in str(err.value)
    assert_nothing_written(study)


def test_sheet_without_coding_sheet(study):
    path = study["data"] / "coder_b.xlsx"
    path.parent.mkdir(parents=True)
    book = openpyxl.Workbook()
    book.active.title = "Sheet1"
    book.save(path)
    with pytest.raises(InputError, match="no sheet named 'coding'"):
        run_import(study, path, coder="coder_b")
    assert_nothing_written(study)


def test_a_corrupt_workbook_and_unknown_types_and_missing_files(study):
    corrupt = write_csv(study, "coder_b.xlsx", "not a zip")
    with pytest.raises(InputError, match="cannot be read as an Excel workbook"):
        run_import(study, corrupt, coder="coder_b")
    ods = write_csv(study, "coder_b.ods", "x")
    with pytest.raises(InputError, match=r"unsupported file type '\.ods'"):
        run_import(study, ods, coder="coder_b")
    with pytest.raises(InputError, match="codings file not found"):
        run_import(study, study["data"] / "nobody.csv")
    assert_nothing_written(study)


def test_missing_cleaned_transcript(study):
    (study["clean"] / "50002_1.txt").unlink()
    path = write_csv(
        study,
        "coder_a.csv",
        "coder,transcript_id,code,start,end\ncoder_a,50002_1,peer_network,1,5\n",
    )
    with pytest.raises(InputError, match=r"50002_1\.txt: cleaned transcript not found"):
        run_import(study, path)
    assert_nothing_written(study)


# ---------------------------------------------------------------------------------------------
# Stage entry and helpers
# ---------------------------------------------------------------------------------------------


def test_import_coder_writes_codings_and_status(study):
    u = unit(study, "50001_1:4")
    path = write_csv(
        study,
        "coder_a.csv",
        "coder,transcript_id,code,start,end,memo\n"
        f'coder_a,50001_1,peer_network,{u["start"]},{u["end"]},"a memo, with a comma"\n',
    )
    run_import(study, path)
    codings = pd.read_csv(study["out_csv"], dtype=str, keep_default_na=False)
    assert list(codings.columns) == CODING_COLUMNS
    assert codings.values.tolist() == [
        ["coder_a", "50001_1:4", "50001_1", "peer_network", "a memo, with a comma"]
    ]
    status = pd.read_csv(study["out_status"], keep_default_na=False)
    assert list(status.columns) == ["kind", "count", "detail"]
    assert status["kind"].tolist() == [
        "rows_read",
        "spans_read",
        "duplicate",
        "spans_merged",
        "spans_without_unit",
        "other_coder_spans",
        "codings",
        "units_coded",
        "transcripts_coded",
    ]
    assert status["count"].tolist() == [1, 1, 0, 0, 0, 0, 1, 1, 1]
    assert not [p for p in study["out_csv"].parent.iterdir() if p.name.startswith(".")]


def test_read_units_and_load_codings(study, tmp_path):
    units = read_units(study["units_csv"])
    assert units["start"].dtype == np.int64 and units["unit_id"].dtype == object
    codings_csv = tmp_path / "c.csv"
    codings_csv.write_text(
        "coder,unit_id,transcript_id,code,memo\ncoder_a,50001_1:2,50001_1,peer_network,\n"
        "coder_a,50001_1:77,50001_1,peer_network,\n"
    )
    with pytest.raises(InputError) as err:
        load_codings(codings_csv, units, study["codebook"])
    assert err.value.row == 3 and "50001_1:77" in str(err.value)


def test_units_with_bad_numbers_or_repeated_ids(study):
    units = study["units"].astype(str)
    units.loc[2, "end"] = "twelve"
    with pytest.raises(InputError, match="end must be a whole number, not 'twelve'") as err:
        check_units(units, source="units.csv")
    assert err.value.row == 4
    twice = pd.concat([study["units"], study["units"].iloc[[0]]], ignore_index=True)
    with pytest.raises(InputError, match="'50001_1:1' is listed twice"):
        check_units(twice)
