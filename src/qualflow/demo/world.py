"""The participants' world: staff, places and organisations they name, and their own names."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import pandas as pd

from .tables import rng_for

# ---------------------------------------------------------------------------------------------
# The participants' world: staff, places, organisations, names
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entity:
    """A real person, place or organisation named in transcripts, and how people say it."""

    entity: str
    kind: str
    terms: tuple[str, ...]


STAFF = {
    "sup": [
        ("staff_ong", ("Ms Ong", "Pei Shan", "Ong Pei Shan")),
        ("staff_selvam", ("Mr Selvam", "Selvam")),
        ("staff_halimah", ("Dr Halimah", "Halimah")),
        ("staff_chua", ("Mr Chua", "Benedict", "Benedict Chua")),
        ("staff_tay", ("Ms Tay", "Lydia Tay", "Lydia")),
    ],
    "partner": [
        ("staff_farid", ("Farid", "Farid Ismail")),
        ("staff_cheryl", ("Cheryl", "Cheryl Ho")),
        ("staff_vijay", ("Vijay", "Vijay Kumar")),
        ("staff_wenhui", ("Wen Hui", "Sng Wen Hui")),
        ("staff_daniel", ("Daniel", "Daniel Sim")),
    ],
    "cm": [
        ("staff_jason", ("Jason", "Jason Lau")),
        ("staff_noraini", ("Ms Noraini", "Noraini")),
        ("staff_priya", ("Ms Priya", "Priya Nair")),
        ("staff_teo", ("Mr Teo", "Teo Jun Hao")),
    ],
    "nurse": [
        ("staff_farhana", ("Nurse Farhana", "Farhana")),
        ("staff_wong", ("Sister Wong",)),
        ("staff_kelvin", ("Nurse Kelvin", "Kelvin")),
        ("staff_joanne", ("Nurse Joanne", "Joanne")),
    ],
    "doc": [
        ("staff_goh", ("Dr Goh", "Dr Goh Siew Lan")),
        ("staff_krishnan", ("Dr Krishnan", "Dr Krish")),
        ("staff_lee", ("Dr Lee", "Dr Lee Meng Kit")),
        ("staff_aziz", ("Dr Aziz",)),
    ],
    "wm": [
        ("staff_rosnah", ("Mdm Rosnah", "Rosnah")),
        ("staff_loh", ("Mr Loh",)),
        ("staff_yvonne", ("Ms Yvonne Quah", "Yvonne")),
    ],
}
PLACES = {
    "ward": [
        ("place_ward31", ("Ward 31",)),
        ("place_ward46b", ("Ward 46B",)),
        ("place_ward18", ("Ward 18",)),
        ("place_ward63", ("Ward 63",)),
        ("place_ward27", ("Ward 27",)),
    ],
    "clinic": [
        ("place_tampines", ("the Tampines satellite clinic", "the Tampines clinic")),
        ("place_bedok", ("the Bedok day centre",)),
        ("place_jurong", ("the Jurong community hub", "Jurong hub")),
        ("place_hougang", ("the Hougang drop-in centre", "Hougang drop-in")),
    ],
}
ORGS = [
    ("org_harbourlight", ("Harbourlight Recovery Network", "Harbourlight")),
    ("org_peervoices", ("Peer Voices Alliance",)),
    ("org_silverstrand", ("the Silverstrand Foundation", "Silverstrand")),
]
# "the X" is said but not part of the name to redact
ARTICLE = re.compile(r"^the ", re.IGNORECASE)

GIVEN = {
    (
        "Chinese",
        "female",
    ): "Hui Min Li Ting Xin Yi Shu Fen Mei Xuan Wan Ting Yi Ling Jia Qi Siew Mei",
    (
        "Chinese",
        "male",
    ): "Wei Jie Jun Wei Zhi Hao Kai Xiang Yong Sheng Guo Liang Ming Hui Jian Rong",
    ("Malay", "female"): (
        "Nur Aisyah|Siti Nabilah|Nurul Huda|Farah|Syafiqah|Amirah|Hidayah|Aqilah|Nadia|"
        "Zulaikha|Liyana|Atiqah|Hazirah|Sakinah"
    ),
    ("Malay", "male"): (
        "Muhammad Hafiz|Ahmad Firdaus|Irfan|Haziq|Khairul|Syahmi|Faizal|Rizwan|Hakim|"
        "Imran|Shahrul|Zaki|Danial|Amir"
    ),
    ("Indian", "female"): (
        "Kavitha|Divya|Shalini|Revathi|Anitha|Deepa|Meena|Lakshmi|Sangeetha|Nithya|"
        "Malathi|Pooja|Vasanthi|Janani"
    ),
    ("Indian", "male"): (
        "Arun|Suresh|Ganesh|Prakash|Ravi|Karthik|Naveen|Dinesh|Mohan|Rajesh|Senthil|"
        "Vignesh|Hari|Gopal"
    ),
}
SURNAMES = {
    "Chinese": "Lim Ng Koh Chan Yeo Toh Quek Seah Foo Heng Soh Kwek Pang Chia".split(),
    "Malay": (
        "Rahman Osman Yusof Hamid Salleh Jamil Kassim Ariffin Bakar Latif Zainal Hashim"
    ).split(),
    "Indian": (
        "Raman Subramaniam Pillai Naidu Chandran Murugan Sivakumar Menon Rajoo Govindasamy "
        "Balakrishnan Thevar"
    ).split(),
}


def _chinese_given(gender: str) -> list[str]:
    syllables = list(dict.fromkeys(GIVEN[("Chinese", gender)].split()))
    return [f"{a} {b.lower()}".title() for a in syllables for b in syllables if a != b]


def participant_names(participants: pd.DataFrame, seed: int) -> dict[int, str]:
    """A unique full name per participant, matching gender and ethnicity."""
    rng = rng_for(seed, "names")
    staff_terms = [t for group in STAFF.values() for _, terms in group for t in terms]
    clash = re.compile(r"\b(" + "|".join(re.escape(t) for t in staff_terms) + r")\b", re.I)
    pools: dict[tuple[str, str], list[str]] = {}
    taken: set[str] = set()
    names: dict[int, str] = {}
    for pid, gender, ethnicity in zip(
        participants["participant_id"],
        participants["gender"],
        participants["ethnicity"],
        strict=True,
    ):
        key = (ethnicity, gender)
        if key not in pools:
            pools[key] = _name_pool(ethnicity, gender, clash, rng)
        pool = pools[key]
        while pool and pool[-1].lower() in taken:
            pool.pop()
        if not pool:
            raise RuntimeError(f"ran out of {ethnicity} {gender} names")
        names[int(pid)] = pool.pop()
        taken.add(names[int(pid)].lower())
    return names


def _name_pool(ethnicity: str, gender: str, clash: re.Pattern, rng: random.Random) -> list[str]:
    if ethnicity == "Chinese":
        combos = [f"{s} {g}" for s in SURNAMES["Chinese"] for g in _chinese_given(gender)]
    else:
        tie = {"Malay": ("binte", "bin"), "Indian": ("", "")}[ethnicity][gender == "male"]
        combos = [
            " ".join(filter(None, (g, tie, s)))
            for g in GIVEN[(ethnicity, gender)].split("|")
            for s in SURNAMES[ethnicity]
        ]
    combos = sorted({c for c in combos if not clash.search(c)})
    rng.shuffle(combos)
    return combos


ACTIVITIES = [
    "the recovery group",
    "the hearing voices group",
    "a peer sharing circle",
    "the wellness planning workshop",
    "the discharge support group",
    "one-to-one check-ins",
    "the family sharing session",
    "the art and recovery group",
]
HOBBIES = [
    ("cycling", "cycling"),
    ("swimming", "swimming"),
    ("for long walks by the reservoir", "walking"),
    ("to church", "going to church"),
    ("jogging", "jogging"),
    ("hiking", "hiking"),
    ("to the gym", "going to the gym"),
    ("fishing with my uncle", "fishing"),
    ("to badminton with my old classmates", "playing badminton"),
    ("to choir practice", "singing in a choir"),
    ("to the temple with my mother", "journaling"),
    ("to the mosque early", "playing the guitar"),
]
CONFIDANTS = {
    "female": [
        "my mum",
        "my sister",
        "my husband",
        "my best friend",
        "my cousin",
        "a friend from church",
    ],
    "male": [
        "my mum",
        "my brother",
        "my wife",
        "my best friend",
        "my girlfriend",
        "an old army friend",
    ],
}
