"""Read the demo's phrase banks and word lists, data files shipped in ``qualflow/demo/phrases/``.

A bank file (``*.txt``) holds named banks of templates in the grammar of
:mod:`qualflow.demo.grammar`: a ``## name`` line starts a bank, every other non-blank line is
one template, a line ending in a backslash continues on the next (the backslash and the line
break are dropped, as in a Python string), and lines starting ``#!`` are comments. The codebook
(``codebook.yaml``) and the short word lists (``words.yaml``) are YAML. Each file is read once.
"""

from __future__ import annotations

import functools
from importlib import resources

import yaml

PHRASES = "phrases"


def _read(name: str) -> str:
    return (resources.files(__package__) / PHRASES / name).read_text(encoding="utf-8")


def parse_banks(text: str, source: str = "<text>") -> dict[str, list[str]]:
    """Read ``## name`` headed blocks of one-template-per-line banks (see the module doc)."""
    banks: dict[str, list[str]] = {}
    current: list[str] | None = None
    pending = ""
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw.endswith("\\"):
            pending += raw[:-1]
            continue
        line, pending = (pending + raw).strip(), ""
        if not line or line.startswith("#!"):
            continue
        if line.startswith("## "):
            current = banks.setdefault(line[3:].strip(), [])
        elif current is None:
            raise ValueError(f"{source}, line {number}: a template before the first '## name' line")
        else:
            current.append(line)
    if pending:
        raise ValueError(f"{source}: the last line ends in a backslash (nothing to continue)")
    return banks


@functools.cache
def bank(name: str) -> dict[str, list[str]]:
    """The banks of ``phrases/<name>.txt``, by bank name."""
    return parse_banks(_read(f"{name}.txt"), f"{PHRASES}/{name}.txt")


@functools.cache
def words() -> dict:
    """The word lists of ``phrases/words.yaml`` (openers, closers, slot fillers, ...)."""
    return yaml.safe_load(_read("words.yaml"))


@functools.cache
def codebook() -> dict:
    """The demo codebook document of ``phrases/codebook.yaml`` (``categories`` → codes)."""
    return yaml.safe_load(_read("codebook.yaml"))
