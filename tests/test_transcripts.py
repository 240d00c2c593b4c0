"""Cleaning stage: readers, normalisation, turns, markers, offsets, and the study run."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import docx
import pandas as pd
import pytest

from qualflow.clean.deid import Redactor
from qualflow.clean.formats import (
    RawDocument,
    RawLine,
    decode_transcript,
    detect_encoding,
    read_docx,
    read_srt,
    read_transcript,
    read_txt,
    read_vtt,
)
from qualflow.clean.normalise import count_words, normalise_text
from qualflow.clean.run import clean_study
from qualflow.clean.transcript import clean_transcript
from qualflow.clean.turns import extract_markers, marker_kind, parse_turns, speaker_aliases
from qualflow.contracts import MARKER_COLUMNS, REPORT_COLUMNS, UNIT_COLUMNS
from qualflow.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
SPEAKERS = {
    "interviewer": ["Interviewer", "INT", "I", "Int.", "Moderator"],
    "participant": ["Participant", "P", "R", "Respondent", "PSS"],
}
PATTERNS = ["phone", "email", "nric"]


def doc_from(text: str, merge: bool = False) -> RawDocument:
    """A RawDocument from plain text, as read_txt would build it."""
    lines, previous_blank = [], True
    for number, line in enumerate(normalise_text(text).split("\n"), start=1):
        lines.append(RawLine(number, line, start=previous_blank and bool(line)))
        previous_blank = not line
    return RawDocument(Path("t.txt"), "txt", "utf-8", False, lines, merge_same_speaker=merge)


def write_interviews(path: Path, files: dict[str, str | None]) -> Path:
    """interviews.csv for ``{transcript_id: file name or None (not recorded)}``."""
    rows = []
    for tid, name in files.items():
        pid, wave = tid.split("_")
        rows.append(
            {
                "participant_id": pid,
                "wave": wave,
                "date": "2019-05-01",
                "duration_min": "" if name is None else "60",
                "recorded": "no" if name is None else "yes",
                "transcript_file": name or "",
                "note": "",
            }
        )
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


@pytest.fixture
def study(tmp_path: Path) -> Path:
    """A small study: the four fixture transcripts plus a cp1252 .txt and a .docx."""
    folder = tmp_path / "transcripts"
    folder.mkdir()
    for name in ["50001_1.txt", "50001_2.txt", "50002_1.vtt", "50002_2.srt"]:
        shutil.copy(FIXTURES / name, folder / name)
    shutil.copy(FIXTURES / "redaction.csv", tmp_path / "redaction.csv")
    cp1252 = "Interviewer: How was the café?\r\n\r\nR: It’s where Dr Lim meets us – every week.\r\n"
    (folder / "50003_1.txt").write_bytes(cp1252.encode("cp1252"))
    make_docx(folder / "50003_2.docx")
    write_interviews(
        tmp_path / "interviews.csv",
        {
            "50001_1": "50001_1.txt",
            "50001_2": "50001_2.txt",
            "50001_3": None,
            "50002_1": "50002_1.vtt",
            "50002_2": "50002_2.srt",
            "50003_1": "50003_1.txt",
            "50003_2": "50003_2.docx",
        },
    )
    return tmp_path


def make_docx(path: Path) -> None:
    document = docx.Document()
    document.add_paragraph("Interview notes, 50003_2")
    para = document.add_paragraph()
    para.add_run("INT").bold = True
    para.add_run("\tHow did the new rota work out?")
    para = document.add_paragraph()
    para.add_run("Participant:").bold = True
    para.add_run(" Better. Nurse Farah swapped two shifts with me")
    para.add_run().add_break()
    para.add_run("so I could attend the course.")
    para = document.add_paragraph()
    para.add_run("Really").bold = True
    para.add_run(" it made a difference.")
    document.add_paragraph("")
    para = document.add_paragraph()
    para.add_run("I").bold = True
    para.add_run(": [00:20:15] Good to hear.")
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "R"
    table.cell(0, 1).text = "Thanks [laughs]."
    document.save(str(path))


def run_study(root: Path, out: Path | None = None, threads: int = 1) -> Path:
    out = out or root / "out"
    clean_study(
        root / "interviews.csv",
        root / "transcripts",
        root / "redaction.csv",
        SPEAKERS,
        PATTERNS,
        out,
        threads=threads,
    )
    return out


# ---------------------------------------------------------------- normalisation, encodings


def test_normalise_text_rules():
    raw = (
        "Line\u00a0one\u2003with  spaces\r\n"
        "\u201cQuoted\u201d and \u2018single\u2019 \u00a0 \r"
        "cafe\u0301\u200b\tend \n\n  last  "
    )
    out = normalise_text(raw)
    assert out == "Line one with spaces\n\"Quoted\" and 'single'\ncafé end\n\nlast"
    assert out.count("\n") == raw.replace("\r\n", "\n").replace("\r", "\n").count("\n")
    assert "\u0301" not in out and "\r" not in out


def test_count_words():
    assert count_words("  two\twords ") == 2
    assert count_words("") == 0


@pytest.mark.parametrize(
    ("data", "encoding", "bom"),
    [
        (b"plain ascii", "utf-8", False),
        ("caf\u00e9 \u2019".encode(), "utf-8", False),
        (b"\xef\xbb\xbfwith bom", "utf-8-sig", True),
        ("It\u2019s fine.\nOkay.\n".encode("cp1252"), "cp1252", False),
        (
            ("The caf\u00e9 \u2013 it\u2019s \u201cnice\u201d.\n" * 400).encode("cp1252"),
            "cp1252",
            False,
        ),
        ("x: 1\n".encode("utf-16"), "utf-16", True),
    ],
)
def test_detect_encoding(data, encoding, bom):
    assert detect_encoding(data) == (encoding, bom)


def test_decode_cp1252_round_trip():
    text = "Interviewer: The caf\u00e9?\nR: It\u2019s \u2013 fine."
    decoded, encoding, bom = decode_transcript(text.encode("cp1252"), "x.txt")
    assert (decoded, encoding, bom) == (text, "cp1252", False)


def test_undecodable_file_names_file_and_line(tmp_path):
    path = tmp_path / "50001_1.txt"
    path.write_bytes(b"Interviewer: hi\nR: \x00\x9d\xff\xfe\x00binary")
    with pytest.raises(InputError) as err:
        read_txt(path)
    assert err.value.file == str(path) and err.value.line == 2
    assert "cannot be decoded" in str(err.value)


def test_read_txt_bom_crlf(tmp_path):
    path = tmp_path / "50001_1.txt"
    path.write_bytes(b"\xef\xbb\xbfInterviewer: Hi\r\nthere\r\n\r\nR: Hello\r\n")
    doc = read_txt(path)
    assert (doc.encoding, doc.had_bom, doc.format) == ("utf-8-sig", True, "txt")
    assert [line.text for line in doc.lines] == ["Interviewer: Hi", "there", "", "R: Hello", ""]
    assert [line.start for line in doc.lines][:4] == [True, False, False, True]


# ---------------------------------------------------------------- readers


def test_read_docx_bold_labels_breaks_and_tables(tmp_path):
    path = tmp_path / "50003_2.docx"
    make_docx(path)
    doc = read_docx(path)
    assert doc.format == "docx" and doc.unit == "paragraph"
    parsed = parse_turns(doc, SPEAKERS, 50003)
    assert [t.speaker for t in parsed.turns] == ["interviewer", "participant", "interviewer"] + [
        "participant"
    ]
    assert parsed.turns[0].text == "How did the new rota work out?"
    assert parsed.turns[1].text == (
        "Better. Nurse Farah swapped two shifts with me so I could attend the course. "
        "Really it made a difference."
    )
    assert parsed.turns[2].text == "[00:20:15] Good to hear."
    assert parsed.turns[3].text == "Thanks [laughs]."
    assert parsed.n_header_lines == 1
    assert parsed.labels == {
        "INT": "interviewer",
        "Participant": "participant",
        "I": "interviewer",
        "R": "participant",
    }


def test_read_docx_damaged(tmp_path):
    path = tmp_path / "50001_1.docx"
    path.write_bytes(b"not a zip")
    with pytest.raises(InputError, match="cannot be read as a .docx"):
        read_docx(path)


def test_read_vtt_voices_prefixes_and_merging():
    doc = read_vtt(FIXTURES / "50002_1.vtt")
    assert doc.merge_same_speaker and doc.lines[0].voice == "Interviewer"
    assert doc.lines[0].number == 7  # the first text line of cue 1
    parsed = parse_turns(doc, SPEAKERS, 50002)
    assert [t.speaker for t in parsed.turns] == [
        "interviewer",
        "participant",
        "interviewer",
        "participant",
    ]
    # two Participant cues and one cue without a speaker form one turn, cue times inline
    assert parsed.turns[1].text == (
        "[00:00:06.000] They went better than I expected. The staff on Ward 7B know me now. "
        "[00:00:12.000] Dr Lim even asked me to join the morning huddle, which surprised me. "
        "[00:00:18.500] and I said yes [laughs]."
    )
    assert parsed.turns[3].text.endswith("everyone standing, & then we go.")


def test_read_srt_prefixes_tags_and_voice():
    doc = read_srt(FIXTURES / "50002_2.srt")
    parsed = parse_turns(doc, SPEAKERS, 50002)
    assert [t.label for t in parsed.turns] == ["INT", "R", "Interviewer", "R"]
    assert parsed.turns[1].text == (
        "[00:00:06,500] It is, but I rarely speak in it. "
        "[00:00:10,000] People talk over me [crosstalk] and then it ends."
    )


def test_read_vtt_malformed(tmp_path):
    path = tmp_path / "50001_1.vtt"
    path.write_text("this is not webvtt\n")
    with pytest.raises(InputError, match="WebVTT"):
        read_vtt(path)


def test_read_transcript_unsupported(tmp_path):
    path = tmp_path / "50001_1.pdf"
    path.write_bytes(b"%PDF")
    with pytest.raises(InputError, match="unsupported transcript format"):
        read_transcript(path)


# ---------------------------------------------------------------- speakers and turns


def test_labels_case_insensitive_aliases_and_participant_id():
    doc = doc_from("int: Hi.\nINT.: Again.\n50007: Me.\nrespondent: Also me.\nInt: Bye.")
    parsed = parse_turns(doc, SPEAKERS, 50007)
    assert [t.speaker for t in parsed.turns] == [
        "interviewer",
        "interviewer",
        "participant",
        "participant",
        "interviewer",
    ]
    assert [t.text for t in parsed.turns] == ["Hi.", "Again.", "Me.", "Also me.", "Bye."]


def test_wrapped_lines_header_and_continuation_that_looks_like_a_label():
    doc = doc_from(
        "Study: pilot, site B\nsecond header line\n\n"
        "Interviewer: first line\nsecond line\n\n"
        "Participant: it went\nHonestly: it was hard\nand long."
    )
    with pytest.raises(InputError) as err:  # "Study:" is a label-shaped first line
        parse_turns(doc, SPEAKERS)
    assert err.value.line == 1
    doc = doc_from(
        "Transcript 50001_1, recorded in May\nStudy: pilot\n\n"
        "Interviewer: first line\nsecond line\n\n"
        "Participant: it went\nHonestly: it was hard\nand long."
    )
    parsed = parse_turns(doc, SPEAKERS)
    assert parsed.n_header_lines == 2
    assert parsed.n_wrapped_lines_joined == 3
    assert [t.text for t in parsed.turns] == [
        "first line second line",
        "it went Honestly: it was hard and long.",
    ]


def test_consecutive_turns_of_one_speaker_stay_separate_in_text_files():
    parsed = parse_turns(doc_from("I: a\nR: b\nR: c"), SPEAKERS)
    assert [t.text for t in parsed.turns] == ["a", "b", "c"]


def test_unknown_label_at_paragraph_start(tmp_path):
    doc = doc_from("Interviewer: Hello.\n\nDr Tan: Hello to you.\n")
    with pytest.raises(InputError) as err:
        parse_turns(doc, SPEAKERS)
    assert err.value.line == 3 and "'Dr Tan:'" in err.value.problem
    assert "config.yaml" in err.value.problem


def test_unknown_label_in_one_line_per_turn_file():
    doc = doc_from("INT: Hello.\nR: Hi.\nQ: Where were we?\nR: Here.")
    with pytest.raises(InputError) as err:
        parse_turns(doc, SPEAKERS)
    assert err.value.line == 3 and "'Q:'" in err.value.problem


def test_unknown_label_message_masks_listed_names():
    redactor = Redactor.from_csv(FIXTURES / "redaction.csv")
    doc = doc_from("Interviewer: Hello.\n\nMr Velu: Hello to you.\n")
    with pytest.raises(InputError) as err:
        parse_turns(doc, SPEAKERS, redactor=redactor)
    assert "Velu" not in str(err.value) and "[STAFF_3]" in str(err.value)


def test_no_speaker(tmp_path):
    with pytest.raises(InputError, match="no recognisable speaker") as err:
        parse_turns(doc_from("\njust some text\nwith no labels at all"), SPEAKERS)
    assert err.value.line == 2


def test_timestamps_before_label_and_between_label_and_colon():
    parsed = parse_turns(doc_from("[00:01:02] INT: a\n00:01:09 R [00:01:10]: b"), SPEAKERS)
    assert [t.text for t in parsed.turns] == ["[00:01:02] a", "00:01:09 [00:01:10] b"]


def test_clock_times_and_urls_are_not_labels():
    parsed = parse_turns(doc_from("INT: when?\nR: at\n10:30: the meeting\nhttps://x.org"), SPEAKERS)
    assert parsed.turns[1].text == "at 10:30: the meeting https://x.org"


def test_speaker_alias_conflict():
    with pytest.raises(InputError, match="both|interviewer and participant"):
        speaker_aliases({"interviewer": ["X"], "participant": ["x"]})


# ---------------------------------------------------------------- markers


@pytest.mark.parametrize(
    ("note", "kind"),
    [
        ("inaudible", "inaudible"),
        ("Inaudible 00:14:02", "inaudible"),
        ("crosstalk", "crosstalk"),
        ("laughs", "laughter"),
        ("laughter", "laughter"),
        ("long pause", "pause"),
        ("coughs", "other"),
    ],
)
def test_marker_kind(note, kind):
    assert marker_kind(note) == kind


def test_extract_markers_offsets_and_spacing():
    text = (
        "[00:12:31] So I went [inaudible 00:14:02], and (inaudible) then [laughs]. "
        "See [STAFF_1] [sic] and [the ward] (00:13) ok [crosstalk]"
    )
    clean, markers = extract_markers(text)
    assert clean == "So I went, and then. See [STAFF_1] [sic] and [the ward] ok"
    kinds = [(m.kind, m.value) for m in markers]
    assert kinds == [
        ("timestamp", "00:12:31"),
        ("inaudible", "inaudible 00:14:02"),
        ("inaudible", "inaudible"),
        ("laughter", "laughs"),
        ("timestamp", "00:13"),
        ("crosstalk", "crosstalk"),
    ]
    offsets = [m.offset for m in markers]
    assert offsets == [0, 9, 15, 19, clean.index("ok"), len(clean)]


def test_extract_markers_keeps_placeholders_inside_notes():
    clean, markers = extract_markers("He said [inaudible, maybe [STAFF_2]?] yes")
    assert clean == "He said yes"
    assert markers[0].value == "inaudible, maybe [STAFF_2]?" and markers[0].offset == 8


def test_marker_only_turn_is_empty_unit(tmp_path):
    path = tmp_path / "50001_1.txt"
    path.write_text("INT: Go on.\nR: [inaudible]\nINT: Thanks.\n")
    cleaned = clean_transcript(path, "50001_1", SPEAKERS)
    assert cleaned.text == "Interviewer: Go on.\n\nParticipant:\n\nInterviewer: Thanks.\n"
    unit = cleaned.units.iloc[1]
    assert (unit.text, unit.n_words, unit.start, unit.end) == ("", 0, 33, 33)
    assert cleaned.markers["offset"].tolist() == [33]


# ---------------------------------------------------------------- one transcript


@pytest.mark.parametrize("name", ["50001_1.txt", "50001_2.txt", "50002_1.vtt", "50002_2.srt"])
def test_clean_transcript_properties(name):
    redactor = Redactor.from_csv(FIXTURES / "redaction.csv", PATTERNS)
    tid = name.split(".")[0]
    cleaned = clean_transcript(FIXTURES / name, tid, SPEAKERS, redactor)
    text = cleaned.text
    assert text.endswith("\n") and not text.endswith("\n\n") and "\r" not in text
    assert "  " not in text and "\n\n\n" not in text and "\u00a0" not in text
    paragraphs = text[:-1].split("\n\n")
    assert all(re.match(r"^(Interviewer|Participant):( |$)", p) for p in paragraphs)
    assert all("\n" not in p for p in paragraphs)
    units = cleaned.units
    assert list(units.columns) == UNIT_COLUMNS
    assert units["turn"].tolist() == list(range(1, len(paragraphs) + 1))
    assert units["unit_id"].is_unique
    assert units["unit_id"].tolist() == [f"{tid}:{k}" for k in units["turn"]]
    for unit in units.itertuples():
        assert text[unit.start : unit.end] == unit.text
        assert unit.n_words == len(unit.text.split())
        assert paragraphs[unit.turn - 1].startswith(unit.speaker.capitalize() + ":")
    assert list(cleaned.markers.columns) == MARKER_COLUMNS
    assert cleaned.markers["offset"].between(0, len(text)).all()
    assert not re.search(r"\[(inaudible|crosstalk|laughs?|pause)|\d\d:\d\d", text)


def test_marker_offsets_point_into_clean_text():
    redactor = Redactor.from_csv(FIXTURES / "redaction.csv", PATTERNS)
    cleaned = clean_transcript(FIXTURES / "50001_1.txt", "50001_1", SPEAKERS, redactor)
    text = cleaned.text
    by_kind = cleaned.markers.set_index("kind")["offset"]
    assert text[by_kind["inaudible"].iloc[0] :].startswith("so I spent the first week")
    assert text[by_kind["laughter"] :].startswith("and [STAFF_3] showed me")
    units = cleaned.units.set_index("turn")
    ts = cleaned.markers[cleaned.markers["kind"] == "timestamp"]
    assert ts["offset"].tolist() == [units.at[1, "start"], units.at[4, "start"]]
    assert cleaned.report["n_header_lines"] == 2
    assert cleaned.report["n_wrapped_lines_joined"] == 6
    assert cleaned.report["speaker_labels"].startswith("Interviewer→interviewer; 50001→participant")


def test_clean_transcript_bad_id(tmp_path):
    path = tmp_path / "p4_wave2.txt"
    path.write_text("INT: hi\n")
    with pytest.raises(InputError, match="does not parse"):
        clean_transcript(path, "p4_wave2", SPEAKERS)


# ---------------------------------------------------------------- the study


def test_clean_study_outputs(study):
    out = run_study(study)
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "50001_1.txt",
        "50001_2.txt",
        "50002_1.txt",
        "50002_2.txt",
        "50003_1.txt",
        "50003_2.txt",
        "cleaning_report.csv",
        "markers.csv",
        "units.csv",
    ]
    units = pd.read_csv(out / "units.csv", dtype={"text": str}, keep_default_na=False)
    assert list(units.columns) == UNIT_COLUMNS
    assert units["unit_id"].is_unique
    assert units[["participant_id", "wave", "turn"]].equals(
        units[["participant_id", "wave", "turn"]].sort_values(["participant_id", "wave", "turn"])
    )
    for tid, group in units.groupby("transcript_id"):
        text = (out / f"{tid}.txt").read_text(encoding="utf-8")
        assert all(
            text[s:e] == t for s, e, t in zip(group.start, group.end, group.text, strict=True)
        )
    markers = pd.read_csv(out / "markers.csv")
    assert list(markers.columns) == MARKER_COLUMNS
    report = pd.read_csv(out / "cleaning_report.csv", keep_default_na=False)
    kinds = ["STAFF", "PLACE", "PARTICIPANT", "PHONE", "EMAIL", "NRIC"]
    assert list(report.columns) == REPORT_COLUMNS + [f"redacted_{k}" for k in kinds] + [
        "n_header_lines",
        "warnings",
    ]
    row = report.set_index("transcript_id")
    assert row.at["50003_1", "encoding"] == "cp1252"
    assert row.at["50003_2", "format"] == "docx"
    assert (out / "50003_1.txt").read_text().startswith("Interviewer: How was the café?")
    assert row.at["50001_1", "n_turns"] == 6
    assert row.at["50001_1", "redactions"] == "STAFF=6; PLACE=1; PHONE=2"
    assert (row["n_turns"] == units.groupby("transcript_id").size()).all()
    assert (row["n_words"] == units.groupby("transcript_id")["n_words"].sum()).all()
    counts = markers.groupby(["transcript_id", markers["kind"] == "timestamp"]).size()
    assert row.at["50002_1", "n_timestamps"] == counts[("50002_1", True)]


def test_clean_study_parallel_is_identical(study, tmp_path):
    one = run_study(study, tmp_path / "one", threads=1)
    two = run_study(study, tmp_path / "two", threads=3)
    for path in one.iterdir():
        assert path.read_bytes() == (two / path.name).read_bytes(), path.name


def assert_nothing_written(out: Path) -> None:
    assert not out.exists() or not any(out.iterdir())


def test_missing_transcript_names_row(study):
    (study / "transcripts" / "50002_1.vtt").unlink()
    with pytest.raises(InputError) as err:
        run_study(study)
    assert err.value.file.endswith("interviews.csv") and err.value.row == 5
    assert "50002_1.vtt" in err.value.problem
    assert_nothing_written(study / "out")


def test_unlisted_transcript_is_named(study):
    (study / "transcripts" / "50009_1.txt").write_text("INT: hi\n")
    (study / "transcripts" / ".DS_Store").write_bytes(b"\x00")
    (study / "transcripts" / "~$50001_1.docx").write_bytes(b"lock")
    with pytest.raises(InputError, match="not listed") as err:
        run_study(study)
    assert err.value.file.endswith("50009_1.txt")


def test_transcript_file_name_that_does_not_parse(study):
    (study / "transcripts" / "interview 4.txt").write_text("INT: hi\n")
    with pytest.raises(InputError, match="does not parse") as err:
        run_study(study)
    assert err.value.file.endswith("interview 4.txt")


def test_file_present_for_interview_not_recorded(study):
    interviews = pd.read_csv(study / "interviews.csv", dtype=str, keep_default_na=False)
    interviews.loc[2, "transcript_file"] = "50001_3.txt"
    interviews.to_csv(study / "interviews.csv", index=False)
    (study / "transcripts" / "50001_3.txt").write_text("INT: hi\n")
    with pytest.raises(InputError, match="recorded=no"):
        run_study(study)


@pytest.mark.parametrize("threads", [1, 2])
def test_bad_transcript_fails_whole_study_with_file_and_line(study, threads):
    (study / "transcripts" / "50002_2.srt").write_text(
        "1\n00:00:01,000 --> 00:00:02,000\nINT: Hi\n\n2\n00:00:03,000 --> 00:00:04,000\n"
        "Ms Goh: who are you?\n"
    )
    with pytest.raises(InputError) as err:
        run_study(study, threads=threads)
    assert err.value.file.endswith("50002_2.srt") and err.value.line == 7
    assert_nothing_written(study / "out")


def test_failed_run_leaves_previous_outputs_untouched(study):
    out = run_study(study)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    (study / "transcripts" / "50003_1.txt").write_bytes(b"\x00\x01\x02\xff")
    with pytest.raises(InputError, match="cannot be decoded"):
        run_study(study)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_output_folder_must_not_be_the_transcripts_folder(study):
    with pytest.raises(InputError, match="must not be the raw transcripts folder"):
        run_study(study, out=study / "transcripts")


def test_stale_cleaned_files_are_reported(study, caplog):
    out = study / "out"
    out.mkdir()
    (out / "50099_1.txt").write_text("old\n")
    with caplog.at_level("WARNING", logger="qualflow.transcripts"):
        run_study(study, out)
    assert "50099_1.txt" in caplog.text and (out / "50099_1.txt").exists()


def test_study_without_recorded_transcripts(tmp_path):
    (tmp_path / "transcripts").mkdir()
    write_interviews(tmp_path / "interviews.csv", {"50001_1": None})
    shutil.copy(FIXTURES / "redaction.csv", tmp_path / "redaction.csv")
    out = run_study(tmp_path, threads=2)
    assert pd.read_csv(out / "units.csv").columns.tolist() == UNIT_COLUMNS
    assert len(pd.read_csv(out / "cleaning_report.csv")) == 0
