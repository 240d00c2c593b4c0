"""The demo study's own codings survive an export → import round trip through REFI-QDA.

Both coders' codings of the bundled study (a long CSV of spans and a filled coding sheet) are
exported into one .qdpx with the cleaned transcripts, read back as spans, and mapped to units by
the same overlap rule as every other input: the result must be exactly the codings that went in.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml
from lxml import etree

from qualflow.clean.run import clean_study
from qualflow.codebook.read import load_codebook
from qualflow.coders import qda_user_map
from qualflow.codings.read import read_codings
from qualflow.contracts import read_units
from qualflow.errors import InputError
from qualflow.qdpx.export import export_study
from qualflow.qdpx.read import read_project, validate_project
from qualflow.qdpx.spans import read_spans
from qualflow.study import read_interviews, read_participants

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"
REFI_QDA_XSD = REPO / "src" / "qualflow" / "data" / "Project.xsd"  # REFI-QDA 1.0, unchanged


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    clean_dir = tmp_path_factory.mktemp("clean")
    clean_study(
        interviews_csv=DATA / "interviews.csv",
        transcripts_dir=DATA / "transcripts",
        redaction_csv=DATA / "redaction.csv",
        speakers=config["speakers"],
        patterns=config["deid"]["patterns"],
        out_dir=clean_dir,
    )
    units = read_units(clean_dir / "units.csv")
    codebook = load_codebook(DATA / "codebook.yaml")
    codings = {
        coder: read_codings(REPO / source, coder, codebook, units, clean_dir)[0]
        for coder, source in config["coders"].items()
    }
    return config, clean_dir, units, codebook, codings


def test_demo_codings_round_trip_through_qdpx(demo, tmp_path):
    config, clean_dir, units, codebook, codings = demo
    project = tmp_path / "study.qdpx"
    export_study(
        clean_dir=clean_dir,
        units=units,
        codebook=codebook,
        coders=list(codings),
        participants=read_participants(DATA / "participants.csv"),
        interviews=read_interviews(DATA / "interviews.csv"),
        out_path=project,
        codings=codings,
    )
    for coder, original in codings.items():
        back, status = read_codings(
            project, coder, codebook, units, clean_dir, coders=list(codings)
        )
        columns = ["coder", "unit_id", "transcript_id", "code", "memo"]
        expected = original[columns].reset_index(drop=True)
        assert len(expected) > 500
        pd.testing.assert_frame_equal(back[columns].reset_index(drop=True), expected)


# ----------------------------------------------------------------- real QualCoder exports
# QualCoder 4.0 beta imported qualflow's study.qdpx of the demo, passages were coded there and
# the project exported with QualCoder's own REFI-QDA export (see the fixture folder's README).

QUALCODER = Path(__file__).parent / "fixtures" / "qualcoder"


def _project_sources_are_the_clean_texts(path: Path, clean_dir: Path) -> None:
    project = read_project(path)
    differ = [
        s.name
        for s in project.sources
        if s.text.replace("\r\n", "\n") != (clean_dir / f"{s.name}.txt").read_text()
    ]
    assert len(project.sources) == 29 and not differ, (
        f"{path.name}: sources differ from the cleaned demo ({differ}); rebuild the study "
        "from the project's sources"
    )


@pytest.mark.parametrize("variant", ["lf", "crlf"])
def test_qualcoder_exports_give_exactly_the_expected_spans_and_unit_codings(demo, variant):
    config, clean_dir, units, codebook, _ = demo
    expected = json.loads((QUALCODER / "expected.json").read_text())
    path = QUALCODER / f"qualcoder-export-{variant}.qdpx"
    _project_sources_are_the_clean_texts(path, clean_dir)
    assert all(("\r\n" in s.text) == (variant == "crlf") for s in read_project(path).sources)
    spans = read_spans(path, codebook, clean_dir, coders=["coder_a", "coder_b"])
    got = sorted(spans[["coder", "transcript_id", "code", "start", "end"]].values.tolist())
    want = sorted(
        [s["coder"], s["transcript_id"], s["code"], s["start"], s["end"]] for s in expected["spans"]
    )
    assert got == want
    assert spans.attrs["qdpx_reading"]["end_position"] == "exclusive"
    coders = qda_user_map({"coder_a": str(path), "coder_b": str(path)})
    codings, status = read_codings(path, "coder_a", codebook, units, clean_dir, 1, coders)
    assert sorted(codings[["unit_id", "code"]].values.tolist()) == sorted(expected["units"])
    assert set(codings["coder"]) == {"coder_a"}  # coder_b's passage stays out
    memo = codings.set_index(["unit_id", "code"]).loc[("50001_1:14", "meaning_purpose"), "memo"]
    assert memo == "first sentence; memo here"
    counts = dict(zip(status["kind"], status["count"], strict=True))
    assert counts["other_coder_spans"] == 1 and "unused_codes" not in counts


def test_qualcoder_export_with_an_unused_code_imports_with_a_warning(demo, tmp_path):
    _, clean_dir, units, codebook, _ = demo
    path = QUALCODER / "qualcoder-export-unused-code.qdpx"
    codings, status = read_codings(path, "coder_a", codebook, units, clean_dir)
    assert codings[["unit_id", "code"]].values.tolist() == [["50001_1:12", "supervisor_backing"]]
    row = status.set_index("kind").loc["unused_codes"]
    assert row["count"] == 1 and "'in vivo: scratch'" in row["detail"]
    # The same code applied is not in the codebook: the import stops, naming it.
    with zipfile.ZipFile(path) as zf:
        qde = zf.read("project.qde").decode("utf-8")
    scratch = re.search(r'<Code guid="([^"]+)" name="in vivo: scratch"', qde)[1]
    applied = re.sub(r'(<CodeRef targetGUID=")[^"]+', rf"\g<1>{scratch}", qde, count=1)
    bad = tmp_path / "applied.qdpx"
    with zipfile.ZipFile(path) as zin, zipfile.ZipFile(bad, "w") as zout:
        for name in zin.namelist():
            data = applied.encode() if name == "project.qde" else zin.read(name)
            zout.writestr(name, data)
    with pytest.raises(InputError, match=r"1 code\(s\) applied .*'in vivo: scratch'"):
        read_codings(bad, "coder_a", codebook, units, clean_dir)


def test_per_coder_projects_have_that_coder_as_only_user_and_follow_the_schema(demo, tmp_path):
    config, clean_dir, units, codebook, _ = demo
    for coder in config["coders"]:
        out = tmp_path / f"study_{coder}.qdpx"
        export_study(
            clean_dir=clean_dir,
            units=units,
            codebook=codebook,
            coders=[coder],
            participants=read_participants(DATA / "participants.csv"),
            interviews=read_interviews(DATA / "interviews.csv"),
            out_path=out,
        )
        validate_project(out)
        xsd = etree.XMLSchema(etree.parse(str(REFI_QDA_XSD)))
        with zipfile.ZipFile(out) as zf:
            assert xsd.validate(etree.fromstring(zf.read("project.qde")))
        project = read_project(out)
        assert [u.name for u in project.users] == [coder]
        assert len(project.sources) == 29
