"""Exemplar quotes per subtheme: typical turns (TF-IDF centroid), spread over participants and
waves, pins honoured.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Mapping
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from qualflow.contracts import EXEMPLAR_COLUMNS, PIN_COLUMNS
from qualflow.errors import InputError, file_rows, raise_first
from qualflow.io import read_table
from qualflow.sheets import set_text_cell
from qualflow.themes.frequency import coded_rows, subtheme_table, unit_order
from qualflow.themes.primacy import SCORE_DECIMALS

#: The exemplar rule in words, for notebooks and method sections to quote.
EXEMPLAR_RULE = (
    "For each subtheme, the candidate quotes are participant turns that both coders coded "
    "with a code of the subtheme (consensus source 'agreed') and that are {min_words} to "
    "{max_words} words long; when none is, the subtheme gets no quote and the reason is given. "
    "Each candidate is scored by the cosine similarity of its TF-IDF vector to the centroid of "
    "the subtheme's other coded units. Up to three quotes are taken one at a time, preferring "
    "a turn with no code of the other category (so a facilitator quote is not also a "
    "complaint), then a participant not yet quoted for the subtheme or the category, then a "
    "wave not yet quoted, then the higher score and the earlier turn. Units the analysts "
    "pinned in data/quotes.csv (rule 'pinned') or named as the subtheme's exemplar in the "
    "codebook (rule 'codebook') override the rule."
)

# Fixed TF-IDF settings, so the exemplar choice is reproducible (Salton & Buckley 1988).
_TFIDF_SETTINGS = {
    "lowercase": True,
    "stop_words": "english",
    "token_pattern": r"(?u)\b[^\W\d_][^\W\d_]+\b",  # words of 2+ letters; no digits/placeholders
    "ngram_range": (1, 1),
    "sublinear_tf": True,
    "smooth_idf": True,
    "norm": "l2",
}
if TYPE_CHECKING:
    from scipy import sparse


def attribution(participant_id: int, wave: int) -> str:
    """How the study attributed quotes: ``50004`` at wave 1, ``50004_2`` / ``50004_3`` later."""
    return str(int(participant_id)) if int(wave) == 1 else f"{int(participant_id)}_{int(wave)}"


def read_pins(
    path: str | PathLike[str] | None, units: pd.DataFrame, codebook: pd.DataFrame
) -> pd.DataFrame:
    """``data/quotes.csv`` (``unit_id``, ``subtheme``): quotes the analysts pinned for Table 2.

    Optional: None or a missing file gives no pins. An unknown unit or subtheme stops with the
    file and row. Returns unit_id and subtheme in file order, repeats dropped.
    """
    if path is None or not Path(path).exists():
        return pd.DataFrame(columns=PIN_COLUMNS)
    path = Path(path)
    frame = read_table(path, PIN_COLUMNS)
    frame = frame.assign(
        unit_id=frame["unit_id"].astype(str).str.strip(),
        subtheme=frame["subtheme"].astype(str).str.strip(),
    )
    known_units = set(units["unit_id"])
    known_subthemes = set(codebook["subtheme"])
    raise_first(
        path,
        ~frame["unit_id"].isin(known_units),
        lambda i: f"unit {frame.unit_id.iloc[i]!r} is not in units.csv",
        file_rows(frame),
    )
    raise_first(
        path,
        ~frame["subtheme"].isin(known_subthemes),
        lambda i: f"subtheme {frame.subtheme.iloc[i]!r} is not in the codebook",
        file_rows(frame),
    )
    return frame[PIN_COLUMNS].drop_duplicates().reset_index(drop=True)


def choose_exemplars(
    consensus: pd.DataFrame,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    min_words: int = 25,
    max_words: int = 80,
    per_subtheme: int = 3,
    pins: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Up to ``per_subtheme`` exemplar quotes per subtheme, chosen by a fixed, stated rule.

    The rule (also in :data:`EXEMPLAR_RULE`): candidates are participant units that both
    coders coded with a code of the subtheme (consensus ``source == "agreed"``) and that have
    ``min_words ≤ n_words ≤ max_words`` — the limits are never relaxed: with no candidate the
    subtheme gets one row with an empty quote, ``rule = none`` and the reason. Each candidate
    is scored by the cosine similarity of its TF-IDF vector (scikit-learn ``TfidfVectorizer``
    with fixed settings, fitted on all consensus-coded units; Salton & Buckley 1988) to the
    centroid of the subtheme's *other* coded units — the most typical way participants voiced
    the subtheme. Quotes are then taken one at a time, preferring, in this order: a unit with
    no consensus code of another category (a facilitator quote that is not also a complaint);
    a participant not yet quoted for this subtheme, then not yet quoted in the category; a wave
    not yet quoted for the subtheme, then the wave least quoted in the category; the higher
    score; the earlier unit. Subthemes are filled in codebook order.

    Overrides: units pinned in ``pins`` (``data/quotes.csv``; ``rule = pinned``) or named in
    the codebook's ``exemplar`` field (``rule = codebook``) replace the rule for their
    subtheme, pins first. ``rank`` numbers a subtheme's quotes (1 = the one a table shows
    first).
    """
    ordered = unit_order(units).reset_index(names="position")
    by_id = ordered.set_index("unit_id")
    coded = coded_rows(consensus, codebook)
    missing = coded.loc[~coded["unit_id"].isin(by_id.index), "unit_id"]
    if not missing.empty:
        raise InputError(None, f"consensus unit {missing.iloc[0]!r} is not in units.csv")
    for column in ("position", "speaker", "n_words"):
        coded[f"unit_{column}"] = coded["unit_id"].map(by_id[column])
    coded = coded.sort_values("unit_position", kind="stable")
    coded_ids = coded["unit_id"].drop_duplicates().tolist()
    vectors, row_of = _tfidf_vectors(by_id.loc[coded_ids, "text"].tolist(), coded_ids)
    exemplar_of = codebook.drop_duplicates("subtheme").set_index("subtheme")["exemplar"]
    categories_of = coded.groupby("unit_id")["category"].agg(frozenset)
    pins = pins if pins is not None else pd.DataFrame(columns=PIN_COLUMNS)
    quoted_people: dict[str, set] = {}
    quoted_waves: dict[str, dict[int, int]] = {}

    rows = []
    for subtheme, category in subtheme_table(codebook).itertuples(index=False):
        in_theme = coded[coded["subtheme"] == subtheme]
        theme_ids = in_theme["unit_id"].drop_duplicates().tolist()
        people = quoted_people.setdefault(category, set())
        waves = quoted_waves.setdefault(category, {})
        pinned = pins.loc[pins["subtheme"] == subtheme, "unit_id"].tolist()
        named = str(exemplar_of.get(subtheme, "") or "").strip()
        if named and named not in by_id.index:
            raise InputError(
                None,
                f"exemplar {named!r} of subtheme {subtheme!r} is not a unit in units.csv",
                element=f"subtheme {subtheme}",
            )
        if pinned or named:
            chosen = [(u, "pinned") for u in pinned] + (
                [(named, "codebook")] if named and named not in pinned else []
            )
            scores = dict(
                zip(
                    [u for u, _ in chosen],
                    _typicality([u for u, _ in chosen], theme_ids, vectors, row_of),
                    strict=True,
                )
            )
            picks = [(u, rule, scores[u]) for u, rule in chosen]
        else:
            candidates = _strict_candidates(in_theme, min_words, max_words)
            if not candidates:
                reason = (
                    "never coded"
                    if not theme_ids
                    else f"no agreed participant turn of {min_words}–{max_words} words"
                )
                rows.append(_empty_exemplar(subtheme, category, reason))
                continue
            scores = _typicality(candidates, theme_ids, vectors, row_of)
            picks = _spread(
                candidates, scores, by_id, categories_of, category, people, waves, per_subtheme
            )
        for rank, (unit_id, rule, score) in enumerate(picks, start=1):
            unit = by_id.loc[unit_id]
            person, wave = int(unit["participant_id"]), int(unit["wave"])
            people.add(person)
            waves[wave] = waves.get(wave, 0) + 1
            mixed = categories_of.get(unit_id, frozenset()) - {category}
            rows.append(
                {
                    "subtheme": subtheme,
                    "category": category,
                    "rank": rank,
                    "unit_id": unit_id,
                    "participant_id": person,
                    "wave": wave,
                    "attribution": attribution(person, wave),
                    "quote": unit["text"],
                    "n_words": int(unit["n_words"]),
                    "rule": rule,
                    "score": score,
                    "reason": "also coded " + ", ".join(sorted(mixed)) if mixed else "",
                }
            )
    out = pd.DataFrame(rows, columns=EXEMPLAR_COLUMNS)
    for column in ("rank", "participant_id", "wave", "n_words"):
        out[column] = out[column].astype("Int64")
    out["score"] = out["score"].astype(float)
    return out


def _spread(
    candidates: list[str],
    scores: np.ndarray,
    by_id: pd.DataFrame,
    categories_of: pd.Series,
    category: str,
    people: set,
    waves: dict[int, int],
    wanted: int,
) -> list[tuple[str, str, float]]:
    """Pick up to ``wanted`` candidates one at a time (see :func:`choose_exemplars`)."""
    rounded = np.round(np.nan_to_num(scores, nan=-np.inf), SCORE_DECIMALS)
    info = [
        (
            i,
            int(by_id.at[u, "participant_id"]),
            int(by_id.at[u, "wave"]),
            bool(categories_of.get(u, frozenset()) - {category}),
        )
        for i, u in enumerate(candidates)
    ]
    picked: list[int] = []
    mine_people: set[int] = set()
    mine_waves: set[int] = set()
    while len(picked) < min(wanted, len(candidates)):
        best = min(
            (x for x in info if x[0] not in picked),
            key=lambda x: (
                x[3],  # also coded with another category
                x[1] in mine_people,
                x[1] in people,
                x[2] in mine_waves,
                waves.get(x[2], 0),
                -rounded[x[0]],
                x[0],
            ),
        )
        picked.append(best[0])
        mine_people.add(best[1])
        mine_waves.add(best[2])
    return [(candidates[i], "tfidf", float(scores[i])) for i in picked]


def _empty_exemplar(subtheme: str, category: str, reason: str = "") -> dict:
    return {
        "subtheme": subtheme,
        "category": category,
        "rank": pd.NA,
        "unit_id": "",
        "participant_id": pd.NA,
        "wave": pd.NA,
        "attribution": "",
        "quote": "",
        "n_words": pd.NA,
        "rule": "none",
        "score": np.nan,
        "reason": reason,
    }


def quote_bank(
    consensus: pd.DataFrame,
    units: pd.DataFrame,
    codebook: pd.DataFrame,
    codings: Mapping[str, pd.DataFrame],
    exemplars: pd.DataFrame,
) -> pd.DataFrame:
    """Every consensus unit per subtheme, for analysts choosing quotes (quote_bank.xlsx).

    One row per (subtheme, unit): ID_wave attribution, turn, speaker, word count, the
    consensus codes of the unit, each coder's codes and memos on it (``codings`` maps coder
    name → that coder's codings with ``unit_id``, ``code`` and optionally ``memo``), the
    consensus source, whether the unit also carries a code of another category, its rank if it
    is an exemplar, and the text. Sorted by codebook order of subtheme, then reading order.
    """
    ordered = unit_order(units).reset_index(names="position").set_index("unit_id")
    coded = coded_rows(consensus, codebook)
    labels = codebook.drop_duplicates("subtheme").set_index("subtheme")
    subtheme_order = {s: i for i, s in enumerate(labels.index)}
    per_unit_codes = coded.groupby("unit_id")["code"].agg(lambda c: "; ".join(sorted(set(c))))
    categories = coded.groupby("unit_id")["category"].agg(frozenset)
    frame = (
        coded.groupby(["subtheme", "unit_id"], as_index=False).agg(
            category=("category", "first"), source=("source", _joined)
        )
        if "source" in coded
        else coded.groupby(["subtheme", "unit_id"], as_index=False)
        .agg(category=("category", "first"))
        .assign(source="")
    )
    unit = ordered.loc[frame["unit_id"]]
    frame["participant_id"] = unit["participant_id"].to_numpy()
    frame["wave"] = unit["wave"].to_numpy()
    frame["id_wave"] = [
        attribution(p, w) for p, w in zip(frame["participant_id"], frame["wave"], strict=True)
    ]
    frame["turn"] = unit["turn"].to_numpy()
    frame["speaker"] = unit["speaker"].to_numpy()
    frame["n_words"] = unit["n_words"].to_numpy()
    frame["consensus_codes"] = frame["unit_id"].map(per_unit_codes)
    frame["other_category"] = [
        ", ".join(sorted(categories[u] - {c}))
        for u, c in zip(frame["unit_id"], frame["category"], strict=True)
    ]
    for coder, rows in codings.items():
        rows = rows.assign(unit_id=rows["unit_id"].astype(str).str.strip())
        frame[f"{coder}_codes"] = (
            frame["unit_id"]
            .map(rows.groupby("unit_id")["code"].agg(lambda c: "; ".join(sorted(set(map(str, c))))))
            .fillna("")
        )
        memo = rows["memo"] if "memo" in rows else pd.Series("", index=rows.index)
        memo = memo.fillna("").astype(str).str.strip()
        frame[f"{coder}_memos"] = (
            frame["unit_id"]
            .map(
                rows.assign(memo=memo)[memo != ""]
                .groupby("unit_id")["memo"]
                .agg(lambda m: " | ".join(dict.fromkeys(m)))
            )
            .fillna("")
        )
    chosen = exemplars[exemplars["unit_id"].astype(str) != ""]
    rank = dict(
        zip(zip(chosen["subtheme"], chosen["unit_id"], strict=True), chosen["rank"], strict=True)
    )
    frame["exemplar_rank"] = [
        rank.get((s, u), pd.NA) for s, u in zip(frame["subtheme"], frame["unit_id"], strict=True)
    ]
    frame["exemplar_rank"] = frame["exemplar_rank"].astype("Int64")
    frame["text"] = unit["text"].to_numpy()
    frame["_s"] = frame["subtheme"].map(subtheme_order)
    frame["_p"] = frame["unit_id"].map(ordered["position"])
    frame = frame.sort_values(["_s", "_p"], kind="stable").reset_index(drop=True)
    columns = [
        "subtheme",
        "category",
        "unit_id",
        "id_wave",
        "participant_id",
        "wave",
        "turn",
        "speaker",
        "n_words",
        "consensus_codes",
        "source",
        "other_category",
        *[c for coder in codings for c in (f"{coder}_codes", f"{coder}_memos")],
        "exemplar_rank",
        "text",
    ]
    return frame[columns]


def _joined(values: pd.Series) -> str:
    return "; ".join(sorted(set(map(str, values))))


_XLSX_DATE = (1980, 1, 1, 0, 0, 0)


def quote_bank_xlsx(bank: pd.DataFrame) -> bytes:
    """The quote bank as an .xlsx: one sheet, bold frozen header, autofilter on every column,
    wrapped text, inert text cells; fixed timestamps so equal inputs give equal bytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "quote_bank"
    widths = {"text": 80, "consensus_codes": 30, "subtheme": 22, "unit_id": 13}
    for col, name in enumerate(bank.columns, start=1):
        cell = sheet.cell(row=1, column=col, value=name)
        cell.font = Font(bold=True)
        width = widths.get(name, 40 if name.endswith(("_codes", "_memos")) else 11)
        sheet.column_dimensions[get_column_letter(col)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    for r, record in enumerate(bank.itertuples(index=False), start=2):
        for col, value in enumerate(record, start=1):
            cell = sheet.cell(row=r, column=col)
            if isinstance(value, int | np.integer) and not isinstance(value, bool):
                cell.value = int(value)
            elif value is pd.NA or (isinstance(value, float) and np.isnan(value)):
                cell.value = None
            else:
                set_text_cell(cell, value)
            cell.alignment = wrap
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(max(len(bank.columns), 1))}{len(bank) + 1}"
    fixed = dt.datetime(2000, 1, 1)
    book.properties.created = fixed
    book.properties.modified = fixed
    raw = io.BytesIO()
    book.save(raw)
    source = zipfile.ZipFile(io.BytesIO(raw.getvalue()))
    target = io.BytesIO()
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps the save time
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>2000-01-01T00:00:00Z\g<2>",
                    data,
                )
            member = zipfile.ZipInfo(info.filename, date_time=_XLSX_DATE)
            member.compress_type = zipfile.ZIP_DEFLATED
            out.writestr(member, data)
    return target.getvalue()


def _strict_candidates(in_theme: pd.DataFrame, min_words: int, max_words: int) -> list[str]:
    """Agreed participant units of the theme within the word limits, in reading order.

    ``in_theme`` is sorted in reading order and carries the unit's speaker and n_words.
    """
    if "source" not in in_theme:
        return []
    keep = (
        (in_theme["source"] == "agreed")
        & (in_theme["unit_speaker"] == "participant")
        & in_theme["unit_n_words"].between(min_words, max_words)
    )
    return in_theme.loc[keep, "unit_id"].drop_duplicates().tolist()


def _tfidf_vectors(texts: list[str], ids: list[str]) -> tuple[sparse.csr_matrix, dict[str, int]]:
    """L2-normalised TF-IDF rows for ``texts`` (empty matrix when no word survives)."""
    from scipy import sparse  # imported where used: notebooks import this module for its rule text
    from sklearn.feature_extraction.text import TfidfVectorizer

    row_of = {unit_id: i for i, unit_id in enumerate(ids)}
    if not texts:
        return sparse.csr_matrix((0, 0)), row_of
    try:
        matrix = TfidfVectorizer(**_TFIDF_SETTINGS).fit_transform(texts)
    except ValueError:  # empty vocabulary: only stop words or no words at all
        matrix = sparse.csr_matrix((len(texts), 1))
    return sparse.csr_matrix(matrix), row_of


def _typicality(
    candidates: list[str],
    theme_ids: list[str],
    vectors: sparse.csr_matrix,
    row_of: dict[str, int],
) -> np.ndarray:
    """Cosine of each candidate to the centroid of the theme's other units (NaN if undefined).

    The centroid of the others is proportional to S − v (S = the sum of the theme's vectors,
    v = the candidate's own when it is one of them), and a cosine ignores scale, so with
    ``d = v·S``: cos = (d − v·v) / (|v| · |S − v|), |S − v|² = S·S − 2d + v·v.
    """
    scores = np.full(len(candidates), np.nan)
    members = [row_of[u] for u in theme_ids if u in row_of]
    present = [i for i, u in enumerate(candidates) if u in row_of]
    if not members or not present or vectors.shape[1] == 0:
        return scores
    total = np.asarray(vectors[members].sum(axis=0)).ravel()
    own = vectors[[row_of[candidates[i]] for i in present]]
    dot = own @ total
    self_dot = np.asarray(own.multiply(own).sum(axis=1)).ravel()
    member_set = set(theme_ids)
    is_member = np.array([candidates[i] in member_set for i in present])
    numerator = np.where(is_member, dot - self_dot, dot)
    centroid_sq = np.where(is_member, total @ total - 2 * dot + self_dot, total @ total)
    norms = np.sqrt(np.clip(self_dot, 0, None) * np.clip(centroid_sq, 0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        cosines = np.where(norms > 1e-12, numerator / norms, np.nan)
    scores[present] = cosines
    return scores


def _best(candidates: list[str], scores: np.ndarray) -> tuple[str, float]:
    """Highest score, ties (after rounding) and NaN to the earliest candidate."""
    rounded = np.round(np.nan_to_num(scores, nan=-np.inf), SCORE_DECIMALS)
    index = int(np.argmax(rounded))  # argmax returns the first of equal maxima
    return candidates[index], float(scores[index])
