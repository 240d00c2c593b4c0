"""One source for dependency pins: pyproject.toml. The other lists are generated from it.

    python tools/pins.py          # rewrites requirements.txt, environment.yml and
                                  # workflow/envs/qualflow.yaml
    python tools/pins.py --check  # exit 1 naming each file that is out of date

pyproject.toml holds exact pins: `dependencies` (what the pipeline's rules import), the `test`
extra (test-only packages; `test-no-deps` those installed without their declared dependencies,
whose pins conflict with ours), the `dev` extra (working on notebooks) and the `slurm` extra (the
executor plugin, `make setup-slurm`). constraints.txt, the full environment `make setup`
installs into, must pin every one of them to the same version (checked by tests/test_pins.py).
"""

from __future__ import annotations

import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GENERATED = "generated from pyproject.toml by tools/pins.py: edit pyproject.toml, then run it"


def pins(pyproject: Path = REPO / "pyproject.toml") -> dict[str, list[str]]:
    """`runtime` and each extra's requirement strings, in pyproject order."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    return {"runtime": list(project["dependencies"]), **project["optional-dependencies"]}


def requirements_txt(groups: dict[str, list[str]]) -> str:
    """What `make setup` installs (with -c constraints.txt): runtime, test and dev."""
    lines = [
        f"# Direct dependencies of qualflow, {GENERATED}.",
        "# Exact versions of everything: constraints.txt.",
    ]
    for group in ["runtime", "test", "dev"]:
        lines += [f"# {group}", *groups[group]]
    return "\n".join(lines) + "\n"


def _conda(header: list[str], name: str | None, requirements: list[str], extra: list[str]) -> str:
    lines = [*header]
    if name:
        lines.append(f"name: {name}")
    lines += ["channels:", "  - conda-forge", "dependencies:", "  - python=3.11", "  - pip"]
    lines.append("  - pip:")
    lines += [f"      - {r}" for r in [*requirements, *extra]]
    return "\n".join(lines) + "\n"


def requirements_no_deps_txt(groups: dict[str, list[str]]) -> str:
    """What `make setup` installs with `pip install --no-deps` (see pyproject.toml for why)."""
    lines = [
        f"# Installed with `pip install --no-deps -r` this file, {GENERATED}.",
        "# Their declared pins conflict with ours; pyproject.toml says why each is safe.",
        *groups["test-no-deps"],
    ]
    return "\n".join(lines) + "\n"


def environment_yml(groups: dict[str, list[str]]) -> str:
    """Conda users' development environment: the same pins as `make setup`."""
    header = [
        "# Conda users: `conda env create -f environment.yml && conda activate qualflow &&"
        " pip install --no-deps -r requirements-no-deps.txt -e .`",
        f"# The pins `make setup` installs (runtime, test, dev), {GENERATED}.",
    ]
    return _conda(header, "qualflow", [*groups["runtime"], *groups["test"], *groups["dev"]], [])


def rules_env_yaml(groups: dict[str, list[str]]) -> str:
    """The rules' software environment (`--software-deployment-method conda`): runtime only."""
    header = [
        "# The software environment of every rule, for"
        " `snakemake --software-deployment-method conda`.",
        f"# Runtime pins only, {GENERATED}; qualflow itself is installed from this checkout.",
    ]
    return _conda(header, None, groups["runtime"], ["-e ../.."])


def outputs(repo: Path = REPO) -> dict[Path, str]:
    groups = pins(repo / "pyproject.toml")
    return {
        repo / "requirements.txt": requirements_txt(groups),
        repo / "requirements-no-deps.txt": requirements_no_deps_txt(groups),
        repo / "environment.yml": environment_yml(groups),
        repo / "workflow/envs/qualflow.yaml": rules_env_yaml(groups),
    }


def main(argv: list[str]) -> int:
    stale = []
    for path, text in outputs().items():
        if "--check" in argv:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path.relative_to(REPO))
        else:
            path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"{path} is out of date with pyproject.toml: python tools/pins.py", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
