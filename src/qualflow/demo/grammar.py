"""The template grammar of the demo phrase banks, and the entity mark-up of names.

A bank line is one passage: ``{a|b|c}`` picks one alternative (nestable), ``<slot>`` fills in a
person, place or detail from the participant's world (the interview's slot function).

Names of people, places and organisations, and phone/e-mail/NRIC values, are wrapped in an
entity mark-up (``\\ue000id\\ue001surface\\ue002``) so the generator can write them as a
transcriber would (raw) and tell which terms the redaction list needs.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

ENTITY_OPEN, ENTITY_SEP, ENTITY_CLOSE = "\ue000", "\ue001", "\ue002"
ENTITY_MARK = re.compile("\ue000([^\ue001]*)\ue001([^\ue002]*)\ue002")


def mark_entity(entity_id: str, surface: str) -> str:
    """Wrap a name (or a phone number, e-mail, NRIC) so renderers can find it again."""
    return f"{ENTITY_OPEN}{entity_id}{ENTITY_SEP}{surface}{ENTITY_CLOSE}"


def surface_text(text: str) -> str:
    """The text as spoken: entity mark-up replaced by the name as said."""
    return ENTITY_MARK.sub(lambda m: m.group(2), text)


# ---------------------------------------------------------------------------------------------
# The template grammar
# ---------------------------------------------------------------------------------------------


class _Alt(tuple):
    """Alternatives: render one of the contained sequences."""


class _Slot(str):
    """A named slot, filled by the interview's slot function."""


def _parse(template: str) -> tuple:
    """Parse ``{a|b}`` alternatives and ``<slot>`` slots into a nested tuple structure."""
    pos = 0

    def sequence(stop: str) -> tuple[list, str]:
        nonlocal pos
        parts: list = []
        buf: list[str] = []
        while pos < len(template):
            ch = template[pos]
            if ch in stop:
                break
            if ch == "{":
                pos += 1
                options = []
                while True:
                    seq, end = sequence("|}")
                    options.append(tuple(seq))
                    pos += 1
                    if end == "}":
                        break
                if buf:
                    parts.append("".join(buf))
                    buf = []
                parts.append(_Alt(options))
                continue
            if ch == "<":
                close = template.index(">", pos)
                if buf:
                    parts.append("".join(buf))
                    buf = []
                parts.append(_Slot(template[pos + 1 : close]))
                pos = close + 1
                continue
            buf.append(ch)
            pos += 1
        if buf:
            parts.append("".join(buf))
        return parts, (template[pos] if pos < len(template) else "")

    parts, _ = sequence("")
    return tuple(parts)


_PARSED: dict[str, tuple] = {}


def expand(template: str, rng: random.Random, slot: Callable[[str, random.Random], str]) -> str:
    """Render one sentence of the grammar: choose alternatives, fill slots, tidy spaces."""
    tree = _PARSED.get(template)
    if tree is None:
        tree = _PARSED[template] = _parse(template)
    out: list[str] = []

    def walk(node: tuple) -> None:
        for part in node:
            if isinstance(part, _Alt):
                walk(part[rng.randrange(len(part))])
            elif isinstance(part, _Slot):
                out.append(slot(str(part), rng))
            else:
                out.append(part)

    walk(tree)
    text = re.sub(r"\s+", " ", "".join(out)).strip()
    text = re.sub(r"\s+([,.?!])", r"\1", text)
    return capitalise(text)


def capitalise(text: str) -> str:
    """The text with its first letter upper-case."""
    if text and text[0].islower():
        return text[0].upper() + text[1:]
    return text
