"""Reading a coder's files (long CSV, filled coding sheet, REFI-QDA project) into one row per
(unit, code).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from qualflow.codebook.changes import CodeHistory, with_old_names
from qualflow.codebook.read import canonical_key, unknown_code_problem
from qualflow.codings.spans import (
    item_rows,
    sort_by_unit,
    span_offsets,
    spans_to_units,
    unknown_transcript_problem,
)
from qualflow.codings.textlock import Anchoring, anchor, digest
from qualflow.contracts import (
    CODING_COLUMNS,
    CODING_STATUS_COLUMNS,
    RECODE_COLUMNS,
    SHEET_FIXED_COLUMNS,
    SHEET_OPTIONAL_COLUMNS,
    check_units,
)
from qualflow.errors import InputError, raise_first
from qualflow.io import read_table
from qualflow.sheets import (
    EXCEL_CELL_LIMIT,
    SHEET_NAME,
    cell_text,
    coding_sheet_titles,
    read_workbook,
)
from qualflow.text import strip_text

log = logging.getLogger(__name__)

APPLIED_WORDS = frozenset({"1", "x", "yes"})

BLANK_WORDS = frozenset({"", "0"})

FORMATS = {
    ".csv": "long CSV",
    ".xlsx": "coding sheet",
    ".xlsm": "coding sheet",
    ".qdpx": "REFI-QDA project",
    ".qde": "REFI-QDA project",
}

MAX_DETAIL_ITEMS = 5


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
    ``coders`` and ``end_position`` are passed on to :func:`qualflow.qdpx.spans.read_spans`; with a
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
    from the text they were coded on (``anchoring``, see :mod:`qualflow.codings.textlock`) to the
    current units.

    Old code names are accepted and translated
    (:class:`qualflow.codebook.changes.CodeHistory`): renamed and merged codes become their
    current code, a retired code's codings are dropped and
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
    return pd.DataFrame(rows, columns=CODING_STATUS_COLUMNS)


def _anchor_status(report: pd.DataFrame) -> pd.DataFrame:
    counts = report["change"].value_counts()
    detail = {
        "text_changed": "codings on turns whose text changed since coding (kept, listed)",
        "moved": "codings carried to the same text under another turn number",
        "cut": "codings on turns that no longer exist (dropped, listed)",
    }
    rows = [(f"anchor_{k}", int(counts.get(k, 0)), d) for k, d in detail.items()]
    return pd.DataFrame(rows, columns=CODING_STATUS_COLUMNS)


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
    raise_first(
        path,
        (~by_unit & no_span).to_numpy(),
        lambda i: "neither a unit_id nor start and end given",
        rows,
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
    raise_first(
        path,
        actual.isna().to_numpy(),
        lambda i: f"unit_id {frame['unit_id'].iloc[i]!r} is not in units.csv",
        rows,
    )
    raise_first(
        path,
        (actual != frame["transcript_id"]).to_numpy(),
        lambda i: (
            f"unit_id {frame['unit_id'].iloc[i]!r} belongs to transcript "
            f"{actual.iloc[i]}, not {frame['transcript_id'].iloc[i]}"
        ),
        rows,
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
    rows = item_rows(frame)
    start, end = span_offsets(frame, rows, path)
    limit = frame["transcript_id"].map(lengths(list(frame["transcript_id"].unique())))
    limit = limit.to_numpy(np.int64)
    raise_first(
        path,
        end > limit,
        lambda i: (
            f"end {end[i]} is outside the text: the cleaned transcript "
            f"{frame['transcript_id'].iloc[i]} has {limit[i]} characters"
        ),
        rows,
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
    raise_first(
        path,
        frame["coder"].isin(wrong).to_numpy(),
        lambda i: (
            f"coder is {frame['coder'].iloc[i]!r} but config.yaml assigns this file "
            f"to coder {coder!r}"
        ),
        rows,
    )


def _check_codes(codes: pd.Series, codebook: pd.DataFrame, rows, path: Path) -> None:
    raise_first(
        path,
        ~codes.isin(set(codebook["code"])).to_numpy(),
        lambda i: unknown_code_problem(codes.iloc[i], codebook),
        rows,
    )


def _check_transcripts(tids: pd.Series, units: pd.DataFrame, rows, path: Path) -> None:
    known = set(units["transcript_id"])
    raise_first(
        path, ~tids.isin(known).to_numpy(), lambda i: unknown_transcript_problem(tids.iloc[i]), rows
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
    from qualflow.qdpx.spans import read_spans

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
    records: list[tuple] = []
    tally.rows_read = 0
    with read_workbook(path) as book:
        titles = coding_sheet_titles(book.sheetnames)
        if SHEET_NAME not in titles:
            raise InputError(
                path, f"no sheet named {SHEET_NAME!r} (sheets: {', '.join(book.sheetnames)})"
            )
        for title in titles:  # `coding`, then `coding 2` ... past Excel's row limit
            part, n_rows = _sheet_records(
                path, book[title], title, codebook, units, current_digests
            )
            records += part
            tally.rows_read += n_rows
    items = pd.DataFrame(records, columns=["row", "unit_id", "code", "memo", "basis", "recode_of"])
    transcript_of = units.set_index("unit_id")["transcript_id"]
    return items.assign(
        key=items["unit_id"] + "\x1f" + items["code"] + "\x1f" + items["recode_of"],
        kind="unit",
        transcript_id=items["unit_id"].map(transcript_of),
        start=-1,
        end=-1,
    )[[*_ITEM_COLUMNS, *_ITEM_EXTRA]]


def _sheet_records(
    path: Path,
    sheet: Worksheet,
    title: str,
    codebook: pd.DataFrame,
    units: pd.DataFrame,
    current_digests: Mapping[str, str],
) -> tuple[list[tuple], int]:
    """(row, unit_id, code, memo, basis, recode_of) for every cell marked, and the number of
    unit rows; a row of a recode sheet counts as recoded even with no mark."""
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if header is None:
        raise InputError(path, f"sheet {title!r} is empty", row=1)
    names = [None if v is None else str(v).strip() for v in header]
    code_columns = _sheet_code_columns(path, title, names, codebook)
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
        cell = {name: cell_text(values[i]) for name, i in column.items()}
        unit_id = cell["unit_id"]
        applied = [
            code
            for col, code in code_columns
            if _is_applied(path, title, r, col, code, values[col])
        ]
        if not unit_id:
            if applied:
                raise InputError(
                    path, f"sheet {title!r}: codes entered but unit_id is empty", row=r
                )
            continue
        if unit_id not in coded_digests and unit_id not in current_digests:
            raise InputError(
                path, f"sheet {title!r}: unit_id {unit_id!r} is not in units.csv", row=r
            )
        n_rows += 1
        basis = _sheet_basis(
            path, title, r, unit_id, cell.get("text"), coded_digests, current_digests
        )
        memo, recode_of = cell.get("memo", ""), cell.get("recode_of", "")
        records.extend((r, unit_id, code, memo, basis, recode_of) for code in applied)
        if recode_of and not applied:
            records.append((r, unit_id, "", memo, basis, recode_of))
    return records, n_rows


def _sheet_basis(
    path: Path,
    title: str,
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
        f"sheet {title!r}: the text in this row is not the text of unit {unit_id} — "
        "neither as coded (the study's text lock) nor as cleaned now; the sheet was made from "
        "another version of the transcripts, or its text was edited",
        row=row,
    )


def _sheet_normal(text: str) -> str:
    return text.replace("\r\n", "\n")


def _sheet_code_columns(
    path: Path, title: str, names: list, codebook: pd.DataFrame
) -> list[tuple[int, str]]:
    """(column index, code) of every code column; together they must match the codebook."""
    if "unit_id" not in names:
        raise InputError(path, f"sheet {title!r} has no unit_id column", row=1)
    seen = [n for n in names if n]
    repeated = sorted({n for n in seen if seen.count(n) > 1})
    if repeated:
        raise InputError(
            path, f"sheet {title!r}: column(s) {', '.join(repeated)} appear twice", row=1
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
            f"sheet {title!r}: the code columns no longer match the codebook: "
            f"{'; '.join(parts)} (rename the columns, or code on a new sheet made from the "
            "current codebook)",
            row=1,
        )
    return columns


def _is_applied(path: Path, title: str, row: int, col: int, code: str, value: object) -> bool:
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
        f"sheet {title!r}, cell {get_column_letter(col + 1)}{row} (code {code}) holds "
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
    return codings, pd.DataFrame(status, columns=CODING_STATUS_COLUMNS)


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


def load_codings(
    path: str | PathLike[str], units: pd.DataFrame, codebook: pd.DataFrame
) -> pd.DataFrame:
    """Read ``results/codings/{coder}.csv`` back, checking that its units and codes exist."""
    path = Path(path)
    frame = read_table(path, CODING_COLUMNS)
    rows = frame.index.to_numpy() + 2  # file rows (read_table keeps them)
    _check_codes(frame["code"], codebook, rows, path)
    raise_first(
        path,
        ~frame["unit_id"].isin(set(units["unit_id"])).to_numpy(),
        lambda i: f"unit_id {frame['unit_id'].iloc[i]!r} is not in units.csv",
        rows,
    )
    return frame[CODING_COLUMNS]
