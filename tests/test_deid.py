"""De-identification: the redaction list, patterns, placeholders, and that no name leaks."""

from __future__ import annotations

import random
import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from qualflow.clean.deid import Redactor, load_redaction_list, pattern_key, trie_regex
from qualflow.clean.run import clean_study
from qualflow.clean.transcript import clean_transcript
from qualflow.errors import InputError

FIXTURES = Path(__file__).parent / "fixtures" / "transcripts"
SPEAKERS = {"interviewer": ["Interviewer", "INT", "I"], "participant": ["Participant", "P", "R"]}
PATTERNS = ["phone", "email", "nric"]


def redactor_for(rows: list[tuple[str, str, str]], patterns=(), tmp_path=None) -> Redactor:
    frame = pd.DataFrame(rows, columns=["term", "kind", "entity"])
    if tmp_path is None:
        return Redactor(frame, patterns)
    path = tmp_path / "redaction.csv"
    frame.to_csv(path, index=False)
    return Redactor.from_csv(path, patterns)


# ---------------------------------------------------------------- the list


def test_load_redaction_list_numbers_entities_per_kind_in_list_order():
    terms = load_redaction_list(FIXTURES / "redaction.csv")
    assert list(terms.columns) == ["term", "kind", "entity", "placeholder", "row"]
    placeholder = dict(zip(terms["term"], terms["placeholder"], strict=True))
    assert placeholder["Dr Lim"] == placeholder["Lim Boon Keat"] == "[STAFF_1]"
    assert placeholder["Farah"] == "[STAFF_2]" and placeholder["Mr Velu"] == "[STAFF_3]"
    assert placeholder["Ward 7B"] == "[PLACE_1]" and placeholder["Bukit Clinic"] == "[PLACE_2]"
    assert placeholder["Jun Hao"] == "[PARTICIPANT_1]"
    assert terms["row"].tolist() == list(range(2, 11))


@pytest.mark.parametrize(
    ("body", "row", "message"),
    [
        ("Dr Tan,STAFF,t\n ,STAFF,u\n", 3, "empty term"),
        ("Dr Tan,STAFF,t\nWard 2,,w\n", 3, "empty kind"),
        ("Dr Tan,STAFF,t\nTan,PLACE,t\n", 3, "has kind PLACE here but STAFF"),
        ("Dr Tan,STAFF,t\ndr  tan,STAFF,u\n", 3, "same term"),
        ("X,STAFF,x\n", 2, "single character"),
        ("Dr Tan,staff member,t\n", 2, "must be letters"),
    ],
)
def test_load_redaction_list_errors(tmp_path, body, row, message):
    path = tmp_path / "redaction.csv"
    path.write_text("term,kind,entity\n" + body)
    with pytest.raises(InputError, match=message) as err:
        load_redaction_list(path)
    assert err.value.row == row and err.value.file == str(path)


def test_load_redaction_list_missing_column_and_defaults(tmp_path):
    path = tmp_path / "redaction.csv"
    path.write_text("term,kind\nDr Tan,STAFF\n")
    with pytest.raises(InputError, match="entity"):
        load_redaction_list(path)
    path.write_text("term,kind,entity\nDr\u00a0Tan\u2019s ward,staff,\nMei,STAFF,\n")
    terms = load_redaction_list(path)
    assert terms["term"].tolist() == ["Dr Tan's ward", "Mei"]
    assert terms["placeholder"].tolist() == ["[STAFF_1]", "[STAFF_2]"]


def test_kind_reserved_for_an_enabled_pattern(tmp_path):
    with pytest.raises(InputError, match="used by the phone pattern") as err:
        redactor_for([("Hotline", "PHONE", "h")], ["phone"], tmp_path)
    assert err.value.row == 2
    assert redactor_for([("Hotline", "PHONE", "h")], ["email"]).redact("the hotline").text == (
        "the [PHONE_1]"
    )


# ---------------------------------------------------------------- matching rules


def test_terms_case_insensitive_word_boundaries_longest_first_possessive():
    redactor = redactor_for(
        [
            ("Tan", "STAFF", "tan"),
            ("Dr Tan", "STAFF", "tan"),
            ("Tan Tock Seng", "PLACE", "tts"),
            ("Mei Ling", "STAFF", "mei"),
            ("Mei", "STAFF", "mei"),
        ]
    )
    result = redactor.redact(
        "dr tan's clinic at Tan Tock Seng; TAN said Mei Ling's and mei's. Tanjong, Tan-led, Meiji."
    )
    assert result.text == (
        "[STAFF_1]'s clinic at [PLACE_1]; [STAFF_1] said [STAFF_2]'s and [STAFF_2]'s. "
        "Tanjong, [STAFF_1]-led, Meiji."
    )
    assert dict(result.counts) == {"STAFF": 5, "PLACE": 1}


def test_phone_email_nric_patterns():
    redactor = Redactor(None, PATTERNS)
    text = (
        "Call +65 9123 4567, 6389-2000 or 91234567; not 1234 5678, 912345678 or 2019-2020. "
        "Mail mei.tan@hospital.example.sg. IDs S1234567D, t7654321z, not S123456D."
    )
    result = redactor.redact(text)
    assert result.text == (
        "Call [PHONE_1], [PHONE_2] or [PHONE_1]; not 1234 5678, 912345678 or 2019-2020. "
        "Mail [EMAIL_1]. IDs [NRIC_1], [NRIC_2], not S123456D."
    )
    assert dict(result.counts) == {"PHONE": 3, "EMAIL": 1, "NRIC": 2}
    assert pattern_key("PHONE", "+65 9123-4567") == pattern_key("PHONE", "91234567")


def test_email_containing_a_listed_name_is_one_email():
    redactor = redactor_for([("Tan", "STAFF", "t")], ["email"])
    assert (
        redactor.redact("write to tan.mei@x.org, Tan said").text
        == "write to [EMAIL_1], [STAFF_1] said"
    )


def test_pattern_numbers_carry_over_and_can_be_seeded():
    redactor = Redactor(None, ["phone"])
    assert redactor.redact("6389 2000").text == "[PHONE_1]"
    assert redactor.redact("9123 4567 and 63892000").text == "[PHONE_2] and [PHONE_1]"
    seeded = redactor.with_pattern_numbers({("PHONE", "91234567"): 7})
    assert seeded.redact("91234567 81234567").text == "[PHONE_7] [PHONE_8]"
    assert redactor.pattern_numbers == {("PHONE", "63892000"): 1, ("PHONE", "91234567"): 2}


def test_mask_does_not_count_or_number():
    redactor = redactor_for([("Dr Tan", "STAFF", "t")], ["phone"])
    assert redactor.mask("Dr Tan 91234567") == "[STAFF_1] [PHONE]"
    assert redactor.pattern_numbers == {}


def test_trie_regex_matches_like_a_longest_first_alternation():
    rng = random.Random(7)
    words = ["".join(rng.choice("abcde") for _ in range(rng.randint(2, 6))) for _ in range(400)]
    terms = sorted({" ".join(rng.sample(words, rng.randint(1, 2))) for _ in range(600)})
    text = " ".join(rng.choice(words) for _ in range(3000))
    trie = re.compile(rf"(?<!\w)(?:{trie_regex(terms)})(?!\w)")
    naive = re.compile(
        r"(?<!\w)(?:" + "|".join(map(re.escape, sorted(terms, key=len, reverse=True))) + r")(?!\w)"
    )
    assert [m.span() for m in trie.finditer(text)] == [m.span() for m in naive.finditer(text)]


def test_thousands_of_terms_are_fast():
    rng = random.Random(1)
    letters = "abcdefghijklmnopqrstuvwxyz"
    names = {"".join(rng.choice(letters) for _ in range(rng.randint(3, 9))) for _ in range(5000)}
    rows = [(f"Dr {n.title()}", "STAFF", n) for n in sorted(names)]
    rows += [(n.title(), "STAFF", n) for n in sorted(names)]
    redactor = redactor_for(rows, PATTERNS)
    some = sorted(names)[:50]
    text = " ".join(
        f"Dr {rng.choice(some).title()}" if rng.random() < 0.02 else rng.choice(["the", "ward"])
        for _ in range(200_000)
    )
    started = time.perf_counter()
    result = redactor.redact(text)
    elapsed = time.perf_counter() - started
    assert not any(re.search(rf"\b{n}\b", result.text, re.I) for n in some)
    assert elapsed < 3.0, f"redacting 200k words with 10k terms took {elapsed:.1f} s"


# ---------------------------------------------------------------- through the cleaning stage


def make_study(root: Path, transcripts: dict[str, str], redaction: str) -> Path:
    folder = root / "transcripts"
    folder.mkdir(parents=True)
    rows = []
    for tid, text in transcripts.items():
        (folder / f"{tid}.txt").write_text(text, encoding="utf-8")
        pid, wave = tid.split("_")
        rows.append([pid, wave, "2019-05-01", "60", "yes", f"{tid}.txt", ""])
    columns = ["participant_id", "wave", "date", "duration_min", "recorded"]
    columns += ["transcript_file", "note"]
    pd.DataFrame(rows, columns=columns).to_csv(root / "interviews.csv", index=False)
    (root / "redaction.csv").write_text(redaction, encoding="utf-8")
    return root


def run(root: Path, threads: int = 1, not_names: tuple[str, ...] = ()) -> Path:
    out = root / f"out{threads}"
    clean_study(
        root / "interviews.csv",
        root / "transcripts",
        root / "redaction.csv",
        SPEAKERS,
        PATTERNS,
        out,
        threads,
        not_names=not_names,
    )
    return out


REDACTION = "term,kind,entity\nDr Lim,STAFF,lim\nNurse Farah,STAFF,farah\nFarah,STAFF,farah\n"


@pytest.mark.parametrize("threads", [1, 2])
def test_placeholders_stable_across_transcripts(tmp_path, threads):
    root = make_study(
        tmp_path,
        {
            # the second transcript meets Farah before Dr Lim, and phone B before phone A
            "50002_1": "INT: Who helps?\nR: Nurse Farah, then Dr Lim. Farah is at 6389 2000.\n",
            "50001_1": "INT: Who?\nR: Dr Lim. His line is 9123 4567, the ward 6389-2000.\n",
            "50003_1": "INT: And?\nR: Call 81234567 or 91234567 [inaudible Farah?].\n",
        },
        REDACTION,
    )
    out = run(root, threads)
    text = {tid: (out / f"{tid}.txt").read_text() for tid in ["50001_1", "50002_1", "50003_1"]}
    assert "[STAFF_1]. His line is [PHONE_1], the ward [PHONE_2]." in text["50001_1"]
    assert "[STAFF_2], then [STAFF_1]. [STAFF_2] is at [PHONE_2]." in text["50002_1"]
    assert "Call [PHONE_3] or [PHONE_1]." in text["50003_1"]
    markers = pd.read_csv(out / "markers.csv")
    assert markers["value"].tolist() == ["inaudible [STAFF_2]?"]
    report = pd.read_csv(out / "cleaning_report.csv", keep_default_na=False)
    assert report["redactions"].tolist() == [
        "STAFF=1; PHONE=2",
        "STAFF=3; PHONE=1",
        "STAFF=1; PHONE=2",
    ]
    assert report["redacted_EMAIL"].tolist() == [0, 0, 0]
    # adding a transcript elsewhere does not renumber list placeholders
    shutil.rmtree(out)
    assert (
        "[STAFF_2]"
        in clean_transcript(
            root / "transcripts" / "50002_1.txt",
            "50002_1",
            SPEAKERS,
            Redactor.from_csv(root / "redaction.csv"),
        ).text.split("\n\n")[1]
    )


def test_no_redaction_term_reaches_any_output(tmp_path):
    terms = [
        ("Dr Lim Boon Keat", "STAFF", "lim"),
        ("Dr Lim", "STAFF", "lim"),
        ("Boon Keat", "STAFF", "lim"),
        ("Nurse Farah", "STAFF", "farah"),
        ("Farah", "STAFF", "farah"),
        ("Ward 7B", "PLACE", "w"),
        ("Jun Hao", "PARTICIPANT", "p"),
    ]
    redaction = "term,kind,entity\n" + "".join(f"{t},{k},{e}\n" for t, k, e in terms)
    root = make_study(
        tmp_path,
        {
            "50001_1": (
                "Transcript for Jun Hao, Ward 7B\n\n"
                "INT: [00:00:01] Hello Jun Hao.\n\n"
                "R: DR LIM BOON KEAT and nurse farah [inaudible Boon Keat?] on\n"
                "ward 7b. Farah\u2019s e-mail is farah.binte@ward7b.example.org,\n"
                "Jun Hao's is not.\n"
            ),
            "50001_2": "I: Farah?\nJun Hao: yes\n",
        },
        redaction,
    )
    config = {"interviewer": ["Interviewer", "INT", "I"], "participant": ["R", "Jun Hao"]}
    out = root / "out"
    clean_study(
        root / "interviews.csv", root / "transcripts", root / "redaction.csv", config, PATTERNS, out
    )
    names = re.compile(r"lim|boon|keat|farah|7b|jun|hao", re.IGNORECASE)
    for path in out.iterdir():
        assert not names.search(path.read_text(encoding="utf-8")), path.name
    report = pd.read_csv(out / "cleaning_report.csv")
    assert "[PARTICIPANT_1]→participant" in report.at[1, "speaker_labels"]


# ---------------------------------------------------------------- names split by markers


def test_name_split_over_two_cues_is_redacted(tmp_path):
    path = tmp_path / "50001_1.vtt"
    path.write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Interviewer>Who supervises you?\n\n"
        "00:00:03.000 --> 00:00:04.000\n<v Participant>My supervisor is Dr\n\n"
        "00:00:05.000 --> 00:00:06.000\n<v Participant>Lim, on Ward\n\n"
        "00:00:07.000 --> 00:00:08.000\n7B.\n"
    )
    redactor = Redactor.from_csv(FIXTURES / "redaction.csv")
    cleaned = clean_transcript(path, "50001_1", SPEAKERS, redactor)
    assert (
        cleaned.text.split("\n\n")[1] == "Participant: My supervisor is [STAFF_1], on [PLACE_1].\n"
    )
    stamps = cleaned.markers[cleaned.markers["kind"] == "timestamp"]
    text = cleaned.text
    # the timestamps that stood inside the names point at the start of their placeholders
    assert [text[o : o + 9] for o in stamps["offset"][2:]] == ["[STAFF_1]", "[PLACE_1]"]


def test_name_split_by_a_marker_and_offsets_after_placeholders(tmp_path):
    path = tmp_path / "50001_1.txt"
    path.write_text("INT: And then?\nR: Farah went [laughs] home, Dr [inaudible] Lim too.\n")
    redactor = Redactor.from_csv(FIXTURES / "redaction.csv")
    cleaned = clean_transcript(path, "50001_1", SPEAKERS, redactor)
    text = cleaned.text
    assert text.endswith("Participant: [STAFF_2] went home, [STAFF_1] too.\n")
    offsets = dict(zip(cleaned.markers["kind"], cleaned.markers["offset"], strict=True))
    assert text[offsets["laughter"] :].startswith("home,")
    assert text[offsets["inaudible"] :].startswith("[STAFF_1] too.")
    assert cleaned.report["redactions"] == "STAFF=2"


def test_parser_messages_are_masked(tmp_path):
    path = tmp_path / "50001_1.srt"
    path.write_text("Notes by Mr Velu\n\n1\n00:00:01,000 --> 00:00:02,000\nINT: hi\n")
    redactor = Redactor.from_csv(FIXTURES / "redaction.csv")
    with pytest.raises(InputError, match="SRT") as err:
        clean_transcript(path, "50001_1", SPEAKERS, redactor)
    assert "Velu" not in str(err.value)


def test_map_offset_through_replacements():
    redaction = redactor_for([("Farah", "STAFF", "f"), ("Dr Lim Boon", "STAFF", "l")]).redact(
        "Farah and Dr Lim Boon."
    )
    assert redaction.text == "[STAFF_1] and [STAFF_2]."
    mapped = [redaction.map_offset(o) for o in (0, 2, 5, 6, 10, 13, 21, 22)]
    assert mapped == [0, 0, 9, 10, 14, 14, 23, 24]


def test_unknown_pattern_name():
    with pytest.raises(InputError, match="deid.patterns"):
        Redactor(None, ["passport"])


def test_study_pattern_numbering_reports_disagreement():
    from qualflow.clean.deid import KindNumbering

    numbering = KindNumbering()
    assert numbering.add([("PHONE", "a", 1), ("EMAIL", "x", 1)])
    assert not numbering.add([("PHONE", "b", 1), ("PHONE", "a", 2)])  # b is study-wide #2
    assert numbering.numbers == {("PHONE", "a"): 1, ("EMAIL", "x"): 1, ("PHONE", "b"): 2}


# ---------------------------------------------------------------- variants transcribers write

VARIANT_LIST = [
    ("Benedict", "STAFF", "chua"),
    ("Mr Chua", "STAFF", "chua"),
    ("Dr Krishnan", "STAFF", "krishnan"),
    ("Dr Lee", "STAFF", "lee"),
    ("Pei Shan", "STAFF", "ong"),
    ("Ward 18", "PLACE", "ward18"),
]


def _squash(text: str) -> str:
    return re.sub(r"[\W_]", "", text).lower()


@pytest.mark.parametrize(
    ("written", "secret", "placeholder"),
    [
        ("Dr Lee", "lee", "[STAFF_3]"),  # positive control: the listed form itself
        ("Dr. Lee", "lee", "[STAFF_3]"),
        ("DR.LEE", "lee", "[STAFF_3]"),
        ("Mr. Chua", "chua", "[STAFF_1]"),
        ("Doctor Krishnan", "krishnan", "[STAFF_2]"),
        ("doctor  krishnan", "krishnan", "[STAFF_2]"),
        ("Pei-Shan", "peishan", "[STAFF_4]"),
        ("Pei . Shan", "peishan", "[STAFF_4]"),
        ("Pei\u200bShan", "peishan", "[STAFF_4]"),
        ("Pei\u00adShan", "peishan", "[STAFF_4]"),
        ("Bene\u200bdict", "benedict", "[STAFF_1]"),
        ("Benedict2", "benedict", "[STAFF_1]"),
        ("Ward-18", "ward18", "[PLACE_1]"),
        ("Ward18", "ward18", "[PLACE_1]"),
        ("WARD 18", "ward18", "[PLACE_1]"),
        ("9503.8057", "95038057", "[PHONE_1]"),
        ("95 03 80 57", "95038057", "[PHONE_1]"),
        ("+65 9503-8057", "95038057", "[PHONE_1]"),
        ("S 8550221 G", "s8550221g", "[NRIC_1]"),
        ("s8550221-g", "s8550221g", "[NRIC_1]"),
        ("ling [at] nuh.com.sg", "lingatnuh", "[EMAIL_1]"),
        ("ling(at)nuh(dot)com(dot)sg", "lingatnuh", "[EMAIL_1]"),
    ],
)
def test_variants_of_listed_terms_and_patterns_are_redacted(written, secret, placeholder):
    redactor = redactor_for(VARIANT_LIST, PATTERNS)
    raw = f"Then {written}, she said."
    assert secret in _squash(raw)  # the check below can fail: the raw text holds the secret
    result = redactor.redact(raw)
    assert secret not in _squash(result.text)
    assert result.text == f"Then {placeholder}{'2' if written.endswith('2') else ''}, she said."
    assert redactor.mask(raw).startswith("Then [")


def test_variants_keep_one_placeholder_and_one_pattern_number():
    redactor = redactor_for(VARIANT_LIST, PATTERNS)
    result = redactor.redact(
        "Dr Lee, Dr. Lee and Doctor Lee; 9503 8057, 9503.8057 and 95 03 80 57; "
        "a@b.sg and a [at] b.sg"
    )
    assert result.text == (
        "[STAFF_3], [STAFF_3] and [STAFF_3]; [PHONE_1], [PHONE_1] and [PHONE_1]; "
        "[EMAIL_1] and [EMAIL_1]"
    )


@pytest.mark.parametrize(
    "text",
    ["Benedictine", "Ward 180", "Ward 18B", "Leeds", "p = 0.91234567", "aged 19 to 95", "Drlees"],
)
def test_variant_matching_leaves_other_words(text):
    redactor = redactor_for(VARIANT_LIST, PATTERNS)
    assert redactor.redact(text).text == text


def test_variant_spans_map_back_over_invisible_characters():
    redactor = redactor_for(VARIANT_LIST)
    text = "x Pei\u200b Shan y"
    result = redactor.redact(text)
    assert result.text == "x [STAFF_4] y"
    assert result.edits == [(2, 11, 2, 11)]


# ---------------------------------------------------------------- spellings the list misses


def osa_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein restricted), textbook dynamic
    programme, written here independently of qualflow's spelling generator."""
    d = [[0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) + 1):
        d[i][0] = i
    for j in range(len(b) + 1):
        d[0][j] = j
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


def test_one_edit_spellings_are_exactly_the_strings_at_distance_one():
    from qualflow.clean.deid import one_edit_spellings

    spellings = one_edit_spellings("farid")
    assert all(osa_distance(s, "farid") == 1 for s in spellings)
    rng = random.Random(7)
    for _ in range(3000):  # random strings near the name, over its letters and two others
        s = "".join(rng.choice("faridxz") for _ in range(rng.randint(4, 6)))
        assert (s in spellings) == (osa_distance(s, "farid") == 1), s


NEAR = [
    ("Benedict", "STAFF", "chua"),
    ("Benedict Chua", "STAFF", "chua"),
    ("Dr Krishnan", "STAFF", "krishnan"),
    ("Yvonne", "STAFF", "yvonne"),
    ("Chua", "STAFF", "chua"),
    ("Tampines clinic", "PLACE", "clinic"),
]


@pytest.mark.parametrize(
    "word, placeholder",
    [
        ("Benedikt", "[STAFF_1]"),  # a letter changed
        ("Yvone", "[STAFF_3]"),  # dropped
        ("Krishnnan", "[STAFF_2]"),  # added
        ("Bendeict", "[STAFF_1]"),  # two swapped
        ("BENEDIKT", "[STAFF_1]"),  # any case
    ],
)
def test_a_word_one_edit_from_a_listed_name_is_a_near_miss(word, placeholder):
    redactor = redactor_for(NEAR)
    text = f"She said {word} would help."
    assert redactor.near_misses(text) == [(text.index(word), placeholder)]


@pytest.mark.parametrize(
    "text",
    [
        "Benedict and Yvonne helped.",  # listed spellings: redacted, not near misses
        "[STAFF_1] and [STAFF_12] helped.",  # placeholders
        "Chuah helped.",  # a name under five letters is not checked
        "The clinics were busy.",  # a word of a longer term is not a name
        "Benedikta and Yvonnesa",  # two edits away
    ],
)
def test_listed_spellings_placeholders_short_names_and_common_words_are_not(text):
    assert redactor_for(NEAR).near_misses(text) == []


@pytest.mark.parametrize(
    "text, word, placeholder",
    [
        ("Benedict Chuah said so.", "Chuah", "[STAFF_1]"),  # after the redacted first name
        ("Mr. Chuah said so.", "Chuah", "[STAFF_1]"),  # after a title's short form
        ("Ask Mr Chu.", "Chu", "[STAFF_1]"),  # three letters: the context makes it safe
    ],
)
def test_the_next_word_of_a_longer_term_is_checked_after_its_title_or_first_name(
    text, word, placeholder
):
    redactor = redactor_for(NEAR + [("Mr Chua", "STAFF", "chua")])
    redacted = redactor.redact(text).text
    assert redactor.near_misses(redacted) == [(redacted.index(word), placeholder)]


def test_a_spelled_out_title_is_no_context():
    """``sister`` and ``doctor`` are ordinary words: no check of the word after them."""
    redactor = redactor_for([("Sister Wong", "STAFF", "wong"), ("Dr Lee", "STAFF", "lee")])
    assert redactor.near_misses("My sister long ago; the doctor let me go.") == []
    assert redactor.near_misses("Sr Wang and Dr Lea") == [(3, "[STAFF_1]"), (15, "[STAFF_2]")]


def test_not_names_lets_an_ordinary_word_through():
    rows = [("Maria", "PARTICIPANT", "maria")]
    text = "Her mania came back."
    assert Redactor(pd.DataFrame(rows, columns=["term", "kind", "entity"])).near_misses(text)
    frame = pd.DataFrame(rows, columns=["term", "kind", "entity"])
    assert Redactor(frame, not_names=["Mania"]).near_misses(text) == []


def test_cleaning_stops_at_a_misspelt_name_naming_file_and_line_not_the_word(tmp_path):
    root = make_study(
        tmp_path,
        {
            "50001_1": "I: How was the week?\nP: Fine.\nI: And the team?\nP: Dr Lim was kind.\n"
            "Farha helped too.\n"
        },
        REDACTION,
    )
    with pytest.raises(InputError) as caught:
        run(root)
    message = str(caught.value)
    assert "50001_1.txt" in message and "line 4" in message, message
    assert "[STAFF_2]" in message and "deid.not_names" in message
    assert not re.search(r"farh?a", message, re.IGNORECASE)
    assert not (root / "out1").exists()


def test_not_names_reach_cleaning_from_the_caller(tmp_path):
    root = make_study(
        tmp_path,
        {"50001_1": "I: And the worst time?\nP: When the mania came back.\n"},
        "term,kind,entity\nMaria,PARTICIPANT,maria\n",
    )
    with pytest.raises(InputError):
        run(root)
    out = run(root, not_names=("Mania",))
    assert "the mania came back" in (out / "50001_1.txt").read_text(encoding="utf-8")


def test_a_near_spelling_in_a_transcription_note_names_its_turns_line(tmp_path):
    """Marker values are scanned together; the hit is traced back to its own turn."""
    root = make_study(
        tmp_path,
        {
            "50001_1": "I: Hello [00:00:01]. [laughs]\nP: Hi [00:00:04].\nI: And the team?\n"
            "P: Fine [00:00:09] [crosstalk with Farha] yes.\n"
        },
        REDACTION,
    )
    with pytest.raises(InputError) as caught:
        run(root)
    assert caught.value.line == 4 and "[STAFF_2]" in str(caught.value)
