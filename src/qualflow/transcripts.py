"""Cleaning: raw transcripts → cleaned, de-identified text split into turns (units).

The stage reads every recorded transcript (.txt in any encoding, .docx, WebVTT, SRT), and
writes to ``results/clean/``:

* ``{transcript_id}.txt`` — one turn a paragraph, ``Interviewer: …`` or ``Participant: …``,
  paragraphs separated by one blank line, LF line ends, NFC;
* ``units.csv`` — one row per turn with the offsets of its utterance in that text
  (``clean[start:end] == text``), the unit of coding and of agreement;
* ``markers.csv`` — timestamps and transcription markers (``[inaudible]``, ``[crosstalk]``, …)
  moved out of the text into metadata, each with the offset where it stood;
* ``cleaning_report.csv`` — what was done to each file (encoding, labels, joins, redactions).

The steps, each a small public function so it can be tested alone:
:func:`read_transcript` (one reader per format, all returning :class:`RawLine` lists) →
:func:`normalise_text` → :func:`parse_turns` (speaker labels, wrapped lines, header) →
:func:`extract_markers` → de-identification (:class:`qualflow.deid.Redactor`) →
:func:`assemble_transcript`. :func:`clean_study` runs them over a whole study in one process
with a pool of workers, numbers pattern redactions study-wide, and publishes all outputs
together or none.
"""

from __future__ import annotations

import contextlib
import html
import io
import logging
import multiprocessing
import re
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from .contracts import SPEAKERS, UNIT_COLUMNS
from .errors import InputError, csv_row_number
from .io import OutputSet
from .study import parse_transcript_id, read_interviews

if TYPE_CHECKING:
    from .deid import Redactor

logger = logging.getLogger(__name__)

FORMATS = {".txt": "txt", ".docx": "docx", ".vtt": "vtt", ".srt": "srt"}
SPEAKER_NAMES = {"interviewer": "Interviewer", "participant": "Participant"}
MARKER_COLUMNS = ["transcript_id", "turn", "kind", "value", "offset"]
REPORT_COLUMNS = [
    "transcript_id",
    "source_file",
    "format",
    "encoding",
    "had_bom",
    "n_turns",
    "n_words",
    "speaker_labels",
    "n_wrapped_lines_joined",
    "n_timestamps",
    "n_markers",
    "redactions",
]
#: Extra report column after the ``redacted_<KIND>`` counts: lines dropped before the first turn.
HEADER_COLUMN = "n_header_lines"
#: Last report column: what looks wrong but may be legitimate ("; "-separated, empty if nothing).
WARNINGS_COLUMN = "warnings"
#: The participant's share of a transcript's words outside this range suggests missing speaker
#: labels (one speaker's words merged into the other's turns); in-depth interviews usually
#: give the participant 60-90 % of the words.
PARTICIPANT_SHARE_RANGE = (0.25, 0.98)
#: A raw transcript larger than this is far longer than any interview (a 3-hour interview is
#: about 30,000 words, 200 kB); it is cleaned but noted.
LARGE_TRANSCRIPT_BYTES = 2_000_000

# --------------------------------------------------------------------------- normalisation

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


# --------------------------------------------------------------------------- readers


@dataclass(frozen=True)
class RawLine:
    """One line of a raw transcript, already normalised.

    ``number`` is where a user finds it (line of a text file, paragraph of a .docx, first text
    line of a cue); ``start`` is True at the start of a paragraph (first line, after a blank
    line, each .docx paragraph, each cue), where a ``Word:`` prefix is taken as a speaker label.
    ``voice`` is a label given by the format (a WebVTT ``<v Name>`` tag); ``bold`` is a .docx
    paragraph's leading bold text with ``rest`` the text after it, used as a label when it is a
    known alias; ``time`` is a cue's start time, recorded as a timestamp marker.
    """

    number: int
    text: str
    start: bool = False
    voice: str | None = None
    bold: str | None = None
    rest: str | None = None
    time: str | None = None


@dataclass
class RawDocument:
    """A transcript as read from disk, before speakers are parsed."""

    path: Path
    format: str
    encoding: str
    had_bom: bool
    lines: list[RawLine]
    #: subtitle formats split a long turn over cues: consecutive cues of one speaker join
    merge_same_speaker: bool = False
    #: what ``RawLine.number`` counts, for messages
    unit: str = "line"


def detect_encoding(data: bytes) -> tuple[str | None, bool]:
    """Guess the encoding of raw bytes: ``(encoding, had_bom)``; ``None`` if undecodable.

    A byte-order mark decides (``utf-8-sig``, ``utf-16``); then valid UTF-8 is ``utf-8``;
    otherwise charset_normalizer's best guess. Its guesses for short English text are unstable
    (cp1250, cp852, even Big5 for a file whose only non-ASCII byte is a Windows ``’``), so when
    Windows-1252, the Windows default for English, decodes the bytes at least as cleanly as the
    best guess, it wins.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig", True
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", True
    try:
        data.decode("utf-8")
        return "utf-8", False
    except UnicodeDecodeError:
        pass
    if b"\x00" in data:
        return None, False
    import charset_normalizer

    best = charset_normalizer.from_bytes(data).best()
    western = charset_normalizer.from_bytes(data, cp_isolation=["cp1252"]).best()
    if western is not None and (best is None or western.chaos <= best.chaos + 0.05):
        return "cp1252", False
    if best is None:
        return None, False
    return best.encoding, False


def decode_transcript(data: bytes, path: str | PathLike[str]) -> tuple[str, str, bool]:
    """Decode raw bytes: ``(text, encoding, had_bom)``; InputError naming the file if it
    cannot be decoded (with the line of the first byte that is not UTF-8)."""
    encoding, had_bom = detect_encoding(data)
    if encoding is not None:
        try:
            return data.decode(encoding), encoding, had_bom
        except (UnicodeDecodeError, LookupError):
            pass
    try:
        data.decode("utf-8")
        line = None
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
    raise InputError(
        path,
        "cannot be decoded: not UTF-8 and no text encoding could be detected "
        "(save it as UTF-8 text)",
        line=line,
    )


def read_text_file(path: str | PathLike[str]) -> tuple[str, str, bool]:
    """Read and decode a text file: ``(normalised text, encoding, had_bom)``."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    text, encoding, had_bom = decode_transcript(data, path)
    return normalise_text(text), encoding, had_bom


def read_txt(path: str | PathLike[str]) -> RawDocument:
    """A plain-text transcript: one :class:`RawLine` per line of the file."""
    path = Path(path)
    text, encoding, had_bom = read_text_file(path)
    lines = []
    previous_blank = True
    for number, line in enumerate(text.split("\n"), start=1):
        lines.append(RawLine(number, line, start=previous_blank and bool(line)))
        previous_blank = not line
    return RawDocument(path, "txt", encoding, had_bom, lines)


def read_docx(path: str | PathLike[str]) -> RawDocument:
    """A Word transcript: one line per paragraph (and per table row, ``label`` cell first).

    A paragraph's leading bold text is offered as its speaker label (``**INT** How …``);
    soft line breaks inside a paragraph become continuation lines of it.
    """
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    path = Path(path)
    try:
        document = docx.Document(str(path))
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    except Exception as err:  # python-docx raises several types for a damaged package
        raise InputError(path, f"cannot be read as a .docx document ({err})") from None
    lines: list[RawLine] = []
    number = 0
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            number += 1
            lines.extend(_docx_paragraph_lines(block, number))
        elif isinstance(block, Table):
            for row in block.rows:
                number += 1
                lines.extend(_docx_row_lines(row, number))
    return RawDocument(path, "docx", "", False, lines, unit="paragraph")


def _docx_paragraph_lines(paragraph: Any, number: int) -> list[RawLine]:
    raw = paragraph.text
    bold_raw = ""
    for run in paragraph.runs:
        if run.bold and run.text:
            bold_raw += run.text
        elif not run.text.strip() and not bold_raw:
            bold_raw += run.text
        else:
            break
    parts = normalise_text(raw).split("\n")
    if not parts[0]:
        return [RawLine(number, "")] if len(parts) == 1 else _continuations(parts, number, True)
    bold = rest = None
    if bold_raw.strip() and raw.startswith(bold_raw) and len(bold_raw) < len(raw):
        bold = normalise_text(bold_raw)
        rest = normalise_text(raw[len(bold_raw) :]).split("\n")[0]
    first = RawLine(number, parts[0], start=True, bold=bold, rest=rest)
    return [first, *_continuations(parts[1:], number, False)]


def _continuations(parts: list[str], number: int, start: bool) -> list[RawLine]:
    lines = []
    for part in parts:
        if part:
            lines.append(RawLine(number, part, start=start))
            start = False
    return lines


def _docx_row_lines(row: Any, number: int) -> list[RawLine]:
    cells = []
    for cell in row.cells:
        if not cells or cell._tc is not cells[-1]._tc:  # merged cells repeat
            cells.append(cell)
    texts = [" ".join(normalise_text(cell.text).split("\n")) for cell in cells]
    if len(texts) < 2:
        return _continuations(texts, number, True)
    label, body = texts[0].rstrip(":").strip(), texts[-1]
    stamps = " ".join(f"[{t}]" for t in texts[1:-1] if _TIMESTAMP_ONLY.match(t))
    body = f"{stamps} {body}".strip()
    if not label:
        return _continuations([body], number, False)
    return [RawLine(number, f"{label}: {body}", start=False)]


_VOICE = re.compile(r"^\s*<v(?:\.[^\s>]*)?\s+([^>]*)>")
_CUE_TAG = re.compile(r"</?(?:v|c|i|b|u|ruby|rt|lang|font)\b[^>]*>|\{\\[^}]*\}", re.IGNORECASE)


def read_vtt(path: str | PathLike[str]) -> RawDocument:
    """A WebVTT caption file: each cue's first line starts a paragraph, its voice
    (``<v Interviewer>``) is the speaker label, its start time a timestamp marker."""
    import webvtt

    path = Path(path)
    text, encoding, had_bom = read_text_file(path)
    try:
        captions = list(webvtt.from_buffer(io.StringIO(text)))
    except Exception as err:  # webvtt-py's MalformedFileError / MalformedCaptionError
        raise InputError(path, f"cannot be read as WebVTT ({err})") from None
    cues = [(c.start, c.voice, c.raw_text) for c in captions]
    lines = _cue_lines(cues, _cue_text_lines(text, len(cues)))
    return RawDocument(path, "vtt", encoding, had_bom, lines, merge_same_speaker=True, unit="line")


def read_srt(path: str | PathLike[str]) -> RawDocument:
    """A SubRip subtitle file, read like WebVTT (a ``NAME:`` prefix or ``<v Name>`` tag)."""
    import srt

    path = Path(path)
    text, encoding, had_bom = read_text_file(path)
    try:
        subtitles = list(srt.parse(text))
    except srt.SRTParseError as err:
        raise InputError(path, f"cannot be read as SRT ({err})") from None
    cues = []
    for sub in subtitles:
        voice = _VOICE.match(sub.content)
        cues.append(
            (srt.timedelta_to_srt_timestamp(sub.start), voice and voice.group(1), sub.content)
        )
    lines = _cue_lines(cues, _cue_text_lines(text, len(cues)))
    return RawDocument(path, "srt", encoding, had_bom, lines, merge_same_speaker=True, unit="line")


def _cue_text_lines(text: str, n_cues: int) -> list[int]:
    """Line number of each cue's first text line (the line after its ``-->`` timing line)."""
    arrows = [i + 2 for i, line in enumerate(text.split("\n")) if "-->" in line]
    return arrows if len(arrows) == n_cues else list(range(1, n_cues + 1))


def _cue_lines(cues: list[tuple[str, str | None, str]], numbers: list[int]) -> list[RawLine]:
    lines = []
    for (start, voice, raw), number in zip(cues, numbers, strict=True):
        content = _CUE_TAG.sub("", raw)
        parts = [normalise_text(html.unescape(p)) for p in content.split("\n")]
        parts = [p for p in parts if p]
        if not parts:
            continue
        voice = normalise_text(voice) if voice else None
        lines.append(RawLine(number, parts[0], start=True, voice=voice or None, time=start))
        lines.extend(RawLine(number + k, p) for k, p in enumerate(parts[1:], start=1))
    return lines


def read_transcript(path: str | PathLike[str]) -> RawDocument:
    """Read a raw transcript with the reader for its extension."""
    path = Path(path)
    fmt = FORMATS.get(path.suffix.lower())
    if fmt is None:
        raise InputError(
            path, f"unsupported transcript format {path.suffix!r} (use {', '.join(FORMATS)})"
        )
    if not path.exists():
        raise InputError(path, "file not found")
    return {"txt": read_txt, "docx": read_docx, "vtt": read_vtt, "srt": read_srt}[fmt](path)


# --------------------------------------------------------------------------- speakers, turns

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_TS_BARE = r"(?<![\w:.])\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?(?![\w:])"
_TS_BRACKETED = rf"\[\s*{_TS}\s*\]|\(\s*{_TS}\s*\)"
_TIMESTAMP_ONLY = re.compile(rf"^(?:{_TS}|{_TS_BRACKETED})$")
# A speaker label: one or two words (the first a letter, e.g. "Int.", "Speaker 2", "Dr Tan") or
# a numeric participant id, then an optional bracketed timestamp, then ':' (not "10:30", "http:/").
_LABEL_LINE = re.compile(
    rf"^(?P<lead>(?:(?:\[[^\[\]]{{1,60}}\]|\(\s*{_TS}\s*\)|{_TS_BARE})\s*)*)"
    r"(?P<label>[^\W\d_][\w'.\-]*(?: [^\W_][\w'.\-]*)?|\d{3,})"
    rf"\s*(?P<stamp>{_TS_BRACKETED})?\s*:(?![\d/])\s*(?P<rest>.*)$"
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


# --------------------------------------------------------------------------- markers

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
    rf"\[\s*(?P<ts_square>{_TS})\s*\]"
    rf"|\(\s*(?P<ts_round>{_TS})\s*\)"
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


# --------------------------------------------------------------------------- one transcript


@dataclass
class CleanTranscript:
    """A cleaned transcript: its text and the rows it adds to units, markers and the report."""

    transcript_id: str
    text: str
    units: pd.DataFrame
    markers: pd.DataFrame
    report: dict[str, Any]
    #: (kind, key, number) of each distinct pattern value redacted, in order of first appearance
    pattern_values: list[tuple[str, str, int]] = field(default_factory=list)


def assemble_transcript(
    parsed: ParsedTranscript, transcript_id: str, redactor: Redactor | None = None
) -> tuple[str, pd.DataFrame, pd.DataFrame, Counter[str], list[tuple[str, str, int]]]:
    """Move each turn's markers out, de-identify, and lay the turns out as paragraphs.

    Markers come out first, so that a name split by one (``Ms [00:01:02] Ong``, a name spread
    over two subtitle cues) is whole again when it is redacted; marker offsets are then mapped
    through the replacements and marker values redacted too. Returns the cleaned text, units,
    markers, redaction counts by kind and the pattern values redacted.
    """
    participant_id, wave = parse_transcript_id(transcript_id)
    extracted = [extract_markers(turn.text) for turn in parsed.turns]
    utterances = [text for text, _ in extracted]
    turn_markers = [markers for _, markers in extracted]
    values = [m.value for markers in turn_markers for m in markers]
    offsets = [[m.offset for m in markers] for markers in turn_markers]
    counts: Counter[str] = Counter()
    found: list[tuple[str, str, int]] = []
    if redactor is not None:
        utterances, values, offsets, counts, found = _redact_turns(
            redactor, utterances, values, offsets
        )
    paragraphs, starts = [], []
    marker_rows: list[tuple[int, str, str, int]] = []
    value_iter = iter(values)
    offset = 0
    for turn_number, (turn, utterance) in enumerate(
        zip(parsed.turns, utterances, strict=True), start=1
    ):
        label = SPEAKER_NAMES[turn.speaker]
        paragraph = f"{label}: {utterance}" if utterance else f"{label}:"
        start = offset + len(paragraph) - len(utterance)
        for marker, local in zip(
            turn_markers[turn_number - 1], offsets[turn_number - 1], strict=True
        ):
            marker_rows.append((turn_number, marker.kind, next(value_iter), start + local))
        paragraphs.append(paragraph)
        starts.append(start)
        offset += len(paragraph) + 2
    text = "\n\n".join(paragraphs) + "\n"
    turns = range(1, len(utterances) + 1)
    units = pd.DataFrame(
        {
            "unit_id": [f"{transcript_id}:{k}" for k in turns],
            "transcript_id": transcript_id,
            "participant_id": participant_id,
            "wave": wave,
            "turn": turns,
            "speaker": [turn.speaker for turn in parsed.turns],
            "start": starts,
            "end": [s + len(t) for s, t in zip(starts, utterances, strict=True)],
            "text": utterances,
            "n_words": [count_words(t) for t in utterances],
        }
    )
    markers = pd.DataFrame(marker_rows, columns=MARKER_COLUMNS[1:])
    markers.insert(0, "transcript_id", transcript_id)
    return text, units, markers, counts, found


def _redact_turns(
    redactor: Redactor, utterances: list[str], values: list[str], offsets: list[list[int]]
) -> tuple[list[str], list[str], list[list[int]], Counter[str], list[tuple[str, str, int]]]:
    """Redact all utterances, then all marker values, in one pass (one line each: no term or
    pattern spans a line break), and map the markers' offsets into the redacted utterances."""
    redaction = redactor.redact("\n".join(utterances + values))
    pieces = redaction.text.split("\n")
    new_utterances, new_values = pieces[: len(utterances)], pieces[len(utterances) :]
    new_offsets = []
    base = new_base = 0
    for old, new, local in zip(utterances, new_utterances, offsets, strict=True):
        new_offsets.append([redaction.map_offset(base + o) - new_base for o in local])
        base += len(old) + 1
        new_base += len(new) + 1
    found = list({(kind, key): (kind, key, n) for kind, key, n in redaction.patterns}.values())
    return new_utterances, new_values, new_offsets, redaction.counts, found


def clean_transcript(
    path: str | PathLike[str],
    transcript_id: str,
    speakers: Mapping[str, Sequence[str]],
    redactor: Redactor | None = None,
) -> CleanTranscript:
    """Read, normalise, split into turns, de-identify and lay out one transcript.

    ``speakers`` is config's ``{"interviewer": [...], "participant": [...]}``. The redactor's
    pattern numbering carries over between calls (use one per study, or seed it with
    :meth:`~qualflow.deid.Redactor.with_pattern_numbers`).
    """
    path = Path(path)
    participant_id, _ = parse_transcript_id(transcript_id, path)
    # a parser's message may quote the file: listed names in any message are masked
    with redactor.masking() if redactor is not None else contextlib.nullcontext():
        document = read_transcript(path)
        parsed = parse_turns(document, speakers, participant_id)
        text, units, markers, counts, found = assemble_transcript(parsed, transcript_id, redactor)
    if not (units["speaker"] == "participant").any():
        raise InputError(
            path,
            "no participant turns: every turn is the interviewer's; check the speaker labels "
            "(and `speakers` in config.yaml)",
        )
    warnings = transcript_warnings(units, path.stat().st_size)
    for warning in warnings:
        logger.warning("%s: %s", path.name, warning)
    kinds = redactor.kinds if redactor is not None else sorted(counts)
    n_timestamps = int((markers["kind"] == "timestamp").sum())
    labels = "; ".join(f"{label}→{role}" for label, role in parsed.labels.items())
    report = {
        "transcript_id": transcript_id,
        "source_file": path.name,
        "format": document.format,
        "encoding": document.encoding,
        "had_bom": document.had_bom,
        "n_turns": len(units),
        "n_words": int(units["n_words"].sum()),
        "speaker_labels": redactor.mask(labels) if redactor is not None else labels,
        "n_wrapped_lines_joined": parsed.n_wrapped_lines_joined,
        "n_timestamps": n_timestamps,
        "n_markers": len(markers) - n_timestamps,
        "redactions": format_redactions(counts, kinds),
        **{f"redacted_{kind}": int(counts.get(kind, 0)) for kind in kinds},
        HEADER_COLUMN: parsed.n_header_lines,
        WARNINGS_COLUMN: "; ".join(warnings),
    }
    result = CleanTranscript(transcript_id, text, units, markers, report, found)
    if redactor is not None:
        from .leakgate import check_clean_transcript

        check_clean_transcript(redactor, result)
    return result


def transcript_warnings(units: pd.DataFrame, size_bytes: int) -> list[str]:
    """What looks wrong in a cleaned transcript but may be legitimate: an implausible
    participant share of the words (speaker labels missing?), a transcript larger than any
    interview."""
    warnings = []
    words = int(units["n_words"].sum())
    if words:
        share = int(units.loc[units["speaker"] == "participant", "n_words"].sum()) / words
        low, high = PARTICIPANT_SHARE_RANGE
        if not low <= share <= high:
            warnings.append(
                f"participant has {share:.0%} of the words (expected {low:.0%}-{high:.0%}); "
                "are speaker labels missing, merging one speaker's words into the other's turns?"
            )
    if size_bytes > LARGE_TRANSCRIPT_BYTES:
        warnings.append(
            f"file is {size_bytes / 1e6:.1f} MB, larger than any interview transcript "
            f"({LARGE_TRANSCRIPT_BYTES / 1e6:.0f} MB); is it the right file?"
        )
    return warnings


def format_redactions(counts: Mapping[str, int], kinds: Sequence[str]) -> str:
    """``STAFF=3; PLACE=1`` for the kinds with a count, in ``kinds`` order."""
    order = list(kinds) + sorted(set(counts) - set(kinds))
    return "; ".join(f"{kind}={counts[kind]}" for kind in order if counts.get(kind, 0))


# --------------------------------------------------------------------------- whole study


@dataclass(frozen=True)
class TranscriptJob:
    """One recorded transcript to clean."""

    transcript_id: str
    participant_id: int
    wave: int
    path: Path


def plan_transcripts(
    interviews: pd.DataFrame,
    interviews_csv: str | PathLike[str],
    transcripts_dir: str | PathLike[str],
) -> list[TranscriptJob]:
    """Match interviews.csv against the transcripts folder; sorted by participant and wave.

    Errors: a recorded interview whose file is missing (the interviews.csv row), a file in the
    folder that is not listed for a recorded interview, whose id does not parse, or whose
    format is not supported (the file). Hidden files and Office lock files (``~$…``) are ignored.
    """
    folder = Path(transcripts_dir)
    if not folder.is_dir():
        raise InputError(folder, "transcripts folder not found")
    present = {
        p.name: p for p in folder.iterdir() if p.is_file() and not p.name.startswith((".", "~$"))
    }
    listed: dict[str, tuple[bool, int]] = {}
    jobs = []
    for i, row in interviews.iterrows():
        name = row["transcript_file"]
        if not name:
            continue
        listed[name] = (bool(row["recorded"]), csv_row_number(i))
        if not row["recorded"]:
            continue
        if name not in present:
            raise InputError(
                interviews_csv,
                f"transcript file {name!r} is listed but not in {folder}",
                row=csv_row_number(i),
            )
        jobs.append(
            TranscriptJob(
                row["transcript_id"], int(row["participant_id"]), int(row["wave"]), present[name]
            )
        )
    for name, path in sorted(present.items()):
        parse_transcript_id(path.stem, path)
        if path.suffix.lower() not in FORMATS:
            raise InputError(
                path, f"unsupported transcript format {path.suffix!r} (use {', '.join(FORMATS)})"
            )
        if name not in listed:
            raise InputError(path, f"transcript file {name!r} is not listed in {interviews_csv}")
        recorded, row = listed[name]
        if not recorded:
            raise InputError(
                path, f"{name!r} is present but {interviews_csv} row {row} says recorded=no"
            )
    return sorted(jobs, key=lambda job: (job.participant_id, job.wave))


_WORKER: dict[str, Any] = {}


def _init_worker(speakers: Mapping[str, Sequence[str]], redactor: Redactor) -> None:
    _WORKER["speakers"] = speakers
    _WORKER["redactor"] = redactor


def _clean_job(task: tuple[TranscriptJob, Mapping[tuple[str, str], int]]) -> CleanTranscript:
    """Clean one transcript with a fresh copy of the redactor seeded with ``numbers``, so the
    result never depends on which worker cleaned what before. An InputError pickles, so a
    worker's reaches the parent intact."""
    job, numbers = task
    redactor = _WORKER["redactor"].with_pattern_numbers(numbers)
    return clean_transcript(job.path, job.transcript_id, _WORKER["speakers"], redactor)


def _run_jobs(
    tasks: Sequence[tuple[TranscriptJob, Mapping[tuple[str, str], int]]],
    pool: Any,
    workers: int,
) -> Iterator[CleanTranscript]:
    """Clean ``tasks`` (in the pool if there is one), yielding results in task order and
    raising the first failure in that order, so errors are deterministic too."""
    if pool is None:
        return map(_clean_job, tasks)
    chunk = max(1, min(8, len(tasks) // (8 * workers)))
    return pool.imap(_clean_job, tasks, chunksize=chunk)


def clean_study(
    interviews_csv: Path,
    transcripts_dir: Path,
    redaction_csv: Path | None,
    speakers: dict[str, list[str]],
    patterns: list[str],
    out_dir: Path,
    threads: int = 1,
    texts_bundle: Path | None = None,
) -> None:
    """Clean every recorded transcript of a study into ``out_dir``.

    Writes ``{transcript_id}.txt``, ``units.csv``, ``markers.csv`` and ``cleaning_report.csv``
    (see docs/files.md) through one :class:`~qualflow.io.OutputSet`: nothing appears unless all
    succeeded. With ``texts_bundle`` the cleaned texts go into that one zip instead of separate
    files (:func:`unpack_texts` writes them out): the Snakemake rule does this because Snakemake
    records a checksum of every input for every output, which costs inputs × outputs file reads
    when one job both reads and writes thousands of files.

    Transcripts are cleaned by ``threads`` worker processes, each with its own pattern
    numbering; results are taken in transcript order (participant, wave), pattern
    values are numbered study-wide in that order, and the few transcripts whose own numbering
    disagrees with it are cleaned again with the study-wide numbering.
    """
    from .deid import Redactor

    out_dir = Path(out_dir)
    if out_dir.resolve() == Path(transcripts_dir).resolve():
        raise InputError(out_dir, "the output folder must not be the raw transcripts folder")
    interviews = read_interviews(interviews_csv)
    jobs = plan_transcripts(interviews, interviews_csv, transcripts_dir)
    speaker_aliases(speakers)  # fail early on a bad speakers config
    redactor = Redactor.from_csv(redaction_csv, patterns)
    # Every error from here on passes the one masking point (workers' errors arrive through
    # clean_transcript, masked there too).
    with redactor.masking():
        _clean_all(jobs, speakers, redactor, out_dir, threads, texts_bundle)


def _clean_all(
    jobs: list[TranscriptJob],
    speakers: dict[str, list[str]],
    redactor: Redactor,
    out_dir: Path,
    threads: int,
    texts_bundle: Path | None,
) -> None:
    """The body of :func:`clean_study`, once inputs are checked and the redactor built."""
    from .deid import KindNumbering

    workers = max(1, min(int(threads), len(jobs)))
    logger.info("cleaning %d transcripts with %d worker(s)", len(jobs), workers)

    results: list[CleanTranscript | None] = [None] * len(jobs)
    numbering = KindNumbering()
    redo: list[int] = []
    pool = None
    if workers > 1:
        pool = multiprocessing.get_context().Pool(
            workers, initializer=_init_worker, initargs=(speakers, redactor)
        )
    else:
        _init_worker(speakers, redactor)
    bundled: dict[str, str] = {}
    try:
        with OutputSet() as out:

            def emit(result: CleanTranscript) -> None:
                if texts_bundle is None:
                    out.text(out_dir / f"{result.transcript_id}.txt", result.text)
                else:
                    bundled[result.transcript_id] = result.text

            tasks = [(job, {}) for job in jobs]
            for i, result in enumerate(_run_jobs(tasks, pool, workers)):
                if numbering.add(result.pattern_values):
                    emit(result)
                else:
                    redo.append(i)
                results[i] = _without_text(result)
                _log_progress(i + 1, len(jobs))
            if redo:
                logger.info(
                    "re-cleaning %d transcript(s) with study-wide pattern numbers", len(redo)
                )
            tasks = [(jobs[i], dict(numbering.numbers)) for i in redo]
            for i, result in zip(redo, _run_jobs(tasks, pool, workers), strict=True):
                if not numbering.add(result.pattern_values):
                    raise RuntimeError(f"pattern numbering unstable for {result.transcript_id}")
                emit(result)
                results[i] = _without_text(result)
            done = [r for r in results if r is not None]
            units, markers, report = study_tables(done, redactor.kinds)
            out.csv(out_dir / "units.csv", units)
            out.csv(out_dir / "markers.csv", markers)
            out.csv(out_dir / "cleaning_report.csv", report)
            if texts_bundle is not None:
                write_text_bundle(out.path(texts_bundle), bundled)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
    totals = {kind: int(report[f"redacted_{kind}"].sum()) for kind in redactor.kinds}
    logger.info(
        "cleaned %d transcripts: %d turns, %d words, %d markers; redactions: %s",
        len(report),
        len(units),
        int(units["n_words"].sum()),
        len(markers),
        format_redactions(totals, redactor.kinds) or "none",
    )
    _warn_stale_outputs(out_dir, {job.transcript_id for job in jobs})


def _warn_stale_outputs(out_dir: Path, current: set[str]) -> None:
    """Cleaned texts left from transcripts no longer in the study are reported, not deleted."""
    stale = sorted(p.name for p in out_dir.glob("*.txt") if p.stem not in current)
    if stale:
        logger.warning(
            "%d cleaned file(s) in %s are not from this study's transcripts: %s",
            len(stale),
            out_dir,
            ", ".join(stale[:10]) + (" …" if len(stale) > 10 else ""),
        )


def _without_text(result: CleanTranscript) -> CleanTranscript:
    result.text = ""
    return result


def _log_progress(done: int, total: int) -> None:
    step = max(1, total // 10)
    if done == total or done % step == 0:
        logger.info("cleaned %d/%d transcripts", done, total)


def study_tables(
    results: Sequence[CleanTranscript], kinds: Sequence[str]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Stack the per-transcript rows into ``units``, ``markers`` and ``cleaning_report`` frames,
    sorted by participant, wave and turn; report count columns for every kind, zero-filled."""
    results = sorted(results, key=lambda r: parse_transcript_id(r.transcript_id))
    units = (
        pd.concat([r.units for r in results], ignore_index=True)
        if results
        else pd.DataFrame(columns=UNIT_COLUMNS)
    )
    markers = [r.markers for r in results if len(r.markers)]
    markers = (
        pd.concat(markers, ignore_index=True) if markers else pd.DataFrame(columns=MARKER_COLUMNS)
    )
    kind_columns = [f"redacted_{kind}" for kind in kinds]
    report = pd.DataFrame(
        [r.report for r in results],
        columns=[*REPORT_COLUMNS, *kind_columns, HEADER_COLUMN, WARNINGS_COLUMN],
    )
    report[kind_columns] = report[kind_columns].fillna(0).astype(int)
    return units[UNIT_COLUMNS], markers[MARKER_COLUMNS], report


_ZIP_DATE = (2000, 1, 1, 0, 0, 0)


def write_text_bundle(path: Path, texts: dict[str, str]) -> None:
    """Cleaned texts as one zip of ``{transcript_id}.txt`` (sorted, fixed dates: deterministic)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as bundle:
        for transcript_id in sorted(texts):
            info = zipfile.ZipInfo(f"{transcript_id}.txt", date_time=_ZIP_DATE)
            bundle.writestr(info, texts[transcript_id].encode("utf-8"))


def unpack_texts(bundle: Path, out_dir: Path) -> list[Path]:
    """Write every text of a :func:`write_text_bundle` zip to ``out_dir`` (all or nothing)."""
    out_dir = Path(out_dir)
    written = []
    with zipfile.ZipFile(bundle) as archive, OutputSet() as out:
        for name in sorted(archive.namelist()):
            target = out_dir / Path(name).name
            out.path(target).write_bytes(archive.read(name))
            written.append(target)
    return written
