"""The manuscript draft and COREQ checklist: every number is read back and compared with the
CSVs it came from (computed here independently), and the Word draft is in journal style.

Inputs are the synthetic results folder in ``tests/fixtures/results_demo`` (see make_demo.py;
``results/clean/cleaning_report.csv`` and ``results/reconciliation/status.csv`` there are small
hand-written files in the columns of docs/files.md).
"""

from __future__ import annotations

from pathlib import Path

import docx
import pandas as pd
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from qualflow.codebook.read import load_codebook
from qualflow.present import manuscript, tables
from qualflow.study import read_interviews, read_participants, read_screening

DEMO = Path(__file__).parent / "fixtures" / "results_demo"
WAVES = {1: "Baseline", 2: "4 months", 3: "8 months"}
CODERS = {"coder_a": "data/codings/coder_a.csv", "coder_b": "data/codings/coder_b.xlsx"}


def _result(kind: str, folder: str) -> pd.DataFrame:
    return tables.read_result(DEMO / "results" / folder / f"{kind}.csv", kind)


@pytest.fixture(scope="module")
def study() -> dict:
    interviews = read_interviews(DEMO / "data" / "interviews.csv")
    return {
        "book": load_codebook(DEMO / "data" / "codebook.yaml"),
        "people": read_participants(DEMO / "data" / "participants.csv"),
        "held": interviews,
        "flow": tables.recruitment_flow(
            read_screening(DEMO / "data" / "screening.csv"), interviews
        ),
        "frequency": _result("theme_frequency_by_wave", "themes"),
        "quotes": _result("exemplars", "themes"),
        "matrix": _result("participant_theme_matrix", "themes"),
        "summary": _result("agreement_summary", "agreement"),
        "by_code": _result("agreement_by_code", "agreement"),
        "report": manuscript.read_cleaning_report(DEMO / "results/clean/cleaning_report.csv"),
        "status": manuscript.read_status(DEMO / "results/reconciliation/status.csv"),
    }


def _draft(s: dict, status: pd.DataFrame | None = None) -> list[manuscript.Block]:
    blocks = manuscript.methods_blocks(
        s["flow"],
        s["held"],
        s["book"],
        CODERS,
        WAVES,
        cleaning_report=s["report"],
        status=s["status"] if status is None else status,
        ci_level=0.95,
        replicates=2000,
    )
    narrative = tables.agreement_narrative(s["summary"], s["by_code"], 0.95, codebook=s["book"])
    blocks += manuscript.results_blocks(
        s["people"], s["held"], s["frequency"], s["quotes"], s["matrix"], s["book"], WAVES,
        narrative,
    )  # fmt: skip
    return blocks


def _text(blocks) -> str:
    return manuscript.to_markdown(blocks)


def test_methods_numbers_equal_the_inputs(study):
    text = _text(_draft(study))
    screening = pd.read_csv(DEMO / "data/screening.csv")
    interviews = pd.read_csv(DEMO / "data/interviews.csv")
    status = screening["status"].value_counts()
    assert f"All {len(screening)} peer support specialists" in text
    assert f"{status['ineligible']} were not eligible" in text
    assert f"The remaining {status['interviewed']} took part" in text
    recorded = interviews[interviews["recorded"] == "yes"]
    assert f"{len(recorded)} of the {len(interviews)} scheduled interviews" in text
    minutes = recorded["duration_min"].astype(float)
    assert f"a mean of {minutes.mean():.1f} minutes (SD {minutes.std():.1f};" in text
    assert f"range {int(minutes.min())}–{int(minutes.max())})" in text
    note = interviews.loc[interviews["recorded"] == "no", "note"].iloc[0]
    assert f"One interview at 8 months was not recorded ({note})" in text
    report = pd.read_csv(DEMO / "results/clean/cleaning_report.csv")
    redactions = int(report.filter(like="redacted_").to_numpy().sum())
    assert f"({redactions} replacements" in text
    assert f"held {report['n_turns'].sum():,} turns and {report['n_words'].sum():,} words" in text
    assert "coded all 29 transcripts" in text
    assert "512 unit-by-code decisions" in text and "the remaining 131 disagreements" in text
    assert "kept in 80 and removed in 51" in text and "none remained unresolved" in text
    assert "2,000 resamples" in text


def test_results_numbers_equal_the_csvs(study):
    text = _text(_draft(study))
    freq = pd.read_csv(DEMO / "results/themes/theme_frequency_by_wave.csv", dtype={"wave": str})
    sub = freq[freq["level"] == "subtheme"]
    book = study["book"]
    for name, label in zip(book["subtheme"], book["subtheme_label"], strict=True):
        rows = sub[sub["theme"] == name].set_index("wave")
        if rows.empty:
            continue
        every = rows.loc["all"]
        expected = (
            f"{label}. Raised by {every['n_participants']} of {every['n_interviewed']} "
            f"participants in at least one interview ({rows.loc['1', 'n_participants']} of "
            f"{rows.loc['1', 'n_interviewed']} at Baseline"
        )
        assert expected in text
    pooled = study["summary"].query("scope == 'overall' and statistic == 'pooled_kappa'")
    turn = pooled[pooled["unit"] == "turn"].iloc[0]
    assert f"pooled Cohen's κ was {tables.fmt_number(turn['value'])}" in text
    ages = pd.read_csv(DEMO / "data/participants.csv")["age"]
    assert f"mean age of {ages.mean():.1f} years (SD {ages.std():.1f})" in text
    for quote in study["quotes"]["attribution"]:
        assert f"({quote})" in text


def test_trajectories_in_the_text_match_a_direct_count(study):
    text = _text(_draft(study))
    m = study["matrix"]
    person = m[m["subtheme"] == "unclear_role"].sort_values(["participant_id", "wave"])
    first = person.groupby("participant_id")["n_units"].first() > 0
    last = person.groupby("participant_id")["n_units"].last() > 0
    gained, dropped = int((~first & last).sum()), int((first & ~last).sum())
    paragraph = next(line for line in text.splitlines() if line.startswith("Unclear role."))
    assert f"{gained} of 10 participants gained it and {dropped} dropped it" in paragraph


def test_a_changed_resolution_changes_the_draft(study):
    status = study["status"].copy()
    status.loc[status["kind"] == "resolved", ["count", "detail"]] = [140, "90 include, 50 exclude"]
    text = _text(_draft(study, status))
    assert "recorded a decision and its rationale for 140" in text
    assert "kept in 90 and removed in 50" in text


def test_word_draft_embeds_tables_in_journal_style_and_figures(tmp_path, study):
    table2 = tables.themes_table(study["frequency"], study["quotes"], study["book"], WAVES)
    table1 = tables.participant_characteristics(study["people"], study["held"], WAVES)
    from qualflow.present import figures

    figure = figures.save_figure(
        figures.recruitment_flowchart(study["flow"], WAVES), tmp_path / "f1", dpi=50
    )
    blocks = [
        *_draft(study),
        manuscript.Block("table", "Table 1. P.", frame=table1, note="Pooled."),
        manuscript.Block("table", "Table 2. T.", frame=table2),
        manuscript.Block("table", "Table 2b. T.", frame=table2),  # wide after wide
        manuscript.Block("figure", "Figure 1. F.", path=str(figure[0])),
    ]
    md, word = manuscript.save_draft(blocks, tmp_path / "manuscript")
    again = manuscript.save_draft(blocks, tmp_path / "again" / "manuscript")
    assert word.read_bytes() == again[1].read_bytes()  # byte-reproducible
    document = docx.Document(str(word))
    assert len(document.tables) == 3 and len(document.inline_shapes) == 1
    orientations = [s.orientation for s in document.sections]
    # two wide tables share one landscape section: no blank portrait page between them
    assert orientations == [WD_ORIENT.PORTRAIT, WD_ORIENT.LANDSCAPE, WD_ORIENT.PORTRAIT]
    for table in document.tables:
        borders = table._tbl.tblPr.find(qn("w:tblBorders"))
        assert borders.find(qn("w:insideV")).get(qn("w:val")) == "nil"
        assert table.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Raised by" in text and "Figure 1. F." in text
    assert md.read_text(encoding="utf-8").startswith("## Methods")


def test_table1_in_the_draft_has_no_count_below_the_threshold(study):
    table = tables.participant_characteristics(study["people"], study["held"], WAVES, 3)
    column = table.columns[-1]
    counts = table[column].str.extract(r"^(\d+) \(", expand=False).dropna().astype(int)
    assert len(counts) and counts.min() >= 3


def test_coreq_has_32_items_filled_from_the_data(tmp_path, study):
    coreq = manuscript.coreq_checklist(
        study["flow"], study["people"], study["held"], study["book"], CODERS, study["quotes"],
        WAVES,
    )  # fmt: skip
    assert list(coreq["item"]) == list(range(1, 33))
    assert list(coreq.columns) == manuscript.COREQ_COLUMNS
    answers = coreq.set_index("item")["answer"]
    assert answers[12] == "10 participants"
    assert answers[24].startswith("2 coders")
    assert "left the job; asked not to be recorded" in answers[13]
    assert "1 declined" in answers[13] and "7 ineligible" in answers[13]
    assert answers[29].startswith(f"Yes: {len(study['quotes'])} quotations")
    assert answers[1].startswith("[AUTHORS")
    assert set(coreq["status"]) == {"from data", "for authors"}
    assert (coreq["status"] == "for authors").sum() == (answers.str.startswith("[AUTHORS")).sum()
    csv, word = manuscript.save_coreq(coreq, tmp_path / "coreq")
    assert pd.read_csv(csv)["item"].tolist() == list(range(1, 33))
    assert len(docx.Document(str(word)).tables[0].rows) == 33


def test_codebook_revisions_are_reported_from_the_change_log():
    from qualflow.present.manuscript import revision_sentence

    changes = pd.DataFrame(
        {
            "change": [1, 1, 2, 2],
            "kind": ["rename", "rename", "merge", "merge"],
            "applies_to": ["coder_a", "resolutions", "coder_a", "resolutions"],
        }
    )
    text = revision_sentence(changes)
    assert "revised two times" in text and "one renaming, one merger" in text
    assert "No revision" in revision_sentence(changes.iloc[0:0])
