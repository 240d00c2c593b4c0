"""De-identification: replace names, places and contact details with stable placeholders.

Two sources of redaction, applied in one left-to-right pass over the normalised text:

* the study's redaction list ``redaction.csv`` (``term``, ``kind``, ``entity``): every term is
  matched case-insensitively on word boundaries, longest term first, and replaced by its
  entity's placeholder ``[KIND_n]``. ``n`` numbers the entities of a kind in the order they first
  appear in the list, so ``[STAFF_1]`` is the same person in every transcript and does not move
  when transcripts are added or edited. A possessive ``'s`` stays outside: ``[STAFF_1]'s``.
* patterns (``phone``, ``email``, ``nric``): Singapore phone numbers, e-mail addresses and
  NRIC/FIN numbers, replaced by ``[PHONE_n]``, ``[EMAIL_n]``, ``[NRIC_n]``. Their numbers follow
  the order in which distinct values first appear; :func:`qualflow.clean.run.clean_study`
  seeds them study-wide (transcripts in id order) with :meth:`Redactor.with_pattern_numbers`.

A third check catches what the list does not spell: a word one edit away (Damerau 1964: a letter
dropped, added or changed, or two neighbours swapped) from a listed name — ``Benedikt`` for
``Benedict`` — is not guessed at but stops the cleaning (:meth:`Redactor.near_misses`), naming
the transcript and line, so that the team adds that spelling to the list (or, for an ordinary
word, to ``deid.not_names``). A name alone is checked from :data:`NEAR_MISS_MIN_LETTERS`
letters (too many ordinary words lie one letter from a shorter one); the next word of a longer
term from three letters, where a title's short form or a shorter term of the same person comes
before it (``Mr Chuah``, ``Benedict Chuah``).

The list may hold thousands of terms, so the terms are compiled into one regular expression
shaped as a prefix trie (one alternation per shared prefix), which the regex engine walks in
time proportional to the text, not to the number of terms. Matching runs on a lower-cased copy
of the text (same length, so spans carry over), which is about twice as fast as IGNORECASE.
"""

from __future__ import annotations

import bisect
import contextlib
import copy
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import pandas as pd

from qualflow.clean.normalise import normalise_text
from qualflow.contracts import REDACTION_COLUMNS
from qualflow.errors import InputError, csv_row_number
from qualflow.io import read_table

PATTERN_KINDS = {"phone": "PHONE", "email": "EMAIL", "nric": "NRIC"}
_KIND = re.compile(r"^[A-Z][A-Z0-9_]*$")

# The patterns run on a lower-cased copy of the text (see Redactor._compile), so letters are
# written lower case; every match starts where no word character precedes it. Transcribers write
# the same value many ways, so each pattern takes the usual separators.
# Singapore phone numbers: optional +65, eight digits starting 3, 6, 8 or 9, written whole
# (81234567), split 4-4 (+65 9123 4567, 6389-2000, 9503.8057) or in pairs with one separator
# (95 03 80 57); not the decimals of a number (0.91234567) or of a clock time (10:39.544462).
PHONE_PATTERN = (
    r"(?<!\+)(?<!\d[.,])(?<!\d:)(?:\+65[ .-]?)?[3689]\d"
    r"(?:\d\d[ .-]?\d{4}|(?P<phone_sep>[ .-])\d\d(?P=phone_sep)\d\d(?P=phone_sep)\d\d)"
    r"(?!\w)(?![.-]\d)"
)
# E-mail addresses, also written with ``[at]``/``(at)`` and ``[dot]``/``(dot)``.
_AT = r"(?: ?@ ?| ?[\[({] ?at ?[\])}] ?)"
_DOT = r"(?:\.| ?[\[({] ?dot ?[\])}] ?)"
EMAIL_PATTERN = rf"(?<![.+-])[\w.+-]+{_AT}[a-z0-9-]+(?:{_DOT}[a-z0-9-]+)*{_DOT}[a-z]{{2,}}(?![\w-])"
# NRIC/FIN: S, T, F, G or M, seven digits, a check letter (case-insensitive; S1234567D or
# S 1234567 D).
NRIC_PATTERN = r"[stfgm][ .-]?\d{7}[ .-]?[a-z](?!\w)"
# A cheap look at the next characters before trying each pattern keeps the scan fast.
_PATTERN_REGEX = {
    "EMAIL": rf"(?=[\w.+-]++ ?[@\[({{]){EMAIL_PATTERN}",
    "NRIC": rf"(?=[stfgm][ .-]?\d){NRIC_PATTERN}",
    "PHONE": rf"(?=[+3689]){PHONE_PATTERN}",
}
# E-mail first: an address that contains a listed name is redacted whole, as an e-mail.
_PATTERN_ORDER = ("EMAIL", "NRIC", "PHONE")

# Listed terms are matched across the ways a name gets written: any run (or none) of these
# characters between its words and where its letters meet digits (``Pei-Shan``, ``PeiShan``,
# ``Dr. Lee``, ``Mr.Chua``, ``Ward18``, ``Ward-18`` for ``Ward 18``), zero-width characters and
# soft hyphens anywhere (see Redactor._matches), and a title spelled out (``Doctor Krishnan``
# for ``Dr Krishnan``). A term that ends in a letter may be followed by digits (``Benedict2``).
SEPARATORS = " .\\-\u00a0"
_SEP_RUN = f"[{SEPARATORS}]+"
_SEP_SPLIT = re.compile(_SEP_RUN)
_INVISIBLE = re.compile("[\u00ad\u200b-\u200d\u2060\ufeff]")
_LETTER_DIGIT = re.compile(r"(?<=[^\W\d_])(?=\d)|(?<=\d)(?=[^\W\d_])")
# The same title written short or in full; the first spelling is the one terms are keyed by.
TITLES = (
    ("dr", "doctor"),
    ("mr", "mister"),
    ("mrs", "missus"),
    ("ms",),
    ("mdm", "madam", "madame"),
    ("prof", "professor"),
    ("sr", "sister"),
)
_TITLE_KEY = {spelling: forms[0] for forms in TITLES for spelling in forms}
_TITLE_FORMS = {forms[0]: forms for forms in TITLES}
# A title's short form or a placeholder, separators, and the word after it (lower-cased text).
# (The lookahead on the first characters is a cheap first test at each position.)
_CONTINUATION = re.compile(
    rf"(?=[\[{''.join(sorted({form[0] for form in _TITLE_FORMS}))}])"
    r"(?<![^\W\d_])(\[[a-z][a-z0-9_]*_\d+\]|"
    + "|".join(sorted(_TITLE_FORMS, key=len, reverse=True))
    + rf")[{SEPARATORS}]+([^\W\d_]{{3,}})(?![^\W\d_])"
)
# The trie atom, besides a term's characters, for a run of separators (or none).
_SEP = "\x00"
# Where a term may end: after a letter, not before another letter; otherwise not before a
# letter or digit.
_TERM_END = r"(?:(?<=[^\W\d_])(?![^\W\d_])|(?<![^\W\d_])(?!\w))"


#: Shortest listed name (and shortest word) the near-spelling check looks at.
NEAR_MISS_MIN_LETTERS = 5
#: Runs of letters long enough to be a checked spelling.
_LONG_WORD = re.compile(rf"[^\W\d_]{{{NEAR_MISS_MIN_LETTERS},}}")
_PLACEHOLDER = re.compile(r"\[[a-z][a-z0-9_]*_\d+\]")  # in lower-cased text


def one_edit_spellings(word: str) -> set[str]:
    """Every spelling one edit from ``word`` (a letter deleted, inserted or substituted, or two
    neighbours swapped; Damerau 1964), with letters from a–z and ``word``'s own."""
    letters = set("abcdefghijklmnopqrstuvwxyz") | set(word)
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deleted = {head + tail[1:] for head, tail in splits if tail}
    swapped = {head + tail[1] + tail[0] + tail[2:] for head, tail in splits if len(tail) > 1}
    changed = {head + c + tail[1:] for head, tail in splits if tail for c in letters}
    inserted = {head + c + tail for head, tail in splits for c in letters}
    return (deleted | swapped | changed | inserted) - {word}


def _words(term: str) -> list[str]:
    """A term's words as compared: normalised, lower case, split at separators."""
    return [w for w in _SEP_SPLIT.split(term_key(term)) if w]


def _allowed(words_of: Iterable[list[str]], not_names: Iterable[str]) -> set[str]:
    """Spellings never reported: every word of a listed term, and the ``not_names``."""
    return {w for words in words_of for w in words} | {term_key(w) for w in not_names}


def checked_name(term: str) -> str | None:
    """The name word of a listed term that the near-spelling check covers: a one-word term
    (``Benedict``) or the name after a title (``Dr Krishnan``), in lower case, if it is all
    letters and at least :data:`NEAR_MISS_MIN_LETTERS` long; otherwise None (longer terms
    share ordinary words such as ``clinic`` or ``ward``)."""
    words = _words(term)
    if len(words) == 2 and words[0] in _TITLE_KEY:
        words = words[1:]
    if len(words) != 1 or not words[0].isalpha() or len(words[0]) < NEAR_MISS_MIN_LETTERS:
        return None
    return words[0]


def near_spellings(
    terms: Iterable[str], placeholders: Iterable[str], not_names: Iterable[str] = ()
) -> dict[str, str]:
    """``{spelling: placeholder}`` for every spelling one edit from a checked name (see
    :func:`checked_name`), leaving out any word of a listed term and the ``not_names``."""
    terms = list(terms)
    allowed = _allowed(map(_words, terms), not_names)
    near: dict[str, str] = {}
    for term, placeholder in zip(terms, placeholders, strict=True):
        name = checked_name(term)
        if name is None:
            continue
        for spelling in sorted(one_edit_spellings(name)):
            if len(spelling) >= NEAR_MISS_MIN_LETTERS and spelling not in allowed:
                near.setdefault(spelling, placeholder)
    return near


def near_continuations(
    terms: Iterable[str], placeholders: Iterable[str], not_names: Iterable[str] = ()
) -> dict[tuple[str, str], str]:
    """``{(context, spelling): placeholder}`` for the next word of a longer listed term written
    with one edit, where what comes before it is a title (``Mr Chuah`` for ``Mr Chua``) or a
    shorter listed term of the same entity, already a placeholder by then (``[STAFF_1]
    Chuah`` for ``Benedict Chua`` once ``Benedict`` is redacted). The context makes short
    words safe to check (three letters and up). Only a title's short form is a context: the
    long forms are ordinary words too (``my sister long ago`` is not ``Sister Wong``)."""
    words_of = [_words(term) for term in terms]
    placeholders = list(placeholders)
    entity_of = {" ".join(words): ph for words, ph in zip(words_of, placeholders, strict=True)}
    allowed = _allowed(words_of, not_names)
    near: dict[tuple[str, str], str] = {}
    for words, placeholder in zip(words_of, placeholders, strict=True):
        for i in range(1, len(words)):
            if i == 1 and words[0] in _TITLE_KEY:
                context = _TITLE_KEY[words[0]]
            elif entity_of.get(" ".join(words[:i])) == placeholder:
                context = placeholder.lower()
            else:
                continue
            if not words[i].isalpha():
                continue
            for spelling in sorted(one_edit_spellings(words[i])):
                if len(spelling) >= 3 and spelling not in allowed:
                    near.setdefault((context, spelling), placeholder)
    return near


def match_key(text: str) -> str:
    """The identity of a listed term however it is written: lower case, words without the
    separators between them, a leading title in its short form (``Doctor  Lee`` → ``drlee``)."""
    words = [w for w in _SEP_SPLIT.split(_INVISIBLE.sub("", text.lower())) if w]
    if len(words) > 1 and words[0] in _TITLE_KEY:
        words[0] = _TITLE_KEY[words[0]]
    return "".join(words)


def term_variants(key: str) -> list[str]:
    """The trie atoms of a term (see :func:`term_key`): its words (and its letters and digits
    where they meet) joined by separator runs, one spelling per form of a leading title."""
    words = [_SEP.join(_LETTER_DIGIT.split(w)) for w in _SEP_SPLIT.split(key) if w]
    if not words:
        return []
    rest = "".join(_SEP + word for word in words[1:])
    first = words[0]
    forms = _TITLE_FORMS.get(_TITLE_KEY.get(first, ""), (first,)) if len(words) > 1 else (first,)
    return [form + rest for form in forms]


def term_key(term: str) -> str:
    """The form terms are compared in: normalised, single-spaced, lower case."""
    return " ".join(normalise_text(term).split()).lower()


def lowered(text: str) -> str:
    """``text.lower()``, keeping every character's position (the rare characters whose lower
    case is longer, like ``İ``, stay as they are), so spans found in it fit ``text``."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def pattern_key(kind: str, value: str) -> str:
    """The identity of a pattern value, so that one value written two ways gets one id."""
    if kind == "PHONE":
        return re.sub(r"\D", "", value)[-8:]
    if kind == "EMAIL":
        value = re.sub(r" ?[\[({] ?at ?[\])}] ?| ?@ ?", "@", value.casefold())
        return re.sub(r" ?[\[({] ?dot ?[\])}] ?", ".", value)
    return re.sub(r"[^0-9a-z]", "", value.lower()).upper()


def load_redaction_list(path: str | PathLike[str]) -> pd.DataFrame:
    """Read and validate ``redaction.csv``.

    Returns one row per term, in file order, with columns ``term`` (normalised like the
    transcripts), ``kind`` (upper case), ``entity`` (the term itself when left empty),
    ``placeholder`` (``[KIND_n]``) and ``row`` (the CSV row, for messages).
    """
    path = Path(path)
    frame = read_table(path, REDACTION_COLUMNS)
    rows = []
    kind_of_entity: dict[str, tuple[str, int]] = {}
    entity_of_term: dict[str, tuple[str, int]] = {}
    records = frame[REDACTION_COLUMNS].itertuples(index=False)
    for i, record in zip(frame.index, records, strict=True):  # i: the row's place in the file
        row = csv_row_number(i)
        term = " ".join(normalise_text(record.term).split())
        kind = record.kind.strip().upper()
        entity = record.entity.strip() or term_key(term)
        if not term:
            raise InputError(path, "empty term", row=row)
        if not kind:
            raise InputError(path, f"empty kind for term in row {row}", row=row)
        if len(match_key(term)) < 2:
            raise InputError(path, "term is a single character; it would redact too much", row=row)
        if not _KIND.match(kind):
            raise InputError(
                path, f"kind {record.kind!r} must be letters, digits and _ (e.g. STAFF)", row=row
            )
        seen_kind = kind_of_entity.setdefault(entity, (kind, row))
        if seen_kind[0] != kind:
            raise InputError(
                path,
                f"this entity has kind {kind} here but {seen_kind[0]} in row {seen_kind[1]}",
                row=row,
            )
        seen_entity = entity_of_term.setdefault(match_key(term), (entity, row))
        if seen_entity[0] != entity:
            raise InputError(
                path,
                f"the same term (however written) is listed for another entity in row "
                f"{seen_entity[1]}",
                row=row,
            )
        rows.append({"term": term, "kind": kind, "entity": entity, "row": row})
    out = pd.DataFrame(rows, columns=["term", "kind", "entity", "row"])
    out.insert(3, "placeholder", entity_placeholders(out))
    return out


def entity_placeholders(terms: pd.DataFrame) -> list[str]:
    """``[KIND_n]`` per row: entities of a kind numbered in order of first appearance."""
    numbering = KindNumbering()
    return [
        f"[{kind}_{numbering.number(kind, entity)}]"
        for kind, entity in zip(terms["kind"], terms["entity"], strict=True)
    ]


class KindNumbering:
    """Numbers per kind — 1, 2, … in the order distinct keys of the kind are first met — for
    entities of the redaction list, and for pattern values within a transcript and study-wide
    (:func:`qualflow.clean.run.clean_study`). ``numbers`` seeds it: new keys of a kind
    continue after the highest number it already has."""

    def __init__(self, numbers: Mapping[tuple[str, str], int] | None = None) -> None:
        self.numbers: dict[tuple[str, str], int] = dict(numbers or {})
        self._last: Counter[str] = Counter()
        for (kind, _), n in self.numbers.items():
            self._last[kind] = max(self._last[kind], n)

    def number(self, kind: str, key: str) -> int:
        """The number of ``key`` among its kind, given one if it is new."""
        n = self.numbers.get((kind, key))
        if n is None:
            self._last[kind] += 1
            n = self.numbers[(kind, key)] = self._last[kind]
        return n

    def add(self, values: Iterable[tuple[str, str, int]]) -> bool:
        """Number one transcript's ``(kind, key, own number)`` values, in order of first
        appearance; True if the numbers it used on its own agree with these."""
        agree = True
        for kind, key, n in values:
            agree &= self.number(kind, key) == n
        return agree


def trie_regex(terms: Iterable[str]) -> str:
    """A regex matching any of ``terms`` (lower-cased), preferring the longest at each position.

    The terms are folded into a prefix trie and written as nested alternations, e.g.
    ``dr tan``, ``dr tan wei`` → ``dr\\ tan(?:\\ wei)?``; the greedy optional part makes the longer
    term win, and backtracking falls back to the shorter one when the longer does not fit.
    """
    trie: dict = {}
    for term in terms:
        node = trie
        for char in term:
            node = node.setdefault(char, {})
        node[""] = {}
    if not trie:
        raise ValueError("no terms")
    return _trie_to_regex(trie)


_ATOM = {_SEP: f"[{SEPARATORS}]*"}


def _trie_to_regex(node: dict) -> str:
    ends_here = "" in node
    branches = [
        _ATOM.get(char, re.escape(char)) + _trie_to_regex(child)
        for char, child in node.items()
        if char
    ]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if ends_here:
        return f"(?:{body})?" if len(branches) > 1 or len(body) > 1 else f"{body}?"
    return body


@dataclass(frozen=True)
class Redaction:
    """The result of redacting one text."""

    text: str
    counts: Counter[str]
    #: (kind, key, number) of every pattern value replaced, in order of appearance
    patterns: list[tuple[str, str, int]] = field(default_factory=list)
    #: (start, end) in the input and (start, end) in the output of every replacement
    edits: list[tuple[int, int, int, int]] = field(default_factory=list)

    def map_offset(self, offset: int) -> int:
        """Where a position of the input text lies in the output; a position inside a
        replaced span maps to the start of its placeholder."""
        i = bisect.bisect_left(self.edits, (offset,)) - 1
        if i < 0:
            return offset
        start, end, new_start, new_end = self.edits[i]
        return new_start if offset < end else new_end + offset - end


class Redactor:
    """Replaces listed terms and pattern matches with ``[KIND_n]`` placeholders.

    Build it with :meth:`from_csv` (or from a frame made by :func:`load_redaction_list`).
    Pattern values are numbered as they are first met; the numbering is carried by the
    instance, so one redactor used over several transcripts numbers them consistently, and
    :meth:`with_pattern_numbers` makes a copy seeded with a study-wide numbering.
    """

    def __init__(
        self,
        terms: pd.DataFrame | None = None,
        patterns: Sequence[str] = (),
        source: str | PathLike[str] | None = None,
        not_names: Sequence[str] = (),
    ) -> None:
        terms = terms if terms is not None else pd.DataFrame(columns=REDACTION_COLUMNS)
        if "placeholder" not in terms.columns:
            terms = terms.assign(placeholder=entity_placeholders(terms))
        unknown = [p for p in patterns if p not in PATTERN_KINDS]
        if unknown:
            raise InputError(
                "config.yaml",
                f"unknown de-identification pattern(s) {unknown} under deid.patterns; "
                f"choose from {list(PATTERN_KINDS)}",
            )
        self.pattern_kinds = [PATTERN_KINDS[p] for p in dict.fromkeys(patterns)]
        for kind, row in zip(terms["kind"], terms.get("row", [None] * len(terms)), strict=True):
            if kind in self.pattern_kinds:
                raise InputError(
                    source,
                    f"kind {kind} is used by the {kind.lower()} pattern; choose another kind",
                    row=row,
                )
        self.term_kinds = list(dict.fromkeys(terms["kind"]))
        self._placeholder = {
            match_key(term): ph
            for term, ph in zip(terms["term"], terms["placeholder"], strict=True)
        }
        self._variants = sorted(
            {v for term in terms["term"] for v in term_variants(term_key(term))}
        )
        self._kind_of = dict(zip(terms["placeholder"], terms["kind"], strict=True))
        self._near = near_spellings(terms["term"], terms["placeholder"], not_names)
        self._near_after = near_continuations(terms["term"], terms["placeholder"], not_names)
        self._regex = self._compile()
        self._numbering = KindNumbering()

    @classmethod
    def from_csv(
        cls,
        path: str | PathLike[str] | None,
        patterns: Sequence[str] = (),
        not_names: Sequence[str] = (),
    ) -> Redactor:
        """A redactor for ``redaction.csv`` (or patterns only when ``path`` is None);
        ``not_names``: ordinary words the near-spelling check lets through."""
        terms = None if path is None else load_redaction_list(path)
        return cls(terms, patterns, source=path, not_names=not_names)

    @property
    def kinds(self) -> list[str]:
        """Every kind this redactor can write: the list's kinds in order, then the patterns'."""
        return self.term_kinds + self.pattern_kinds

    @property
    def pattern_numbers(self) -> dict[tuple[str, str], int]:
        """The pattern values numbered so far: ``{(kind, key): n}``."""
        return dict(self._numbering.numbers)

    def with_pattern_numbers(self, numbers: Mapping[tuple[str, str], int]) -> Redactor:
        """A copy that shares the compiled terms and starts from ``numbers``."""
        clone = copy.copy(self)
        clone._numbering = KindNumbering(numbers)
        return clone

    def redact(self, text: str) -> Redaction:
        """Replace every listed term and pattern match in ``text``; count them by kind."""
        counts: Counter[str] = Counter()
        found: list[tuple[str, str, int]] = []
        edits: list[tuple[int, int, int, int]] = []
        pieces = []
        pos = shift = 0
        for group, start, end, matched in self._matches(text):
            if group == "TERM":
                placeholder = self._placeholder[matched]
                counts[self._kind_of[placeholder]] += 1
            else:
                key = pattern_key(group, text[start:end])
                n = self._numbering.number(group, key)
                counts[group] += 1
                found.append((group, key, n))
                placeholder = f"[{group}_{n}]"
            pieces += (text[pos:start], placeholder)
            edits.append((start, end, start + shift, start + shift + len(placeholder)))
            shift += len(placeholder) - (end - start)
            pos = end
        if not pieces:
            return Redaction(text, counts, found, edits)
        pieces.append(text[pos:])
        return Redaction("".join(pieces), counts, found, edits)

    def mask(self, text: str) -> str:
        """Redact ``text`` for a message or label: terms get their placeholder, pattern
        matches an unnumbered ``[KIND]``; nothing is counted or numbered."""
        pieces = []
        pos = 0
        for group, start, end, matched in self._matches(text):
            placeholder = self._placeholder[matched] if group == "TERM" else f"[{group}]"
            pieces += (text[pos:start], placeholder)
            pos = end
        return "".join(pieces) + text[pos:] if pieces else text

    def spans(self, text: str) -> list[tuple[int, int]]:
        """``(start, end)`` of every listed term and pattern value in ``text``."""
        return [(start, end) for _, start, end, _ in self._matches(text)]

    def near_misses(self, text: str) -> list[tuple[int, str]]:
        """``(offset, placeholder)`` of every word in ``text`` one edit away from a listed name
        the list does not spell that way, in text order: a checked name word (see
        :func:`near_spellings`), or the next word of a longer term after a title or a
        placeholder (:func:`near_continuations`)."""
        low = lowered(text)
        found: dict[int, str] = {}
        if self._near_after:
            for match in _CONTINUATION.finditer(low):
                hit = self._near_after.get((match.group(1), match.group(2)))
                if hit is not None:
                    found[match.start(2)] = hit
        if self._near:
            words = _PLACEHOLDER.sub(lambda m: " " * len(m.group()), low)
            spelled = set(_LONG_WORD.findall(words)).intersection(self._near)
            for match in _LONG_WORD.finditer(words) if spelled else ():
                if match.group() in spelled:
                    found.setdefault(match.start(), self._near[match.group()])
        return sorted(found.items())

    def mask_error(self, err: InputError) -> InputError:
        """``err`` with listed terms and pattern values masked in its message (a parser's
        message may quote the raw file, which holds names)."""
        return InputError(
            err.file,
            self.mask(err.problem),
            line=err.line,
            row=err.row,
            element=None if err.element is None else self.mask(err.element),
        )

    @contextlib.contextmanager
    def masking(self) -> Iterator[None]:
        """Re-raise any :class:`InputError` from the block with :meth:`mask_error`: the one
        place cleaning's error messages are masked before they are printed or logged."""
        try:
            yield
        except InputError as err:
            raise self.mask_error(err) from None

    def _matches(self, text: str) -> Iterator[tuple[str, int, int, str]]:
        """(group, start, end, key) of every redaction in ``text``: a term's
        :func:`match_key`, or the lower-cased pattern match.

        Zero-width characters and soft hyphens (cleaned text has none: normalisation drops
        them) are taken out before matching and spans mapped back onto ``text``."""
        if self._regex is None:
            return
        low = lowered(text)
        keep = None
        if not low.isascii() and _INVISIBLE.search(low):
            keep = [i for i, c in enumerate(low) if not _INVISIBLE.match(c)]
            low = _INVISIBLE.sub("", low)
        for match in self._regex.finditer(low):
            start, end, group = match.start(), match.end(), match.lastgroup
            key = match_key(match.group()) if group == "TERM" else match.group()
            if keep is not None:
                start, end = keep[start], keep[end - 1] + 1
            yield group, start, end, key

    def _compile(self) -> re.Pattern[str] | None:
        parts = [
            f"(?P<{kind}>{_PATTERN_REGEX[kind]})"
            for kind in _PATTERN_ORDER
            if kind in self.pattern_kinds
        ]
        if self._variants:
            trie = trie_regex(self._variants)
            parts.append(rf"(?P<TERM>(?:{trie}){_TERM_END})")
        if not parts:
            return None
        # Matching a lower-cased copy of the text case-sensitively is about twice as fast as
        # IGNORECASE; every match starts where no word character precedes it, and testing that
        # once, before the alternatives, rejects positions inside words cheaply.
        return re.compile(r"(?<!\w)(?:" + "|".join(parts) + ")")
