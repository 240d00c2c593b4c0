"""Cleaning into one zip (as the Snakemake rule does) gives exactly the per-file texts."""

from __future__ import annotations

import hashlib
from pathlib import Path

import yaml

from qualflow.clean.bundle import unpack_texts
from qualflow.clean.run import clean_study
from qualflow.contracts import TEXT_MANIFEST_COLUMNS
from qualflow.io import read_table

REPO = Path(__file__).resolve().parents[1]


def _clean(out_dir: Path, bundle: Path | None) -> None:
    config = yaml.safe_load((REPO / "config.yaml").read_text())
    clean_study(
        interviews_csv=REPO / "data/interviews.csv",
        transcripts_dir=REPO / "data/transcripts",
        redaction_csv=REPO / "data/redaction.csv",
        speakers=config["speakers"],
        patterns=config["deid"]["patterns"],
        out_dir=out_dir,
        texts_bundle=bundle,
    )


def test_bundle_unpacks_to_the_same_texts(tmp_path):
    direct, via_zip = tmp_path / "direct", tmp_path / "zip"
    _clean(direct, None)
    _clean(via_zip, via_zip / "texts.zip")
    assert not list(via_zip.glob("*_*.txt")), "with a bundle, no text files are written"
    written = unpack_texts(via_zip / "texts.zip", via_zip, via_zip / "texts.csv")
    assert len(written) == 29
    for path in written:
        assert path.read_bytes() == (direct / path.name).read_bytes()
    manifest = read_table(via_zip / "texts.csv", TEXT_MANIFEST_COLUMNS)
    assert list(manifest["transcript_id"]) == [p.stem for p in written]
    for row in manifest.itertuples():
        data = (direct / f"{row.transcript_id}.txt").read_bytes()
        assert int(row.characters) == len(data.decode("utf-8"))
        assert row.sha256 == hashlib.sha256(data).hexdigest()
    for table in ["units.csv", "markers.csv", "cleaning_report.csv"]:
        assert (via_zip / table).read_bytes() == (direct / table).read_bytes()


def test_bundle_is_deterministic(tmp_path):
    _clean(tmp_path / "a", tmp_path / "a.zip")
    _clean(tmp_path / "b", tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()


def test_a_cleaned_text_edited_by_hand_is_refused_by_every_reader(tmp_path):
    """Later rules take the manifest as input, so Snakemake never sees an edit of a text under
    results/clean/; the readers (QDA export and import, the text lock) stop and name it."""
    import pytest

    from qualflow.clean.bundle import read_clean_text, write_text_bundle
    from qualflow.codings.textlock import _cleaned_text
    from qualflow.errors import InputError

    texts = {"50001_1": "Interviewer: How was it?\nParticipant: Fine.\n", "50001_2": "I: Hi.\n"}
    write_text_bundle(tmp_path / "texts.zip", texts)
    unpack_texts(tmp_path / "texts.zip", tmp_path, tmp_path / "texts.csv")
    assert read_clean_text(tmp_path / "50001_1.txt") == texts["50001_1"]

    edited = tmp_path / "50001_1.txt"
    edited.write_text(texts["50001_1"].replace("Fine", "Great"), encoding="utf-8")
    for reader in (read_clean_text, _cleaned_text):
        with pytest.raises(InputError, match="changed since cleaning wrote it") as err:
            reader(edited)
        assert str(edited) in str(err.value)
    assert read_clean_text(tmp_path / "50001_2.txt") == texts["50001_2"]

    (tmp_path / "texts.csv").unlink()  # texts without a manifest (clean_study) are read as is
    assert "Great" in read_clean_text(edited)
