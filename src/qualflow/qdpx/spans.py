"""A coded project's selections as spans of the cleaned texts: offsets read the way the tool wrote
them, checked against the text.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import pandas as pd

from qualflow.clean.bundle import read_clean_text
from qualflow.codebook.read import canonical_key
from qualflow.contracts import SPAN_COLUMNS
from qualflow.errors import InputError
from qualflow.qdpx.model import (
    Code,
    Coding,
    Project,
    Selection,
    Source,
    User,
    norm_guid,
    qualflow_guid,
    transcript_sort_key,
)
from qualflow.qdpx.read import read_project

log = logging.getLogger(__name__)


END_POSITION_MODES = ("auto", "exclusive", "inclusive")

_SOURCE_SUFFIXES = (".txt", ".docx", ".doc", ".rtf", ".odt", ".pdf", ".vtt", ".srt")

_TRUNCATION = ("...", "…")

_ASTRAL = re.compile("[\U00010000-\U0010ffff]")


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
        if norm_guid(target) == norm_guid(user.guid):
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
    case_guids = {norm_guid(c.guid) for c in project.cases}
    applied = {norm_guid(c.code_guid) for s in project.selections for c in s.codings}
    matched: dict[str, _BookEntry] = {}
    unknown: list[Code] = []
    ignored: list[Code] = []
    for code in project.codes:
        guid = norm_guid(code.guid)
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
    tid = by_guid.get(norm_guid(source.guid))
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
    texts = [notes.get(norm_guid(r), "") for r in refs]
    return "\n\n".join(t for t in texts if t)


def _coded_items(project: Project, clean_dir: Path, where: str) -> list[_Item]:
    known = {p.stem for p in clean_dir.glob("*.txt")}
    by_guid = {qualflow_guid("source", tid): tid for tid in known}
    sources = {norm_guid(s.guid): s for s in project.sources}
    transcript_of: dict[str, str] = {}
    clean_texts: dict[str, str] = {}
    tool_texts: dict[str, _ToolText] = {}
    items = []
    for sel in project.selections:
        if not sel.codings:
            continue  # an annotation, not a coding
        source = sources[norm_guid(sel.source_guid)]
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
            clean_texts[tid] = read_clean_text(clean_dir / f"{tid}.txt")
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
    spans["_key"] = spans["transcript_id"].map(transcript_sort_key)
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
    case_guids = {norm_guid(c.guid) for c in project.cases}
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
            guid = norm_guid(coding.code_guid)
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
