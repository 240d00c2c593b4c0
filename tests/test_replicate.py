"""benchmarks/replicate.py: a study replicated k times is a valid study of k× the participants,
whose copies clean to the same texts and carry the same codings as the original."""

from __future__ import annotations

import filecmp
import importlib.util
from pathlib import Path

import pandas as pd
import pytest
import yaml

from qualflow.clean.run import clean_study
from qualflow.codebook.read import load_codebook
from qualflow.codings.run import read_study_coder
from qualflow.codings.textlock import read_lock
from qualflow.contracts import read_units
from qualflow.reconcile.resolutions import read_resolutions
from qualflow.study import check_study, read_interviews

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / ".test"
_spec = importlib.util.spec_from_file_location("replicate", REPO / "benchmarks/replicate.py")
replicate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(replicate)


@pytest.fixture(scope="module")
def tripled(tmp_path_factory) -> tuple[Path, Path]:
    """The tiny study replicated 3 times, and its cleaned texts (units.csv and one .txt each)."""
    root = tmp_path_factory.mktemp("replicate")
    replicate.replicate_study(TINY, root / "study", 3)
    data = root / "study" / "data"
    config = yaml.safe_load((TINY / "config.yaml").read_text())
    clean_study(
        data / "interviews.csv",
        data / "transcripts",
        data / "redaction.csv",
        config["speakers"],
        config["deid"]["patterns"],
        root / "clean",
    )
    return data, root / "clean"


def test_three_times_the_transcripts_and_rows(tripled):
    data, _ = tripled
    original = read_interviews(TINY / "data" / "interviews.csv")
    interviews = read_interviews(data / "interviews.csv")
    assert len(interviews) == 3 * len(original)
    assert len(list((data / "transcripts").iterdir())) == 3 * len(
        list((TINY / "data" / "transcripts").iterdir())
    )
    copies = [50001, 50004, 50011, 50014, 50021, 50024]  # ids 50001, 50004: step 10
    assert sorted(interviews["participant_id"].unique()) == copies
    names = {p.name for p in (data / "transcripts").iterdir()}
    assert set(interviews["transcript_file"]) == names
    for name in ("participants.csv", "screening.csv", "resolutions.csv", "text_lock.csv"):
        small = pd.read_csv(TINY / "data" / name, dtype=str)
        assert len(pd.read_csv(data / name, dtype=str)) == 3 * len(small), name
    assert filecmp.cmp(TINY / "data/redaction.csv", data / "redaction.csv", shallow=False)
    assert filecmp.cmp(TINY / "data/codebook.yaml", data / "codebook.yaml", shallow=False)


def test_study_tables_agree(tripled):
    data, _ = tripled
    check_study(data / "participants.csv", data / "interviews.csv", data / "screening.csv")
    screening = pd.read_csv(data / "screening.csv", dtype=str)
    assert screening["staff_id"].is_unique


def test_copy_zero_is_the_original_byte_for_byte(tripled):
    data, _ = tripled
    for path in (TINY / "data" / "transcripts").iterdir():
        assert path.read_bytes() == (data / "transcripts" / path.name).read_bytes()
    for name in ("interviews.csv", "text_lock.csv", "codings/coder_a.csv", "resolutions.csv"):
        original = (TINY / "data" / name).read_bytes()
        assert (data / name).read_bytes().startswith(original), name


def test_copies_clean_to_the_locked_texts(tripled):
    """Each copy's transcript cleans to exactly the original's text (the id in speaker labels
    is replaced by one of the same length), so the replicated text lock matches the texts."""
    data, clean = tripled
    for tid in ("50001_1", "50001_2", "50004_1", "50004_2"):
        text = (clean / f"{tid}.txt").read_text()
        for k in (1, 2):
            copy = replicate.Replicator({50001, 50004}, 3).transcript(tid, k)
            assert (clean / f"{copy}.txt").read_text() == text
    lock = read_lock(data / "text_lock.csv")
    units = read_units(clean / "units.csv")
    whole = lock[lock["turn"] == 0].set_index("transcript_id")["end"]
    for tid in units["transcript_id"].unique():
        assert whole[tid] == len((clean / f"{tid}.txt").read_text())


@pytest.mark.parametrize("coder", ["coder_a", "coder_b"])
def test_every_copy_carries_the_same_codings(tripled, coder):
    """Both coders' files (long CSV and filled coding sheet) import against the replicated
    lock, with nothing cut or moved, and each copy has copy 0's codings under its own ids."""
    data, clean = tripled
    suffix = ".csv" if coder == "coder_a" else ".xlsx"
    result = read_study_coder(
        [data / "codings" / f"{coder}{suffix}"],
        coder,
        data / "codebook.yaml",
        clean / "units.csv",
        clean,
        data / "text_lock.csv",
    )
    codings = result.codings
    assert not codings.empty
    rep = replicate.Replicator({50001, 50004}, 3)
    pairs = set(zip(codings["unit_id"], codings["code"], strict=True))
    original = {(u, c) for u, c in pairs if u.split("_")[0] in {"50001", "50004"}}
    assert original
    expected = {(rep.unit(u, k), c) for u, c in original for k in range(3)}
    assert pairs == expected
    anchor = result.status[result.status["kind"].str.startswith("anchor_")]
    assert len(anchor) == 3 and (anchor["count"] == 0).all()  # nothing moved, changed or cut


def test_resolutions_name_existing_units(tripled):
    data, clean = tripled
    resolutions = read_resolutions(
        data / "resolutions.csv",
        read_units(clean / "units.csv"),
        load_codebook(data / "codebook.yaml"),
    )
    assert len(resolutions) == 3 * len(
        read_resolutions(
            TINY / "data" / "resolutions.csv",
            read_units(clean / "units.csv"),
            load_codebook(TINY / "data" / "codebook.yaml"),
        )
    )


def test_factor_one_copies_the_tables_unchanged(tmp_path):
    replicate.replicate_study(TINY, tmp_path / "same", 1)
    for path in (TINY / "data").rglob("*"):
        if path.is_file() and path.suffix != ".xlsx":
            copy = tmp_path / "same" / "data" / path.relative_to(TINY / "data")
            assert path.read_bytes() == copy.read_bytes(), path


def test_ids_that_would_grow_a_digit_are_refused():
    assert replicate.Replicator({95001, 95004}, 500).participant(95004, 499) == "99994"
    with pytest.raises(ValueError, match="number of digits"):
        replicate.Replicator({95001, 95004}, 501)
    with pytest.raises(ValueError, match="number of digits"):
        replicate.Replicator({50001, 99999}, 2)


def test_bad_transcript_id_names_file_and_row(tmp_path):
    study = tmp_path / "bad"
    (study / "data").mkdir(parents=True)
    for name in ("participants.csv", "interviews.csv"):
        (study / "data" / name).write_bytes((TINY / "data" / name).read_bytes())
    (study / "data" / "text_lock.csv").write_text(
        "transcript_id,turn,speaker,start,end,digest\n50001_1,0,,0,5,ab\nnot-an-id,1,,0,5,cd\n"
    )
    with pytest.raises(ValueError, match=r"text_lock.csv, row 3: transcript id 'not-an-id'"):
        replicate.replicate_study(study, tmp_path / "out", 2)
