"""Character spans to units: the turn each coded span falls in (Methods: coding unit = one turn)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from qualflow.contracts import check_units
from qualflow.errors import InputError, raise_first
from qualflow.text import strip_text


def sort_by_unit(
    frame: pd.DataFrame, units: pd.DataFrame, extra: Sequence[str] = ()
) -> pd.DataFrame:
    """Rows with a ``unit_id`` sorted by participant, wave, turn (numerically), then ``extra``."""
    keys = units.set_index("unit_id")[["participant_id", "wave", "turn"]]
    at = keys.index.get_indexer(frame["unit_id"])  # one hash lookup for the three keys
    order = pd.DataFrame(
        {f"_{c}": _taken(keys[c].to_numpy(), at) for c in keys.columns}, index=frame.index
    )
    for column in extra:
        order[column] = frame[column]
    order = order.sort_values(list(order.columns), kind="mergesort")
    return frame.loc[order.index].reset_index(drop=True)


def _taken(values: np.ndarray, at: np.ndarray) -> np.ndarray:
    """``values[at]``, NaN where ``at`` is -1 (a unit not in the table: sorted last)."""
    unknown = at < 0
    if not unknown.any():
        return values[at]
    if not len(values):
        return np.full(len(at), np.nan)
    return np.where(unknown, np.nan, values[at])


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
    rows = item_rows(spans)
    tids = strip_text(spans["transcript_id"])
    start, end = span_offsets(spans, rows, source)

    order = np.lexsort((units["start"].to_numpy(), units["transcript_id"].to_numpy()))
    u = units.iloc[order]
    transcripts = pd.Index(pd.unique(u["transcript_id"]))
    u_t = transcripts.get_indexer(u["transcript_id"]).astype(np.int64)
    s_t = transcripts.get_indexer(tids).astype(np.int64)
    raise_first(source, s_t < 0, lambda i: unknown_transcript_problem(tids.iloc[i]), rows)
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


def span_offsets(
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
        raise_first(
            source, bad, lambda i, c=column, r=raw: _bad_offset(c, str(r.iloc[i]).strip()), rows
        )
        values[column] = number.to_numpy().astype(np.int64)
    start, end = values["start"], values["end"]
    raise_first(
        source, start < 0, lambda i: f"start {start[i]} is outside the text (below 0)", rows
    )
    raise_first(
        source,
        end <= start,
        lambda i: f"end {end[i]} must be greater than start {start[i]} (end is exclusive)",
        rows,
    )
    return start, end


def _bad_offset(column: str, text: str) -> str:
    if text in ("", "nan", "None", "<NA>"):
        return f"{column} is empty (a span needs both start and end)"
    return f"{column} must be a whole number (a character offset), not {text!r}"


def unknown_transcript_problem(tid: str) -> str:
    if not tid:
        return "transcript_id is empty"
    return f"transcript {tid!r} is not among the cleaned transcripts (units.csv)"


def item_rows(frame: pd.DataFrame) -> np.ndarray | None:
    """The file row of each item (its ``row`` column), or None when the items have none."""
    return frame["row"].to_numpy() if "row" in frame else None
