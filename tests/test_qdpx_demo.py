"""The demo study's own codings survive an export → import round trip through REFI-QDA.

Both coders' codings of the bundled study (a long CSV of spans and a filled coding sheet) are
exported into one .qdpx with the cleaned transcripts, read back as spans, and mapped to units by
the same overlap rule as every other input: the result must be exactly the codings that went in.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from qualflow.codebook import load_codebook
from qualflow.codings import read_codings, read_units
from qualflow.qdpx import export_study
from qualflow.study import read_interviews, read_participants
from qualflow.transcripts import clean_study

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


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
