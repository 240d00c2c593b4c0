"""Reading raw transcripts (.txt in any encoding, .docx, .vtt, .srt) into lines with their source
positions.
"""

from __future__ import annotations

import html
import io
import re
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qualflow.clean.normalise import normalise_text
from qualflow.errors import InputError

if TYPE_CHECKING:
    pass


FORMATS = {".txt": "txt", ".docx": "docx", ".vtt": "vtt", ".srt": "srt"}


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


TIME_STAMP = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
BRACKETED_TIME_STAMP = rf"\[\s*{TIME_STAMP}\s*\]|\(\s*{TIME_STAMP}\s*\)"

_TIMESTAMP_ONLY = re.compile(rf"^(?:{TIME_STAMP}|{BRACKETED_TIME_STAMP})$")
