"""End to end: the team's second day — the codebook is revised, a transcript is corrected, a run
fails and is rerun, a disagreement is left open — on copies of one fully run demo study."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook
from test_pipeline import copy_study, scheduled_rules, snakemake

pytestmark = pytest.mark.e2e

ANALYSIS = {"import_codings", "agreement", "consensus", "themes"}


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> Path:
    folder = copy_study(tmp_path_factory.mktemp("ran"))
    snakemake(folder, "--cores", "2")
    return folder


def clone(ran: Path, dest: Path) -> Path:
    """A copy of the run study, results and Snakemake's records included (times kept)."""
    shutil.copytree(ran, dest, symlinks=True)
    return dest


def edit_codebook(study: Path, edit) -> None:
    path = study / "data/codebook.yaml"
    book = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(book)
    path.write_text(yaml.safe_dump(book, sort_keys=False, allow_unicode=True), encoding="utf-8")


def remove_code(book: dict, name: str) -> dict:
    for category in book["categories"]:
        for subtheme in category["subthemes"]:
            for code in subtheme["codes"]:
                if code["name"] == name:
                    subtheme["codes"].remove(code)
                    return code
    raise KeyError(name)


def rename_code(book: dict, old: str, new: str) -> None:
    for category in book["categories"]:
        for subtheme in category["subthemes"]:
            for code in subtheme["codes"]:
                if code["name"] == old:
                    code["name"] = new


def pooled_kappa(study: Path) -> float:
    summary = pd.read_csv(study / "results/agreement/agreement_summary.csv")
    row = summary[
        (summary["scope"] == "overall")
        & (summary["unit"] == "turn")
        & (summary["statistic"] == "pooled_kappa")
    ]
    return float(row["value"].iloc[0])


def test_definition_edit_reruns_only_presentation(ran, tmp_path):
    study = clone(ran, tmp_path / "s")
    path = study / "data/codebook.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace("definition: The PSS", "definition: The person"),
        encoding="utf-8",
    )
    scheduled = scheduled_rules(study)
    assert scheduled, "a definition edit must refresh what shows definitions"
    assert not ANALYSIS & set(scheduled), scheduled
    assert {"coding_sheet", "export_qdpx", "notebook_agreement"} <= set(scheduled)


def test_rename_and_merge_as_changes_run_with_no_other_file_edited(ran, tmp_path):
    study = clone(ran, tmp_path / "s")
    before = pd.read_csv(ran / "results/agreement/agreement_by_code.csv").set_index("code")

    def revise(book):
        rename_code(book, "siloed_structure", "siloed_departments")
        remove_code(book, "supervisor_unfamiliar")
        book["changes"] = [
            {"date": "2020-02-03", "rename": "siloed_structure", "to": "siloed_departments"},
            {"date": "2020-02-03", "merge": ["supervisor_unfamiliar"], "into": "role_confusion"},
        ]

    edit_codebook(study, revise)
    snakemake(study, "--cores", "2")
    after = pd.read_csv(study / "results/agreement/agreement_by_code.csv").set_index("code")
    columns = ["n_units", "both", "a_only", "b_only", "neither", "kappa"]
    assert after.loc["siloed_departments", columns].tolist() == pytest.approx(
        before.loc["siloed_structure", columns].tolist()
    )
    assert "supervisor_unfamiliar" not in after.index
    assert after.loc["role_confusion", "both"] >= before.loc["role_confusion", "both"]
    changes = pd.read_csv(study / "results/codebook/changes.csv")
    assert set(changes["kind"]) == {"rename", "merge"}
    merged = changes[(changes["kind"] == "merge") & (changes["applies_to"] == "coder_a")]
    assert merged["count"].iloc[0] > 0
    status = pd.read_csv(study / "results/reconciliation/status.csv")
    conflicts = status[(status["kind"] == "resolution_merge_conflict") & status["count"].isna()]
    assert len(conflicts) >= 2  # every conflicting merged decision listed in one run
    assert (study / "results/notebooks/manuscript.html").exists()


def test_split_gives_recode_sheets_and_filling_them_completes(ran, tmp_path):
    study = clone(ran, tmp_path / "s")

    def split(book):
        code = remove_code(book, "overlap_other_roles")
        for category in book["categories"]:
            for subtheme in category["subthemes"]:
                if subtheme["name"] == "unclear_role":
                    for name in ("overlap_nursing", "overlap_social_work"):
                        subtheme["codes"].append({**code, "name": name})
        book["changes"] = [
            {"split": "overlap_other_roles", "into": ["overlap_nursing", "overlap_social_work"]}
        ]

    edit_codebook(study, split)
    recode = [f"results/codebook/recode_{c}.xlsx" for c in ("coder_a", "coder_b")]
    proc = snakemake(study, "--cores", "2", "results/consensus/codings.csv", *recode, check=False)
    assert proc.returncode != 0
    assert "recode_coder_a.xlsx" in proc.stdout + proc.stderr
    config = yaml.safe_load((study / "config.yaml").read_text())
    for coder in ("coder_a", "coder_b"):
        sheet = study / f"results/codebook/recode_{coder}.xlsx"
        assert sheet.exists(), "recode sheets are built although the import stops"
        book = load_workbook(sheet)
        rows = book["coding"]
        header = [c.value for c in rows[1]]
        assert header[3:] == ["recode_of", "overlap_nursing", "overlap_social_work"]
        assert rows.max_row > 1
        for r in range(2, rows.max_row + 1):
            rows.cell(row=r, column=header.index("overlap_nursing") + 1, value=1)
        filled = study / f"data/codings/{coder}_recode.xlsx"
        book.save(filled)
        config["coders"][coder] = [config["coders"][coder], f"data/codings/{coder}_recode.xlsx"]
    (study / "config.yaml").write_text(yaml.safe_dump(config, sort_keys=False))
    snakemake(study, "--cores", "2", "results/agreement/agreement_by_code.csv")
    by_code = pd.read_csv(study / "results/agreement/agreement_by_code.csv").set_index("code")
    old = pd.read_csv(ran / "results/agreement/agreement_by_code.csv").set_index("code")
    cells = ["both", "a_only", "b_only"]
    assert (
        by_code.loc["overlap_nursing", cells].tolist()
        == old.loc["overlap_other_roles", cells].tolist()
    )
    assert by_code.loc["overlap_social_work", "both"] == 0


def coded_word(study: Path) -> str:
    """A capitalised word that stands in several participant turns both coders coded."""
    units = pd.read_csv(study / "results/clean/units.csv")
    coded = set(pd.read_csv(study / "results/codings/coder_a.csv")["unit_id"]) & set(
        pd.read_csv(study / "results/codings/coder_b.csv")["unit_id"]
    )
    texts = units[units["unit_id"].isin(coded)]["text"]
    counts = texts.str.findall(r"\b[a-z]{6,}\b").explode().value_counts()
    return next(w for w, n in counts.items() if 5 <= n <= 40)


def test_redaction_added_after_coding_keeps_agreement_and_reports_moves(ran, tmp_path):
    study = clone(ran, tmp_path / "s")
    word = coded_word(study)
    with (study / "data/redaction.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{word},PLACE,place_test\n")
    shutil.rmtree(study / "results")  # the record of what was coded lives with the study
    shutil.rmtree(study / ".snakemake")
    snakemake(study, "--cores", "2", "results/agreement/agreement_summary.csv")
    assert not re.search(rf"\b{word}\b", (study / "results/clean/units.csv").read_text())
    assert pooled_kappa(study) == pytest.approx(pooled_kappa(ran), abs=0.01)
    moved = pd.concat(
        pd.read_csv(study / f"results/codings/{c}_anchoring.csv") for c in ("coder_a", "coder_b")
    )
    assert (moved["change"] == "text_changed").sum() > 0


def test_sentence_inserted_early_keeps_agreement(ran, tmp_path):
    study = clone(ran, tmp_path / "s")
    raw = study / "data/transcripts/50001_1.txt"
    text = raw.read_bytes().decode("utf-8-sig")
    first_p = text.index("\nP: ") + 4
    raw.write_text(
        text[:first_p]
        + "Sorry, one more thing before we start, the room was cold today. "
        + text[first_p:],
        encoding="utf-8",
    )
    snakemake(study, "--cores", "2", "results/agreement/agreement_summary.csv")
    assert pooled_kappa(study) == pooled_kappa(ran)
    before = pd.read_csv(ran / "results/codings/coder_a.csv")
    after = pd.read_csv(study / "results/codings/coder_a.csv")
    assert after[["unit_id", "code"]].equals(before[["unit_id", "code"]])


def test_failed_import_fails_again_on_every_rerun(ran, tmp_path):
    study = clone(ran, tmp_path / "s")
    path = study / "data/codings/coder_a.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    fields = lines[1].split(",")
    fields[header.index("code")] = "made_up_code"
    path.write_text("\n".join([lines[0], ",".join(fields), *lines[2:]]) + "\n", encoding="utf-8")
    messages = []
    for _ in range(2):
        proc = snakemake(study, "--cores", "2", check=False)
        assert proc.returncode != 0
        messages.append(re.findall(r"qualflow: bad input: .*", proc.stdout + proc.stderr))
    assert messages[0] and messages[0] == messages[1]
    assert "coder_a.csv, row 2" in messages[1][0]


def test_missing_coder_file_stops_at_load_time(ran, tmp_path):
    study = clone(ran, tmp_path / "s")
    config = study / "config.yaml"
    config.write_text(config.read_text().replace("data/codings/coder_a.csv", "data/gone.csv"))
    for _ in range(2):
        proc = snakemake(study, "-n", check=False)
        assert proc.returncode != 0
        assert "data/gone.csv" in proc.stdout + proc.stderr
        assert "coder_a" in proc.stdout + proc.stderr


def test_changed_parameter_reruns_what_uses_it(ran, tmp_path):
    study = clone(ran, tmp_path / "s")
    config = study / "config.yaml"
    config.write_text(config.read_text().replace("min_words: 25", "min_words: 20"))
    scheduled = scheduled_rules(study)
    assert "themes" in scheduled and "notebook_manuscript" in scheduled
    assert "import_codings" not in scheduled


def test_open_disagreement_builds_the_meeting_material_then_stops(ran, tmp_path):
    study = clone(ran, tmp_path / "s")
    resolutions = study / "data/resolutions.csv"
    lines = resolutions.read_text(encoding="utf-8").splitlines()
    resolutions.write_text("\n".join([lines[0], *lines[3:]]) + "\n", encoding="utf-8")
    html = study / "results/notebooks/agreement.html"
    sheet = study / "results/reconciliation/disagreements.xlsx"
    html.unlink()
    sheet.unlink()
    proc = snakemake(study, "--cores", "2", check=False)
    assert proc.returncode != 0
    output = proc.stdout + proc.stderr
    messages = re.findall(r"qualflow: bad input: .*", output)
    assert len(messages) == 1 and "2 disagreement(s) have no decision" in messages[0]
    assert html.exists() and sheet.exists()


def edit_coder_a(study: Path, keep) -> None:
    """Rewrite coder_a's long CSV keeping the rows ``keep(row)`` returns (edited or not)."""
    path = study / "data/codings/coder_a.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    rows = [row for row in (keep(dict(r)) for _, r in frame.iterrows()) if row is not None]
    pd.DataFrame(rows, columns=frame.columns).to_csv(path, index=False, lineterminator="\n")


THEME_NOTEBOOKS = ["themes_all", "themes_facilitators", "themes_barriers"]


def test_edit_the_consensus_absorbs_replays_the_theme_notebooks(ran, tmp_path):
    """Coder A drops a coding the meeting had excluded: agreement changes, the consensus comes
    out byte-identical, so the theme notebooks get their last outputs back (early cutoff)."""
    study = clone(ran, tmp_path / "s")
    dropped = []

    def drop_excluded(row):
        if (row["transcript_id"], row["code"]) == ("50001_2", "overlap_other_roles"):
            dropped.append(row)
            return None
        return row

    edit_coder_a(study, drop_excluded)
    assert len(dropped) == 1
    err = snakemake(study, "--cores", "2").stderr
    for name in THEME_NOTEBOOKS:
        category = name.removeprefix("themes_")
        assert f"(category={category}): inputs, parameters and code are byte-identical" in err
        for suffix in (".ipynb", ".html"):
            path = f"results/notebooks/{name}{suffix}"
            assert (study / path).read_bytes() == (ran / path).read_bytes(), path
    assert "notebook_agreement: inputs" not in err  # its input changed: it ran
    consensus = "results/consensus/codings.csv"
    assert (study / consensus).read_bytes() == (ran / consensus).read_bytes()
    assert pooled_kappa(study) != pooled_kappa(ran)
    assert not scheduled_rules(study)


def test_edit_that_changes_the_consensus_recomputes_the_theme_notebooks(ran, tmp_path):
    """Coder A's code of one unit becomes the other coder's: the consensus and the theme
    counts change, so nothing downstream of them is replayed."""
    study = clone(ran, tmp_path / "s")

    def recode(row):
        unit = (row["transcript_id"], row["code"], row["start"])
        if unit == ("50001_1", "training_wanted", "29128"):  # unit 50001_1:120
            row["code"] = "meaning_purpose"
        return row

    edit_coder_a(study, recode)
    err = snakemake(study, "--cores", "2").stderr
    assert "early cutoff" not in err
    frequency = "results/themes/theme_frequency_by_wave.csv"
    assert (study / frequency).read_bytes() != (ran / frequency).read_bytes()
