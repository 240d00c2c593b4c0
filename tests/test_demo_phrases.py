"""The demo generator's phrase banks are data files shipped with the package.

They are read through ``importlib.resources`` (as from an installed wheel), must be listed in
the package data of ``pyproject.toml``, and parse into the banks the dialogue uses.
"""

from __future__ import annotations

import ast
import fnmatch
import tomllib
from importlib import resources
from pathlib import Path

import pytest

from qualflow.demo import banks, codes, dialogue
from qualflow.demo.grammar import expand

ROOT = Path(__file__).resolve().parents[1]
PHRASES = resources.files("qualflow.demo") / "phrases"
BANK_FILES = ["participant", "reactions", "neutral", "episodes", "reflections", "exchanges",
              "interviewer"]  # fmt: skip


def test_every_phrase_file_is_package_data():
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["qualflow"]
    files = [p.name for p in PHRASES.iterdir() if p.is_file()]
    assert {f"{name}.txt" for name in BANK_FILES} | {"words.yaml", "codebook.yaml"} <= set(files)
    for name in files:
        assert any(fnmatch.fnmatch(f"demo/phrases/{name}", p) for p in patterns), name


@pytest.mark.parametrize("name", BANK_FILES)
def test_bank_files_parse_into_non_empty_banks(name):
    text = (PHRASES / f"{name}.txt").read_text(encoding="utf-8")
    parsed = banks.parse_banks(text, name)
    assert parsed and all(parsed.values()), name
    assert banks.bank(name) == parsed
    # every template is one line of the grammar: no unjoined continuation, no mark-up left open
    for lines in parsed.values():
        for line in lines:
            assert not line.endswith("\\") and line.count("{") == line.count("}"), line


def test_every_code_has_a_bank_and_every_template_expands():
    code_bank = banks.bank("participant")
    assert set(codes.CODE_SUBTHEME) <= set(code_bank)
    rng = __import__("random").Random(1)
    for lines in code_bank.values():
        for line in lines:
            text = expand(line, rng, lambda slot, _rng: slot.upper())
            assert "{" not in text and "<" not in text, line


def test_codebook_file_matches_the_generators_codebook():
    document = codes.codebook_document()
    names = [
        code["name"]
        for cat in document["categories"]
        for sub in cat["subthemes"]
        for code in sub["codes"]
    ]
    assert names == list(codes.CODE_SUBTHEME)
    assert document is not codes.codebook_document()  # callers may not alter the shared copy


def test_word_lists_feed_the_dialogue():
    words = banks.words()
    assert dialogue.OPENERS == words["openers"] and dialogue.PII_SENTENCES == words["pii_sentences"]
    assert set(dialogue.DIAG_PHRASE) == set(dialogue.DIAG_KEY)


def test_parse_banks_joins_continuations_and_skips_comments():
    text = "#! a comment\n## one\nfirst half \\\nsecond half\n\n## two\nalone\n"
    assert banks.parse_banks(text) == {"one": ["first half second half"], "two": ["alone"]}


def test_parse_banks_names_file_and_line_of_a_stray_template():
    with pytest.raises(ValueError, match=r"x\.txt, line 2: a template before"):
        banks.parse_banks("#! c\nstray\n## one\nok\n", "x.txt")
    with pytest.raises(ValueError, match="x.txt: the last line ends in a backslash"):
        banks.parse_banks("## one\ndangling \\", "x.txt")


def test_the_pipeline_does_not_import_the_demo():
    """Only the ``qualflow simulate`` command reaches into qualflow.demo."""
    for path in (ROOT / "src" / "qualflow").rglob("*.py"):
        if "demo" in path.relative_to(ROOT / "src" / "qualflow").parts or path.name == "cli.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                module = node.module or ""
                assert not module.startswith(("demo", "qualflow.demo")), path
                assert not any(a.name == "demo" for a in node.names), path
