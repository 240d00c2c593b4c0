"""Manuscript tables: number formatting, Table 1 on a hand example, the themes and agreement
tables and narrative on the synthetic results folder, and the four-format writer."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import numpy as np
import pandas as pd
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

from qualflow.codebook.read import load_codebook
from qualflow.errors import InputError
from qualflow.present import tables
from qualflow.study import read_screening

DEMO = Path(__file__).parent / "fixtures" / "results_demo"
WAVES = {1: "Baseline", 2: "4 months", 3: "8 months"}


@pytest.fixture(scope="module")
def book() -> pd.DataFrame:
    return load_codebook(DEMO / "data" / "codebook.yaml")


def _result(kind: str, folder: str) -> pd.DataFrame:
    return tables.read_result(DEMO / "results" / folder / f"{kind}.csv", kind)


# --------------------------------------------------------------------------- formatting
@pytest.mark.parametrize(
    "value, digits, expected",
    [
        (0.125, 2, "0.13"),
        (0.124999, 2, "0.12"),
        (-0.001, 2, "0.00"),
        (62.5, 0, "63"),
        (np.nan, 2, "n/a"),
        (None, 2, "n/a"),
        (-0.2449, 2, "-0.24"),
    ],
)
def test_fmt_number_rounds_half_up_and_never_prints_minus_zero(value, digits, expected):
    assert tables.fmt_number(value, digits) == expected


def test_intervals_use_a_dash_unless_a_bound_is_negative():
    assert tables.fmt_interval(0.714, 0.8449) == "0.71–0.84"
    assert tables.fmt_interval(-0.2, 0.3) == "-0.20 to 0.30"
    assert tables.fmt_estimate(0.78, 0.71, 0.84) == "0.78 (0.71–0.84)"
    assert tables.fmt_estimate(0.78, np.nan, np.nan) == "0.78"
    assert tables.fmt_estimate(np.nan, 0.1, 0.2) == "n/a"


def test_counts_percentages_and_labels():
    assert tables.fmt_n_pct(1, 8) == "1 (13)"  # 12.5 rounds up
    assert tables.fmt_n_pct(6, 10) == "6 (60)"
    assert tables.fmt_mean_sd(pd.Series([20, 30, 40])) == "30.0 (10.0)"  # n - 1 SD
    assert tables.fmt_mean_sd(pd.Series([5])) == "5.0 (n/a)"
    assert tables.ci_label(0.95) == "95% CI" and tables.ci_label(0.995) == "99.5% CI"
    assert tables.wave_label_map({"1": "Baseline", 2: "Later"}) == {1: "Baseline", 2: "Later"}


# --------------------------------------------------------------------------- Table 1
def _hand_study() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Ten participants, three waves, one interview not recorded: 29 of 30."""
    participants = pd.DataFrame(
        {
            "participant_id": range(1, 11),
            "gender": ["female"] * 6 + ["male"] * 4,
            "age": [20, 22, 24, 26, 28, 30, 32, 34, 36, 38],  # mean 29, SD 6.06
            "ethnicity": ["Chinese"] * 5 + ["Malay"] * 3 + ["Indian"] * 2,
            "diagnosis": ["PTSD"] * 2 + ["depression"] * 8,
            "department": ["Inpatient"] * 10,
        }
    )
    rows = [(p, w, p != 10 or w != 3) for p in range(1, 11) for w in (1, 2, 3)]
    interviews = pd.DataFrame(rows, columns=["participant_id", "wave", "recorded"])
    durations = [60] * 28 + [89]  # mean 61.0; SD sqrt(29) = 5.385
    interviews["duration_min"] = pd.Series(dtype="Int64")
    interviews.loc[interviews["recorded"], "duration_min"] = durations
    return participants, interviews


def test_participant_characteristics_on_a_hand_example():
    participants, interviews = _hand_study()
    table = tables.participant_characteristics(
        participants, interviews, {"3": "8 months"}, min_cell=1
    )
    assert list(table.columns) == ["Characteristic", "Category", "Participants (n = 10)"]
    filled = table.assign(Characteristic=table["Characteristic"].replace("", np.nan).ffill())
    rows = {(c, k): v for c, k, v in filled.itertuples(index=False)}
    assert not any(c.startswith("Participants") for c, _ in rows)  # n is in the header
    assert rows[("Gender, n (%)", "Female")] == "6 (60)"
    assert rows[("Gender, n (%)", "Male")] == "4 (40)"
    assert rows[("Age, years, mean (SD)", "")] == "29.0 (6.1)"
    assert rows[("Age, years, range", "")] == "20–38"
    assert rows[("Ethnicity, n (%)", "Malay")] == "3 (30)"
    assert rows[("Diagnosis, n (%)", "PTSD")] == "2 (20)"  # acronyms keep their case
    assert rows[("Diagnosis, n (%)", "Depression")] == "8 (80)"
    assert rows[("Interviews recorded, of scheduled", "All waves")] == "29 of 30"
    assert rows[("Interviews recorded, of scheduled", "Wave 1")] == "10 of 10"
    assert rows[("Interviews recorded, of scheduled", "8 months")] == "9 of 10"
    assert rows[("Interview duration, min, mean (SD)", "Recorded interviews")] == "61.0 (5.4)"
    assert rows[("Interview duration, min, range", "Recorded interviews")] == "60–89"
    # print-style grouping: a characteristic's name only on its first row
    gender = table.index[table["Category"] == "Male"][0]
    assert table.at[gender, "Characteristic"] == ""
    # most frequent category first
    eth = filled[filled["Characteristic"] == "Ethnicity, n (%)"]["Category"].tolist()
    assert eth == ["Chinese", "Malay", "Indian"]
    assert not any(c.startswith("Time in post") for c, _ in rows)  # no hire_year column


def _counts_in(table: pd.DataFrame) -> list[int]:
    """Every "n (%)" count Table 1 shows."""
    column = table.columns[-1]
    found = table[column].str.extract(r"^(\d+) \(", expand=False).dropna()
    return [int(n) for n in found]


@pytest.mark.parametrize("min_cell", [2, 3, 5])
def test_table1_shows_no_count_below_the_threshold(min_cell):
    participants, interviews = _hand_study()
    participants["department"] = ["A"] * 5 + ["B"] * 2 + ["C", "D", "E"]
    table = tables.participant_characteristics(participants, interviews, min_cell=min_cell)
    counts = _counts_in(table)
    assert counts and min(counts) >= min_cell
    filled = table.assign(Characteristic=table["Characteristic"].replace("", np.nan).ffill())
    department = filled[filled["Characteristic"] == "Department, n (%)"]
    assert sum(_counts_in(department)) == 10  # pooled, not dropped
    if min_cell == 3:
        assert department["Category"].tolist() == ["A", tables.OTHER]


def test_small_cells_are_pooled_so_none_can_be_recovered_by_subtraction():
    assert tables.suppress_small_cells({"a": 6, "b": 3, "c": 1}, 3) == [
        ("a", 6),
        ("Other (pooled)", 4),
    ]
    # a pool still below the threshold takes the next smallest category in
    assert tables.suppress_small_cells({"a": 5, "b": 4, "c": 3, "d": 2}, 3) == [
        ("a", 5),
        ("b", 4),
        ("Other (pooled)", 5),
    ]
    assert tables.suppress_small_cells({"a": 2, "b": 8}, 3) == [("Other (pooled)", 10)]
    assert tables.suppress_small_cells({"a": 1, "b": 1}, 1) == [("a", 1), ("b", 1)]
    assert "fewer than 3" in tables.suppression_note(3) and tables.suppression_note(1) == ""


def test_time_in_post_counts_years_from_hire_to_first_interview():
    participants = pd.DataFrame({"participant_id": [1, 2, 3], "hire_year": ["2017", "2018", ""]})
    interviews = pd.DataFrame(
        {
            "participant_id": [1, 1, 2, 3],
            "date": ["2019-08-01", "2019-04-02", "2020-01-05", "2019-01-01"],
        }
    )
    years = tables.time_in_post(participants, interviews)
    assert years.iloc[0] == 2 and years.iloc[1] == 2 and np.isnan(years.iloc[2])


def test_recruitment_flow_counts_and_reasons():
    screening = read_screening(DEMO / "data" / "screening.csv")
    interviews = pd.DataFrame(
        {"participant_id": [1, 1, 2, 2], "wave": [1, 2, 1, 2], "recorded": [True] * 3 + [False]}
    )
    flow = tables.recruitment_flow(screening, interviews)
    assert flow["employed"] == 18 and flow["interviewed"] == 10
    assert flow["ineligible"] == 7 and flow["declined"] == 1 and flow["excluded"] == 8
    assert flow["ineligible_reasons"] == {"hired before 2017": 4, "in 3-month probation": 3}
    assert list(flow["ineligible_reasons"]) == ["hired before 2017", "in 3-month probation"]
    assert flow["waves"] == [
        {"wave": 1, "scheduled": 2, "recorded": 2, "not_recorded_reasons": {}},
        {
            "wave": 2,
            "scheduled": 2,
            "recorded": 1,
            "not_recorded_reasons": {"reason not recorded": 1},
        },
    ]
    assert flow["analysed_participants"] == 2 and flow["analysed_transcripts"] == 3
    interviews["note"] = ["", "", "", "moved abroad"]
    assert tables.recruitment_flow(screening, interviews)["waves"][1]["not_recorded_reasons"] == {
        "moved abroad": 1
    }
    assert "waves" not in tables.recruitment_flow(screening)


# --------------------------------------------------------------------------- themes
def test_themes_table_has_every_subtheme_with_n_of_n_and_a_quote(book):
    frequency = _result("theme_frequency_by_wave", "themes")
    exemplars = _result("exemplars", "themes")
    table = tables.themes_table(frequency, exemplars, book, WAVES)
    assert list(table["Subtheme"]) == list(dict.fromkeys(book["subtheme_label"]))
    assert list(table.columns[3:7]) == [
        "Participants, all waves",
        "Baseline",
        "4 months",
        "8 months",
    ]
    hostility = table[table["Subtheme"].str.startswith("Hostility")].iloc[0]
    row = frequency[(frequency["theme"] == "staff_hostility") & (frequency["level"] == "subtheme")]
    wave3 = row[row["wave"] == "3"].iloc[0]
    assert hostility["8 months"] == f"{wave3['n_participants']}/{wave3['n_interviewed']}"
    quote = exemplars.set_index("subtheme").loc["staff_hostility"]
    assert hostility["Exemplar quote"] == f"“{quote['quote']}” ({quote['attribution']})"
    assert table["Category"].tolist().count("Barriers") == 1  # printed once per group


def test_themes_table_fills_a_missing_subtheme_with_zero(book):
    frequency = _result("theme_frequency_by_wave", "themes")
    frequency = frequency[frequency["theme"] != "unclear_role"]
    table = tables.themes_table(frequency, _result("exemplars", "themes").iloc[:0], book, WAVES)
    unclear = table[table["Subtheme"] == "Unclear role"].iloc[0]
    assert unclear["Participants, all waves"] == "0/10" and unclear["8 months"] == "0/9"
    assert unclear["Exemplar quote"] == ""


def test_theme_frequency_table_filters_by_category(book):
    frequency = _result("theme_frequency_by_wave", "themes")
    table = tables.theme_frequency_table(frequency, book, WAVES, "barriers")
    assert table["Subtheme"].tolist() == [
        "Unclear role",
        "Hostility from non-peer-support-specialist staff",
        "Unsupportive working environment",
    ]
    assert table.iloc[0]["8 months"] == "9/9 (100)"
    with pytest.raises(ValueError, match="category must be 'all' or one of facilitators"):
        tables.theme_frequency_table(frequency, book, WAVES, "enablers")


def test_exemplar_markdown_names_rule_and_attribution(book):
    text = tables.exemplar_quotes_markdown(_result("exemplars", "themes"), book, "facilitators")
    assert text.count("**") == 8  # four facilitator subthemes, bold titles
    assert "— 50001_2 (unit 50001_2:15; named in the codebook)" in text
    assert "Unclear role" not in text


def test_importance_table_ranks_within_each_category(book):
    importance = _result("theme_importance", "themes")
    table = tables.importance_table(importance, book, "all")
    filled = table.assign(Category=table["Category"].replace("", np.nan).ffill())
    for category, group in filled.groupby("Category", sort=False):
        assert group["Rank"].tolist() == [str(r) for r in range(1, len(group) + 1)], category
    assert filled["Category"].drop_duplicates().tolist() == ["Facilitators", "Barriers"]
    top = importance.sort_values("importance").iloc[-1]
    row = table[table["Rank"] == "1"]
    assert f"{top['importance']:.2f}" in row["Importance (0–1)"].tolist()


# --------------------------------------------------------------------------- agreement
def test_agreement_table_keeps_codebook_order_and_undefined_codes(book):
    by_code = _result("agreement_by_code", "agreement")
    table = tables.agreement_table(by_code.iloc[::-1], book, 0.9)
    assert table["Code"].tolist() == book["code_label"].tolist()
    isolation = table[table["Code"] == "Isolation"].iloc[0]
    row = by_code.set_index("code").loc["isolation"]
    assert isolation["κ (cluster-robust 90% CI)"] == (
        f"{row['kappa']:.2f} ({row['cluster_ci_low']:.2f} to {row['cluster_ci_high']:.2f})"
    )
    assert "Bootstrap 90% CI (10 participants resampled)" in table.columns
    assert isolation["Positive agreement"] == f"{row['ppos']:.2f}"
    assert (
        isolation["Both / A only / B only"] == f"{row['both']} / {row['a_only']} / {row['b_only']}"
    )
    assert isolation["Agreement (%)"] == f"{100 * row['percent_agreement']:.1f}"
    excluded = table[table["Code"] == "Exclusion from meetings"].iloc[0]
    assert excluded["κ (cluster-robust 90% CI)"] == "n/a"
    # no silent perfect agreement for a code nobody used
    for column in ("Agreement (%)", "PABAK", "AC1", "Positive agreement"):
        assert excluded[column] == "n/a", column
    assert excluded["Note"].startswith("neither coder applied this code")
    assert excluded["Strength"] == ""
    assert table.iloc[0]["Strength"] == "Almost perfect"


def test_agreement_table_shows_subtheme_and_presence_agreement_once_per_subtheme(book):
    by_code = _result("agreement_by_code", "agreement")
    summary = _result("agreement_summary", "agreement")
    table = tables.agreement_table(by_code, book, 0.95, summary=summary)
    presence = "Subtheme presence (participant × wave): κ / PA"
    first = table[table["Subtheme"] != ""]
    assert (first[presence] != "").all() and (
        table.loc[table["Subtheme"] == "", presence] == ""
    ).all()
    rows = summary[(summary["unit"] == "presence") & (summary["group"] == "personal_growth")]
    value = rows.set_index("statistic")["value"]
    growth = first[first["Subtheme"] == "Opportunities for personal growth"].iloc[0]
    expected = f"{value['pooled_kappa']:.2f} / {value['positive_agreement']:.2f}"
    assert growth[presence] == expected
    assert "Subtheme (turns): κ / PA" in table.columns
    caption = tables.agreement_caption(0.95, by_code=by_code)
    assert "cluster-robust" in caption and "10 participants (fewer than 30)" in caption


def test_agreement_narrative_takes_every_number_from_the_csvs(book):
    by_code = _result("agreement_by_code", "agreement")
    summary = _result("agreement_summary", "agreement")
    text = tables.agreement_narrative(summary, by_code, 0.95, codebook=book)
    pooled = summary[(summary["scope"] == "overall") & (summary["unit"] == "turn")]
    pooled = pooled.set_index("statistic")
    assert (
        f"Across {pooled.at['pooled_kappa', 'n_codes']} codes and "
        f"{pooled.at['pooled_kappa', 'n_units']} double-coded turns, pooled Cohen's κ was "
        f"{pooled.at['pooled_kappa', 'value']:.2f} (bootstrap 95% CI "
        f"{pooled.at['pooled_kappa', 'boot_ci_low']:.2f}–"
        f"{pooled.at['pooled_kappa', 'boot_ci_high']:.2f})."
    ) in text
    assert f"with a median of {pooled.at['median_kappa', 'value']:.2f}" in text
    lowest = by_code.loc[by_code["kappa"].idxmin()]
    assert f"ranged from {lowest['kappa']:.2f} (Isolation)" in text
    below = by_code[by_code["kappa"] < 0.6]
    assert len(below) == 4 and "Four codes fell below 0.60: Isolation (0.04);" in text
    assert "could not be estimated for 1 code: Exclusion from meetings (neither coder" in text
    assert "With the transcript as the unit of analysis, pooled κ was" in text
    stricter = tables.agreement_narrative(summary, by_code, 0.95, threshold=0.0)
    assert "No code fell below 0.00." in stricter


def test_agreement_summary_table_orders_scopes_and_names_groups(book):
    summary = _result("agreement_summary", "agreement")
    table = tables.agreement_summary_table(summary, book, 0.95, {"1": "Baseline"})
    first = table.iloc[0]
    assert (first["Scope"], first["Unit of analysis"], first["Statistic"]) == (
        "Overall",
        "Turn",
        "Pooled κ",
    )
    assert table["Scope"].drop_duplicates().tolist() == ["Overall", "Category", "Subtheme", "Wave"]
    assert table[table["Scope"] == "Wave"]["Group"].tolist() == ["Baseline", "Wave 2", "Wave 3"]
    assert "Personalised coping strategies" in table["Group"].tolist()


def test_read_result_names_the_file_and_what_is_missing(tmp_path):
    bad = tmp_path / "agreement_summary.csv"
    bad.write_text("scope,group,unit\noverall,all,turn\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        tables.read_result(bad, "agreement_summary")
    assert err.value.line == 1 and "missing column(s) statistic" in str(err.value)
    assert str(bad) in str(err.value)
    with pytest.raises(InputError, match="file not found"):
        tables.read_result(tmp_path / "nope.csv", "exemplars")
    frame = tables.read_result(
        DEMO / "results/agreement/agreement_by_code.csv", "agreement_by_code"
    )
    assert frame["note"].tolist().count("") == 19 and frame["kappa"].dtype == float


# --------------------------------------------------------------------------- saving
def _sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Code": ["a_b & c", "Isolation"],
            "κ (95% CI)": ["0.78 (0.71–0.84)", "0.04 (-0.22 to 0.29)"],
            "n": [10, 200],
        }
    )


def test_save_table_writes_four_formats(tmp_path):
    paths = tables.save_table(_sample(), tmp_path / "t", caption="Table 3. Agreement 50% _x_.")
    assert [p.name for p in paths] == ["t.csv", "t.md", "t.tex", "t.docx"]
    assert pd.read_csv(paths[0]).equals(_sample())
    md = paths[1].read_text(encoding="utf-8")
    assert md.startswith("Table 3. Agreement 50% _x_.\n\n| Code")
    assert "| a_b & c   | 0.78 (0.71–0.84)" in md
    tex = paths[2].read_text(encoding="utf-8")
    assert r"\caption{Agreement 50\% \_x\_.}" in tex  # LaTeX numbers the table itself
    assert r"\toprule" in tex and r"\midrule" in tex and r"\bottomrule" in tex
    assert r"a\_b \& c & 0.78 (0.71--0.84) & 10 \\" in tex
    assert r"$\kappa$ (95\% CI)" in tex and r"($-$0.22 to 0.29)" in tex
    assert r"\begin{tabular}{llr}" in tex
    document = docx.Document(str(paths[3]))
    assert document.paragraphs[0].text == "Table 3. Agreement 50% _x_."
    header = document.tables[0].rows[0].cells
    assert [c.text for c in header] == ["Code", "κ (95% CI)", "n"]
    assert all(run.bold for c in header for run in c.paragraphs[0].runs)
    assert document.tables[0].rows[2].cells[1].text == "0.04 (-0.22 to 0.29)"
    assert document.core_properties.created.year == 2000


def _borders(element) -> dict[str, str]:
    """{edge: w:val} of the w:tblBorders / w:tcBorders under ``element``."""
    found = {}
    for borders in element.iter(qn("w:tblBorders"), qn("w:tcBorders")):
        for edge in borders:
            found[edge.tag.split("}")[1]] = edge.get(qn("w:val"))
    return found


def test_word_tables_are_in_journal_style(tmp_path):
    wide = pd.DataFrame(
        {
            "Subtheme": ["Unclear role", "Defined role"],
            "Definition": ["What the role covers was not clear to the specialist or the team."] * 2,
            "Participants": ["9/10", "8/10"],
            "Exemplar quote": ["“" + "I was never sure what they wanted from me. " * 4 + "”"] * 2,
        }
    )
    tables.save_table(wide, tmp_path / "wide", caption="Table 2. Wide.", footnote="Note.")
    tables.save_table(_sample(), tmp_path / "narrow", caption="Table 3. Narrow.")
    document = docx.Document(str(tmp_path / "wide.docx"))
    table = document.tables[0]
    borders = _borders(table._tbl.tblPr)
    assert borders["top"] == "single" and borders["bottom"] == "single"
    assert {borders[e] for e in ("left", "right", "insideV", "insideH")} == {"nil"}
    header = table.rows[0]
    assert header._tr.trPr.find(qn("w:tblHeader")) is not None  # repeated on every page
    assert all(_borders(c._tc)["bottom"] == "single" for c in header.cells)  # the middle rule
    assert all(r._tr.trPr.find(qn("w:tblHeader")) is None for r in table.rows[1:])
    for row in table.rows[1:]:
        for cell in row.cells:
            assert "left" not in _borders(cell._tc) and "right" not in _borders(cell._tc)
    widths = [c.width for c in table.columns]
    assert widths[3] > widths[2]  # quotes get more room than the n/N column
    assert document.sections[0].orientation == WD_ORIENT.LANDSCAPE
    assert document.sections[0].page_width > document.sections[0].page_height
    assert document.paragraphs[-1].text == "Note."
    narrow = docx.Document(str(tmp_path / "narrow.docx"))
    assert narrow.sections[0].orientation == WD_ORIENT.PORTRAIT
    tex = (tmp_path / "wide.tex").read_text(encoding="utf-8")
    assert r"\begin{landscape}" in tex and r"\begin{tabularx}{\linewidth}" in tex
    assert r"\raggedright\arraybackslash}X" in tex and "Note." in tex
    assert "Note." in (tmp_path / "wide.md").read_text(encoding="utf-8")


def test_long_latex_tables_break_across_pages():
    frame = pd.DataFrame({"Code": [f"c{i}" for i in range(40)], "n": range(40)})
    tex = tables.to_latex(frame, "Table 3. Long.", label="t3")
    assert r"\begin{longtable}{lr}" in tex and r"\endhead" in tex
    assert tex.index(r"\toprule") < tex.index(r"\endhead") < tex.index("c0 &")


def test_save_table_is_byte_identical_across_runs(tmp_path):
    first = [p.read_bytes() for p in tables.save_table(_sample(), tmp_path / "1" / "t", "C.")]
    second = [p.read_bytes() for p in tables.save_table(_sample(), tmp_path / "2" / "t", "C.")]
    assert first == second
    with zipfile.ZipFile(tmp_path / "1" / "t.docx") as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_save_table_leaves_nothing_when_a_format_fails(tmp_path, monkeypatch):
    def broken(frame, *args):
        raise RuntimeError("disk full")

    monkeypatch.setattr(tables, "to_docx_bytes", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        tables.save_table(_sample(), tmp_path / "t")
    assert list(tmp_path.iterdir()) == []
