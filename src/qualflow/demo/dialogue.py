"""The dialogue of the synthetic demo interviews: voices, turns and the interview writer.

The demo study is modelled on the design of a published study of peer support specialists
(PSS) in a psychiatric hospital; every sentence is newly written. A transcript is built in
three layers:

1. a *plan*: which codes the participant's turns express (the ground truth), grouped into the
   sections of a semi-structured interview guide, with barriers ordered after the one
   "challenges" prompt (for primacy);
2. *turns*: a coded participant turn states its code(s), often tells a short episode and a
   reaction; a neutral turn is talk on the section's topic. Either is spoken in the
   participant's own voice (openers, fillers, Singlish particles, restarts);
3. *templates*: a phrase-bank line (data files in ``qualflow/demo/phrases/``, read by
   :mod:`qualflow.demo.banks`) is one passage in the grammar of :mod:`qualflow.demo.grammar`.
   An interview uses each passage once; lines starting ``~`` combine so many alternatives that
   they may recur once the others are spent.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .banks import bank, words
from .codes import BARRIERS, CODE_SUBTHEME, SUBTHEME_CATEGORY, SUBTHEMES
from .grammar import ENTITY_OPEN, capitalise, expand, mark_entity, surface_text

# Interviewer turns must not match the primacy prompt pattern except the one prompt
# (config.yaml: themes.primacy_prompt).
PROMPT_PATTERN = re.compile(r"(?i)\b(challeng|difficult|hard|barrier|struggl)")

# The phrase banks (data files) and short word lists
CODE_BANK = bank("participant")
REACTIONS = bank("reactions")
NEUTRAL = bank("neutral")
EPISODES = bank("episodes")
REFLECTIONS = bank("reflections")
CLOSED_EXCHANGES = bank("exchanges")
INTERVIEWER = bank("interviewer")
_WORDS = words()
PII_SENTENCES: dict[str, list[str]] = _WORDS["pii_sentences"]
CONSENT_ANSWERS: list[str] = _WORDS["consent_answers"]
CLOSERS: list[str] = _WORDS["closers"]
OPENERS: list[str] = _WORDS["openers"]
PARTICLES: list[str] = _WORDS["particles"]
SECTION_TOPIC: dict[str, str] = _WORDS["section_topic"]
DIAG_PHRASE: dict[str, list[str]] = _WORDS["diag_phrase"]
LANGUAGES: list[str] = _WORDS["languages"]
SKILLS: list[str] = _WORDS["skills"]
TIME_AGO: list[str] = _WORDS["time_ago"]
SUPERVISOR_ROLE: list[str] = _WORDS["supervisor_role"]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
# Words that stay capitalised after an opener is put in front.
_KEEP_CASE = {
    "I",
    "I'm",
    "I'd",
    "I've",
    "I'll",
    "HR",
    "OT",
    "MRT",
    "IC",
    "IT",
    "HOD",
    "CPR",
    "OCD",
    "WhatsApp",
    "Facebook",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "National",
    "Malaysia",
    "PSS",
}

# ---------------------------------------------------------------------------------------------
# Interview structure
# ---------------------------------------------------------------------------------------------

MIDDLE_BLOCK = ["job", "team", "support", "training"]
SECTION_WEIGHT = {
    "background": 1.7,
    "becoming": 1.0,
    "catchup": 1.1,
    "job": 1.4,
    "team": 1.3,
    "support": 1.0,
    "training": 1.0,
    "challenges": 1.6,
    "coping": 1.0,
    "change": 0.8,
    "future": 0.7,
}
AFFINITY = {
    "supportive_figures": {"support": 5, "team": 2, "catchup": 1, "coping": 0.6},
    "defined_role": {"job": 4, "team": 1.5, "future": 1, "change": 2, "catchup": 1},
    "personal_growth": {"training": 5, "future": 2, "becoming": 1.5, "catchup": 1, "change": 1},
    "coping_strategies": {"coping": 6, "catchup": 0.5, "change": 1},
    "unclear_role": {"job": 4, "challenges": 3, "team": 1.5, "becoming": 0.5, "catchup": 1},
    "hostility_from_staff": {"team": 3, "challenges": 3, "catchup": 0.5},
    "unsupportive_environment": {"challenges": 3.5, "job": 1.5, "catchup": 0.5, "change": 0.7},
}
# Which barrier a participant tends to name first when asked about challenges.
PRIMACY_WEIGHT = {"unclear_role": 3.0, "hostility_from_staff": 2.0, "unsupportive_environment": 1.3}
GENERAL_TOPICS = ["clients", "daily", "groups", "musings", "teamlife", "life"]
NEUTRAL_TOPICS = {
    "opening": ["smalltalk"],
    "background": ["recovery", "recovery", "recovery_diag", "life"],
    "becoming": ["becoming", "becoming", "learning", "musings"],
    "catchup": ["catchup", "catchup", "life", "daily", "clients"],
    "job": ["daily", "clients", "groups", "musings"],
    "team": ["teamlife", "teamlife", "daily", "clients"],
    "support": ["daily", "clients", "musings"],
    "training": ["learning", "groups", "clients"],
    "challenges": ["clients", "daily", "groups"],
    "coping": ["life", "life", "musings"],
    "change": ["change_neutral", "clients", "groups"],
    "future": ["future_neutral", "life", "musings"],
    "closing": ["closing"],
}


def wave_sections(wave: int, rng: random.Random) -> list[str]:
    """The interview guide for a wave: baseline asks about the person, later waves the work."""
    middle = MIDDLE_BLOCK[:]
    if rng.random() < 0.5:
        i = rng.randrange(len(middle) - 1)
        middle[i], middle[i + 1] = middle[i + 1], middle[i]
    head = ["background", "becoming"] if wave == 1 else ["catchup"]
    tail = ["challenges", "coping"] + (["change"] if wave >= 3 else []) + ["future"]
    return ["opening", *head, *middle, *tail, "closing"]


@dataclass
class Voice:
    """Everything the grammar needs to speak as one participant."""

    participant_id: int
    name: str  # entity mark-up of the full name
    diagnosis: str
    department: str
    people: dict[str, str]  # role -> entity id
    terms: dict[str, tuple[str, ...]]  # entity id -> surface forms
    activity: str
    hobbies: list[str]  # "I go ..." forms
    hobby_gerunds: list[str]  # "I started ... again" forms
    confidant: str
    openers: list[str]
    opener_rate: float
    filler_rate: float
    particle_rate: float
    repeat_rate: float
    code_weights: dict[str, float] = field(default_factory=dict)


@dataclass
class Turn:
    """One turn of the interview as written, with the codes it truly expresses."""

    speaker: str  # "interviewer" | "participant"
    sentences: list[str]
    codes: tuple[str, ...] = ()
    section: str = ""
    prompt: bool = False
    core: int = 0  # leading sentences that carry the codes (never trimmed)

    @property
    def text(self) -> str:
        return " ".join(self.sentences)


DIAG_KEY = {
    "schizophrenia": "recovery_schizophrenia",
    "depression": "recovery_depression",
    "bipolar disorder": "recovery_bipolar",
    "addiction": "recovery_addiction",
    "obsessive-compulsive disorder": "recovery_ocd",
}


_SENTENCE_END = re.compile('(?<=[.!?])\\s+(?=[A-Za-z"\u201c\ue000])')
_PRONOUNS = {
    "he": ("he", "she"),
    "him": ("him", "her"),
    "his": ("his", "her"),
    "He": ("He", "She"),
    "His": ("His", "Her"),
    "sibling_child": ("nephew", "niece"),
}
# Sections whose participant turns get no extra talk when the interview is lengthened.
_FIXED_SECTIONS = ("opening", "closing")


def split_sentences(passage: str) -> list[str]:
    """Split an expanded passage into sentences (so long turns can be trimmed cleanly)."""
    return [capitalise(s) for s in _SENTENCE_END.split(passage) if s]


class Interview:
    """Writes one interview (participant × wave) from a plan of coded mentions."""

    def __init__(
        self,
        voice: Voice,
        wave: int,
        rng: random.Random,
        extras: Sequence[tuple[str, str]] = (),
        covid: bool = False,
        accent: int = 0,
    ) -> None:
        self.voice = voice
        self.wave = wave
        self.rng = rng
        self.extras = list(extras)  # (kind, entity mark-up) for phone / email / nric
        self.covid = covid
        self.accent = accent
        self.used: set[str] = set()
        self._female = False  # the gender of the peer a passage talks about
        self._lang = LANGUAGES[0]  # the language a passage's peer prefers
        self.topic = ""  # topic of the last neutral passage

    # -- slots ---------------------------------------------------------------------------------

    def slot(self, name: str, rng: random.Random) -> str:
        v = self.voice
        if name in _PRONOUNS:
            return _PRONOUNS[name][int(self._female)]
        if name == "topic":
            return "<topic>"
        if name == "lang":
            return self._lang
        if name in v.people:
            entity = v.people[name]
            return mark_entity(entity, rng.choice(v.terms[entity]))
        simple = {
            "pname": lambda: v.name,
            "sup_role": lambda: rng.choice(SUPERVISOR_ROLE),
            "dept": lambda: v.department,
            "act": lambda: v.activity,
            "skill": lambda: rng.choice(SKILLS),
            "hobby_go": lambda: rng.choice(v.hobbies),
            "hobby": lambda: rng.choice(v.hobby_gerunds),
            "confidant": lambda: v.confidant,
            "time_ago": lambda: rng.choice(TIME_AGO),
            "weekday": lambda: rng.choice(WEEKDAYS),
            "diag_phrase": lambda: rng.choice(DIAG_PHRASE[v.diagnosis]),
        }
        if name in simple:
            return simple[name]()
        for kind, markup in self.extras:
            if kind == name:
                return markup
        raise KeyError(f"unknown slot <{name}>")

    def say(self, template: str) -> str:
        """Expand a template; the peer's gender and language stay fixed within it."""
        self._female = self.rng.random() < 0.5
        self._lang = self.rng.choice(LANGUAGES)
        return expand(template, self.rng, self.slot)

    def pick(self, bank: Sequence[str]) -> str:
        """A template from ``bank``, one not yet used in this interview while any are left.

        Templates marked ``~`` combine so many alternatives that they may be reused.
        """
        fresh = [t for t in bank if t not in self.used]
        template = self.rng.choice(fresh or list(bank))
        if template.startswith("~"):
            return template[1:]
        self.used.add(template)
        return template

    def _has_fresh(self, bank: Sequence[str]) -> bool:
        return any(t not in self.used for t in bank)

    def pick_fresh(self, bank: Sequence[str]) -> str | None:
        """A template from ``bank`` not yet used in this interview, or None."""
        fresh = [t for t in bank if t not in self.used]
        if not fresh:
            return None
        template = self.rng.choice(fresh)
        self.used.add(template)
        return template

    def passage(self, bank: Sequence[str]) -> list[str]:
        return split_sentences(self.say(self.pick(bank)))

    # -- participant speech ----------------------------------------------------------------------

    def voiced(self, sentence: str, first: bool = False) -> str:
        """Put the participant's habits on a sentence: openers, fillers, particles, restarts."""
        v, rng = self.voice, self.rng
        words = sentence.split(" ")
        if rng.random() < v.repeat_rate and len(words) > 4 and words[0] in ("I", "We", "It's"):
            again = words[0] if words[0] == "I" else words[0].lower()
            words = [words[0] + ",", again, *words[1:]]
        if rng.random() < v.filler_rate and len(words) > 8:
            k = rng.randrange(3, min(7, len(words) - 2))
            if not words[k - 1].endswith((",", ".")) and ENTITY_OPEN not in words[k - 1]:
                words[k - 1] += ","
                words.insert(k, rng.choice(["you know,", "like,", "I mean,", "um,", "uh,"]))
        sentence = " ".join(words)
        if first and rng.random() < v.opener_rate * 1.5:
            sentence = f"{rng.choice(v.openers)} {_lower_first(sentence)}"
        if len(words) < 13 and sentence.endswith(".") and rng.random() < v.particle_rate:
            sentence = sentence[:-1] + f" {rng.choice(PARTICLES)}."
        return sentence

    def neutral_passage(self, section: str, prefer: str | None = None) -> list[str]:
        """Talk on the section's topics: unused passages first (of topic ``prefer`` if any are
        left), then the general work topics, and only then the combinatorial (``~``) passages
        that may recur. Sets ``self.topic`` to the topic used."""
        rng = self.rng
        topics = [self._topic(t) for t in NEUTRAL_TOPICS[section]]
        wide = topics
        if section not in _FIXED_SECTIONS:
            wide = topics + [t for t in GENERAL_TOPICS if t not in topics]
        for pool in (([prefer],) if prefer else ()) + (topics, wide):
            fresh = [
                (topic, t)
                for topic in dict.fromkeys(pool)
                for t in NEUTRAL[topic]
                if t not in self.used and t[0] != "~"
            ]
            if fresh:
                self.topic, template = rng.choice(fresh)
                self.used.add(template)
                return split_sentences(self.say(template))
        reusable = [(topic, t) for topic in wide for t in NEUTRAL[topic] if t[0] == "~"]
        self.topic, template = rng.choice(reusable or [(topics[0], "~" + NEUTRAL[topics[0]][0])])
        return split_sentences(self.say(template[1:]))

    def _topic(self, topic: str) -> str:
        if topic == "recovery_diag":
            return DIAG_KEY[self.voice.diagnosis]
        if topic == "catchup" and self.covid and self.rng.random() < 0.5:
            return "covid"
        return topic

    def coded_sentences(self, code: str) -> list[str]:
        """What a participant says about ``code``: a statement, often a story, a reflection."""
        rng = self.rng
        out: list[str] = []
        episode = self.pick_fresh(EPISODES[code]) if rng.random() < 0.8 else None
        if episode is None or rng.random() < 0.7:
            out.append(self.say(self.pick(CODE_BANK[code])))
        if episode is not None:
            out.extend(split_sentences(self.say(episode)))
        more = self.pick_fresh(CODE_BANK[code + "_more"]) if rng.random() < 0.5 else None
        if more:
            out.append(self.say(more))
        if rng.random() < 0.25:
            facilitator = SUBTHEME_CATEGORY[CODE_SUBTHEME[code]] == "facilitators"
            reaction = self.pick_fresh(REACTIONS["positive" if facilitator else "negative"])
            if reaction:
                out.append(self.say(reaction))
        return out

    def participant_turn(self, codes: Sequence[str], section: str, target: int) -> Turn:
        sentences: list[str] = []
        lead = 0
        if codes and self.rng.random() < 0.15:
            sentences = self.neutral_passage(section)[:1]
            lead = 1
        for code in codes:
            sentences.extend(self.coded_sentences(code))
        core = len(sentences)
        if codes and _count_words(sentences) < target:
            more = self.pick_fresh(CODE_BANK[codes[0] + "_more"])
            if more:
                sentences.append(self.say(more))
        topic = None
        while not codes and _count_words(sentences) < target:
            sentences.extend(self.neutral_passage(section, prefer=topic))
            topic = self.topic
        if self.rng.random() < 0.15:
            sentences.append(self.rng.choice(CLOSERS))
        sentences = [self.voiced(s, first=i == 0) for i, s in enumerate(sentences)]
        return Turn("participant", sentences, tuple(codes), section, core=max(core, lead, 1))

    # -- interviewer speech ----------------------------------------------------------------------

    def interviewer(self, bank: str, section: str, prompt: bool = False) -> Turn:
        rng = self.rng
        text = self.say(self.pick(INTERVIEWER[bank]))
        if bank == "probe" and rng.random() < 0.35:
            text = f"{rng.choice(INTERVIEWER['backchannel'])} {text}"
        if bank in SECTION_TOPIC and not prompt and rng.random() < 0.6:
            preamble = self.say(self.pick(INTERVIEWER["preamble"]))
            text = f"{preamble.replace('<topic>', SECTION_TOPIC[bank])} {text}"
        if bank in SECTION_WEIGHT and rng.random() < 0.5:
            text = f"{self.say(self.pick(INTERVIEWER['transition']))} {text}"
        return Turn("interviewer", [text], (), section, prompt=prompt)

    def summary(self, section: str) -> Turn:
        """The interviewer rounds off a section before moving on."""
        text = self.say(self.pick(INTERVIEWER["summary"]))
        return Turn("interviewer", [text.replace("<topic>", SECTION_TOPIC[section])], (), section)

    def follow_up(self, after: Turn, section: str) -> Turn:
        """The interviewer's next move: a probe, a nod, or a reflection of what was said."""
        rng = self.rng
        if after.codes and rng.random() < 0.45:
            reflection = self.say(self.pick(REFLECTIONS[CODE_SUBTHEME[after.codes[0]]]))
            if rng.random() < 0.6:
                reflection += " " + self.say(self.pick(INTERVIEWER["probe"]))
            return Turn("interviewer", [reflection], (), section)
        return self.interviewer("backchannel" if rng.random() < 0.22 else "probe", section)

    # -- the whole interview --------------------------------------------------------------------

    def write(self, mentions: dict[str, int], n_turns: int, target_words: int) -> list[Turn]:
        """All turns, alternating interviewer/participant, starting with the interviewer."""
        sections = wave_sections(self.wave, self.rng)
        per_section = self._assign(mentions, sections)
        coded_turns = {s: self._group(per_section[s]) for s in sections}
        if "challenges" in coded_turns:
            coded_turns["challenges"] = self._primacy_order(coded_turns["challenges"])
        exchanges = self._exchange_counts(sections, coded_turns, n_turns // 2)
        mean_len = max(20.0, (target_words - 13 * (n_turns // 2)) / (n_turns // 2))
        turns: list[Turn] = []
        for section in sections:
            turns.extend(self._section(section, coded_turns[section], exchanges[section], mean_len))
        self._place_extras(turns)
        self._fit_words(turns, target_words)
        return turns

    def _assign(self, mentions: dict[str, int], sections: list[str]) -> dict[str, list[str]]:
        rng, v = self.rng, self.voice
        out: dict[str, list[str]] = {s: [] for s in sections}
        for subtheme in SUBTHEMES:
            n = mentions.get(subtheme, 0)
            if not n:
                continue
            codes = [c for c, s in CODE_SUBTHEME.items() if s == subtheme]
            weights = [v.code_weights.get(c, 1.0) for c in codes]
            places = [s for s in sections if AFFINITY[subtheme].get(s)]
            place_w = [AFFINITY[subtheme][s] for s in places]
            chosen_places = rng.choices(places, place_w, k=n)
            if subtheme in BARRIERS and "challenges" not in chosen_places:
                chosen_places[0] = "challenges"
            for place in chosen_places:
                out[place].append(rng.choices(codes, weights)[0])
        return out

    def _group(self, codes: list[str]) -> list[tuple[str, ...]]:
        """Mentions → participant turns: most turns carry one code, some two."""
        rng = self.rng
        pool = codes[:]
        rng.shuffle(pool)
        turns: list[tuple[str, ...]] = []
        while pool:
            first = pool.pop()
            partner = next((c for c in pool if c != first), None)
            if partner is not None and rng.random() < 0.2:
                pool.remove(partner)
                turns.append((first, partner))
            else:
                turns.append((first,))
        return turns

    def _primacy_order(self, turns: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
        """Order the challenge answers: barriers first, in the participant's order of salience."""
        rng = self.rng
        present = sorted(
            {CODE_SUBTHEME[c] for t in turns for c in t if CODE_SUBTHEME[c] in BARRIERS}
        )
        order: list[str] = []
        while present:
            pick = rng.choices(present, [PRIMACY_WEIGHT[s] for s in present])[0]
            order.append(pick)
            present.remove(pick)

        def rank(turn: tuple[str, ...]) -> int:
            ranks = [order.index(CODE_SUBTHEME[c]) for c in turn if CODE_SUBTHEME[c] in order]
            return min(ranks) if ranks else len(order)

        return sorted(turns, key=rank)

    def _exchange_counts(
        self, sections: list[str], coded: dict[str, list], total: int
    ) -> dict[str, int]:
        fixed = {"opening": 2, "closing": 2}
        middle = [s for s in sections if s not in fixed]
        need = {s: len(coded[s]) + 1 for s in middle}
        room = total - sum(fixed.values())
        weights = {s: SECTION_WEIGHT[s] * (0.8 + 0.4 * self.rng.random()) for s in middle}
        scale = room / sum(weights.values())
        counts = {s: max(need[s], round(weights[s] * scale)) for s in middle}
        # take any excess from the sections with the most slack, add any shortfall by weight
        while sum(counts.values()) > room:
            s = max(middle, key=lambda m: counts[m] - need[m])
            if counts[s] <= need[s]:
                break
            counts[s] -= 1
        while sum(counts.values()) < room:
            counts[max(middle, key=lambda m: weights[m] / counts[m])] += 1
        return {**fixed, **counts}

    def _section(
        self, section: str, coded: list[tuple[str, ...]], n: int, mean_len: float
    ) -> list[Turn]:
        rng = self.rng
        if section == "opening":
            opening = self.interviewer(f"opening_{min(self.wave, 3)}", section)
            consent = Turn("participant", [rng.choice(CONSENT_ANSWERS)], (), section)
            warm = self.interviewer(f"warmup_{min(self.wave, 3)}", section)
            return [opening, consent, warm, self.participant_turn((), section, 6)]
        if section == "closing":
            ask = self.interviewer("closing", section)
            reply = self.participant_turn((), section, 3)
            thanks = self.interviewer("thanks", section)
            bye = Turn(
                "participant", [rng.choice(["Thank you too.", "Thank you.", "Okay, thanks."])]
            )
            bye.section = section
            return [ask, reply, thanks, bye]
        slots: list[tuple[str, ...] | None] = [None] * n
        if section == "challenges":
            order = list(range(n))
        else:
            rest = list(range(1, n))
            rng.shuffle(rest)
            order = [0, *rest] if rng.random() < 0.6 else rest + [0]
        for i, codes in zip(order, coded, strict=False):
            slots[i] = codes
        turns: list[Turn] = []
        closed = CLOSED_EXCHANGES.get(section, [])
        for i, codes in enumerate(slots):
            if i == 0:
                turns.append(self.interviewer(section, section, prompt=section == "challenges"))
            elif codes is None and closed and rng.random() < 0.2 and self._has_fresh(closed):
                question, answer = self.pick(closed).split(" | ")
                turns.append(Turn("interviewer", [self.say(question)], (), section))
                turns.append(Turn("participant", [self.voiced(self.say(answer))], (), section))
                continue
            elif i == n - 1 and n > 3 and section in SECTION_TOPIC and rng.random() < 0.35:
                turns.append(self.summary(section))
            else:
                turns.append(self.follow_up(turns[-1], section))
            length = rng.gauss(mean_len * (0.9 if codes else 1.0), mean_len * 0.35)
            turns.append(self.participant_turn(codes or (), section, max(8, int(length))))
        return turns

    def _place_extras(self, turns: list[Turn]) -> None:
        """Put phone numbers, the e-mail, the NRIC and accented words into neutral turns."""
        candidates = [
            i
            for i, t in enumerate(turns)
            if t.speaker == "participant"
            and not t.codes
            and t.section not in _FIXED_SECTIONS
            and len(t.sentences) > 1
        ]
        wanted = [kind for kind, _ in self.extras] + ["accent"] * self.accent
        for kind in wanted:
            if not candidates:
                break
            i = candidates.pop(self.rng.randrange(len(candidates)))
            if kind == "accent":
                added = split_sentences(self.say(self.pick(NEUTRAL["accent"])))
            else:
                added = [self.say(self.rng.choice(PII_SENTENCES[kind]))]
            turns[i].sentences.extend(added)
            turns[i].core = len(turns[i].sentences)  # keep it through trimming

    def _fit_words(self, turns: list[Turn], target: int) -> None:
        """Lengthen or shorten neutral talk until the interview is within ±60 words of target."""
        rng = self.rng
        total = sum(_count_words(t.sentences) for t in turns)
        neutral = [
            t
            for t in turns
            if t.speaker == "participant"
            and not t.codes
            and len(t.sentences) > 1
            and t.section not in _FIXED_SECTIONS
        ]
        longer = [t for t in turns if t.speaker == "participant" and len(t.sentences) > 1]
        for _ in range(3000):
            if total < target - 60 and neutral:
                t = rng.choice(neutral)
                added = [self.voiced(s) for s in self.neutral_passage(t.section)]
                t.sentences.extend(added)
                total += _count_words(added)
            elif total > target + 60:
                trimmable = [t for t in longer if len(t.sentences) > max(t.core, 1)]
                if not trimmable:
                    break
                t = rng.choice(trimmable)
                total -= _count_words([t.sentences.pop()])
            else:
                break


def _lower_first(sentence: str) -> str:
    first = sentence.split(" ", 1)[0].rstrip(",.")
    if (
        first in _KEEP_CASE
        or sentence.startswith(ENTITY_OPEN)
        or sum(c.isupper() for c in first) > 1
    ):
        return sentence
    return sentence[:1].lower() + sentence[1:]


def _count_words(sentences: Sequence[str]) -> int:
    return sum(len(surface_text(s).split()) for s in sentences)


def check_interviewer_turns(turns: Sequence[Turn]) -> None:
    """Exactly one interviewer turn — the challenge prompt — may match the primacy pattern."""
    hits = [
        i
        for i, t in enumerate(turns)
        if t.speaker == "interviewer" and PROMPT_PATTERN.search(t.text)
    ]
    prompts = [i for i, t in enumerate(turns) if t.prompt]
    if hits != prompts or len(prompts) != 1:
        raise AssertionError(f"prompt turns {prompts} but pattern matches at {hits}")
