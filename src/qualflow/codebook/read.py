"""The codebook: categories → subthemes → codes, read from ``codebook.yaml``.

The YAML has this shape (names are identifiers used in files; labels are what readers see)::

    categories:
      - name: facilitators
        label: Facilitators
        subthemes:
          - name: supportive_figures
            label: Supportive figures
            definition: ...
            exemplar: "50003_1:42"        # optional: unit that overrides the quote rule
            codes:
              - name: supervisor_backing
                label: Supervisor backing
                definition: ...
                include: ...
                exclude: ...
                example: ...

Code names are unique across the whole codebook, so a coding row needs only the code.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from os import PathLike
from pathlib import Path

import pandas as pd
import yaml

from qualflow.codebook.changes import CodeHistory, parse_changes
from qualflow.errors import InputError
from qualflow.io import load_yaml

CODEBOOK_COLUMNS = [
    "code",
    "code_label",
    "subtheme",
    "subtheme_label",
    "category",
    "category_label",
    "definition",
    "include",
    "exclude",
    "example",
    "subtheme_definition",
    "exemplar",
]
LEVELS = ("code", "subtheme", "category")
_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


CodebookSource = str | PathLike[str] | Mapping
# What the analysis stages use; labels, definitions and examples are presentation, so that
# editing them reruns only what shows them (the workflow passes this as a rule parameter).
STRUCTURE_KEYS = {"categories", "subthemes", "codes", "name", "exemplar", "changes"}


def read_codebook_document(path: str | PathLike[str]) -> dict:
    """``codebook.yaml`` parsed, with ``_change_lines``: the line of each ``changes:`` entry."""
    path = Path(path)
    try:
        doc = load_yaml(path)  # safe: no aliases, duplicated keys and encoding named
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(path, "codebook file not found") from None
    except UnicodeDecodeError as err:
        raise InputError(path, f"is not UTF-8 text ({err.reason} at byte {err.start})") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        raise InputError(
            path, f"not valid YAML ({getattr(err, 'problem', err)})", line=line
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("categories"), list):
        raise InputError(path, "expected a mapping with a list under 'categories'")
    doc["_change_lines"] = _change_lines(text)
    return doc


def _change_lines(text: str) -> list[int]:
    """The 1-based line of each item of the top-level ``changes:`` list."""
    root = yaml.compose(text)
    for key, value in getattr(root, "value", []):
        if getattr(key, "value", None) == "changes" and isinstance(value, yaml.SequenceNode):
            return [item.start_mark.line + 1 for item in value.value]
    return []


def codebook_structure(path: str | PathLike[str]) -> dict:
    """The part of the codebook the analysis depends on (names, hierarchy, pinned exemplars,
    the change log), validated; labels and definitions left out."""
    doc = read_codebook_document(path)
    load_history(doc, source_name=path)  # validates the codebook and its change log
    return {**_strip(doc), "_source": str(path)}


def codebook_path(source: CodebookSource) -> Path:
    """The file a codebook (or its structure) was read from, for messages."""
    if isinstance(source, Mapping):
        return Path(source.get("_source", "codebook.yaml"))
    return Path(source)


def _strip(node: object) -> object:
    if isinstance(node, dict):
        return {
            k: (v if k == "changes" else _strip(v))
            for k, v in node.items()
            if k in STRUCTURE_KEYS or k == "_change_lines"
        }
    if isinstance(node, list):
        return [_strip(v) for v in node]
    return node


def load_codebook(source: CodebookSource) -> pd.DataFrame:
    """Read and validate the codebook; one row per code, in codebook order.

    ``source`` is ``codebook.yaml`` or its parsed document (:func:`codebook_structure`).
    """
    if isinstance(source, Mapping):
        doc, path = source, codebook_path(source)
    else:
        path = Path(source)
        doc = read_codebook_document(path)
    rows = []
    for ci, category in enumerate(doc["categories"]):
        cat_name = _name(path, category, f"categories[{ci}]")
        for si, subtheme in enumerate(_children(path, category, "subthemes", f"categories[{ci}]")):
            where = f"categories[{ci}].subthemes[{si}]"
            sub_name = _name(path, subtheme, where)
            for ki, code in enumerate(_children(path, subtheme, "codes", where)):
                code_name = _name(path, code, f"{where}.codes[{ki}]")
                rows.append(
                    {
                        "code": code_name,
                        "code_label": str(code.get("label", code_name)),
                        "subtheme": sub_name,
                        "subtheme_label": str(subtheme.get("label", sub_name)),
                        "category": cat_name,
                        "category_label": str(category.get("label", cat_name)),
                        "definition": str(code.get("definition", "")).strip(),
                        "include": str(code.get("include", "")).strip(),
                        "exclude": str(code.get("exclude", "")).strip(),
                        "example": str(code.get("example", "")).strip(),
                        "subtheme_definition": str(subtheme.get("definition", "")).strip(),
                        "exemplar": str(subtheme.get("exemplar", "") or "").strip(),
                    }
                )
    book = pd.DataFrame(rows, columns=CODEBOOK_COLUMNS)
    if book.empty:
        raise InputError(path, "the codebook defines no codes")
    for level in LEVELS:
        _check_unique(path, book, level)
    return book


def _name(path: Path, node: object, where: str) -> str:
    if not isinstance(node, dict) or "name" not in node:
        raise InputError(path, f"{where} needs a 'name'")
    name = str(node["name"])
    if not _NAME.match(name):
        raise InputError(
            path, f"{where}: name {name!r} must be lower case letters, digits and underscores"
        )
    return name


def _children(path: Path, node: dict, key: str, where: str) -> list:
    children = node.get(key)
    if not isinstance(children, list) or not children:
        raise InputError(path, f"{where} needs a non-empty list '{key}'")
    return children


def _check_unique(path: Path, book: pd.DataFrame, level: str) -> None:
    """A name may appear once at its level (codes once; subthemes under one category)."""
    parent = {"code": "subtheme", "subtheme": "category", "category": None}[level]
    if level == "code":
        dupes = book["code"][book["code"].duplicated()]
    elif parent is not None:
        pairs = book[[level, parent]].drop_duplicates()
        dupes = pairs[level][pairs[level].duplicated()]
    else:
        return
    if not dupes.empty:
        raise InputError(path, f"{level} name {dupes.iloc[0]!r} is used more than once")


def canonical_key(name: str) -> str:
    """Case- and space-insensitive key for matching code names from other tools."""
    return re.sub(r"[\s_\-]+", " ", str(name)).strip().casefold()


def load_history(
    source: CodebookSource, codebook: pd.DataFrame | None = None, *, source_name=None
) -> CodeHistory:
    """The codebook's change log (``changes:``), validated against its codes."""
    doc = source if isinstance(source, Mapping) else read_codebook_document(source)
    where = source_name or codebook_path(source)
    book = load_codebook(doc) if codebook is None else codebook
    changes = parse_changes(
        doc.get("changes"), list(book["code"]), where, doc.get("_change_lines", [])
    )
    return CodeHistory(book["code"], changes)


# A co-occurrence panel with fewer subtheme pairs than this carries almost nothing (three
# subthemes give three cells); its pairs are in the all-subtheme figure.
MIN_COOCCURRENCE_PAIRS = 6


def cooccurrence_pairs(codebook: pd.DataFrame, category: str = "all") -> int:
    """How many distinct subtheme pairs a co-occurrence panel of ``category`` would show
    (in :mod:`qualflow.codebook`, not tables, so the workflow can ask while it loads without
    importing the plotting and statistics stack)."""
    book = codebook if category == "all" else codebook[codebook["category"] == category]
    n = book["subtheme"].nunique()
    return n * (n - 1) // 2


def unknown_code_problem(code: str, codebook: pd.DataFrame) -> str:
    """Say which code is unknown, with the likely intended current code when there is one:
    the same name or label spelled another way, else the closest name, preferring codes whose
    subtheme shares a word with it. Old names (codebook changes) are never offered."""
    if not code:
        return "code is empty"
    book = codebook[codebook["now"] == ""] if "now" in codebook else codebook
    by_key = {canonical_key(c): c for c in book["code"]}
    by_key.update(
        {canonical_key(label): c for label, c in zip(book["code_label"], book["code"], strict=True)}
    )
    hint = by_key.get(canonical_key(code)) or _closest_code(code, book)
    return (
        f"code {code!r} is not in the codebook"
        + (f" (did you mean {hint!r}?)" if hint else "")
        + " — a code renamed, merged, split or retired is recorded under changes: in the "
        "codebook, not edited in coders' files"
    )


def _closest_code(code: str, book: pd.DataFrame) -> str | None:
    close = difflib.get_close_matches(code, list(book["code"]), n=3, cutoff=0.6)
    words = set(canonical_key(code).split())
    subtheme_of = dict(zip(book["code"], book["subtheme"], strict=True))
    same = [c for c in close if words & set(canonical_key(subtheme_of[c]).split())]
    return (same or close or [None])[0]
