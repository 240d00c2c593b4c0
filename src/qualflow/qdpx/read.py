"""Reading a .qdpx/.qde project (zip and XML checked entry by entry) into the data classes."""

from __future__ import annotations

import re
import zipfile
from os import PathLike
from pathlib import Path

from lxml import etree

from qualflow.errors import InputError
from qualflow.qdpx.model import (
    QNAME,
    Case,
    Code,
    Coding,
    Project,
    Selection,
    Source,
    User,
    norm_guid,
)
from qualflow.qdpx.xml import check_schema, parse_xml


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _children(el: etree._Element, name: str) -> list[etree._Element]:
    return [c for c in el if isinstance(c.tag, str) and c.tag == QNAME + name]


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
        root = parse_xml(container.qde, container.qde_where)
        check_schema(root, container.qde_where)
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
            notes[norm_guid(note.get("guid"))] = text.strip()
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
        coded = [c for c in src.iter(QNAME + "Coding")]
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
    check_schema(parse_xml(data, where), where)
