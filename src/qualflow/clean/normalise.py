"""Text normalisation shared by cleaning and de-identification: NFC, quotes, dashes, spaces; word
counts.
"""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    pass


_QUOTES = {c: "'" for c in "\u2018\u2019\u201a\u201b\u2032\u2035"}

_QUOTES |= {c: '"' for c in "\u201c\u201d\u201e\u201f\u2033\u2036"}

_SPACES = {c: " " for c in "\t\u00a0\u1680\u202f\u205f\u3000"}

_SPACES |= {chr(c): " " for c in range(0x2000, 0x200B)}

_BREAKS = {c: "\n" for c in "\x0b\x0c\x85\u2028\u2029"}

_DROPPED = {c: "" for c in "\u200b\u2060\ufeff\u00ad"}

_CONTROLS = {
    chr(c): ""
    for c in [*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)]
    if chr(c) not in _BREAKS
}

_REPLACEMENTS = _QUOTES | _SPACES | _DROPPED | _CONTROLS | _BREAKS

# One character class finds the few characters to replace; far faster than str.translate on
# long, mostly-ASCII text.
_SPECIAL = re.compile("[" + re.escape("".join(_REPLACEMENTS)) + "]")

_SPACE_RUN = re.compile(r" {2,}")

_LINE_EDGE_SPACE = re.compile(r" *\n *")


def normalise_text(text: str) -> str:
    """Normalise raw transcript text so that equal words are equal strings.

    CRLF and CR become LF; Unicode NFC; smart quotes become straight ``'`` and ``"``;
    non-breaking and other Unicode spaces (and tabs) become a space; zero-width characters,
    soft hyphens and control characters are dropped; runs of spaces collapse to one; each line
    and the whole text are stripped. Line count is kept, so line numbers still match an editor.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
    text = _SPECIAL.sub(lambda m: _REPLACEMENTS[m.group()], text)
    text = _SPACE_RUN.sub(" ", text)
    return _LINE_EDGE_SPACE.sub("\n", text).strip(" ")


def count_words(text: str) -> int:
    """Whitespace-separated tokens."""
    return len(text.split())
