"""Raw transcripts as transcription produces them: .txt in several encodings, .docx, WebVTT
and SRT, with speaker-label variants, timestamps, wrapped lines and names to redact.

Documents are written with fixed timestamps, so the same seed gives byte-identical files.
"""

from __future__ import annotations

import io
import random
import re
import zipfile
from datetime import datetime

from . import dialogue as dlg
from . import grammar
from .plan import TranscriptPlan
from .tables import rng_for

# ---------------------------------------------------------------------------------------------
# Raw transcript formats
# ---------------------------------------------------------------------------------------------

# Documents carry this time, so the same seed gives byte-identical files.
FIXED_TIMESTAMP = datetime(2020, 7, 1, 9, 0, 0)

_TITLES = re.compile(r"\b(Dr|Mr|Ms|Mdm|Nurse|Sister|Ward) ")
_KEEP = "\ue010"  # a space that must not break when wrapping or splitting cues


def _smart_quotes(text: str) -> str:
    text = re.sub(r'"(\S[^"]*?)"', "\u201c\\1\u201d", text)
    return text.replace("'", "\u2019")


def _raw_utterance(turn: dlg.Turn, fmt: dict, rng: random.Random, clock: float) -> str:
    """A turn as the transcriber typed it: names as said, markers, typographic quirks."""
    sentences = [grammar.surface_text(s) for s in turn.sentences]
    out: list[str] = []
    for i, sentence in enumerate(sentences):
        if i == 0 and turn.speaker == "participant" and rng.random() < fmt["markers"] / 2:
            out.append("[crosstalk]")
        out.append(sentence)
        if i < len(sentences) - 1:
            roll = rng.random()
            if roll < fmt["markers"]:
                out.append(rng.choice(["[inaudible]", f"[inaudible{_KEEP}{_clock(clock)}]"]))
            elif roll < fmt["markers"] * 1.3:
                out.append("[laughs]")
    text = " ".join(out)
    if fmt["smart"]:
        text = _smart_quotes(text)
    if fmt["nbsp"]:
        text = _TITLES.sub(lambda m: m.group(1) + "\u00a0", text)
        if rng.random() < 0.3:
            text = text.replace(". ", ".\u00a0", 1)
    return text


def _clock(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _label(turn: dlg.Turn, fmt: dict, pid: int, rng: random.Random) -> str:
    main, alt = fmt[turn.speaker]
    choice = alt if rng.random() < fmt["mix"] else main
    return choice.format(id=pid)


def _turn_clock(plan: TranscriptPlan) -> list[float]:
    """Seconds from the start at which each turn begins (speech paced to the duration)."""
    words = [len(grammar.surface_text(t.text).split()) for t in plan.turns]
    talking = plan.duration_min * 60 - 10.0 - 0.6 * len(words)
    per_word = max(0.1, talking / max(1, sum(words)))
    clock, out = 5.0, []
    for w in words:
        out.append(clock)
        clock += w * per_word + 0.6
    return out


def _header_lines(plan: TranscriptPlan) -> list[str]:
    when = plan.date.strftime("%d %B %Y").lstrip("0")
    return [
        f"Transcript {plan.transcript_id}, recorded {when}",
        f"Length {plan.duration_min} min, verbatim",
    ]


def render_text(plan: TranscriptPlan, seed: int) -> bytes:
    """A plain-text transcript (.txt) in the file's encoding, line ends and habits."""
    fmt, rng = plan.fmt, rng_for(seed, "render", plan.transcript_id)
    lines: list[str] = []
    if fmt["header"]:
        lines += _header_lines(plan) + [""]
    for k, (turn, clock) in enumerate(zip(plan.turns, _turn_clock(plan), strict=True)):
        label = _label(turn, fmt, plan.participant_id, rng)
        body = _raw_utterance(turn, fmt, rng, clock)
        stamp = (
            f"[{_clock(clock)}]" if fmt["timestamps"] != "none" and k % fmt["ts_every"] == 0 else ""
        )
        if stamp and fmt["timestamps"] == "before":
            line = f"{stamp} {label}: {body}"
        elif stamp:
            line = f"{label}: {stamp} {body}"
        else:
            line = f"{label}: {body}"
        if fmt["wrap"]:
            lines += wrap_line(line, fmt["wrap"])
        else:
            lines.append(line)
        if fmt["blank"]:
            lines.append("")
    text = fmt["newline"].join(lines).rstrip() + fmt["newline"]
    return text.replace(_KEEP, " ").encode(fmt["encoding"])


def wrap_line(line: str, width: int) -> list[str]:
    """Break ``line`` at spaces into lines of at most ``width`` characters (longer words stay
    whole), as a word processor's hard wrap would."""
    out: list[str] = []
    current = ""
    for word in line.split(" "):
        if not word:
            continue
        if current and len(current) + 1 + len(word) > width:
            out.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current:
        out.append(current)
    return out


def _cues(text: str, rng: random.Random) -> list[str]:
    """Split a long utterance into subtitle-sized chunks at word boundaries."""
    words = text.split(" ")
    chunks, i = [], 0
    while i < len(words):
        size = rng.randint(9, 18)
        chunks.append(" ".join(words[i : i + size]))
        i += size
    return chunks


def _cue_lines(chunk: str) -> str:
    return "\n".join(wrap_line(chunk, 42))


def render_subtitles(plan: TranscriptPlan, seed: int) -> bytes:
    """A WebVTT (voice tags or name prefixes) or SRT transcript; long turns span several cues."""
    fmt, rng = plan.fmt, rng_for(seed, "render", plan.transcript_id)
    clocks = _turn_clock(plan) + [plan.duration_min * 60.0]
    vtt = fmt["ext"] == "vtt"
    blocks: list[str] = ["WEBVTT", f"NOTE transcript {plan.transcript_id}"] if vtt else []
    number = 0
    for k, turn in enumerate(plan.turns):
        label = _label(turn, fmt, plan.participant_id, rng)
        chunks = _cues(_raw_utterance(turn, fmt, rng, clocks[k]), rng)
        t0 = clocks[k]
        t1 = max(clocks[k + 1] - 0.4, t0 + 0.5)
        step = (t1 - t0) / len(chunks)
        for j, chunk in enumerate(chunks):
            number += 1
            start, end = t0 + j * step, t0 + (j + 1) * step - 0.05
            if fmt["kind"] == "vtt_voice":
                body = f"<v {label}>{_cue_lines(chunk)}"
            elif j == 0:
                body = _cue_lines(f"{label}: {chunk}")
            else:
                body = _cue_lines(chunk)
            timing = f"{_subtitle_time(start, vtt)} --> {_subtitle_time(end, vtt)}"
            blocks.append(f"{timing}\n{body}" if vtt else f"{number}\n{timing}\n{body}")
    text = "\n\n".join(blocks).replace(_KEEP, " ") + "\n"
    return text.replace("\n", fmt["newline"]).encode(fmt["encoding"])


def _subtitle_time(seconds: float, vtt: bool) -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{'.' if vtt else ','}{ms:03d}"


def render_docx(plan: TranscriptPlan, seed: int) -> bytes:
    """A Word transcript: one paragraph per turn, the label in a bold run; fixed metadata."""
    from docx import Document

    fmt, rng = plan.fmt, rng_for(seed, "render", plan.transcript_id)
    doc = Document()
    props = doc.core_properties
    props.created = props.modified = props.last_printed = FIXED_TIMESTAMP
    props.author = props.last_modified_by = "transcription service"
    props.revision = 1
    props.title = ""
    if fmt["header"]:
        for line in _header_lines(plan):
            doc.add_paragraph().add_run(line).italic = True
    for k, (turn, clock) in enumerate(zip(plan.turns, _turn_clock(plan), strict=True)):
        label = _label(turn, fmt, plan.participant_id, rng)
        body = _raw_utterance(turn, fmt, rng, clock).replace(_KEEP, " ")
        stamp = fmt["timestamps"] != "none" and k % fmt["ts_every"] == 0
        para = doc.add_paragraph()
        para.add_run(f"{label}:").bold = fmt["bold"]
        para.add_run(f" [{_clock(clock)}] {body}" if stamp else f" {body}")
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_ooxml(buffer.getvalue())


def normalise_ooxml(data: bytes) -> bytes:
    """Rewrite a .docx/.xlsx zip with fixed entry times and core-property dates (reproducible)."""
    stamp = FIXED_TIMESTAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as zout:
        for info in zin.infolist():
            payload = zin.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = payload.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:(created|modified)[^>]*>)[^<]*(</dcterms:\2>)",
                    rf"\g<1>{stamp}\g<3>",
                    text,
                )
                payload = text.encode("utf-8")
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_TIMESTAMP.timetuple()[:6])
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            zout.writestr(entry, payload)
    return out.getvalue()


def render_transcript(plan: TranscriptPlan, seed: int) -> bytes:
    """The raw file's bytes in the plan's format."""
    if plan.fmt["ext"] == "docx":
        return render_docx(plan, seed)
    if plan.fmt["ext"] in ("vtt", "srt"):
        return render_subtitles(plan, seed)
    return render_text(plan, seed)
