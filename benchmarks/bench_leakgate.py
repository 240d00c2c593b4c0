"""Cost of the leak gate (qualflow.clean.leakgate): the end-of-run scan of results/ and logs/.

Times :func:`qualflow.clean.leakgate.leak_gate` over a finished run folder (the demo pipeline, or
the synthetic study at a scale), and the cleaning-stage rescan alone (one more pass of the
matcher over every cleaned text). Usage:

    python benchmarks/bench_leakgate.py RUN_DIR [RUN_DIR ...] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import yaml


def bench_run_folder(run: Path) -> dict:
    """Seconds to scan every file under ``run``/results and ``run``/logs, as the rule does."""
    from qualflow.clean.deid import Redactor
    from qualflow.clean.leakgate import files_under, leak_gate

    config = yaml.safe_load((run / "config.yaml").read_text())
    redaction = run / config["data"]["redaction"]
    patterns = config.get("deid", {}).get("patterns", ["phone", "email", "nric"])
    roots = [run / "results", run / "logs"]
    files = list(files_under(roots, []))
    size = sum(path.stat().st_size for _, path in files)
    redactor = Redactor.from_csv(redaction, patterns)
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        leak_gate(redactor, roots, Path(tmp) / "leak_gate.txt")
        seconds = time.perf_counter() - t0
    row = {"run": str(run), "files": len(files), "mb": size / 1e6, "seconds": seconds}
    print(f"  leak gate: {len(files)} files, {size / 1e6:.1f} MB in {seconds:.1f} s ({run})")
    return row


def bench_clean_rescan(clean_dir: Path, redaction: Path, patterns: list[str]) -> dict:
    """Seconds for the cleaning stage's own rescan: the matcher over every cleaned text."""
    from qualflow.clean.deid import Redactor

    redactor = Redactor.from_csv(redaction, patterns)
    texts = [p.read_text(encoding="utf-8") for p in sorted(clean_dir.glob("*.txt"))]
    t0 = time.perf_counter()
    found = sum(len(redactor.spans(text)) for text in texts)
    seconds = time.perf_counter() - t0
    mb = sum(map(len, texts)) / 1e6
    print(f"  cleaning rescan: {len(texts)} texts, {mb:.1f} MB in {seconds:.1f} s ({found} found)")
    return {"clean_dir": str(clean_dir), "texts": len(texts), "mb": mb, "seconds": seconds}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    rows = [bench_run_folder(run) for run in args.runs]
    if args.out:
        args.out.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
