"""Building the job graph grows linearly with the study.

At 1,000x the demo (29,000 transcripts) Snakemake's DAG did not finish in 22 minutes: six rules
took every cleaned text as an input, and Snakemake matches each input file against every output
of its producer (N² regex matches); the front page's `rules.x.output` inputs made Snakemake
hash its whole transcript list once per transcript (N² again). This test counts that work — the
output matches and the list elements hashed — in dry runs of the tiny study replicated 10, 20
and 40 times. Each doubling adds as much work as the one before it when growth is linear (twice
the transcripts added), four times as much when it is quadratic. Counted, not timed.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TINY = REPO / ".test"
_spec = importlib.util.spec_from_file_location("replicate", REPO / "benchmarks/replicate.py")
replicate = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(replicate)

#: Runs `snakemake -n` in-process with two counters, printed as JSON on exit.
_COUNTING_DRY_RUN = """
import atexit, json, sys
import snakemake.io, snakemake.iocontainers
from snakemake.cli import main

work = {"output_matches": 0, "hashed_list_items": 0}
match, list_hash = snakemake.io._IOFile.match, snakemake.iocontainers.Namedlist.__hash__

def counted_match(self, target):
    work["output_matches"] += 1
    return match(self, target)

def counted_hash(self):
    work["hashed_list_items"] += len(self)
    return list_hash(self)

snakemake.io._IOFile.match = counted_match
snakemake.iocontainers.Namedlist.__hash__ = counted_hash
atexit.register(lambda: print("WORK " + json.dumps(work)))
main(sys.argv[1:])
"""


def _dag_work(study: Path) -> dict[str, int]:
    proc = subprocess.run(
        [sys.executable, "-c", _COUNTING_DRY_RUN, "-s", str(REPO / "Snakefile"), "-n", "-q"],
        cwd=study,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    line = next(x for x in proc.stdout.splitlines() if x.startswith("WORK "))
    return json.loads(line.removeprefix("WORK "))


def _replicated(root: Path, factor: int) -> Path:
    study = root / f"x{factor}"
    replicate.replicate_study(TINY, study, factor)
    shutil.copyfile(TINY / "config.yaml", study / "config.yaml")
    return study


FACTORS = (10, 20, 40)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> dict[int, dict[str, int]]:
    root = tmp_path_factory.mktemp("dag")
    return {factor: _dag_work(_replicated(root, factor)) for factor in FACTORS}


@pytest.mark.parametrize("kind", ["output_matches", "hashed_list_items"])
def test_dag_work_grows_linearly_with_the_transcripts(work, kind):
    w10, w20, w40 = (work[f][kind] for f in FACTORS)
    first, second = w20 - w10, w40 - w20  # 40 more transcripts, then 80 more
    assert second <= 3 * max(first, 50), f"{kind}: {w10}, {w20}, {w40} at 10x, 20x, 40x"
