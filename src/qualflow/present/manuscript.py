"""A manuscript draft and the COREQ checklist, written from the CSVs the pipeline wrote.

Every sentence here is built by a small function from frames a stage wrote (or the study's own
tables), so every number in the draft is also in a CSV and changes when the data change: a new
resolution changes the reconciliation counts, the frequencies and the quotes on the next run.
Prose is plain and in the past tense, as in a methods section. What the data cannot tell
(who interviewed, the setting, the interview guide, ...) is left as a visible
``[AUTHORS: ...]`` placeholder rather than guessed.

The draft is a list of blocks (:class:`Block`), rendered to Markdown for diffing between runs
(:func:`to_markdown`) and to Word (:func:`to_docx_bytes`) with the tables in journal style
(:func:`qualflow.present.tables.add_docx_table`) and Figure 1 embedded. The checklist follows the 32
items of the Consolidated criteria for reporting qualitative research (Tong, Sainsbury & Craig
2007), see :func:`coreq_checklist`.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path

import docx
import pandas as pd
from docx.shared import Inches, Pt

from qualflow import __version__
from qualflow.contracts import COREQ_COLUMNS
from qualflow.io import read_table
from qualflow.present import tables
from qualflow.present.tables import (
    fmt_count,
    fmt_mean_sd,
    fmt_number,
    fmt_range,
    subthemes,
    trajectory_counts,
    wave_label,
    wave_label_map,
)

AUTHORS = "[AUTHORS: {}]"

_NUMBER_WORDS = "zero one two three four five six seven eight nine ten".split()


def authors(what: str) -> str:
    """A visible placeholder for something only the authors can write."""
    return AUTHORS.format(what)


def count_word(n: int) -> str:
    """Small counts in words (journal style), larger ones in digits: ``three``, ``29``."""
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else fmt_count(n)


def plural(n: int, one: str, many: str | None = None) -> str:
    """``1 transcript``, ``29 transcripts``."""
    return f"{fmt_count(n)} {one if n == 1 else (many or one + 's')}"


def join_list(items: Sequence[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    items = [str(i) for i in items]
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _reasons(reasons: Mapping[str, int]) -> str:
    return "; ".join(f"{reason}, n = {n}" for reason, n in reasons.items())


# --------------------------------------------------------------------------- methods
def recruitment_sentences(flow: Mapping) -> str:
    """Who was approached, who was excluded and why, who took part (from
    :func:`qualflow.present.tables.recruitment_flow`)."""
    text = (
        f"All {fmt_count(flow['employed'])} peer support specialists employed at the time were "
        "screened for eligibility."
    )
    if flow["ineligible"]:
        text += (
            f" Of these, {fmt_count(flow['ineligible'])} were not eligible "
            f"({_reasons(flow['ineligible_reasons'])})"
        )
        if flow["declined"]:
            text += (
                f" and {fmt_count(flow['declined'])} declined to take part "
                f"({_reasons(flow['declined_reasons'])})"
            )
        text += "."
    elif flow["declined"]:
        text += (
            f" Of these, {fmt_count(flow['declined'])} declined to take part "
            f"({_reasons(flow['declined_reasons'])})."
        )
    text += f" The remaining {fmt_count(flow['interviewed'])} took part (Figure 1)."
    return text


def interview_sentences(
    interviews: pd.DataFrame, wave_labels: Mapping[int, str], flow: Mapping
) -> str:
    """Waves, interviews recorded of scheduled, why some were not, and their duration."""
    labels = wave_label_map(wave_labels)
    waves = sorted(int(w) for w in interviews["wave"].unique())
    names = join_list([wave_label(w, labels) for w in waves])
    recorded = interviews["recorded"].astype(bool)
    text = (
        f"Each participant was invited to {count_word(len(waves))} interviews ({names}); "
        f"{fmt_count(int(recorded.sum()))} of the {fmt_count(len(interviews))} scheduled "
        "interviews were audio-recorded and transcribed."
    )
    missing = [w for w in flow.get("waves", []) if w["scheduled"] > w["recorded"]]
    for wave in missing:
        n = wave["scheduled"] - wave["recorded"]
        reasons = "; ".join(r[:1].lower() + r[1:] for r in wave.get("not_recorded_reasons", {}))
        text += (
            f" {count_word(n).capitalize()} {'interview' if n == 1 else 'interviews'} at "
            f"{wave_label(wave['wave'], labels)} "
            f"{'was' if n == 1 else 'were'} not recorded ({reasons})."
        )
    durations = pd.to_numeric(interviews.loc[recorded, "duration_min"], errors="coerce").dropna()
    if len(durations):
        mean_sd = fmt_mean_sd(durations).replace(" (", " minutes (SD ").removesuffix(")")
        text += f" Recorded interviews lasted a mean of {mean_sd}; range {fmt_range(durations)})."
    return text


def cleaning_sentences(report: pd.DataFrame | None) -> str:
    """Transcript formats, cleaning and de-identification, from ``cleaning_report.csv``."""
    if report is None or report.empty:
        return authors("describe transcription and de-identification")
    formats = report["format"].astype(str).value_counts()
    formats = formats.sort_index().sort_values(ascending=False, kind="stable")
    kinds = [c for c in report.columns if c.startswith("redacted_")]
    totals = {c.removeprefix("redacted_"): int(report[c].sum()) for c in kinds}
    redacted = sum(totals.values())
    found = join_list([f"{n} {_KIND_NAMES.get(k, k.lower())}" for k, n in totals.items() if n])
    text = (
        f"The {plural(len(report), 'transcript')} arrived as "
        f"{join_list([f'{n} {fmt}' for fmt, n in formats.items()])} files. Each was converted "
        "to plain text, split into speaker turns, and de-identified before any coding: names "
        "of people, places and organisations on the study's redaction list and pattern-matched "
        "identifiers were replaced by placeholders that stay the same across transcripts "
        f"({fmt_count(redacted)} replacements"
    )
    text += f": {found})." if found else ")."
    text += (
        f" The cleaned transcripts held {fmt_count(int(report['n_turns'].sum()))} turns and "
        f"{fmt_count(int(report['n_words'].sum()))} words."
    )
    return text


#: How redaction kinds read in prose (others: lower case).
_KIND_NAMES = {"ORG": "organisation", "NRIC": "NRIC", "EMAIL": "e-mail"}
CODEBOOK_HISTORY = "how the codebook was developed and revised, with its change log"
CODER_TOOLS = {
    ".csv": "exported their codings as a table of coded passages",
    ".xlsx": "coded in a spreadsheet listing every turn",
    ".qdpx": "coded in qualitative data analysis software and exported a REFI-QDA project",
    ".qde": "coded in qualitative data analysis software and exported a REFI-QDA project",
}


def _first_file(entry: object) -> str:
    """A coder's (first) file, from a config entry: a path, {file: ...}, or a list of them."""
    while isinstance(entry, list | tuple):
        entry = entry[0]
    return str(entry["file"] if isinstance(entry, Mapping) else entry)


def revision_sentence(changes: pd.DataFrame | None) -> str:
    """The codebook revisions recorded during coding (``results/codebook/changes.csv``)."""
    if changes is None:
        return authors(CODEBOOK_HISTORY)
    logged = changes.drop_duplicates("change")
    if logged.empty:
        return "No revision of the codebook was recorded after coding began. " + authors(
            "how the codebook was developed before coding"
        )
    kinds = logged["kind"].value_counts()
    listed = ", ".join(
        f"{count_word(int(kinds[k]))} {_KIND_NOUN[k][int(kinds[k]) != 1]}"
        for k in _KIND_NOUN
        if k in kinds
    )
    times = "time" if len(logged) == 1 else "times"
    return (
        f"The codebook was revised {count_word(len(logged))} {times} during coding ({listed}; "
        "the change log is in the supplementary codebook); both coders' codings and the "
        "recorded decisions were carried through each revision rather than re-entered. "
        + authors("how the codebook was developed before coding")
    )


_KIND_NOUN = {
    "rename": ("renaming", "renamings"),
    "merge": ("merger", "mergers"),
    "split": ("split recoded by both coders", "splits recoded by both coders"),
    "retire": ("code retired", "codes retired"),
}


def coding_sentences(
    codebook: pd.DataFrame,
    coders: Mapping[str, str],
    n_transcripts: int,
    changes: pd.DataFrame | None = None,
) -> str:
    """Codebook size and revisions, the two coders, and the tools they coded in (from the
    file types)."""
    n_cat = codebook["category"].nunique()
    n_sub = codebook[["category", "subtheme"]].drop_duplicates().shape[0]
    n_codes = codebook["code"].nunique()
    tools = [CODER_TOOLS.get(Path(_first_file(f)).suffix.lower(), "") for f in coders.values()]
    text = (
        f"The codebook had {count_word(n_cat)} categories, {count_word(n_sub)} subthemes and "
        f"{fmt_count(n_codes)} codes, each with a definition, inclusion and exclusion notes and "
        f"an example (supplementary codebook). {revision_sentence(changes)} "
        f"{count_word(len(coders)).capitalize()} coders independently coded all "
        f"{fmt_count(n_transcripts)} transcripts without seeing each other's codes"
    )
    if len(set(tools)) == 1 and tools[0]:
        text += f"; both {tools[0]}."
    else:
        text += "; " + "; ".join(f"coder {chr(65 + i)} {t}" for i, t in enumerate(tools) if t) + "."
    text += (
        f" {authors('name the software and version each coder used')} Coded passages were "
        f"mapped onto speaker turns with qualflow (version {__version__})."
    )
    return text


def agreement_method_sentences(
    ci_level: float, replicates: int, speakers: Sequence[str] = ("participant",)
) -> str:
    """Unit of analysis, the statistics and their intervals."""
    ci = tables.ci_label(ci_level)
    who = join_list([f"{s}'s" if s == "participant" else s for s in speakers])
    return (
        f"Intercoder agreement was assessed before reconciliation, with each {who} turn as the "
        "unit of analysis and each code as a separate yes/no decision. For every code we "
        f"computed Cohen's κ with its analytic {ci}, and a bootstrap {ci} from "
        f"{fmt_count(replicates)} resamples of whole transcripts, so that turns of the same "
        "interview were not treated as independent. Because κ is unstable for rare codes, "
        "prevalence- and bias-adjusted κ, Gwet's AC1 and Krippendorff's α are also reported. "
        "Pooled κ combined all unit-by-code decisions."
    )


def reconciliation_sentences(status: pd.DataFrame | None) -> str:
    """Agreed, resolved and unresolved decisions, from ``reconciliation/status.csv``."""
    if status is None or status.empty:
        return authors("describe how disagreements were reconciled")
    counts = status.drop_duplicates("kind").set_index("kind")["count"]

    def n(kind: str) -> int:
        return int(pd.to_numeric(counts.get(kind, 0), errors="coerce") or 0)

    detail = status.drop_duplicates("kind").set_index("kind")["detail"]
    text = (
        f"The coders agreed on {fmt_count(n('agreed'))} unit-by-code decisions. They met to "
        f"discuss the remaining {fmt_count(n('resolved') + n('unresolved'))} disagreements turn "
        f"by turn and recorded a decision and its rationale for {fmt_count(n('resolved'))}"
    )
    split = re.match(r"(\d+) include, (\d+) exclude", str(detail.get("resolved", "")))
    if split:
        text += f" (the code was kept in {split[1]} and removed in {split[2]})"
    unresolved = n("unresolved")
    text += f"; {'none' if unresolved == 0 else fmt_count(unresolved)} remained unresolved."
    text += f" The consensus coding held {fmt_count(n('consensus'))} unit-by-code decisions."
    return text


def themes_method_sentences(weights: Mapping[str, float] | None = None) -> str:
    """Frequency by wave, primacy and importance."""
    w = weights or {"frequency": 0.5, "primacy": 0.5}
    return (
        "A participant was counted as raising a subtheme in a wave when at least one of their "
        "turns in that interview carried one of its codes in the consensus coding. Frequency "
        "was the number of participants who raised a subtheme, out of those with a recorded "
        "interview in that wave. Primacy measured how early a subtheme came up after the "
        "interviewer first asked about difficulties. Subthemes were ranked within their "
        f"category by importance, a weighted mean of frequency (weight "
        f"{fmt_number(w.get('frequency', 0.5))}) and primacy (weight "
        f"{fmt_number(w.get('primacy', 0.5))}). Quotations were chosen by a fixed rule rather "
        "than by hand and are attributed by participant ID and wave."
    )


# --------------------------------------------------------------------------- results
def participant_results(
    participants: pd.DataFrame, interviews: pd.DataFrame, min_cell: int = tables.MIN_CELL
) -> str:
    """Gender, age and time in post of the participants (details in Table 1)."""
    n = len(participants)
    text = f"The {fmt_count(n)} participants"
    genders = participants["gender"].fillna("").astype(str).str.strip().str.lower()
    counts = tables.suppress_small_cells(genders.value_counts().to_dict(), min_cell)
    shown = [(g, k) for g, k in counts if g != tables.OTHER and g]
    if shown:
        text += " (" + ", ".join(f"{k} {g} [{fmt_number(100 * k / n, 0)}%]" for g, k in shown) + ")"
    age = pd.to_numeric(participants["age"], errors="coerce").dropna()
    text += f" had a mean age of {fmt_mean_sd(age).replace(' (', ' years (SD ')}"
    if "hire_year" in participants.columns:
        years = tables.time_in_post(participants, interviews).dropna()
        if len(years):
            text += (
                f" and had been in post for a mean of "
                f"{fmt_mean_sd(years).replace(' (', ' years (SD ')} at their first interview"
            )
    return text + " (Table 1)."


def subtheme_paragraph(
    subtheme: str,
    frequency: pd.DataFrame,
    exemplars: pd.DataFrame,
    codebook: pd.DataFrame,
    wave_labels: Mapping[int, str],
    trajectories: pd.DataFrame | None = None,
) -> str:
    """One subtheme: participants overall and by wave, its course, and its quote."""
    labels = wave_label_map(wave_labels)
    freq = frequency[(frequency["level"] == "subtheme") & (frequency["theme"] == subtheme)]
    freq = freq.assign(wave=freq["wave"].astype(str))
    overall = freq[freq["wave"] == "all"]
    text = ""
    if not overall.empty:
        row = overall.iloc[0]
        text += (
            f"Raised by {fmt_count(int(row['n_participants']))} of "
            f"{fmt_count(int(row['n_interviewed']))} participants in at least one interview"
        )
    by_wave = freq[freq["wave"] != "all"].sort_values("wave", key=lambda s: s.astype(int))
    if not by_wave.empty:
        parts = [
            f"{int(r['n_participants'])} of {int(r['n_interviewed'])} at "
            f"{wave_label(r['wave'], labels)}"
            for _, r in by_wave.iterrows()
        ]
        text += f" ({join_list(parts)})"
    text = (text or "Raised by no participant") + "."
    if trajectories is not None:
        hit = trajectories[trajectories["subtheme"] == subtheme]
        if not hit.empty:
            r = hit.iloc[0]
            text += (
                f" Between their first and last recorded interview, {fmt_count(int(r['gained']))} "
                f"of {fmt_count(int(r['n']))} participants gained it and "
                f"{fmt_count(int(r['dropped']))} dropped it; {fmt_count(int(r['kept']))} raised "
                "it at both."
            )
    quote = exemplars[exemplars["subtheme"] == subtheme]
    if not quote.empty and str(quote.iloc[0]["quote"]).strip():
        q = quote.iloc[0]
        text += f" “{' '.join(str(q['quote']).split())}” ({q['attribution']})"
    return text


def change_sentences(frequency: pd.DataFrame, codebook: pd.DataFrame, labels) -> str:
    """The subthemes whose share of participants rose or fell most from first to last wave."""
    labels = wave_label_map(labels)
    freq = tables._subtheme_frequency(frequency)
    waves = tables._waves(freq)
    if len(waves) < 2:
        return ""
    first, last = waves[0], waves[-1]
    names = dict(zip(codebook["subtheme"], codebook["subtheme_label"], strict=False))
    rows = []
    for sub in subthemes(codebook)["subtheme"]:
        a = tables._frequency_row(freq, sub, first)
        b = tables._frequency_row(freq, sub, last)
        if pd.isna(a["pct_participants"]) or pd.isna(b["pct_participants"]):
            continue
        rows.append((float(b["pct_participants"]) - float(a["pct_participants"]), sub, a, b))
    if not rows:
        return ""
    rows.sort(key=lambda r: (r[0], r[1]))
    fall, rise = rows[0], rows[-1]

    def part(row) -> str:
        change, sub, a, b = row
        return (
            f"{names.get(sub, sub).lower()} (from {fmt_number(a['pct_participants'], 0)}% to "
            f"{fmt_number(b['pct_participants'], 0)}% of participants interviewed)"
        )

    text = (
        f"From {wave_label(first, labels)} to {wave_label(last, labels)}, the largest rise was "
        f"in {part(rise)}"
    )
    if fall[0] < 0:
        text += f", and the largest fall in {part(fall)}"
    return text + " (Figure 2)."


# --------------------------------------------------------------------------- the draft
@dataclass
class Block:
    """One piece of the draft: ``heading`` (level in ``level``), ``paragraph``, ``table``
    (``frame``, ``text`` = caption, ``note``) or ``figure`` (``path``, ``text`` = legend)."""

    kind: str
    text: str = ""
    level: int = 1
    frame: pd.DataFrame | None = None
    note: str = ""
    path: str = ""
    landscape: bool | None = None
    extra: dict = field(default_factory=dict)


def to_markdown(blocks: Sequence[Block]) -> str:
    """The draft as Markdown (for diffing between runs): tables as pipe tables, figures as
    image links with their legend."""
    parts = []
    for b in blocks:
        if b.kind == "heading":
            parts.append("#" * b.level + " " + b.text)
        elif b.kind == "paragraph":
            parts.append(b.text)
        elif b.kind == "table":
            parts.append(tables.to_markdown(b.frame, b.text, b.note).rstrip("\n"))
        elif b.kind == "figure":
            parts.append(f"![{b.text.split('.')[0]}]({Path(b.path).name})\n\n{b.text}")
    return "\n\n".join(parts) + "\n"


def to_docx_bytes(blocks: Sequence[Block], title: str = "") -> bytes:
    """The draft as a Word document: body in 11 pt, tables in journal style (landscape pages
    for wide ones), figures at 6.5 in with their legends; byte-identical across runs."""
    document = docx.Document()
    tables._fix_core_properties(document, title)
    document.styles["Normal"].font.size = Pt(11)
    for k, b in enumerate(blocks):
        if b.kind == "heading":
            document.add_heading(b.text, level=b.level - 1 if b.level > 1 else 0)
        elif b.kind == "paragraph":
            document.add_paragraph(b.text)
        elif b.kind == "table":
            after = blocks[k + 1] if k + 1 < len(blocks) else None
            wide_next = after is not None and after.kind == "table" and _wide(after)
            tables.add_docx_table(
                document, b.frame, b.text, b.note, b.landscape, portrait_after=not wide_next
            )
        elif b.kind == "figure":
            section = document.sections[-1]
            usable = section.page_width - section.left_margin - section.right_margin
            document.add_picture(str(b.path), width=min(Inches(6.5), usable))
            document.add_paragraph(b.text, style="Caption")
    buffer = io.BytesIO()
    document.save(buffer)
    return tables._deterministic_zip(buffer.getvalue())


def _wide(block: Block) -> bool:
    return tables.is_wide(block.frame) if block.landscape is None else block.landscape


def save_draft(blocks: Sequence[Block], stem: str | PathLike[str], title: str = "") -> list[Path]:
    """Write ``stem.md`` and ``stem.docx`` together (both or neither)."""
    from qualflow.io import OutputSet

    stem = Path(stem)
    md, word = stem.with_name(stem.name + ".md"), stem.with_name(stem.name + ".docx")
    with OutputSet() as out:
        out.text(md, to_markdown(blocks))
        out.path(word).write_bytes(to_docx_bytes(blocks, title))
    return [md, word]


def methods_blocks(
    flow: Mapping,
    interviews: pd.DataFrame,
    codebook: pd.DataFrame,
    coders: Mapping[str, str],
    wave_labels: Mapping[int, str],
    *,
    cleaning_report: pd.DataFrame | None = None,
    status: pd.DataFrame | None = None,
    ci_level: float = 0.95,
    replicates: int = 2000,
    importance_weights: Mapping[str, float] | None = None,
    codebook_changes: pd.DataFrame | None = None,
) -> list[Block]:
    """The Methods section."""
    recorded = int(interviews["recorded"].astype(bool).sum())
    return [
        Block("heading", "Methods", level=2),
        Block("heading", "Participants and recruitment", level=3),
        Block(
            "paragraph",
            recruitment_sentences(flow) + " " + authors("setting, approach and consent"),
        ),
        Block("heading", "Interviews", level=3),
        Block(
            "paragraph",
            interview_sentences(interviews, wave_labels, flow)
            + " "
            + authors("who interviewed, where, and the interview guide"),
        ),
        Block("heading", "Transcription and de-identification", level=3),
        Block("paragraph", cleaning_sentences(cleaning_report)),
        Block("heading", "Coding", level=3),
        Block("paragraph", coding_sentences(codebook, coders, recorded, codebook_changes)),
        Block("heading", "Intercoder agreement and reconciliation", level=3),
        Block(
            "paragraph",
            agreement_method_sentences(ci_level, replicates)
            + " "
            + reconciliation_sentences(status),
        ),
        Block("heading", "Frequency and primacy", level=3),
        Block("paragraph", themes_method_sentences(importance_weights)),
    ]


def results_blocks(
    participants: pd.DataFrame,
    interviews: pd.DataFrame,
    frequency: pd.DataFrame,
    exemplars: pd.DataFrame,
    matrix: pd.DataFrame | None,
    codebook: pd.DataFrame,
    wave_labels: Mapping[int, str],
    agreement_text: str,
    min_cell: int = tables.MIN_CELL,
) -> list[Block]:
    """The Results section: participants, agreement, one paragraph per subtheme, change."""
    paths = trajectory_counts(matrix, codebook) if matrix is not None else None
    blocks = [
        Block("heading", "Results", level=2),
        Block("paragraph", participant_results(participants, interviews, min_cell)),
        Block("heading", "Intercoder agreement", level=3),
        Block("paragraph", f"{agreement_text} Table 3 gives every code." if agreement_text else ""),
    ]
    for _, subs in subthemes(codebook).groupby("category", sort=False):
        blocks.append(Block("heading", subs["category_label"].iloc[0], level=3))
        for sub in subs.itertuples():
            text = subtheme_paragraph(
                sub.subtheme, frequency, exemplars, codebook, wave_labels, paths
            )
            blocks.append(Block("paragraph", f"{sub.subtheme_label}. {text}"))
    change = change_sentences(frequency, codebook, wave_labels)
    if change:
        blocks += [Block("heading", "Change over time", level=3), Block("paragraph", change)]
    return blocks


# --------------------------------------------------------------------------- COREQ
#: The 32 COREQ items (Tong, Sainsbury & Craig 2007), in order: topic | what a reader looks
#: for (paraphrased). Items 1–8 are the research team and reflexivity, 9–23 the study design,
#: 24–32 analysis and findings.
_COREQ_TEXT = """
Interviewer/facilitator | Who conducted the interviews
Credentials | The researchers' qualifications
Occupation | Their jobs at the time of the study
Gender | The researchers' gender
Experience and training | Their experience and training in qualitative research
Relationship established | Whether a relationship with participants existed before the study
Participant knowledge of the interviewer | What participants knew of the researcher and the aims
Interviewer characteristics | The interviewer's assumptions, interests and possible biases
Methodological orientation and theory | The approach that underpinned the study
Sampling | How participants were selected
Method of approach | How participants were approached
Sample size | How many participants took part
Non-participation | How many refused or dropped out, and why
Setting of data collection | Where the data were collected
Presence of non-participants | Whether anyone else was present
Description of sample | The important characteristics of the sample
Interview guide | Questions and prompts, and whether they were piloted
Repeat interviews | Whether interviews were repeated, and how many
Audio/visual recording | How the data were recorded
Field notes | Whether field notes were taken
Duration | How long the interviews lasted
Data saturation | Whether data saturation was discussed
Transcripts returned | Whether participants checked their transcripts
Number of data coders | How many people coded the data
Description of the coding tree | Whether the coding tree is described
Derivation of themes | Whether themes were set in advance or derived from the data
Software | The software used to manage the data
Participant checking | Whether participants gave feedback on the findings
Quotations presented | Whether quotations illustrate the findings, each identified
Data and findings consistent | Whether the data presented agree with the findings
Clarity of major themes | Whether the major themes are clearly presented
Clarity of minor themes | Whether diverse cases or minor themes are described
"""


def _coreq_domain(item: int) -> str:
    if item <= 8:
        return "Research team and reflexivity"
    return "Study design" if item <= 23 else "Analysis and findings"


COREQ_ITEMS: tuple[tuple[int, str, str, str], ...] = tuple(
    (k, _coreq_domain(k), *(part.strip() for part in line.split("|")))
    for k, line in enumerate(_COREQ_TEXT.strip().splitlines(), start=1)
)
assert len(COREQ_ITEMS) == 32


def coreq_checklist(
    flow: Mapping,
    participants: pd.DataFrame,
    interviews: pd.DataFrame,
    codebook: pd.DataFrame,
    coders: Mapping[str, str],
    exemplars: pd.DataFrame,
    wave_labels: Mapping[int, str],
) -> pd.DataFrame:
    """The 32 COREQ items, answered where the study's data and config can answer them.

    ``status`` is ``from data`` (answer written from the files named in ``where``) or
    ``for authors`` (the answer is a placeholder to fill in).
    """
    labels = wave_label_map(wave_labels)
    recorded = interviews["recorded"].astype(bool)
    durations = pd.to_numeric(interviews.loc[recorded, "duration_min"], errors="coerce").dropna()
    waves = sorted(int(w) for w in interviews["wave"].unique())
    quotes = exemplars[exemplars["quote"].astype(str).str.strip() != ""]
    n_sub = codebook[["category", "subtheme"]].drop_duplicates().shape[0]
    tools = sorted({Path(str(f)).suffix.lower().lstrip(".") for f in coders.values()})
    categories = list(dict.fromkeys(codebook["category_label"]))
    excluded = []
    if flow["ineligible"]:
        excluded.append(f"{flow['ineligible']} ineligible ({_reasons(flow['ineligible_reasons'])})")
    if flow["declined"]:
        excluded.append(f"{flow['declined']} declined ({_reasons(flow['declined_reasons'])})")
    missing = [
        f"{w['scheduled'] - w['recorded']} at {wave_label(w['wave'], labels)} not recorded "
        f"({'; '.join(w.get('not_recorded_reasons', {}))})"
        for w in flow.get("waves", [])
        if w["scheduled"] > w["recorded"]
    ]
    answers = {
        10: (
            f"All {flow['employed']} peer support specialists employed were screened "
            "against the eligibility criteria",
            "data/screening.csv",
        ),
        12: (f"{flow['interviewed']} participants", "data/screening.csv; Table 1"),
        13: (
            "; ".join(excluded + missing) or "None",
            "data/screening.csv; data/interviews.csv; Figure 1",
        ),
        16: (
            "Gender, age, time in post, ethnicity, diagnosis, department (small cells pooled)",
            "Table 1",
        ),
        18: (
            f"Yes: {count_word(len(waves))} waves "
            f"({join_list([wave_label(w, labels) for w in waves])}); "
            f"{int(recorded.sum())} of {len(interviews)} scheduled interviews recorded",
            "data/interviews.csv",
        ),
        19: (
            f"Audio recordings transcribed ({int(recorded.sum())} recorded, "
            f"{int((~recorded).sum())} not)",
            "data/interviews.csv",
        ),
        21: (
            f"Mean {fmt_mean_sd(durations).replace(' (', ' min (SD ')}, "
            f"range {fmt_range(durations)} min",
            "data/interviews.csv; Table 1",
        ),
        24: (f"{len(coders)} coders, coding independently", "config.yaml (coders)"),
        25: (
            f"{codebook['category'].nunique()} categories, {n_sub} subthemes, "
            f"{codebook['code'].nunique()} codes, with definitions",
            "data/codebook.yaml; Table 2",
        ),
        27: (
            f"qualflow {__version__}; coders' files: {', '.join(tools)} "
            f"{authors('name the coding software and version')}",
            "config.yaml (coders)",
        ),
        29: (
            f"Yes: {len(quotes)} quotations, each identified by participant ID and wave",
            "results/themes/exemplars.csv; Table 2",
        ),
        30: ("Counts by wave reported for every subtheme", "Table 2; Results"),
        31: (f"Categories: {join_list(categories)}", "Table 2; Results"),
        32: (f"{n_sub} subthemes, each with its own paragraph", "Results"),
    }
    rows = []
    for item, domain, topic, guide in COREQ_ITEMS:
        answer, where = answers.get(item, (authors(topic.lower()), ""))
        rows.append(
            {
                "item": item,
                "domain": domain,
                "topic": topic,
                "guide": guide,
                "answer": answer,
                "where": where,
                "status": "for authors" if answer.startswith("[AUTHORS") else "from data",
            }
        )
    return pd.DataFrame(rows, columns=COREQ_COLUMNS)


# --------------------------------------------------------------------------- reading and saving
CLEANING_REPORT_COLUMNS = ["transcript_id", "format", "n_turns", "n_words"]
STATUS_COLUMNS = ["kind", "count", "detail"]


def read_cleaning_report(path: str | PathLike[str]) -> pd.DataFrame:
    """``results/clean/cleaning_report.csv`` with its count columns as numbers."""
    frame = read_table(path, CLEANING_REPORT_COLUMNS)
    for column in frame.columns:
        if column.startswith(("n_", "redacted_")):
            frame[column] = pd.to_numeric(frame[column], errors="coerce").fillna(0).astype(int)
    return frame.reset_index(drop=True)


def read_status(path: str | PathLike[str]) -> pd.DataFrame:
    """``results/reconciliation/status.csv`` (kind, count, detail, ...)."""
    frame = read_table(path, STATUS_COLUMNS)
    frame["count"] = pd.to_numeric(frame["count"], errors="coerce").fillna(0).astype(int)
    return frame.reset_index(drop=True)


def save_coreq(frame: pd.DataFrame, stem: str | PathLike[str]) -> list[Path]:
    """Write the checklist as ``stem.csv`` and ``stem.docx`` (journal-style table), together."""
    from qualflow.io import OutputSet

    stem = Path(stem)
    csv, word = stem.with_name(stem.name + ".csv"), stem.with_name(stem.name + ".docx")
    shown = frame.rename(columns=str.capitalize)
    caption = (
        "COREQ checklist (Tong, Sainsbury & Craig 2007). Answers marked “from data” were "
        "written from the files named; “[AUTHORS: …]” marks what the authors must add."
    )
    with OutputSet() as out:
        out.csv(csv, frame)
        out.path(word).write_bytes(tables.to_docx_bytes(shown, caption, landscape=True))
    return [csv, word]
