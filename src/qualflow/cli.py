"""The ``qualflow`` command: utilities around the Snakemake pipeline.

qualflow simulate --out DIR [--scale N] [--seed S]   write a synthetic study into DIR
qualflow lock [--study DIR] [--relock ID ...]        record the cleaned texts coders are given
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import yaml

from qualflow.errors import InputError


def _simulate(args: argparse.Namespace) -> None:
    from qualflow.demo.study import simulate_study

    out = Path(args.out)
    simulate_study(out, scale=args.scale, seed=args.seed)
    if args.config:
        write_study_config(Path(args.config), out)


def _lock(args: argparse.Namespace) -> None:
    from qualflow.codings.textlock import write_lock
    from qualflow.contracts import read_units

    study = Path(args.study)
    config = yaml.safe_load((study / "config.yaml").read_text(encoding="utf-8")) or {}
    lock = study / (config.get("data", {}).get("text_lock") or "data/text_lock.csv")
    units_csv = study / "results" / "clean" / "units.csv"
    if not units_csv.exists():
        raise InputError(units_csv, "not found: run the pipeline's cleaning first (make lock)")
    added, relocked = write_lock(lock, read_units(units_csv), units_csv.parent, set(args.relock))
    print(
        f"{lock}: {len(added)} transcript(s) added, {len(relocked)} relocked; "
        "commit it with the study's data"
    )


def write_study_config(template: Path, study: Path) -> Path:
    """Copy ``template`` into ``study/config.yaml``, pointing ``coders`` at the files the
    simulator wrote (coder B is a coding sheet at scale 1 and a long CSV above)."""
    config = yaml.safe_load(template.read_text(encoding="utf-8"))
    codings = study / "data" / "codings"
    config["coders"] = {
        path.stem: str(path.relative_to(study))
        for path in sorted(codings.iterdir())
        if path.suffix in {".csv", ".xlsx", ".qdpx", ".qde"}
    }
    target = study / "config.yaml"
    target.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="qualflow", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sim = sub.add_parser("simulate", help="write a seeded synthetic study (data/) into a folder")
    sim.add_argument("--out", required=True, help="study folder to create")
    sim.add_argument(
        "--scale", type=int, default=1, help="1 = demo study; 100 = ~3,000 transcripts"
    )
    sim.add_argument("--seed", type=int, default=2019)
    sim.add_argument("--config", help="a config.yaml to copy into the study (coders adjusted)")
    sim.set_defaults(func=_simulate)
    lock = sub.add_parser(
        "lock",
        help="record the cleaned texts coders are given (data/text_lock.csv); adds new "
        "transcripts, keeps locked ones",
    )
    lock.add_argument("--study", default=".", help="study folder (default: here)")
    lock.add_argument(
        "--relock",
        nargs="*",
        default=[],
        metavar="TRANSCRIPT",
        help="record these transcripts' current text again (after they were recoded)",
    )
    lock.set_defaults(func=_lock)
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except InputError as err:
        print(f"qualflow: bad input: {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
