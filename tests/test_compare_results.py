"""benchmarks/compare_results.py (make test-slurm) masks run-time stamps and nothing else."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("compare", REPO / "benchmarks/compare_results.py")
compare_results = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(compare_results)


def _notebook(start_time: str, value: str, address: str) -> str:
    cell = {
        "cell_type": "code",
        "id": "abc",
        "metadata": {"papermill": {"start_time": start_time}, "tags": []},
        "outputs": [{"data": {"text/plain": [value, f"<Styler at {address}>"]}}],
        "source": [],
    }
    return json.dumps({"cells": [cell], "metadata": {"papermill": {"end_time": start_time}}})


def _runs(tmp_path: Path, b_files: dict[str, str]) -> tuple[Path, Path]:
    a, b = tmp_path / "a", tmp_path / "b"
    base = {"t.csv": "x,y\n1,2\n", "n.ipynb": _notebook("2026-01-01T00:00:00", "0.61", "0x7f01")}
    for root, files in [(a, base), (b, {**base, **b_files})]:
        root.mkdir(parents=True)
        for name, text in files.items():
            if text is not None:
                (root / name).write_text(text)
    return a, b


def test_identical_runs(tmp_path):
    assert compare_results.compare(*_runs(tmp_path, {})) == ([], [], 2)


def test_execution_times_and_addresses_are_masked(tmp_path):
    b_nb = _notebook("2026-02-02T10:00:00", "0.61", "0x7f99")
    assert compare_results.compare(*_runs(tmp_path, {"n.ipynb": b_nb})) == (["n.ipynb"], [], 2)


def test_a_changed_value_is_a_difference(tmp_path):
    b_nb = _notebook("2026-02-02T10:00:00", "0.62", "0x7f99")
    _, different, _ = compare_results.compare(*_runs(tmp_path, {"n.ipynb": b_nb}))
    assert different == ["n.ipynb"]
    _, different, _ = compare_results.compare(*_runs(tmp_path / "csv", {"t.csv": "x,y\n1,3\n"}))
    assert different == ["t.csv"]


def test_a_file_missing_from_one_run_is_a_difference(tmp_path):
    _, different, _ = compare_results.compare(*_runs(tmp_path, {"extra.csv": "z\n"}))
    assert different == ["only in one run: extra.csv"]
