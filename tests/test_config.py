"""Config validation against workflow/schemas/config.schema.yaml, and the stage runner."""

from __future__ import annotations

import logging
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from qualflow.errors import InputError
from qualflow.stage import USAGE_LINE, resource_usage, run_stage

REPO = Path(__file__).resolve().parents[1]


def dry_run(study: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "snakemake",
            "-s",
            str(REPO / "Snakefile"),
            "-n",
            "--directory",
            str(study),
        ],
        capture_output=True,
        text=True,
    )


@pytest.fixture
def study(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "data", tmp_path / "data")
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    return tmp_path


def edit_config(study: Path, edit) -> None:
    path = study / "config.yaml"
    config = yaml.safe_load(path.read_text())
    edit(config)
    path.write_text(yaml.safe_dump(config))


def test_demo_config_is_valid(study):
    proc = dry_run(study)
    assert proc.returncode == 0, proc.stdout


def test_wrong_type_names_the_key(study):
    edit_config(study, lambda c: c["agreement"]["bootstrap"].update(replicates="many"))
    proc = dry_run(study)
    assert proc.returncode != 0
    assert "'many' is not of type 'integer'" in proc.stdout
    assert "replicates" in proc.stdout


def test_unknown_policy_is_rejected(study):
    edit_config(study, lambda c: c["reconcile"].update(unresolved="ask_later"))
    proc = dry_run(study)
    assert proc.returncode != 0 and "ask_later" in proc.stdout


def test_defaults_are_filled(study):
    def strip(config):
        del config["figures"]
        del config["themes"]

    edit_config(study, strip)
    proc = dry_run(study)
    assert proc.returncode == 0, proc.stdout


def test_missing_interviews_table_is_named(study):
    (study / "data/interviews.csv").unlink()
    proc = dry_run(study)
    assert proc.returncode != 0
    assert "data/interviews.csv: file not found" in proc.stdout


def test_run_stage_turns_bad_input_into_one_line(tmp_path, capsys):
    log = tmp_path / "logs" / "stage.log"
    smk = SimpleNamespace(log=[str(log)])

    def stage():
        logging.getLogger("qualflow.test").info("reading")
        raise InputError("data/x.csv", "unknown code 'foo'", row=7)

    with pytest.raises(SystemExit) as exit_info:
        run_stage(smk, stage)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "qualflow: bad input: data/x.csv, row 7: unknown code 'foo'" in err
    assert "Traceback" not in err
    assert "unknown code 'foo'" in log.read_text()
    assert "reading" in log.read_text()


def test_unlisted_transcript_stops_before_anything_runs(study):
    (study / "data/transcripts/50099_1.txt").write_text("Interviewer: Hello.\n")
    proc = dry_run(study)
    assert proc.returncode != 0
    assert "data/transcripts/50099_1.txt" in proc.stdout
    assert "not listed" in proc.stdout


def test_listed_transcript_missing_names_the_row(study):
    (study / "data/transcripts/50002_2.txt").unlink()
    proc = dry_run(study)
    assert proc.returncode != 0
    assert "interviews.csv" in proc.stdout and "50002_2.txt" in proc.stdout


def test_run_stage_logs_the_jobs_cpu_including_finished_workers(tmp_path):
    """The usage line counts a worker process's CPU (Snakemake's sampled benchmark misses work
    done after its last sample), and bench_scale reads it back from the job's log."""
    log = tmp_path / "logs" / "stage.log"
    burn = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.6: pass"

    def stage():
        subprocess.run([sys.executable, "-c", burn], check=True)

    before = resource_usage()[0]
    run_stage(SimpleNamespace(log=[str(log)]), stage)
    line = log.read_text().splitlines()[-1]
    match = USAGE_LINE.search(line)
    assert match, line
    assert float(match["cpu"]) >= before + 0.6
    assert float(match["peak"]) > 0

    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from bench_scale import logged_usage
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    assert logged_usage(log)["cpu"] == float(match["cpu"])
    assert logged_usage(tmp_path / "missing.log") is None
