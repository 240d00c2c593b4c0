"""Writing outputs so that a failure never leaves a half-written file behind.

Every stage writes through :func:`atomic_write` (or the helpers built on it): the content goes
to a temporary file in the same folder, which is renamed over the target only when complete.
Several outputs of one stage are written with :class:`OutputSet`, which renames them all at the
end, or removes every temporary file if anything fails.

CSV files meant for people — everything under a ``tables/``, ``reconciliation/`` or ``themes/``
folder — are written formula-safe (:func:`formula_safe`): a spreadsheet opening them never runs
a cell as a formula. Machine files (``clean/units.csv``, ``codings/*.csv``, ``consensus/``…)
keep their text exact. Readers of people CSVs undo the prefix with :func:`formula_restore`.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from os import PathLike
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from qualflow.errors import InputError

if TYPE_CHECKING:  # imported where used: parse-time and notebook-runner code need no pandas
    import pandas as pd

#: Folders whose CSV files are read by people in a spreadsheet (see docs/files.md).
PEOPLE_CSV_FOLDERS = frozenset({"tables", "reconciliation", "themes"})
#: First characters that make a spreadsheet read a cell as a formula (OWASP, CSV injection).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$")
_NEUTRALISED = re.compile("^'(?=[" + re.escape("".join(FORMULA_TRIGGERS)) + "])")


def is_people_csv(target: str | os.PathLike[str]) -> bool:
    """True for a CSV under one of :data:`PEOPLE_CSV_FOLDERS`."""
    target = Path(target)
    return target.suffix.lower() == ".csv" and target.parent.name in PEOPLE_CSV_FOLDERS


def _is_text(values: pd.Series) -> bool:
    import pandas as pd

    return values.dtype == object or pd.api.types.is_string_dtype(values)


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells a spreadsheet would run as a formula, made inert with a leading ``'``.

    Cells beginning with ``=``, ``+``, ``-``, ``@``, tab or carriage return are prefixed with a
    single quote (OWASP, "CSV Injection"); plain numbers (``-0.12``) are left alone, and so is
    a cell already prefixed, so applying it twice changes nothing.
    """
    out = frame.copy()
    for column in out.columns:
        if not _is_text(out[column]):
            continue
        values = out[column]
        text = values.map(lambda v: v if isinstance(v, str) else "")
        risky = text.str.startswith(FORMULA_TRIGGERS) & ~text.str.match(_PLAIN_NUMBER)
        if risky.any():
            out[column] = values.where(~risky, "'" + text)
    return out


def formula_restore(frame: pd.DataFrame) -> pd.DataFrame:
    """Undo :func:`formula_safe` on a people CSV read back: the ``'`` before a formula
    character goes (a cell that itself began with ``'`` and such a character loses it too)."""
    out = frame.copy()
    for column in out.columns:
        if _is_text(out[column]):
            out[column] = out[column].map(
                lambda v: _NEUTRALISED.sub("", v, count=1) if isinstance(v, str) else v
            )
    return out


def _to_csv(frame: pd.DataFrame, path: Path, target: Path) -> None:
    if is_people_csv(target):
        frame = formula_safe(frame)
    frame.to_csv(path, index=False, lineterminator="\n")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp: Path, target: Path) -> None:
    """Give the file the usual permissions (mkstemp makes it owner-only) and rename it."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, target)


#: A temporary file of :func:`_temporary_beside`: ``.{target stem}.{8 random}.tmp{suffix}``.
_TEMPORARY_NAME = re.compile(r"^\.(?P<stem>.+)\.[a-z0-9_]{8}(?P<suffix>\.tmp(?:\.[^.]*)?)$")


def orphans_in(folder: Path) -> dict[tuple[str, str], list[Path]]:
    """Temporary files in ``folder`` by the target they were for, ``(stem, ".tmp" + suffix)``:
    left by a run that was killed (``kill -9`` skips every cleanup); only one job at a time
    writes a target, so any such file is an orphan. One listing of the folder, so that writing
    29,000 texts into it does not list it 29,000 times."""
    found: dict[tuple[str, str], list[Path]] = {}
    if folder.is_dir():
        with os.scandir(folder) as entries:
            for entry in entries:
                match = _TEMPORARY_NAME.match(entry.name)
                if match:
                    key = (match["stem"], match["suffix"])
                    found.setdefault(key, []).append(Path(entry.path))
    return found


def _remove(paths: Iterable[Path]) -> None:
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _temporary_beside(
    target: Path, suffix: str, orphans: dict[tuple[str, str], list[Path]] | None = None
) -> Path:
    """A new temporary file next to ``target``, after removing ``target``'s orphans (from
    ``orphans``, an :func:`orphans_in` listing of its folder, or a fresh listing)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if orphans is None:
        orphans = orphans_in(target.parent)
    _remove(orphans.pop((target.stem, suffix), []))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix, dir=target.parent)
    os.close(fd)
    return Path(tmp)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``target`` (same suffix); rename it onto ``target`` on
    success."""
    target = Path(target)
    tmp_path = _temporary_beside(target, ".tmp" + target.suffix)
    try:
        yield tmp_path
        _publish(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def write_text(target: str | os.PathLike[str], text: str) -> None:
    """Write UTF-8 text (LF line ends) atomically."""
    with atomic_path(target) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")


def write_csv(target: str | os.PathLike[str], frame: pd.DataFrame) -> None:
    """Write a CSV (UTF-8, no index, LF line ends) atomically; formula-safe if it is meant
    for people (:func:`is_people_csv`)."""
    with atomic_path(target) as tmp:
        _to_csv(frame, tmp, Path(target))


class OutputSet:
    """Stage several outputs and publish them together.

    >>> with OutputSet() as out:                          # doctest: +SKIP
    ...     out.csv("results/a.csv", frame)
    ...     out.text("results/b.txt", "hello")
    Nothing appears under the targets unless the whole block succeeds.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []
        self._orphans: dict[Path, dict[tuple[str, str], list[Path]]] = {}

    def path(self, target: str | os.PathLike[str]) -> Path:
        """A temporary path to write ``target``'s content to; published on exit."""
        target = Path(target)
        if target.parent not in self._orphans:  # each folder listed once
            self._orphans[target.parent] = orphans_in(target.parent)
        tmp = _temporary_beside(target, ".tmp" + target.suffix, self._orphans[target.parent])
        self._staged.append((tmp, target))
        return tmp

    def text(self, target: str | os.PathLike[str], text: str) -> None:
        self.path(target).write_text(text, encoding="utf-8", newline="\n")

    def csv(self, target: str | os.PathLike[str], frame: pd.DataFrame) -> None:
        """Stage a CSV (formula-safe if it is meant for people: :func:`is_people_csv`)."""
        _to_csv(frame, self.path(target), Path(target))

    def __enter__(self) -> OutputSet:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            for tmp, target in self._staged:
                _publish(tmp, target)
        for tmp, _ in self._staged:
            if tmp.exists():
                tmp.unlink()
        self._staged.clear()


# --------------------------------------------------------------------------- Office files

#: The date written into Office files and their zip entries, so reruns are byte-identical.
FIXED_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
FIXED_CORE_DATE = "2000-01-01T00:00:00Z"
#: Bytes copied at a time between zip entries (:func:`save_workbook`).
_COPY_CHUNK = 1 << 20
_CORE_DATES = re.compile(r"(<dcterms:(created|modified)\b[^>]*>)[^<]*(</dcterms:\2>)")


def reproducible_zip(data: bytes) -> bytes:
    """An Office file (xlsx, docx) rewritten to be the same bytes for the same content: every
    zip entry dated :data:`FIXED_ZIP_DATE`, and the created/modified dates in
    ``docProps/core.xml`` set to :data:`FIXED_CORE_DATE` (openpyxl stamps the save time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        _copy_reproducibly(source, buffer)
    return buffer.getvalue()


def _copy_reproducibly(source: zipfile.ZipFile, target: str | os.PathLike[str] | IO[bytes]) -> None:
    """Copy every entry of ``source`` into a new zip at ``target`` as :func:`reproducible_zip`
    describes, streaming: no entry is held in memory whole (but ``docProps/core.xml``)."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_DATE)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            if info.filename == "docProps/core.xml":
                text = source.read(info).decode("utf-8")
                archive.writestr(entry, _CORE_DATES.sub(rf"\g<1>{FIXED_CORE_DATE}\g<3>", text))
                continue
            entry.file_size = info.file_size  # as writestr sets it: the same zip64 choice
            with source.open(info) as src, archive.open(entry, "w") as dst:
                shutil.copyfileobj(src, dst, _COPY_CHUNK)


_CELL = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.DOTALL)
_CELL_REF = re.compile(r'\br="([A-Z]+)(\d+)"')


def uncalculated_formula(path: str | os.PathLike[str]) -> tuple[str, str, int] | None:
    """The first cell of an .xlsx that holds a formula but no saved value, as
    ``(sheet file, cell, row)``; None if there is none.

    A workbook written by a program that does not calculate (a script, some exporters) stores
    formulas without results; read for values, such a cell is empty, so a code entered as
    ``=1`` or ``=TRUE()`` would silently be dropped.
    """
    with zipfile.ZipFile(path) as archive:
        for name in sorted(archive.namelist()):
            if not (name.startswith("xl/worksheets/") and name.endswith(".xml")):
                continue
            xml = archive.read(name).decode("utf-8", errors="replace")
            if "<f" not in xml:
                continue
            for cell in _CELL.finditer(xml):
                body = cell.group(2) or ""
                if "<f" in body and not re.search(r"<v>[^<]", body):
                    ref = _CELL_REF.search(cell.group(1))
                    if ref:
                        return name, ref.group(1) + ref.group(2), int(ref.group(2))
                    return name, "?", 0
    return None


def check_formulas_have_values(path: str | os.PathLike[str]) -> None:
    """InputError naming the cell and row if an .xlsx holds a formula with no saved value
    (see :func:`uncalculated_formula`)."""
    from qualflow.errors import InputError

    found = uncalculated_formula(path)
    if found is not None:
        member, cell, row = found
        raise InputError(
            path,
            f"cell {cell} ({member}) holds a formula with no saved value, so its value cannot "
            "be read; open the file in Excel or LibreOffice and save it, or type the value",
            row=row or None,
        )


def save_workbook(book: Any, path: str | os.PathLike[str]) -> None:
    """Save an openpyxl workbook to ``path`` (typically an :class:`OutputSet` path) so that
    the same workbook gives the same bytes on every run (:func:`reproducible_zip`).

    The workbook is saved to an unnamed temporary file beside ``path`` and copied entry by
    entry, so a large (write-only) workbook is never held in memory."""
    with tempfile.TemporaryFile(dir=Path(path).parent) as raw:
        book.save(raw)
        raw.seek(0)
        with zipfile.ZipFile(raw) as source:
            _copy_reproducibly(source, path)


# --------------------------------------------------------------------------- study YAML


def load_yaml(path: str | os.PathLike[str]) -> Any:
    """Read a YAML file the study supplies (config.yaml, codebook.yaml) safely and strictly.

    Safe: no Python objects (``yaml.SafeLoader``), and no anchors or aliases — a few hundred
    bytes of nested aliases ("billion laughs") expand to gigabytes when walked, and a study
    file has no need of them. Strict: a key given twice in one mapping is an error naming both
    lines (plain YAML keeps the second silently). Every problem is an :class:`InputError`
    naming the file and line: not UTF-8, a syntax error, an alias, a duplicated key.
    """
    import yaml

    from qualflow.errors import InputError

    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "file not found") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise InputError(
            path,
            f"is not UTF-8 text (byte 0x{data[err.start]:02x}); save it with UTF-8 encoding",
            line=line,
        ) from None

    class StrictLoader(yaml.SafeLoader):
        def compose_node(self, parent, index):  # noqa: ANN001, ANN202
            event = self.peek_event()
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
                raise InputError(
                    path,
                    "YAML anchors and aliases (&name, *name) are not allowed; write the values out",
                    line=event.start_mark.line + 1,
                )
            return super().compose_node(parent, index)

        def construct_mapping(self, node, deep=False):  # noqa: ANN001, ANN202
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    first = seen.setdefault(key, line)
                except TypeError:  # an unhashable key: let PyYAML report it
                    continue
                if first != line:
                    raise InputError(
                        path,
                        f"key {key!r} is given twice, on lines {first} and {line}; keep one",
                        line=line,
                    )
            return super().construct_mapping(node, deep)

    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = None if mark is None else mark.line + 1
        problem = " ".join(str(p) for p in (err.context, err.problem) if p)
        raise InputError(path, f"not valid YAML: {problem}", line=line) from None
    except yaml.YAMLError as err:
        raise InputError(path, f"not valid YAML: {err}") from None


def read_table(path: str | PathLike[str], required: list[str]) -> pd.DataFrame:
    """Read a CSV as strings (empty cells stay empty) and check its required columns.

    Blank rows are dropped; the index keeps each row's position in the file, so
    ``csv_row_number(label)`` is the row a spreadsheet shows.
    """
    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise InputError(path, "file not found")
    try:
        frame = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False
        )
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise InputError(path, f"cannot be read as CSV ({err})") from None
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(path, f"missing column(s) {', '.join(missing)}", line=1)
    # Drop empty rows but keep the index: label i is row csv_row_number(i) of the file, so
    # row numbers in messages stay right after a blank line.
    return frame[~(frame.apply(lambda column: column.str.strip()) == "").all(axis=1)]
