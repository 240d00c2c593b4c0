"""Writing outputs so that a failure never leaves a half-written file behind.

Every stage writes through :func:`atomic_write` (or the helpers built on it): the content goes
to a temporary file in the same folder, which is renamed over the target only when complete.
Several outputs of one stage are written with :class:`OutputSet`, which renames them all at the
end, or removes every temporary file if anything fails.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _publish(tmp: Path, target: Path) -> None:
    """Give the file the usual permissions (mkstemp makes it owner-only) and rename it."""
    os.chmod(tmp, 0o666 & ~_umask())
    os.replace(tmp, target)


def _temporary_beside(target: Path, suffix: str) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
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
    """Write a CSV (UTF-8, no index, LF line ends) atomically."""
    with atomic_path(target) as tmp:
        frame.to_csv(tmp, index=False, lineterminator="\n")


class OutputSet:
    """Stage several outputs and publish them together.

    >>> with OutputSet() as out:                          # doctest: +SKIP
    ...     out.csv("results/a.csv", frame)
    ...     out.text("results/b.txt", "hello")
    Nothing appears under the targets unless the whole block succeeds.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []

    def path(self, target: str | os.PathLike[str]) -> Path:
        """A temporary path to write ``target``'s content to; published on exit."""
        target = Path(target)
        tmp = _temporary_beside(target, ".tmp" + target.suffix)
        self._staged.append((tmp, target))
        return tmp

    def text(self, target: str | os.PathLike[str], text: str) -> None:
        self.path(target).write_text(text, encoding="utf-8", newline="\n")

    def csv(self, target: str | os.PathLike[str], frame: pd.DataFrame) -> None:
        frame.to_csv(self.path(target), index=False, lineterminator="\n")

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
