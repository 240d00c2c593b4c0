"""The shipped Slurm profile (workflow/profiles/slurm) agrees with the rules it names."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
PROFILE = yaml.safe_load((REPO / "workflow/profiles/slurm/config.yaml").read_text())


def rule_bodies() -> dict[str, str]:
    """Each rule's text in workflow/rules/*.smk, by name (`use rule … as X` included)."""
    bodies = {}
    for smk in sorted((REPO / "workflow/rules").glob("*.smk")):
        text = smk.read_text()
        for match in re.finditer(
            r"^(?:rule (\w+)|use rule \w+ as (\w+) with):\n(.*?)(?=^\S|\Z)", text, re.M | re.S
        ):
            bodies[match[1] or match[2]] = match[3]
    return bodies


def test_the_profile_names_only_rules_that_exist():
    rules = rule_bodies()
    named = set(PROFILE["set-threads"]) | set(PROFILE["set-resources"])
    assert named <= set(rules), sorted(named - set(rules))


def test_side_outputs_are_niced_on_slurm_exactly_where_their_rules_lower_priority():
    """Rules with `priority: -1` (nothing waits for them) ask Slurm for a lower priority, since
    the plugin does not pass rule priorities on; no other rule does."""
    low_priority = {name for name, body in rule_bodies().items() if "priority: -1" in body}
    niced = {
        name
        for name, resources in PROFILE["set-resources"].items()
        if "--nice" in str(resources.get("slurm_extra", ""))
    }
    assert low_priority == niced
    assert low_priority >= {"coding_sheet", "export_qdpx", "export_qdpx_coder", "disagreements"}
