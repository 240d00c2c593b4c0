"""REFI-QDA exchange: export the study for coders, read their coded projects back."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from qualflow.codebook.read import load_codebook
from qualflow.errors import InputError
from qualflow.qdpx.export import export_study
from qualflow.qdpx.model import NS, qualflow_guid
from qualflow.qdpx.read import read_project, validate_project
from qualflow.qdpx.spans import read_spans
from qualflow.study import read_interviews, read_participants

NVIVO = Path(__file__).parent / "fixtures" / "nvivo15-codebook-two-users.qdpx"
Q = f"{{{NS}}}"
CODERS = ["coder_a", "coder_b"]

# Newly written dialogue for a tiny synthetic study (three transcripts, two participants).
TURNS = {
    "50001_1": [
        ("Interviewer", "How did the first weeks on the ward go?"),
        ("Participant", "My supervisor backed me when the team doubted that peers belong here."),
        ("Interviewer", "What made it hard?"),
        (
            "Participant",
            "Some nurses spoke to me as a patient again — it stung, and the café "
            "chatter stopped when I walked in.",
        ),
    ],
    "50001_2": [
        ("Interviewer", "Four months on, what has changed?"),
        ("Participant", "The other peer workers meet every Friday; we swap what works."),
        ("Interviewer", "Anything still unclear?"),
        ("Participant", "Nobody wrote down what my role covers, so I guess every shift."),
    ],
    "50002_1": [
        ("Interviewer", "Tell me about your team."),
        ("Participant", "Honestly my manager stands up for me in meetings 👍 every time."),
    ],
}

CODEBOOK_YAML = """\
categories:
  - name: facilitators
    label: Facilitators
    subthemes:
      - name: supportive_figures
        label: Supportive figures
        definition: People at work who make the role possible.
        codes:
          - name: supervisor_backing
            label: Supervisor backing
            definition: A supervisor or manager defends or endorses the peer worker.
            include: Explicit support in front of others.
            exclude: General friendliness.
            example: My manager spoke up for me.
          - name: peer_network
            label: Peer network
            definition: Contact with other peer workers.
  - name: barriers
    label: Barriers
    subthemes:
      - name: stigma
        label: Stigma
        definition: Being treated through the lens of a diagnosis.
        codes:
          - name: staff_stigma
            label: Staff stigma
            definition: Staff treat the peer worker as a patient.
      - name: role_ambiguity
        label: Role ambiguity
        definition: Unclear duties.
        codes:
          - name: unclear_role
            label: Unclear role
            definition: Duties are not written down or agreed.
"""

PARTICIPANTS_CSV = """\
participant_id,gender,age,ethnicity,diagnosis,department,hire_year
50001,female,34,Chinese,depression,acute,2017
50002,male,41,Malay,bipolar,rehab,2016
"""

INTERVIEWS_CSV = """\
participant_id,wave,date,duration_min,recorded,transcript_file,note
50001,1,2018-01-10,48,yes,50001_1.txt,
50001,2,2018-05-12,39,yes,50001_2.docx,
50001,3,2018-09-14,,no,,left the hospital
50002,1,2018-01-11,52,yes,50002_1.vtt,
"""

# (coder, unit, code, memo) — coder_b disagrees on one unit and adds one.
CODINGS = [
    ("coder_a", "50001_1:2", "supervisor_backing", "clear endorsement"),
    ("coder_a", "50001_1:4", "staff_stigma", ""),
    ("coder_a", "50001_2:2", "peer_network", ""),
    ("coder_a", "50001_2:4", "unclear_role", ""),
    ("coder_b", "50001_1:2", "supervisor_backing", ""),
    ("coder_b", "50001_1:4", "staff_stigma", "café detail"),
    ("coder_b", "50001_2:4", "unclear_role", ""),
    ("coder_b", "50002_1:2", "supervisor_backing", ""),
    ("coder_b", "50002_1:2", "peer_network", ""),
]


def _clean_and_units(turns: dict[str, list[tuple[str, str]]]) -> tuple[dict, pd.DataFrame]:
    texts, rows = {}, []
    for tid, items in turns.items():
        paragraphs, offset = [], 0
        for turn, (speaker, utterance) in enumerate(items, start=1):
            label = f"{speaker}: "
            start = offset + len(label)
            rows.append(
                {
                    "unit_id": f"{tid}:{turn}",
                    "transcript_id": tid,
                    "participant_id": int(tid.split("_")[0]),
                    "wave": int(tid.split("_")[1]),
                    "turn": turn,
                    "speaker": speaker.lower(),
                    "start": start,
                    "end": start + len(utterance),
                    "text": utterance,
                    "n_words": len(utterance.split()),
                }
            )
            paragraphs.append(label + utterance)
            offset += len(label) + len(utterance) + 2
        texts[tid] = "\n\n".join(paragraphs) + "\n"
    return texts, pd.DataFrame(rows)


@pytest.fixture
def study(tmp_path: Path) -> dict:
    clean = tmp_path / "results" / "clean"
    clean.mkdir(parents=True)
    texts, units = _clean_and_units(TURNS)
    for tid, text in texts.items():
        (clean / f"{tid}.txt").write_bytes(text.encode("utf-8"))
    for tid, row in units.groupby("transcript_id"):
        assert all(
            texts[tid][s:e] == t for s, e, t in zip(row.start, row.end, row.text, strict=True)
        )
    (tmp_path / "codebook.yaml").write_text(CODEBOOK_YAML, encoding="utf-8")
    (tmp_path / "participants.csv").write_text(PARTICIPANTS_CSV, encoding="utf-8")
    (tmp_path / "interviews.csv").write_text(INTERVIEWS_CSV, encoding="utf-8")
    codings = {
        coder: pd.DataFrame(
            [(c, u, u.split(":")[0], k, m) for c, u, k, m in CODINGS if c == coder],
            columns=["coder", "unit_id", "transcript_id", "code", "memo"],
        )
        for coder in CODERS
    }
    return {
        "root": tmp_path,
        "clean": clean,
        "texts": texts,
        "units": units,
        "codebook": load_codebook(tmp_path / "codebook.yaml"),
        "participants": read_participants(tmp_path / "participants.csv"),
        "interviews": read_interviews(tmp_path / "interviews.csv"),
        "codings": codings,
    }


def _export(study: dict, out: Path, with_codings: bool = False, **options) -> Path:
    export_study(
        clean_dir=study["clean"],
        units=study["units"],
        codebook=study["codebook"],
        coders=CODERS,
        participants=study["participants"],
        interviews=study["interviews"],
        out_path=out,
        project_name="demo",
        codings=study["codings"] if with_codings else None,
        **options,
    )
    return out


def _rewrite(src: Path, dst: Path, qde=None, sources=None, drop=()) -> Path:
    """Copy a .qdpx, editing project.qde (``qde(root)``) and source texts (``sources(name,
    text)``)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for name in zin.namelist():
            if name in drop:
                continue
            data = zin.read(name)
            if name == "project.qde" and qde is not None:
                root = etree.fromstring(data)
                qde(root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
            elif name.startswith("sources/") and sources is not None:
                data = sources(name, data.decode("utf-8")).encode("utf-8")
            zout.writestr(name, data)
    return dst


def _selections(root) -> list:
    return list(root.iter(Q + "PlainTextSelection"))


def _to_units(spans: pd.DataFrame, units: pd.DataFrame) -> set[tuple[str, str, str]]:
    try:
        from qualflow.codings.spans import spans_to_units
    except ImportError:  # pragma: no cover - the codings module is built in parallel
        spans_to_units = None
    if spans_to_units is not None:
        mapped = spans_to_units(spans, units, 1)
        return set(zip(mapped["coder"], mapped["unit_id"], mapped["code"], strict=True))
    out = set()
    for span in spans.itertuples():
        same = units[units["transcript_id"] == span.transcript_id]
        for unit in same.itertuples():
            if min(span.end, unit.end) - max(span.start, unit.start) >= 1:
                out.add((span.coder, unit.unit_id, span.code))
    return out


def _expected_units() -> set[tuple[str, str, str]]:
    return {(c, u, k) for c, u, k, _ in CODINGS}


# ------------------------------------------------------------------------------------- export


def test_export_validates_against_the_schema_and_is_deterministic(study, tmp_path):
    first = _export(study, tmp_path / "a" / "study.qdpx", with_codings=True)
    second = _export(study, tmp_path / "b" / "study.qdpx", with_codings=True)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as zf:
        qde = zf.read("project.qde")
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert zf.namelist()[0] == "project.qde"
    validate_project(qde)  # raises on any schema violation
    import xmlschema

    schema = xmlschema.XMLSchema(
        str(Path(__file__).parents[1] / "src" / "qualflow" / "data" / "Project.xsd")
    )
    assert schema.is_valid(etree.fromstring(qde))
    assert b"Date" not in qde.split(b"<Variables>")[0]  # no timestamps in the header


def test_export_holds_every_text_exactly_the_code_tree_and_the_users(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", case_variables=["gender", "age"])
    with zipfile.ZipFile(out) as zf:
        for tid in study["texts"]:
            stored = zf.read(f"sources/{qualflow_guid('source', tid)}.txt")
            assert stored == (study["clean"] / f"{tid}.txt").read_bytes()
    project = read_project(out)
    assert [u.name for u in project.users] == CODERS
    paths = {c.path: c for c in project.codes}
    leaf = paths[("Facilitators", "Supportive figures", "Supervisor backing")]
    assert leaf.is_codable and leaf.guid == qualflow_guid("code", "supervisor_backing")
    assert "defends or endorses" in leaf.description and "Exclude: General" in leaf.description
    assert not paths[("Facilitators",)].is_codable
    assert not paths[("Barriers", "Role ambiguity")].is_codable
    assert len([c for c in project.codes if c.is_codable]) == len(study["codebook"])
    assert {s.name: s.text for s in project.sources} == study["texts"]
    cases = {c.name: c.source_guids for c in project.cases}
    assert cases == {
        "50001": (qualflow_guid("source", "50001_1"), qualflow_guid("source", "50001_2")),
        "50002": (qualflow_guid("source", "50002_1"),),
    }
    qde = zipfile.ZipFile(out).read("project.qde").decode()
    assert 'name="gender" typeOfVariable="Text"' in qde
    assert 'name="age" typeOfVariable="Integer"' in qde
    assert 'name="diagnosis"' not in qde and ">depression<" not in qde  # not asked for
    assert 'name="interview_date" typeOfVariable="Date"' in qde
    assert '<Set guid="' in qde and 'name="Wave 2"' in qde
    assert "<PlainTextSelection" not in qde  # no codings asked for


def test_export_names_a_missing_clean_text(study, tmp_path):
    (study["clean"] / "50002_1.txt").unlink()
    with pytest.raises(InputError, match=r"50002_1\.txt.*not found"):
        _export(study, tmp_path / "study.qdpx")
    assert not (tmp_path / "study.qdpx").exists()


def test_export_rejects_codings_of_unknown_units(study, tmp_path):
    study["codings"]["coder_a"].loc[0, "unit_id"] = "50001_1:99"
    with pytest.raises(InputError, match=r"codings of coder_a.*50001_1:99"):
        _export(study, tmp_path / "study.qdpx", with_codings=True)


# --------------------------------------------------------------------------------- round trip


def test_round_trip_gives_back_the_same_units_for_both_coders(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    spans = read_spans(out, study["codebook"], study["clean"], coders=CODERS)
    assert list(spans.columns) == ["coder", "transcript_id", "code", "start", "end", "memo"]
    assert len(spans) == len(CODINGS)
    assert _to_units(spans, study["units"]) == _expected_units()
    units = study["units"].set_index("unit_id")
    first = spans.iloc[0]
    assert (first.coder, first.transcript_id, first.code) == (
        "coder_a",
        "50001_1",
        "supervisor_backing",
    )
    assert (first.start, first.end) == (
        units.at["50001_1:2", "start"],
        units.at["50001_1:2", "end"],
    )
    assert first.memo == "clear endorsement"
    assert spans.attrs["qdpx_reading"]["end_position"] == "exclusive"
    assert spans.equals(spans.sort_values(["coder", "transcript_id", "start"]))


def test_round_trip_by_name_when_another_tool_renews_guids(study, tmp_path):
    """A tool that re-creates codes, users and sources: match codes by label, sources by name,
    users by a mapping to names written differently."""
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    fresh = iter(f"00000000-0000-4000-8000-{i:012d}" for i in range(1, 10_000))
    renamed = {}

    def renew(root):
        for el in root.iter():
            guid = el.get("guid")
            if guid is not None:
                renamed[guid] = next(fresh)
        for el in root.iter():
            for attr in ("guid", "targetGUID", "creatingUser"):
                if el.get(attr) in renamed:
                    el.set(attr, renamed[el.get(attr)])
        for user in root.iter(Q + "User"):
            user.set("name", {"coder_a": "Coder A", "coder_b": "CODER  b"}[user.get("name")])
        for source in root.iter(Q + "TextSource"):
            source.set("name", source.get("name") + ".txt")

    moved = _rewrite(out, tmp_path / "renewed.qdpx", qde=renew)
    spans = read_spans(
        moved,
        study["codebook"],
        study["clean"],
        coders={"coder_a": "coder a", "coder_b": "Coder B"},
    )
    assert _to_units(spans, study["units"]) == _expected_units()
    with pytest.raises(InputError, match=r"user 'Coder A'.*matches none of the coders"):
        read_spans(moved, study["codebook"], study["clean"], coders=["someone_else", "coder_b"])


def test_a_bare_project_qde_reads_nothing_from_beside_it(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    folder = tmp_path / "unzipped"
    zipfile.ZipFile(out).extractall(folder)
    # Files beside a bare .qde are never read (issue 11: only the archive is read): edited
    # copies there change nothing; the cleaned texts stand in, the selection names are checked.
    for txt in (folder / "sources").glob("*.txt"):
        txt.write_text("something else entirely", encoding="utf-8")
    project = read_project(folder / "project.qde")
    assert all(s.text is None for s in project.sources)
    spans = read_spans(folder / "project.qde", study["codebook"], study["clean"], coders=CODERS)
    assert _to_units(spans, study["units"]) == _expected_units()


# ------------------------------------------------------------------------------------- NVivo


def test_nvivo15_project_users_code_tree_and_sources_are_read():
    project = read_project(NVIVO)
    assert project.origin.startswith("NVivo")
    assert [(u.name, u.id) for u in project.users] == [("chrisp", "CP"), ("cp", "C")]
    paths = {c.path for c in project.codes}
    assert ("rq1_definition", "competencies", "programming") in paths
    assert ("rq1_definition", "framings", "cs_as_programming", "programming") in paths
    assert ("rq3_process", "politics", "public_opinion", "student_stress") in paths
    assert len(project.codes) == 262
    assert sum(c.parent is None for c in project.codes) == 3
    assert len(project.sources) == 2 and all(s.text == "\n" for s in project.sources)
    assert project.selections == []


def test_nvivo15_codes_outside_the_codebook_but_never_applied_are_ignored_and_listed(study):
    spans = read_spans(NVIVO, study["codebook"], study["clean"], coders=CODERS)
    assert spans.empty
    unused = spans.attrs["qdpx_unused_codes"]
    assert len(unused) == 262
    assert unused[:2] == ["rq1_definition", "rq1_definition/competencies"]


# --------------------------------------------------------------------------------- malformed


def test_not_a_zip(study, tmp_path):
    bad = tmp_path / "coder_a.qdpx"
    bad.write_text("this is not an archive", encoding="utf-8")
    with pytest.raises(InputError, match=r"coder_a\.qdpx: not a zip archive"):
        read_spans(bad, study["codebook"], study["clean"])


def test_zip_without_project_qde(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx")
    bad = _rewrite(out, tmp_path / "noqde.qdpx", drop=("project.qde",))
    with pytest.raises(InputError, match=r"noqde\.qdpx, element project\.qde: .*no project\.qde"):
        read_spans(bad, study["codebook"], study["clean"])


def test_xml_that_is_not_well_formed_names_the_line(study, tmp_path):
    bad = tmp_path / "coder_a.qde"
    bad.write_text(
        f'<?xml version="1.0"?>\n<Project xmlns="{NS}" name="x">\n<Users>\n</Project>\n',
        encoding="utf-8",
    )
    with pytest.raises(InputError, match=r"coder_a\.qde, line 4: XML is not well-formed"):
        read_spans(bad, study["codebook"], study["clean"])


def test_xml_that_breaks_the_schema_gives_reason_and_element(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx")

    def drop_guid(root):
        del root.find(f"{Q}Users/{Q}User").attrib["guid"]

    bad = _rewrite(out, tmp_path / "schema.qdpx", qde=drop_guid)
    with pytest.raises(InputError) as err:
        read_spans(bad, study["codebook"], study["clean"])
    assert err.value.file.endswith("schema.qdpx/project.qde")
    assert err.value.element == "/Project/Users/User[1]"
    assert "missing required attribute 'guid'" in err.value.problem
    with pytest.raises(InputError, match="missing required attribute"):
        validate_project(zipfile.ZipFile(bad).read("project.qde"))


def test_selection_outside_its_source(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)

    def stretch(root):
        _selections(root)[-1].set("endPosition", "100000")

    bad = _rewrite(out, tmp_path / "outside.qdpx", qde=stretch)
    with pytest.raises(InputError, match=r"lies outside source '50002_1'") as err:
        read_spans(bad, study["codebook"], study["clean"], coders=CODERS, end_position="exclusive")
    assert "PlainTextSelection[@guid=" in err.value.element


def test_an_empty_selection_is_named(study, tmp_path):
    """A selection of no text used to fail later, in codings, naming neither it nor a line."""
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)

    def empty(root):
        selection = _selections(root)[-1]
        selection.set("endPosition", selection.get("startPosition"))
        del selection.attrib["name"]

    bad = _rewrite(out, tmp_path / "empty.qdpx", qde=empty)
    with pytest.raises(InputError, match=r"selects no text in source '50002_1'") as err:
        read_spans(bad, study["codebook"], study["clean"], coders=CODERS, end_position="exclusive")
    assert "PlainTextSelection[@guid=" in err.value.element
    assert err.value.line is not None


def test_coderef_to_no_code(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)

    def dangle(root):
        next(root.iter(Q + "CodeRef")).set("targetGUID", "12345678-1234-4234-8234-123456789abc")

    bad = _rewrite(out, tmp_path / "dangling.qdpx", qde=dangle)
    with pytest.raises(InputError, match=r"CodeRef 12345678-.* points to no code") as err:
        read_spans(bad, study["codebook"], study["clean"], coders=CODERS)
    assert err.value.element.endswith("/CodeRef")


def test_coding_at_the_subtheme_level_is_refused(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    subtheme = qualflow_guid("subtheme", "facilitators/supportive_figures")

    def lift(root):
        next(root.iter(Q + "CodeRef")).set("targetGUID", subtheme)

    bad = _rewrite(out, tmp_path / "lifted.qdpx", qde=lift)
    with pytest.raises(InputError, match=r"coded with subtheme 'Facilitators/Supportive figures'"):
        read_spans(bad, study["codebook"], study["clean"], coders=CODERS)


def test_a_source_that_matches_no_transcript(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    (study["clean"] / "50002_1.txt").rename(study["clean"] / "elsewhere.txt")
    with pytest.raises(InputError, match=r"source '50002_1' .* matches no cleaned transcript"):
        read_spans(out, study["codebook"], study["clean"], coders=CODERS)


# ---------------------------------------------------------------------------- end conventions


def _inclusive(root):
    for sel in _selections(root):
        sel.set("endPosition", str(int(sel.get("endPosition")) - 1))


def test_inclusive_end_positions_are_detected_from_the_selection_text(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    exclusive = read_spans(out, study["codebook"], study["clean"], coders=CODERS)
    moved = _rewrite(out, tmp_path / "inclusive.qdpx", qde=_inclusive)
    detected = read_spans(moved, study["codebook"], study["clean"], coders=CODERS)
    assert detected.attrs["qdpx_reading"]["end_position"] == "inclusive"
    assert detected.attrs["qdpx_reading"]["decided_by"] == "fewer contradictions"
    pd.testing.assert_frame_equal(detected, exclusive)
    forced = read_spans(
        moved, study["codebook"], study["clean"], coders=CODERS, end_position="inclusive"
    )
    pd.testing.assert_frame_equal(forced, exclusive)
    wrong = read_spans(
        moved, study["codebook"], study["clean"], coders=CODERS, end_position="exclusive"
    )
    assert (wrong["end"] == exclusive["end"] - 1).all()


def test_without_names_word_boundaries_decide_the_end_convention(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)

    def unnamed_inclusive(root):
        _inclusive(root)
        for sel in _selections(root):
            del sel.attrib["name"]

    moved = _rewrite(out, tmp_path / "unnamed.qdpx", qde=unnamed_inclusive)
    spans = read_spans(moved, study["codebook"], study["clean"], coders=CODERS)
    # Utterances end with punctuation, so both readings end on a boundary; the evidence is
    # silent and the default (exclusive) is used, which still codes the same units.
    assert spans.attrs["qdpx_reading"]["end_position"] == "exclusive"
    assert spans.attrs["qdpx_reading"]["decided_by"] == "default"
    assert _to_units(spans, study["units"]) == _expected_units()

    def unnamed_inclusive_mid_word(root):
        unnamed_inclusive(root)
        for sel in _selections(root):  # code the utterance without its final punctuation
            sel.set("endPosition", str(int(sel.get("endPosition")) - 1))

    moved = _rewrite(out, tmp_path / "midword.qdpx", qde=unnamed_inclusive_mid_word)
    spans = read_spans(moved, study["codebook"], study["clean"], coders=CODERS)
    assert spans.attrs["qdpx_reading"]["end_position"] == "inclusive"
    assert spans.attrs["qdpx_reading"]["decided_by"] == "word boundaries"
    assert all(
        study["clean"].joinpath(f"{t}.txt").read_text()[e - 1].isalpha()
        for t, e in zip(spans.transcript_id, spans.end, strict=True)
    )


def test_windows_line_ends_counted_twice_are_detected(study, tmp_path):
    """NVivo on Windows stores CRLF sources and counts both characters."""
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    expected = read_spans(out, study["codebook"], study["clean"], coders=CODERS)
    texts = {qualflow_guid("source", t): t for t in study["texts"]}

    def shift(root):
        for source in root.iter(Q + "TextSource"):
            text = study["texts"][texts[source.get("guid")]]
            for sel in source.iter(Q + "PlainTextSelection"):
                for attr in ("startPosition", "endPosition"):
                    pos = int(sel.get(attr))
                    sel.set(attr, str(pos + text[:pos].count("\n")))

    moved = _rewrite(
        out,
        tmp_path / "crlf.qdpx",
        qde=shift,
        sources=lambda name, text: text.replace("\n", "\r\n"),
    )
    spans = read_spans(moved, study["codebook"], study["clean"], coders=CODERS)
    assert spans.attrs["qdpx_reading"]["crlf_counted_twice"] is True
    pd.testing.assert_frame_equal(spans, expected)


def test_utf16_positions_beyond_the_bmp_are_detected(study, tmp_path):
    """.NET and Qt tools count a character beyond U+FFFF (an emoji) as two UTF-16 units."""
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    expected = read_spans(out, study["codebook"], study["clean"], coders=CODERS)
    assert expected.attrs["qdpx_reading"]["utf16_units"] is False
    texts = {qualflow_guid("source", t): t for t in study["texts"]}

    def to_utf16(root):
        for source in root.iter(Q + "TextSource"):
            text = study["texts"][texts[source.get("guid")]]
            for sel in source.iter(Q + "PlainTextSelection"):
                for attr in ("startPosition", "endPosition"):
                    pos = int(sel.get(attr))
                    sel.set(attr, str(len(text[:pos].encode("utf-16-le")) // 2))

    moved = _rewrite(out, tmp_path / "utf16.qdpx", qde=to_utf16)
    spans = read_spans(moved, study["codebook"], study["clean"], coders=CODERS)
    assert spans.attrs["qdpx_reading"]["utf16_units"] is True
    pd.testing.assert_frame_equal(spans, expected)


def test_codings_without_a_user_go_to_the_single_coder_named(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)

    def anonymous(root):
        for el in root.iter(Q + "PlainTextSelection", Q + "Coding"):
            el.attrib.pop("creatingUser", None)

    moved = _rewrite(out, tmp_path / "anonymous.qdpx", qde=anonymous)
    spans = read_spans(moved, study["codebook"], study["clean"], coders=["coder_a"])
    assert set(spans["coder"]) == {"coder_a"} and len(spans) == len(CODINGS)
    with pytest.raises(InputError, match="names no creating user"):
        read_spans(moved, study["codebook"], study["clean"], coders=CODERS)


def test_codings_on_a_picture_are_refused(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    code = qualflow_guid("code", "staff_stigma")

    def picture(root):
        sources = root.find(Q + "Sources")
        pic = etree.SubElement(sources, Q + "PictureSource", guid=qualflow_guid("pic", "1"))
        pic.set("name", "ward photo")
        sel = etree.SubElement(pic, Q + "PictureSelection", guid=qualflow_guid("pic", "2"))
        for attr in ("firstX", "firstY", "secondX", "secondY"):
            sel.set(attr, "1")
        coding = etree.SubElement(sel, Q + "Coding", guid=qualflow_guid("pic", "3"))
        etree.SubElement(coding, Q + "CodeRef", targetGUID=code)

    moved = _rewrite(out, tmp_path / "picture.qdpx", qde=picture)
    with pytest.raises(InputError, match=r"PictureSource 'ward photo' carries 1 coding"):
        read_spans(moved, study["codebook"], study["clean"], coders=CODERS)


# ------------------------------------------------------------------------------------- drift


def test_a_source_edited_after_export_is_reported_not_mis_mapped(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    target = qualflow_guid("source", "50001_2")

    def edit(name, text):
        return text.replace("Four months on", "So, four months on", 1) if target in name else text

    moved = _rewrite(out, tmp_path / "edited.qdpx", sources=edit)
    with pytest.raises(InputError) as err:
        read_spans(moved, study["codebook"], study["clean"], coders=CODERS)
    message = str(err.value)
    assert "edited.qdpx" in message and "transcript 50001_2" in message
    assert "the source was edited after export" in message
    assert re.search(r"selection [0-9a-f-]{36}", message)
    assert err.value.element.startswith("Sources/TextSource[@name='50001_2']/PlainTextSelection")


def test_a_drifted_clean_text_is_caught_by_the_selection_names(study, tmp_path):
    """Without source texts in the project, the selection names are the evidence."""
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    folder = tmp_path / "bare"
    with zipfile.ZipFile(out) as zf:
        folder.mkdir()
        (folder / "coder.qde").write_bytes(zf.read("project.qde"))
    clean = study["clean"] / "50001_1.txt"
    clean.write_text("Interviewer: Hello.\n\n" + clean.read_text(), encoding="utf-8")
    with pytest.raises(InputError, match=r"does not match transcript 50001_1 .* named"):
        read_spans(folder / "coder.qde", study["codebook"], study["clean"], coders=CODERS)


def test_unknown_end_position_mode(study, tmp_path):
    with pytest.raises(ValueError, match="end_position"):
        read_spans(tmp_path / "x.qdpx", study["codebook"], study["clean"], end_position="both")
