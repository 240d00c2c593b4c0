"""Writing the study as a REFI-QDA 1.0 project for NVivo, ATLAS.ti, MAXQDA and QualCoder (byte-
reproducible).
"""

from __future__ import annotations

import logging
import re
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import pandas as pd
from lxml import etree

from qualflow import __version__
from qualflow.clean.bundle import read_clean_text
from qualflow.contracts import check_units
from qualflow.errors import InputError
from qualflow.io import atomic_path
from qualflow.qdpx.model import (
    NS,
    QNAME,
    qualflow_guid,
    transcript_sort_key,
    wave_key,
)
from qualflow.qdpx.xml import check_schema, parse_xml

log = logging.getLogger(__name__)


ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

#: Okabe & Ito (2008) colour-blind-safe palette; one colour per category in the exported tree.
CATEGORY_COLOURS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7"]

_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(value: object) -> str:
    """The string without characters XML 1.0 cannot carry (control characters)."""
    return _XML_INVALID.sub("", str(value))


def _sub(parent: etree._Element, tag: str, attrs: Mapping[str, object] | None = None, text=None):
    el = etree.SubElement(parent, QNAME + tag)
    for key, value in (attrs or {}).items():
        if value is not None:
            el.set(key, _xml_safe(value))
    if text is not None:
        el.text = _xml_safe(text)
    return el


def _code_description(row: pd.Series) -> str:
    parts = [str(row["definition"]).strip()]
    for label, column in (("Include", "include"), ("Exclude", "exclude"), ("Example", "example")):
        value = str(row.get(column, "") or "").strip()
        if value:
            parts.append(f"{label}: {value}")
    return "\n\n".join(p for p in parts if p)


def _add_codebook(root: etree._Element, codebook: pd.DataFrame) -> None:
    """Category → subtheme → code; only codes are codable, so coders code at the code level.

    Non-codable parents (``isCodable="false"``) are how REFI-QDA marks grouping nodes; QualCoder
    imports them as categories, and tools without the notion import them as plain codes.
    """
    codes_el = _sub(_sub(root, "CodeBook"), "Codes")
    categories = list(dict.fromkeys(codebook["category"]))
    for ci, category in enumerate(categories):
        in_cat = codebook[codebook["category"] == category]
        colour = CATEGORY_COLOURS[ci % len(CATEGORY_COLOURS)]
        cat_el = _sub(
            codes_el,
            "Code",
            {
                "guid": qualflow_guid("category", category),
                "name": in_cat["category_label"].iloc[0],
                "isCodable": "false",
                "color": colour,
            },
        )
        for subtheme in dict.fromkeys(in_cat["subtheme"]):
            in_sub = in_cat[in_cat["subtheme"] == subtheme]
            sub_el = _sub(
                cat_el,
                "Code",
                {
                    "guid": qualflow_guid("subtheme", f"{category}/{subtheme}"),
                    "name": in_sub["subtheme_label"].iloc[0],
                    "isCodable": "false",
                    "color": colour,
                },
            )
            definition = str(in_sub["subtheme_definition"].iloc[0] or "").strip()
            if definition:
                _sub(sub_el, "Description", text=definition)
            for _, row in in_sub.iterrows():
                code_el = _sub(
                    sub_el,
                    "Code",
                    {
                        "guid": qualflow_guid("code", row["code"]),
                        "name": row["code_label"],
                        "isCodable": "true",
                        "color": colour,
                    },
                )
                description = _code_description(row)
                if description:
                    _sub(code_el, "Description", text=description)


def _variable_type(values: pd.Series) -> str:
    present = [str(v).strip() for v in values if _present(v)]
    if present and all(re.fullmatch(r"-?\d+", v) for v in present):
        return "Integer"
    if present and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", v) for v in present):
        return "Date"
    return "Text"


def _present(value: object) -> bool:
    return (
        value is not None
        and not (isinstance(value, float) and pd.isna(value))
        and (value is not pd.NA and str(value).strip() != "")
    )


_VALUE_ELEMENT = {"Integer": "IntegerValue", "Date": "DateValue", "Text": "TextValue"}


def _add_variable_value(parent: etree._Element, name: str, kind: str, value: object) -> None:
    if not _present(value):
        return
    vv = _sub(parent, "VariableValue")
    _sub(vv, "VariableRef", {"targetGUID": qualflow_guid("variable", name)})
    _sub(vv, _VALUE_ELEMENT[kind], text=str(value).strip())


def _check_unit_offsets(units: pd.DataFrame, texts: Mapping[str, str], clean_dir: Path) -> None:
    """Every unit (as :func:`~qualflow.contracts.check_units` returns them) lies inside its
    cleaned text and, when it carries its text, agrees with it."""
    for row in units.itertuples(index=False):
        text = texts[row.transcript_id]
        if not 0 <= row.start <= row.end <= len(text):
            raise InputError(
                clean_dir / f"{row.transcript_id}.txt",
                f"unit {row.unit_id} ({row.start}–{row.end}) lies outside the cleaned text "
                f"({len(text)} characters); rerun the clean stage",
            )
        if row.text and text[row.start : row.end] != row.text:
            raise InputError(
                clean_dir / f"{row.transcript_id}.txt",
                f"unit {row.unit_id}'s text does not match the cleaned text at "
                f"{row.start}–{row.end}; rerun the clean stage",
            )


def _add_variables(root: etree._Element, case_vars: Mapping[str, str], source_vars) -> None:
    variables = _sub(root, "Variables")
    for name, kind, description in [
        *((n, k, "participant attribute (participants.csv)") for n, k in case_vars.items()),
        *source_vars,
    ]:
        var = _sub(
            variables,
            "Variable",
            {"guid": qualflow_guid("variable", name), "name": name, "typeOfVariable": kind},
        )
        _sub(var, "Description", text=description)


def _add_cases(
    root: etree._Element,
    participant_sources: Mapping[str, list[str]],
    participants: pd.DataFrame,
    case_vars: Mapping[str, str],
) -> None:
    by_id = {str(r["participant_id"]): r for _, r in participants.iterrows()}
    cases = _sub(root, "Cases")
    for pid, tids in participant_sources.items():
        case = _sub(cases, "Case", {"guid": qualflow_guid("case", pid), "name": pid})
        row = by_id.get(pid)
        if row is not None:
            for name, kind in case_vars.items():
                _add_variable_value(case, name, kind, row[name])
        for tid in tids:
            _sub(case, "SourceRef", {"targetGUID": qualflow_guid("source", tid)})


def _coding_rows(
    codings: Mapping[str, pd.DataFrame] | None,
    coders: Sequence[str],
    units: pd.DataFrame,
    codebook: pd.DataFrame,
) -> pd.DataFrame:
    """All coders' unit codings joined to their units' offsets, in a fixed order."""
    if not codings:
        return pd.DataFrame(columns=["coder", "unit_id", "code", "memo", "transcript_id"])
    frames = []
    known_codes = set(codebook["code"])
    units_by_id = units.set_index("unit_id")
    for coder, frame in codings.items():
        where = f"codings of {coder}"
        if coder not in coders:
            raise InputError(where, f"coder {coder!r} is not among the coders {list(coders)}")
        missing = [c for c in ("unit_id", "code") if c not in frame.columns]
        if missing:
            raise InputError(where, f"missing column(s) {', '.join(missing)}")
        rows = frame.assign(coder=coder)
        rows["unit_id"] = rows["unit_id"].astype(str)
        rows["memo"] = rows["memo"].where(rows["memo"].notna(), "") if "memo" in rows else ""
        unknown_units = sorted(set(rows["unit_id"]) - set(units_by_id.index))
        if unknown_units:
            raise InputError(where, f"unit(s) not in units.csv: {', '.join(unknown_units[:5])}")
        unknown_codes = sorted(set(rows["code"]) - known_codes)
        if unknown_codes:
            raise InputError(where, f"code(s) not in the codebook: {', '.join(unknown_codes[:5])}")
        frames.append(rows[["coder", "unit_id", "code", "memo"]])
    rows = pd.concat(frames, ignore_index=True)
    rows = rows.join(units_by_id[["transcript_id", "start", "end"]], on="unit_id")
    rows["key"] = rows["transcript_id"].map(transcript_sort_key)
    rows = rows.sort_values(["key", "start", "end", "coder", "code"], kind="stable")
    return rows.drop(columns="key").reset_index(drop=True)


def _add_selections(source_el: etree._Element, rows: Iterable, text: str) -> None:
    """One ``PlainTextSelection`` per (coder, unit, code) over the unit, end exclusive, named
    with the unit's text (so an importer can check it), memo in ``Description``."""
    for row in rows:
        user = qualflow_guid("user", row.coder)
        key = f"{row.coder}:{row.unit_id}:{row.code}"
        sel = _sub(
            source_el,
            "PlainTextSelection",
            {
                "guid": qualflow_guid("selection", key),
                "name": text[row.start : row.end],
                "startPosition": row.start,
                "endPosition": row.end,
                "creatingUser": user,
            },
        )
        if str(row.memo).strip():
            _sub(sel, "Description", text=str(row.memo).strip())
        coding = _sub(sel, "Coding", {"guid": qualflow_guid("coding", key), "creatingUser": user})
        _sub(coding, "CodeRef", {"targetGUID": qualflow_guid("code", row.code)})


def _transcript_table(
    tids: Sequence[str], units: pd.DataFrame, interviews: pd.DataFrame
) -> pd.DataFrame:
    """One row per transcript: participant, wave and (when known) interview date and length."""
    first = units.drop_duplicates("transcript_id").set_index("transcript_id")
    table = first.loc[list(tids), ["participant_id", "wave"]].astype(str).reset_index()
    interview_columns = [c for c in ("date", "duration_min") if c in interviews.columns]
    if "transcript_id" in interviews.columns and interview_columns:
        extra = interviews.assign(transcript_id=interviews["transcript_id"].astype(str))
        extra = extra.drop_duplicates("transcript_id")[["transcript_id", *interview_columns]]
        extra = extra.rename(columns={"date": "interview_date"})
        table = table.merge(extra, on="transcript_id", how="left")
    return table


def build_project(
    texts: Mapping[str, str],
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    coders: Sequence[str],
    participants: pd.DataFrame,
    interviews: pd.DataFrame,
    project_name: str = "qualflow study",
    codings: pd.DataFrame | None = None,
    case_variables: Sequence[str] = (),
) -> bytes:
    """The ``project.qde`` XML (UTF-8 bytes) for the study: pure and deterministic.

    ``texts`` maps transcript id → cleaned text; ``units`` are as
    :func:`~qualflow.contracts.check_units` returns them; ``codings`` has one row per coding with
    ``coder, unit_id, code, memo, transcript_id, start, end``. Participants become ``Cases``
    (with the participants.csv columns named in ``case_variables`` as case variables, none by
    default: attributes sent to coders are chosen, not leaked; and their transcripts as
    ``SourceRef``); each
    transcript carries ``participant_id``, ``wave`` and the interview's date and length as
    source variables, and waves become ``Sets`` of sources.
    """
    root = etree.Element(QNAME + "Project", nsmap={None: NS})
    root.set("name", project_name)
    root.set("origin", f"qualflow {__version__}")
    if coders:
        users = _sub(root, "Users")
        for coder in coders:
            _sub(users, "User", {"guid": qualflow_guid("user", coder), "name": coder, "id": coder})
    _add_codebook(root, codebook)

    tids = sorted(texts, key=transcript_sort_key)
    transcripts = _transcript_table(tids, units, interviews)
    missing = [c for c in case_variables if c not in participants.columns]
    if missing:
        raise InputError(
            "participants.csv",
            f"qdpx.case_variables names column(s) {', '.join(map(repr, missing))} that "
            f"participants.csv does not have (it has {', '.join(participants.columns)})",
        )
    case_vars = {
        c: _variable_type(participants[c])
        for c in dict.fromkeys(case_variables)
        if c != "participant_id"
    }
    descriptions = {
        "participant_id": "participant the transcript belongs to",
        "wave": "interview wave",
        "interview_date": "date of the interview (interviews.csv)",
        "duration_min": "length of the interview in minutes (interviews.csv)",
    }
    source_vars = [
        (c, "Text" if c == "participant_id" else _variable_type(transcripts[c]), descriptions[c])
        for c in transcripts.columns
        if c != "transcript_id"
    ]
    _add_variables(root, case_vars, source_vars)
    participant_sources: dict[str, list[str]] = {}
    for row in transcripts.itertuples(index=False):
        participant_sources.setdefault(row.participant_id, []).append(row.transcript_id)
    _add_cases(root, participant_sources, participants, case_vars)

    by_transcript: dict[str, list] = {}
    if codings is not None:
        for row in codings.itertuples(index=False):
            by_transcript.setdefault(row.transcript_id, []).append(row)
    sources = _sub(root, "Sources")
    for _, row in transcripts.iterrows():
        tid = row["transcript_id"]
        guid = qualflow_guid("source", tid)
        source = _sub(
            sources,
            "TextSource",
            {"guid": guid, "name": tid, "plainTextPath": f"internal://{guid}.txt"},
        )
        if tid in by_transcript:
            _add_selections(source, by_transcript[tid], texts[tid])
        for name, kind, _ in source_vars:
            _add_variable_value(source, name, kind, row[name])

    sets = _sub(root, "Sets")
    for wave in sorted(set(transcripts["wave"]), key=wave_key):
        wave_set = _sub(
            sets, "Set", {"guid": qualflow_guid("set", f"wave {wave}"), "name": f"Wave {wave}"}
        )
        _sub(wave_set, "Description", text=f"transcripts of interview wave {wave}")
        for tid in transcripts.loc[transcripts["wave"] == wave, "transcript_id"]:
            _sub(wave_set, "MemberSource", {"targetGUID": qualflow_guid("source", tid)})
    _sub(root, "Description", text=_PROJECT_NOTE)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


_PROJECT_NOTE = (
    "Cleaned, de-identified transcripts exported by qualflow. Code under your own user, at the "
    "code level (categories and subthemes group codes and are not codable), and do not edit "
    "the transcripts: the character offsets of your codings must stay valid. When done, export "
    "the project as REFI-QDA (.qdpx)."
)


def _write_entry(zf: zipfile.ZipFile, name: str, data: bytes) -> None:
    info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.create_system = 3
    info.external_attr = 0o644 << 16
    zf.writestr(info, data, compresslevel=6)


def export_study(
    clean_dir: Path,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    coders: Sequence[str],
    participants: pd.DataFrame,
    interviews: pd.DataFrame,
    out_path: Path,
    project_name: str = "qualflow study",
    codings: Mapping[str, pd.DataFrame] | None = None,
    case_variables: Sequence[str] = (),
) -> None:
    """Write the study as a REFI-QDA project (``results/qdpx/study.qdpx``) for the coders.

    Sources are the cleaned texts ``clean_dir/{transcript_id}.txt``, byte for byte, so offsets
    coders make are offsets into the text the pipeline knows. ``codings`` ({coder: unit-level
    codings with ``unit_id``, ``code`` and optional ``memo``}) are added as selections over the
    units under each coder's user. Only the participants.csv columns in ``case_variables`` go
    out as case variables (``qdpx.case_variables``). For one coder's own project pass just that
    coder: QDA tools make the first ``User`` the current coder. The XML is validated against
    ``Project.xsd`` before the archive is written (atomically, with fixed zip dates, so
    re-exports are byte-identical).
    """
    clean_dir, out_path = Path(clean_dir), Path(out_path)
    units = check_units(units)
    tids = sorted(set(units["transcript_id"]), key=transcript_sort_key)
    texts = {tid: read_clean_text(clean_dir / f"{tid}.txt") for tid in tids}
    _check_unit_offsets(units, texts, clean_dir)
    rows = _coding_rows(codings, list(coders), units, codebook) if codings else None
    qde = build_project(
        texts,
        units,
        codebook,
        list(coders),
        participants,
        interviews,
        project_name,
        rows,
        case_variables=list(case_variables),
    )
    check_schema(parse_xml(qde, "project.qde (export)"), "project.qde (export)")
    with atomic_path(out_path) as tmp:
        with zipfile.ZipFile(tmp, "w") as zf:
            _write_entry(zf, "project.qde", qde)
            for tid in tids:
                guid = qualflow_guid("source", tid)
                _write_entry(zf, f"sources/{guid}.txt", texts[tid].encode("utf-8"))
    n_codings = 0 if rows is None else len(rows)
    log.info("qdpx: wrote %s (%d transcripts, %d codings)", out_path, len(tids), n_codings)
