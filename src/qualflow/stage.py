"""Running a library stage from a Snakemake ``script:`` with one clear failure message.

Every rule's script is three lines: it names the library function and passes it the rule's
inputs, outputs and params. :func:`run_stage` sends the library's log to the rule's ``log:``
file and turns bad input into one line — file, row, problem — on the terminal and in the log,
instead of a Python traceback that buries it.
"""

from __future__ import annotations

import logging
import re
import resource
import sys
from collections.abc import Callable, Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

from qualflow import replay
from qualflow.errors import InputError


def configure_logging(log_file: str | Path | None) -> None:
    """Log INFO and above to ``log_file`` (and WARNING and above to stderr)."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    fmt = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    if log_file:
        Path(log_file).parent.mkdir(parents=True, exist_ok=True)
        file_handler = logging.FileHandler(log_file, mode="w", encoding="utf-8")
        file_handler.setFormatter(fmt)
        root.addHandler(file_handler)
    console = logging.StreamHandler(sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(fmt)
    console.addFilter(lambda record: not getattr(record, "bad_input", False))  # printed once
    root.addHandler(console)


def run_stage(smk: Any, stage: Callable[[], None], early_cutoff: bool = False) -> None:
    """Run ``stage()`` for the Snakemake job ``smk``; on bad input print one line and exit 1.

    With ``early_cutoff``, a job whose inputs, parameters and code are byte-identical to its
    last run gets that run's outputs back instead of running ``stage()`` (:mod:`qualflow.replay`);
    ``stage`` should import what it needs itself, so that a replay does not pay for it. A
    finished stage logs its job's :func:`resource_usage` as its last line."""
    log_file = smk.log[0] if len(smk.log) else None
    configure_logging(log_file)
    log = logging.getLogger("qualflow.stage")
    key = None
    if early_cutoff and replay.enabled(getattr(smk, "config", {})):
        key = replay.fingerprint(smk)
        if replay.restore(smk, key):
            message = (
                f"{_job_name(smk)}: inputs, parameters and code are byte-identical to its last "
                f"run; its outputs were put back from {replay.entry_dir(smk)} (early cutoff)"
            )
            log.info("%s", message)
            print(f"qualflow: {message}", file=sys.stderr)
            log.info("%s", format_usage(*resource_usage()))
            return
    try:
        stage()
    except InputError as err:
        logging.getLogger("qualflow").error("%s", err, extra={"bad_input": True})
        print(f"qualflow: bad input: {err}", file=sys.stderr)
        sys.exit(1)
    if key is not None:
        replay.record(smk, key)
    log.info("%s", format_usage(*resource_usage()))


def _job_name(smk: Any) -> str:
    """``rule`` or ``rule (name=value, …)``, as a person reads a job."""
    wildcards = ", ".join(f"{name}={value}" for name, value in smk.wildcards.items())
    return f"{smk.rule} ({wildcards})" if wildcards else str(smk.rule)


USAGE_LINE = re.compile(
    r"usage: (?P<cpu>[0-9.]+) CPU s, peak (?P<peak>[0-9.]+) MB "
    r"\(largest worker (?P<worker>[0-9.]+) MB\)"
)


def resource_usage() -> tuple[float, float, float]:
    """This process's CPU seconds (user + system) with its finished children's, its peak
    resident memory and the largest finished child's (MB), from getrusage(2).

    Exact, unlike Snakemake's ``benchmark:`` files, which sample the job's processes (every
    second for 30 s, then every 30 s) and miss what ran after the last sample (the 100× study's
    gather, 35 CPU s, was recorded as 15.6)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime
    return cpu, own.ru_maxrss / 1024, children.ru_maxrss / 1024  # Linux: ru_maxrss in KiB


def format_usage(cpu_seconds: float, peak_mb: float, worker_peak_mb: float) -> str:
    """The log line :data:`USAGE_LINE` reads back."""
    return (
        f"usage: {cpu_seconds:.2f} CPU s, peak {peak_mb:.0f} MB "
        f"(largest worker {worker_peak_mb:.0f} MB)"
    )


def output_paths(
    outputs: Mapping[str, str | PathLike[str]], keys: Sequence[str]
) -> dict[str, Path]:
    """The paths a rule names for ``keys`` (its ``output:`` by name), checked to be all there.

    File names live in the rules; a stage writes exactly the paths it is given. A missing or
    unknown key is a programming error in the rule, reported with both lists.
    """
    given = {key: Path(path) for key, path in outputs.items()}
    if set(given) != set(keys):
        raise ValueError(
            f"outputs must be named {sorted(keys)}, got {sorted(given)} (the rule's output: names)"
        )
    return given
