"""Executing the parameterised notebooks (papermill) and rendering them to HTML (nbconvert)."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import nbformat
from nbconvert import HTMLExporter

from .io import atomic_path, write_text

log = logging.getLogger(__name__)


def _kernel_sees_this_python() -> None:
    """Make the ``python3`` kernel start in this environment.

    ipykernel's installed kernelspec runs plain ``python``; put this interpreter's folder first on
    PATH so the kernel is the same Python (and qualflow) as the pipeline, however it was started.
    """
    bin_dir = str(Path(sys.executable).parent)
    path = os.environ.get("PATH", "")
    if not path.startswith(bin_dir + os.pathsep):
        os.environ["PATH"] = bin_dir + os.pathsep + path


def run_notebook(
    source: str | Path,
    executed: str | Path,
    html: str | Path,
    parameters: Mapping[str, Any],
    cwd: str | Path | None = None,
) -> None:
    """Execute ``source`` with ``parameters`` into ``executed`` and render it as ``html``.

    A failing cell raises papermill's ``PapermillExecutionError``; the partly executed notebook
    is not left at ``executed`` (it is written to a temporary file first).
    """
    import papermill

    _kernel_sees_this_python()
    executed, html = Path(executed), Path(html)
    log.info("executing %s -> %s with %s", source, executed, dict(parameters))
    with atomic_path(executed) as tmp:
        papermill.execute_notebook(
            str(source),
            str(tmp),
            parameters=dict(parameters),
            kernel_name="python3",
            cwd=str(cwd) if cwd is not None else None,
            progress_bar=False,
            log_output=False,
        )
        notebook = nbformat.read(tmp, as_version=4)
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(notebook)
    write_text(html, body)
