"""REFI-QDA projects as real tools write them (issue 12) and hostile projects (issue 11).

Each case is a minimal project built here from the synthetic study of ``test_qdpx``: lenient
where tools legitimately differ, a clear InputError naming file, line or element where the data
or the file is wrong.
"""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
import test_qdpx
from lxml import etree
from test_qdpx import CODERS, NS, Q, _expected_units, _export, _rewrite, _to_units

import qualflow.qdpx.read
from qualflow.coders import coder_files, qda_user_map
from qualflow.codings.read import read_codings
from qualflow.errors import InputError
from qualflow.qdpx.export import export_study
from qualflow.qdpx.model import qualflow_guid
from qualflow.qdpx.read import read_project, validate_project
from qualflow.qdpx.spans import read_spans

study = test_qdpx.study  # the synthetic study (fixture) of test_qdpx


def _expected(coder: str) -> set:
    return {(u, k) for c, u, k in _expected_units() if c == coder}


def _one_coder_export(study: dict, out: Path, coder: str) -> Path:
    """A project for ``coder`` alone (``coder`` its only user) holding ``coder``'s codings."""
    export_study(
        clean_dir=study["clean"],
        units=study["units"],
        codebook=study["codebook"],
        coders=[coder],
        participants=study["participants"],
        interviews=study["interviews"],
        out_path=out,
        codings={coder: study["codings"][coder]},
    )
    return out


def _zip(path: Path, entries: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
    return path


def _entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


# ------------------------------------------------------------ 1. per-coder projects


def test_a_per_coder_project_has_that_coder_as_its_only_user(study, tmp_path):
    out = _one_coder_export(study, tmp_path / "study_coder_b.qdpx", "coder_b")
    validate_project(out)
    project = read_project(out)
    assert [u.name for u in project.users] == ["coder_b"]
    # coder_b codes in it and exports; the import files the codings under coder_b
    codings, _ = read_codings(
        out, "coder_b", study["codebook"], study["units"], study["clean"], coders=CODERS
    )
    assert set(zip(codings["unit_id"], codings["code"], strict=True)) == _expected("coder_b")


# ------------------------------------------------------------ 2. unused codes


def _add_code(root, name: str, guid: str) -> None:
    codes = root.find(f"{Q}CodeBook/{Q}Codes")
    etree.SubElement(codes, Q + "Code", guid=guid, name=name, isCodable="true")


def test_a_code_never_applied_is_ignored_and_listed_an_applied_unknown_code_stops(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    guid = "0b0e7f1c-0000-4000-8000-000000000001"
    unused = _rewrite(out, tmp_path / "unused.qdpx", qde=lambda r: _add_code(r, "scratch", guid))
    spans = read_spans(unused, study["codebook"], study["clean"], coders=CODERS)
    assert spans.attrs["qdpx_unused_codes"] == ["scratch"]
    assert _to_units(spans, study["units"]) == _expected_units()

    def apply(root):
        _add_code(root, "scratch", guid)
        next(root.iter(Q + "CodeRef")).set("targetGUID", guid)

    applied = _rewrite(out, tmp_path / "applied.qdpx", qde=apply)
    with pytest.raises(InputError, match=r"1 code\(s\) applied in the project .*'scratch'"):
        read_spans(applied, study["codebook"], study["clean"], coders=CODERS)


# ------------------------------------------------------------ 3. qda_users wins


def test_an_explicit_qda_user_mapping_beats_name_matching(study, tmp_path):
    # coder_b imported the shared project and coded as the first user, coder_a
    out = _one_coder_export(study, tmp_path / "b_as_a.qdpx", "coder_b")

    def rename(root):
        user = root.find(f"{Q}Users/{Q}User")
        user.set("name", "coder_a")
        user.set("id", "coder_a")

    b_as_a = _rewrite(out, tmp_path / "b_as_a2.qdpx", qde=rename)
    coders = qda_user_map({"coder_a": "a.qdpx", "coder_b": "b.qdpx"}, {"coder_b": "coder_a"})
    assert coders == {"coder_a": "coder_a", "coder_b": "coder_a"}
    spans = read_spans(b_as_a, study["codebook"], study["clean"], coders=coders)
    assert set(spans["coder"]) == {"coder_b"}
    codings, _ = read_codings(
        b_as_a, "coder_b", study["codebook"], study["units"], study["clean"], coders=coders
    )
    assert set(zip(codings["unit_id"], codings["code"], strict=True)) == _expected("coder_b")
    # The same mapping given in the coder's file entry
    entry = {"coder_a": "a.csv", "coder_b": {"file": "b.qdpx", "qda_user": "coder_a"}}
    assert qda_user_map(entry) == coders
    # Two explicit mappings to one user stay ambiguous, unless the file's coder is known
    guid = read_project(b_as_a).users[0].guid
    both = {"coder_a": guid, "coder_b": "coder_a"}
    with pytest.raises(InputError, match="matches several coders: coder_a, coder_b"):
        read_spans(b_as_a, study["codebook"], study["clean"], coders=both)
    spans = read_spans(b_as_a, study["codebook"], study["clean"], coders=both, coder="coder_b")
    assert set(spans["coder"]) == {"coder_b"}


def test_the_files_own_coder_wins_a_user_both_coders_are_mapped_to(study, tmp_path):
    out = _one_coder_export(study, tmp_path / "a.qdpx", "coder_a")
    coders = {"coder_a": "coder_a", "coder_b": "coder_a"}
    codings, _ = read_codings(
        out, "coder_a", study["codebook"], study["units"], study["clean"], coders=coders
    )
    assert set(zip(codings["unit_id"], codings["code"], strict=True)) == _expected("coder_a")


def test_coder_entries_in_config():
    assert coder_files("data/codings/a.csv") == [("data/codings/a.csv", None)]
    assert coder_files({"file": "a.qdpx", "qda_user": "Mei Ling"}) == [("a.qdpx", "Mei Ling")]
    assert coder_files(["a.csv", {"file": "a.qdpx"}]) == [("a.csv", None), ("a.qdpx", None)]
    with pytest.raises(InputError, match=r"coders: coder_a: a file entry takes 'file'"):
        coder_files({"file": "a.qdpx", "user": "x"}, "coder_a")
    with pytest.raises(InputError, match=r"coders: coder_a: expected a file name"):
        coder_files(3, "coder_a")
    with pytest.raises(InputError, match="different qda_user values"):
        qda_user_map(
            {"coder_a": [{"file": "1.qdpx", "qda_user": "x"}, {"file": "2.qdpx", "qda_user": "y"}]}
        )
    assert qda_user_map({"coder_a": "a.csv"}, {"coder_a": "Mei Ling"}) == {"coder_a": "Mei Ling"}


# ------------------------------------------------------------ 4. single-coder project, no user


def _anonymous(root):
    for el in root.iter(Q + "PlainTextSelection", Q + "Coding"):
        el.attrib.pop("creatingUser", None)
    root.remove(root.find(f"{Q}Users"))


def test_a_one_coder_project_without_creating_users_is_the_importing_coders(study, tmp_path):
    out = _one_coder_export(study, tmp_path / "b.qdpx", "coder_b")
    nvivo12 = _rewrite(out, tmp_path / "nvivo12.qdpx", qde=_anonymous)
    assert read_project(nvivo12).users == []
    codings, _ = read_codings(
        nvivo12,
        "coder_b",
        study["codebook"],
        study["units"],
        study["clean"],
        coders=qda_user_map({"coder_a": "a.csv", "coder_b": str(nvivo12)}),
    )
    assert set(zip(codings["unit_id"], codings["code"], strict=True)) == _expected("coder_b")
    assert set(codings["coder"]) == {"coder_b"}


def test_user_less_codings_next_to_named_ones_stay_an_error(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)

    def half(root):
        for coding in list(root.iter(Q + "Coding"))[:2]:
            coding.attrib.pop("creatingUser")
            coding.getparent().attrib.pop("creatingUser")

    mixed = _rewrite(out, tmp_path / "mixed.qdpx", qde=half)
    with pytest.raises(InputError, match="some codings name no creating user and others do"):
        read_codings(mixed, "coder_a", study["codebook"], study["units"], study["clean"], 1, CODERS)


# ------------------------------------------------------------ 5. where the source text is


def test_plain_text_path_without_scheme_and_label_names(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)

    def relocate(root):
        for src in root.iter(Q + "TextSource"):
            src.set("plainTextPath", src.get("plainTextPath").replace("internal://", "sources/"))
        for i, sel in enumerate(root.iter(Q + "PlainTextSelection")):
            sel.set("name", f"Quote {i + 1}")  # a label the coder gave, not the text

    moved = _rewrite(out, tmp_path / "relative.qdpx", qde=relocate)
    project = read_project(moved)
    assert {s.name: s.text for s in project.sources} == study["texts"]
    spans = read_spans(moved, study["codebook"], study["clean"], coders=CODERS)
    assert _to_units(spans, study["units"]) == _expected_units()


def _docx_bytes(text: str) -> bytes:
    document = docx.Document()
    for paragraph in text.split("\n"):
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_text_only_in_the_rich_text_docx_is_read_from_the_archive(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    entries = _entries(out)
    for tid, text in study["texts"].items():
        guid = qualflow_guid("source", tid)
        entries[f"sources/{guid}.txt"] = b"\n"  # NVivo for Mac: one character
        entries[f"sources/{guid}.docx"] = _docx_bytes(text)
    root = etree.fromstring(entries["project.qde"])
    for src in root.iter(Q + "TextSource"):
        src.set("richTextPath", f"internal://{src.get('guid')}.docx")
    entries["project.qde"] = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    mac = _zip(tmp_path / "mac.qdpx", entries)
    project = read_project(mac)
    assert {s.name: s.text for s in project.sources} == study["texts"]
    assert all(s.origin.endswith(".docx (richTextPath)") for s in project.sources)
    spans = read_spans(mac, study["codebook"], study["clean"], coders=CODERS)
    assert _to_units(spans, study["units"]) == _expected_units()


def test_an_empty_plain_text_entry_is_named_as_empty(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    empty = _rewrite(out, tmp_path / "empty.qdpx", sources=lambda name, text: "\n")
    with pytest.raises(InputError) as err:
        read_spans(empty, study["codebook"], study["clean"], coders=CODERS)
    message = str(err.value)
    assert "source '50001_1'" in message and "is empty (1 character(s))" in message
    assert "no .docx in richTextPath" in message and "outside" not in message
    assert err.value.element == "Sources/TextSource[@name='50001_1']"


# ------------------------------------------------------------ 6. codings at source level


def test_a_coding_of_a_whole_source_is_refused_naming_the_element(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)

    def whole(root):
        src = root.find(f"{Q}Sources/{Q}TextSource")
        coding = etree.Element(Q + "Coding", guid="0b0e7f1c-0000-4000-8000-000000000002")
        etree.SubElement(coding, Q + "CodeRef", targetGUID=qualflow_guid("code", "peer_network"))
        src.insert(len(src.findall(f"{Q}PlainTextSelection")), coding)

    coded = _rewrite(out, tmp_path / "whole.qdpx", qde=whole)
    with pytest.raises(InputError, match="is coded as a whole .*code the passages") as err:
        read_spans(coded, study["codebook"], study["clean"], coders=CODERS)
    assert err.value.element == "Sources/TextSource[@name='50001_1']/Coding"
    assert err.value.line is not None


# ------------------------------------------------------------ 7. QualCoder's unescaped memos


@pytest.mark.parametrize("memo", ["pay & conditions", "pay <3 conditions"])
def test_a_memo_with_a_bare_ampersand_or_angle_bracket_names_line_and_cause(study, tmp_path, memo):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    entries = _entries(out)
    qde = entries["project.qde"].decode("utf-8")
    line = qde[: qde.index("clear endorsement")].count("\n") + 1
    entries["project.qde"] = qde.replace("clear endorsement", memo).encode("utf-8")
    broken = _zip(tmp_path / "qualcoder.qdpx", entries)
    with pytest.raises(InputError, match=r"memo or description holding a bare '&' or '<'") as e:
        read_spans(broken, study["codebook"], study["clean"], coders=CODERS)
    assert e.value.line == line and "XML is not well-formed" in str(e.value)


# ------------------------------------------------------------ hostile files (issue 11)


@pytest.mark.parametrize(
    "path",
    ["internal://../transcripts/50001_1.txt", "/etc/passwd", "..\\..\\secret.txt", "C:/x.txt"],
)
def test_notes_and_sources_are_read_only_from_inside_the_archive(study, tmp_path, path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    (tmp_path / "transcripts").mkdir()
    (tmp_path / "transcripts" / "50001_1.txt").write_text("Full Name, confidential")

    def note(root):
        notes = etree.SubElement(root, Q + "Notes")
        root.remove(notes)
        root.insert(list(root).index(root.find(f"{Q}Sources")) + 1, notes)
        etree.SubElement(
            notes, Q + "Note", guid="0b0e7f1c-0000-4000-8000-000000000003", plainTextPath=path
        )

    (tmp_path / "sub").mkdir()
    hostile = _rewrite(out, tmp_path / "sub" / "note.qdpx", qde=note)
    with pytest.raises(InputError, match="points outside the project archive") as err:
        read_project(hostile)
    assert "confidential" not in str(err.value)
    assert err.value.element.endswith("/@plainTextPath")


def test_a_source_path_leaving_the_archive_is_refused(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx")

    def escape(root):
        root.find(f"{Q}Sources/{Q}TextSource").set("plainTextPath", "internal://../../x.txt")

    hostile = _rewrite(out, tmp_path / "escape.qdpx", qde=escape)
    with pytest.raises(InputError, match="points outside the project archive"):
        read_project(hostile)


def test_a_zip_bomb_is_refused_before_it_is_unpacked(study, tmp_path, monkeypatch):
    out = _export(study, tmp_path / "study.qdpx")
    entries = _entries(out)
    name = f"sources/{qualflow_guid('source', '50001_1')}.txt"
    entries[name] = b" " * (4 * 2**20)  # 4 MiB of spaces deflate ~1000-fold
    bomb = _zip(tmp_path / "bomb.qdpx", entries)
    with pytest.raises(InputError, match=r"expands \d[\d,]*-fold .* over the limit of 100-fold"):
        read_project(bomb)
    # Size caps, per entry and in all, are checked from the archive's directory too
    monkeypatch.setattr(qualflow.qdpx.read, "MAX_ENTRY_BYTES", 1000)
    with pytest.raises(InputError, match=r"project\.qde' expands to [\d,]+ bytes, over the limit"):
        read_project(out)
    monkeypatch.setattr(qualflow.qdpx.read, "MAX_ENTRY_BYTES", 2**30)
    monkeypatch.setattr(qualflow.qdpx.read, "MAX_TOTAL_BYTES", len(entries["project.qde"]) + 10)
    with pytest.raises(InputError, match="entries read expand to more than"):
        read_project(out)


XXE = f"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE Project [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Project xmlns="{NS}" name="&secret;" origin="x"></Project>
"""
LAUGHS = f"""<?xml version="1.0"?>
<!-- a comment first -->
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<Project xmlns="{NS}" name="&lol2;"/>
"""


@pytest.mark.parametrize("xml", [XXE, LAUGHS], ids=["xxe", "entity-expansion"])
def test_dtds_and_entities_are_refused_with_a_clear_error(study, tmp_path, xml):
    hostile = _zip(tmp_path / "xxe.qdpx", {"project.qde": xml.encode()})
    with pytest.raises(InputError, match="DTDs/entities are not allowed"):
        read_project(hostile)
    bare = tmp_path / "xxe.qde"
    bare.write_text(xml, encoding="utf-8")
    with pytest.raises(InputError, match="DTDs/entities are not allowed"):
        validate_project(bare)


def test_case_variables_are_only_the_columns_named(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx")
    qde = _entries(out)["project.qde"].decode()
    assert "female" not in qde and "depression" not in qde and 'name="gender"' not in qde
    assert '<Case guid="' in qde and 'name="50001"' in qde
    named = _export(study, tmp_path / "named.qdpx", case_variables=["department"])
    qde = _entries(named)["project.qde"].decode()
    assert 'name="department"' in qde and ">acute<" in qde and "depression" not in qde
    with pytest.raises(InputError, match=r"qdpx.case_variables names column\(s\) 'income'"):
        _export(study, tmp_path / "bad.qdpx", case_variables=["income"])
    assert not (tmp_path / "bad.qdpx").exists()


def test_config_accepts_a_coder_file_with_its_qda_user_and_refuses_unknown_keys(tmp_path):
    from test_config import REPO, dry_run, edit_config

    shutil.copytree(REPO / "data", tmp_path / "data")
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    coder_b = {"file": "data/codings/coder_b.xlsx", "qda_user": "Mei Ling"}
    edit_config(tmp_path, lambda c: c["coders"].update(coder_b=coder_b))
    proc = dry_run(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "export_qdpx_coder" in proc.stdout and "study_coder_b.qdpx" in proc.stdout
    edit_config(tmp_path, lambda c: c["coders"].update(coder_b={**coder_b, "user": "x"}))
    proc = dry_run(tmp_path)
    assert proc.returncode != 0 and "coders" in proc.stdout + proc.stderr


def test_a_code_renamed_in_the_codebook_matches_through_its_former_name(study, tmp_path):
    out = _export(study, tmp_path / "study.qdpx", with_codings=True)
    renamed = study["codebook"].replace(
        {"code": {"peer_network": "peer_contact"}, "code_label": {"Peer network": "Peer contact"}}
    )
    with pytest.raises(InputError, match=r"applied in the project .*/Peer network'"):
        read_spans(out, renamed, study["clean"], coders=CODERS)
    spans = read_spans(
        out, renamed, study["clean"], coders=CODERS, code_aliases={"peer_network": "peer_contact"}
    )
    expected = {
        (c, u, "peer_contact" if k == "peer_network" else k) for c, u, k in _expected_units()
    }
    assert _to_units(spans, study["units"]) == expected
