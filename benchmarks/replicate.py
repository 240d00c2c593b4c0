"""A study ``factor`` times as large, made by replicating its participants under new ids.

Generating a synthetic study (:func:`qualflow.demo.study.simulate_study`) takes about a minute
at 10× the demo and hours at 1,000×; copying one is a matter of disk speed. The benchmark of
whole-pipeline growth (bench_scale.py) therefore generates the 10× study once and replicates it
for the larger scales: the pipeline's cost depends on how much text and how many codings it
reads, not on whether two participants said the same words.

Copy ``k`` (0 … factor−1) of participant ``p`` becomes participant ``p + k·step``, where
``step`` is the smallest power of ten larger than the spread of the study's ids, so copy 0 keeps
every id and the new ids keep their number of digits (50001 → 50101 → 50201 …). Equal length
matters: transcripts may label the participant's turns with their id (``50004: …``), and
replacing it by an id of the same length leaves every character offset — coders' spans, the
text lock — valid. Replicated consistently across ``data/``:

* every CSV under ``data/`` with a ``participant_id``, ``transcript_id``, ``unit_id``
  (``{transcript_id}:{turn}``), ``transcript_file`` or ``staff_id`` column gets factor× the
  rows (interviews, participants, screening — staff ids get a copy suffix —, text lock,
  resolutions, coder A's long CSV); a CSV without one (the redaction list) is copied as it is,
  and so are ``data/quotes.csv`` (a pin names one quote; its copies would pin the same text
  again) and ``codebook.yaml``;
* a filled coding sheet (``.xlsx``, unit ids in the first column of its ``coding`` sheet)
  gets factor× the coding rows;
* each transcript is copied to ``{new participant}_{wave}.<ext>``, its own id replaced in the
  text (plain text in ASCII-compatible encodings or UTF-16, subtitles, and the document XML of
  a .docx).

Rows are written copy after copy; copy 0's rows and files are byte-for-byte the original's
(except a coding sheet, which openpyxl writes anew).

    python benchmarks/replicate.py SOURCE_STUDY TARGET_STUDY FACTOR
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import shutil
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

ID_COLUMNS = ("participant_id", "transcript_id", "unit_id", "transcript_file", "staff_id")
UNCHANGED = {"quotes.csv"}
TRANSCRIPT_SUFFIXES = {".txt", ".srt", ".vtt", ".docx"}
FILE_NAME = re.compile(r"^(?P<participant>\d+)(?P<rest>_.*)$")
TRANSCRIPT_ID = re.compile(r"^(?P<participant>\d+)(?P<rest>_\d+)$")
STAFF_ID = re.compile(r"^(?P<prefix>\D*)(?P<number>\d+)$")


class Replicator:
    """New ids for copy ``k`` of a study whose participants are ``participants``."""

    def __init__(self, participants: set[int], factor: int) -> None:
        if factor < 1:
            raise ValueError(f"factor must be a positive integer, not {factor}")
        if not participants:
            raise ValueError("the study has no participants")
        low, high = min(participants), max(participants)
        self.factor = factor
        self._seen: dict[tuple[str, str, int], str] = {}
        self.step = 10 ** len(str(high - low))
        largest = high + (factor - 1) * self.step
        if len(str(largest)) != len(str(high)) or len(str(low)) != len(str(high)):
            raise ValueError(
                f"participant ids {low}–{high} cannot be copied {factor} times without "
                f"changing their number of digits (the last copy would reach {largest})"
            )

    def participant(self, pid: int | str, k: int) -> str:
        return str(int(pid) + k * self.step)

    def transcript(self, tid: str, k: int, where: str = "") -> str:
        """``50001_2`` → ``50101_2`` for k = 1."""
        match = TRANSCRIPT_ID.match(tid)
        if not match:
            raise ValueError(f"{where}: transcript id {tid!r} is not <participant>_<wave>")
        return self.participant(match["participant"], k) + match["rest"]

    def unit(self, uid: str, k: int, where: str = "") -> str:
        """``50001_2:17`` → ``50101_2:17`` for k = 1."""
        tid, colon, turn = uid.partition(":")
        if not colon:
            raise ValueError(f"{where}: unit id {uid!r} is not <transcript_id>:<turn>")
        return self.transcript(tid, k, where) + ":" + turn

    def file_name(self, name: str, k: int, where: str = "") -> str:
        """``50001_2.srt`` → ``50101_2.srt`` for k = 1."""
        match = FILE_NAME.match(name)
        if not match:
            raise ValueError(f"{where}: transcript file {name!r} does not start with an id")
        return self.participant(match["participant"], k) + match["rest"]

    def staff(self, sid: str, k: int, where: str = "") -> str:
        """``S07`` → ``S07`` (k = 0), ``S07-1``, ``S07-2`` …"""
        return sid if k == 0 or not sid else f"{sid}-{k}"

    def value(self, column: str, value: str, k: int, where: str) -> str:
        """A cell of an id column in copy ``k`` (empty cells stay empty). Remembered: a text
        lock or coder file repeats each transcript id hundreds of times."""
        if k == 0 or value == "":
            return value
        key = (column, value, k)
        if key not in self._seen:
            convert: dict[str, Callable[[str, int, str], str]] = {
                "participant_id": lambda v, k, w: self.participant(v, k),
                "transcript_id": self.transcript,
                "unit_id": self.unit,
                "transcript_file": self.file_name,
                "staff_id": self.staff,
            }
            self._seen[key] = convert[column](value, k, where)
        return self._seen[key]


def study_participants(data: Path) -> set[int]:
    """Participant ids from participants.csv and interviews.csv."""
    ids: set[int] = set()
    for name in ("participants.csv", "interviews.csv"):
        with (data / name).open(newline="", encoding="utf-8") as handle:
            ids |= {int(row["participant_id"]) for row in csv.DictReader(handle)}
    return ids


def _line_terminator(raw: str) -> str:
    return "\r\n" if "\r\n" in raw.split("\n", 1)[0] + "\n" else "\n"


def replicate_csv(source: Path, target: Path, rep: Replicator) -> int:
    """Copy ``source`` to ``target`` with its rows repeated once per copy, ids renamed in every
    id column; a file without id columns is copied unchanged. Returns the rows written."""
    raw = source.read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    header, body = rows[0], rows[1:]
    columns = [i for i, name in enumerate(header) if name.strip() in ID_COLUMNS]
    if not columns or source.name in UNCHANGED:
        shutil.copyfile(source, target)
        return len(body)
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator=_line_terminator(raw))
    writer.writerow(header)
    for k in range(rep.factor):
        for number, row in enumerate(body, start=2):
            new = list(row)
            for i in columns:
                new[i] = rep.value(header[i].strip(), row[i], k, f"{source}, row {number}")
            writer.writerow(new)
    target.write_text(out.getvalue(), encoding="utf-8", newline="")
    return len(body) * rep.factor


def replicate_sheet(source: Path, target: Path, rep: Replicator) -> int:
    """A filled coding sheet (.xlsx): its ``coding`` rows repeated once per copy, the unit id
    (first column) renamed. Returns the coding rows written."""
    import openpyxl

    book = openpyxl.load_workbook(source)
    sheet = book["coding"] if "coding" in book.sheetnames else book.worksheets[0]
    if str(sheet.cell(1, 1).value).strip() != "unit_id":
        raise ValueError(f"{source}: the coding sheet's first column is not unit_id")
    rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True) if r[0] is not None]
    for k in range(1, rep.factor):
        for number, row in enumerate(rows, start=2):
            sheet.append([rep.unit(str(row[0]), k, f"{source}, row {number}"), *row[1:]])
    book.save(target)
    return len(rows) * rep.factor


def _id_pattern(pid: str) -> list[tuple[re.Pattern[bytes], Callable[[str], bytes]]]:
    """The participant id as a whole number in ASCII-compatible text, UTF-16-LE and -BE."""
    ascii_ = (re.compile(rb"(?<![0-9])" + pid.encode() + rb"(?![0-9])"), str.encode)
    le = (
        re.compile(rb"(?<![0-9]\x00)" + pid.encode("utf-16-le") + rb"(?![0-9]\x00)"),
        lambda s: s.encode("utf-16-le"),
    )
    be = (
        re.compile(rb"(?<!\x00[0-9])" + pid.encode("utf-16-be") + rb"(?!\x00[0-9])"),
        lambda s: s.encode("utf-16-be"),
    )
    return [ascii_, le, be]


def renamed_bytes(data: bytes, old: str, new: str) -> bytes:
    """``data`` with the whole number ``old`` replaced by ``new`` (same length) in any of the
    encodings a transcript may use."""
    for pattern, encode in _id_pattern(old):
        data = pattern.sub(encode(new).replace(b"\\", b"\\\\"), data)
    return data


def renamed_docx(data: bytes, old: str, new: str) -> bytes:
    """A .docx with ``old`` replaced by ``new`` in its document XML; members keep their
    order, dates and compression."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            member = src.read(info)
            if info.filename.startswith("word/") and info.filename.endswith(".xml"):
                member = renamed_bytes(member, old, new)
            dst.writestr(info, member)
    return out.getvalue()


def replicate_transcript(source: Path, target_dir: Path, rep: Replicator) -> list[Path]:
    """Copies 0 … factor−1 of one raw transcript, renamed, with its own id replaced."""
    if source.suffix.lower() not in TRANSCRIPT_SUFFIXES:
        raise ValueError(f"{source}: unknown transcript format {source.suffix!r}")
    match = FILE_NAME.match(source.name)
    if not match:
        raise ValueError(f"{source}: transcript file name does not start with a participant id")
    old = match["participant"]
    data = source.read_bytes()
    written = []
    for k in range(rep.factor):
        target = target_dir / rep.file_name(source.name, k)
        new = rep.participant(old, k)
        if k == 0:
            target.write_bytes(data)
        elif source.suffix.lower() == ".docx":
            target.write_bytes(renamed_docx(data, old, new))
        else:
            target.write_bytes(renamed_bytes(data, old, new))
        written.append(target)
    return written


def replicate_study(source: Path, target: Path, factor: int) -> dict[str, int]:
    """Write ``target/data``: the study in ``source/data`` with every participant copied
    ``factor`` times (see the module docstring). Returns rows or files written per file."""
    data, out = Path(source) / "data", Path(target) / "data"
    if out.exists():
        raise FileExistsError(f"{out} exists; replicate into a new folder")
    rep = Replicator(study_participants(data), factor)
    counts: dict[str, int] = {}
    staging = out.with_name(".data.replicating")
    if staging.exists():
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    for path in sorted(data.rglob("*")):
        relative = path.relative_to(data)
        dest = staging / relative
        if path.is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        if relative.parts[0] == "transcripts":
            counts[str(relative)] = len(replicate_transcript(path, dest.parent, rep))
        elif path.suffix == ".csv":
            counts[str(relative)] = replicate_csv(path, dest, rep)
        elif path.suffix == ".xlsx":
            counts[str(relative)] = replicate_sheet(path, dest, rep)
        elif path.suffix in {".yaml", ".yml"}:
            shutil.copyfile(path, dest)
        else:
            raise ValueError(f"{path}: no rule to replicate this file (not a CSV, sheet, YAML)")
    staging.rename(out)
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", help="study folder (with data/)")
    parser.add_argument("target", help="new study folder")
    parser.add_argument("factor", type=int)
    args = parser.parse_args(argv)
    counts = replicate_study(Path(args.source), Path(args.target), args.factor)
    transcripts = sum(n for name, n in counts.items() if name.startswith("transcripts"))
    print(f"{args.target}: {transcripts:,} transcripts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
