"""The leak gate: no listed term or pattern value may survive de-identification anywhere.

Redaction (:mod:`qualflow.clean.deid`) is the first line of defence; this module is the second. It
scans text with the same matcher the redactor uses — every listed term in all its written
variants, every enabled pattern, every word one edit from a listed name — and reports where one
survives, naming the file, the member of a zip container and the character offset, never the
value itself (a report must not be a leak of its own). Two places call it:

* :func:`check_clean_transcript`, on every text that leaves the cleaning stage (the cleaned
  text, its marker values and report row), before anything is published;
* :func:`leak_gate`, at the end of a run (rule ``leak_gate``), on every file under
  ``results/`` and ``logs/``: plain text files as they are; ``.xlsx``/``.docx``/``.qdpx``/``.zip``
  member by member; XML and HTML (notebooks, the QDA project) as the text a reader sees — text
  nodes joined across inline markup, so a name split over two Word runs is found — plus the
  ``name``/``title``/``alt``/``label``/``description``/``value`` attributes. Images and PDFs are
  skipped (counted in the report); base64 blobs (embedded figures) are blanked before scanning.

This is defence in depth in the sense of the NIST de-identification guidance (NIST IR 8053,
2015: verify the output, not only the process); it finds what escaped through a channel the
redactor never saw (a coder's memo, a codebook label, a log line), not what the matcher itself
cannot recognise.
"""

from __future__ import annotations

import bisect
import hashlib
import html
import logging
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

from qualflow.errors import InputError
from qualflow.io import write_text

if TYPE_CHECKING:
    from qualflow.clean.deid import Redactor
    from qualflow.clean.transcript import CleanTranscript

logger = logging.getLogger(__name__)

ZIP_SUFFIXES = {".xlsx", ".docx", ".pptx", ".qdpx", ".zip", ".odt", ".ods"}
MARKUP_SUFFIXES = {".html", ".htm", ".xml", ".svg", ".qde", ".rels", ".vml"}
BINARY_SUFFIXES = {
    ".png", ".jpg", ".jpeg", ".gif", ".pdf", ".tif", ".tiff", ".bmp", ".ico", ".emf", ".wmf",
    ".woff", ".woff2", ".ttf", ".otf", ".pyc", ".pickle", ".pkl", ".parquet", ".feather",
}  # fmt: skip
#: Attributes whose values are data a reader sees (others are ids, styles and references).
DATA_ATTRIBUTES = {"name", "title", "alt", "label", "description", "value", "content"}
#: Elements whose end separates text (paragraphs, cells, rows, list items, line breaks); the
#: text of other (inline) elements runs on, so ``<w:t>Dr </w:t>…<w:t>Lee</w:t>`` reads "Dr Lee".
BLOCK_ELEMENTS = {
    "p", "tc", "tr", "td", "th", "li", "div", "br", "cr", "tab", "si", "c", "row", "is", "text",
    "h1", "h2", "h3", "h4", "h5", "h6", "table", "tbl", "ul", "ol", "pre", "section", "body",
    "head", "title", "script", "style", "caption", "dt", "dd", "hr", "blockquote", "tbody",
    "thead", "note", "source", "code", "plaintextcontent", "description", "user", "case",
    "coding", "codebook", "selection", "plaintextselection", "project", "sheetdata", "f", "v",
}  # fmt: skip
_TAG = re.compile(r"<!--.*?-->|<!\[CDATA\[|\]\]>|<[!?][^>]*>|<(/?)([\w:.-]*)([^>]*)>", re.S)
# Element and attribute names are matched as written (lower case, as Office, REFI-QDA and HTML
# writers produce them): IGNORECASE would make these scans several times slower.
_BLOCK_TAG = re.compile(
    r"<(?:!--.*?--|[!?][^>]*|/?(?:[\w.-]+:)?(?:"
    + "|".join(sorted(BLOCK_ELEMENTS))
    + r")\b(?![.:-])[^>]*)>",
    re.DOTALL,
)
_ANY_TAG = re.compile(r"<[^>]*>")
_DATA_ATTRIBUTE = re.compile(
    r"[:\s](" + "|".join(sorted(DATA_ATTRIBUTES)) + r")\s*=\s*(\"[^\"]*\"|'[^']*')"
)
# Long runs of base64 (embedded images in notebooks and HTML), JSON-escaped line breaks allowed.
_BASE64 = re.compile(r"[A-Za-z0-9+/]{64,}(?:\\n[A-Za-z0-9+/]+)*={0,2}")


@dataclass(frozen=True)
class Leak:
    """A listed term or pattern value found where none may be."""

    file: str
    offset: int
    #: the placeholder of the term's entity (``[STAFF_3]``) or the pattern (``[PHONE]``)
    what: str
    member: str | None = None

    def describe(self) -> str:
        where = self.file + (f" › {self.member}" if self.member else "")
        return f"{where}, offset {self.offset}: {self.what} survives de-identification"


class LeakError(InputError):
    """Raised when a listed term or pattern value survives; names the first file and offset."""


def find_leaks(
    redactor: Redactor, text: str, file: str, member: str | None = None, near: bool = True
) -> list[Leak]:
    """Every match of the redactor's terms and patterns in ``text`` and, with ``near``, every
    word one edit from a listed name (:meth:`~qualflow.clean.deid.Redactor.near_misses`), in
    text order."""
    leaks = [
        Leak(file, start, redactor.mask(text[start:end]), member)
        for start, end in redactor.spans(text)
    ]
    if near:
        leaks += [
            Leak(file, offset, f"a spelling one edit from {placeholder}", member)
            for offset, placeholder in redactor.near_misses(text)
        ]
    return sorted(leaks, key=lambda leak: leak.offset)


def raise_on_leaks(leaks: Sequence[Leak], scanned: str) -> None:
    """Log every leak and raise a :class:`LeakError` naming the first one."""
    if not leaks:
        return
    for leak in leaks:
        logger.error("leak: %s", leak.describe())
    first = leaks[0]
    files = len({leak.file for leak in leaks})
    raise LeakError(
        first.file,
        f"offset {first.offset}: {first.what} survives de-identification in {scanned} "
        f"({len(leaks)} leak(s) in {files} file(s)); remove it at its source or add the "
        "variant to the redaction list (an ordinary word spelled like a name: deid.not_names "
        "in config.yaml)",
        element=first.member,
    )


# --------------------------------------------------------------------------- cleaning stage


def check_clean_transcript(redactor: Redactor, result: CleanTranscript) -> None:
    """Scan what one cleaned transcript sends out of the cleaning stage: its text (the units
    are spans of it), its marker values and its report row. LeakError if anything survived."""
    name = f"{result.transcript_id}.txt"
    # Near spellings in the text and marker values: checked before, naming the raw line
    # (qualflow.clean.transcript.check_near_misses).
    leaks = find_leaks(redactor, result.text, name, near=False)
    if len(result.markers):
        values = "\n".join(map(str, result.markers["value"]))
        leaks += find_leaks(redactor, values, f"markers.csv ({result.transcript_id})", near=False)
    report = "\n".join(str(v) for v in result.report.values())
    leaks += find_leaks(redactor, report, f"cleaning_report.csv ({result.transcript_id})")
    raise_on_leaks(leaks, "the cleaned output")


# --------------------------------------------------------------------------- markup


def markup_text(markup: str) -> tuple[str, list[tuple[int, int]]]:
    """What a reader of an XML/HTML document sees, as one string: runs of text joined across
    inline elements (entities decoded), one line per block, and data attribute values on
    lines of their own; with anchors ``(offset in text, offset in markup)`` where each piece
    starts, so an offset in the text maps back into ``markup``."""
    parts: list[str] = []
    anchors: list[tuple[int, int]] = []
    at = 0

    def add(raw: int, text: str) -> None:
        nonlocal at
        anchors.append((at, raw))
        parts.append(text)
        at += len(text)

    pos = 0
    for tag in _TAG.finditer(markup):
        if tag.start() > pos:
            piece = markup[pos : tag.start()]
            add(pos, html.unescape(piece) if "&" in piece else piece)
        pos = tag.end()
        name = (tag.group(2) or "").rsplit(":", 1)[-1].lower()
        if name in BLOCK_ELEMENTS or not tag.group(2):
            add(pos, "\n")
        attributes = tag.group(3)
        if attributes and "=" in attributes:
            for attribute in _DATA_ATTRIBUTE.finditer(attributes):
                add(tag.start(3) + attribute.start(2) + 1, "\n")
                add(tag.start(3) + attribute.start(2) + 1, html.unescape(attribute.group(2)[1:-1]))
                add(tag.end(), "\n")
    if pos < len(markup):
        add(pos, html.unescape(markup[pos:]))
    return "".join(parts), anchors


def quick_markup_text(markup: str) -> str:
    """:func:`markup_text` without the offsets, by whole-document substitutions (many times
    faster on the tag-heavy parts of Office files); used to find out whether there is a leak
    at all."""
    text = _ANY_TAG.sub("", _BLOCK_TAG.sub("\n", markup))
    values = [m.group(2)[1:-1] for m in _DATA_ATTRIBUTE.finditer(markup)]
    text = "\n".join([text, *values])
    return html.unescape(text) if "&" in text else text


def scan_markup(redactor: Redactor, markup: str, file: str, member: str | None = None) -> list:
    """Leaks in an XML/HTML document's text and data attributes (offsets into ``markup``)."""
    quick = find_leaks(redactor, _blank_base64(quick_markup_text(markup)), file, member)
    if not quick:
        return []
    text, anchors = markup_text(markup)
    leaks = []
    for leak in find_leaks(redactor, _blank_base64(text), file, member):
        at, raw = anchors[bisect.bisect_right(anchors, (leak.offset, len(markup))) - 1]
        leaks.append(Leak(file, raw + leak.offset - at, leak.what, member))
    return leaks or quick  # (offsets into the extracted text if only the quick pass saw it)


def _blank_base64(text: str) -> str:
    if len(text) < 64:
        return text
    return _BASE64.sub(lambda m: " " * len(m.group()), text)


def _decode(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


# --------------------------------------------------------------------------- files


def scan_bytes(
    redactor: Redactor,
    data: bytes,
    name: str,
    file: str,
    member: str | None = None,
    found_clean: set[tuple[bool, bytes]] | None = None,
) -> list:
    """Leaks in one file's (or zip member's) content, read by its suffix.

    ``found_clean`` remembers contents already scanned without a leak (read the same way, as
    markup or as text) and skips them: the cleaned texts reappear byte for byte in texts.zip
    and in every REFI-QDA project, and a SHA-256 costs about 1 % of a scan."""
    suffix = Path(name).suffix.lower()
    if suffix in BINARY_SUFFIXES:
        return []
    text = _decode(data)
    as_markup = suffix in MARKUP_SUFFIXES or (member is not None and text.lstrip().startswith("<"))
    key = (as_markup, hashlib.sha256(data).digest())
    if found_clean is not None and key in found_clean:
        return []
    if as_markup:
        leaks = scan_markup(redactor, text, file, member)
    else:
        leaks = find_leaks(redactor, _blank_base64(text), file, member)
    if not leaks and found_clean is not None:
        found_clean.add(key)
    return leaks


def scan_file(
    redactor: Redactor,
    path: Path,
    label: str | None = None,
    found_clean: set[tuple[bool, bytes]] | None = None,
) -> list[Leak]:
    """Leaks in one file; zip containers (xlsx, docx, qdpx, zip) member by member
    (``found_clean``: see :func:`scan_bytes`)."""
    label = label or str(path)
    suffix = path.suffix.lower()
    if suffix in BINARY_SUFFIXES:
        return []
    if suffix in ZIP_SUFFIXES and zipfile.is_zipfile(path):
        leaks = []
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                if info.is_dir():
                    continue
                data = archive.read(info)
                leaks += scan_bytes(
                    redactor, data, info.filename, label, info.filename, found_clean
                )
        return leaks
    return scan_bytes(redactor, path.read_bytes(), path.name, label, found_clean=found_clean)


def files_under(
    roots: Iterable[str | PathLike[str]], exclude: Iterable[str | PathLike[str]]
) -> Iterator[tuple[str, Path]]:
    """``(root, file)`` for every file under ``roots`` (sorted), except ``exclude``."""
    skip = {Path(p).resolve() for p in exclude}
    for root in roots:
        folder = Path(root)
        if not folder.exists():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            if path.resolve() not in skip:
                yield str(root), path


def leak_gate(
    redactor: Redactor,
    roots: Sequence[str | PathLike[str]],
    report: str | PathLike[str],
    exclude: Iterable[str | PathLike[str]] = (),
) -> None:
    """Scan every file under ``roots``; write ``report`` if none holds a listed term or
    pattern value, else raise :class:`LeakError` naming the first (all are logged)."""
    exclude = [*exclude, report]
    leaks: list[Leak] = []
    scanned: dict[str, int] = {}
    skipped: dict[str, int] = {}
    found_clean: set[tuple[bool, bytes]] = set()
    for root, path in files_under(roots, exclude):
        suffix = path.suffix.lower()
        if suffix in BINARY_SUFFIXES:
            skipped[suffix] = skipped.get(suffix, 0) + 1
            continue
        scanned[root] = scanned.get(root, 0) + 1
        leaks += scan_file(redactor, path, found_clean=found_clean)
    logger.info("leak gate: scanned %s", scanned)
    raise_on_leaks(leaks, " and ".join(str(r) for r in roots))
    lines = ["Leak gate: no listed term or pattern value found.", ""]
    lines += [f"files scanned under {root}/: {n}" for root, n in sorted(scanned.items())]
    lines += [f"not scanned (binary {s}): {n}" for s, n in sorted(skipped.items())]
    write_text(report, "\n".join(lines) + "\n")


def run_leak_gate(
    redaction_csv: str | PathLike[str] | None,
    patterns: Sequence[str],
    roots: Sequence[str | PathLike[str]],
    report: str | PathLike[str],
    exclude: Iterable[str | PathLike[str]] = (),
    not_names: Sequence[str] = (),
) -> None:
    """:func:`leak_gate` with the study's redaction list, patterns and ``deid.not_names`` (the
    rule's entry)."""
    from qualflow.clean.deid import Redactor

    leak_gate(Redactor.from_csv(redaction_csv, patterns, not_names), roots, report, exclude)


def scan_texts(redactor: Redactor, texts: Mapping[str, str]) -> list[Leak]:
    """Leaks in named in-memory texts (for callers that hold outputs before writing them)."""
    return [leak for name, text in texts.items() for leak in find_leaks(redactor, text, name)]
