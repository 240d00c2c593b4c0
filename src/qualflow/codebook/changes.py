"""Codebook revisions as data: the ``changes:`` log of ``codebook.yaml``.

Codebooks evolve while a team codes (Braun & Clarke's phases 4–5: reviewing and defining
themes; MacQueen et al. 1998 on codebook versions). Coders' files keep the code names they used
when they coded, so a revision is written once, as an ordered log, and applied to every coder
input and to the resolutions — never by editing those files::

    changes:
    - {date: 2020-02-03, rename: siloed_structure, to: siloed_departments, why: "..."}
    - {date: 2020-02-03, merge: [supervisor_unfamiliar], into: role_confusion, why: "..."}
    - {date: 2020-03-09, split: overlap_other_roles, into: [overlap_nursing, overlap_social_work]}
    - {date: 2020-03-09, retire: former_carers, why: "..."}

Renames and merges are mechanical (a merge unions codings). A split cannot be: the units that
held the old code must be recoded with the new ones. A retired code's codings are dropped and
counted. :func:`parse_changes` validates the log against the codebook (unknown codes, targets not
in the codebook, a code changed twice, cycles) with the codebook line; :class:`CodeHistory` says
what became of every name a coder may have used.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from os import PathLike

import pandas as pd

from qualflow.errors import InputError

KINDS = ("rename", "merge", "split", "retire")
CHANGE_COLUMNS = ["change", "kind", "codes", "into", "date", "why", "line"]


@dataclass(frozen=True)
class Change:
    """One entry of the log: ``kind`` applied to ``sources``, giving ``targets``."""

    number: int  # 1-based position in the log
    kind: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    date: str = ""
    why: str = ""
    line: int | None = None

    def describe(self) -> str:
        """``rename siloed_structure → siloed_departments`` and the like, for messages."""
        sources = ", ".join(self.sources)
        if self.kind == "retire":
            return f"retire {sources}"
        return f"{self.kind} {sources} → {', '.join(self.targets)}"


@dataclass(frozen=True)
class Fate:
    """What became of a code name: ``current`` (still a code), ``renamed`` or ``merged``
    (``codes`` holds the one code it now is), ``split`` (``codes`` holds the codes to recode
    with) or ``retired``; ``change`` is the first change that touched it."""

    kind: str
    codes: tuple[str, ...]
    change: Change | None = None


def parse_changes(
    entries: object,
    codes: Sequence[str],
    source: str | PathLike[str] = "codebook.yaml",
    lines: Sequence[int | None] = (),
) -> list[Change]:
    """Validate the ``changes:`` list against the codebook's current ``codes``.

    Each entry is one of ``{rename: a, to: b}``, ``{merge: [a, ...], into: b}``,
    ``{split: a, into: [b, c, ...]}``, ``{retire: a}``, with optional ``date`` and ``why``.
    A changed code must be gone from the codebook, may be changed once, and a target must be a
    current code or a code changed by a later entry (so renames chain and cycles cannot form).
    ``lines`` gives each entry's line in the file, for the error.
    """
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise InputError(source, "'changes' must be a list of changes")
    current = set(codes)
    changes = [
        _parse_entry(entry, i + 1, source, lines[i] if i < len(lines) else None)
        for i, entry in enumerate(entries)
    ]
    changed_at: dict[str, Change] = {}
    for change in changes:
        for name in change.sources:
            if name in current:
                raise InputError(
                    source,
                    f"change {change.number} ({change.describe()}): {name!r} is still a code "
                    f"in the codebook; a {change.kind} removes it — delete it from the "
                    "categories, or drop this change",
                    line=change.line,
                )
            if name in changed_at:
                raise InputError(
                    source,
                    f"change {change.number} ({change.describe()}): {name!r} was already "
                    f"changed by change {changed_at[name].number} "
                    f"({changed_at[name].describe()})",
                    line=change.line,
                )
            changed_at[name] = change
        for name in change.targets:
            if name in changed_at:
                earlier = changed_at[name]
                raise InputError(
                    source,
                    f"change {change.number} ({change.describe()}): target {name!r} was "
                    f"itself changed by change {earlier.number} ({earlier.describe()}); a "
                    "change may only lead to a current code or to a code changed later",
                    line=change.line,
                )
    for change in changes:
        for name in change.targets:
            if name not in current and name not in changed_at:
                raise InputError(
                    source,
                    f"change {change.number} ({change.describe()}): target {name!r} is not a "
                    "code in the codebook",
                    line=change.line,
                )
    return changes


def _parse_entry(entry: object, number: int, source, line: int | None) -> Change:
    where = f"change {number}"
    if not isinstance(entry, Mapping):
        raise InputError(
            source, f"{where} must be a mapping such as {{rename: a, to: b}}", line=line
        )
    kinds = [k for k in KINDS if k in entry]
    if len(kinds) != 1:
        raise InputError(
            source,
            f"{where} needs exactly one of {', '.join(KINDS)} "
            f"(found: {', '.join(kinds) or 'none'})",
            line=line,
        )
    kind = kinds[0]
    allowed = {kind, "date", "why", {"rename": "to", "retire": None}.get(kind, "into")}
    unknown = sorted(str(k) for k in entry if k not in allowed)
    if unknown:
        raise InputError(
            source, f"{where} ({kind}): unknown key(s) {', '.join(unknown)}", line=line
        )
    sources = _names(entry[kind], source, where, line)
    if kind == "retire":
        targets: tuple[str, ...] = ()
    else:
        key = "to" if kind == "rename" else "into"
        if key not in entry:
            raise InputError(source, f"{where} ({kind}) needs '{key}'", line=line)
        targets = _names(entry[key], source, where, line)
    expected = {
        "rename": (1, 1),
        "merge": (None, 1),
        "split": (1, None),
        "retire": (None, 0),
    }[kind]
    if expected[0] is not None and len(sources) != expected[0]:
        raise InputError(source, f"{where}: a {kind} changes one code", line=line)
    if expected[1] == 1 and len(targets) != 1:
        raise InputError(source, f"{where}: a {kind} leads to exactly one code", line=line)
    if kind == "split" and len(targets) < 2:
        raise InputError(
            source, f"{where}: a split needs at least two codes under 'into'", line=line
        )
    if set(sources) & set(targets):
        raise InputError(source, f"{where}: a code cannot be changed into itself", line=line)
    return Change(
        number=number,
        kind=kind,
        sources=sources,
        targets=targets,
        date=str(entry.get("date", "") or ""),
        why=str(entry.get("why", "") or "").strip(),
        line=line,
    )


def _names(value: object, source, where: str, line: int | None) -> tuple[str, ...]:
    values = value if isinstance(value, list) else [value]
    names = tuple(str(v).strip() for v in values if v is not None and str(v).strip())
    if not names:
        raise InputError(source, f"{where}: a code name is missing", line=line)
    if len(set(names)) != len(names):
        raise InputError(source, f"{where}: a code is named twice", line=line)
    return names


class CodeHistory:
    """What became of every code name a coder may have used, under a validated change log."""

    def __init__(self, codes: Iterable[str], changes: Sequence[Change]) -> None:
        self.codes = list(codes)
        self.changes = list(changes)
        self._change_of = {name: c for c in self.changes for name in c.sources}
        self._fates: dict[str, Fate] = {}

    @property
    def old_names(self) -> list[str]:
        """Names that are no longer codes, in log order."""
        return list(self._change_of)

    def fate(self, name: str) -> Fate | None:
        """The fate of ``name``; None for a name that was never a code."""
        if name in self._fates:
            return self._fates[name]
        if name in self.codes:
            fate = Fate("current", (name,))
        elif name in self._change_of:
            fate = self._follow(self._change_of[name])
        else:
            return None
        self._fates[name] = fate
        return fate

    def _follow(self, change: Change) -> Fate:
        if change.kind == "retire":
            return Fate("retired", (), change)
        ends = [self.fate(t) for t in change.targets]
        if any(end.kind == "retired" for end in ends) and change.kind != "split":
            return Fate("retired", (), change)
        codes = tuple(dict.fromkeys(c for end in ends for c in end.codes))
        if change.kind == "split" or any(end.kind == "split" for end in ends):
            return Fate("split", codes, change)
        return Fate("renamed" if change.kind == "rename" else "merged", codes, change)

    def translate(self, codes: pd.Series) -> pd.DataFrame:
        """For each code name: ``code`` (the current code, or empty when split or retired),
        ``fate`` (current | renamed | merged | split | retired | unknown), ``change`` (its
        number, 0 when current or unknown) and ``into`` (codes a split name is recoded with)."""
        fates = {name: self.fate(name) for name in pd.unique(codes)}
        rows = {
            name: (
                ("", "unknown", 0, "")
                if f is None
                else (
                    f.codes[0] if f.kind in ("current", "renamed", "merged") else "",
                    f.kind,
                    0 if f.change is None else f.change.number,
                    ";".join(f.codes) if f.kind == "split" else "",
                )
            )
            for name, f in fates.items()
        }
        table = pd.DataFrame(
            [rows[c] for c in codes], columns=["code", "fate", "change", "into"], index=codes.index
        )
        return table

    def table(self) -> pd.DataFrame:
        """The log as a table: change, kind, codes, into, date, why, line."""
        return pd.DataFrame(
            [
                (c.number, c.kind, ";".join(c.sources), ";".join(c.targets), c.date, c.why, c.line)
                for c in self.changes
            ],
            columns=CHANGE_COLUMNS,
        ).astype({"line": "Int64"})


def with_old_names(codebook: pd.DataFrame, history: CodeHistory) -> pd.DataFrame:
    """The codebook plus one row per old name (placed where its first current code is, or
    under the subtheme of the code it was split into), so that readers accept the names
    coders used; :meth:`CodeHistory.translate` then says what each became. Column ``now``:
    empty for current codes, the codes an old name became (``-`` when retired)."""
    place = codebook.set_index("code")
    rows = []
    for name in history.old_names:
        fate = history.fate(name)
        anchor = fate.codes[0] if fate and fate.codes else None
        base = place.loc[anchor] if anchor in place.index else place.iloc[0]
        now = ";".join(fate.codes) if fate else ""
        rows.append({**base.to_dict(), "code": name, "code_label": name, "now": now or "-"})
    if not rows:
        return codebook
    columns = [*codebook.columns, "now"]
    book = pd.concat([codebook.assign(now=""), pd.DataFrame(rows, columns=columns)])
    return book.reset_index(drop=True)
