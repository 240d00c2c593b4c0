"""qualflow.contracts is the one home of every CSV's columns, and docs/files.md says the same."""

import re
from pathlib import Path

import pytest

from qualflow.contracts import FILE_COLUMNS

DOCS = Path(__file__).resolve().parents[1] / "docs" / "files.md"
#: Rows of docs/files.md for CSVs whose columns are not fixed (they follow the study).
NOT_FIXED = {
    "data/codings/{coder}.csv": "long CSV with unit ids or spans; read by qualflow.codings.read",
    "results/agreement/agreement_by_code_transcript.csv": "agreement_by_code's, per transcript",
}


def documented_files() -> dict[str, str]:
    """docs/files.md's table rows: every path a row's first cell may name → the row's text."""
    rows: dict[str, str] = {}
    dirs = ["results/"]
    for line in DOCS.read_text(encoding="utf-8").splitlines():
        if line.startswith("## "):
            dirs = re.findall(r"`([^`]+/)`", line) or ["results/"]
            dirs = [*dirs, "results/"]
            continue
        if not line.startswith("| `"):
            continue
        first, rest = line[2:].split(" | ", 1)
        names = [n for n in re.findall(r"`([^`]+)`", first) if not n.startswith(".")]
        for name in names:
            for folder in dirs:
                rows[folder + name] = rest
    return rows


def backticked(text: str) -> list[str]:
    return re.findall(r"`([^`]+)`", text)


def is_in_order(columns: list[str], tokens: list[str]) -> bool:
    """``columns`` appear among ``tokens`` in the same order (other tokens may come between)."""
    it = iter(tokens)
    return all(column in it for column in columns)


@pytest.mark.parametrize("path", sorted(FILE_COLUMNS))
def test_docs_list_the_contract_columns_in_order(path):
    rows = documented_files()
    assert path in rows, f"docs/files.md has no row for {path}"
    tokens = backticked(rows[path])
    assert is_in_order(FILE_COLUMNS[path], tokens), (path, FILE_COLUMNS[path], tokens)


def test_every_documented_csv_has_a_contract():
    documented = {p for p in documented_files() if p.endswith(".csv")}
    # A row's name is tried under each folder of its section; keep the ones that exist as a
    # contract or as a known exception, and require every CSV to be one of them.
    missing = []
    for line_path in sorted(documented):
        name = line_path.split("/")[-1]
        known = [p for p in [*FILE_COLUMNS, *NOT_FIXED] if p.endswith("/" + name)]
        if not known:
            missing.append(line_path)
    assert not missing, f"CSV files documented without a contract: {missing}"


def test_the_order_check_can_fail():
    assert is_in_order(["a", "b"], ["a", "x", "b"])
    assert not is_in_order(["b", "a"], ["a", "b"])


def rule_output_names(rule_file: str, rule: str) -> list[str]:
    """The names of a rule's outputs, read from its .smk file."""
    text = (DOCS.parents[1] / "workflow" / "rules" / rule_file).read_text(encoding="utf-8")
    block = text.split(f"rule {rule}:", 1)[1].split("    output:\n", 1)[1]
    names = []
    for line in block.splitlines():
        if not line.startswith("        "):
            break
        names += re.findall(r"^\s+(\w+)=", line)
    return names


@pytest.mark.parametrize(
    ("rule_file", "rule", "keys"),
    [
        ("themes.smk", "themes", "qualflow.themes.run:THEME_OUTPUTS"),
        ("agreement.smk", "agreement", "qualflow.agreement.run:AGREEMENT_OUTPUTS"),
        ("clean.smk", "clean", "qualflow.clean.shards:CLEAN_OUTPUTS"),
    ],
)
def test_rules_name_exactly_the_outputs_their_stage_writes(rule_file, rule, keys):
    import importlib

    module, name = keys.split(":")
    expected = getattr(importlib.import_module(module), name)
    assert sorted(rule_output_names(rule_file, rule)) == sorted(expected)
