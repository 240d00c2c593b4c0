"""The demo study's codebook (own words, ``phrases/codebook.yaml``) and which codes neighbour.

The coders of the simulation confuse a code with its neighbours: siblings in a subtheme, and
the role pairs on either side of the facilitator/barrier line.
"""

from __future__ import annotations

import copy

from .banks import codebook

CODE_FIELDS = ("name", "label", "definition", "include", "exclude", "example")
# categories -> subthemes -> codes, each code a tuple in CODE_FIELDS order
CODEBOOK: list[dict] = [
    {
        "name": cat["name"],
        "label": cat["label"],
        "subthemes": [
            {
                **{k: v for k, v in sub.items() if k != "codes"},
                "codes": [tuple(code[f] for f in CODE_FIELDS) for code in sub["codes"]],
            }
            for sub in cat["subthemes"]
        ],
    }
    for cat in codebook()["categories"]
]

CODE_SUBTHEME: dict[str, str] = {
    code[0]: sub["name"] for cat in CODEBOOK for sub in cat["subthemes"] for code in sub["codes"]
}
SUBTHEME_CATEGORY: dict[str, str] = {
    sub["name"]: cat["name"] for cat in CODEBOOK for sub in cat["subthemes"]
}
SUBTHEMES: list[str] = list(SUBTHEME_CATEGORY)
BARRIERS: list[str] = [s for s, c in SUBTHEME_CATEGORY.items() if c == "barriers"]


def codebook_document() -> dict:
    """The codebook as the YAML document ``qualflow.codebook.load_codebook`` reads."""
    return copy.deepcopy(codebook())


# Codes a coder may take for one another: siblings in a subtheme, and the role pairs that sit
# on either side of the facilitator/barrier line.
CROSS_NEIGHBOURS: dict[str, list[str]] = {
    "clear_boundaries": ["dual_relationship"],
    "dual_relationship": ["clear_boundaries"],
    "recognised_contribution": ["role_confusion", "staff_allies"],
    "role_confusion": ["recognised_contribution", "role_building"],
    "role_building": ["role_confusion"],
    "supervisor_backing": ["supervisor_unfamiliar"],
    "supervisor_unfamiliar": ["supervisor_backing"],
    "stigma_doubt": ["excluded_from_team", "dismissive_remarks"],
    "talking_it_through": ["peer_partner"],
    "peer_partner": ["talking_it_through"],
}


def neighbours(code: str) -> list[str]:
    """Codes a coder might apply instead of ``code`` (same subtheme, or a known cross pair)."""
    sub = CODE_SUBTHEME[code]
    siblings = [c for c, s in CODE_SUBTHEME.items() if s == sub and c != code]
    return siblings + [c for c in CROSS_NEIGHBOURS.get(code, []) if c not in siblings]
