"""Codings are bound to the text they were coded on: the study's text lock.

Coders code a cleaned text; unit ids and character spans mean something only for that text. A
name added to the redaction list, or a word corrected in a raw transcript, changes the cleaned
text after coding. ``data/text_lock.csv`` records what coders were given — per transcript, the
whole text's length and digest (``turn`` 0) and each turn's offsets, speaker and digest — and is
written only by ``qualflow lock`` (never by a run), so the record lives with the study and
survives ``rm -rf results .snakemake``.

On import, codings are read against the locked turns and carried to the current ones by
aligning the two sequences of turn digests (difflib's SequenceMatcher, Ratcliff & Obershelp):
an unchanged turn keeps its codings (even if it moved), a turn whose text changed in place
(same position in the alignment) keeps them and is reported, and a turn that disappeared cuts
its codings, reported. Unit-level agreement is therefore unchanged by a redaction or an
in-turn correction, and nothing is re-applied silently.
"""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd

from qualflow.clean.bundle import read_clean_text
from qualflow.contracts import ANCHOR_COLUMNS, LOCK_COLUMNS
from qualflow.errors import InputError
from qualflow.io import read_table, write_csv
from qualflow.study import parse_transcript_id

DIGEST_CHARS = 16


def digest(text: str) -> str:
    """A short SHA-256 of ``text`` (first 16 hex digits)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:DIGEST_CHARS]


def lock_rows(units: pd.DataFrame, texts: Mapping[str, str]) -> pd.DataFrame:
    """Lock rows for the transcripts in ``texts``: turn 0 (the whole text), then each turn."""
    whole = pd.DataFrame(
        {
            "transcript_id": list(texts),
            "turn": 0,
            "speaker": "",
            "start": 0,
            "end": [len(t) for t in texts.values()],
            "digest": [digest(t) for t in texts.values()],
        }
    )
    mine = units[units["transcript_id"].isin(texts)]
    turns = pd.DataFrame(
        {
            "transcript_id": mine["transcript_id"].to_numpy(),
            "turn": mine["turn"].to_numpy(),
            "speaker": mine["speaker"].to_numpy(),
            "start": mine["start"].to_numpy(),
            "end": mine["end"].to_numpy(),
            "digest": [digest(t) for t in mine["text"]],
        }
    )
    rows = pd.concat([whole, turns], ignore_index=True)
    return rows.sort_values(["transcript_id", "turn"], kind="mergesort").reset_index(drop=True)


def write_lock(
    lock_csv: str | PathLike[str],
    units: pd.DataFrame,
    clean_dir: str | PathLike[str],
    relock: set[str] | None = None,
) -> tuple[list[str], list[str]]:
    """Add the current cleaned text of transcripts not yet locked (and of ``relock``) to the
    lock; locked transcripts are kept as they are. Returns (added, relocked)."""
    lock_csv, clean_dir = Path(lock_csv), Path(clean_dir)
    old = read_lock(lock_csv) if lock_csv.exists() else pd.DataFrame(columns=LOCK_COLUMNS)
    locked = set(old["transcript_id"])
    relock = set(relock or ())
    unknown = sorted(relock - set(units["transcript_id"]))
    if unknown:
        raise InputError(lock_csv, f"cannot relock {', '.join(unknown)}: not in units.csv")
    todo = [t for t in pd.unique(units["transcript_id"]) if t not in locked or t in relock]
    texts = {t: _cleaned_text(clean_dir / f"{t}.txt") for t in todo}
    kept = old[~old["transcript_id"].isin(texts)]
    rows = pd.concat([kept, lock_rows(units, texts)], ignore_index=True)
    rows = rows.sort_values(["transcript_id", "turn"], kind="mergesort")
    write_csv(lock_csv, rows[LOCK_COLUMNS])
    return sorted(set(todo) - locked), sorted(set(todo) & locked)


def _cleaned_text(path: Path) -> str:
    return read_clean_text(
        path, missing="cleaned transcript not found: run `snakemake clean_texts` (make lock)"
    )


def read_lock(path: str | PathLike[str]) -> pd.DataFrame:
    """Read ``text_lock.csv``; every transcript needs its turn-0 row."""
    path = Path(path)
    frame = read_table(path, LOCK_COLUMNS)
    rows = frame.index.to_numpy() + 2
    for column in ("turn", "start", "end"):
        numbers = pd.to_numeric(frame[column], errors="coerce")
        bad = numbers.isna() | (numbers < 0)
        if bad.any():
            i = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(path, f"{column} must be a whole number >= 0", row=int(rows[i]))
        frame[column] = numbers.astype("int64")
    whole = set(frame.loc[frame["turn"] == 0, "transcript_id"])
    lacking = sorted(set(frame["transcript_id"]) - whole)
    if lacking:
        raise InputError(path, f"transcript {lacking[0]} has no turn 0 row (the whole text)")
    return frame[LOCK_COLUMNS].reset_index(drop=True)


@dataclass
class Anchoring:
    """Turns as coded (``coded_units``, shaped like units.csv without text), the texts' lengths
    as coded, and how each coded turn maps onto the current units (``moves``)."""

    coded_units: pd.DataFrame
    lengths: dict[str, int]
    digests: dict[str, str]
    moves: pd.DataFrame  # ANCHOR_COLUMNS, one row per coded turn that is not simply unchanged
    locked: bool = True  # False: no lock, codings taken as made on the current text

    def carry(self, pairs: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Carry (unit_id, code, ...) rows coded on the locked text to the current units.
        Returns the carried rows and the report of every coding that moved or was cut."""
        if self.moves.empty or pairs.empty:
            return pairs, pd.DataFrame(columns=[*ANCHOR_COLUMNS, "code"])
        moves = self.moves.set_index("coded_unit_id")
        hit = pairs["unit_id"].isin(moves.index)
        report = pairs.loc[hit, ["unit_id", "code"]].rename(columns={"unit_id": "coded_unit_id"})
        report = report.join(moves, on="coded_unit_id")[[*ANCHOR_COLUMNS, "code"]]
        carried = pairs.copy()
        carried.loc[hit, "unit_id"] = pairs.loc[hit, "unit_id"].map(moves["unit_id"])
        carried = carried[carried["unit_id"] != ""].reset_index(drop=True)
        return carried, report.reset_index(drop=True)


def anchor(lock: pd.DataFrame | None, units: pd.DataFrame) -> Anchoring:
    """Compare the locked turns with the current units, transcript by transcript.

    Without a lock, codings are taken to be made on the current text."""
    current = units.assign(digest=[digest(t) for t in units["text"]])
    if lock is None:
        return Anchoring(
            coded_units=current,
            lengths={},
            digests={},
            moves=pd.DataFrame(columns=ANCHOR_COLUMNS),
            locked=False,
        )
    whole = lock[lock["turn"] == 0].set_index("transcript_id")
    turns = lock[lock["turn"] > 0]
    coded, moves = [], []
    by_tid = dict(tuple(current.groupby("transcript_id", sort=False)))
    for tid, old in turns.groupby("transcript_id", sort=False):
        new = by_tid.get(tid)
        if new is None:
            continue  # no longer analysed (e.g. marked not recorded): codings on it are refused
        coded.append(_as_units(old))
        moves.extend(_align(tid, old, new))
    locked = set(turns["transcript_id"])
    unlocked = [g for tid, g in by_tid.items() if tid not in locked]
    columns = [*coded[0].columns] if coded else [*current.columns]
    coded_units = pd.concat([*coded, *(g[columns] for g in unlocked)], ignore_index=True)
    return Anchoring(
        coded_units=coded_units,
        lengths=whole["end"].to_dict(),
        digests=whole["digest"].to_dict(),
        moves=pd.DataFrame(moves, columns=ANCHOR_COLUMNS),
    )


def _as_units(lock_turns: pd.DataFrame) -> pd.DataFrame:
    tid = lock_turns["transcript_id"]
    # One hash pass over the (millions of) turns, then each id parsed once and taken by code.
    codes, ids = pd.factorize(tid)
    parsed = np.array([parse_transcript_id(t) for t in ids], dtype="int64").reshape(-1, 2)
    return pd.DataFrame(
        {
            "unit_id": tid + ":" + lock_turns["turn"].astype(str),
            "transcript_id": tid,
            "participant_id": parsed[codes, 0],
            "wave": parsed[codes, 1],
            "turn": lock_turns["turn"],
            "speaker": lock_turns["speaker"],
            "start": lock_turns["start"],
            "end": lock_turns["end"],
            "text": "",
            "digest": lock_turns["digest"],
        }
    )


def _align(tid: str, old: pd.DataFrame, new: pd.DataFrame) -> list[tuple]:
    """Moves of one transcript's coded turns onto its current turns."""
    a, b = list(old["digest"]), list(new["digest"])
    old_ids = [f"{tid}:{t}" for t in old["turn"]]
    new_ids = list(new["unit_id"])
    if a == b and old_ids == new_ids:
        return []
    moves = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            moves += [
                (old_ids[i], new_ids[j], tid, "moved", "same text, another turn number")
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
                if old_ids[i] != new_ids[j]
            ]
        elif op == "replace" and i2 - i1 == j2 - j1:
            moves += [
                (
                    old_ids[i],
                    new_ids[j],
                    tid,
                    "text_changed",
                    "the turn's text changed since coding",
                )
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
        elif op in ("replace", "delete"):
            moves += [
                (old_ids[i], "", tid, "cut", "the turn is gone or was split/merged since coding")
                for i in range(i1, i2)
            ]
    return moves
