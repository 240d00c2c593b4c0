"""Exchange with QDA software through REFI-QDA projects (``.qdpx`` / ``.qde``).

Coders code in NVivo, ATLAS.ti, MAXQDA or QualCoder, which all exchange whole projects in the
REFI-QDA 1.0 format (QDA-XML, namespace ``urn:QDA-XML:project:1.0``; Rotterdam Exchange Format
Initiative 2019, "REFI-QDA Project", ed. F. van Blommestein). A ``.qdpx`` is a zip holding
``project.qde`` (the XML) and the plain-text sources ``sources/{guid}.txt``, referenced as
``plainTextPath="internal://{guid}.txt"``.

* :func:`export_study` writes the cleaned, de-identified transcripts, the codebook (category →
  subtheme → code, definitions in ``Description``), one ``User`` per coder, and the participants
  as ``Cases`` with ``Variables``. Every GUID is a uuid5 of a fixed namespace and the object's
  name, so re-exports are byte-identical and codes come back matched by GUID.
* :func:`read_spans` reads a coded project back into character spans (``coder, transcript_id,
  code, start, end, memo``; end exclusive) over the cleaned texts, checking every selection's
  text against the cleaned text so that an edited source is reported, never silently mis-mapped.
* :func:`read_project` exposes the parsed project (users, code tree, sources, selections).
* :func:`coder_files` / :func:`qda_user_map` read a coder's entry under ``coders:`` (a file,
  ``{file, qda_user}``, or a list of them) and the QDA user each coder is matched by.

Offsets are counted in characters of the source's plain text. Tools disagree on details (as
QualCoder's importer notes): whether ``endPosition`` is inclusive, whether a Windows line
end (CRLF) counts as one character or two, and (for .NET/Qt tools) whether a character outside
the Basic Multilingual Plane counts as two UTF-16 units. :func:`read_spans` detects these from
the evidence in the project (each selection's ``name``, which tools fill with the selected
text, and word boundaries) unless the end convention is forced.

Lenient where tools differ, strict where data differs: a source's text may come from
``PlainTextContent``, a ``plainTextPath`` with or without ``internal://``, or (when the plain
text is blank, as NVivo for Mac writes it) the ``.docx`` of ``richTextPath``; codes nobody
applied are ignored and listed; a whole-source coding is refused (it names no turn). Projects
are untrusted input: sources and notes are read only from inside the archive, entries are read
under size and expansion-ratio caps, and DTDs (hence entities, XXE) are refused.
"""

from __future__ import annotations

import functools
import logging
import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import product
from os import PathLike
from pathlib import Path

import pandas as pd
import xmlschema
from lxml import etree

from . import __version__
from .codebook import canonical_key
from .contracts import SPAN_COLUMNS, check_units
from .errors import InputError
from .io import atomic_path
from .study import TRANSCRIPT_ID

log = logging.getLogger(__name__)

NS = "urn:QDA-XML:project:1.0"
_Q = f"{{{NS}}}"
#: Fixed namespace for qualflow's uuid5 GUIDs: same object name, same GUID, in every export.
QUALFLOW_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:qualflow:refi-qda:1.0")
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
END_POSITION_MODES = ("auto", "exclusive", "inclusive")
#: Okabe & Ito (2008) colour-blind-safe palette; one colour per category in the exported tree.
CATEGORY_COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]
_SOURCE_SUFFIXES = (".txt", ".docx", ".doc", ".rtf", ".odt", ".pdf", ".vtt", ".srt")
_TRUNCATION = ("...", "…")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


def qualflow_guid(kind: str, name: str) -> str:
    """Deterministic GUID of a qualflow object (``kind`` e.g. ``code``, ``name`` its id)."""
    return str(uuid.uuid5(QUALFLOW_NAMESPACE, f"{kind}:{name}"))


def _norm_guid(guid: str | None) -> str:
    return (guid or "").strip().strip("{}").lower()


# --------------------------------------------------------------------------------------------
# The parsed project
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class User:
    guid: str
    name: str
    id: str


@dataclass(frozen=True)
class Code:
    """A node of the project's code tree; ``path`` runs from the root to this code."""

    guid: str
    name: str
    is_codable: bool
    description: str
    path: tuple[str, ...]
    parent: str | None
    element: str
    line: int | None


@dataclass(frozen=True)
class Coding:
    guid: str
    code_guid: str
    creating_user: str | None
    note_refs: tuple[str, ...]
    element: str
    line: int | None


@dataclass(frozen=True)
class Selection:
    """A ``PlainTextSelection`` with its codings; positions as written in the project."""

    guid: str
    source_guid: str
    start: int
    end: int
    name: str | None
    creating_user: str | None
    description: str
    note_refs: tuple[str, ...]
    codings: tuple[Coding, ...]
    element: str
    line: int | None


@dataclass(frozen=True)
class Source:
    """A ``TextSource``; ``text`` is its plain text (BOM removed) when the project carries it.

    ``origin`` says where the text came from (``PlainTextContent``, an archive entry, or the
    ``.docx`` of ``richTextPath`` when the plain text is blank); ``rich`` names the rich-text
    entry when there is one."""

    guid: str
    name: str
    text: str | None
    element: str
    line: int | None
    origin: str = ""
    rich: str | None = None


@dataclass(frozen=True)
class Case:
    guid: str
    name: str
    source_guids: tuple[str, ...]


@dataclass
class Project:
    """What :func:`read_project` found in a REFI-QDA project."""

    file: str
    name: str
    origin: str
    creating_user: str | None
    users: list[User]
    codes: list[Code]
    sources: list[Source]
    selections: list[Selection]
    cases: list[Case]
    notes: dict[str, str] = field(default_factory=dict)

    def user(self, guid: str | None) -> User | None:
        wanted = _norm_guid(guid)
        return next((u for u in self.users if _norm_guid(u.guid) == wanted), None)

    def code(self, guid: str) -> Code | None:
        wanted = _norm_guid(guid)
        return next((c for c in self.codes if _norm_guid(c.guid) == wanted), None)

    def source(self, guid: str) -> Source | None:
        wanted = _norm_guid(guid)
        return next((s for s in self.sources if _norm_guid(s.guid) == wanted), None)


# --------------------------------------------------------------------------------------------
# Schema
# --------------------------------------------------------------------------------------------


def _xsd_path():
    return resources.files("qualflow") / "data" / "Project.xsd"


@functools.cache
def _schema() -> xmlschema.XMLSchema:
    """The REFI-QDA 1.0 project schema shipped with qualflow (``qualflow/data/Project.xsd``)."""
    with resources.as_file(_xsd_path()) as path:
        return xmlschema.XMLSchema(str(path))


@functools.cache
def _fast_schema() -> etree.XMLSchema:
    """The same schema compiled by libxml2: a fast first check for large projects."""
    with resources.as_file(_xsd_path()) as path:
        return etree.XMLSchema(etree.parse(str(path)))


_PROLOG_DTD = re.compile(rb"^(?:\s+|<\?.*?\?>|<!--.*?-->)*<!DOCTYPE", re.DOTALL)
#: What lxml says when a memo holds a bare ``&`` or ``<`` (QualCoder writes memos unescaped).
_UNESCAPED_HINTS = (
    "EntityRef",
    "xmlParseEntityRef",
    "StartTag",
    "invalid element name",
    "Unescaped '<'",
    "AttValue: '<'",
    "Specification mandates value",
)


def _has_dtd(data: bytes) -> bool:
    """Whether the XML declares a document type (and so may declare entities)."""
    head = data[: 1 << 16]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        head = head.decode("utf-16", errors="ignore").encode("utf-8")
    return _PROLOG_DTD.match(head.removeprefix(b"\xef\xbb\xbf")) is not None


def _parse_xml(data: bytes, where: str) -> etree._Element:
    """Parse project XML. DTDs are refused before parsing (no entity can be declared, so none is
    expanded or fetched: no XXE, no entity bomb); a syntax error names the line, with a hint
    when it is the bare ``&``/``<`` that QualCoder leaves in memos."""
    if _has_dtd(data):
        raise InputError(
            where,
            "the XML declares a DTD (<!DOCTYPE ...>); DTDs/entities are not allowed in a "
            "REFI-QDA project",
        )
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as err:
        line = err.lineno if err.lineno else None
        hint = ""
        if any(marker in (err.msg or "") for marker in _UNESCAPED_HINTS):
            hint = (
                "; the usual cause is a memo or description holding a bare '&' or '<' "
                "(QualCoder writes them unescaped): write it as &amp; / &lt; on that line, or "
                "remove it from the memo in the QDA software, and export again"
            )
        raise InputError(where, f"XML is not well-formed ({err.msg}){hint}", line=line) from None
    if root.getroottree().docinfo.doctype:
        raise InputError(where, "the XML declares a DTD; DTDs/entities are not allowed")
    return root


def _check_schema(root: etree._Element, where: str) -> None:
    """Raise InputError with xmlschema's reason and the element path of the first violation.

    libxml2 checks first (fast, C); xmlschema then explains a failure (and decides it)."""
    if _fast_schema().validate(root):
        return
    errors = list(_schema().iter_errors(root))
    if not errors:
        return
    first = errors[0]
    more = f" ({len(errors) - 1} more schema error(s))" if len(errors) > 1 else ""
    reason = first.reason or str(first.message)
    raise InputError(
        where,
        f"does not follow the REFI-QDA 1.0 schema: {reason}{more}",
        line=getattr(first, "sourceline", None),
        element=first.path,
    )


def validate_project(
    qde_bytes_or_path: bytes | str | PathLike[str], *, name: str | None = None
) -> None:
    """Check a ``project.qde`` (bytes, or a path to it or to its ``.qdpx``) against
    ``Project.xsd``; InputError naming the reason and the element if it does not follow it."""
    if isinstance(qde_bytes_or_path, bytes | bytearray):
        data, where = bytes(qde_bytes_or_path), name or "project.qde"
    else:
        container = _Container(Path(qde_bytes_or_path))
        container.close()
        data, where = container.qde, name or container.qde_where
    _check_schema(_parse_xml(data, where), where)


# --------------------------------------------------------------------------------------------
# Reading a project
# --------------------------------------------------------------------------------------------


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and c.tag == _Q + name]


def _child_text(el: etree._Element, name: str) -> str:
    found = _children(el, name)
    return (found[0].text or "") if found else ""


def _decode(data: bytes, where: str) -> str:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(where, f"plain-text source is not UTF-8 ({err.reason})") from None
    return text.removeprefix("\ufeff")


#: Caps on what is read out of an archive (a .qdpx, or a .docx inside it), against zip bombs:
#: bytes of one entry, bytes of all entries read, and the expansion ratio of an entry larger
#: than ``_RATIO_FLOOR`` (text and XML deflate about 3–20×; a bomb, hundreds or thousands ×).
MAX_ENTRY_BYTES = 256 * 2**20
MAX_TOTAL_BYTES = 1024 * 2**20
MAX_RATIO = 100
_RATIO_FLOOR = 2**20
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*)://")


def _check_zip_entry(info: zipfile.ZipInfo, where: str) -> None:
    """InputError if an archive entry would expand beyond the caps (checked before reading)."""
    if info.file_size > MAX_ENTRY_BYTES:
        raise InputError(
            where,
            f"archive entry {info.filename!r} expands to {info.file_size:,} bytes, over the "
            f"limit of {MAX_ENTRY_BYTES:,}; refusing to unpack it",
        )
    ratio = info.file_size / max(info.compress_size, 1)
    if info.file_size > _RATIO_FLOOR and ratio > MAX_RATIO:
        raise InputError(
            where,
            f"archive entry {info.filename!r} expands {ratio:,.0f}-fold ({info.compress_size:,} "
            f"→ {info.file_size:,} bytes), over the limit of {MAX_RATIO}-fold: not a project a "
            "QDA tool writes (a zip bomb?); refusing to unpack it",
        )


class _Container:
    """Where a project's XML and its sources live: a .qdpx zip, or a bare .qde.

    Sources and notes are read only from inside the archive, never from the file system: a
    path that leaves the archive (``internal://../x``, an absolute path) is an error, and a bare
    ``.qde`` carries no source files (its selections are checked against the cleaned texts).
    Entries are read under the caps above."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip: zipfile.ZipFile | None = None
        self.entries: dict[str, str] = {}
        self.qde_where = str(path)
        self.read_bytes = 0
        if not path.exists():
            raise InputError(path, "file not found")
        if path.suffix.lower() == ".qde" and not zipfile.is_zipfile(path):
            if path.stat().st_size > MAX_ENTRY_BYTES:
                raise InputError(path, f"larger than {MAX_ENTRY_BYTES:,} bytes; refusing to read")
            self.qde = path.read_bytes()
            return
        if not zipfile.is_zipfile(path):
            raise InputError(
                path, "not a zip archive (a .qdpx project is a zip holding project.qde)"
            )
        try:
            self.zip = zipfile.ZipFile(path)
            self.entries = {n.lower(): n for n in self.zip.namelist()}
            qde_name = self._qde_entry()
            self.qde_where = f"{path}/{qde_name}"
            self.qde = self._read(qde_name)
        except (zipfile.BadZipFile, OSError) as err:
            self.close()
            raise InputError(path, f"cannot be read as a zip archive ({err})") from None
        except InputError:
            self.close()
            raise

    def _qde_entry(self) -> str:
        if "project.qde" in self.entries:
            return self.entries["project.qde"]
        top_level = [n for k, n in self.entries.items() if k.endswith(".qde") and "/" not in k]
        if len(top_level) == 1:
            return top_level[0]
        raise InputError(self.path, "the archive holds no project.qde", element="project.qde")

    def _read(self, entry: str) -> bytes:
        assert self.zip is not None
        info = self.zip.getinfo(entry)
        where = f"{self.path}/{entry}"
        _check_zip_entry(info, where)
        if self.read_bytes + info.file_size > MAX_TOTAL_BYTES:
            raise InputError(
                self.path,
                f"the entries read expand to more than {MAX_TOTAL_BYTES:,} bytes; refusing to "
                "unpack more",
            )
        self.read_bytes += info.file_size
        with self.zip.open(info) as handle:
            return handle.read(MAX_ENTRY_BYTES + 1)

    def entry(self, ref: str | None, attribute: str, element: str) -> str | None:
        """The archive entry a ``plainTextPath``/``richTextPath`` names; None when the project
        does not carry it (a bare .qde, an external ``absolute://``/``relative://`` file, or a
        name not in the archive). A path leaving the archive is an InputError."""
        if not ref or not ref.strip():
            return None
        ref = ref.strip()
        scheme = _SCHEME.match(ref)
        if scheme and scheme.group(1).lower() != "internal":
            return None  # an external file: not carried, never read from disk
        name = ref[scheme.end() :].lstrip("/") if scheme else ref  # internal:///x is inside
        name = name.replace("\\", "/")
        parts = [p for p in name.split("/") if p not in ("", ".")]
        if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or ".." in parts or not parts:
            raise InputError(
                self.qde_where,
                f"{attribute} {ref!r} points outside the project archive; qualflow reads "
                "sources and notes only from inside the .qdpx",
                element=f"{element}/@{attribute}",
            )
        if self.zip is None:
            return None
        name = "/".join(parts)
        for candidate in (f"sources/{name}", name):
            found = self.entries.get(candidate.lower())
            if found is not None:
                return found
        return None

    def plain_text(self, ref: str | None, element: str, attribute: str = "plainTextPath"):
        """``(text, entry)`` of a plain-text file in the archive; ``(None, None)`` if absent."""
        found = self.entry(ref, attribute, element)
        if found is None:
            return None, None
        return _decode(self._read(found), f"{self.path}/{found}"), found

    def rich_text(self, ref: str | None, element: str):
        """``(text, entry)`` of a ``.docx`` source in the archive (paragraphs joined by
        newlines, as python-docx reads them); ``(None, None)`` if absent or not a .docx."""
        found = self.entry(ref, "richTextPath", element)
        if found is None or not found.lower().endswith(".docx"):
            return None, None
        return _docx_text(self._read(found), f"{self.path}/{found}"), found

    def close(self) -> None:
        if self.zip is not None:
            self.zip.close()


def _docx_text(data: bytes, where: str) -> str:
    """The text of a .docx held in memory, its own zip checked against the caps first."""
    import io

    import docx  # python-docx; imported here: only .docx sources need it

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as inner:
            infos = inner.infolist()
            for info in infos:
                _check_zip_entry(info, where)
            if sum(i.file_size for i in infos) > MAX_ENTRY_BYTES:
                raise InputError(where, f"expands to more than {MAX_ENTRY_BYTES:,} bytes")
        document = docx.Document(io.BytesIO(data))
    except InputError:
        raise
    except Exception as err:  # python-docx raises several types for a broken package
        raise InputError(where, f"cannot be read as a .docx ({err})") from None
    return "\n".join(p.text for p in document.paragraphs)


def read_project(path: str | PathLike[str]) -> Project:
    """Parse and validate a ``.qdpx`` (zip) or a bare ``project.qde``.

    The XML must be well-formed and follow the REFI-QDA 1.0 schema; plain-text sources are read
    from the archive's ``sources/`` folder (or, for a bare ``.qde``, from beside it).
    """
    container = _Container(Path(path))
    try:
        root = _parse_xml(container.qde, container.qde_where)
        _check_schema(root, container.qde_where)
        return _project_from_xml(root, container)
    finally:
        container.close()


def _project_from_xml(root: etree._Element, container: _Container) -> Project:
    users = [
        User(u.get("guid"), u.get("name") or "", u.get("id") or "")
        for users_el in _children(root, "Users")
        for u in _children(users_el, "User")
    ]
    codes: list[Code] = []
    for book in _children(root, "CodeBook"):
        for codes_el in _children(book, "Codes"):
            for code_el in _children(codes_el, "Code"):
                _collect_codes(code_el, (), None, "CodeBook/Codes", codes)
    sources: list[Source] = []
    selections: list[Selection] = []
    for sources_el in _children(root, "Sources"):
        for src in sources_el:
            if not isinstance(src.tag, str):
                continue
            _read_source(src, container, sources, selections)
    cases = [
        Case(
            c.get("guid"),
            c.get("name") or "",
            tuple(r.get("targetGUID") for r in _children(c, "SourceRef")),
        )
        for cases_el in _children(root, "Cases")
        for c in _children(cases_el, "Case")
    ]
    notes: dict[str, str] = {}
    for notes_el in _children(root, "Notes"):
        for note in _children(notes_el, "Note"):
            where = f"Notes/Note[@guid={note.get('guid')!r}]"
            text = _child_text(note, "PlainTextContent") or (
                container.plain_text(note.get("plainTextPath"), where)[0] or ""
            )
            notes[_norm_guid(note.get("guid"))] = text.strip()
    return Project(
        file=str(container.path),
        name=root.get("name") or "",
        origin=root.get("origin") or "",
        creating_user=root.get("creatingUserGUID"),
        users=users,
        codes=codes,
        sources=sources,
        selections=selections,
        cases=cases,
        notes=notes,
    )


def _collect_codes(
    el: etree._Element, parents: tuple[str, ...], parent: str | None, where: str, out: list[Code]
) -> None:
    name = el.get("name") or ""
    element = f"{where}/Code[@name={name!r}]"
    out.append(
        Code(
            guid=el.get("guid"),
            name=name,
            is_codable=el.get("isCodable") in ("true", "1"),
            description=_child_text(el, "Description").strip(),
            path=(*parents, name),
            parent=parent,
            element=element,
            line=el.sourceline,
        )
    )
    for child in _children(el, "Code"):
        _collect_codes(child, (*parents, name), el.get("guid"), element, out)


def _read_source(
    src: etree._Element,
    container: _Container,
    sources: list[Source],
    selections: list[Selection],
) -> None:
    kind = _local(src)
    name = src.get("name") or ""
    element = f"Sources/{kind}[@name={name!r}]"
    if kind != "TextSource":
        coded = [c for c in src.iter(_Q + "Coding")]
        if coded:
            raise InputError(
                container.qde_where,
                f"{kind} {name!r} carries {len(coded)} coding(s); qualflow reads codings of "
                "text sources only (code the transcripts as text)",
                line=src.sourceline,
                element=element,
            )
        return
    whole = _children(src, "Coding")
    if whole:
        # Decision (issue 12): refused, not spread over every unit. A whole-document code says
        # nothing about which turns carry the code; counting it on every participant turn would
        # let one click create dozens of unit codings and inflate agreement on them.
        raise InputError(
            container.qde_where,
            f"source {name!r} is coded as a whole (a <Coding> directly under the TextSource, "
            f"{len(whole)} of them); qualflow compares coders turn by turn, so code the "
            "passages (select the text) instead, or record a whole-transcript attribute as a "
            "case variable",
            line=whole[0].sourceline,
            element=f"{element}/Coding",
        )
    text, origin = _child_text(src, "PlainTextContent") or None, "PlainTextContent"
    if text is None:
        text, origin = container.plain_text(src.get("plainTextPath"), element)
    rich, rich_entry = None, None
    if text is None or not text.strip():
        # NVivo for Mac writes a one-character .txt and the real text in the .docx
        rich, rich_entry = container.rich_text(src.get("richTextPath"), element)
        if rich is not None and rich.strip():
            text, origin = rich, f"{rich_entry} (richTextPath)"
    text = None if text is None else text.removeprefix("\ufeff")
    sources.append(
        Source(src.get("guid"), name, text, element, src.sourceline, origin or "", rich_entry)
    )
    for sel in _children(src, "PlainTextSelection"):
        sel_element = f"{element}/PlainTextSelection[@guid={sel.get('guid')!r}]"
        codings = tuple(
            Coding(
                guid=c.get("guid"),
                code_guid=_children(c, "CodeRef")[0].get("targetGUID"),
                creating_user=c.get("creatingUser"),
                note_refs=tuple(n.get("targetGUID") for n in _children(c, "NoteRef")),
                element=f"{sel_element}/Coding[@guid={c.get('guid')!r}]",
                line=c.sourceline,
            )
            for c in _children(sel, "Coding")
        )
        selections.append(
            Selection(
                guid=sel.get("guid"),
                source_guid=src.get("guid"),
                start=int(sel.get("startPosition")),
                end=int(sel.get("endPosition")),
                name=sel.get("name"),
                creating_user=sel.get("creatingUser") or sel.get("modifyingUser"),
                description=_child_text(sel, "Description").strip(),
                note_refs=tuple(n.get("targetGUID") for n in _children(sel, "NoteRef")),
                codings=codings,
                element=sel_element,
                line=sel.sourceline,
            )
        )


# --------------------------------------------------------------------------------------------
# Export
# --------------------------------------------------------------------------------------------


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: object) -> str:
    """The string without characters XML 1.0 cannot carry (control characters)."""
    return _XML_INVALID.sub("", str(value))


def _sub(parent: etree._Element, tag: str, attrs: Mapping[str, object] | None = None, text=None):
    el = etree.SubElement(parent, _Q + tag)
    for key, value in (attrs or {}).items():
        if value is not None:
            el.set(key, _xml_safe(value))
    if text is not None:
        el.text = _xml_safe(text)
    return el


def _transcript_sort_key(transcript_id: str) -> tuple:
    match = TRANSCRIPT_ID.match(str(transcript_id))
    if match:
        return (0, int(match["participant"]), int(match["wave"]), "")
    return (1, 0, 0, str(transcript_id))


def _code_description(row: pd.Series) -> str:
    parts = [str(row["definition"]).strip()]
    for label, column in (("Include", "include"), ("Exclude", "exclude"), ("Example", "example")):
        value = str(row.get(column, "") or "").strip()
        if value:
            parts.append(f"{label}: {value}")
    return "\n\n".join(p for p in parts if p)


def _add_codebook(root: etree._Element, codebook: pd.DataFrame) -> None:
    """Category → subtheme → code; only codes are codable, so coders code at the code level.

    Non-codable parents (``isCodable="false"``) are how REFI-QDA marks grouping nodes; QualCoder
    imports them as categories, and tools without the notion import them as plain codes.
    """
    codes_el = _sub(_sub(root, "CodeBook"), "Codes")
    categories = list(dict.fromkeys(codebook["category"]))
    for ci, category in enumerate(categories):
        in_cat = codebook[codebook["category"] == category]
        colour = CATEGORY_COLOURS[ci % len(CATEGORY_COLOURS)]
        cat_el = _sub(
            codes_el,
            "Code",
            {
                "guid": qualflow_guid("category", category),
                "name": in_cat["category_label"].iloc[0],
                "isCodable": "false",
                "color": colour,
            },
        )
        for subtheme in dict.fromkeys(in_cat["subtheme"]):
            in_sub = in_cat[in_cat["subtheme"] == subtheme]
            sub_el = _sub(
                cat_el,
                "Code",
                {
                    "guid": qualflow_guid("subtheme", f"{category}/{subtheme}"),
                    "name": in_sub["subtheme_label"].iloc[0],
                    "isCodable": "false",
                    "color": colour,
                },
            )
            definition = str(in_sub["subtheme_definition"].iloc[0] or "").strip()
            if definition:
                _sub(sub_el, "Description", text=definition)
            for _, row in in_sub.iterrows():
                code_el = _sub(
                    sub_el,
                    "Code",
                    {
                        "guid": qualflow_guid("code", row["code"]),
                        "name": row["code_label"],
                        "isCodable": "true",
                        "color": colour,
                    },
                )
                description = _code_description(row)
                if description:
                    _sub(code_el, "Description", text=description)


def _variable_type(values: pd.Series) -> str:
    present = [str(v).strip() for v in values if _present(v)]
    if present and all(re.fullmatch(r"-?\d+", v) for v in present):
        return "Integer"
    if present and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in present):
        return "Date"
    return "Text"


def _present(value: object) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and pd.isna(value))
        and (value is not pd.NA and str(value).strip() != "")
    )


_VALUE_ELEMENT = {"Integer": "IntegerValue", "Date": "DateValue", "Text": "TextValue"}


def _add_variable_value(parent: etree._Element, name: str, kind: str, value: object) -> None:
    if not _present(value):
        return
    vv = _sub(parent, "VariableValue")
    _sub(vv, "VariableRef", {"targetGUID": qualflow_guid("variable", name)})
    _sub(vv, _VALUE_ELEMENT[kind], text=str(value).strip())


def _check_unit_offsets(units: pd.DataFrame, texts: Mapping[str, str], clean_dir: Path) -> None:
    """Every unit (as :func:`~qualflow.contracts.check_units` returns them) lies inside its
    cleaned text and, when it carries its text, agrees with it."""
    for row in units.itertuples(index=False):
        text = texts[row.transcript_id]
        if not 0 <= row.start <= row.end <= len(text):
            raise InputError(
                clean_dir / f"{row.transcript_id}.txt",
                f"unit {row.unit_id} ({row.start}–{row.end}) lies outside the cleaned text "
                f"({len(text)} characters); rerun the clean stage",
            )
        if row.text and text[row.start : row.end] != row.text:
            raise InputError(
                clean_dir / f"{row.transcript_id}.txt",
                f"unit {row.unit_id}'s text does not match the cleaned text at "
                f"{row.start}–{row.end}; rerun the clean stage",
            )


def _add_variables(root: etree._Element, case_vars: Mapping[str, str], source_vars) -> None:
    variables = _sub(root, "Variables")
    for name, kind, description in [
        *((n, k, "participant attribute (participants.csv)") for n, k in case_vars.items()),
        *source_vars,
    ]:
        var = _sub(
            variables,
            "Variable",
            {"guid": qualflow_guid("variable", name), "name": name, "typeOfVariable": kind},
        )
        _sub(var, "Description", text=description)


def _add_cases(
    root: etree._Element,
    participant_sources: Mapping[str, list[str]],
    participants: pd.DataFrame,
    case_vars: Mapping[str, str],
) -> None:
    by_id = {str(r["participant_id"]): r for _, r in participants.iterrows()}
    cases = _sub(root, "Cases")
    for pid, tids in participant_sources.items():
        case = _sub(cases, "Case", {"guid": qualflow_guid("case", pid), "name": pid})
        row = by_id.get(pid)
        if row is not None:
            for name, kind in case_vars.items():
                _add_variable_value(case, name, kind, row[name])
        for tid in tids:
            _sub(case, "SourceRef", {"targetGUID": qualflow_guid("source", tid)})


def _coding_rows(
    codings: Mapping[str, pd.DataFrame] | None,
    coders: Sequence[str],
    units: pd.DataFrame,
    codebook: pd.DataFrame,
) -> pd.DataFrame:
    """All coders' unit codings joined to their units' offsets, in a fixed order."""
    if not codings:
        return pd.DataFrame(columns=["coder", "unit_id", "code", "memo", "transcript_id"])
    frames = []
    known_codes = set(codebook["code"])
    units_by_id = units.set_index("unit_id")
    for coder, frame in codings.items():
        where = f"codings of {coder}"
        if coder not in coders:
            raise InputError(where, f"coder {coder!r} is not among the coders {list(coders)}")
        missing = [c for c in ("unit_id", "code") if c not in frame.columns]
        if missing:
            raise InputError(where, f"missing column(s) {', '.join(missing)}")
        rows = frame.assign(coder=coder)
        rows["unit_id"] = rows["unit_id"].astype(str)
        rows["memo"] = rows["memo"].where(rows["memo"].notna(), "") if "memo" in rows else ""
        unknown_units = sorted(set(rows["unit_id"]) - set(units_by_id.index))
        if unknown_units:
            raise InputError(where, f"unit(s) not in units.csv: {', '.join(unknown_units[:5])}")
        unknown_codes = sorted(set(rows["code"]) - known_codes)
        if unknown_codes:
            raise InputError(where, f"code(s) not in the codebook: {', '.join(unknown_codes[:5])}")
        frames.append(rows[["coder", "unit_id", "code", "memo"]])
    rows = pd.concat(frames, ignore_index=True)
    rows = rows.join(units_by_id[["transcript_id", "start", "end"]], on="unit_id")
    rows["key"] = rows["transcript_id"].map(_transcript_sort_key)
    rows = rows.sort_values(["key", "start", "end", "coder", "code"], kind="stable")
    return rows.drop(columns="key").reset_index(drop=True)


def _add_selections(source_el: etree._Element, rows: Iterable, text: str) -> None:
    """One ``PlainTextSelection`` per (coder, unit, code) over the unit, end exclusive, named
    with the unit's text (so an importer can check it), memo in ``Description``."""
    for row in rows:
        user = qualflow_guid("user", row.coder)
        key = f"{row.coder}:{row.unit_id}:{row.code}"
        sel = _sub(
            source_el,
            "PlainTextSelection",
            {
                "guid": qualflow_guid("selection", key),
                "name": text[row.start : row.end],
                "startPosition": row.start,
                "endPosition": row.end,
                "creatingUser": user,
            },
        )
        if str(row.memo).strip():
            _sub(sel, "Description", text=str(row.memo).strip())
        coding = _sub(sel, "Coding", {"guid": qualflow_guid("coding", key), "creatingUser": user})
        _sub(coding, "CodeRef", {"targetGUID": qualflow_guid("code", row.code)})


def _transcript_table(
    tids: Sequence[str], units: pd.DataFrame, interviews: pd.DataFrame
) -> pd.DataFrame:
    """One row per transcript: participant, wave and (when known) interview date and length."""
    first = units.drop_duplicates("transcript_id").set_index("transcript_id")
    table = first.loc[list(tids), ["participant_id", "wave"]].astype(str).reset_index()
    interview_columns = [c for c in ("date", "duration_min") if c in interviews.columns]
    if "transcript_id" in interviews.columns and interview_columns:
        extra = interviews.assign(transcript_id=interviews["transcript_id"].astype(str))
        extra = extra.drop_duplicates("transcript_id")[["transcript_id", *interview_columns]]
        extra = extra.rename(columns={"date": "interview_date"})
        table = table.merge(extra, on="transcript_id", how="left")
    return table


def _wave_key(wave: str) -> tuple:
    return (0, int(wave), "") if str(wave).isdigit() else (1, 0, str(wave))


def build_project(
    texts: Mapping[str, str],
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    coders: Sequence[str],
    participants: pd.DataFrame,
    interviews: pd.DataFrame,
    project_name: str = "qualflow study",
    codings: pd.DataFrame | None = None,
    case_variables: Sequence[str] = (),
) -> bytes:
    """The ``project.qde`` XML (UTF-8 bytes) for the study: pure and deterministic.

    ``texts`` maps transcript id → cleaned text; ``units`` are as
    :func:`~qualflow.contracts.check_units` returns them; ``codings`` has one row per coding with
    ``coder, unit_id, code, memo, transcript_id, start, end``. Participants become ``Cases``
    (with the participants.csv columns named in ``case_variables`` as case variables, none by
    default: attributes sent to coders are chosen, not leaked; and their transcripts as
    ``SourceRef``); each
    transcript carries ``participant_id``, ``wave`` and the interview's date and length as
    source variables, and waves become ``Sets`` of sources.
    """
    root = etree.Element(_Q + "Project", nsmap={None: NS})
    root.set("name", project_name)
    root.set("origin", f"qualflow {__version__}")
    if coders:
        users = _sub(root, "Users")
        for coder in coders:
            _sub(users, "User", {"guid": qualflow_guid("user", coder), "name": coder, "id": coder})
    _add_codebook(root, codebook)

    tids = sorted(texts, key=_transcript_sort_key)
    transcripts = _transcript_table(tids, units, interviews)
    missing = [c for c in case_variables if c not in participants.columns]
    if missing:
        raise InputError(
            "participants.csv",
            f"qdpx.case_variables names column(s) {', '.join(map(repr, missing))} that "
            f"participants.csv does not have (it has {', '.join(participants.columns)})",
        )
    case_vars = {
        c: _variable_type(participants[c])
        for c in dict.fromkeys(case_variables)
        if c != "participant_id"
    }
    descriptions = {
        "participant_id": "participant the transcript belongs to",
        "wave": "interview wave",
        "interview_date": "date of the interview (interviews.csv)",
        "duration_min": "length of the interview in minutes (interviews.csv)",
    }
    source_vars = [
        (c, "Text" if c == "participant_id" else _variable_type(transcripts[c]), descriptions[c])
        for c in transcripts.columns
        if c != "transcript_id"
    ]
    _add_variables(root, case_vars, source_vars)
    participant_sources: dict[str, list[str]] = {}
    for row in transcripts.itertuples(index=False):
        participant_sources.setdefault(row.participant_id, []).append(row.transcript_id)
    _add_cases(root, participant_sources, participants, case_vars)

    by_transcript: dict[str, list] = {}
    if codings is not None:
        for row in codings.itertuples(index=False):
            by_transcript.setdefault(row.transcript_id, []).append(row)
    sources = _sub(root, "Sources")
    for _, row in transcripts.iterrows():
        tid = row["transcript_id"]
        guid = qualflow_guid("source", tid)
        source = _sub(
            sources,
            "TextSource",
            {"guid": guid, "name": tid, "plainTextPath": f"internal://{guid}.txt"},
        )
        if tid in by_transcript:
            _add_selections(source, by_transcript[tid], texts[tid])
        for name, kind, _ in source_vars:
            _add_variable_value(source, name, kind, row[name])

    sets = _sub(root, "Sets")
    for wave in sorted(set(transcripts["wave"]), key=_wave_key):
        wave_set = _sub(
            sets, "Set", {"guid": qualflow_guid("set", f"wave {wave}"), "name": f"Wave {wave}"}
        )
        _sub(wave_set, "Description", text=f"transcripts of interview wave {wave}")
        for tid in transcripts.loc[transcripts["wave"] == wave, "transcript_id"]:
            _sub(wave_set, "MemberSource", {"targetGUID": qualflow_guid("source", tid)})
    _sub(root, "Description", text=_PROJECT_NOTE)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


_PROJECT_NOTE = (
    "Cleaned, de-identified transcripts exported by qualflow. Code under your own user, at the "
    "code level (categories and subthemes group codes and are not codable), and do not edit "
    "the transcripts: the character offsets of your codings must stay valid. When done, export "
    "the project as REFI-QDA (.qdpx)."
)


def _write_entry(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    zf.writestr(info, data, compresslevel=6)


def export_study(
    clean_dir: Path,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    coders: Sequence[str],
    participants: pd.DataFrame,
    interviews: pd.DataFrame,
    out_path: Path,
    project_name: str = "qualflow study",
    codings: Mapping[str, pd.DataFrame] | None = None,
    case_variables: Sequence[str] = (),
) -> None:
    """Write the study as a REFI-QDA project (``results/qdpx/study.qdpx``) for the coders.

    Sources are the cleaned texts ``clean_dir/{transcript_id}.txt``, byte for byte, so offsets
    coders make are offsets into the text the pipeline knows. ``codings`` ({coder: unit-level
    codings with ``unit_id``, ``code`` and optional ``memo``}) are added as selections over the
    units under each coder's user. Only the participants.csv columns in ``case_variables`` go
    out as case variables (``qdpx.case_variables``). For one coder's own project pass just that
    coder: QDA tools make the first ``User`` the current coder. The XML is validated against
    ``Project.xsd`` before the archive is written (atomically, with fixed zip dates, so
    re-exports are byte-identical).
    """
    clean_dir, out_path = Path(clean_dir), Path(out_path)
    units = check_units(units)
    tids = sorted(set(units["transcript_id"]), key=_transcript_sort_key)
    texts = {tid: _read_clean_text(clean_dir / f"{tid}.txt") for tid in tids}
    _check_unit_offsets(units, texts, clean_dir)
    rows = _coding_rows(codings, list(coders), units, codebook) if codings else None
    qde = build_project(
        texts,
        units,
        codebook,
        list(coders),
        participants,
        interviews,
        project_name,
        rows,
        case_variables=list(case_variables),
    )
    _check_schema(_parse_xml(qde, "project.qde (export)"), "project.qde (export)")
    with atomic_path(out_path) as tmp:
        with zipfile.ZipFile(tmp, "w") as zf:
            _write_entry(zf, "project.qde", qde)
            for tid in tids:
                guid = qualflow_guid("source", tid)
                _write_entry(zf, f"sources/{guid}.txt", texts[tid].encode("utf-8"))
    n_codings = 0 if rows is None else len(rows)
    log.info("qdpx: wrote %s (%d transcripts, %d codings)", out_path, len(tids), n_codings)


# --------------------------------------------------------------------------------------------
# Import: coded project → spans over the cleaned texts
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Reading:
    """One way of reading positions: end convention, CRLF counted as two, UTF-16 units."""

    end: str
    crlf_two: bool = False
    utf16: bool = False

    def describe(self) -> str:
        extras = [x for x, on in (("CRLF=2", self.crlf_two), ("UTF-16", self.utf16)) if on]
        return self.end + (f" ({', '.join(extras)})" if extras else "")


class _ToolText:
    """A source's text as the tool had it, with maps from the tool's positions to ours.

    ``norm`` is the text with CRLF → LF: the coordinates qualflow's cleaned texts use. A tool
    may count CRLF as two characters and characters beyond U+FFFF as two (UTF-16) units.
    """

    def __init__(self, raw: str) -> None:
        self.raw = raw
        self.norm = raw.replace("\r\n", "\n")
        self.has_crlf = "\r\n" in raw
        self.has_astral = _ASTRAL.search(raw) is not None
        self._maps: dict[tuple[bool, bool], list[int]] = {}

    def _map(self, crlf_two: bool, utf16: bool) -> list[int]:
        key = (crlf_two, utf16)
        if key not in self._maps:
            positions: list[int] = []
            norm_index, i = 0, 0
            while i < len(self.raw):
                ch = self.raw[i]
                if ch == "\r" and self.raw.startswith("\r\n", i):
                    positions.extend([norm_index] * (2 if crlf_two else 1))
                    i += 2
                else:
                    positions.extend([norm_index] * (2 if utf16 and ord(ch) > 0xFFFF else 1))
                    i += 1
                norm_index += 1
            positions.append(norm_index)
            self._maps[key] = positions
        return self._maps[key]

    def to_norm(self, start: int, end: int, reading: _Reading) -> tuple[int, int] | None:
        """The selection as ``[start, end)`` in ``norm``; None when it lies outside the text."""
        if not (self.has_crlf and reading.crlf_two) and not (self.has_astral and reading.utf16):
            positions = None
            size = len(self.norm)
        else:
            positions = self._map(reading.crlf_two, reading.utf16)
            size = len(positions) - 1
        last = end if reading.end == "exclusive" else end + 1
        if start < 0 or last < start or last > size:
            return None
        if positions is None:
            return start, last
        if reading.end == "inclusive" and end >= start:
            return positions[start], positions[end] + 1
        return positions[start], positions[last]


def _squash(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _name_evidence(name: str | None, text: str) -> int:
    """How the selection's ``name`` bears on ``text``: 2 exact, 1 same words, 0 no evidence or
    a truncated prefix, -1 contradicts."""
    if not name or not name.strip():
        return 0
    if name == text:
        return 2
    squashed_name, squashed_text = _squash(name), _squash(text)
    if squashed_name == squashed_text:
        return 1
    for marker in _TRUNCATION:
        if squashed_name.endswith(marker):
            stem = squashed_name[: -len(marker)].rstrip()
            return 0 if squashed_text.startswith(stem) else -1
    return -1


def _on_boundary(text: str, pos: int) -> bool:
    return pos <= 0 or pos >= len(text) or not (text[pos - 1].isalnum() and text[pos].isalnum())


@dataclass
class _Item:
    """One coded selection on its way to spans."""

    selection: Selection
    source: Source
    transcript_id: str
    tool_text: _ToolText
    clean: str


def _snippet(text: str, width: int = 40) -> str:
    text = text.replace("\n", "⏎")
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def _candidate_readings(items: Sequence[_Item], end_position: str) -> list[_Reading]:
    ends = ("exclusive", "inclusive") if end_position == "auto" else (end_position,)
    crlf = (False, True) if any(i.tool_text.has_crlf for i in items) else (False,)
    utf16 = (False, True) if any(i.tool_text.has_astral for i in items) else (False,)
    return [_Reading(e, c, u) for e, c, u in product(ends, crlf, utf16)]


def _score(items: Sequence[_Item], reading: _Reading) -> tuple[int, int, int]:
    """(contradictions, name confirmations, ends on word boundaries) of a reading."""
    contradictions = confirmations = boundaries = 0
    for item in items:
        sel = item.selection
        span = item.tool_text.to_norm(sel.start, sel.end, reading)
        if span is None:
            contradictions += 1
            continue
        s, e = span
        evidence = _name_evidence(sel.name, item.tool_text.norm[s:e])
        contradictions += evidence < 0
        confirmations += max(evidence, 0)
        boundaries += _on_boundary(item.tool_text.norm, s) + _on_boundary(item.tool_text.norm, e)
    return contradictions, confirmations, boundaries


def _choose_reading(items: Sequence[_Item], end_position: str, where: str) -> tuple[_Reading, str]:
    """The reading the evidence supports best, and what decided it: fewest contradictions
    (selections outside the text or whose name disagrees), then most selection names
    confirming it, then most selections on word boundaries (coders select whole words), then
    the plain reading (exclusive end, CRLF as one character, code points)."""
    candidates = _candidate_readings(items, end_position)
    if len(candidates) == 1 or not items:
        return candidates[0], "forced" if end_position != "auto" else "no selections"
    scored = []
    for order, reading in enumerate(candidates):
        contradictions, confirmations, boundaries = _score(items, reading)
        scored.append(((-contradictions, confirmations, boundaries, -order), reading))
    scored.sort(key=lambda pair: pair[0], reverse=True)
    (best_key, best), (second_key, _) = scored[0], scored[1]
    reasons = ["fewer contradictions", "selection names", "word boundaries", "default"]
    decided = next(r for r, a, b in zip(reasons, best_key, second_key, strict=True) if a != b)
    log.info("%s: positions read as %s (decided by %s)", where, best.describe(), decided)
    return best, decided


def _resolve_users(
    project: Project,
    coders: Mapping[str, str] | Sequence[str] | None,
    used: Iterable[str | None],
    where: str,
    coder: str | None = None,
) -> dict[str | None, str]:
    """Map each creating-user GUID used by a coding to a qualflow coder name.

    A user matches a coder whose target (``coders[coder]``: a user name, id or GUID; by
    default the coder's own name) names it. When several coders match, the coder whose file
    this is (``coder``) wins, then a coder mapped explicitly (target other than their own name):
    an explicit mapping beats name matching. Codings that name no user belong to the single
    coder given, or to ``coder`` when no coding in the project names a user (a one-coder
    project, as NVivo 12 writes them).
    """
    if coders is None:
        wanted: dict[str, list[str]] = {}
    elif isinstance(coders, Mapping):
        wanted = {name: [str(v)] for name, v in coders.items()}
    else:
        wanted = {name: [name] for name in coders}
    if coder is not None and wanted and coder not in wanted:
        wanted[coder] = [coder]

    def matches(user: User, target: str) -> bool:
        if _norm_guid(target) == _norm_guid(user.guid):
            return True
        key = canonical_key(target)
        return key in (canonical_key(user.name), canonical_key(user.id)) and key != ""

    def explicit(name: str) -> bool:
        return any(canonical_key(t) != canonical_key(name) for t in wanted[name])

    used = set(used)
    out: dict[str | None, str] = {}
    for guid in sorted(used, key=lambda g: g or ""):
        if guid is None:
            if len(wanted) == 1:
                out[None] = next(iter(wanted))
                continue
            if coder is not None and used == {None}:
                out[None] = coder
                continue
            if coders is None and len(project.users) == 1:
                only = project.users[0]
                out[None] = only.name or only.guid
                continue
            raise InputError(
                where,
                "some codings name no creating user and others do, so their coder is unknown; "
                "code under a user in the QDA software"
                if coder is not None
                else "a coding names no creating user, so its coder is unknown; code under a "
                "user, or give the coder a project of their own (codings without a user in a "
                "coder's own file are that coder's)",
                element="PlainTextSelection/Coding/@creatingUser",
            )
        user = project.user(guid)
        if user is None:
            raise InputError(
                where, f"creatingUser {guid} is not among the project's Users", element="Users"
            )
        if not wanted:
            out[guid] = user.name or user.guid
            continue
        hits = [c for c, targets in wanted.items() if any(matches(user, t) for t in targets)]
        label = f"{user.name!r} ({user.guid})" if user.name else user.guid
        if not hits:
            raise InputError(
                where,
                f"user {label} coded in this project but matches none of the coders "
                f"{', '.join(map(repr, wanted))}; rename the user in the QDA software or map it "
                "to a coder",
                element=f"Users/User[@guid={user.guid!r}]",
            )
        if len(hits) > 1 and coder in hits:
            hits = [coder]
        if len(hits) > 1 and sum(map(explicit, hits)) == 1:
            hits = [h for h in hits if explicit(h)]
        if len(hits) > 1:
            raise InputError(
                where,
                f"user {label} matches several coders: {', '.join(hits)}; map it to one coder "
                "with qda_users",
                element=f"Users/User[@guid={user.guid!r}]",
            )
        out[guid] = hits[0]
    return out


@dataclass(frozen=True)
class _BookEntry:
    level: str  # code | subtheme | category
    name: str


def _codebook_index(codebook: pd.DataFrame) -> tuple[dict[str, _BookEntry], dict]:
    """GUID → entry (our exported GUIDs) and canonical name/label key → set of entries."""
    by_guid: dict[str, _BookEntry] = {}
    by_key: dict[str, dict[str, set[_BookEntry]]] = {"code": {}, "subtheme": {}, "category": {}}
    for row in codebook.itertuples(index=False):
        entries = {
            "code": (
                _BookEntry("code", row.code),
                qualflow_guid("code", row.code),
                (row.code, row.code_label),
            ),
            "subtheme": (
                _BookEntry("subtheme", row.subtheme),
                qualflow_guid("subtheme", f"{row.category}/{row.subtheme}"),
                (row.subtheme, row.subtheme_label),
            ),
            "category": (
                _BookEntry("category", row.category),
                qualflow_guid("category", row.category),
                (row.category, row.category_label),
            ),
        }
        for level, (entry, guid, names) in entries.items():
            by_guid[guid] = entry
            for name in names:
                by_key[level].setdefault(canonical_key(name), set()).add(entry)
    return by_guid, by_key


def _match_codes(
    project: Project,
    codebook: pd.DataFrame,
    where: str,
    code_aliases: Mapping[str, str] | None = None,
) -> tuple[dict[str, _BookEntry], list[Code]]:
    """Project code GUID → codebook entry, by GUID first, then by name or label; and the codes
    ignored because no coding applies them.

    Every code a coding applies must be in the codebook (as a code, subtheme or category);
    applied codes that match nothing are listed in one error. A code nobody applied (created in
    the tool and left empty, or a grouping folder of the tool's own) carries no data: it is
    ignored and reported, not an error.
    """
    by_guid, by_key = _codebook_index(codebook)
    current = set(codebook["code"])
    for old, new in (code_aliases or {}).items():
        if new in current and old not in current:  # a renamed or merged code's former name
            by_guid.setdefault(qualflow_guid("code", old), _BookEntry("code", new))
            by_key["code"].setdefault(canonical_key(old), {_BookEntry("code", new)})
    case_guids = {_norm_guid(c.guid) for c in project.cases}
    applied = {_norm_guid(c.code_guid) for s in project.selections for c in s.codings}
    matched: dict[str, _BookEntry] = {}
    unknown: list[Code] = []
    ignored: list[Code] = []
    for code in project.codes:
        guid = _norm_guid(code.guid)
        if guid in case_guids:
            continue  # some tools mirror cases as codes with the case's GUID
        entry = by_guid.get(guid)
        if entry is None:
            key = canonical_key(code.name)
            for level in ("code", "subtheme", "category"):
                hits = by_key[level].get(key, set())
                if len(hits) > 1 and guid in applied:
                    names = ", ".join(sorted(h.name for h in hits))
                    raise InputError(
                        where,
                        f"code {'/'.join(code.path)!r} matches several {level}s ({names})",
                        line=code.line,
                        element=code.element,
                    )
                if len(hits) == 1:
                    entry = next(iter(hits))
                    break
        if entry is not None:
            matched[guid] = entry
        elif guid in applied:
            unknown.append(code)
        else:
            ignored.append(code)
    if unknown:
        shown = ", ".join(repr("/".join(c.path)) for c in unknown[:8])
        more = f" and {len(unknown) - 8} more" if len(unknown) > 8 else ""
        raise InputError(
            where,
            f"{len(unknown)} code(s) applied in the project are not in the codebook: "
            f"{shown}{more}; add them to codebook.yaml (or rename them there with changes:) or "
            "remove their codings from the project",
            line=unknown[0].line,
            element=unknown[0].element if len(unknown) == 1 else "CodeBook",
        )
    if ignored:
        log.warning(
            "%s: %d code(s) not in the codebook and never applied, ignored: %s",
            where,
            len(ignored),
            ", ".join(repr("/".join(c.path)) for c in ignored[:8]),
        )
    return matched, ignored


def _transcript_of(source: Source, by_guid: Mapping[str, str], known: set[str]) -> str | None:
    """The transcript a source holds: by qualflow's GUID, else by name (``50004_2[.txt]``)."""
    tid = by_guid.get(_norm_guid(source.guid))
    if tid is not None:
        return tid
    name = source.name.strip()
    if name.lower().endswith(_SOURCE_SUFFIXES):
        name = name.rsplit(".", 1)[0]
    return name if name in known else None


def _memo(selection: Selection, coding: Coding, notes: Mapping[str, str]) -> str:
    if selection.description:
        return selection.description
    refs = (*selection.note_refs, *coding.note_refs)
    texts = [notes.get(_norm_guid(r), "") for r in refs]
    return "\n\n".join(t for t in texts if t)


def _read_clean_text(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "cleaned transcript not found") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(path, f"not UTF-8 ({err.reason})") from None


def _coded_items(project: Project, clean_dir: Path, where: str) -> list[_Item]:
    known = {p.stem for p in clean_dir.glob("*.txt")}
    by_guid = {qualflow_guid("source", tid): tid for tid in known}
    sources = {_norm_guid(s.guid): s for s in project.sources}
    transcript_of: dict[str, str] = {}
    clean_texts: dict[str, str] = {}
    tool_texts: dict[str, _ToolText] = {}
    items = []
    for sel in project.selections:
        if not sel.codings:
            continue  # an annotation, not a coding
        source = sources[_norm_guid(sel.source_guid)]
        if source.guid not in transcript_of:
            tid = _transcript_of(source, by_guid, known)
            if tid is None:
                raise InputError(
                    where,
                    f"source {source.name!r} ({source.guid}) matches no cleaned transcript in "
                    f"{clean_dir} (by GUID or by name such as 50004_2)",
                    line=source.line,
                    element=source.element,
                )
            transcript_of[source.guid] = tid
        tid = transcript_of[source.guid]
        if tid not in clean_texts:
            clean_texts[tid] = _read_clean_text(clean_dir / f"{tid}.txt")
        if source.guid not in tool_texts:
            if source.text is not None and not source.text.strip() and clean_texts[tid].strip():
                raise InputError(
                    where,
                    f"source {source.name!r}'s text in the project ({source.origin}) is empty "
                    f"({len(source.text)} character(s)) and "
                    + (
                        f"its rich text ({source.rich}) holds none either"
                        if source.rich
                        else "the project carries no other copy (no .docx in richTextPath)"
                    )
                    + f", so its selections cannot be checked against {tid}.txt; export the "
                    "project again with its sources' text",
                    line=source.line,
                    element=source.element,
                )
            own = source.text if source.text is not None else clean_texts[tid]
            tool_texts[source.guid] = _ToolText(own)
        items.append(_Item(sel, source, tid, tool_texts[source.guid], clean_texts[tid]))
    return items


def _locate(item: _Item, reading: _Reading, where: str) -> tuple[int, int]:
    """The selection's ``[start, end)`` in the cleaned text; InputError naming the selection
    when it lies outside its source or selects no text."""
    sel, tool = item.selection, item.tool_text
    span = tool.to_norm(sel.start, sel.end, reading)
    if span is not None and span[0] < span[1]:
        return span
    problem = (
        f"lies outside source {item.source.name!r} ({len(tool.norm)} characters)"
        if span is None
        else f"selects no text in source {item.source.name!r}"
    )
    raise InputError(
        where,
        f"selection {sel.guid} ({sel.start}–{sel.end}, endPosition {reading.end}) {problem}",
        line=sel.line,
        element=sel.element,
    )


def _drift(item: _Item, span: tuple[int, int]) -> str | None:
    """Why the selection's text differs from the cleaned text at ``span`` (None if it agrees).

    The source's own text in the project is the evidence when the project carries it (the name
    may be a label a coder gave the quotation); otherwise the selection's ``name``.
    """
    s, e = span
    clean = item.clean[s:e] if e <= len(item.clean) else None
    if item.source.text is not None:
        theirs = item.tool_text.norm[s:e]
        if clean is None or theirs != clean:
            return f"the project's source has {_snippet(theirs)}"
        return None
    if clean is None:
        return "it ends beyond the cleaned text"
    if _name_evidence(item.selection.name, clean) < 0:
        return f"the selection is named {_snippet(item.selection.name or '')}"
    return None


def _sorted_spans(rows: list[dict]) -> pd.DataFrame:
    spans = pd.DataFrame(rows, columns=SPAN_COLUMNS)
    if spans.empty:
        return spans.astype({"start": "int64", "end": "int64"})
    spans["_key"] = spans["transcript_id"].map(_transcript_sort_key)
    spans = spans.sort_values(["coder", "_key", "start", "end", "code", "memo"], kind="stable")
    spans = spans.drop(columns="_key").reset_index(drop=True)
    return spans.astype({"start": "int64", "end": "int64"})


def read_spans(
    path: Path,
    codebook: pd.DataFrame,
    clean_dir: Path,
    coders: Mapping[str, str] | Sequence[str] | None = None,
    end_position: str = "auto",
    *,
    coder: str | None = None,
    code_aliases: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Codings of a REFI-QDA project as spans over the cleaned texts.

    Returns ``coder, transcript_id, code, start, end, memo`` (end exclusive), one row per
    coding, sorted. Coders come from each coding's creating user, matched to ``coders``
    (qualflow coder → user name or GUID, or a list of names; case- and space-insensitive);
    codes by GUID (projects qualflow exported) or by name; sources by GUID or by name
    (``50004_2``, ``50004_2.txt``). Every selection's text is compared with the cleaned text at
    its offsets: an edited source stops the import with an InputError naming the selection.
    ``end_position`` is ``auto`` (detect), ``exclusive`` or ``inclusive``. The reading used is
    in ``spans.attrs["qdpx_reading"]``. ``coder`` is the coder whose file this is: a user
    matching several coders is theirs, and a project whose codings name no user is theirs.
    Codes not in the codebook that no coding applies are ignored and listed (tree paths) in
    ``spans.attrs["qdpx_unused_codes"]``. ``code_aliases`` (former code name → current
    code, from the codebook's ``changes:``) lets a project exported before a rename or merge
    match its codes by their old GUID or name.
    """
    if end_position not in END_POSITION_MODES:
        raise ValueError(f"end_position must be one of {END_POSITION_MODES}, not {end_position!r}")
    path, clean_dir = Path(path), Path(clean_dir)
    if not clean_dir.is_dir():
        raise InputError(clean_dir, "folder of cleaned transcripts not found")
    project = read_project(path)
    where = str(path)
    codes, ignored = _match_codes(project, codebook, where, code_aliases)
    case_guids = {_norm_guid(c.guid) for c in project.cases}
    items = _coded_items(project, clean_dir, where)

    def coding_user(item: _Item, coding: Coding) -> str | None:
        return coding.creating_user or item.selection.creating_user

    users = _resolve_users(
        project,
        coders,
        (coding_user(i, c) for i in items for c in i.selection.codings),
        where,
        coder,
    )
    reading, decided_by = _choose_reading(items, end_position, where)
    rows, drifted = [], []
    for item in items:
        span = _locate(item, reading, where)
        problem = _drift(item, span)
        if problem:
            drifted.append((item, span, problem))
            continue
        for coding in item.selection.codings:
            guid = _norm_guid(coding.code_guid)
            if guid in case_guids:
                continue
            entry = codes.get(guid)
            if entry is None:
                raise InputError(
                    where,
                    f"CodeRef {coding.code_guid} points to no code in the project's codebook",
                    line=coding.line,
                    element=f"{coding.element}/CodeRef",
                )
            if entry.level != "code":
                code = project.code(coding.code_guid)
                raise InputError(
                    where,
                    f"selection {item.selection.guid} is coded with {entry.level} "
                    f"{'/'.join(code.path)!r}; code with the codes under it",
                    line=coding.line,
                    element=coding.element,
                )
            rows.append(
                {
                    "coder": users[coding_user(item, coding)],
                    "transcript_id": item.transcript_id,
                    "code": entry.name,
                    "start": span[0],
                    "end": span[1],
                    "memo": _memo(item.selection, coding, project.notes),
                }
            )
    if drifted:
        item, (s, e), problem = drifted[0]
        more = f" ({len(drifted) - 1} more selection(s) differ too)" if len(drifted) > 1 else ""
        raise InputError(
            where,
            f"selection {item.selection.guid} on source {item.source.name!r} does not match "
            f"transcript {item.transcript_id} at {s}–{e}: {problem} but "
            f"{item.transcript_id}.txt has {_snippet(item.clean[s:e])}; the source was edited "
            f"after export, so its offsets cannot be trusted{more}",
            line=item.selection.line,
            element=item.selection.element,
        )
    spans = _sorted_spans(rows)
    spans.attrs["qdpx_reading"] = {
        "end_position": reading.end,
        "crlf_counted_twice": reading.crlf_two,
        "utf16_units": reading.utf16,
        "decided_by": decided_by,
        "n_selections": len(items),
    }
    spans.attrs["qdpx_unused_codes"] = ["/".join(c.path) for c in ignored]
    return spans


# --------------------------------------------------------------------------------------------
# Config: a coder's entry under ``coders:``
# --------------------------------------------------------------------------------------------


def coder_files(entry: object, coder: str = "?") -> list[tuple[str, str | None]]:
    """A coder's entry under ``coders:`` in config.yaml as ``[(file, qda_user or None), ...]``.

    The entry is a file name, a ``{file: ..., qda_user: ...}`` mapping (the user under which
    the coder coded in QDA software, e.g. a project exported under someone else's name), or a
    list of either (a coder's work in several files).
    """
    items = entry if isinstance(entry, list) else [entry]
    out: list[tuple[str, str | None]] = []
    for item in items:
        if isinstance(item, str) and item.strip():
            out.append((item, None))
        elif isinstance(item, Mapping) and isinstance(item.get("file"), str) and item["file"]:
            extra = sorted(set(item) - {"file", "qda_user"})
            user = item.get("qda_user")
            if extra or (user is not None and not (isinstance(user, str) and user.strip())):
                raise InputError(
                    "config.yaml",
                    f"coders: {coder}: a file entry takes 'file' and 'qda_user' (a user name "
                    f"or GUID), not {dict(item)!r}",
                )
            out.append((item["file"], user))
        else:
            raise InputError(
                "config.yaml",
                f"coders: {coder}: expected a file name, {{file: ..., qda_user: ...}} or a list "
                f"of them, not {item!r}",
            )
    if not out:
        raise InputError("config.yaml", f"coders: {coder}: no file given")
    return out


def qda_user_map(
    coders: Mapping[str, object], qda_users: Mapping[str, str] | None = None
) -> dict[str, str]:
    """Coder → the QDA user to match in REFI-QDA projects: ``qda_users:`` first, else the
    ``qda_user`` of the coder's file entries, else the coder's own name."""
    out = {}
    for coder, entry in coders.items():
        named = {u for _, u in coder_files(entry, coder) if u is not None}
        if (qda_users or {}).get(coder):
            out[coder] = str(qda_users[coder])
        elif len(named) > 1:
            raise InputError(
                "config.yaml",
                f"coders: {coder}: files name different qda_user values "
                f"({', '.join(sorted(named))}); one coder codes under one user (or set "
                f"qda_users: {{{coder}: ...}})",
            )
        else:
            out[coder] = named.pop() if named else coder
    return out


__all__ = [
    "Case",
    "Code",
    "Coding",
    "Project",
    "QUALFLOW_NAMESPACE",
    "SPAN_COLUMNS",
    "Selection",
    "Source",
    "User",
    "build_project",
    "coder_files",
    "export_study",
    "qda_user_map",
    "qualflow_guid",
    "read_project",
    "read_spans",
    "validate_project",
]
