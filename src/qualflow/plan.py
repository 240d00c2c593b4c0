"""What the workflow needs at parse time, worked out once per state of the files it reads.

Before Snakemake can build the DAG it needs the study's coders, the codebook's structure and
categories, and the transcripts to clean; and before anything runs the config is validated and
the study's tables checked against each other and the transcripts folder. Working that out
reads the config, the codebook and three tables with pandas: about 1 s of a 2.2 s no-op run
(importing pandas alone is 0.6 s). :func:`study_plan` does the work; :func:`cached_study_plan`
keeps its result in ``.snakemake/qualflow-plan.json`` under a SHA-256 key over everything the
plan was computed from — the config as given, the bytes of the config files, the schema, the
codebook and the participants, interviews and screening tables, the names in the transcripts
folder, and qualflow's code — and reuses it while the key holds. Only a plan that passed every
check is kept, so a run on an unchanged study skips the checks it already passed; any change to
those files works the plan out (and runs the checks) again.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

PLAN_FILE = Path(".snakemake/qualflow-plan.json")
#: The study tables the checks read (config ``data:`` keys).
CHECKED_TABLES = ("codebook", "participants", "interviews", "screening")


def study_plan(
    config: dict, configfiles: Sequence[str | os.PathLike[str]], validate: Callable[[dict], None]
) -> dict:
    """Validate ``config`` in place (``validate``: JSON Schema with defaults) and check the study;
    the plan: ``config`` as validated, each coder's files, the codebook structure, its
    categories (``all`` first) and those drawn with a co-occurrence figure, and the recorded
    transcripts' ids and files, sorted by participant and wave.

    Raises :class:`InputError` naming the file, row or key at the first problem."""
    from qualflow.clean.run import plan_transcripts
    from qualflow.codebook.read import (
        MIN_COOCCURRENCE_PAIRS,
        codebook_structure,
        cooccurrence_pairs,
        load_codebook,
    )
    from qualflow.coders import coder_files
    from qualflow.io import load_yaml
    from qualflow.study import (
        check_config_values,
        check_study,
        read_interviews,
        recorded_transcripts,
    )

    # Re-read every config file strictly: Snakemake's reader lets a key given twice win silently
    # and follows aliases; this names the file and line instead.
    for configfile in configfiles:
        load_yaml(configfile)
    # YAML reads `waves: {1: ...}` with integer keys; JSON Schema wants string keys.
    if "waves" in config:
        config["waves"] = {str(k): v for k, v in config["waves"].items()}
    validate(config)
    data = config["data"]
    structure = codebook_structure(data["codebook"])
    book = load_codebook(structure)
    categories = ["all", *book["category"].unique()]
    interviews = read_interviews(data["interviews"])
    # Fail before anything runs if interviews.csv and the transcripts folder disagree (a listed
    # file missing, or a file present that is not listed), naming the file or row.
    plan_transcripts(interviews, data["interviews"], data["transcripts"])
    # ... or if the study's tables disagree with each other (participants vs interviews vs
    # screening) or config values contradict each other.
    check_config_values(config)
    check_study(data["participants"], data["interviews"], data["screening"])
    recorded = recorded_transcripts(interviews)
    return {
        "config": config,
        "coder_files": {
            coder: [file for file, _ in coder_files(entry, coder)]
            for coder, entry in config["coders"].items()
        },
        "codebook": structure,
        "categories": categories,
        "cooccurrence_categories": [
            c for c in categories if cooccurrence_pairs(book, c) >= MIN_COOCCURRENCE_PAIRS
        ],
        "transcript_ids": [str(t) for t in recorded["transcript_id"]],
        "transcript_files": [
            str(Path(data["transcripts"]) / name) for name in recorded["transcript_file"]
        ],
    }


def plan_key(
    config: dict,
    configfiles: Sequence[str | os.PathLike[str]],
    schema: str | os.PathLike[str],
) -> str:
    """SHA-256 over everything :func:`study_plan` reads (see the module docstring)."""
    from qualflow.replay import canonical, code_digest, file_digest

    digest = hashlib.sha256()

    def add(label: str, text: str) -> None:
        digest.update(f"{label}\0{text}\0".encode())

    def add_file(label: str, path: Any, named: bool = True) -> None:
        exists = isinstance(path, str | os.PathLike) and Path(path).is_file()
        add(label, f"{path if named else ''}\0{file_digest(path) if exists else 'no file'}")

    add("config", canonical(config))
    for configfile in configfiles:
        add_file("configfile", configfile)
    add_file("schema", schema, named=False)  # Snakemake's per-run copy: a new path each run
    data = config.get("data") if isinstance(config.get("data"), dict) else {}
    for name in CHECKED_TABLES:
        add_file(name, data.get(name))
    folder = data.get("transcripts")
    if isinstance(folder, str) and Path(folder).is_dir():
        entries = sorted((p.name, p.is_file()) for p in Path(folder).iterdir())
        add("transcripts", canonical(entries))
    else:
        add("transcripts", f"{folder!r}: no folder")
    add("code", code_digest())
    return digest.hexdigest()


def _encode(value: Any) -> Any:
    if isinstance(value, datetime.date):  # a codebook change's date, as YAML reads it
        return {"__date__": value.isoformat()}
    raise TypeError(f"{type(value).__name__} is not kept in a plan")


def _decode(mapping: dict) -> Any:
    if set(mapping) == {"__date__"}:
        return datetime.date.fromisoformat(mapping["__date__"])
    return mapping


def dumps(plan: dict) -> str | None:
    """The plan as JSON, or None when JSON would not give it back exactly: equal values, and
    every mapping's keys in the same order (Snakemake compares a rule's parameters, the
    codebook structure among them, by their text, so a reordered dict would rerun the rule)."""
    try:
        text = json.dumps(plan, default=_encode, ensure_ascii=False)
    except (TypeError, ValueError):
        return None
    back = json.loads(text, object_hook=_decode)
    same = back == plan and repr(back) == repr(plan)
    return text if same else None


def cached_study_plan(
    config: dict,
    configfiles: Sequence[str | os.PathLike[str]],
    schema: str | os.PathLike[str],
    validate: Callable[[dict], None],
    store: Path = PLAN_FILE,
) -> dict:
    """:func:`study_plan`, reused from ``store`` while :func:`plan_key` is unchanged; ``config``
    is updated in place to the validated config either way."""
    key = plan_key(config, configfiles, schema)
    try:
        kept = json.loads(store.read_text(encoding="utf-8"), object_hook=_decode)
    except (OSError, ValueError):
        kept = None
    if isinstance(kept, dict) and kept.get("key") == key:
        plan = kept["plan"]
        config.clear()
        config.update(plan["config"])
        return plan
    plan = study_plan(config, configfiles, validate)  # validates config in place
    text = dumps({"key": key, "plan": plan})
    if text is not None:
        _write_atomic(store, text)
    return plan


def _write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file beside it: a reader never sees half,
    and jobs on several cluster nodes writing at once each publish a whole file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False
    ) as partial:
        partial.write(text)
    os.replace(partial.name, path)
