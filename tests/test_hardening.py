"""Hardening against real-world and hostile input: masked messages, the leak gate, formula
injection, YAML safety, inputs that would give wrong results."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_transcripts import PATTERNS, SPEAKERS, study  # noqa: F401  (fixture)

from qualflow.errors import InputError
from qualflow.transcripts import clean_study

# ---------------------------------------------------------------- masked error messages

BAD_SRT = (
    "1\n00:00:01,000 --> 00:00:02,000\nINT: Hi\n\n2\n00:00:03,000 --> 00:00:04,000\n"
    "Dr. Lim: who are you?\n"
)


def _clean(root: Path, redaction: Path | None, threads: int = 1) -> None:
    clean_study(
        root / "interviews.csv",
        root / "transcripts",
        redaction,
        SPEAKERS,
        PATTERNS,
        root / "out",
        threads=threads,
    )


@pytest.mark.parametrize("threads", [1, 2])
def test_cleaning_errors_mask_listed_terms(study, threads):  # noqa: F811
    (study / "transcripts" / "50002_2.srt").write_text(BAD_SRT)
    # positive control: without the list the message quotes the name
    with pytest.raises(InputError) as err:
        _clean(study, None, threads)
    assert "Dr. Lim" in str(err.value)
    with pytest.raises(InputError) as err:
        _clean(study, study / "redaction.csv", threads)
    message = str(err.value)
    assert "Lim" not in message and "[STAFF_1]" in message
    assert err.value.file.endswith("50002_2.srt") and err.value.line == 7
