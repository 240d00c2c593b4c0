"""The REFI-QDA project as plain data classes (users, codes, sources, selections, codings, cases);
names → stable GUIDs.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from qualflow.study import TRANSCRIPT_ID

NS = "urn:QDA-XML:project:1.0"

QNAME = f"{{{NS}}}"

#: Fixed namespace for qualflow's uuid5 GUIDs: same object name, same GUID, in every export.
QUALFLOW_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:qualflow:refi-qda:1.0")


def qualflow_guid(kind: str, name: str) -> str:
    """Deterministic GUID of a qualflow object (``kind`` e.g. ``code``, ``name`` its id)."""
    return str(uuid.uuid5(QUALFLOW_NAMESPACE, f"{kind}:{name}"))


def norm_guid(guid: str | None) -> str:
    return (guid or "").strip().strip("{}").lower()


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
        wanted = norm_guid(guid)
        return next((u for u in self.users if norm_guid(u.guid) == wanted), None)

    def code(self, guid: str) -> Code | None:
        wanted = norm_guid(guid)
        return next((c for c in self.codes if norm_guid(c.guid) == wanted), None)

    def source(self, guid: str) -> Source | None:
        wanted = norm_guid(guid)
        return next((s for s in self.sources if norm_guid(s.guid) == wanted), None)


def transcript_sort_key(transcript_id: str) -> tuple:
    match = TRANSCRIPT_ID.match(str(transcript_id))
    if match:
        return (0, int(match["participant"]), int(match["wave"]), "")
    return (1, 0, 0, str(transcript_id))


def wave_key(wave: str) -> tuple:
    return (0, int(wave), "") if str(wave).isdigit() else (1, 0, str(wave))
