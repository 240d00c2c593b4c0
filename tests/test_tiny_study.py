"""End to end on the tiny test study (.test/: 4 transcripts of the demo, one per format), run
two ways: as a study folder (`snakemake -s <repo>/Snakefile --directory <study>`) and with the
workflow imported as a Snakemake `module` from an outer Snakefile (`use rule * from qualflow`),
the way a catalog workflow is deployed. Both must give the same results (byte for byte apart
from run-time stamps in notebooks and Office files: benchmarks/compare_results.py).
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / ".test"
pytestmark = pytest.mark.e2e
_spec = importlib.util.spec_from_file_location("compare", REPO / "benchmarks/compare_results.py")
compare_results = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare_results)

OUTER_SNAKEFILE = """\
configfile: "config.yaml"


module qualflow:
    snakefile:
        "{snakefile}"
    config:
        config


use rule * from qualflow as qualflow_*
"""


def run(study: Path, *args: str) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "snakemake", "--directory", str(study), *args],
        capture_output=True,
        text=True,
        cwd=study,
    )
    if proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def copy_tiny(dest: Path) -> Path:
    shutil.copytree(TINY, dest)
    return dest


@pytest.fixture(scope="module")
def direct(tmp_path_factory) -> Path:
    study = copy_tiny(tmp_path_factory.mktemp("tiny") / "study")
    before = digests(study / "data")
    run(study, "-s", str(REPO / "Snakefile"), "--cores", "2")
    assert digests(study / "data") == before, "the pipeline modified raw data"
    return study


@pytest.fixture(scope="module")
def as_module(tmp_path_factory) -> Path:
    outer = copy_tiny(tmp_path_factory.mktemp("catalog") / "outer")
    (outer / "Snakefile").write_text(OUTER_SNAKEFILE.format(snakefile=REPO / "Snakefile"))
    run(outer, "--cores", "2")
    return outer


def test_tiny_study_covers_four_transcripts_in_four_formats():
    interviews = pd.read_csv(TINY / "data/interviews.csv")
    files = sorted(p.name for p in (TINY / "data/transcripts").iterdir())
    assert sorted(interviews["transcript_file"]) == files
    assert {Path(f).suffix for f in files} == {".txt", ".srt", ".docx", ".vtt"}


def test_tiny_study_runs_end_to_end(direct):
    units = pd.read_csv(direct / "results/clean/units.csv", dtype={"transcript_id": str})
    assert sorted(units["transcript_id"].unique()) == ["50001_1", "50001_2", "50004_1", "50004_2"]
    by_code = pd.read_csv(direct / "results/agreement/agreement_by_code.csv")
    assert len(by_code) > 0
    for name in ["agreement", "themes_all", "manuscript"]:
        assert (direct / f"results/notebooks/{name}.html").stat().st_size > 10_000, name
    benchmarks = {p.stem for p in (direct / "logs/benchmarks").glob("*.tsv")}
    assert {"clean", "agreement", "notebook_manuscript"} <= benchmarks


def test_nothing_left_to_do_after_a_run(direct):
    proc = run(direct, "-s", str(REPO / "Snakefile"), "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr


def test_workflow_runs_as_a_module_with_the_same_results(direct, as_module):
    assert (as_module / "results/notebooks/manuscript.html").exists()
    stamped, different, n = compare_results.compare(direct / "results", as_module / "results")
    assert different == [] and n > 100, different
    proc = run(as_module, "-n")
    assert "Nothing to be done" in proc.stdout + proc.stderr
