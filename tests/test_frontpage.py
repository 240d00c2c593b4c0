"""The study front page (qualflow.present.frontpage) and the changes since the last run
(qualflow.present.run_changes), on the synthetic results folder plus small hand-made status
files.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from qualflow.present.frontpage import build_front_page, fingerprints, headline, warnings
from qualflow.present.run_changes import compare, read_state, update_state

DEMO = Path(__file__).parent / "fixtures" / "results_demo"
HOSTILE = '<img src=x onerror="alert(1)">'

STATUS = """kind,count,unit_id,code,detail
agreed,40,,,both coders applied the code
resolved,12,,,"7 include, 5 exclude"
unresolved,0,,,no decision recorded
stale,2,,,decisions that match no current disagreement
stale,1,50001_1:4,peer_network,no longer a disagreement
stale,1,50002_1:9,debriefing,unit not analysed
consensus,3,,,rows in consensus/codings.csv
"""
CONSENSUS = """unit_id,transcript_id,participant_id,wave,turn,speaker,code,subtheme,category,source
50001_1:2,50001_1,50001,1,2,participant,peer_network,supportive_figures,facilitators,agreed
50001_1:4,50001_1,50001,1,4,participant,debriefing,personalised_coping_strategies,facilitators,resolved
50002_1:6,50002_1,50002,1,6,participant,role_drift,unclear_role,barriers,agreed
"""
CODER_STATUS = "kind,count,detail\nrows_read,10,\nduplicate,2,\nspans_without_unit,0,\n"


@pytest.fixture
def study(tmp_path: Path) -> Path:
    shutil.copytree(DEMO, tmp_path, dirs_exist_ok=True)
    (tmp_path / "results/reconciliation").mkdir(parents=True, exist_ok=True)
    (tmp_path / "results/reconciliation/status.csv").write_text(STATUS, encoding="utf-8")
    (tmp_path / "results/consensus").mkdir(exist_ok=True)
    (tmp_path / "results/consensus/codings.csv").write_text(CONSENSUS, encoding="utf-8")
    (tmp_path / "results/codings").mkdir(exist_ok=True)
    (tmp_path / "results/codings/coder_a_status.csv").write_text(CODER_STATUS, encoding="utf-8")
    for name in ("results/figures/agreement_forest.png", "results/tables/table1.csv"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    return tmp_path


def _build(study: Path, name: str = "Demo study") -> tuple[str, str]:
    data = study / "data"
    results = study / "results"
    build_front_page(
        study_name=name,
        ci_level=0.95,
        inputs={
            "participants": str(data / "participants.csv"),
            "codebook": str(data / "codebook.yaml"),
            "transcripts": [str(data / "interviews.csv"), str(data / "screening.csv")],
            "config": {"agreement": {"ci_level": 0.95}},
        },
        results={
            "participants": data / "participants.csv",
            "interviews": data / "interviews.csv",
            "agreement_summary": results / "agreement/agreement_summary.csv",
            "agreement_by_code": results / "agreement/agreement_by_code.csv",
            "status": results / "reconciliation/status.csv",
            "consensus": results / "consensus/codings.csv",
            "theme_frequency": results / "themes/theme_frequency_by_wave.csv",
            "exemplars": results / "themes/exemplars.csv",
        },
        coding_status={"coder_a": results / "codings/coder_a_status.csv"},
        outputs=[
            str(study / rel)
            for rel in [
                "results/notebooks/agreement.html",
                "results/figures/agreement_forest.png",
                "results/figures/agreement_forest.svg",
                "results/tables/table1.csv",
                "results/tables/table1.docx",
                "results/reconciliation/disagreements.xlsx",
            ]
        ],
        index=results / "index.html",
        changes=results / "changes.csv",
        state=results / "history/state.json",
    )
    return (
        (results / "index.html").read_text(encoding="utf-8"),
        (results / "changes.csv").read_text(encoding="utf-8"),
    )


def test_fingerprints_digest_files_file_lists_and_settings(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("one"), b.write_text("two")
    prints = fingerprints({"a": str(a), "both": [str(b), str(a)], "config": {"x": 1}})
    assert prints["sha256"][0] == hashlib.sha256(b"one").hexdigest()[:12]
    assert list(prints["files"]) == [1, 2, 0]
    swapped = fingerprints({"both": [str(a), str(b)]})
    assert swapped["sha256"][0] == prints["sha256"][1]  # order of the list does not matter
    b.write_text("changed")
    assert fingerprints({"both": [str(a), str(b)]})["sha256"][0] != prints["sha256"][1]


def test_headline_numbers_are_read_from_the_csvs(study):
    data, results = study / "data", study / "results"
    numbers = headline(
        data / "participants.csv",
        data / "interviews.csv",
        results / "agreement/agreement_summary.csv",
        results / "reconciliation/status.csv",
        results / "consensus/codings.csv",
    )
    interviews = pd.read_csv(data / "interviews.csv")
    summary = pd.read_csv(results / "agreement/agreement_summary.csv")
    pooled = summary.query(
        "scope == 'overall' and statistic == 'pooled_kappa' and unit == 'turn'"
    ).iloc[0]
    assert numbers["participants"] == len(pd.read_csv(data / "participants.csv"))
    assert numbers["interviews_recorded"] == int((interviews["recorded"] == "yes").sum())
    assert numbers["interviews_scheduled"] == len(interviews)
    assert numbers["pooled_kappa"] == pytest.approx(pooled["value"])
    assert numbers["pooled_kappa_low"] == pytest.approx(pooled["boot_ci_low"])
    assert (numbers["resolved"], numbers["unresolved"], numbers["stale"]) == (12, 0, 2)
    assert numbers["consensus_codings"] == 3


def test_warnings_name_stale_units_unused_codes_and_duplicates(study):
    results = study / "results"
    lines = warnings(
        results / "reconciliation/status.csv",
        results / "agreement/agreement_by_code.csv",
        {"coder_a": results / "codings/coder_a_status.csv"},
    )
    text = "\n".join(lines)
    assert "2 stale decisions" in text and "50001_1:4 peer_network" in text
    assert "never used by either coder: exclusion_from_meetings" in text
    assert "coder_a: 2 duplicate codings" in text and "spans that fall" not in text


def test_front_page_is_escaped_scriptless_and_links_every_output(study):
    page, changes = _build(study, name=f"Study {HOSTILE}")
    soup = BeautifulSoup(page, "html.parser")
    assert soup.find("script") is None and not soup.find("img", src="x")
    assert soup.title.text == f"Study {HOSTILE}"
    assert "script-src 'none'" in soup.find("meta", attrs={"http-equiv": True})["content"]
    hrefs = {a["href"] for a in soup.find_all("a")}
    assert {
        "notebooks/agreement.html",
        "notebooks/agreement.ipynb",
        "figures/agreement_forest.svg",
        "tables/table1.docx",
        "reconciliation/disagreements.xlsx",
    } <= hrefs
    assert soup.find("img", src="figures/agreement_forest.png")
    assert soup.find(id="n-consensus").find(class_="value").text == "3"
    assert "nothing to compare" in soup.find(id="changes").text
    assert changes == "change,item,previous,current\n"


def test_a_rerun_reports_what_moved_and_a_fresh_build_is_identical(study):
    first = _build(study)
    state = study / "results/history/state.json"
    assert _build(study) == first  # same inputs: same page, the stored run unchanged
    stored = state.read_bytes()
    # a coding removed (consensus) and an input changed: both appear, old and new
    codings = study / "results/consensus/codings.csv"
    codings.write_text("".join(CONSENSUS.splitlines(True)[:3]), encoding="utf-8")
    by_code = study / "results/agreement/agreement_by_code.csv"
    frame = pd.read_csv(by_code)
    old_kappa = frame.loc[frame["code"] == "peer_network", "kappa"].iloc[0]
    frame.loc[frame["code"] == "peer_network", ["kappa", "a_only"]] = [0.5, 99]
    frame.to_csv(by_code, index=False)
    (study / "data/codebook.yaml").write_text(
        (study / "data/codebook.yaml").read_text() + "\n", encoding="utf-8"
    )
    page, changes = _build(study)
    rows = pd.read_csv(study / "results/changes.csv", dtype=str, keep_default_na=False)
    assert ["input", "codebook"] in rows[["change", "item"]].values.tolist()
    kappa = rows[(rows["change"] == "kappa") & (rows["item"] == "peer_network")].iloc[0]
    assert (kappa["previous"], kappa["current"]) == (f"{old_kappa:.4f}", "0.5000")
    assert "consensus_removed" in set(rows["change"]) and "50002_1:6 role_drift" in changes
    assert "Inputs changed since the previous run: codebook." in page
    assert "peer_network" in BeautifulSoup(page, "html.parser").find(id="changes").text
    assert state.read_bytes() != stored
    # rebuilding without a further change shows the same comparison
    assert _build(study) == (page, changes)


def test_state_keeps_the_run_before_the_latest_change():
    one, two = {"x": 1}, {"x": 2}
    previous, text = update_state(None, one)
    assert previous is None
    previous, text = update_state(json.loads(text), two)
    assert previous == one
    previous, again = update_state(json.loads(text), two)
    assert previous == one and again == text
    rows, note = compare(None, one)
    assert rows.empty and "nothing to compare" in note


def test_unreadable_state_counts_as_no_previous_run(tmp_path):
    path = tmp_path / "state.json"
    assert read_state(path) is None
    path.write_text("{not json")
    assert read_state(path) is None
