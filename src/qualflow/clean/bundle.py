"""The cleaned texts as one zip (written by the cleaning job, unpacked by ``clean_texts``),
and their manifest ``texts.csv``: the one file later rules take as input in place of the
texts themselves (Snakemake matches every input file against every output of its producer,
so 3,000 texts as inputs of six rules cost billions of regex matches at 1,000x)."""

from __future__ import annotations

import csv
import functools
import hashlib
import zipfile
from pathlib import Path

from qualflow.contracts import TEXT_MANIFEST_COLUMNS
from qualflow.errors import InputError
from qualflow.io import OutputSet

#: The manifest's name: beside the texts it lists (the rules' ``results/clean/texts.csv``).
MANIFEST_NAME = "texts.csv"


def write_text_bundle(path: Path, texts: dict[str, str]) -> None:
    """Cleaned texts as one zip of ``{transcript_id}.txt`` (sorted, fixed dates: deterministic)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as bundle:
        for transcript_id in sorted(texts):
            info = zipfile.ZipInfo(f"{transcript_id}.txt", date_time=_ZIP_DATE)
            bundle.writestr(info, texts[transcript_id].encode("utf-8"))


def unpack_texts(bundle: Path, out_dir: Path, manifest: Path | None = None) -> list[Path]:
    """Write every text of a :func:`write_text_bundle` zip to ``out_dir`` and, if given, list
    them in ``manifest`` (transcript id, length in characters, SHA-256 of the UTF-8 bytes);
    all or nothing."""
    import pandas as pd

    out_dir = Path(out_dir)
    written, rows = [], []
    with zipfile.ZipFile(bundle) as archive, OutputSet() as out:
        for name in sorted(archive.namelist()):
            data = archive.read(name)
            target = out_dir / Path(name).name
            out.path(target).write_bytes(data)
            written.append(target)
            rows.append(_manifest_row(target.stem, data))
        if manifest is not None:
            out.csv(manifest, pd.DataFrame(rows, columns=TEXT_MANIFEST_COLUMNS))
    return written


def _manifest_row(transcript_id: str, data: bytes) -> tuple[str, int, str]:
    return transcript_id, len(data.decode("utf-8")), hashlib.sha256(data).hexdigest()


_ZIP_DATE = (2000, 1, 1, 0, 0, 0)


def read_clean_text(path: Path, missing: str = "cleaned transcript not found") -> str:
    """A cleaned text (UTF-8), checked against the SHA-256 the manifest beside it recorded when
    it was written: a text edited by hand under ``results/clean/`` is never exported, coded on
    or locked. Snakemake does not see such an edit (later rules take the manifest as input),
    so the readers stop instead, naming the file. ``missing``: the message if it is absent."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, missing) from None
    expected = manifest_digests(path.parent).get(path.stem)
    if expected is not None and hashlib.sha256(data).hexdigest() != expected:
        raise InputError(
            path,
            f"changed since cleaning wrote it (not the SHA-256 in {MANIFEST_NAME}): cleaned "
            "texts are outputs; delete it and rerun to remake it, and correct the transcript "
            "under data/ instead",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise InputError(path, f"not UTF-8 ({err.reason})") from None


def manifest_digests(folder: Path) -> dict[str, str]:
    """Transcript id → SHA-256 from the manifest in ``folder``; empty without one (texts
    written by :func:`qualflow.clean.run.clean_study`, which makes no manifest)."""
    manifest = Path(folder) / MANIFEST_NAME
    try:
        stat = manifest.stat()
    except FileNotFoundError:
        return {}
    return _read_digests(str(manifest), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read_digests(manifest: str, mtime_ns: int, size: int) -> dict[str, str]:
    """The manifest's digests, read once per version of the file (keyed by its stat)."""
    with open(manifest, newline="", encoding="utf-8") as handle:
        return {row["transcript_id"]: row["sha256"] for row in csv.DictReader(handle)}
