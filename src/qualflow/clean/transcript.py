"""One transcript cleaned: turns assembled into the cleaned text, redacted, with its report row and
warnings.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import logging
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from qualflow.clean.formats import read_transcript
from qualflow.clean.normalise import count_words
from qualflow.clean.turns import ParsedTranscript, extract_markers, parse_turns
from qualflow.contracts import HEADER_COLUMN, MARKER_COLUMNS, WARNINGS_COLUMN
from qualflow.errors import InputError
from qualflow.study import parse_transcript_id

if TYPE_CHECKING:
    from qualflow.clean.deid import Redactor

logger = logging.getLogger(__name__)


SPEAKER_NAMES = {"interviewer": "Interviewer", "participant": "Participant"}

#: The participant's share of a transcript's words outside this range suggests missing speaker
#: labels (one speaker's words merged into the other's turns); in-depth interviews usually
#: give the participant 60-90 % of the words.
PARTICIPANT_SHARE_RANGE = (0.25, 0.98)

#: A raw transcript larger than this is far longer than any interview (a 3-hour interview is
#: about 30,000 words, 200 kB); it is cleaned but noted.
LARGE_TRANSCRIPT_BYTES = 2_000_000


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
    :meth:`~qualflow.clean.deid.Redactor.with_pattern_numbers`).
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
        from qualflow.clean.leakgate import check_clean_transcript

        check_near_misses(redactor, path, parsed, result)  # first: it can name the raw line
        check_clean_transcript(redactor, result)
    return result


def check_near_misses(
    redactor: Redactor, path: Path, parsed: ParsedTranscript, result: CleanTranscript
) -> None:
    """Stop when a word of the cleaned transcript (text or marker values) is one edit from a
    listed name (:meth:`~qualflow.clean.deid.Redactor.near_misses`): a transcriber's spelling
    the redaction list does not hold. Names the line where the first such word's turn starts
    in ``path`` and the entity's placeholder, never the word."""
    starts = result.units["start"].tolist()
    found = [
        (max(1, bisect.bisect_right(starts, offset)), placeholder)
        for offset, placeholder in redactor.near_misses(result.text)
    ]
    # marker values in one pass (a transcript may have thousands of timestamps)
    values = [str(value) for value in result.markers["value"]]
    value_starts = list(itertools.accumulate((len(v) + 1 for v in values[:-1]), initial=0))
    turns = result.markers["turn"].tolist()
    for offset, placeholder in redactor.near_misses("\n".join(values)):
        found.append((int(turns[bisect.bisect_right(value_starts, offset) - 1]), placeholder))
    if not found:
        return
    turn, placeholder = min(found)
    raise InputError(
        path,
        f"the turn starting here has a word one edit (a letter added, dropped or changed, or two "
        f"swapped) away from the listed name {placeholder} "
        f"that the redaction list does not hold ({len(found)} such word(s) in this file): if it "
        "is a name, add it to the redaction list (with that entity if it is the same person); "
        "if it is an ordinary word, list it under deid.not_names in config.yaml",
        line=parsed.turns[turn - 1].line,
    )


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
