"""Cleaning in shards (qualflow.clean.shards): the assignment of transcripts to shards, and the
gathered results — the same bytes as one unsharded `clean_study` for any split, pattern values
numbered study-wide included. The end-to-end check runs the tiny study with shards=1 and 3."""

from __future__ import annotations

import hashlib
import random
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from qualflow.clean.run import clean_study
from qualflow.clean.shards import (
    AUTO_SHARD_MB,
    assign_shards,
    clean_shard,
    gather_clean,
    read_part,
    shard_count,
    shard_name,
    study_shards,
)
from qualflow.errors import InputError

REPO = Path(__file__).resolve().parents[1]
SPEAKERS = {"interviewer": ["Interviewer", "INT"], "participant": ["Participant", "R"]}
PATTERNS = ["phone", "email", "nric"]


# ------------------------------------------------------------------------------ assignment


def random_sizes(seed: int, n: int) -> list[int]:
    rng = random.Random(seed)
    return [rng.randint(1_000, 90_000) for _ in range(n)]


@pytest.mark.parametrize("seed", range(20))
def test_every_item_in_exactly_one_contiguous_nonempty_shard(seed):
    rng = random.Random(seed)
    n = rng.randint(1, 60)
    sizes = random_sizes(seed, n)
    n_shards = rng.randint(1, n)
    runs = assign_shards(sizes, n_shards)
    assert len(runs) == n_shards
    assert all(len(run) > 0 for run in runs)
    assert [i for run in runs for i in run] == list(range(n))  # once each, in order


@pytest.mark.parametrize("seed", range(20))
def test_shards_are_balanced_by_size_to_within_one_transcript(seed):
    sizes = random_sizes(seed, 200)
    n_shards = 1 + seed % 9
    runs = assign_shards(sizes, n_shards)
    ideal = sum(sizes) / n_shards
    for run in runs:
        assert sum(sizes[i] for i in run) <= ideal + max(sizes)


def test_balance_follows_size_not_count():
    sizes = [100] * 10 + [1_000] * 10  # the large ones need more shards to themselves
    first, second = assign_shards(sizes, 2)
    assert len(first) > len(second)
    assert abs(sum(sizes[i] for i in first) - sum(sizes[i] for i in second)) <= 1_000


def test_assignment_is_stable_under_a_small_edit():
    """Editing one transcript (a few bytes) leaves every other shard's transcripts as they were:
    only its own shard (and the gather) has to run again."""
    sizes = random_sizes(7, 300)
    before = assign_shards(sizes, 5)
    sizes[123] += 40
    after = assign_shards(sizes, 5)
    assert before == after
    assert assign_shards(list(sizes), 5) == after  # deterministic


def test_one_huge_transcript_still_leaves_no_shard_empty():
    runs = assign_shards([10, 10_000_000, 10, 10], 4)
    assert [list(r) for r in runs] == [[0], [1], [2], [3]]


def test_too_many_shards_or_none_is_an_error():
    with pytest.raises(ValueError, match="empty"):
        assign_shards([1, 2], 3)
    with pytest.raises(ValueError):
        assign_shards([1, 2], 0)


def test_shard_count_auto_by_size_and_capped():
    mb = 1_000_000
    assert shard_count("auto", [mb] * 30) == 1  # the demo: one job
    assert shard_count("auto", [mb] * 1300) == -(-1300 // AUTO_SHARD_MB)
    assert shard_count(3, [mb] * 30) == 3
    assert shard_count(50, [mb] * 4) == 4  # never more shards than transcripts
    for bad in (0, -1, "many", 2.5, True):
        with pytest.raises(InputError, match="shards"):
            shard_count(bad, [mb])


def test_study_shards_names_like_scatter_items(tmp_path):
    files = []
    for i, size in enumerate([5, 50, 5, 50]):
        path = tmp_path / f"5000{i}_1.txt"
        path.write_bytes(b"x" * size)
        files.append(path)
    ids = [p.stem for p in files]
    shards = study_shards(ids, files, 2)
    assert list(shards) == [shard_name(1, 2), shard_name(2, 2)] == ["1-of-2", "2-of-2"]
    assert [tid for run in shards.values() for tid, _ in run] == ids


# ------------------------------------------------------------------------------ gather


def write_study(root: Path) -> Path:
    """Seven transcripts whose phone numbers and e-mails recur across transcripts, so the
    study-wide numbers differ from each transcript's own (the gather's second pass)."""
    folder = root / "transcripts"
    folder.mkdir(parents=True)
    phones = ["9123 4567", "8765 4321", "6123 0000"]
    mails = ["ann@example.org", "bo@example.com"]
    rows = []
    for k in range(7):
        pid, wave = 50001 + k // 2, 1 + k % 2
        tid = f"{pid}_{wave}"
        body = [
            "INT: How was the week with Dr Tan?",
            f"R: Call me on {phones[(k + 1) % 3]} or {phones[k % 3]}, and write to {mails[k % 2]}.",
            "INT: Thanks.",
            f"R: Ms Ong has {phones[(2 * k) % 3]} too." if k % 3 else "R: Nothing else.",
        ]
        (folder / f"{tid}.txt").write_text("\n".join(body) + "\n")
        rows.append(
            {
                "participant_id": pid,
                "wave": wave,
                "date": "2019-05-01",
                "duration_min": 60,
                "recorded": "yes",
                "transcript_file": f"{tid}.txt",
                "note": "",
            }
        )
    pd.DataFrame(rows).to_csv(root / "interviews.csv", index=False)
    (root / "redaction.csv").write_text("term,kind,entity\nDr Tan,STAFF,tan\nMs Ong,STAFF,ong\n")
    return root


def digests(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file()
    }


def sharded(root: Path, n_shards: int, out: Path) -> Path:
    ids = sorted(p.stem for p in (root / "transcripts").iterdir())
    files = [root / "transcripts" / f"{tid}.txt" for tid in ids]
    parts = []
    for name, members in study_shards(ids, files, n_shards).items():
        part = out / "shards" / f"{name}.pkl"
        part.parent.mkdir(parents=True, exist_ok=True)
        clean_shard(members, root / "redaction.csv", SPEAKERS, PATTERNS, part)
        parts.append(part)
    gather_clean(
        parts[::-1],  # the order parts are listed in does not matter
        root / "interviews.csv",
        root / "transcripts",
        root / "redaction.csv",
        SPEAKERS,
        PATTERNS,
        clean_outputs(out),
    )
    return out


def clean_outputs(folder: Path) -> dict[str, Path]:
    """The clean rule's outputs (workflow/rules/clean.smk) in ``folder``."""
    names = {"units": "units.csv", "markers": "markers.csv", "report": "cleaning_report.csv"}
    return {"bundle": folder / "texts.zip", **{key: folder / n for key, n in names.items()}}


@pytest.fixture(scope="module")
def pattern_study(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    root = write_study(tmp_path_factory.mktemp("shards"))
    out = root / "unsharded"
    clean_study(
        root / "interviews.csv",
        root / "transcripts",
        root / "redaction.csv",
        SPEAKERS,
        PATTERNS,
        out,
        texts_bundle=out / "texts.zip",
    )
    return root, digests(out)


@pytest.mark.parametrize("n_shards", [1, 2, 3, 7])
def test_gathered_results_equal_one_unsharded_job(pattern_study, n_shards):
    root, expected = pattern_study
    out = sharded(root, n_shards, root / f"sharded_{n_shards}")
    assert digests(out) == expected
    units = pd.read_csv(out / "units.csv")
    # the case the gather's second pass is for: numbers continue across transcripts
    assert units["text"].str.contains(r"\[PHONE_3\]").any()
    assert units["text"].str.contains(r"\[EMAIL_2\]").any()


def test_shard_file_holds_no_pattern_value_in_clear(pattern_study):
    root, _ = pattern_study
    out = sharded(root, 2, root / "clear")
    for part in (out / "shards").iterdir():
        data = part.read_bytes()
        assert b"9123 4567" not in data and b"ann@example.org" not in data
        assert b"Dr Tan" not in data
        assert all(
            len(key) == 64 for r in read_part(part).results for _, key, _ in r.pattern_values
        )


def test_gather_names_a_transcript_no_shard_cleaned(pattern_study, tmp_path):
    root, _ = pattern_study
    ids = sorted(p.stem for p in (root / "transcripts").iterdir())
    part = tmp_path / "1-of-1.pkl"
    clean_shard(
        [(tid, root / "transcripts" / f"{tid}.txt") for tid in ids[1:]],
        root / "redaction.csv",
        SPEAKERS,
        PATTERNS,
        part,
    )
    with pytest.raises(InputError, match=ids[0]):
        gather_clean(
            [part],
            root / "interviews.csv",
            root / "transcripts",
            root / "redaction.csv",
            SPEAKERS,
            PATTERNS,
            clean_outputs(tmp_path / "out"),
        )
    assert not (tmp_path / "out" / "units.csv").exists()


def test_a_foreign_file_is_not_taken_for_a_shard(tmp_path):
    bad = tmp_path / "1-of-1.pkl"
    bad.write_bytes(b"not a pickle")
    with pytest.raises(InputError, match="not a cleaning shard"):
        read_part(bad)


# ------------------------------------------------------------------------------ end to end


@pytest.mark.e2e
def test_tiny_study_results_identical_for_one_and_three_shards(tmp_path):
    """Every result file (sha256) of the tiny study, run with shards=1 and shards=3, except the
    run-time stamps masked by benchmarks/compare_results.py (notebooks, Office files)."""
    import importlib.util
    import shutil

    spec = importlib.util.spec_from_file_location("compare", REPO / "benchmarks/compare_results.py")
    compare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(compare)
    runs = {}
    for n in (1, 3):
        study = tmp_path / f"shards{n}"
        shutil.copytree(REPO / ".test", study)
        proc = subprocess.run(
            [sys.executable, "-m", "snakemake", "-s", str(REPO / "Snakefile"), "--cores", "2"]
            + ["--config", f"shards={n}"],
            cwd=study,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs[n] = study
    assert sorted(p.name for p in (runs[3] / "results/clean/shards").iterdir()) == [
        "1-of-3.pkl",
        "2-of-3.pkl",
        "3-of-3.pkl",
    ]
    one, three = (
        {
            str(p.relative_to(runs[n] / "results")): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted((runs[n] / "results").rglob("*"))
            if p.is_file() and "shards" not in p.parts
        }
        for n in (1, 3)
    )
    assert one.keys() == three.keys()
    for name in ["clean/units.csv", "clean/markers.csv", "clean/cleaning_report.csv"]:
        assert one[name] == three[name], name
    stamped, different, n_files = compare.compare(runs[1] / "results", runs[3] / "results")
    assert n_files > 100
    # Files that describe the run rather than the study differ, and must: the leak gate counts
    # the shard files it did not scan, and the front page and its history record a digest of the
    # config, which now says shards: 3.
    about_the_run = {"leak_gate.txt", "index.html", "history/state.json"}
    assert sorted(d for d in different if "shards" not in d) == sorted(about_the_run)
