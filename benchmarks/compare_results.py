"""Compare two runs' results/ folders (used by `make test-slurm`).

    python benchmarks/compare_results.py RUN_A/results RUN_B/results

Every file must be byte-identical, except that run-time stamps that today's writers still embed
are masked first and reported: the creation/modification time in an Office file's
docProps/core.xml; in executed notebooks and their HTML, papermill's execution times, the
injected-parameters cell id, pandas Styler's random table ids and object addresses in reprs
(`<... at 0x7f...>`). Exit 1 naming every file that differs in anything else, or that exists in
only one run.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import sys
import zipfile
from pathlib import Path

ISO_TIME = re.compile(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)?")
RUN_IDS = re.compile(rb'id="cell-id=[0-9a-f-]+"|\bT_[0-9a-f]{5}(?![0-9a-f])| at 0x[0-9a-f]+>')


def _office(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        parts = []
        for name in sorted(zf.namelist()):
            member = zf.read(name)
            if name == "docProps/core.xml":
                member = ISO_TIME.sub(b"<time>", member)
            parts.append(name.encode() + b"\0" + member)
    return b"\0\0".join(parts)


def _notebook(data: bytes) -> bytes:
    nb = json.loads(data)
    nb.get("metadata", {}).pop("papermill", None)
    for cell in nb.get("cells", []):
        meta = cell.get("metadata", {})
        meta.pop("papermill", None)
        meta.pop("execution", None)
        if "injected-parameters" in meta.get("tags", []):
            cell.pop("id", None)
    return _html(json.dumps(nb, sort_keys=True).encode())


def _html(data: bytes) -> bytes:
    return RUN_IDS.sub(b"<id>", data)


MASKS = {".xlsx": _office, ".docx": _office, ".ipynb": _notebook, ".html": _html}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def compare(a: Path, b: Path) -> tuple[list[str], list[str], int]:
    """(files differing only in masked stamps, files differing otherwise, files compared)."""
    files_a = {p.relative_to(a) for p in a.rglob("*") if p.is_file()}
    files_b = {p.relative_to(b) for p in b.rglob("*") if p.is_file()}
    stamped, different = [], [f"only in one run: {p}" for p in sorted(files_a ^ files_b)]
    for rel in sorted(files_a & files_b):
        data_a, data_b = (a / rel).read_bytes(), (b / rel).read_bytes()
        if data_a == data_b:
            continue
        mask = MASKS.get(rel.suffix)
        if mask is not None and _digest(mask(data_a)) == _digest(mask(data_b)):
            stamped.append(str(rel))
        else:
            different.append(str(rel))
    return stamped, different, len(files_a | files_b)


def main(argv: list[str]) -> int:
    stamped, different, n = compare(Path(argv[0]), Path(argv[1]))
    print(f"{n} files compared: {n - len(stamped) - len(different)} byte-identical, ", end="")
    print(f"{len(stamped)} identical once run-time stamps are masked, {len(different)} different")
    for rel in stamped:
        print(f"  stamps only: {rel}")
    for rel in different:
        print(f"  DIFFERENT:   {rel}")
    return 1 if different else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
