"""The synthetic demo study: determinism, published targets, messy raw files, codings.

One demo study is generated into a temporary folder per test session (a few seconds) and
cleaned with the pipeline's own cleaning stage; the committed ``data/`` is never touched.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sklearn.metrics import cohen_kappa_score

from qualflow.clean.formats import detect_encoding
from qualflow.codebook.read import load_codebook
from qualflow.codings.read import read_codings
from qualflow.demo import codes, grammar, tables, world
from qualflow.demo import dialogue as dlg
from qualflow.demo import study as sim
from qualflow.demo.coders import TARGET_KAPPA
from qualflow.demo.plan import Study, build_study
from qualflow.study import read_interviews, read_participants, read_screening

ROOT = Path(__file__).resolve().parents[1]
# The published study the demo is modelled on: beside the checkout, or the team's shared folder
# (a CI clone lives elsewhere); the test that no sentence of it was copied skips without it.
_SEED_NAME = Path("shared") / "seed" / "peer-support-barriers-facilitators.txt"
SEED_PAPER = next(
    (p for p in (ROOT.parent / _SEED_NAME, Path("/work") / _SEED_NAME) if p.exists()),
    ROOT.parent / _SEED_NAME,
)


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("demo")
    sim.simulate_study(out)
    return out


@pytest.fixture(scope="module")
def data(study_dir) -> Path:
    return study_dir / "data"


@pytest.fixture(scope="module")
def units(data, tmp_path_factory) -> pd.DataFrame:
    clean = tmp_path_factory.mktemp("clean")
    frame = sim.clean_units(data, clean, sim.DEFAULT_SPEAKERS)
    frame.attrs["clean_dir"] = clean
    return frame


@pytest.fixture(scope="module")
def study() -> Study:
    return build_study(1, 2019)


@pytest.fixture(scope="module")
def raw_texts(data) -> dict[str, str]:
    """Every raw transcript as text: decoded .txt/.vtt/.srt, paragraphs of .docx."""
    import srt
    import webvtt
    from docx import Document

    out = {}
    for path in sorted((data / "transcripts").iterdir()):
        if path.suffix == ".docx":
            out[path.name] = "\n".join(p.text for p in Document(path).paragraphs)
        elif path.suffix == ".vtt":
            cues = [re.sub(r"<[^>]+>", "", c.raw_text) for c in webvtt.read(str(path))]
            out[path.name] = "\n".join(cues)
        elif path.suffix == ".srt":
            cues = srt.parse(path.read_text(encoding="utf-8"))
            out[path.name] = "\n".join(c.content for c in cues)
        else:
            raw = path.read_bytes()
            encoding, _ = detect_encoding(raw)
            out[path.name] = raw.decode(encoding)
    return out


def _normalised(text: str) -> str:
    text = unicodedata.normalize("NFC", text).replace("\u00a0", " ")
    text = text.replace("\u2019", "'").replace("\u201c", '"').replace("\u201d", '"')
    return re.sub(r"\s+", " ", text)


# ---------------------------------------------------------------------------------------------
# Determinism
# ---------------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(data, tmp_path):
    sim.simulate_study(tmp_path)
    first = {p.relative_to(data): p.read_bytes() for p in data.rglob("*") if p.is_file()}
    second = {
        p.relative_to(tmp_path / "data"): p.read_bytes()
        for p in (tmp_path / "data").rglob("*")
        if p.is_file()
    }
    assert first.keys() == second.keys()
    differing = [str(k) for k in first if first[k] != second[k]]
    assert differing == []
    assert not any(p.name.startswith(".simulate") for p in tmp_path.iterdir())


def test_another_seed_gives_another_study(study):
    other = build_study(1, 7)
    assert other.transcripts[0].turns[5].text != study.transcripts[0].turns[5].text
    assert list(other.participants["age"]) != list(study.participants["age"])


def test_regenerating_into_a_folder_replaces_stale_files(tmp_path):
    stale = tmp_path / "data" / "transcripts" / "50099_1.txt"
    stale.parent.mkdir(parents=True)
    stale.write_text("Interviewer: old\n")
    keep = tmp_path / "data" / "README.md"
    keep.write_text("mine\n")
    sim.simulate_study(tmp_path, scale=2, coding_sheet_for_b=False)
    assert not stale.exists()
    assert keep.read_text() == "mine\n"


# ---------------------------------------------------------------------------------------------
# Recruitment and demographic targets (the published study's)
# ---------------------------------------------------------------------------------------------


def test_screening_flow(data):
    screening = read_screening(data / "screening.csv")
    assert list(screening["staff_id"]) == [f"S{i:02d}" for i in range(1, 19)]
    assert screening["status"].value_counts().to_dict() == {
        "interviewed": 10,
        "ineligible": 7,
        "declined": 1,
    }
    others = screening[screening["status"] != "interviewed"]
    assert (others["reason"].str.len() > 10).all()
    assert (others["participant_id"] == "").all()
    ineligible = screening.loc[screening["status"] == "ineligible", "reason"]
    assert ineligible.str.contains("probation|before 2017").all()
    assert ineligible.str.contains("probation").any() and ineligible.str.contains("2017").any()
    interviewed = screening.loc[screening["status"] == "interviewed", "participant_id"]
    assert sorted(interviewed.astype(int)) == list(range(50001, 50011))


def test_participant_demographics(data):
    people = read_participants(data / "participants.csv")
    assert list(people.columns) == [
        "participant_id",
        "gender",
        "age",
        "ethnicity",
        "diagnosis",
        "department",
        "hire_year",
    ]
    assert list(people["participant_id"]) == list(range(50001, 50011))
    assert people["gender"].value_counts().to_dict() == {"female": 6, "male": 4}
    ages = [int(a) for a in people["age"]]
    assert statistics.mean(ages) == 30.0
    assert round(statistics.stdev(ages), 1) == 6.2
    assert set(people["ethnicity"]) == {"Chinese", "Malay", "Indian"}
    assert set(people["diagnosis"]) == set(tables.DIAGNOSES)
    assert (people["hire_year"].astype(int) >= 2017).all()
    assert (people["department"].str.len() > 0).all()


def test_interview_schedule_and_lengths(data):
    interviews = read_interviews(data / "interviews.csv")
    assert len(interviews) == 30
    waves = interviews.groupby("participant_id")["wave"].apply(lambda w: tuple(sorted(w)))
    assert (waves == (1, 2, 3)).all()
    missing = interviews[~interviews["recorded"]]
    assert len(missing) == 1
    gone = missing.iloc[0]
    assert gone["wave"] == 3 and pd.isna(gone["duration_min"]) and gone["transcript_file"] == ""
    assert len(gone["note"]) > 10
    people = read_participants(data / "participants.csv").set_index("participant_id")
    assert people.at[gone["participant_id"], "gender"] == "male"

    days = pd.to_datetime(interviews["date"])
    assert days.min() >= pd.Timestamp(2019, 4, 1) and days.max() <= pd.Timestamp(2020, 4, 30)
    wide = interviews.assign(day=days).pivot(index="participant_id", columns="wave", values="day")
    gap2 = (wide[2] - wide[1]).dt.days
    gap3 = (wide[3] - wide[1]).dt.days
    assert gap2.between(110, 135).all() and gap3.between(230, 255).all()

    minutes = interviews.loc[interviews["recorded"], "duration_min"].astype(float)
    assert len(minutes) == 29
    assert round(minutes.mean()) == 63
    assert round(minutes.std(ddof=1)) == 20


# ---------------------------------------------------------------------------------------------
# Raw transcripts
# ---------------------------------------------------------------------------------------------


def test_transcript_files_and_formats(data):
    interviews = read_interviews(data / "interviews.csv")
    listed = sorted(f for f in interviews["transcript_file"] if f)
    files = sorted(p.name for p in (data / "transcripts").iterdir())
    assert files == listed and len(files) == 29
    by_ext = Counter(Path(f).suffix for f in files)
    assert by_ext[".docx"] >= 2 and by_ext[".vtt"] == 2 and by_ext[".srt"] == 1
    raw = {f: (data / "transcripts" / f).read_bytes() for f in files if f.endswith(".txt")}
    encodings = Counter(detect_encoding(b)[0] for b in raw.values())
    assert encodings["cp1252"] >= 1 and encodings["utf-8-sig"] >= 1 and encodings["utf-8"] >= 1
    assert any(b"\r\n" in b for b in raw.values()) and any(b"\r\n" not in b for b in raw.values())


def test_cp1252_file_has_characters_that_differ_between_encodings(data):
    for path in (data / "transcripts").glob("*.txt"):
        raw = path.read_bytes()
        if detect_encoding(raw)[0] != "cp1252":
            continue
        with pytest.raises(UnicodeDecodeError):
            raw.decode("utf-8")
        text = raw.decode("cp1252")
        assert "\u2019" in text and "é" in text
        assert text != raw.decode("cp1250")  # à, ï ... read differently by Central European
        return
    pytest.fail("no cp1252 transcript")


def test_subtitle_and_word_files_parse(data):
    import srt
    import webvtt
    from docx import Document

    vtts = sorted((data / "transcripts").glob("*.vtt"))
    styles = set()
    for path in vtts:
        captions = list(webvtt.read(str(path)))
        assert len(captions) > 200
        styles.add("voice" if "<v " in captions[0].raw_text else "prefix")
    assert styles == {"voice", "prefix"}
    (srt_file,) = (data / "transcripts").glob("*.srt")
    assert len(list(srt.parse(srt_file.read_text(encoding="utf-8")))) > 200
    for path in (data / "transcripts").glob("*.docx"):
        doc = Document(path)
        assert doc.core_properties.created.year == 2020
        labels = [p.runs[0].text for p in doc.paragraphs if p.runs and p.runs[0].text.endswith(":")]
        assert len(labels) > 100


def test_transcription_quirks_are_spread_over_files(raw_texts):
    text = "\n".join(raw_texts.values())
    for label in ("Interviewer:", "INT:", "I:", "Participant:", "P:", "R:", "PSS:"):
        assert re.search(rf"(?m)^(\[\d\d:\d\d:\d\d\] )?{re.escape(label)} ", text), label
    assert re.search(r"(?m)^5000\d: ", text)
    assert re.search(r"\[\d\d:\d\d:\d\d\]", text)
    assert "[inaudible]" in text and "[crosstalk]" in text
    assert re.search(r"\[inaudible \d\d:\d\d:\d\d\]", text)
    assert "\u00a0" in text and "\u2019" in text and "\u201c" in text
    assert re.search(r"(?m)^Transcript 5000\d_\d, recorded ", text)
    assert re.search(r"(?m)^<v (Interviewer|INT|I)>", text) is None  # tags stripped above
    wrapped = [t for t in raw_texts.values() if max(len(line) for line in t.splitlines()) <= 90]
    assert wrapped and any(len(t.splitlines()) > 600 for t in wrapped)
    assert re.search(r"\+65 [89]\d{3} \d{4}", text) and re.search(r"\b6\d{3}-\d{4}\b", text)
    assert len(re.findall(r"\b[\w.]+@[\w.]+\.sg\b", text)) == 1
    assert len(re.findall(r"\b[STFG]\d{7}[A-Z]\b", text)) == 1


def test_each_participant_is_named_once_per_interview(study, raw_texts):
    names = world.participant_names(study.participants, 2019)
    for plan in study.transcripts:
        text = _normalised(raw_texts[plan.file_name])
        assert text.count(names[plan.participant_id]) == 1, plan.transcript_id


def test_interviews_are_long_with_many_turns(units):
    per = units.groupby("transcript_id").agg(turns=("turn", "max"), words=("n_words", "sum"))
    assert len(per) == 29
    assert per["turns"].between(120, 200).all()
    assert per["words"].between(6000, 9000).all()
    first = units[units["turn"] == 1]
    assert (first["speaker"] == "interviewer").all()
    speakers = units.sort_values(["transcript_id", "turn"]).groupby("transcript_id")["speaker"]
    assert speakers.apply(lambda s: (s.values[1:] != s.values[:-1]).all()).all()


def test_transcripts_do_not_read_as_copies(units):
    """Sentences of 8+ words: few repeat within a transcript, and most are unique study-wide."""
    participant = units[units["speaker"] == "participant"]
    repeated, total = 0, Counter()
    for _, group in participant.groupby("transcript_id"):
        sentences = [
            s
            for text in group["text"]
            for s in re.split(r"(?<=[.?!])\s+", text)
            if len(s.split()) >= 8
        ]
        counts = Counter(sentences)
        repeated += sum(v - 1 for v in counts.values())
        total.update(set(sentences))
        assert sum(v - 1 for v in counts.values()) < 0.05 * len(sentences)
    in_one = sum(1 for v in total.values() if v == 1)
    assert in_one / len(total) > 0.5


def test_no_sentence_is_taken_from_the_seed_paper(data, raw_texts):
    if not SEED_PAPER.exists():
        pytest.skip("seed paper not available")
    paper = _normalised(SEED_PAPER.read_text(encoding="utf-8")).lower()
    words = re.findall(r"[a-z']+", paper)
    shingles = {" ".join(words[i : i + 9]) for i in range(len(words) - 8)}
    ours = " ".join(raw_texts.values()) + (data / "codebook.yaml").read_text(encoding="utf-8")
    mine = re.findall(r"[a-z']+", _normalised(ours).lower())
    copied = {" ".join(mine[i : i + 9]) for i in range(len(mine) - 8)} & shingles
    assert copied == set()


def test_only_the_challenge_prompt_matches_the_primacy_pattern(units):
    config = ROOT / "config.yaml"
    pattern = dlg.PROMPT_PATTERN
    if config.exists():
        prompt = yaml.safe_load(config.read_text())["themes"]["primacy_prompt"]
        pattern = re.compile(prompt["barriers"] if isinstance(prompt, dict) else prompt)
    matches = units["text"].map(lambda text: pattern.search(text) is not None)
    asked = units[(units["speaker"] == "interviewer") & matches]
    assert sorted(asked["transcript_id"]) == sorted(units["transcript_id"].unique())


def test_default_speakers_follow_config():
    config = ROOT / "config.yaml"
    if not config.exists():
        pytest.skip("no config.yaml")
    assert yaml.safe_load(config.read_text())["speakers"] == sim.DEFAULT_SPEAKERS


# ---------------------------------------------------------------------------------------------
# Redaction list and codebook
# ---------------------------------------------------------------------------------------------


def test_every_redaction_term_occurs_in_a_raw_transcript(data, raw_texts, study):
    terms = pd.read_csv(data / "redaction.csv", dtype=str, keep_default_na=False)
    assert list(terms.columns) == ["term", "kind", "entity"]
    assert set(terms["kind"]) == {"STAFF", "PARTICIPANT", "PLACE", "ORG"}
    corpus = _normalised(" ".join(raw_texts.values())).lower()
    missing = [t for t in terms["term"] if not re.search(rf"\b{re.escape(t.lower())}\b", corpus)]
    assert missing == []
    per_entity = terms.groupby("entity")["term"].count()
    assert (per_entity >= 2).sum() >= 5
    people = terms.loc[terms["kind"] == "PARTICIPANT", "entity"]
    assert sorted(people) == [f"participant_{p}" for p in range(50001, 50011)]
    # every name said in a transcript is listed
    said = {
        m.group(2).removeprefix("the ")
        for plan in study.transcripts
        for turn in plan.turns
        for m in grammar.ENTITY_MARK.finditer(turn.text)
        if not m.group(1).startswith("#")
    }
    assert said <= set(terms["term"])


def test_codebook_loads_with_the_seven_subthemes(data):
    book = load_codebook(data / "codebook.yaml")
    assert list(book["category"].unique()) == ["facilitators", "barriers"]
    labels = book.drop_duplicates("subtheme").set_index("subtheme")["subtheme_label"]
    assert list(labels.index) == [
        "supportive_figures",
        "defined_role",
        "personal_growth",
        "coping_strategies",
        "unclear_role",
        "hostility_from_staff",
        "unsupportive_environment",
    ]
    assert labels["personal_growth"] == "Opportunities for personal growth and finding meaning"
    assert labels["coping_strategies"] == "Identifying personalised coping strategies"
    assert labels["hostility_from_staff"] == "Hostility from non-peer staff"
    assert labels["unsupportive_environment"] == "Unsupportive working environments"
    assert book.groupby("subtheme")["code"].count().between(2, 4).all()
    assert 20 <= len(book) <= 24
    for column in ("definition", "include", "exclude", "example"):
        assert (book[column].str.len() > 15).all(), column


# ---------------------------------------------------------------------------------------------
# Codings and resolutions
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def codings(data, units) -> dict[str, pd.DataFrame]:
    book = load_codebook(data / "codebook.yaml")
    clean = units.attrs["clean_dir"]
    out = {}
    for coder, name in (("coder_a", "coder_a.csv"), ("coder_b", "coder_b.xlsx")):
        frame, status = read_codings(data / "codings" / name, coder, book, units, clean)
        assert "duplicate" not in set(status.loc[status["count"] > 0, "kind"])
        assert frame["transcript_id"].nunique() == 29  # both coders code every transcript
        out[coder] = frame
    return out


def _participant_pairs(frame: pd.DataFrame, units: pd.DataFrame) -> set[tuple[str, str]]:
    speaker = units.set_index("unit_id")["speaker"]
    keep = frame["unit_id"].map(speaker) == "participant"
    return set(zip(frame.loc[keep, "unit_id"], frame.loc[keep, "code"], strict=True))


def test_coder_a_exports_spans_and_coder_b_a_filled_sheet(data):
    spans = pd.read_csv(data / "codings" / "coder_a.csv", keep_default_na=False)
    assert list(spans.columns) == ["coder", "transcript_id", "code", "start", "end", "memo"]
    assert (spans["coder"] == "coder_a").all() and (spans["memo"] != "").any()
    assert spans["transcript_id"].nunique() == 29
    from openpyxl import load_workbook

    book = load_workbook(data / "codings" / "coder_b.xlsx", read_only=True)
    assert book.sheetnames == ["coding", "codebook"]


def test_spans_overlap_only_the_turns_they_code(data, units):
    spans = pd.read_csv(data / "codings" / "coder_a.csv", keep_default_na=False)
    by_tid = {tid: g.sort_values("start") for tid, g in units.groupby("transcript_id")}
    ragged = multi = 0
    for span in spans.itertuples():
        u = by_tid[span.transcript_id]
        hit = u[(u["end"] > span.start) & (u["start"] < span.end)]
        speakers = list(hit["speaker"])
        assert speakers in (["participant"], ["participant", "interviewer", "participant"])
        assert span.start >= hit["start"].iloc[0] and span.end <= hit["end"].iloc[-1]
        ragged += span.start > hit["start"].iloc[0] or span.end < hit["end"].iloc[-1]
        multi += len(speakers) == 3
    assert ragged > 0.2 * len(spans) and multi >= 5


def test_kappa_per_code_spans_the_intended_range(data, units, codings):
    book = load_codebook(data / "codebook.yaml")
    turns = list(units.loc[units["speaker"] == "participant", "unit_id"])
    a = _participant_pairs(codings["coder_a"], units)
    b = _participant_pairs(codings["coder_b"], units)
    kappas = {}
    for code in book["code"]:
        va = [int((u, code) in a) for u in turns]
        vb = [int((u, code) in b) for u in turns]
        assert sum(va) >= 10 and sum(vb) >= 10, code
        kappas[code] = cohen_kappa_score(va, vb)
    off_target = {c: round(k, 2) for c, k in kappas.items() if abs(k - TARGET_KAPPA[c]) > 0.1}
    assert off_target == {}
    values = sorted(kappas.values())
    # within the calibration tolerance of the lowest target (0.1, as off_target above)
    assert values[0] >= min(TARGET_KAPPA.values()) - 0.1 and values[-1] <= 0.97
    assert 2 <= sum(v < 0.6 for v in values) <= 6
    assert sum(0.6 <= v <= 0.9 for v in values) >= 0.6 * len(values)


def test_resolutions_cover_exactly_the_disagreements(data, units, codings, study):
    res = pd.read_csv(data / "resolutions.csv", dtype=str, keep_default_na=False)
    assert list(res.columns) == ["unit_id", "code", "decision", "rationale", "decided_by", "date"]
    a = _participant_pairs(codings["coder_a"], units)
    b = _participant_pairs(codings["coder_b"], units)
    assert set(zip(res["unit_id"], res["code"], strict=True)) == a ^ b
    assert not res.duplicated(["unit_id", "code"]).any()
    truth = {(f"{t}:{k}", c) for t, k, c in study.truth().itertuples(index=False)}
    keys = zip(res["unit_id"], res["code"], strict=True)
    expected = ["include" if key in truth else "exclude" for key in keys]
    assert list(res["decision"]) == expected
    assert {"include", "exclude"} == set(res["decision"])
    assert res["rationale"].nunique() >= 15
    assert res["decided_by"].str.startswith("coder_a; coder_b").all()
    assert res["decided_by"].str.contains("PI").any()
    assert (pd.to_datetime(res["date"]).dt.date > date(2020, 4, 30)).all()


# ---------------------------------------------------------------------------------------------
# Ground truth: who raises what, and what comes first after the prompt
# ---------------------------------------------------------------------------------------------


def test_subthemes_raised_by_participants(study):
    truth = study.truth()
    truth["participant"] = truth["transcript_id"].str.split("_").str[0]
    truth["wave"] = truth["transcript_id"].str.split("_").str[1].astype(int)
    truth["subtheme"] = truth["code"].map(codes.CODE_SUBTHEME)
    raised = truth.groupby("subtheme")["participant"].nunique()
    assert raised["unclear_role"] == 10 and raised["personal_growth"] == 10
    assert raised["hostility_from_staff"] in (7, 8)
    coping = truth[truth["subtheme"] == "coping_strategies"].groupby("wave")["participant"]
    assert coping.nunique()[3] > coping.nunique()[1]
    per_turn = truth.groupby(["transcript_id", "turn"])["code"].count()
    assert per_turn.max() == 2


def test_barriers_come_first_after_the_challenge_prompt(study):
    first_barrier = 0
    for plan in study.transcripts:
        prompt = next(k for k, t in enumerate(plan.turns) if t.prompt)
        answer = next(t for t in plan.turns[prompt:] if t.codes)
        first_barrier += any(codes.CODE_SUBTHEME[c] in codes.BARRIERS for c in answer.codes)
    assert first_barrier == len(study.transcripts)


def test_a_cleaning_mismatch_is_reported(study, units):
    broken = units[units["unit_id"] != "50003_2:7"]
    with pytest.raises(RuntimeError, match="50003_2"):
        sim.check_units_match(study, broken)


# ---------------------------------------------------------------------------------------------
# Larger studies for benchmarks
# ---------------------------------------------------------------------------------------------


def test_scaled_study_has_more_participants_and_csv_codings(tmp_path):
    sim.simulate_study(tmp_path, scale=2)
    data = tmp_path / "data"
    people = read_participants(data / "participants.csv")
    assert list(people["participant_id"]) == list(range(50001, 50021))
    interviews = read_interviews(data / "interviews.csv")
    assert len(interviews) == 60 and interviews["recorded"].sum() >= 57
    assert (data / "codings" / "coder_b.csv").exists()
    assert not (data / "codings" / "coder_b.xlsx").exists()
    coder_b = pd.read_csv(data / "codings" / "coder_b.csv")
    assert list(coder_b.columns) == ["coder", "transcript_id", "code", "unit_id", "memo"]
    screening = read_screening(data / "screening.csv")
    assert screening["status"].value_counts().to_dict() == {
        "interviewed": 20,
        "ineligible": 14,
        "declined": 2,
    }


def test_scale_must_be_positive():
    with pytest.raises(ValueError, match="scale"):
        build_study(0)
