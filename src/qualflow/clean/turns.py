"""Speaker labels to turns, and the transcriber's markers (timestamps, [inaudible], …) taken out of
the text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from qualflow.clean.formats import BRACKETED_TIME_STAMP, TIME_STAMP, RawDocument, RawLine
from qualflow.contracts import SPEAKERS
from qualflow.errors import InputError

if TYPE_CHECKING:
    from qualflow.clean.deid import Redactor


_TS_BARE = r"(?<![\w:.])\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?(?![\w:])"


# A speaker label: one or two words (the first a letter, e.g. "Int.", "Speaker 2", "Dr Tan") or
# a numeric participant id, then an optional bracketed timestamp, then ':' (not "10:30", "http:/").
_LABEL_LINE = re.compile(
    rf"^(?P<lead>(?:(?:\[[^\[\]]{{1,60}}\]|\(\s*{TIME_STAMP}\s*\)|{_TS_BARE})\s*)*)"
    r"(?P<label>[^\W\d_][\w'.\-]*(?: [^\W_][\w'.\-]*)?|\d{3,})"
    rf"\s*(?P<stamp>{BRACKETED_TIME_STAMP})?\s*:(?![\d/])\s*(?P<rest>.*)$"
)


def label_key(label: str) -> str:
    """How labels are compared: case-folded, single-spaced, without a trailing ``.`` or ``:``."""
    return " ".join(label.split()).rstrip(".:").rstrip().casefold()


def speaker_aliases(
    speakers: Mapping[str, Sequence[str]], participant_id: int | None = None
) -> dict[str, str]:
    """``{label_key: "interviewer" | "participant"}`` from config's ``speakers``; the
    participant's own numeric id is always a participant label."""
    unknown = set(speakers) - set(SPEAKERS)
    if unknown:
        raise InputError(
            "config.yaml", f"speakers has unknown role(s) {sorted(unknown)}; use {SPEAKERS}"
        )
    aliases: dict[str, str] = {}
    for role in SPEAKERS:
        for alias in speakers.get(role, []):
            key = label_key(str(alias))
            if aliases.get(key, role) != role:
                raise InputError(
                    "config.yaml",
                    f"speaker label {alias!r} is listed as interviewer and participant",
                )
            aliases[key] = role
    if participant_id is not None:
        aliases[str(participant_id)] = "participant"
    return aliases


@dataclass
class Turn:
    """One speaker turn as parsed: its role, label as written, first line and text parts."""

    speaker: str
    label: str
    line: int
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(p for p in self.parts if p)


@dataclass
class ParsedTranscript:
    """Turns of one transcript plus what parsing did (for the cleaning report)."""

    turns: list[Turn]
    labels: dict[str, str]  # label as written → role, in order of first use
    n_header_lines: int
    n_wrapped_lines_joined: int


@dataclass(frozen=True)
class _Line:
    number: int
    start: bool
    known: str | None  # role of a recognised label
    label: str | None  # label-shaped prefix as written (known or not)
    body: str  # the line's text after a recognised label (all of it otherwise)


def _classify(line: RawLine, aliases: Mapping[str, str]) -> _Line:
    time = f"[{line.time}] " if line.time else ""
    if line.voice is not None:
        role = aliases.get(label_key(line.voice))
        return _Line(line.number, True, role, line.voice, time + line.text)
    match = _LABEL_LINE.match(line.text)
    if match is not None:
        label = match["label"]
        role = aliases.get(label_key(label))
        if role is not None:
            pieces = (time, match["lead"], match["stamp"], match["rest"])
            body = " ".join(p.strip() for p in pieces if p and p.strip())
            return _Line(line.number, line.start, role, label, body)
        if not (label[0].isupper() or label[0].isdigit()):
            match = None
    if line.bold is not None and line.rest is not None:
        role = aliases.get(label_key(line.bold))
        if role is not None:
            body = f"{time}{line.rest.lstrip(':').strip()}".strip()
            return _Line(line.number, line.start, role, line.bold, body)
    label = match["label"] if match is not None else None
    return _Line(line.number, line.start, None, label, time + line.text)


def parse_turns(
    document: RawDocument,
    speakers: Mapping[str, Sequence[str]],
    participant_id: int | None = None,
    redactor: Redactor | None = None,
) -> ParsedTranscript:
    """Split a raw transcript into speaker turns.

    A line that starts with a known label (case-insensitive, trailing ``:``; the participant's
    id counts) starts a turn. A line without one continues the current turn (a wrapped line,
    joined with one space), or, before the first turn, belongs to the header, which is dropped
    (it may hold names). A label-shaped prefix that is not a known alias is an error where it
    must be a label: at the start of a paragraph, or on any line of a file whose turns are one
    line each — elsewhere (``Honestly: it was hard`` inside a wrapped turn) it is text.
    In subtitle formats consecutive cues of one speaker join into one turn.
    ``redactor`` only masks names in error messages.
    """
    aliases = speaker_aliases(speakers, participant_id)
    lines = [_classify(line, aliases) for line in document.lines if line.text]
    one_line_turns = _turns_are_one_line(lines)
    turns: list[Turn] = []
    labels: dict[str, str] = {}
    header = joined = 0
    for line in lines:
        if line.known is not None:
            labels.setdefault(line.label, line.known)
            if document.merge_same_speaker and turns and turns[-1].speaker == line.known:
                turns[-1].parts.append(line.body)
                joined += 1
            else:
                turns.append(Turn(line.known, line.label, line.number, [line.body]))
            continue
        if line.label is not None and (line.start or (one_line_turns and turns)):
            raise _unknown_label(document, line, redactor)
        if turns:
            turns[-1].parts.append(line.body)
            joined += 1
        else:
            header += 1
    if not turns:
        first = lines[0].number if lines else None
        raise InputError(
            document.path,
            "no recognisable speaker label (expected lines starting with e.g. 'Interviewer:' "
            "or 'Participant:'; add the labels this file uses to `speakers` in config.yaml)",
            line=first,
        )
    return ParsedTranscript(turns, labels, header, joined)


def _turns_are_one_line(lines: list[_Line]) -> bool:
    """True when, after the first labelled line, no line continues the line before it."""
    started = False
    for line in lines:
        if started and line.label is None and not line.start:
            return False
        started = started or line.known is not None
    return True


def _unknown_label(document: RawDocument, line: _Line, redactor: Redactor | None) -> InputError:
    label = redactor.mask(line.label) if redactor is not None else line.label
    where = "" if document.unit == "line" else f" ({document.unit} {line.number})"
    return InputError(
        document.path,
        f"unknown speaker label {label + ':'!r}{where}; if it is a speaker, add it to `speakers` "
        "(interviewer or participant) in config.yaml",
        line=line.number,
    )


_NOTE_WORDS = {
    "inaudible": r"inaudible|unintelligible|indistinct|incomprehensible|unclear",
    "crosstalk": r"cross[- ]?talk|overlapping|over[- ]?talk\w*|talking over|simultaneous speech",
    "laughter": r"laugh\w*|chuckl\w*|giggl\w*",
    "pause": r"(?:long |short |brief )?paus\w*|silence",
    "other": r"cough\w*|sigh\w*|clears? (?:her |his |their )?throat|clearing throat"
    r"|cr(?:y|ies|ying)|tearful|sniff\w*|phone ring\w*|door \w+|knock\w*"
    r"|background noise|noise|interrupt\w*"
    r"|recording (?:paused|stopped|resumed|resumes|ends|ended|starts|started)|audio cuts out",
}

_NOTE_KIND = re.compile(
    "|".join(f"(?P<{kind}>(?:{words})\\b)" for kind, words in _NOTE_WORDS.items()), re.IGNORECASE
)

_NOTE_START = "|".join(_NOTE_WORDS.values())

_PLACEHOLDER = r"\[[A-Z][A-Z0-9_]*_\d+\]"

_MARKER = re.compile(
    rf"\[\s*(?P<ts_square>{TIME_STAMP})\s*\]"
    rf"|\(\s*(?P<ts_round>{TIME_STAMP})\s*\)"
    rf"|(?P<ts_bare>{_TS_BARE})"
    rf"|\[\s*(?P<note_square>(?i:{_NOTE_START})\b(?:[^\[\]]|{_PLACEHOLDER}){{0,80}}?)\s*\]"
    rf"|\(\s*(?P<note_round>(?i:{_NOTE_START})\b(?:[^()\[\]]|{_PLACEHOLDER}){{0,80}}?)\s*\)"
)

_NO_SPACE_BEFORE = frozenset(",.;:!?)]}…")

_NO_SPACE_AFTER = frozenset("([{")


@dataclass(frozen=True)
class Marker:
    """A timestamp or transcription marker removed from an utterance."""

    kind: str  # timestamp | inaudible | crosstalk | laughter | pause | other
    value: str  # as written, without brackets
    offset: int  # position in the cleaned utterance where it stood


def marker_kind(note: str) -> str:
    """Kind of a bracketed transcription note (``inaudible 00:14:02`` → ``inaudible``)."""
    match = _NOTE_KIND.match(note)
    return match.lastgroup if match is not None else "other"


def extract_markers(text: str) -> tuple[str, list[Marker]]:
    """Remove timestamps and transcription markers from an utterance.

    Returns the utterance without them (spaces around a removed marker closed up, no space
    left before punctuation) and each marker with the offset in that text where it stood.
    Square-bracketed text that is not a known marker (``[sic]``, ``[the ward]``) and
    ``[KIND_n]`` placeholders stay in the text.
    """
    if "[" not in text and "(" not in text and ":" not in text:
        return text, []
    out = ""
    markers: list[Marker] = []
    pending: list[tuple[str, str]] = []
    pos = 0
    for match in _MARKER.finditer(text):
        out = _close_up(out, text[pos : match.start()], pending, markers)
        group = match.lastgroup
        value = match[group]
        pending.append(("timestamp" if group.startswith("ts_") else marker_kind(value), value))
        pos = match.end()
    out = _close_up(out, text[pos:], pending, markers)
    return out, markers


def _close_up(out: str, piece: str, pending: list[tuple[str, str]], markers: list[Marker]) -> str:
    if not pending:
        return out + piece
    out, piece = out.rstrip(" "), piece.lstrip(" ")
    space = ""
    if out and piece and piece[0] not in _NO_SPACE_BEFORE and out[-1] not in _NO_SPACE_AFTER:
        space = " "
    offset = len(out) + len(space) if piece else len(out)
    markers.extend(Marker(kind, value, offset) for kind, value in pending)
    pending.clear()
    return out + space + piece
