"""Dependency pins have one source (pyproject.toml); the other lists agree with it."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TEST_ONLY = {"pytest", "krippendorff", "irrcac", "statsmodels", "ruff", "snakefmt"}


def _tools_pins():
    spec = importlib.util.spec_from_file_location("pins", REPO / "tools/pins.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PINS = _tools_pins()


def _name(requirement: str) -> str:
    return re.split(r"[=<>!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _exact(requirement: str) -> tuple[str, str]:
    name, sep, version = requirement.partition("==")
    assert sep and version, f"{requirement!r} is not an exact pin"
    return _name(name), version.strip()


def test_generated_lists_are_up_to_date():
    for path, text in PINS.outputs().items():
        assert path.read_text(encoding="utf-8") == text, (
            f"{path.relative_to(REPO)} differs from pyproject.toml: run python tools/pins.py"
        )


def test_every_pin_is_exact_and_constraints_agree():
    constraints = dict(
        _exact(line)
        for line in (REPO / "constraints.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    )
    for group, requirements in PINS.pins().items():
        for requirement in requirements:
            name, version = _exact(requirement)
            assert constraints.get(name) == version, (group, requirement, constraints.get(name))


def test_test_only_packages_are_only_in_the_test_extra():
    groups = PINS.pins()
    test_groups = ("test", "test-no-deps")
    assert {_name(r) for group in test_groups for r in groups[group]} == TEST_ONLY
    for group, requirements in groups.items():
        if group not in test_groups:
            assert not TEST_ONLY & {_name(r) for r in requirements}, group
    rules_env = (REPO / "workflow/envs/qualflow.yaml").read_text().lower()
    assert not [p for p in TEST_ONLY if f"- {p}==" in rules_env]


def test_the_library_imports_no_test_only_package():
    imports = re.compile(r"^\s*(?:import|from)\s+(pytest|krippendorff|irrCAC|statsmodels)\b", re.M)
    offenders = [
        str(path.relative_to(REPO))
        for folder in ["src", "workflow/scripts"]
        for path in (REPO / folder).rglob("*.py")
        if imports.search(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
