"""The cleaned texts as one zip (written by the cleaning job, unpacked by ``clean_texts``)."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import TYPE_CHECKING

from qualflow.io import OutputSet

if TYPE_CHECKING:
    pass


def write_text_bundle(path: Path, texts: dict[str, str]) -> None:
    """Cleaned texts as one zip of ``{transcript_id}.txt`` (sorted, fixed dates: deterministic)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as bundle:
        for transcript_id in sorted(texts):
            info = zipfile.ZipInfo(f"{transcript_id}.txt", date_time=_ZIP_DATE)
            bundle.writestr(info, texts[transcript_id].encode("utf-8"))


def unpack_texts(bundle: Path, out_dir: Path) -> list[Path]:
    """Write every text of a :func:`write_text_bundle` zip to ``out_dir`` (all or nothing)."""
    out_dir = Path(out_dir)
    written = []
    with zipfile.ZipFile(bundle) as archive, OutputSet() as out:
        for name in sorted(archive.namelist()):
            target = out_dir / Path(name).name
            out.path(target).write_bytes(archive.read(name))
            written.append(target)
    return written


_ZIP_DATE = (2000, 1, 1, 0, 0, 0)
