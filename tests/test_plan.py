"""The parse-time plan (qualflow.plan): reused only while every file it reads is unchanged, and
given back exactly as computed (Snakemake compares rule parameters by their text)."""

from __future__ import annotations

import datetime
import shutil
from pathlib import Path

import pytest
import yaml
from snakemake.utils import validate

from qualflow import plan
from qualflow.errors import InputError

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow/schemas/config.schema.yaml"


@pytest.fixture
def study(tmp_path, monkeypatch) -> Path:
    shutil.copytree(REPO / "data", tmp_path / "data")
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def config_as_given() -> dict:
    return yaml.safe_load(Path("config.yaml").read_text(encoding="utf-8"))


def planned(calls: list[str]) -> tuple[dict, dict]:
    """(plan, config after it) for the study in the working folder; counts validations."""

    def counting_validate(config: dict) -> None:
        calls.append("validated")
        validate(config, str(SCHEMA))

    config = config_as_given()
    result = plan.cached_study_plan(config, ["config.yaml"], SCHEMA, counting_validate)
    return result, config


def test_unchanged_study_reuses_the_plan_exactly(study):
    calls: list[str] = []
    first, config_first = planned(calls)
    second, config_second = planned(calls)
    assert calls == ["validated"]
    assert repr(second) == repr(first)  # same values, same key order
    assert repr(config_second) == repr(config_first)
    assert config_first["replay"] is True  # the schema's defaults are filled in either way
    assert first["categories"][0] == "all" and len(first["transcript_ids"]) == 29
    assert plan.PLAN_FILE.is_file()


@pytest.mark.parametrize(
    "edit",
    [
        lambda s: (s / "data/transcripts/50099_1.txt").write_text("Interviewer: Hello.\n"),
        lambda s: (s / "data/transcripts/50002_2.txt").unlink(),
        lambda s: (s / "data/participants.csv").write_text(
            (s / "data/participants.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8"
        ),
        lambda s: (s / "data/codebook.yaml").write_text(
            (s / "data/codebook.yaml").read_text(encoding="utf-8") + "\n# note\n",
            encoding="utf-8",
        ),
        lambda s: (s / "config.yaml").write_text(
            (s / "config.yaml").read_text(encoding="utf-8").replace("dpi: 300", "dpi: 200"),
            encoding="utf-8",
        ),
    ],
    ids=["transcript added", "transcript removed", "table", "codebook", "config"],
)
def test_any_change_to_what_it_reads_works_it_out_again(study, edit):
    calls: list[str] = []
    planned(calls)
    edit(study)
    try:
        planned(calls)
    except InputError:
        calls.append("checked and stopped")
    assert calls[1] in ("validated", "checked and stopped")


def test_a_study_that_fails_a_check_fails_on_every_run(study):
    (study / "data/transcripts/50099_1.txt").write_text("Interviewer: Hello.\n")
    for _ in range(2):
        with pytest.raises(InputError, match="50099_1.txt"):
            planned([])
    assert not plan.PLAN_FILE.exists()


def test_dates_round_trip_and_anything_json_cannot_give_back_is_not_kept():
    dated = {"changes": [{"date": datetime.date(2020, 2, 3), "rename": "a", "to": "b"}]}
    assert plan.dumps(dated) is not None
    assert plan.dumps({"pair": (1, 2)}) is None  # a tuple would come back as a list
    assert plan.dumps({"waves": {1: "Baseline"}}) is None  # integer keys would become strings
