"""One error type for bad input, so every stage fails the same way.

An :class:`InputError` names the file, the row or line (1-based, as a user sees it in an
editor or spreadsheet) and what is wrong. The CLI prints it as one line and exits 2.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from os import PathLike
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd


class InputError(ValueError):
    """Bad input: which file, which row or line, and what is wrong."""

    def __init__(
        self,
        file: str | PathLike[str] | None,
        problem: str,
        *,
        line: int | None = None,
        row: int | None = None,
        element: str | None = None,
    ) -> None:
        self.file = None if file is None else str(file)
        self.problem = problem
        self.line = line
        self.row = row
        self.element = element
        super().__init__(self._format())

    def __reduce__(self):
        """Picklable, so errors cross process boundaries (multiprocessing workers) intact."""
        kwargs = {"line": self.line, "row": self.row, "element": self.element}
        return (_rebuild, (self.file, self.problem, kwargs))

    def _format(self) -> str:
        where = self.file or "<input>"
        if self.line is not None:
            where += f", line {self.line}"
        if self.row is not None:
            where += f", row {self.row}"
        if self.element is not None:
            where += f", element {self.element}"
        return f"{where}: {self.problem}"


def _rebuild(file: str | None, problem: str, kwargs: dict) -> InputError:
    return InputError(file, problem, **kwargs)


def csv_row_number(index: int) -> int:
    """Row number a spreadsheet shows for the 0-based data row ``index`` (header is row 1)."""
    return int(index) + 2


def file_rows(frame: pd.DataFrame) -> np.ndarray:
    """The row a spreadsheet shows for each row of ``frame`` (the header is row 1).

    :func:`qualflow.study.read_table` drops blank rows but keeps each row's position in the
    file as its integer index, so the row is index + 2 even after a blank line; for a frame
    with any other index, its position + 2.
    """
    import numpy as np
    import pandas as pd

    if pd.api.types.is_integer_dtype(frame.index):
        return frame.index.to_numpy() + 2
    return np.arange(len(frame)) + 2


def raise_first(
    source: str | PathLike[str] | None,
    mask: Sequence[bool] | np.ndarray | pd.Series,
    problem: Callable[[int], str],
    rows: Sequence[int] | np.ndarray | None = None,
) -> None:
    """Raise :class:`InputError` for the first True in ``mask``, if any.

    ``problem(i)`` words the message for position ``i``; ``rows[i]`` is that row's number in
    the file (:func:`file_rows`, or a reader's own ``row`` column; None or a missing value
    names no row). Every reader reports its first bad row through this one function.
    """
    import numpy as np
    import pandas as pd

    flags = np.asarray(mask, dtype=bool)
    if not flags.any():
        return
    i = int(np.flatnonzero(flags)[0])
    row = None if rows is None or pd.isna(rows[i]) else int(rows[i])
    raise InputError(source, problem(i), row=row)
