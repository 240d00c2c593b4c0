"""End to end: the demo study copied to a temporary folder and run with Snakemake there.

One full run (module fixture) backs the checks on outputs; rerun behaviour is checked with dry
runs after editing inputs in the copy (and restoring them).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
SNAKEMAKE = [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile")]
pytestmark = pytest.mark.e2e


def snakemake(study: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [*SNAKEMAKE, "--directory", str(study), *args],
        capture_output=True,
        text=True,
        cwd=study,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"snakemake {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def scheduled_rules(study: Path, *args: str) -> dict[str, int]:
    """Rule name -> job count that a dry run would execute."""
    proc = snakemake(study, "-n", *args)
    out = proc.stdout + proc.stderr
    counts: dict[str, int] = {}
    if "Job stats:" not in out:
        return counts
    table = out.split("Job stats:", 1)[1]
    for line in table.splitlines()[3:]:
        parts = line.split()
        if len(parts) != 2 or not parts[1].isdigit():
            break
        if parts[0] != "total":
            counts[parts[0]] = int(parts[1])
    return counts


def copy_study(dest: Path) -> Path:
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "data", dest / "data")
    shutil.copy(REPO / "config.yaml", dest / "config.yaml")
    return dest


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def study(tmp_path_factory) -> Path:
    folder = copy_study(tmp_path_factory.mktemp("study"))
    before = tree_digest(folder / "data")
    snakemake(folder, "--cores", "2")
    assert tree_digest(folder / "data") == before, "the pipeline modified raw data"
    return folder


def test_units_cover_every_transcript_and_slice_exactly(study):
    units = pd.read_csv(study / "results/clean/units.csv", dtype={"transcript_id": str})
    interviews = pd.read_csv(study / "data/interviews.csv")
    assert units["transcript_id"].nunique() == int((interviews["recorded"] == "yes").sum()) == 29
    assert units["unit_id"].is_unique
    for tid, group in units.groupby("transcript_id"):
        text = (study / "results/clean" / f"{tid}.txt").read_text(encoding="utf-8")
        for start, end, unit_text in group[["start", "end", "text"]].itertuples(index=False):
            assert text[start:end] == unit_text


def _all_text_under(folder: Path) -> str:
    """Every text file and every member of every zip container (xlsx, docx, qdpx) as text."""
    chunks = []
    for path in folder.rglob("*"):
        if not path.is_file():
            continue
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as zf:
                chunks += [zf.read(n).decode("utf-8", "ignore") for n in zf.namelist()]
        else:
            chunks.append(path.read_bytes().decode("utf-8", "ignore"))
    return "\n".join(chunks)


def test_no_redacted_name_reaches_results(study):
    terms = pd.read_csv(study / "data/redaction.csv")["term"].str.casefold()
    longest_first = sorted(terms, key=len, reverse=True)
    pattern = re.compile(r"\b(?:" + "|".join(map(re.escape, longest_first)) + r")\b")
    raw = _all_text_under(study / "data/transcripts").casefold()
    assert pattern.search(raw), "control: the names are in the raw transcripts"
    for folder in ["results", "logs"]:
        everything = _all_text_under(study / folder).casefold()
        assert sorted(set(pattern.findall(everything))) == [], folder


def test_second_dry_run_schedules_nothing(study):
    assert scheduled_rules(study) == {}


def _edited(path: Path, edit):
    original = path.read_bytes()
    edit(path)
    return original


def test_editing_a_transcript_reschedules_its_cleaning_and_downstream(study):
    path = sorted((study / "data/transcripts").glob("*.txt"))[0]
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n")
        rules = scheduled_rules(study)
    finally:
        path.write_bytes(original)
    assert rules.get("clean") == 1 and rules.get("clean_texts") == 1
    assert "agreement" in rules and "themes" in rules


def test_a_deleted_cleaned_text_is_remade(study):
    """Rules read the texts through their manifest; a text deleted by hand is still remade."""
    path = sorted((study / "results/clean").glob("*_*.txt"))[0]
    original = path.read_bytes()
    try:
        path.unlink()
        rules = scheduled_rules(study)
    finally:
        path.write_bytes(original)
    assert rules.get("clean_texts") == 1 and "clean" not in rules


def test_editing_one_coder_reruns_that_import_onward_not_cleaning(study):
    config = __import__("yaml").safe_load((study / "config.yaml").read_text())
    coder, source = next(iter(config["coders"].items()))
    path = study / source
    original = path.read_bytes()
    try:
        path.write_bytes(original + (b"\n" if path.suffix == ".csv" else b""))
        if path.suffix != ".csv":
            path.touch()
        rules = scheduled_rules(study)
    finally:
        path.write_bytes(original)
    assert "clean" not in rules and "clean_texts" not in rules
    assert rules.get("import_codings") == 1
    assert {"agreement", "disagreements", "consensus", "themes"} <= set(rules)


def test_editing_resolutions_reruns_consensus_onward_not_agreement(study):
    path = study / "data/resolutions.csv"
    original = path.read_bytes()
    try:
        path.write_bytes(original + b"\n")
        rules = scheduled_rules(study)
    finally:
        path.write_bytes(original)
    assert {"consensus", "themes", "notebook_manuscript"} <= set(rules)
    assert not {"agreement", "import_codings", "clean", "clean_texts", "disagreements"} & set(rules)


def _with_config_edit(study: Path, old: str, new: str) -> dict[str, int]:
    path = study / "config.yaml"
    original = path.read_text()
    assert old in original
    try:
        path.write_text(original.replace(old, new))
        return scheduled_rules(study)
    finally:
        path.write_text(original)


def test_renaming_a_wave_reruns_only_notebooks(study):
    rules = _with_config_edit(study, '1: "Baseline"', '1: "Intake"')
    rules.pop("all", None)
    rules.pop("frontpage", None)
    rules.pop(
        "leak_gate", None
    )  # the gate rescans after any change  # the front page links the notebooks: rebuilt after them
    assert rules, "a new wave label must rerun something"
    assert all(rule.startswith("notebook_") for rule in rules), rules


def test_figure_option_reruns_only_notebooks(study):
    rules = _with_config_edit(study, "dpi: 300", "dpi: 200")
    rules.pop("all", None)
    rules.pop("frontpage", None)
    rules.pop("leak_gate", None)  # the gate rescans after any change
    assert set(rules) == {
        "notebook_agreement",
        "notebook_themes",
        "notebook_themes_small",  # categories too small for a co-occurrence panel
        "notebook_manuscript",
    }


def test_notebooks_executed_with_parameters_and_outputs(study):
    for name in ["agreement", "themes_all", "themes_facilitators", "themes_barriers", "manuscript"]:
        nb = json.loads((study / f"results/notebooks/{name}.ipynb").read_text())
        tags = [c.get("metadata", {}).get("tags", []) for c in nb["cells"]]
        assert any("injected-parameters" in t for t in tags), name
        errors = [
            o for c in nb["cells"] for o in c.get("outputs", []) if o.get("output_type") == "error"
        ]
        assert errors == [], name
        assert (study / f"results/notebooks/{name}.html").stat().st_size > 10_000
    figures = list((study / "results/figures").glob("*.png"))
    assert len(figures) >= 14
    assert all(p.stat().st_size > 5_000 for p in figures)
    for stem in ["table1_participants", "table2_themes", "table3_agreement"]:
        for ext in ["csv", "md", "tex", "docx"]:
            assert (study / f"results/tables/{stem}.{ext}").stat().st_size > 100


def test_manuscript_draft_reads_its_numbers_from_the_csvs(study):
    draft = (study / "results/manuscript/manuscript.md").read_text(encoding="utf-8")
    status = pd.read_csv(study / "results/reconciliation/status.csv").set_index("kind")["count"]
    assert f"agreed on {status['agreed']:,} unit-by-code decisions" in draft
    assert f"rationale for {status['resolved']:,}" in draft
    assert "29 of the 30 scheduled interviews" in draft and "The remaining 10 took part" in draft
    coreq = pd.read_csv(study / "results/manuscript/coreq.csv")
    assert list(coreq["item"]) == list(range(1, 33))
    assert (study / "results/manuscript/manuscript.docx").stat().st_size > 50_000
    assert (study / "results/figures/figure1_flowchart.pdf").read_bytes().startswith(b"%PDF")


def test_table1_and_flowchart_match_the_study(study):
    table1 = (study / "results/tables/table1_participants.md").read_text()
    for expected in ["10", "6 (60", "4 (40", "30.0 (6.2)", "29 of 30", "63.0 (20.0)"]:
        assert expected in table1, expected


def test_unclear_role_and_growth_raised_by_everyone(study):
    freq = pd.read_csv(study / "results/themes/theme_frequency_by_wave.csv", dtype={"wave": str})
    overall = freq[(freq["level"] == "subtheme") & (freq["wave"] == "all")].set_index("theme")
    assert overall.loc["unclear_role", "n_participants"] == 10
    assert overall.loc["personal_growth", "n_participants"] == 10
    assert overall.loc["hostility_from_staff", "n_participants"] < 10
    assert (overall["n_interviewed"] == 10).all()


def test_consensus_is_complete(study):
    status = pd.read_csv(study / "results/reconciliation/status.csv")
    counts = status.dropna(subset=["count"]).set_index("kind")["count"]
    assert counts.get("unresolved", 0) == 0
    assert counts.get("stale", 0) == 0
    assert counts["resolved"] > 0


def test_report_builds(study):
    snakemake(study, "--report", "results/report.html")
    assert (study / "results/report.html").stat().st_size > 100_000


def test_bad_coding_stops_the_run_naming_file_and_row(tmp_path):
    folder = copy_study(tmp_path / "bad")
    path = folder / "data/codings/coder_a.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    fields = lines[1].split(",")
    header = lines[0].split(",")
    fields[header.index("code")] = "made_up_code"
    path.write_text("\n".join([*lines, ",".join(fields)]) + "\n", encoding="utf-8")
    proc = snakemake(folder, "--cores", "2", "results/agreement/agreement_by_code.csv", check=False)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert f"coder_a.csv, row {len(lines) + 1}" in output
    assert "made_up_code" in output
    assert not (folder / "results/codings/coder_a.csv").exists()
    assert not list((folder / "results/codings").glob(".*tmp*"))


def test_unknown_speaker_label_stops_cleaning_naming_file_and_line(tmp_path):
    folder = copy_study(tmp_path / "bad_label")
    path = folder / "data/transcripts/50002_1.txt"
    raw = path.read_bytes().decode("utf-8-sig")
    path.write_text(raw + "\n\nNurse Manager: I would like to add something.\n", encoding="utf-8")
    proc = snakemake(folder, "--cores", "2", "results/clean/units.csv", check=False)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    assert "50002_1.txt, line" in output
    assert "speakers" in output  # points at the config key to extend
    assert not (folder / "results/clean/units.csv").exists()


def test_two_fresh_runs_in_different_folders_are_byte_identical(study, tmp_path):
    """Same inputs, same bytes: every file under results/ (workbooks, notebooks, HTML, PDFs)."""
    other = copy_study(tmp_path / "again")
    snakemake(other, "--cores", "2")
    first, second = tree_digest(study / "results"), tree_digest(other / "results")
    first.pop("report.html", None)  # made by test_report_builds (snakemake --report), not a run
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []
