"""Early cutoff: a job whose inputs are byte-identical to its last run gets that run's outputs back.

Snakemake decides what to rerun from modification times, so an edit reruns everything
downstream of it even where an intermediate file comes out byte-identical: a coder dropping a
coding the meeting had excluded rewrites ``consensus/codings.csv`` with the same bytes, and the
theme notebooks would still draw the same figures again. Build systems with *early cutoff*
(Mokhov, Mitchell & Peyton Jones 2018, "Build systems à la carte", §2.3) stop there. Here a
job's *fingerprint* is a SHA-256 over everything its outputs can depend on:

* the rule, its wildcards, parameters and threads, and the named paths of its inputs and outputs;
* the bytes of every input file (a notebook's ``.ipynb`` is one of its inputs);
* the code: every file of the installed ``qualflow`` package and of the workflow's scripts;
* the environment: the Python version and every installed distribution's name and version.

After a job succeeds its outputs are copied to ``.snakemake/qualflow-replay/<rule>/<job>/``
with the fingerprint (one entry per job: the last run). When Snakemake runs the job again and
the fingerprint matches, the copies are put back instead of recomputing them; every output is
byte-reproducible, so the files are the ones a recomputation would write. Anything else —
a changed byte, a missing copy, another package version — recomputes. ``--config replay=false``
turns it off; deleting ``.snakemake/qualflow-replay`` forgets every entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sys
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import Any

STORE = Path(".snakemake/qualflow-replay")
_CHUNK = 1 << 20


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _tree_digest(roots: Iterable[Path]) -> str:
    """SHA-256 over the relative paths and bytes of every file under ``roots`` (caches skipped)."""
    digest = hashlib.sha256()
    for root in roots:
        for path in sorted(p for p in root.rglob("*") if p.is_file()):
            if "__pycache__" in path.parts:
                continue
            digest.update(f"{path.relative_to(root)}\0{file_digest(path)}\0".encode())
    return digest.hexdigest()


@cache
def code_digest(script_dir: str | None = None) -> str:
    """The qualflow package's files and the workflow's scripts (``script_dir``)."""
    package = Path(__file__).resolve().parent
    roots = [package] + ([Path(script_dir)] if script_dir else [])
    return _tree_digest(roots)


@cache
def environment_digest() -> str:
    """The Python version and every installed distribution as ``name==version``."""
    installed = sorted(
        {f"{dist.metadata['Name']}=={dist.version}".lower() for dist in metadata.distributions()}
    )
    return hashlib.sha256("\n".join([sys.version, *installed]).encode()).hexdigest()


def canonical(value: Any) -> str:
    """A stable text form of parameters (dict keys sorted; anything else by ``repr``)."""
    return json.dumps(value, sort_keys=True, default=repr, ensure_ascii=False)


def _named(files: Any) -> dict[str, Any]:
    """A Snakemake Namedlist as ``{name: value}`` plus every value in order under ``""``."""
    return {"": list(files), **dict(files.items())}


# Snakemake hands a script the workflow's own files (the notebooks) as copies in a fresh
# temporary folder on every run: …/snakemake-runtime-cache/tmpXXXX/file/<original path>.
_SOURCE_CACHE = re.compile(r"^.*/snakemake-runtime-cache/[^/]+/file(?=/)")


def stable_path(path: str | os.PathLike[str]) -> str:
    """``path``, with Snakemake's per-run copy of a workflow file named by its original path."""
    return _SOURCE_CACHE.sub("", str(path))


def _stable_inputs(files: Any) -> dict[str, Any]:
    """:func:`_named` of the inputs with :func:`stable_path` paths."""

    def fix(value: Any) -> Any:
        if isinstance(value, list):
            return [fix(item) for item in value]
        return stable_path(value)

    return {name: fix(value) for name, value in _named(files).items()}


def input_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of an input: a file's bytes, or every file of a folder."""
    path = Path(path)
    return _tree_digest([path]) if path.is_dir() else file_digest(path)


def fingerprint(smk: Any) -> str:
    """The job's fingerprint (see the module docstring) as a hex SHA-256."""
    digest = hashlib.sha256()

    def add(label: str, text: str) -> None:
        digest.update(f"{label}\0{text}\0".encode())

    add("rule", str(smk.rule))
    add("wildcards", canonical(dict(smk.wildcards.items())))
    add("params", canonical(_named(smk.params)))
    add("threads", str(smk.threads))
    add("input", canonical(_stable_inputs(smk.input)))
    add("output", canonical(_named(smk.output)))
    for path in smk.input:
        add(f"bytes {stable_path(path)}", input_digest(path))
    add("code", code_digest(getattr(smk, "scriptdir", None)))
    add("environment", environment_digest())
    return digest.hexdigest()


def entry_dir(smk: Any, store: Path = STORE) -> Path:
    """Where the job's last outputs are kept: one folder per rule and wildcards."""
    job = hashlib.sha256(canonical(dict(smk.wildcards.items())).encode()).hexdigest()[:16]
    return store / str(smk.rule) / job


def enabled(config: Mapping[str, Any]) -> bool:
    """Early cutoff is on unless the study's config says ``replay: false``."""
    return bool(config.get("replay", True))


def _copy_into_place(source: Path, target: Path) -> None:
    """Copy ``source`` to ``target`` through a temporary file, so a reader never sees half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.name}.replay.tmp")
    shutil.copyfile(source, partial)
    os.replace(partial, target)


def restore(smk: Any, key: str, store: Path = STORE) -> bool:
    """Put back the outputs of the job's last run if its fingerprint was ``key``.

    False (and nothing written) when there is no entry, the fingerprint differs or a copy is
    missing."""
    entry = entry_dir(smk, store)
    outputs = [Path(path) for path in smk.output]
    try:
        recorded = json.loads((entry / "fingerprint.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    copies = [entry / str(index) for index in range(len(outputs))]
    if recorded != {"key": key, "outputs": [str(p) for p in outputs]}:
        return False
    if not all(copy.is_file() for copy in copies):
        return False
    for copy, output in zip(copies, outputs, strict=True):
        _copy_into_place(copy, output)
    return True


def record(smk: Any, key: str, store: Path = STORE) -> None:
    """Keep a copy of the job's outputs under fingerprint ``key`` (replacing its last entry).

    Jobs with a folder as output are not kept. The entry is built beside and renamed into
    place; an interrupted recording leaves no entry, which only means a recomputation."""
    outputs = [Path(path) for path in smk.output]
    if not all(path.is_file() for path in outputs):
        return
    entry = entry_dir(smk, store)
    building = entry.with_name(entry.name + ".building")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    for index, output in enumerate(outputs):
        shutil.copyfile(output, building / str(index))
    fingerprint_json = {"key": key, "outputs": [str(p) for p in outputs]}
    (building / "fingerprint.json").write_text(canonical(fingerprint_json), encoding="utf-8")
    shutil.rmtree(entry, ignore_errors=True)
    os.replace(building, entry)
