"""Early cutoff (qualflow.replay, qualflow.stage.run_stage): a job is replayed only when every
byte, parameter and line of code it depends on is what it was at its last run."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pytest
from snakemake.iocontainers import Namedlist

from qualflow import replay
from qualflow.stage import run_stage


def job(tmp_path: Path, **overrides) -> SimpleNamespace:
    """A stand-in for a script's ``snakemake`` object: two inputs, two outputs."""
    fields = {
        "rule": "themes",
        "wildcards": Namedlist(fromdict={"category": "all"}),
        "params": Namedlist(fromdict={"weights": {"a": 1, "b": 2}, "dpi": 300}),
        "threads": 1,
        "input": Namedlist(fromdict={"codings": "in/codings.csv", "book": "in/book.yaml"}),
        "output": Namedlist(fromdict={"table": "out/table.csv", "figure": "out/figure.png"}),
        "log": Namedlist(fromdict={"log": str(tmp_path / "logs/job.log")}),
        "scriptdir": None,
        "config": {},
    }
    fields.update(overrides)
    return SimpleNamespace(**fields)


@pytest.fixture
def study(tmp_path, monkeypatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "in").mkdir()
    (tmp_path / "in/codings.csv").write_text("unit,code\n1,a\n", encoding="utf-8")
    (tmp_path / "in/book.yaml").write_text("codes: [a]\n", encoding="utf-8")
    return tmp_path


def computing(smk, calls: list[str]):
    """A stage that writes both outputs from the first input and counts its runs."""

    def stage() -> None:
        calls.append("ran")
        text = Path(smk.input.codings).read_text(encoding="utf-8")
        for path in smk.output:
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_text(f"{path}\n{text}", encoding="utf-8")

    return stage


def remove_outputs(smk) -> None:
    """What Snakemake does before it runs a job again."""
    for path in smk.output:
        Path(path).unlink(missing_ok=True)


def test_fingerprint_changes_with_every_kind_of_dependency(study):
    base = replay.fingerprint(job(study))
    assert replay.fingerprint(job(study)) == base
    variants = {
        "rule": job(study, rule="agreement"),
        "wildcards": job(study, wildcards=Namedlist(fromdict={"category": "barriers"})),
        "params": job(study, params=Namedlist(fromdict={"weights": {"a": 1, "b": 3}, "dpi": 300})),
        "threads": job(study, threads=2),
        "output path": job(
            study, output=Namedlist(fromdict={"table": "out/t.csv", "figure": "out/figure.png"})
        ),
        "input name": job(
            study, input=Namedlist(fromdict={"coded": "in/codings.csv", "book": "in/book.yaml"})
        ),
    }
    for what, smk in variants.items():
        assert replay.fingerprint(smk) != base, what
    (study / "in/book.yaml").write_text("codes: [a, b]\n", encoding="utf-8")
    assert replay.fingerprint(job(study)) != base, "input bytes"


def test_fingerprint_covers_the_workflow_scripts(study):
    scripts = study / "scripts"
    scripts.mkdir()
    (scripts / "themes.py").write_text("x = 1\n", encoding="utf-8")
    before = replay.fingerprint(job(study, scriptdir=str(scripts)))
    (scripts / "themes.py").write_text("x = 2\n", encoding="utf-8")
    replay.code_digest.cache_clear()
    try:
        assert replay.fingerprint(job(study, scriptdir=str(scripts))) != before
    finally:
        replay.code_digest.cache_clear()


def test_snakemake_per_run_copy_of_a_notebook_is_named_by_its_original_path():
    cached = "/root/.cache/snakemake/snakemake/source-cache/snakemake-runtime-cache/tmpab12/file"
    assert replay.stable_path(f"{cached}/repo/notebooks/themes.ipynb") == (
        "/repo/notebooks/themes.ipynb"
    )
    assert replay.stable_path("results/themes/x.csv") == "results/themes/x.csv"


def test_identical_rerun_is_replayed_byte_for_byte(study, capsys):
    smk, calls = job(study), []
    run_stage(smk, computing(smk, calls), early_cutoff=True)
    written = {path: Path(path).read_bytes() for path in smk.output}
    remove_outputs(smk)
    run_stage(smk, computing(smk, calls), early_cutoff=True)
    assert calls == ["ran"]
    assert {path: Path(path).read_bytes() for path in smk.output} == written
    assert "themes (category=all): inputs, parameters and code are byte-identical" in (
        capsys.readouterr().err
    )
    assert "early cutoff" in Path(smk.log[0]).read_text(encoding="utf-8")


def test_changed_input_recomputes_and_replaces_the_entry(study):
    smk, calls = job(study), []
    run_stage(smk, computing(smk, calls), early_cutoff=True)
    (study / "in/codings.csv").write_text("unit,code\n1,b\n", encoding="utf-8")
    remove_outputs(smk)
    run_stage(smk, computing(smk, calls), early_cutoff=True)
    assert calls == ["ran", "ran"]
    assert "1,b" in Path(smk.output.table).read_text(encoding="utf-8")
    # Back to the first input: the entry now holds the second run, so it recomputes again.
    (study / "in/codings.csv").write_text("unit,code\n1,a\n", encoding="utf-8")
    remove_outputs(smk)
    run_stage(smk, computing(smk, calls), early_cutoff=True)
    assert calls == ["ran", "ran", "ran"]
    assert "1,a" in Path(smk.output.table).read_text(encoding="utf-8")


def test_missing_copy_recomputes(study):
    smk, calls = job(study), []
    run_stage(smk, computing(smk, calls), early_cutoff=True)
    (replay.entry_dir(smk) / "1").unlink()
    remove_outputs(smk)
    run_stage(smk, computing(smk, calls), early_cutoff=True)
    assert calls == ["ran", "ran"]
    assert all(Path(path).is_file() for path in smk.output)


def test_off_by_config_and_by_default_for_other_stages(study):
    calls: list[str] = []
    off = job(study, config={"replay": False})
    run_stage(off, computing(off, calls), early_cutoff=True)
    remove_outputs(off)
    run_stage(off, computing(off, calls), early_cutoff=True)
    plain = job(study, rule="consensus")
    run_stage(plain, computing(plain, calls))
    remove_outputs(plain)
    run_stage(plain, computing(plain, calls))
    assert calls == ["ran"] * 4
    assert not replay.STORE.exists()


def test_failed_stage_records_nothing(study):
    smk = job(study)

    def failing() -> None:
        raise RuntimeError("cell 3 failed")

    with pytest.raises(RuntimeError):
        run_stage(smk, failing, early_cutoff=True)
    assert not replay.entry_dir(smk).exists()
    logging.getLogger().handlers.clear()
