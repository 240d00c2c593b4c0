"""Importing one coder's codings into unit-level rows, and the coding sheet for coders.

Coders work in different tools; this stage turns what each one hands in into the same table,
one row per (unit, code) the coder applied (``results/codings/{coder}.csv``):

* a **long CSV** with either a ``unit_id`` per row or character spans ``start``/``end`` into the
  cleaned transcript (end exclusive), as QDA software exports them;
* a filled **coding sheet** (``.xlsx``) as :func:`write_coding_sheet` makes it, for teams that
  code in a spreadsheet;
* a **REFI-QDA project** (``.qdpx`` / ``.qde``) from NVivo, ATLAS.ti, MAXQDA or QualCoder, read by
  :mod:`qualflow.qdpx`.

A span codes every turn (unit) it overlaps by at least ``min_overlap`` characters, or that it
covers completely. Everything is checked against the codebook and ``units.csv``; bad input stops
with the file, row and problem. Doubtful but harmless things (repeated rows, spans that touch no
turn) are counted in the status table, never dropped silently.
"""

from __future__ import annotations

import contextlib
import difflib
import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from .changes import CodeHistory, with_old_names
from .codebook import CodebookSource, canonical_key, load_codebook, load_history
from .contracts import CODING_COLUMNS, check_units, read_units
from .errors import InputError
from .io import OutputSet, atomic_path, check_formulas_have_values, save_workbook
from .study import read_table
from .textlock import Anchoring, anchor, digest, read_lock

log = logging.getLogger(__name__)

STATUS_COLUMNS = ["kind", "count", "detail"]
SHEET_NAME = "coding"
SHEET_FIXED_COLUMNS = ["unit_id", "speaker", "text"]
SHEET_OPTIONAL_COLUMNS = ["transcript_id", "memo", "recode_of"]  # read; never code columns
CODEBOOK_SHEET = "codebook"
CODEBOOK_SHEET_COLUMNS = [
    "code",
    "subtheme",
    "category",
    "definition",
    "include",
    "exclude",
    "example",
]
APPLIED_WORDS = frozenset({"1", "x", "yes"})
BLANK_WORDS = frozenset({"", "0"})
FORMATS = {
    ".csv": "long CSV",
    ".xlsx": "coding sheet",
    ".xlsm": "coding sheet",
    ".qdpx": "REFI-QDA project",
    ".qde": "REFI-QDA project",
}
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_LIMIT = 32_767
MAX_DETAIL_ITEMS = 5
HEADER_FILL = PatternFill("solid", fgColor="DDE6F0")
CODED_FILL = PatternFill("solid", fgColor="C6EFCE", bgColor="C6EFCE")
INTERVIEWER_FONT = Font(color="666666", italic=True)


# ---------------------------------------------------------------------------------------------
# Units (units.csv is read and checked by qualflow.contracts; read_units, check_units imported)
# ---------------------------------------------------------------------------------------------


def sort_by_unit(
    frame: pd.DataFrame, units: pd.DataFrame, extra: Sequence[str] = ()
) -> pd.DataFrame:
    """Rows with a ``unit_id`` sorted by participant, wave, turn (numerically), then ``extra``."""
    keys = units.set_index("unit_id")[["participant_id", "wave", "turn"]]
    order = pd.DataFrame(
        {f"_{c}": frame["unit_id"].map(keys[c]) for c in keys.columns}, index=frame.index
    )
    for column in extra:
        order[column] = frame[column]
    order = order.sort_values(list(order.columns), kind="mergesort")
    return frame.loc[order.index].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Spans → units
# ---------------------------------------------------------------------------------------------


def spans_to_units(
    spans: pd.DataFrame,
    units: pd.DataFrame,
    min_overlap: int = 1,
    source: Path | None = None,
) -> pd.DataFrame:
    """Map character spans to the units (turns) they code.

    A span ``[start, end)`` codes unit ``[u.start, u.end)`` of its transcript when the overlap
    ``min(end, u.end) - max(start, u.start)`` is at least ``min_overlap`` characters, or when
    the span covers the whole (non-empty) unit, so a turn shorter than ``min_overlap`` inside a
    long span is still coded. Spans that merely touch a unit (overlap 0) never code it.

    Vectorised: units are sorted per transcript and located with ``np.searchsorted`` on
    transcript-offset keys, so a million spans over 300,000 units take a couple of seconds.

    ``spans`` has columns coder, transcript_id, code, start, end, optionally memo and ``row``
    (the file row, for error messages). Returns one row per (span, unit) with columns coder,
    unit_id, transcript_id, code, memo, ``span`` (0-based position of the span in ``spans``),
    ``overlap``, and ``row`` when given; a span that codes no unit has no row.
    """
    if min_overlap < 1:
        raise ValueError(f"min_overlap must be at least 1, not {min_overlap}")
    missing = [c for c in ("coder", "transcript_id", "code", "start", "end") if c not in spans]
    if missing:
        raise InputError(source, f"spans lack column(s) {', '.join(missing)}")
    units = check_units(units)
    spans = spans.reset_index(drop=True)
    rows = _row_numbers(spans)
    tids = strip_text(spans["transcript_id"])
    start, end = _span_offsets(spans, rows, source)

    order = np.lexsort((units["start"].to_numpy(), units["transcript_id"].to_numpy()))
    u = units.iloc[order]
    transcripts = pd.Index(pd.unique(u["transcript_id"]))
    u_t = transcripts.get_indexer(u["transcript_id"]).astype(np.int64)
    s_t = transcripts.get_indexer(tids).astype(np.int64)
    _raise_first(s_t < 0, rows, source, lambda i: _unknown_transcript(tids.iloc[i]))
    u_start = u["start"].to_numpy(np.int64)
    u_end = u["end"].to_numpy(np.int64)
    big = int(max(u_end.max(initial=0), end.max(initial=0))) + 1
    start_key = u_t * big + u_start
    end_key = u_t * big + u_end
    _check_units_ordered(u, end_key, source)

    first = np.searchsorted(end_key, s_t * big + start, side="right")  # first unit ending after
    stop = np.searchsorted(start_key, s_t * big + end, side="left")  # units starting before end
    n_candidates = np.maximum(stop - first, 0)
    span_idx = np.repeat(np.arange(len(spans)), n_candidates)
    run_start = np.repeat(np.cumsum(n_candidates) - n_candidates, n_candidates)
    unit_idx = np.repeat(first, n_candidates) + (np.arange(len(span_idx)) - run_start)

    s, e = start[span_idx], end[span_idx]
    us, ue = u_start[unit_idx], u_end[unit_idx]
    overlap = np.minimum(e, ue) - np.maximum(s, us)
    covers = (s <= us) & (ue <= e) & (ue > us)
    keep = (overlap >= min_overlap) | covers
    span_idx, unit_idx, overlap = span_idx[keep], unit_idx[keep], overlap[keep]

    memo = spans["memo"] if "memo" in spans else pd.Series("", index=spans.index)
    out = pd.DataFrame(
        {
            "coder": strip_text(spans["coder"]).to_numpy()[span_idx],
            "unit_id": u["unit_id"].to_numpy()[unit_idx],
            "transcript_id": tids.to_numpy()[span_idx],
            "code": strip_text(spans["code"]).to_numpy()[span_idx],
            "memo": memo.fillna("").astype(str).to_numpy()[span_idx],
            "span": span_idx,
            "overlap": overlap,
        }
    )
    if rows is not None:
        out["row"] = rows[span_idx]
    return out


def _check_units_ordered(u: pd.DataFrame, end_key: np.ndarray, source: Path | None) -> None:
    """Units of a transcript must not nest: sorted by start, their ends must not decrease."""
    back = np.diff(end_key) < 0
    if back.any():
        i = int(np.flatnonzero(back)[0])
        raise InputError(
            source,
            f"units {u['unit_id'].iloc[i]!r} and {u['unit_id'].iloc[i + 1]!r} overlap in the "
            "cleaned text; units.csv is inconsistent (rerun the clean stage)",
        )


def strip_text(values: pd.Series) -> pd.Series:
    """``values`` as stripped strings (missing → ""); fast for columns of few distinct values."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    stripped = np.array([("" if pd.isna(v) else str(v)).strip() for v in uniques], dtype=object)
    return pd.Series(stripped[codes] if len(codes) else [], index=values.index, dtype=object)


def _row_numbers(frame: pd.DataFrame) -> np.ndarray | None:
    return frame["row"].to_numpy() if "row" in frame else None


def _raise_first(
    mask: np.ndarray,
    rows: np.ndarray | None,
    source: str | PathLike[str] | None,
    problem: Callable[[int], str],
) -> None:
    """Raise InputError for the first True in ``mask``; ``problem(i)`` describes position i."""
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        i = int(np.flatnonzero(mask)[0])
        row = None if rows is None or pd.isna(rows[i]) else int(rows[i])
        raise InputError(source, problem(i), row=row)


def _span_offsets(
    spans: pd.DataFrame, rows: np.ndarray | None, source: Path | None
) -> tuple[np.ndarray, np.ndarray]:
    """``start``/``end`` as int64 arrays; non-integers, negative or empty spans are errors."""
    values = {}
    for column in ("start", "end"):
        raw = spans[column]
        if pd.api.types.is_integer_dtype(raw):
            values[column] = raw.to_numpy(np.int64)
            continue
        number = pd.to_numeric(raw, errors="coerce")
        bad = (number.isna() | (number != number.round())).to_numpy()
        _raise_first(
            bad,
            rows,
            source,
            lambda i, c=column, r=raw: _bad_offset(c, str(r.iloc[i]).strip()),
        )
        values[column] = number.to_numpy().astype(np.int64)
    start, end = values["start"], values["end"]
    _raise_first(
        start < 0, rows, source, lambda i: f"start {start[i]} is outside the text (below 0)"
    )
    _raise_first(
        end <= start,
        rows,
        source,
        lambda i: f"end {end[i]} must be greater than start {start[i]} (end is exclusive)",
    )
    return start, end


def _bad_offset(column: str, text: str) -> str:
    if text in ("", "nan", "None", "<NA>"):
        return f"{column} is empty (a span needs both start and end)"
    return f"{column} must be a whole number (a character offset), not {text!r}"


# ---------------------------------------------------------------------------------------------
# Reading a coder's file
# ---------------------------------------------------------------------------------------------


@dataclass
class _Tally:
    """What was read, for the status table."""

    format: str
    rows_read: int = 0
    spans_read: int = 0
    doubtful: dict[str, tuple[int, str]] = field(default_factory=dict)


def read_codings(
    path: Path,
    coder: str,
    codebook: pd.DataFrame,
    units: pd.DataFrame,
    clean_dir: Path,
    min_overlap: int = 1,
    coders: Mapping[str, str] | Sequence[str] | None = None,
    *,
    end_position: str = "auto",
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read one coder's file (long CSV, coding sheet .xlsx, or REFI-QDA .qdpx/.qde).

    Returns ``(codings, status)``. ``codings``: one row per (unit, code), columns coder,
    unit_id, transcript_id, code, memo, sorted by participant, wave, turn, code; memos of
    several rows landing on one (unit, code) are joined with `` | ``. ``status``: columns kind,
    count, detail — rows and spans read, repeated rows, spans merged on one unit, spans that
    code no unit, other coders' spans in a project, codings, units and transcripts coded.
    ``coders`` and ``end_position`` are passed on to :func:`qualflow.qdpx.read_spans`; with a
    mapping, a CSV's ``coder`` column may also hold the name the coder is mapped to.
    """
    result = read_coder(
        [Path(path)],
        coder,
        codebook,
        units,
        clean_dir,
        min_overlap,
        coders,
        end_position=end_position,
    )
    return result.codings, result.status


@dataclass
class CoderImport:
    """One coder's codings read from all their files, with what the import had to report:
    ``status`` (kind, count, detail), ``recode`` (units holding a split code: unit_id,
    transcript_id, code, into) and ``anchoring`` (codings carried to a changed text)."""

    codings: pd.DataFrame
    status: pd.DataFrame
    recode: pd.DataFrame
    anchoring: pd.DataFrame
    change_counts: dict[int, int]


def read_coder(
    paths: Sequence[Path],
    coder: str,
    codebook: pd.DataFrame,
    units: pd.DataFrame,
    clean_dir: Path,
    min_overlap: int = 1,
    coders: Mapping[str, str] | Sequence[str] | None = None,
    *,
    end_position: str = "auto",
    history: CodeHistory | None = None,
    anchoring: Anchoring | None = None,
    pending_recode: str = "error",
) -> CoderImport:
    """Read every file of one coder, apply the codebook's change log and carry the codings
    from the text they were coded on (``anchoring``, see :mod:`qualflow.textlock`) to the
    current units.

    Old code names are accepted and translated (:class:`qualflow.changes.CodeHistory`): renamed
    and merged codes become their current code, a retired code's codings are dropped and
    counted, a split code's codings are set aside for recoding. A coding sheet with a
    ``recode_of`` column (made by :func:`write_recode_sheet`) recodes them; with
    ``pending_recode="error"`` codings of a split code that no recode sheet covers stop the
    import, with ``"collect"`` they are only listed (to make the recode sheet).
    """
    units = check_units(units)
    history = history or CodeHistory(codebook["code"], [])
    anchoring = anchoring or anchor(None, units)
    accepted = with_old_names(codebook, history)
    current_digests = dict(zip(units["unit_id"], map(digest, units["text"]), strict=True))
    parts, tallies, recoded = [], [], []
    for path in paths:
        items, tally = _read_items(
            Path(path),
            coder,
            accepted,
            anchoring,
            current_digests,
            Path(clean_dir),
            coders,
            end_position,
        )
        items = _drop_repeated(items, tally)
        recoded.append(items.loc[items["recode_of"] != "", ["unit_id", "recode_of"]])
        parts.append(_items_to_pairs(items, anchoring.coded_units, min_overlap, Path(path), tally))
        tallies.append(tally)
    pairs = pd.concat(parts, ignore_index=True)
    pairs, anchored = _carry(pairs, anchoring)
    pairs, recode, change_counts = _apply_history(pairs, history, units)
    recode = _pending(recode, pd.concat(recoded, ignore_index=True), coder, paths, pending_recode)
    codings, status = _finish(pairs, tallies, coder, units, [Path(p) for p in paths])
    status = pd.concat(
        [
            status,
            _change_status(history, change_counts, recode),
            _anchor_status(anchored) if anchoring.locked else None,
        ],
        ignore_index=True,
    )
    for path in paths:
        _log_summary(Path(path), coder, status)
    return CoderImport(codings, status, recode, anchored, change_counts)


def _carry(pairs: pd.DataFrame, anchoring: Anchoring) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Pairs read on the locked text moved to the current units; sheet rows whose text is the
    current text already name current units."""
    on_lock = pairs["basis"] == "lock"
    carried, report = anchoring.carry(pairs[on_lock])
    return pd.concat([carried, pairs[~on_lock]], ignore_index=True), report


def _apply_history(
    pairs: pd.DataFrame, history: CodeHistory, units: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, dict[int, int]]:
    """Translate old code names; returns kept pairs, the split codings to recode, and the
    number of codings each change touched."""
    fate = history.translate(pairs["code"])
    counts = fate.loc[fate["change"] > 0, "change"].value_counts().to_dict()
    split = fate["fate"] == "split"
    recode = pairs.loc[split, ["unit_id", "code"]].assign(into=fate.loc[split, "into"])
    recode = recode.drop_duplicates(["unit_id", "code"])
    recode["transcript_id"] = recode["unit_id"].map(units.set_index("unit_id")["transcript_id"])
    kept = pairs.assign(code=fate["code"])[fate["code"] != ""].reset_index(drop=True)
    return kept, recode[RECODE_COLUMNS].reset_index(drop=True), counts


RECODE_COLUMNS = ["unit_id", "transcript_id", "code", "into"]


def _pending(
    recode: pd.DataFrame, recoded: pd.DataFrame, coder: str, paths, mode: str
) -> pd.DataFrame:
    """Split codings not yet recoded (no row for the unit in a recode sheet)."""
    done = set(zip(recoded["unit_id"], recoded["recode_of"], strict=True))
    waiting = recode[
        [(u, c) not in done for u, c in zip(recode["unit_id"], recode["code"], strict=True)]
    ]
    if mode == "error" and len(waiting):
        codes = ", ".join(sorted(set(waiting["code"])))
        raise InputError(
            paths[0],
            f"{len(waiting)} coding(s) of the split code(s) {codes} by coder {coder!r} await "
            f"recoding with the new codes: fill results/codebook/recode_{coder}.xlsx and list "
            f"it under coders.{coder} in config.yaml (after this file)",
        )
    return waiting.reset_index(drop=True)


def _change_status(
    history: CodeHistory, counts: Mapping[int, int], recode: pd.DataFrame
) -> pd.DataFrame:
    rows = [
        ("codebook_change", counts.get(c.number, 0), f"change {c.number}: {c.describe()}")
        for c in history.changes
    ]
    if history.changes:
        rows.append(("recode_pending", len(recode), "codings of split codes not yet recoded"))
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


def _anchor_status(report: pd.DataFrame) -> pd.DataFrame:
    counts = report["change"].value_counts()
    detail = {
        "text_changed": "codings on turns whose text changed since coding (kept, listed)",
        "moved": "codings carried to the same text under another turn number",
        "cut": "codings on turns that no longer exist (dropped, listed)",
    }
    rows = [(f"anchor_{k}", int(counts.get(k, 0)), d) for k, d in detail.items()]
    return pd.DataFrame(rows, columns=STATUS_COLUMNS)


# Every reader returns "items": one row per source row (a file row, a sheet cell, a project
# selection) with columns row, key, kind ("unit" or "span"), unit_id, transcript_id, code,
# start, end, memo. ``key`` identifies what the row codes, to find repeated rows.
# ``basis`` is "lock" when the row was coded on the text recorded in the study's text lock,
# "current" when it names today's units (a sheet whose text is today's text); ``recode_of`` is
# the split code a recode sheet's row recodes.
_ITEM_COLUMNS = ["row", "key", "kind", "unit_id", "transcript_id", "code", "start", "end", "memo"]
_ITEM_EXTRA = {"basis": "lock", "recode_of": ""}


def _read_items(
    path: Path,
    coder: str,
    codebook: pd.DataFrame,
    anchoring: Anchoring,
    current_digests: Mapping[str, str],
    clean_dir: Path,
    coders: Mapping[str, str] | Sequence[str] | None,
    end_position: str,
) -> tuple[pd.DataFrame, _Tally]:
    """One file's items (see below) and what was read, for the status table."""
    if not path.exists():
        raise InputError(path, f"coder {coder!r}'s codings file not found")
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise InputError(path, f"unsupported file type {path.suffix!r}; use one of {known}")
    units = anchoring.coded_units
    tally = _Tally(FORMATS[suffix])
    if suffix == ".csv":
        lengths = _Lengths(clean_dir, anchoring.lengths)
        items = _read_long_csv(path, coder, codebook, units, lengths, coders, tally)
    elif suffix in (".xlsx", ".xlsm"):
        items = _read_sheet(path, codebook, units, current_digests, tally)
    else:
        items = _read_project(path, coder, codebook, units, clean_dir, coders, end_position, tally)
    for column, default in _ITEM_EXTRA.items():
        if column not in items:
            items[column] = default
    return items, tally


@dataclass
class _Lengths:
    """Length in characters of each transcript as coded: from the text lock, else the
    cleaned text."""

    clean_dir: Path
    locked: Mapping[str, int]

    def __call__(self, transcript_ids) -> dict[str, int]:
        known = {t: int(self.locked[t]) for t in transcript_ids if t in self.locked}
        rest = [t for t in transcript_ids if t not in self.locked]
        return known | _text_lengths(self.clean_dir, rest)


def _read_long_csv(
    path: Path,
    coder: str,
    codebook: pd.DataFrame,
    units: pd.DataFrame,
    lengths: Callable[[Sequence[str]], dict[str, int]],
    coders: Mapping[str, str] | Sequence[str] | None,
    tally: _Tally,
) -> pd.DataFrame:
    frame = read_table(path, ["coder", "transcript_id", "code"])
    _check_csv_layout(frame, path)
    for column in ("unit_id", "start", "end", "memo"):
        if column not in frame:
            frame[column] = ""
    for column in ("coder", "transcript_id", "code", "unit_id", "start", "end"):
        frame[column] = strip_text(frame[column])
    frame["row"] = frame.index.to_numpy() + 2  # file rows (read_table keeps them)
    tally.rows_read = len(frame)
    rows = frame["row"].to_numpy()
    _check_coder_column(frame, coder, coders, rows, path)
    _check_codes(frame["code"], codebook, rows, path)
    _check_transcripts(frame["transcript_id"], units, rows, path)
    by_unit = frame["unit_id"] != ""
    no_span = (frame["start"] == "") & (frame["end"] == "")
    _raise_first(
        (~by_unit & no_span).to_numpy(),
        rows,
        path,
        lambda i: "neither a unit_id nor start and end given",
    )
    unit_items = _unit_items(frame[by_unit], units, path)
    span_items = _span_items(frame[~by_unit], lengths, path)
    return pd.concat([unit_items, span_items]).sort_values("row", kind="mergesort")


def _check_csv_layout(frame: pd.DataFrame, path: Path) -> None:
    if "unit_id" not in frame and "start" not in frame and "end" not in frame:
        raise InputError(path, "needs a unit_id column, or start and end columns", line=1)
    for have, lack in (("start", "end"), ("end", "start")):
        if have in frame and lack not in frame:
            raise InputError(path, f"has a {have} column but no {lack} column", line=1)


def _unit_items(frame: pd.DataFrame, units: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Rows naming a unit_id: it must exist and belong to the row's transcript."""
    rows = frame["row"].to_numpy()
    transcript_of = units.set_index("unit_id")["transcript_id"]
    actual = frame["unit_id"].map(transcript_of)
    _raise_first(
        actual.isna().to_numpy(),
        rows,
        path,
        lambda i: f"unit_id {frame['unit_id'].iloc[i]!r} is not in units.csv",
    )
    _raise_first(
        (actual != frame["transcript_id"]).to_numpy(),
        rows,
        path,
        lambda i: (
            f"unit_id {frame['unit_id'].iloc[i]!r} belongs to transcript "
            f"{actual.iloc[i]}, not {frame['transcript_id'].iloc[i]}"
        ),
    )
    return frame.assign(
        kind="unit", key=frame["unit_id"] + "\x1f" + frame["code"], start=-1, end=-1
    )[_ITEM_COLUMNS]


def _span_items(
    frame: pd.DataFrame, lengths: Callable[[Sequence[str]], dict[str, int]], path: Path
) -> pd.DataFrame:
    """Span rows of a long CSV: whole numbers with 0 <= start < end <= the text's length."""
    if frame.empty:
        return pd.DataFrame(columns=_ITEM_COLUMNS)
    frame = frame.reset_index(drop=True)
    rows = _row_numbers(frame)
    start, end = _span_offsets(frame, rows, path)
    limit = frame["transcript_id"].map(lengths(list(frame["transcript_id"].unique())))
    limit = limit.to_numpy(np.int64)
    _raise_first(
        end > limit,
        rows,
        path,
        lambda i: (
            f"end {end[i]} is outside the text: the cleaned transcript "
            f"{frame['transcript_id'].iloc[i]} has {limit[i]} characters"
        ),
    )
    return _as_span_items(frame, start, end)


def _as_span_items(frame: pd.DataFrame, start, end) -> pd.DataFrame:
    """Checked span rows (``frame`` indexed 0..n-1, offsets as whole numbers) as items."""
    start, end = np.asarray(start, dtype=np.int64), np.asarray(end, dtype=np.int64)
    key = (
        frame["transcript_id"]
        + "\x1f"
        + frame["code"]
        + "\x1f"
        + pd.Series(start, index=frame.index).astype(str)
        + "\x1f"
        + pd.Series(end, index=frame.index).astype(str)
    )
    return frame.assign(kind="span", key=key, unit_id="", start=start, end=end)[_ITEM_COLUMNS]


def _text_lengths(clean_dir: Path, transcript_ids) -> dict[str, int]:
    """Length in characters (code points) of each cleaned transcript."""
    lengths = {}
    for tid in sorted(transcript_ids):
        file = clean_dir / f"{tid}.txt"
        try:
            lengths[tid] = len(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(file, "cleaned transcript not found (run the clean stage)") from None
    return lengths


def _check_coder_column(
    frame: pd.DataFrame,
    coder: str,
    coders: Mapping[str, str] | Sequence[str] | None,
    rows: np.ndarray,
    path: Path,
) -> None:
    """Every row's ``coder`` must be this file's coder (or the name config maps it to)."""
    accepted = {canonical_key(coder)}
    if isinstance(coders, Mapping) and coders.get(coder):
        accepted.add(canonical_key(coders[coder]))
    wrong = [name for name in pd.unique(frame["coder"]) if canonical_key(name) not in accepted]
    _raise_first(
        frame["coder"].isin(wrong).to_numpy(),
        rows,
        path,
        lambda i: (
            f"coder is {frame['coder'].iloc[i]!r} but config.yaml assigns this file "
            f"to coder {coder!r}"
        ),
    )


def _check_codes(codes: pd.Series, codebook: pd.DataFrame, rows, path: Path) -> None:
    _raise_first(
        ~codes.isin(set(codebook["code"])).to_numpy(),
        rows,
        path,
        lambda i: _unknown_code(codes.iloc[i], codebook),
    )


def _unknown_code(code: str, codebook: pd.DataFrame) -> str:
    """Say which code is unknown, with the likely intended current code when there is one:
    the same name or label spelled another way, else the closest name, preferring codes whose
    subtheme shares a word with it. Old names (codebook changes) are never offered."""
    if not code:
        return "code is empty"
    book = codebook[codebook["now"] == ""] if "now" in codebook else codebook
    by_key = {canonical_key(c): c for c in book["code"]}
    by_key.update(
        {canonical_key(label): c for label, c in zip(book["code_label"], book["code"], strict=True)}
    )
    hint = by_key.get(canonical_key(code)) or _closest_code(code, book)
    return (
        f"code {code!r} is not in the codebook"
        + (f" (did you mean {hint!r}?)" if hint else "")
        + " — a code renamed, merged, split or retired is recorded under changes: in the "
        "codebook, not edited in coders' files"
    )


def _closest_code(code: str, book: pd.DataFrame) -> str | None:
    close = difflib.get_close_matches(code, list(book["code"]), n=3, cutoff=0.6)
    words = set(canonical_key(code).split())
    subtheme_of = dict(zip(book["code"], book["subtheme"], strict=True))
    same = [c for c in close if words & set(canonical_key(subtheme_of[c]).split())]
    return (same or close or [None])[0]


def _unknown_transcript(tid: str) -> str:
    if not tid:
        return "transcript_id is empty"
    return f"transcript {tid!r} is not among the cleaned transcripts (units.csv)"


def _check_transcripts(tids: pd.Series, units: pd.DataFrame, rows, path: Path) -> None:
    known = set(units["transcript_id"])
    _raise_first(
        ~tids.isin(known).to_numpy(), rows, path, lambda i: _unknown_transcript(tids.iloc[i])
    )


def _read_project(
    path: Path,
    coder: str,
    codebook: pd.DataFrame,
    units: pd.DataFrame,
    clean_dir: Path,
    coders: Mapping[str, str] | Sequence[str] | None,
    end_position: str,
    tally: _Tally,
) -> pd.DataFrame:
    """A REFI-QDA project: keep this coder's selections; the rest are counted, not imported."""
    from .qdpx import read_spans  # imported here: only projects need the REFI-QDA reader

    spans = read_spans(
        path,
        codebook=codebook,
        clean_dir=clean_dir,
        coders=coders,
        end_position=end_position,
        coder=coder,
    )
    unused = spans.attrs.get("qdpx_unused_codes") or []
    if unused:
        tally.doubtful["unused_codes"] = (
            len(unused),
            _first_few([repr(c) for c in unused[:MAX_DETAIL_ITEMS]], total=len(unused))
            + " (in the project, not in the codebook, never applied: ignored)",
        )
    coder_of = spans["coder"].astype(str)
    others = coder_of[coder_of != coder]
    if len(others):
        per_coder = others.value_counts().sort_index()
        tally.doubtful["other_coder_spans"] = (
            len(others),
            "; ".join(f"{name}: {n}" for name, n in per_coder.items()) + " (not imported here)",
        )
    reading = spans.attrs.get("qdpx_reading") or {}
    if reading.get("end_position"):
        tally.format += f" (endPosition read as {reading['end_position']})"
    mine = spans[coder_of == coder].reset_index(drop=True)
    if mine.empty:
        found = ", ".join(sorted(set(others))) or "none"
        raise InputError(
            path, f"the project holds no codings by coder {coder!r} (coders found: {found})"
        )
    tally.rows_read = len(mine)
    # read_spans matched every code to the codebook and checked every span against its cleaned
    # text (inside it, same text), so only units.csv is left to check; no file is read again.
    _check_transcripts(mine["transcript_id"], units, None, path)
    return _as_span_items(mine.assign(row=pd.NA), mine["start"], mine["end"])


def _read_sheet(
    path: Path,
    codebook: pd.DataFrame,
    units: pd.DataFrame,
    current_digests: Mapping[str, str],
    tally: _Tally,
) -> pd.DataFrame:
    """A filled coding sheet: one row per unit, 1 / x / yes under each code applied.

    The sheet's ``text`` column must be the unit's text as coded (text lock) or as it is now;
    which one decides whether its unit ids are carried to the current units."""
    with read_workbook(path) as book:
        if SHEET_NAME not in book.sheetnames:
            raise InputError(
                path, f"no sheet named {SHEET_NAME!r} (sheets: {', '.join(book.sheetnames)})"
            )
        records, tally.rows_read = _sheet_records(
            path, book[SHEET_NAME], codebook, units, current_digests
        )
    items = pd.DataFrame(records, columns=["row", "unit_id", "code", "memo", "basis", "recode_of"])
    transcript_of = units.set_index("unit_id")["transcript_id"]
    return items.assign(
        key=items["unit_id"] + "\x1f" + items["code"] + "\x1f" + items["recode_of"],
        kind="unit",
        transcript_id=items["unit_id"].map(transcript_of),
        start=-1,
        end=-1,
    )[[*_ITEM_COLUMNS, *_ITEM_EXTRA]]


@contextlib.contextmanager
def read_workbook(path: Path) -> Iterator[Workbook]:
    """Open an .xlsx read-only (cached values, not formulas); the file is closed afterwards,
    even when reading stops half-way with an error."""
    with open(path, "rb") as handle:
        try:
            book = load_workbook(handle, read_only=True, data_only=True)
        except Exception as err:  # openpyxl raises several unrelated types for a bad file
            raise InputError(path, f"cannot be read as an Excel workbook ({err})") from None
        check_formulas_have_values(path)
        try:
            yield book
        finally:
            book.close()


def _sheet_records(
    path: Path,
    sheet: Worksheet,
    codebook: pd.DataFrame,
    units: pd.DataFrame,
    current_digests: Mapping[str, str],
) -> tuple[list[tuple], int]:
    """(row, unit_id, code, memo, basis, recode_of) for every cell marked, and the number of
    unit rows; a row of a recode sheet counts as recoded even with no mark."""
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise InputError(path, f"sheet {SHEET_NAME!r} is empty", row=1)
    names = [None if v is None else str(v).strip() for v in header]
    code_columns = _sheet_code_columns(path, names, codebook)
    column = {
        name: names.index(name)
        for name in ("unit_id", "memo", "text", "recode_of")
        if name in names
    }
    coded_digests = dict(zip(units["unit_id"], units["digest"], strict=True))
    records: list[tuple] = []
    n_rows = 0
    for r, values in enumerate(rows, start=2):
        values = list(values) + [None] * (len(names) - len(values))
        cell = {name: _cell_text(values[i]) for name, i in column.items()}
        unit_id = cell["unit_id"]
        applied = [
            code for col, code in code_columns if _is_applied(path, r, col, code, values[col])
        ]
        if not unit_id:
            if applied:
                raise InputError(
                    path, f"sheet {SHEET_NAME!r}: codes entered but unit_id is empty", row=r
                )
            continue
        if unit_id not in coded_digests and unit_id not in current_digests:
            raise InputError(
                path, f"sheet {SHEET_NAME!r}: unit_id {unit_id!r} is not in units.csv", row=r
            )
        n_rows += 1
        basis = _sheet_basis(path, r, unit_id, cell.get("text"), coded_digests, current_digests)
        memo, recode_of = cell.get("memo", ""), cell.get("recode_of", "")
        records.extend((r, unit_id, code, memo, basis, recode_of) for code in applied)
        if recode_of and not applied:
            records.append((r, unit_id, "", memo, basis, recode_of))
    return records, n_rows


def _sheet_basis(
    path: Path,
    row: int,
    unit_id: str,
    text: str | None,
    coded: Mapping[str, str],
    current: Mapping[str, str],
) -> str:
    """ "lock" if the row's text is the unit's text as coded, "current" if it is today's text
    (a sheet made after the text changed); otherwise the sheet does not fit the study."""
    if text is None or len(text) >= EXCEL_CELL_LIMIT - 1:
        return "lock"  # no text column, or a text Excel had to cut: nothing to compare
    mine = digest(_sheet_normal(text))
    if mine == coded.get(unit_id):
        return "lock"
    if mine == current.get(unit_id):
        return "current"
    raise InputError(
        path,
        f"sheet {SHEET_NAME!r}: the text in this row is not the text of unit {unit_id} — "
        "neither as coded (the study's text lock) nor as cleaned now; the sheet was made from "
        "another version of the transcripts, or its text was edited",
        row=row,
    )


def _sheet_normal(text: str) -> str:
    return text.replace("\r\n", "\n")


def _sheet_code_columns(path: Path, names: list, codebook: pd.DataFrame) -> list[tuple[int, str]]:
    """(column index, code) of every code column; together they must match the codebook."""
    if "unit_id" not in names:
        raise InputError(path, f"sheet {SHEET_NAME!r} has no unit_id column", row=1)
    seen = [n for n in names if n]
    repeated = sorted({n for n in seen if seen.count(n) > 1})
    if repeated:
        raise InputError(
            path, f"sheet {SHEET_NAME!r}: column(s) {', '.join(repeated)} appear twice", row=1
        )
    reserved = set(SHEET_FIXED_COLUMNS) | set(SHEET_OPTIONAL_COLUMNS)
    columns = [(i, n) for i, n in enumerate(names) if n and n not in reserved]
    expected = list(codebook["code"])
    present = {n for _, n in columns}
    # A recode sheet holds the new codes only. A sheet made before a codebook change holds old
    # names (rows of the codebook with a non-empty ``now``): they cover the codes they became.
    now = codebook["now"] if "now" in codebook else pd.Series("", index=codebook.index)
    became = {
        c
        for n, cs in zip(codebook["code"], now, strict=True)
        if n in present
        for c in cs.split(";")
    }
    current = codebook.loc[now == "", "code"]
    missing = [] if "recode_of" in names else [c for c in current if c not in present | became]
    unexpected = [n for _, n in columns if n not in set(expected)]
    if missing or unexpected:
        parts = [f"missing code column(s) {', '.join(missing)}"] if missing else []
        parts += [f"unexpected column(s) {', '.join(unexpected)}"] if unexpected else []
        raise InputError(
            path,
            f"sheet {SHEET_NAME!r}: the code columns no longer match the codebook: "
            f"{'; '.join(parts)} (rename the columns, or code on a new sheet made from the "
            "current codebook)",
            row=1,
        )
    return columns


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _is_applied(path: Path, row: int, col: int, code: str, value: object) -> bool:
    """1, x or yes apply the code; blank or 0 do not; anything else is an error."""
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        if value in (0, 1):
            return value == 1
    else:
        word = str(value).strip().casefold()
        if word in APPLIED_WORDS:
            return True
        if word in BLANK_WORDS:
            return False
    raise InputError(
        path,
        f"sheet {SHEET_NAME!r}, cell {get_column_letter(col + 1)}{row} (code {code}) holds "
        f"{value!r}; enter 1, x or yes to apply the code, or leave it blank (or 0)",
        row=row,
    )


def _drop_repeated(items: pd.DataFrame, tally: _Tally) -> pd.DataFrame:
    """Drop rows repeating an earlier row (same unit and code, or the same span); count them."""
    items = items.reset_index(drop=True)
    repeated = items["key"].duplicated()
    if repeated.any():
        first = items.groupby("key", sort=False)["row"].transform("first")
        described = [
            f"row {int(r)} repeats row {int(f)}"
            if pd.notna(r)
            else f"{_describe_item(item)} repeated"
            for r, f, item in zip(
                items.loc[repeated, "row"],
                first[repeated],
                items[repeated].itertuples(),
                strict=True,
            )
        ]
        tally.doubtful["duplicate"] = (int(repeated.sum()), _first_few(described))
    return items[~repeated].reset_index(drop=True)


def _describe_item(item) -> str:
    if item.kind == "unit":
        return f"{item.unit_id} {item.code}"
    return f"{item.transcript_id} {item.start}-{item.end} {item.code}"


def _first_few(items: list[str], total: int | None = None) -> str:
    """The first few items, and how many more there are (of ``total``, default all items)."""
    more = (len(items) if total is None else total) - MAX_DETAIL_ITEMS
    return "; ".join(items[:MAX_DETAIL_ITEMS]) + (f"; and {more} more" if more > 0 else "")


def _items_to_pairs(
    items: pd.DataFrame, units: pd.DataFrame, min_overlap: int, path: Path, tally: _Tally
) -> pd.DataFrame:
    """(row, unit_id, code, memo) per unit each item codes; spans go through the overlap rule."""
    columns = ["row", "unit_id", "code", "memo", "basis"]
    direct = items.loc[(items["kind"] == "unit") & (items["code"] != ""), columns]
    spans = items[items["kind"] == "span"].reset_index(drop=True)
    tally.spans_read = len(spans)
    if spans.empty:
        return direct.reset_index(drop=True)
    mapped = spans_to_units(spans.assign(coder=""), units, min_overlap=min_overlap, source=path)
    lost = np.setdiff1d(np.arange(len(spans)), mapped["span"].to_numpy())
    if len(lost):
        described = [
            f"{'' if pd.isna(s.row) else f'row {int(s.row)}: '}{_describe_item(s)}"
            for s in spans.iloc[lost].itertuples()
        ]
        tally.doubtful["spans_without_unit"] = (
            len(lost),
            _first_few(described) + f" (no turn overlapped by min_overlap={min_overlap})",
        )
    return pd.concat([direct, mapped.assign(basis="lock")[columns]], ignore_index=True)


def _finish(
    pairs: pd.DataFrame, tallies: Sequence[_Tally], coder: str, units: pd.DataFrame, paths
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """One row per (unit, code), memos joined; the status table."""
    pairs = pairs.assign(memo=pairs["memo"].fillna("").astype(str))
    merged = pairs.duplicated(["unit_id", "code"])
    memos = (
        pairs[pairs["memo"] != ""]
        .drop_duplicates(["unit_id", "code", "memo"])
        .groupby(["unit_id", "code"], sort=False)["memo"]
        .agg(" | ".join)
    )
    codings = pairs.drop_duplicates(["unit_id", "code"])[["unit_id", "code"]]
    codings = codings.merge(memos.rename("memo").reset_index(), on=["unit_id", "code"], how="left")
    codings = codings.assign(
        coder=coder,
        transcript_id=codings["unit_id"].map(units.set_index("unit_id")["transcript_id"]),
        memo=codings["memo"].fillna(""),
    )
    codings = sort_by_unit(codings[CODING_COLUMNS], units, extra=["code"])
    if codings.empty:
        raise InputError(paths[0], f"no codings found: coder {coder!r} applied no code to any unit")
    doubtful = _merge_doubtful(tallies)
    if merged.any():
        on_one_unit = pairs.loc[merged, ["unit_id", "code"]].drop_duplicates()
        shown = [f"{u} {c}" for u, c in on_one_unit.head(MAX_DETAIL_ITEMS).itertuples(index=False)]
        doubtful["spans_merged"] = (
            int(merged.sum()),
            _first_few(shown, total=len(on_one_unit))
            + " (several spans on one unit, counted once)",
        )
    status = [
        (
            "rows_read",
            sum(t.rows_read for t in tallies),
            "; ".join(f"{t.format} {p.name}" for t, p in zip(tallies, paths, strict=True)),
        ),
        ("spans_read", sum(t.spans_read for t in tallies), ""),
        *(
            (kind, *doubtful.get(kind, (0, "")))
            for kind in ("duplicate", "spans_merged", "spans_without_unit", "other_coder_spans")
        ),
        *((("unused_codes", *doubtful["unused_codes"]),) if "unused_codes" in doubtful else ()),
        ("codings", len(codings), "(unit, code) rows written"),
        ("units_coded", codings["unit_id"].nunique(), ""),
        ("transcripts_coded", codings["transcript_id"].nunique(), ""),
    ]
    return codings, pd.DataFrame(status, columns=STATUS_COLUMNS)


def _merge_doubtful(tallies: Sequence[_Tally]) -> dict[str, tuple[int, str]]:
    """The doubtful counts of several files added up, details joined."""
    merged: dict[str, tuple[int, str]] = {}
    for tally in tallies:
        for kind, (n, detail) in tally.doubtful.items():
            total, text = merged.get(kind, (0, ""))
            merged[kind] = (total + n, "; ".join(d for d in (text, detail) if d))
    return merged


def _log_summary(path: Path, coder: str, status: pd.DataFrame) -> None:
    n = dict(zip(status["kind"], status["count"], strict=True))
    doubtful = n["duplicate"] + n["spans_without_unit"]
    log.log(
        logging.WARNING if doubtful else logging.INFO,
        "%s: %d rows (%d spans) read from %s -> %d codings on %d units in %d transcripts; "
        "%d duplicate rows, %d spans merged, %d spans coding no unit",
        coder,
        n["rows_read"],
        n["spans_read"],
        path,
        n["codings"],
        n["units_coded"],
        n["transcripts_coded"],
        n["duplicate"],
        n["spans_merged"],
        n["spans_without_unit"],
    )


# ---------------------------------------------------------------------------------------------
# Reading what this stage wrote
# ---------------------------------------------------------------------------------------------


def load_codings(
    path: str | PathLike[str], units: pd.DataFrame, codebook: pd.DataFrame
) -> pd.DataFrame:
    """Read ``results/codings/{coder}.csv`` back, checking that its units and codes exist."""
    path = Path(path)
    frame = read_table(path, CODING_COLUMNS)
    rows = frame.index.to_numpy() + 2  # file rows (read_table keeps them)
    _check_codes(frame["code"], codebook, rows, path)
    _raise_first(
        ~frame["unit_id"].isin(set(units["unit_id"])).to_numpy(),
        rows,
        path,
        lambda i: f"unit_id {frame['unit_id'].iloc[i]!r} is not in units.csv",
    )
    return frame[CODING_COLUMNS]


# ---------------------------------------------------------------------------------------------
# The coding sheet
# ---------------------------------------------------------------------------------------------


def write_coding_sheet(
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    path: Path,
    codings: pd.DataFrame | None = None,
) -> None:
    """Write an .xlsx coding sheet for coders without QDA software (atomically).

    Sheet ``coding``: unit_id, speaker, text, then one column per code (codebook order; the
    header's comment holds the label and definition), where the coder enters 1 (or x / yes).
    Every turn is listed, interviewer turns in grey, for context. Sheet ``codebook``: the
    definitions. With ``codings`` (columns unit_id, code) the sheet is written pre-filled.
    """
    units = check_units(units).sort_values(["participant_id", "wave", "turn"], kind="mergesort")
    marked = _marked_cells(codings, units, list(codebook["code"]))
    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    _write_coding_rows(sheet, units, codebook, marked)
    add_codebook_sheet(book, codebook)
    with atomic_path(path) as tmp:
        save_workbook(book, tmp)  # fixed dates: byte-identical reruns
    log.info(
        "coding sheet %s: %d units x %d codes, %d cells pre-filled",
        path,
        len(units),
        len(codebook),
        len(marked),
    )


def _marked_cells(codings: pd.DataFrame | None, units: pd.DataFrame, codes: list[str]) -> set:
    if codings is None or codings.empty:
        return set()
    unknown_codes = sorted(set(codings["code"]) - set(codes))
    unknown_units = sorted(set(codings["unit_id"]) - set(units["unit_id"]))
    if unknown_codes or unknown_units:
        raise ValueError(
            "codings to pre-fill name codes not in the codebook "
            f"{unknown_codes[:5]} or units not in units {unknown_units[:5]}"
        )
    return set(zip(codings["unit_id"], codings["code"], strict=True))


def _write_coding_rows(
    sheet: Worksheet, units: pd.DataFrame, codebook: pd.DataFrame, marked: set
) -> None:
    codes = list(codebook["code"])
    n_fixed = len(SHEET_FIXED_COLUMNS)
    _write_header(sheet, SHEET_FIXED_COLUMNS)
    for col, row in enumerate(codebook.itertuples(), start=n_fixed + 1):
        cell = sheet.cell(row=1, column=col, value=row.code)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(text_rotation=90, horizontal="center", vertical="bottom")
        note = f"{row.code_label}\n\n{row.definition}".strip()[:2000]
        cell.comment = Comment(note, "qualflow", width=320, height=180)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, unit in enumerate(units.itertuples(index=False), start=2):
        for col, value in enumerate((unit.unit_id, unit.speaker, unit.text), start=1):
            cell = sheet.cell(row=r, column=col)
            set_text_cell(cell, value)
            cell.alignment = wrap
            if unit.speaker == "interviewer":
                cell.font = INTERVIEWER_FONT
        for col, code in enumerate(codes, start=n_fixed + 1):
            if (unit.unit_id, code) in marked:
                sheet.cell(row=r, column=col, value=1)
    last_row = max(len(units) + 1, 2)
    first_code = get_column_letter(n_fixed + 1)
    last_code = get_column_letter(n_fixed + len(codes))
    area = f"{first_code}2:{last_code}{last_row}"
    marks = DataValidation(
        type="list",
        formula1='"1,x,yes"',
        allow_blank=True,
        errorStyle="warning",
        errorTitle="Not a coding mark",
        error="Enter 1 (or x / yes) to apply the code; leave the cell blank otherwise.",
    )
    marks.add(area)
    sheet.add_data_validation(marks)
    sheet.conditional_formatting.add(
        area, FormulaRule(formula=[f"LEN({first_code}2)>0"], fill=CODED_FILL)
    )
    sheet.freeze_panes = f"{first_code}2"
    sheet.auto_filter.ref = f"A1:{last_code}{last_row}"
    sheet.row_dimensions[1].height = min(7 * max(len(c) for c in codes) + 12, 220)
    for col, width in enumerate([14, 12, 80], start=1):
        sheet.column_dimensions[get_column_letter(col)].width = width
    for col in range(n_fixed + 1, n_fixed + len(codes) + 1):
        sheet.column_dimensions[get_column_letter(col)].width = 4.5


def _write_header(sheet: Worksheet, names: Sequence[str]) -> None:
    for col, name in enumerate(names, start=1):
        cell = sheet.cell(row=1, column=col, value=name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="bottom", wrap_text=True)


def add_codebook_sheet(book: Workbook, codebook: pd.DataFrame) -> None:
    """Add a ``codebook`` sheet: code, subtheme, category, definition, include, exclude, example."""
    sheet = book.create_sheet(CODEBOOK_SHEET)
    _write_header(sheet, CODEBOOK_SHEET_COLUMNS)
    widths = {"code": 24, "subtheme": 24, "category": 14}
    for col, name in enumerate(CODEBOOK_SHEET_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(col)].width = widths.get(name, 45)
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, row in enumerate(codebook[CODEBOOK_SHEET_COLUMNS].itertuples(index=False), start=2):
        for col, value in enumerate(row, start=1):
            cell = sheet.cell(row=r, column=col)
            set_text_cell(cell, value)
            cell.alignment = wrap
    sheet.freeze_panes = "A2"


def set_text_cell(cell, value: object) -> None:
    """Store ``value`` as an inert string cell, never a formula (OWASP formula injection).

    openpyxl turns a string starting with ``=`` into a formula; forcing the string type, and
    Excel's quote prefix on text starting with = + - @, keeps it text even when a user edits it.
    Characters XML cannot hold are dropped; text beyond Excel's cell limit is cut (logged).
    """
    text = "" if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)
    text = ILLEGAL_CHARACTERS_RE.sub("", text)
    if len(text) > EXCEL_CELL_LIMIT:
        log.warning("a text of %d characters was cut to Excel's cell limit", len(text))
        text = text[: EXCEL_CELL_LIMIT - 1] + "…"
    cell.value = text
    cell.data_type = "s"
    if text.startswith(FORMULA_TRIGGERS):
        cell.quotePrefix = True


# ---------------------------------------------------------------------------------------------
# Stage entry
# ---------------------------------------------------------------------------------------------


def import_coder(
    source: Path | Sequence[Path],
    coder: str,
    codebook_yaml: CodebookSource,
    units_csv: Path,
    clean_dir: Path,
    min_overlap: int,
    out_csv: Path,
    out_status: Path,
    coders: Mapping[str, str] | Sequence[str] | None = None,
    *,
    end_position: str = "auto",
    text_lock: Path | None = None,
    out_anchoring: Path | None = None,
) -> None:
    """Stage entry: a coder's files → ``results/codings/{coder}.csv``, its status and the
    report of codings carried from the text they were coded on (``{coder}_anchoring.csv``).

    ``codebook_yaml`` is the codebook file or its structure (:func:`codebook_structure`);
    ``text_lock`` the study's record of the texts coders were given (required when given)."""
    paths = [Path(source)] if isinstance(source, str | PathLike) else [Path(p) for p in source]
    result = read_study_coder(
        paths,
        coder,
        codebook_yaml,
        units_csv,
        clean_dir,
        text_lock,
        min_overlap=min_overlap,
        coders=coders,
        end_position=end_position,
    )
    with OutputSet() as out:
        out.csv(out_csv, result.codings)
        out.csv(out_status, result.status)
        if out_anchoring is not None:
            out.csv(out_anchoring, result.anchoring)


def read_study_coder(
    paths: Sequence[Path],
    coder: str,
    codebook_yaml: CodebookSource,
    units_csv: Path,
    clean_dir: Path,
    text_lock: Path | None,
    min_overlap: int = 1,
    coders: Mapping[str, str] | Sequence[str] | None = None,
    *,
    end_position: str = "auto",
    pending_recode: str = "error",
) -> CoderImport:
    """:func:`read_coder` for a study on disk: its codebook (file or structure) with the
    change log, units.csv and the text lock."""
    codebook = load_codebook(codebook_yaml)
    units = read_units(units_csv)
    return read_coder(
        paths,
        coder,
        codebook,
        units,
        Path(clean_dir),
        min_overlap=min_overlap,
        coders=coders,
        end_position=end_position,
        history=load_history(codebook_yaml, codebook),
        anchoring=anchor(read_study_lock(text_lock, units, paths), units),
        pending_recode=pending_recode,
    )


def read_study_lock(text_lock: Path | None, units: pd.DataFrame, paths) -> pd.DataFrame | None:
    """The text lock; every analysed transcript must be in it."""
    if text_lock is None:
        return None
    text_lock = Path(text_lock)
    if not text_lock.exists():
        raise InputError(
            text_lock,
            "not found: the study has no record of the texts its coders were given, so "
            f"codings in {paths[0]} cannot be checked against them. After cleaning, run "
            "`qualflow lock` in the study folder (make lock) and commit the file",
        )
    lock = read_lock(text_lock)
    unlocked = sorted(set(units["transcript_id"]) - set(lock["transcript_id"]))
    if unlocked:
        raise InputError(
            text_lock,
            f"transcript(s) {', '.join(unlocked[:8])}{' …' if len(unlocked) > 8 else ''} are "
            "not in the text lock: run `qualflow lock` to record their text as the coders got "
            "it (transcripts already locked are kept)",
        )
    return lock
