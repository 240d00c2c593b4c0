"""Two-coder reconciliation: the disagreements to discuss, the team's decisions, consensus.

Two coders code independently; agreement is measured; then the team meets and settles every
(unit, code) the coders differ on, and records each decision in ``data/resolutions.csv``
(the consensus approach of team-based qualitative coding, e.g. Hill et al. 1997; MacQueen et al.
1998). This module:

* lists the disagreements, ordered for the meeting, as CSV and a meeting-friendly workbook
  (:func:`find_disagreements`, :func:`run_disagreements`);
* reads and checks the recorded decisions (:func:`read_resolutions`);
* builds the consensus coding: codes both coders applied, disagreements decided ``include``,
  and the one coder's codes in transcripts only one coder coded (:func:`build_consensus`).

Nothing doubtful is dropped silently: decisions that no longer match a disagreement (the
codings changed since the meeting) are *stale*, disagreements without a decision are
*unresolved*; both are counted and listed in ``status.csv`` and logged as warnings.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Sequence
from os import PathLike
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from .changes import CodeHistory, with_old_names
from .codebook import load_codebook, load_history
from .codings import (
    FORMULA_TRIGGERS,
    HEADER_FILL,
    _unknown_code,
    add_codebook_sheet,
    load_codings,
    read_workbook,
    set_text_cell,
    sort_by_unit,
    strip_text,
)
from .contracts import CONSENSUS_COLUMNS, check_units, read_units
from .errors import InputError
from .io import OutputSet, save_workbook
from .study import read_table

log = logging.getLogger(__name__)

DISAGREEMENT_FIXED = [
    "transcript_id",
    "turn",
    "unit_id",
    "speaker",
    "code",
    "subtheme",
    "previous_text",
    "text",
]
DECISION_COLUMNS = ["decision", "rationale"]
RESOLUTION_COLUMNS = ["unit_id", "code", "decision", "rationale", "decided_by", "date"]
DECISIONS = ("include", "exclude")
STATUS_COLUMNS = ["kind", "count", "unit_id", "code", "detail"]
SOURCES = ("agreed", "resolved", "single_coder", "unresolved_policy")
MAX_LISTED = 5
MAX_LOGGED = 20
DISAGREEMENTS_SHEET = "disagreements"
BAND_FILL = PatternFill("solid", fgColor="F2F2F2")


# ---------------------------------------------------------------------------------------------
# Comparing the two coders
# ---------------------------------------------------------------------------------------------


def compare_coders(
    codings_a: pd.DataFrame,
    codings_b: pd.DataFrame,
    units: pd.DataFrame,
    speakers: Sequence[str] = ("participant",),
) -> pd.DataFrame:
    """Every (unit, code) either coder applied, with who applied it and whether it counts.

    Columns unit_id, code, ``a``, ``b`` (bool), transcript_id, ``speaker``, ``double_coded``
    (both coders applied at least one code somewhere in the transcript — the same rule the
    agreement stage uses) and ``analysed`` (the unit's speaker is in ``speakers``).
    """
    return _compare(codings_a, codings_b, check_units(units), speakers)


def _compare(
    codings_a: pd.DataFrame,
    codings_b: pd.DataFrame,
    units: pd.DataFrame,
    speakers: Sequence[str],
) -> pd.DataFrame:
    """:func:`compare_coders` for units already checked by ``check_units``."""
    a, b = _unit_code_pairs(codings_a), _unit_code_pairs(codings_b)
    both = a.merge(b, on=["unit_id", "code"], how="outer", indicator="who")
    both["a"] = (both["who"] != "right_only").to_numpy()
    both["b"] = (both["who"] != "left_only").to_numpy()
    both = both.drop(columns="who")
    info = units.set_index("unit_id")[["transcript_id", "speaker"]]
    unknown = ~both["unit_id"].isin(info.index)
    if unknown.any():
        raise ValueError(
            f"codings name units not in units.csv: {both.loc[unknown, 'unit_id'].iloc[0]}"
        )
    both = both.join(info, on="unit_id")
    coded_by_a = set(both.loc[both["a"], "transcript_id"])
    coded_by_b = set(both.loc[both["b"], "transcript_id"])
    both["double_coded"] = both["transcript_id"].isin(coded_by_a & coded_by_b)
    both["analysed"] = both["speaker"].isin(list(speakers))
    return sort_by_unit(both, units, extra=["code"])


def _unit_code_pairs(codings: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame(
        {"unit_id": strip_text(codings["unit_id"]), "code": strip_text(codings["code"])}
    ).drop_duplicates()


def _check_coder_names(coder_names: Sequence[str]) -> tuple[str, str]:
    names = tuple(str(n) for n in coder_names)
    if len(names) != 2 or names[0] == names[1]:
        raise ValueError(f"coder_names must be two different names, not {coder_names!r}")
    clash = [n for n in names if n in DISAGREEMENT_FIXED + DECISION_COLUMNS]
    if clash:
        raise ValueError(f"coder name {clash[0]!r} clashes with a column of disagreements.csv")
    return names  # type: ignore[return-value]


# ---------------------------------------------------------------------------------------------
# Disagreements
# ---------------------------------------------------------------------------------------------


def find_disagreements(
    codings_a: pd.DataFrame,
    codings_b: pd.DataFrame,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    coder_names: tuple[str, str],
    speakers: Sequence[str] = ("participant",),
) -> pd.DataFrame:
    """One row per (unit, code) the coders differ on, in double-coded transcripts only.

    Only units whose speaker is in ``speakers`` count. Columns: transcript_id, turn, unit_id,
    speaker, code, subtheme, previous_text (the turn before, for context), text, one 1/0
    column per coder named by the coder, and empty ``decision`` and ``rationale`` for the
    meeting. Ordered for the meeting: participant, wave, turn, code.
    """
    name_a, name_b = _check_coder_names(coder_names)
    units = check_units(units)
    pairs = _compare(codings_a, codings_b, units, speakers)
    differ = pairs[pairs["double_coded"] & pairs["analysed"] & (pairs["a"] != pairs["b"])]
    context = _turn_context(units)
    out = differ[["unit_id", "code"]].join(context, on="unit_id")
    out["subtheme"] = out["code"].map(codebook.set_index("code")["subtheme"])
    out[name_a] = differ["a"].astype(int).to_numpy()
    out[name_b] = differ["b"].astype(int).to_numpy()
    out["decision"] = ""
    out["rationale"] = ""
    return out[[*DISAGREEMENT_FIXED, name_a, name_b, *DECISION_COLUMNS]].reset_index(drop=True)


def _turn_context(units: pd.DataFrame) -> pd.DataFrame:
    """transcript_id, turn, speaker, previous_text and text per unit_id."""
    ordered = units.sort_values(["transcript_id", "turn"], kind="mergesort")
    previous = ordered.groupby("transcript_id", sort=False)["text"].shift(1).fillna("")
    ordered = ordered.assign(previous_text=previous)
    return ordered.set_index("unit_id")[
        ["transcript_id", "turn", "speaker", "previous_text", "text"]
    ]


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells that a spreadsheet would run as a formula, made inert with a leading ``'``.

    Cells beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return are prefixed with
    a single quote, as the OWASP advice on CSV injection recommends. For CSV output only; the
    workbook keeps the text and stores it as a string cell instead.
    """
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            values = out[column].fillna("").astype(str)
            risky = values.str.startswith(FORMULA_TRIGGERS)
            out[column] = values.where(~risky, "'" + values)
    return out


def _disagreements_workbook(disagreements: pd.DataFrame, codebook: pd.DataFrame) -> Workbook:
    """The disagreements as a workbook for the meeting: wrapped text, frozen header, widths,
    an include/exclude dropdown on ``decision``, rows of one turn banded together; text cells
    are inert strings (never formulas). A ``codebook`` sheet holds the definitions."""
    book = Workbook()
    sheet = book.active
    sheet.title = DISAGREEMENTS_SHEET
    columns = list(disagreements.columns)
    widths = {
        "transcript_id": 11,
        "turn": 6,
        "unit_id": 13,
        "speaker": 11,
        "code": 22,
        "subtheme": 22,
        "previous_text": 45,
        "text": 60,
        "decision": 11,
        "rationale": 40,
    }
    for col, name in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=col, value=name)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.alignment = Alignment(vertical="bottom", wrap_text=True)
        sheet.column_dimensions[get_column_letter(col)].width = widths.get(name, 9)
    wrap = Alignment(wrap_text=True, vertical="top")
    band = False
    previous_unit = None
    for r, record in enumerate(disagreements.itertuples(index=False), start=2):
        if record.unit_id != previous_unit:
            band, previous_unit = not band, record.unit_id
        for col, value in enumerate(record, start=1):
            cell = sheet.cell(row=r, column=col)
            if isinstance(value, int | np.integer):
                cell.value = int(value)
            else:
                set_text_cell(cell, value)
            cell.alignment = wrap
            if band:
                cell.fill = BAND_FILL
    last_row = max(len(disagreements) + 1, 2)
    decision_col = get_column_letter(columns.index("decision") + 1)
    choose = DataValidation(
        type="list",
        formula1='"include,exclude"',
        allow_blank=True,
        errorTitle="Decision",
        error="Choose include or exclude.",
        promptTitle="Decision",
        prompt="include: the code applies to this turn; exclude: it does not.",
    )
    choose.add(f"{decision_col}2:{decision_col}{last_row}")
    sheet.add_data_validation(choose)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last_row}"
    add_codebook_sheet(book, codebook)
    return book


# ---------------------------------------------------------------------------------------------
# Resolutions
# ---------------------------------------------------------------------------------------------


def read_resolutions(path: Path, units: pd.DataFrame, codebook: pd.DataFrame) -> pd.DataFrame:
    """Read the team's decisions (``data/resolutions.csv``, or a filled disagreements .xlsx).

    Columns unit_id, code, decision (include | exclude), rationale, decided_by, date; only the
    first three are required. Rows with an empty decision are not yet decided and are skipped
    (their disagreements stay unresolved). An unknown unit or code, another decision value, or
    the same (unit, code) decided both ways stops with the file and row. Returns the
    resolution columns plus ``row`` (the file row); repeats of one decision are kept here and
    counted by :func:`build_consensus`.
    """
    path = Path(path)
    frame = _normalised(_read_resolution_table(path))
    frame = frame[frame["decision"] != ""]
    known_units = set(check_units(units)["unit_id"])
    known_codes = set(codebook["code"])
    for r in frame.itertuples():
        if r.unit_id not in known_units:
            raise InputError(path, f"unit_id {r.unit_id!r} is not in units.csv", row=r.row)
        if r.code not in known_codes:
            raise InputError(path, _unknown_code(r.code, codebook), row=r.row)
        if r.decision not in DECISIONS:
            raise InputError(
                path, f"decision must be include or exclude, not {r.decision!r}", row=r.row
            )
    _check_conflicts(frame, path)
    return frame[[*RESOLUTION_COLUMNS, "row"]].reset_index(drop=True)


def apply_changes_to_resolutions(
    resolutions: pd.DataFrame, history: CodeHistory
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Decisions recorded under old code names, carried through the codebook's change log.

    A renamed code's decisions follow it; decisions on codes merged into one carry over where
    they agree for the merged (unit, code) and are dropped where they conflict, so that the
    disagreement is unresolved again; a split or retired code's decisions no longer apply.
    Returns the decisions now in force and notes (kind, unit_id, code, detail) on every
    decision that was dropped, all of them at once."""
    if resolutions.empty or not history.changes:
        return resolutions, pd.DataFrame(columns=["kind", "unit_id", "code", "detail"])
    fate = history.translate(resolutions["code"])
    frame = resolutions.assign(code=fate["code"], old_code=resolutions["code"], fate=fate["fate"])
    notes = [
        (
            "resolution_code_changed",
            r.unit_id,
            r.old_code,
            f"{_where(r.row)}decided {r.decision} on {r.old_code}, which was {r.fate} "
            f"(change {c}); decide again for the current codes",
        )
        for r, c in zip(
            frame[frame["code"] == ""].itertuples(),
            fate.loc[frame["code"] == "", "change"],
            strict=True,
        )
    ]
    frame = frame[frame["code"] != ""]
    decisions = frame.groupby(["unit_id", "code"])["decision"].transform("nunique")
    conflicting = frame[decisions > 1]
    for (unit_id, code), group in conflicting.groupby(["unit_id", "code"], sort=True):
        said = "; ".join(f"{_where(r.row)}{r.old_code}: {r.decision}" for r in group.itertuples())
        notes.append(
            (
                "resolution_merge_conflict",
                unit_id,
                code,
                f"merged codes were decided differently ({said}); the disagreement is "
                "unresolved again",
            )
        )
    kept = frame[decisions <= 1].drop(columns=["old_code", "fate"])
    return kept.reset_index(drop=True), pd.DataFrame(
        notes, columns=["kind", "unit_id", "code", "detail"]
    )


def _where(row) -> str:
    return "" if pd.isna(row) else f"row {int(row)}: "


def _read_resolution_table(path: Path) -> pd.DataFrame:
    """The table as strings with a ``row`` column numbered as a spreadsheet shows it."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_resolution_sheet(path)
    frame = read_table(path, ["unit_id", "code", "decision"])
    frame["row"] = frame.index.to_numpy() + 2  # file rows (read_table keeps them)
    return frame


def _read_resolution_sheet(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise InputError(path, "file not found")
    with read_workbook(path) as book:
        name = DISAGREEMENTS_SHEET if DISAGREEMENTS_SHEET in book.sheetnames else book.sheetnames[0]
        rows = list(book[name].iter_rows(values_only=True))
    header = [None if v is None else str(v).strip() for v in (rows[0] if rows else [])]
    missing = [c for c in ("unit_id", "code", "decision") if c not in header]
    if missing:
        raise InputError(path, f"sheet {name!r} lacks column(s) {', '.join(missing)}", row=1)
    keep = {c: header.index(c) for c in RESOLUTION_COLUMNS if c in header}
    records = [
        {c: _sheet_text(v[i] if i < len(v) else None) for c, i in keep.items()} | {"row": r}
        for r, v in enumerate(rows[1:], start=2)
    ]
    return pd.DataFrame(records, columns=[*keep, "row"])


def _sheet_text(value: object) -> str:
    """A cell as text; a date typed into a spreadsheet becomes ISO ``YYYY-MM-DD``."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _normalised(resolutions: pd.DataFrame) -> pd.DataFrame:
    """A copy with every resolution column (missing ones empty) as stripped text, decision
    lower-cased, and a ``row`` column (NA when the table did not come from a file)."""
    frame = resolutions.copy()
    for column in RESOLUTION_COLUMNS:
        frame[column] = strip_text(frame[column]) if column in frame else ""
    if "row" not in frame:
        frame["row"] = pd.NA
    frame["decision"] = frame["decision"].str.casefold()
    return frame


def _check_conflicts(resolutions: pd.DataFrame, path: str | PathLike[str] | None) -> None:
    """The same (unit, code) decided include in one row and exclude in another is an error."""
    if resolutions.empty:
        return
    first = resolutions.groupby(["unit_id", "code"], sort=False)[["decision", "row"]].transform(
        "first"
    )
    conflict = (resolutions["decision"] != first["decision"]).to_numpy()
    if conflict.any():
        i = int(np.flatnonzero(conflict)[0])
        r, earlier = resolutions.iloc[i], first.iloc[i]
        where = "another row" if pd.isna(earlier["row"]) else f"row {int(earlier['row'])}"
        raise InputError(
            path,
            f"{r['unit_id']} {r['code']} is decided {r['decision']!r} here but "
            f"{earlier['decision']!r} in {where}; keep one decision",
            row=None if pd.isna(r["row"]) else int(r["row"]),
        )


# ---------------------------------------------------------------------------------------------
# Consensus
# ---------------------------------------------------------------------------------------------


def build_consensus(
    codings_a: pd.DataFrame,
    codings_b: pd.DataFrame,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    resolutions: pd.DataFrame,
    coder_names: tuple[str, str],
    unresolved: str = "error",
    speakers: Sequence[str] = ("participant",),
    *,
    resolutions_file: str | PathLike[str] = "data/resolutions.csv",
    change_notes: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The consensus coding and a status table of everything doubtful.

    Consensus (one row per unit and code, columns of ``consensus/codings.csv``) holds, for
    units whose speaker is in ``speakers``: codes both coders applied (source ``agreed``),
    disagreements the team decided ``include`` (``resolved``), and in transcripts coded by one
    coder only, that coder's codes (``single_coder``). A disagreement without a decision
    follows ``unresolved``: ``error`` (stop, listing them), ``exclude``, ``include``, or
    ``coder:<name>`` (that coder's call); those included this way have source
    ``unresolved_policy``. Decisions that match no current disagreement are *stale*: they
    change nothing and are reported. Status columns: kind, count, unit_id, code, detail.
    """
    name_a, name_b = _check_coder_names(coder_names)
    policy = _parse_policy(unresolved, (name_a, name_b))
    units = check_units(units)
    pairs = _compare(codings_a, codings_b, units, speakers)
    resolutions, n_repeated = _dedupe_resolutions(resolutions, resolutions_file)

    analysed = pairs[pairs["analysed"]]
    agreed = analysed[analysed["double_coded"] & analysed["a"] & analysed["b"]]
    single = analysed[~analysed["double_coded"]]
    differ = analysed[analysed["double_coded"] & (analysed["a"] != analysed["b"])]
    decided = differ.merge(resolutions, on=["unit_id", "code"], how="left")
    resolved = decided[decided["decision"].notna()]
    open_items = decided[decided["decision"].isna()]
    notes = _settled_notes(change_notes, differ)
    if policy == "error" and len(open_items):
        raise InputError(resolutions_file, _unresolved_problem(open_items, resolutions_file, notes))
    by_policy = _apply_policy(open_items, policy, (name_a, name_b))
    stale = _stale(resolutions, pairs, speakers)

    parts = [
        agreed.assign(source="agreed"),
        resolved[resolved["decision"] == "include"].assign(source="resolved"),
        single.assign(source="single_coder"),
        by_policy.assign(source="unresolved_policy"),
    ]
    consensus = _consensus_frame(pd.concat(parts, ignore_index=True), units, codebook)
    status = _status(
        agreed=agreed,
        resolved=resolved,
        open_items=open_items,
        stale=stale,
        single=single,
        by_policy=by_policy,
        left_out=pairs[~pairs["analysed"]],
        n_repeated=n_repeated,
        consensus=consensus,
        policy=unresolved,
        names=(name_a, name_b),
        units=units,
        speakers=speakers,
    )
    status = _with_notes(status, notes)
    _log_status(status)
    return consensus, status


def _parse_policy(unresolved: str, names: tuple[str, str]) -> str:
    """``error``, ``exclude``, ``include`` or ``coder:<name>`` → the policy, checked."""
    policy = str(unresolved).strip()
    if policy in ("error", "exclude", "include"):
        return policy
    if policy.startswith("coder:") and policy.removeprefix("coder:") in names:
        return policy
    raise InputError(
        "config.yaml",
        f"reconcile.unresolved must be error, exclude, include or coder:<name> with name one of "
        f"{', '.join(names)}; not {unresolved!r}",
    )


def _dedupe_resolutions(
    resolutions: pd.DataFrame, path: str | PathLike[str] | None
) -> tuple[pd.DataFrame, int]:
    """One decision per (unit, code); conflicting decisions stop; repeats are counted."""
    frame = _normalised(resolutions)
    bad = ~frame["decision"].isin(DECISIONS)
    if bad.any():
        r = frame[bad].iloc[0]
        raise InputError(
            path,
            f"decision must be include or exclude, not {r['decision']!r}",
            row=None if pd.isna(r["row"]) else int(r["row"]),
        )
    _check_conflicts(frame, path)
    repeated = frame.duplicated(["unit_id", "code"])
    kept = frame[~repeated][[*RESOLUTION_COLUMNS, "row"]].reset_index(drop=True)
    return kept, int(repeated.sum())


def _settled_notes(notes: pd.DataFrame | None, differ: pd.DataFrame) -> pd.DataFrame:
    """Change notes, saying so where merged codes' conflicting decisions no longer matter
    because the coders now agree on the merged code."""
    if notes is None or notes.empty:
        return pd.DataFrame(columns=["kind", "unit_id", "code", "detail"])
    open_pairs = set(zip(differ["unit_id"], differ["code"], strict=True))
    settled = (notes["kind"] == "resolution_merge_conflict") & [
        (u, c) not in open_pairs for u, c in zip(notes["unit_id"], notes["code"], strict=True)
    ]
    notes = notes.copy()
    notes.loc[settled, "detail"] = notes.loc[settled, "detail"].str.replace(
        "the disagreement is unresolved again", "the coders now agree on it: nothing to decide"
    )
    return notes


def _with_notes(status: pd.DataFrame, notes: pd.DataFrame) -> pd.DataFrame:
    """Status plus one count row per kind of change note and a row per note."""
    if notes.empty:
        return status
    counts = notes["kind"].value_counts().sort_index()
    rows = [
        {"kind": kind, "count": int(n), "unit_id": "", "code": "", "detail": ""}
        for kind, n in counts.items()
    ]
    rows += [{**note, "count": pd.NA} for note in notes.to_dict("records")]
    extra = pd.DataFrame(rows, columns=STATUS_COLUMNS).astype({"count": "Int64"})
    return pd.concat([status, extra], ignore_index=True)


def _unresolved_problem(
    open_items: pd.DataFrame, resolutions_file, notes: pd.DataFrame | None = None
) -> str:
    listed = ", ".join(
        f"{u} {c}"
        for u, c in open_items[["unit_id", "code"]].head(MAX_LISTED).itertuples(index=False)
    )
    more = len(open_items) - MAX_LISTED
    conflicts = 0 if notes is None else int((notes["kind"] == "resolution_merge_conflict").sum())
    because = (
        f" ({conflicts} because decisions on merged codes conflict; status.csv lists them)"
        if conflicts
        else ""
    )
    return (
        f"{len(open_items)} disagreement(s) have no decision{because}: {listed}"
        + (f" and {more} more" if more > 0 else "")
        + f". Record a decision (include or exclude) for each in {resolutions_file} "
        "(results/reconciliation/disagreements.xlsx lists them all), or set reconcile.unresolved "
        "in config.yaml to exclude, include or coder:<name>"
    )


def _apply_policy(open_items: pd.DataFrame, policy: str, names: tuple[str, str]) -> pd.DataFrame:
    """The unresolved (unit, code) pairs the policy includes."""
    if policy in ("error", "exclude") or open_items.empty:
        return open_items.iloc[0:0]
    if policy == "include":
        return open_items
    column = "a" if policy.removeprefix("coder:") == names[0] else "b"
    return open_items[open_items[column]]


def _stale(resolutions: pd.DataFrame, pairs: pd.DataFrame, speakers: Sequence[str]) -> pd.DataFrame:
    """Resolutions that match no current disagreement, with the reason."""
    current = resolutions.merge(pairs, on=["unit_id", "code"], how="left", indicator="found")
    is_disagreement = (
        (current["found"] == "both")
        & current["analysed"].eq(True)
        & current["double_coded"].eq(True)
        & (current["a"] != current["b"])
    )
    stale = current[~is_disagreement].copy()
    stale["reason"] = [_stale_reason(r, speakers) for r in stale.itertuples()]
    return stale


def _stale_reason(r, speakers: Sequence[str]) -> str:
    where = "" if pd.isna(r.row) else f"row {int(r.row)} "
    said = f"{where}decided {r.decision}"
    if r.found != "both":
        return f"{said}, but neither coder applies this code to the unit now"
    if not r.analysed:
        return f"{said}, but {r.speaker} turns are not analysed (speakers: {', '.join(speakers)})"
    if not r.double_coded:
        return f"{said}, but transcript {r.transcript_id} is now coded by one coder only"
    return f"{said}, but both coders now apply this code"


def _consensus_frame(
    chosen: pd.DataFrame, units: pd.DataFrame, codebook: pd.DataFrame
) -> pd.DataFrame:
    if chosen.empty:
        return pd.DataFrame(columns=CONSENSUS_COLUMNS)
    info = units.set_index("unit_id")[
        ["transcript_id", "participant_id", "wave", "turn", "speaker"]
    ]
    levels = codebook.set_index("code")[["subtheme", "category"]]
    out = chosen[["unit_id", "code", "source"]].join(info, on="unit_id").join(levels, on="code")
    return sort_by_unit(out[CONSENSUS_COLUMNS], units, extra=["code"])


def _status(
    *,
    agreed,
    resolved,
    open_items,
    stale,
    single,
    by_policy,
    left_out,
    n_repeated,
    consensus,
    policy,
    names,
    units,
    speakers,
) -> pd.DataFrame:
    n_include = int((resolved["decision"] == "include").sum())
    left_speakers = ", ".join(sorted(set(left_out["speaker"]))) or "none"
    counts = [
        ("agreed", len(agreed), "both coders applied the code"),
        (
            "resolved",
            len(resolved),
            f"{n_include} include, {len(resolved) - n_include} exclude",
        ),
        ("unresolved", len(open_items), f"no decision recorded; policy {policy}"),
        ("stale", len(stale), "decisions that match no current disagreement; they change nothing"),
        ("single_coder", len(single), "codes in transcripts coded by one coder only"),
        ("unresolved_policy", len(by_policy), f"unresolved codes included by policy {policy}"),
        (
            "speaker_not_analysed",
            len(left_out),
            f"codings on turns of speakers not analysed ({left_speakers}); "
            f"analysed: {', '.join(speakers)}",
        ),
        ("duplicate_resolution", n_repeated, "repeated decisions, counted once"),
        ("consensus", len(consensus), "rows in consensus/codings.csv"),
    ]
    rows = [{"kind": k, "count": n, "unit_id": "", "code": "", "detail": d} for k, n, d in counts]
    name_a, name_b = names
    stale_items = sort_by_unit(stale, units, extra=["code"]) if len(stale) else stale
    for r in stale_items.itertuples():
        rows.append(
            {
                "kind": "stale",
                "count": pd.NA,
                "unit_id": r.unit_id,
                "code": r.code,
                "detail": r.reason,
            }
        )
    included = set(zip(by_policy["unit_id"], by_policy["code"], strict=True))
    for r in open_items.itertuples():
        outcome = "included" if (r.unit_id, r.code) in included else "left out"
        rows.append(
            {
                "kind": "unresolved",
                "count": pd.NA,
                "unit_id": r.unit_id,
                "code": r.code,
                "detail": f"{name_a}={int(r.a)}, {name_b}={int(r.b)}; {outcome} by policy {policy}",
            }
        )
    status = pd.DataFrame(rows, columns=STATUS_COLUMNS)
    status["count"] = status["count"].astype("Int64")
    return status


def _log_status(status: pd.DataFrame) -> None:
    totals = status[status["count"].notna()]
    n = dict(zip(totals["kind"], totals["count"], strict=True))
    log.info(
        "consensus: %d rows (%d agreed, %d resolved, %d single-coder, %d by policy); "
        "%d unresolved, %d stale resolutions",
        n["consensus"],
        n["agreed"],
        n["resolved"],
        n["single_coder"],
        n["unresolved_policy"],
        n["unresolved"],
        n["stale"],
    )
    items = status[status["count"].isna()]
    for r in items.head(MAX_LOGGED).itertuples():
        log.warning("%s: %s %s: %s", r.kind, r.unit_id, r.code, r.detail)
    if len(items) > MAX_LOGGED:
        log.warning(
            "... and %d more stale or unresolved items; see status.csv", len(items) - MAX_LOGGED
        )


# ---------------------------------------------------------------------------------------------
# Stage entries
# ---------------------------------------------------------------------------------------------


def _load_inputs(codings_a_csv, codings_b_csv, units_csv, codebook_yaml):
    codebook = load_codebook(codebook_yaml)
    units = read_units(units_csv)
    codings_a = load_codings(codings_a_csv, units, codebook)
    codings_b = load_codings(codings_b_csv, units, codebook)
    return codings_a, codings_b, units, codebook


def run_disagreements(
    codings_a_csv: Path,
    codings_b_csv: Path,
    units_csv: Path,
    codebook_yaml: Path,
    coder_names: tuple[str, str],
    speakers: Sequence[str],
    out_csv: Path,
    out_xlsx: Path,
) -> None:
    """Stage entry: ``reconciliation/disagreements.csv`` (formula-safe) and ``.xlsx``."""
    codings_a, codings_b, units, codebook = _load_inputs(
        codings_a_csv, codings_b_csv, units_csv, codebook_yaml
    )
    table = find_disagreements(codings_a, codings_b, units, codebook, coder_names, speakers)
    book = _disagreements_workbook(table, codebook)
    with OutputSet() as out:
        out.csv(out_csv, formula_safe(table))
        save_workbook(book, out.path(out_xlsx))  # fixed dates: byte-identical reruns
    log.info("%d disagreements in %d units listed", len(table), table["unit_id"].nunique())


def run_consensus(
    codings_a_csv: Path,
    codings_b_csv: Path,
    units_csv: Path,
    codebook_yaml: Path,
    resolutions_csv: Path | None,
    coder_names: tuple[str, str],
    speakers: Sequence[str],
    unresolved: str,
    out_codings: Path,
    out_status: Path,
) -> None:
    """Stage entry: ``consensus/codings.csv`` and ``reconciliation/status.csv``."""
    codings_a, codings_b, units, codebook = _load_inputs(
        codings_a_csv, codings_b_csv, units_csv, codebook_yaml
    )
    history = load_history(codebook_yaml, codebook)
    if resolutions_csv is None:
        resolutions = pd.DataFrame(columns=[*RESOLUTION_COLUMNS, "row"])
        where = "data/resolutions.csv"
    else:
        accepted = with_old_names(codebook, history)
        resolutions = read_resolutions(Path(resolutions_csv), units, accepted)
        where = resolutions_csv
    resolutions, notes = apply_changes_to_resolutions(resolutions, history)
    consensus, status = build_consensus(
        codings_a,
        codings_b,
        units,
        codebook,
        resolutions,
        coder_names,
        unresolved=unresolved,
        speakers=speakers,
        resolutions_file=where,
        change_notes=notes,
    )
    with OutputSet() as out:
        out.csv(out_codings, consensus)
        out.csv(out_status, status)
