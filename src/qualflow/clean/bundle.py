"""The cleaned texts as one zip (written by the cleaning job, unpacked by ``clean_texts``),
and their manifest ``texts.csv``: the one file later rules take as input in place of the
texts themselves (Snakemake matches every input file against every output of its producer,
so 3,000 texts as inputs of six rules cost billions of regex matches at 1,000x)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from qualflow.contracts import TEXT_MANIFEST_COLUMNS
from qualflow.io import OutputSet


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
