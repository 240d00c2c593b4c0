"""One error type for bad input, so every stage fails the same way.

An :class:`InputError` names the file, the row or line (1-based, as a user sees it in an
editor or spreadsheet) and what is wrong. The CLI prints it as one line and exits 2.
"""

from __future__ import annotations

from os import PathLike


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
