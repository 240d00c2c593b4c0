"""The consensus codings: agreed pairs, decisions, and the policy for what is still open."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from os import PathLike

import pandas as pd

from qualflow.codings.spans import sort_by_unit
from qualflow.contracts import (
    CONSENSUS_COLUMNS,
    CONSENSUS_STATUS_COLUMNS,
    RESOLUTION_COLUMNS,
    check_units,
)
from qualflow.errors import InputError
from qualflow.reconcile.disagreements import (
    MAX_LISTED,
    MAX_LOGGED,
    check_coder_names,
    compare_pairs,
)
from qualflow.reconcile.resolutions import DECISIONS, check_conflicts, normalised_decisions

log = logging.getLogger(__name__)


SOURCES = ("agreed", "resolved", "single_coder", "unresolved_policy")


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
    name_a, name_b = check_coder_names(coder_names)
    policy = _parse_policy(unresolved, (name_a, name_b))
    units = check_units(units)
    pairs = compare_pairs(codings_a, codings_b, units, speakers)
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
    frame = normalised_decisions(resolutions)
    bad = ~frame["decision"].isin(DECISIONS)
    if bad.any():
        r = frame[bad].iloc[0]
        raise InputError(
            path,
            f"decision must be include or exclude, not {r['decision']!r}",
            row=None if pd.isna(r["row"]) else int(r["row"]),
        )
    check_conflicts(frame, path)
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
    extra = pd.DataFrame(rows, columns=CONSENSUS_STATUS_COLUMNS).astype({"count": "Int64"})
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
    status = pd.DataFrame(rows, columns=CONSENSUS_STATUS_COLUMNS)
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
