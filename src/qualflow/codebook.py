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

import re
from os import PathLike
from pathlib import Path

import pandas as pd
import yaml

from .errors import InputError
from .io import load_yaml

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


def load_codebook(path: str | PathLike[str]) -> pd.DataFrame:
    """Read and validate ``codebook.yaml``; one row per code, in codebook order."""
    path = Path(path)
    try:
        doc = load_yaml(path)  # safe: no aliases, duplicated keys and encoding named
    except FileNotFoundError:
        raise InputError(path, "codebook file not found") from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = None if mark is None else mark.line + 1
        raise InputError(
            path, f"not valid YAML ({getattr(err, 'problem', err)})", line=line
        ) from None
    if not isinstance(doc, dict) or not isinstance(doc.get("categories"), list):
        raise InputError(path, "expected a mapping with a list under 'categories'")
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
