"""Hardening against real-world and hostile input: masked messages, the leak gate, formula
injection, YAML safety, inputs that would give wrong results."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_transcripts import PATTERNS, SPEAKERS, study  # noqa: F401  (fixture)

import qualflow.clean.transcript
from qualflow.clean.run import clean_study
from qualflow.errors import InputError

# ---------------------------------------------------------------- masked error messages

BAD_SRT = (
    "1\n00:00:01,000 --> 00:00:02,000\nINT: Hi\n\n2\n00:00:03,000 --> 00:00:04,000\n"
    "Dr. Lim: who are you?\n"
)


def _clean(root: Path, redaction: Path | None, threads: int = 1) -> None:
    clean_study(
        root / "interviews.csv",
        root / "transcripts",
        redaction,
        SPEAKERS,
        PATTERNS,
        root / "out",
        threads=threads,
    )


@pytest.mark.parametrize("threads", [1, 2])
def test_cleaning_errors_mask_listed_terms(study, threads):  # noqa: F811
    (study / "transcripts" / "50002_2.srt").write_text(BAD_SRT)
    # positive control: without the list the message quotes the name
    with pytest.raises(InputError) as err:
        _clean(study, None, threads)
    assert "Dr. Lim" in str(err.value)
    with pytest.raises(InputError) as err:
        _clean(study, study / "redaction.csv", threads)
    message = str(err.value)
    assert "Lim" not in message and "[STAFF_1]" in message
    assert err.value.file.endswith("50002_2.srt") and err.value.line == 7


# ---------------------------------------------------------------- leak gate

GATE_LIST = [("Dr Lee", "STAFF", "lee"), ("Pei Shan", "STAFF", "ong")]


def gate_redactor():
    import pandas as pd

    from qualflow.clean.deid import Redactor

    return Redactor(pd.DataFrame(GATE_LIST, columns=["term", "kind", "entity"]), PATTERNS)


def _docx(path: Path, runs: list[str]) -> Path:
    import docx

    document = docx.Document()
    paragraph = document.add_paragraph()
    for text in runs:
        paragraph.add_run(text).bold = True
    document.add_paragraph("Second paragraph.")
    document.save(str(path))
    return path


def _xlsx(path: Path, value: str) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "quote"
    book.active["A2"] = value
    book.save(path)
    return path


def test_gate_reads_docx_runs_xlsx_cells_and_html(tmp_path):
    from qualflow.clean.leakgate import scan_file

    redactor = gate_redactor()
    # a name split over two bold runs of one paragraph is found in the document XML
    leaks = scan_file(redactor, _docx(tmp_path / "a.docx", ["Then Dr ", "Lee came"]))
    assert [(leak.member, leak.what) for leak in leaks] == [("word/document.xml", "[STAFF_1]")]
    # control: the same words in two paragraphs are not one name
    assert scan_file(redactor, _docx(tmp_path / "b.docx", ["Then Dr"])) == []
    leaks = scan_file(redactor, _xlsx(tmp_path / "a.xlsx", "ring 9503.8057"))
    assert [leak.what for leak in leaks] == ["[PHONE]"] and leaks[0].member.startswith("xl/")
    assert scan_file(redactor, _xlsx(tmp_path / "b.xlsx", "ring [PHONE_1]")) == []
    image = "data:image/png;base64," + "iVBORw0KGgoAAAANSUhEUgAA+lee/" * 20
    page = (
        f'<html><body><img src="{image}" alt="photo of Pei-Shan"><table><tr><td>Dr.</td>'
        "<td>Lee</td></tr></table><p>Ask <b>Dr. </b><i>Lee</i></p></body></html>"
    )
    (tmp_path / "n.html").write_text(page)
    leaks = scan_file(redactor, tmp_path / "n.html")
    assert [leak.what for leak in leaks] == ["[STAFF_2]", "[STAFF_1]"]
    assert page[leaks[0].offset : leaks[0].offset + 8] == "Pei-Shan"
    assert page[leaks[1].offset : leaks[1].offset + 3] == "Dr."


def test_gate_over_results_and_logs_positive_control(tmp_path):
    from qualflow.clean.leakgate import LeakError, leak_gate

    results, logs = tmp_path / "results", tmp_path / "logs"
    (results / "tables").mkdir(parents=True)
    logs.mkdir()
    (results / "tables" / "t.csv").write_text("quote\n[STAFF_1] was kind\n")
    _docx(results / "tables" / "t.docx", ["[STAFF_1] came"])
    (results / "f.png").write_bytes(b"\x89PNG Dr Lee")
    (logs / "clean.log").write_text("INFO cleaned 3 transcripts\n")
    report = results / "leak_gate.txt"
    leak_gate(gate_redactor(), [results, logs], report)
    assert "no listed term" in report.read_text()
    report.unlink()
    # positive control: one surviving name in a log fails the gate, naming file and offset
    log = "INFO cleaned 3 transcripts\nERROR pei shan: bad line\n"
    (logs / "clean.log").write_text(log)
    with pytest.raises(LeakError) as err:
        leak_gate(gate_redactor(), [results, logs], report)
    offset = log.index("pei shan")
    assert err.value.file == str(logs / "clean.log") and f"offset {offset}:" in err.value.problem
    assert "pei" not in str(err.value).lower() and not report.exists()


def test_gate_scans_repeated_content_once_but_reports_every_leaking_copy(tmp_path):
    """Identical clean contents are scanned once (the cleaned texts reappear in texts.zip and
    every .qdpx); a leaking content is never remembered, so each copy is named."""
    import zipfile

    from qualflow.clean import leakgate

    results = tmp_path / "results"
    results.mkdir()
    clean, leaking = "[STAFF_1] was kind\n", "then Dr Lee came\n"
    for name in ("a.txt", "b.txt"):
        (results / name).write_text(clean)
    with zipfile.ZipFile(results / "texts.zip", "w") as bundle:
        bundle.writestr("a.txt", clean)
        bundle.writestr("x.txt", leaking)
    (results / "y.txt").write_text(leaking)
    calls = []
    original = leakgate.find_leaks

    def counted(redactor, text, file, member=None):
        calls.append((file, member))
        return original(redactor, text, file, member)

    leakgate.find_leaks = counted
    try:
        with pytest.raises(leakgate.LeakError) as err:
            leakgate.leak_gate(gate_redactor(), [results], results / "leak_gate.txt")
    finally:
        leakgate.find_leaks = original
    assert calls == [(str(results / "a.txt"), None), (str(results / "texts.zip"), "x.txt"),
                     (str(results / "y.txt"), None)]  # fmt: skip
    assert "(2 leak(s) in 2 file(s))" in err.value.problem


def test_gate_on_cleaned_output(study):  # noqa: F811
    from qualflow.clean.deid import Redactor
    from qualflow.clean.leakgate import LeakError, check_clean_transcript
    from qualflow.clean.transcript import clean_transcript

    redactor = Redactor.from_csv(study / "redaction.csv", PATTERNS)
    result = clean_transcript(study / "transcripts" / "50001_1.txt", "50001_1", SPEAKERS, redactor)
    check_clean_transcript(redactor, result)  # passes: everything was redacted
    result.text += "\nParticipant: and Dr. Lim again\n"  # a leak injected after redaction
    with pytest.raises(LeakError, match=r"50001_1\.txt.*offset \d+: \[STAFF_1\] survives"):
        check_clean_transcript(redactor, result)


# ---------------------------------------------------------------- CSV formula injection


def test_people_csvs_are_formula_safe_and_read_back_exact(tmp_path):
    import pandas as pd

    from qualflow.io import OutputSet, write_csv
    from qualflow.present.tables import read_result

    cells = ['=HYPERLINK("http://x","click")', "+1+2", "-cmd|' /C calc'!A0", "@SUM(A1)", "\tx"]
    cells += ["-0.12", "plain", "'=already"]
    from qualflow.contracts import EXEMPLAR_COLUMNS

    frame = pd.DataFrame({column: "s" for column in EXEMPLAR_COLUMNS}, index=range(len(cells)))
    frame["quote"] = cells
    frame["n_words"] = range(len(cells))
    with OutputSet() as out:
        out.csv(tmp_path / "themes" / "exemplars.csv", frame)
        out.csv(tmp_path / "clean" / "units.csv", frame)
    write_csv(tmp_path / "tables" / "t.csv", frame)
    people = pd.read_csv(tmp_path / "themes" / "exemplars.csv", dtype=str, keep_default_na=False)
    assert people["quote"].tolist()[:5] == ["'" + c for c in cells[:5]]
    assert people["quote"].tolist()[5:] == ["-0.12", "plain", "'=already"]
    assert (tmp_path / "tables" / "t.csv").read_bytes() == (
        tmp_path / "themes" / "exemplars.csv"
    ).read_bytes()
    # positive control: a machine file keeps the live text
    machine = pd.read_csv(tmp_path / "clean" / "units.csv", dtype=str, keep_default_na=False)
    assert machine["quote"].tolist() == cells
    # the machine reader of people CSVs gets the text back exactly (but the already-prefixed)
    back = read_result(tmp_path / "themes" / "exemplars.csv", "exemplars")
    assert back["quote"].tolist()[:7] == cells[:7]


# ---------------------------------------------------------------- YAML the study supplies

GOOD_CODEBOOK = """categories:
  - name: barriers
    label: Barriers
    subthemes:
      - name: workload
        label: Workload
        codes:
          - name: long_shifts
            label: Long shifts
            definition: Shifts that run long.
"""


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("a: &x [1, 2]\nb: *x\n", 1, "anchors and aliases"),
        ("a: 1\nb: 2\na: 3\n", 3, "key 'a' is given twice, on lines 1 and 3"),
        ("a: [1, 2\nb: 3\n", 2, "not valid YAML"),
        ("a:\n  - b\n c: d\n", 3, "not valid YAML"),
    ],
)
def test_study_yaml_is_strict(tmp_path, text, line, message):
    from qualflow.io import load_yaml

    path = tmp_path / "config.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=message) as err:
        load_yaml(path)
    assert err.value.file == str(path) and err.value.line == line


def test_yaml_alias_bomb_is_refused_quickly(tmp_path):
    import time

    from qualflow.io import load_yaml

    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [
        f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)
    ]
    path = tmp_path / "codebook.yaml"
    path.write_text("\n".join(lines) + "\n")
    t0 = time.perf_counter()
    with pytest.raises(InputError, match="aliases") as err:
        load_yaml(path)
    assert err.value.line == 1 and time.perf_counter() - t0 < 5


def test_codebook_latin1_and_duplicate_key_named(tmp_path):
    from qualflow.codebook.read import load_codebook

    path = tmp_path / "codebook.yaml"
    path.write_text(GOOD_CODEBOOK)
    assert load_codebook(path)["code"].tolist() == ["long_shifts"]  # control: the file is fine
    path.write_bytes(GOOD_CODEBOOK.replace("Shifts", "Caf\xe9 shifts").encode("latin-1"))
    with pytest.raises(InputError, match="not UTF-8") as err:
        load_codebook(path)
    assert err.value.file == str(path) and err.value.line == 10
    path.write_text(
        GOOD_CODEBOOK.replace("    label: Barriers\n", "    label: Barriers\n    label: B\n")
    )
    with pytest.raises(InputError, match="lines 3 and 4") as err:
        load_codebook(path)


def test_config_duplicate_key_stops_the_workflow_naming_both_lines(tmp_path):
    import shutil
    import subprocess
    import sys

    repo = Path(__file__).resolve().parents[1]
    shutil.copytree(repo / "data", tmp_path / "data")
    text = (repo / "config.yaml").read_text()
    assert "  dpi: 300\n" in text
    lines = text.splitlines()
    first = lines.index("  dpi: 300") + 1
    (tmp_path / "config.yaml").write_text(text.replace("  dpi: 300\n", "  dpi: 300\n  dpi: 150\n"))
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "-s", str(repo / "Snakefile"), "-n"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert (
        f"key 'dpi' is given twice, on lines {first} and {first + 1}" in proc.stdout + proc.stderr
    )


# ---------------------------------------------------------------- inputs that give wrong results

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def tables(tmp_path):
    import shutil

    for name in ["participants.csv", "interviews.csv", "screening.csv"]:
        shutil.copy(REPO / "data" / name, tmp_path / name)
    return tmp_path


def _edit_row(path: Path, row: int, old: str, new: str) -> None:
    """Replace ``old`` by ``new`` in spreadsheet row ``row`` (header = row 1)."""
    lines = path.read_text().splitlines(keepends=True)
    assert old in lines[row - 1]
    lines[row - 1] = lines[row - 1].replace(old, new, 1)
    path.write_text("".join(lines))


def _check(folder: Path) -> None:
    from qualflow.study import check_study

    check_study(folder / "participants.csv", folder / "interviews.csv", folder / "screening.csv")


def test_demo_study_tables_agree(tables):
    _check(tables)  # control: the demo passes every check below


@pytest.mark.parametrize(
    ("file", "row", "old", "new", "message"),
    [
        ("interviews.csv", 2, ",88,", ",-88,", "not a plausible interview length"),
        ("interviews.csv", 3, ",65,", ",2000,", "not a plausible interview length"),
        ("interviews.csv", 4, "2020-03-05", "2020-13-05", "not a date written YYYY-MM-DD"),
        ("interviews.csv", 4, "2020-03-05", "5 March", "not a date"),
        ("screening.csv", 3, "S02,", "S01,", "staff_id 'S01' is listed twice .also row 2"),
        ("screening.csv", 3, ",50001", ",59999", "participant_id 59999 is not in"),
        ("screening.csv", 3, ",50001", ",", "participant_id is empty"),
    ],
)
def test_study_tables_that_would_give_wrong_counts(tables, file, row, old, new, message):
    _edit_row(tables / file, row, old, new)
    with pytest.raises(InputError, match=message) as err:
        _check(tables)
    assert err.value.file == str(tables / file) and err.value.row == row


def test_participant_without_interviews(tables):
    path = tables / "participants.csv"
    lines = path.read_text().splitlines(keepends=True)
    path.write_text("".join(lines) + lines[1].replace("50001,", "50099,", 1))
    with pytest.raises(InputError, match="participant 50099 has no interview") as err:
        _check(tables)
    assert err.value.file == str(path) and err.value.row == len(lines) + 1


def test_participant_with_interviews_but_no_participants_row(tables):
    lines = (tables / "participants.csv").read_text().splitlines(keepends=True)
    (tables / "participants.csv").write_text("".join(lines[:1] + lines[2:]))  # drop 50001
    with pytest.raises(InputError, match="participant 50001 has interviews but no row") as err:
        _check(tables)
    assert err.value.file == str(tables / "interviews.csv") and err.value.row == 2


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"exemplars": {"min_words": 90, "max_words": 80}}, "min_words .90. is larger"),
        ({"coders": {"a": "data/x.csv", "b": "data/../data/x.csv"}}, "same file"),
    ],
)
def test_config_values_that_contradict(edit, message):
    from qualflow.study import check_config_values

    config = {"exemplars": {"min_words": 25, "max_words": 80}, "coders": {"a": "1", "b": "2"}}
    check_config_values(config)  # control
    with pytest.raises(InputError, match=message) as err:
        check_config_values({**config, **edit})
    assert err.value.file == "config.yaml"


def test_absurd_figure_width_is_refused_by_the_schema():
    import yaml
    from snakemake.exceptions import WorkflowError
    from snakemake.utils import validate

    config = yaml.safe_load((REPO / "config.yaml").read_text())
    config["waves"] = {str(k): v for k, v in config["waves"].items()}
    schema = str(REPO / "workflow" / "schemas" / "config.schema.yaml")
    validate(config, schema)  # control
    config["figures"]["width_in"] = 2000
    with pytest.raises(WorkflowError, match="width_in"):
        validate(config, schema)


def test_transcript_without_participant_turns_and_implausible_share(tmp_path, monkeypatch):
    from qualflow.clean.transcript import clean_transcript

    path = tmp_path / "50001_1.txt"
    path.write_text("Interviewer: How was it?\n\nInterviewer: And then?\n")
    with pytest.raises(InputError, match="no participant turns") as err:
        clean_transcript(path, "50001_1", SPEAKERS)
    assert err.value.file == str(path)
    # labels missing: the participant's words merged into the interviewer's turn
    path.write_text(
        "Interviewer: How was it? It was hard at first, the shifts were long and nobody "
        "told me what the role was, so I made it up as I went along.\n\nParticipant: Yes.\n"
    )
    report = clean_transcript(path, "50001_1", SPEAKERS).report
    assert "participant has 3% of the words" in report["warnings"]
    monkeypatch.setattr(qualflow.clean.transcript, "LARGE_TRANSCRIPT_BYTES", 100)
    report = clean_transcript(path, "50001_1", SPEAKERS).report
    assert "larger than any interview" in report["warnings"]
    path.write_text("Interviewer: How was it?\n\nParticipant: Hard at first, then fine.\n")
    monkeypatch.setattr(qualflow.clean.transcript, "LARGE_TRANSCRIPT_BYTES", 10**9)
    assert clean_transcript(path, "50001_1", SPEAKERS).report["warnings"] == ""  # control


# ---------------------------------------------------------------- reproducible Office files


def test_workbooks_are_byte_identical_across_saves(tmp_path, monkeypatch):
    import datetime as dt
    import zipfile

    import openpyxl

    from qualflow.io import save_workbook

    def book(created):
        b = openpyxl.Workbook()
        b.active["A1"] = "quote"
        b.properties.created = created
        return b

    # positive control: plain saves at different times differ
    book(dt.datetime(2020, 1, 1)).save(tmp_path / "a.xlsx")
    book(dt.datetime(2021, 1, 1)).save(tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() != (tmp_path / "b.xlsx").read_bytes()
    save_workbook(book(dt.datetime(2020, 1, 1)), tmp_path / "a.xlsx")
    save_workbook(book(dt.datetime(2021, 1, 1)), tmp_path / "b.xlsx")
    assert (tmp_path / "a.xlsx").read_bytes() == (tmp_path / "b.xlsx").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.xlsx") as archive:
        assert {i.date_time for i in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert "2000-01-01T00:00:00Z" in archive.read("docProps/core.xml").decode()
    assert openpyxl.load_workbook(tmp_path / "a.xlsx").active["A1"].value == "quote"


def test_temporaries_orphaned_by_a_killed_run_are_removed(tmp_path):
    import pandas as pd

    from qualflow.io import write_csv

    (tmp_path / ".units.ab12cd34.tmp.csv").write_text("half")  # left by kill -9
    (tmp_path / ".units.b.ab12cd34.tmp.csv").write_text("other")  # another target's (units.b)
    (tmp_path / ".units.ab12cd34.tmp.txt").write_text("other")  # another target's (units.txt)
    write_csv(tmp_path / "units.csv", pd.DataFrame({"a": [1]}))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == [".units.ab12cd34.tmp.txt", ".units.b.ab12cd34.tmp.csv", "units.csv"]


def test_output_set_lists_each_folder_once_and_removes_only_its_targets_orphans(
    tmp_path, monkeypatch
):
    """Unpacking 29,000 texts listed their folder once per text (29,000 × 58,000 entries):
    an OutputSet now lists each folder once, with the same orphan rules as above."""
    import os

    import qualflow.io
    from qualflow.io import OutputSet

    (tmp_path / ".t7.ab12cd34.tmp.txt").write_text("half")  # t7.txt's, left by kill -9
    (tmp_path / ".t7.ab12cd34.tmp.csv").write_text("other")  # t7.csv's: not written here
    (tmp_path / ".keep.ab12cd34.tmp.txt").write_text("other")  # keep.txt's: not written here
    listings = []
    scandir = os.scandir

    def counted(path):
        listings.append(path)
        return scandir(path)

    monkeypatch.setattr(qualflow.io.os, "scandir", counted)
    with OutputSet() as out:
        for k in range(50):
            out.text(tmp_path / f"t{k}.txt", f"text {k}\n")
    assert len(listings) == 1
    names = sorted(p.name for p in tmp_path.iterdir() if p.name.startswith("."))
    assert names == [".keep.ab12cd34.tmp.txt", ".t7.ab12cd34.tmp.csv"]
    assert (tmp_path / "t7.txt").read_text() == "text 7\n"


def test_xlsx_formula_without_saved_value_is_an_error_naming_the_cell(tmp_path):
    import openpyxl

    from qualflow.sheets import read_workbook

    book = openpyxl.Workbook()
    book.active.append(["unit_id", "long_shifts"])
    book.active.append(["50001_1:2", 1])
    book.save(tmp_path / "coder.xlsx")
    with read_workbook(tmp_path / "coder.xlsx"):
        pass  # control: plain values read
    book.active.append(["50001_1:4", "=1"])  # openpyxl saves formulas without results
    book.save(tmp_path / "coder.xlsx")
    with pytest.raises(InputError, match="cell B3 .* formula with no saved value") as err:
        with read_workbook(tmp_path / "coder.xlsx"):
            pass
    assert err.value.row == 3 and err.value.file == str(tmp_path / "coder.xlsx")


def test_gate_finds_a_name_spelled_one_edit_off_in_a_coders_memo(tmp_path):
    """A coder's memo (xlsx) spelling a listed name with one slip fails the gate, naming the
    file and the entity, never the word; deid.not_names lets an ordinary word through."""
    import pandas as pd

    from qualflow.clean.deid import Redactor
    from qualflow.clean.leakgate import LeakError, leak_gate, run_leak_gate

    rows = [("Halimah", "STAFF", "halimah"), ("Maria", "PARTICIPANT", "maria")]
    results = tmp_path / "results"
    results.mkdir()
    _xlsx(results / "disagreements.xlsx", "memo: Halima said the ward was calm")
    report = results / "leak_gate.txt"
    redactor = Redactor(pd.DataFrame(rows, columns=["term", "kind", "entity"]))
    with pytest.raises(LeakError) as err:
        leak_gate(redactor, [results], report)
    message = str(err.value)
    assert "disagreements.xlsx" in message and "one edit from [STAFF_1]" in message
    assert "halima" not in message.lower() and not report.exists()
    (results / "disagreements.xlsx").unlink()
    (results / "notes.txt").write_text("a week of mania\n")
    redaction = tmp_path / "redaction.csv"
    pd.DataFrame(rows, columns=["term", "kind", "entity"]).to_csv(redaction, index=False)
    with pytest.raises(LeakError):
        run_leak_gate(redaction, [], [results], report)
    run_leak_gate(redaction, [], [results], report, not_names=["mania"])
    assert "no listed term" in report.read_text()


def test_cleaning_finds_a_speaker_label_spelled_one_edit_off(tmp_path):
    """A speaker label is masked in the report only where listed: one written with a slip
    (``Benedikt:`` for a listed Benedict) stops cleaning."""
    import pandas as pd

    from qualflow.clean.deid import Redactor
    from qualflow.clean.leakgate import LeakError
    from qualflow.clean.transcript import clean_transcript

    path = tmp_path / "50001_1.txt"
    path.write_text("Benedikt: How was it?\nP: Fine, thanks.\n", encoding="utf-8")
    rows = [("Benedict", "STAFF", "benedict")]
    redactor = Redactor(pd.DataFrame(rows, columns=["term", "kind", "entity"]))
    speakers = {"interviewer": ["Benedikt"], "participant": ["P"]}
    with pytest.raises(LeakError) as err:
        clean_transcript(path, "50001_1", speakers, redactor)
    assert "cleaning_report.csv" in str(err.value) and "benedikt" not in str(err.value).lower()
