"""Tests for qualflow.agreement: each statistic against an independent implementation or a
published worked example (to 1e-9), undefined cases, the cluster bootstrap, and the report."""

from __future__ import annotations

import importlib.util
import json
import re
import warnings
from fractions import Fraction
from pathlib import Path

import krippendorff
import numpy as np
import pandas as pd
import pytest
from irrCAC.raw import CAC
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import cohens_kappa

from qualflow.agreement.bootstrap import (
    bootstrap_draws,
    cluster_bootstrap_counts,
    draws_to_weights,
    percentile_interval,
    resampled_counts,
)
from qualflow.agreement.counts import per_transcript_counts, transcript_level_counts
from qualflow.agreement.reconciliation import reconciliation_summary
from qualflow.agreement.report import SUMMARY_STATISTICS, agreement_report, presence_counts
from qualflow.agreement.run import compare_intervals, run_agreement
from qualflow.agreement.statistics import (
    UNINFORMATIVE,
    cluster_robust_kappa_se,
    cohen_kappa,
    concatenated_kappa,
    degenerate_margins,
    gwet_ac1,
    kappa_standard_error,
    kappa_table,
    krippendorff_alpha,
    landis_koch_band,
    mean_kappa,
    median_kappa,
    nan_quantile,
    no_variation,
    pooled_kappa,
)
from qualflow.codebook.read import load_codebook
from qualflow.contracts import BY_CODE_COLUMNS, DOUBLE_CODED_COLUMNS
from qualflow.errors import InputError

pytestmark = pytest.mark.filterwarnings("error::RuntimeWarning")

REPO = Path(__file__).resolve().parents[1]
TOL = 1e-9


# ----------------------------------------------------------------------------- helpers


def random_tables(seed: int, k: int) -> np.ndarray:
    """k random 2×2 tables (both, a_only, b_only, neither) of varied size and prevalence."""
    rng = np.random.default_rng(seed)
    n = rng.integers(2, 400, size=k)
    prevalence = rng.uniform(0.01, 0.6, size=k)
    agreement = rng.uniform(0.0, 1.0, size=k)
    tables = []
    for size, prev, agree in zip(n, prevalence, agreement, strict=True):
        truth = rng.random(size) < prev
        a = np.where(rng.random(size) < agree, truth, rng.random(size) < prev)
        b = np.where(rng.random(size) < agree, truth, rng.random(size) < prev)
        tables.append([np.sum(a & b), np.sum(a & ~b), np.sum(~a & b), np.sum(~a & ~b)])
    return np.array(tables, dtype=np.int64)


def vectors(table) -> tuple[np.ndarray, np.ndarray]:
    """Unit-level 0/1 decisions of coders A and B that give this 2×2 table."""
    both, a_only, b_only, neither = (int(x) for x in table)
    a = [1] * both + [1] * a_only + [0] * b_only + [0] * neither
    b = [1] * both + [0] * a_only + [1] * b_only + [0] * neither
    return np.array(a), np.array(b)


def as_matrix(table) -> np.ndarray:
    """Rows coder A (yes, no), columns coder B (yes, no)."""
    both, a_only, b_only, neither = table
    return np.array([[both, a_only], [b_only, neither]], dtype=float)


def make_codebook() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "code": ["peer_trust", "shared_story", "role_clarity", "staff_stigma", "workload"],
            "subtheme": ["connection", "connection", "structure", "stigma", "stigma"],
            "category": ["facilitators", "facilitators", "facilitators", "barriers", "barriers"],
        }
    )


def make_study(
    n_participants: int = 10,
    waves: tuple[int, ...] = (1, 2, 3),
    turns: int = 40,
    seed: int = 7,
    miss: float = 0.1,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """A realistic small study: alternating interviewer / participant turns, two coders who see a
    latent truth with misses and false alarms. Returns units, codings_a, codings_b, codebook."""
    rng = np.random.default_rng(seed)
    codebook = make_codebook()
    prevalence = np.array([0.3, 0.2, 0.15, 0.25, 0.1])
    unit_rows, coded = [], {"coder_a": [], "coder_b": []}
    for p in range(n_participants):
        pid = 50001 + p
        for wave in waves:
            tid = f"{pid}_{wave}"
            for turn in range(1, turns + 1):
                speaker = "interviewer" if turn % 2 else "participant"
                uid = f"{tid}:{turn}"
                unit_rows.append(
                    {
                        "unit_id": uid,
                        "transcript_id": tid,
                        "participant_id": pid,
                        "wave": wave,
                        "turn": turn,
                        "speaker": speaker,
                    }
                )
                if speaker == "interviewer":
                    continue
                truth = rng.random(len(prevalence)) < prevalence
                for coder, rows in coded.items():
                    seen = np.where(
                        truth, rng.random(truth.size) > miss, rng.random(truth.size) < 0.03
                    )
                    for code in codebook["code"][seen]:
                        rows.append(
                            {
                                "coder": coder,
                                "unit_id": uid,
                                "transcript_id": tid,
                                "code": code,
                                "memo": "",
                            }
                        )
    units = pd.DataFrame(unit_rows)
    return units, pd.DataFrame(coded["coder_a"]), pd.DataFrame(coded["coder_b"]), codebook


def coding_rows(coder: str, pairs: list[tuple[str, str]]) -> pd.DataFrame:
    """Codings from (unit_id, code) pairs."""
    return pd.DataFrame(
        {
            "coder": coder,
            "unit_id": [u for u, _ in pairs],
            "transcript_id": [u.split(":")[0] for u, _ in pairs],
            "code": [c for _, c in pairs],
            "memo": "",
        }
    )


def tiny_units(transcripts=("50001_1", "50002_1"), turns: int = 6) -> pd.DataFrame:
    rows = []
    for tid in transcripts:
        pid, wave = (int(x) for x in tid.split("_"))
        for turn in range(1, turns + 1):
            rows.append(
                {
                    "unit_id": f"{tid}:{turn}",
                    "transcript_id": tid,
                    "participant_id": pid,
                    "wave": wave,
                    "turn": turn,
                    "speaker": "interviewer" if turn % 2 else "participant",
                }
            )
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------- statistics


def statsmodels_kappa(table: np.ndarray):
    """statsmodels' cohens_kappa; it warns dividing kappa 0 by a null SE of 0 (z-value only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return cohens_kappa(as_matrix(np.asarray(table)))


def test_kappa_and_se_match_statsmodels_and_sklearn_on_random_tables():
    tables = random_tables(seed=1, k=400)
    kappa = cohen_kappa(tables)
    se = kappa_standard_error(tables)
    defined = ~no_variation(tables)
    assert defined.sum() > 350  # the comparison covers most tables
    assert (degenerate_margins(tables) & defined).any()  # ... including a constant coder
    for table, k, s in zip(tables[defined], kappa[defined], se[defined], strict=True):
        result = statsmodels_kappa(table)
        a, b = vectors(table)
        assert abs(k - result.kappa) < TOL
        assert abs(k - cohen_kappa_score(a, b)) < TOL
        # statsmodels leaves rounding noise (±1e-14 variance) where the SE is 0
        assert abs(s - np.sqrt(max(result.var_kappa, 0.0))) < 1e-7
    assert np.isnan(kappa[~defined]).all() and np.isnan(se[~defined]).all()


@pytest.mark.parametrize(
    "table",
    [[4, 26, 0, 0], [0, 0, 5, 25], [0, 30, 0, 0], [3, 0, 27, 0], [0, 7, 0, 23]],
    ids=["A every unit", "A no unit", "A all B none", "B every unit", "B no unit"],
)
def test_one_constant_coder_gives_kappa_zero_like_statsmodels_sklearn_and_irrcac(table):
    row = kappa_table(np.array([table]), coder_names=("ann", "ben")).iloc[0]
    a, b = vectors(np.array(table))
    assert row["kappa"] == 0.0 == cohen_kappa_score(a, b)
    assert statsmodels_kappa(table).kappa == pytest.approx(0.0, abs=TOL)
    # Conger's kappa is Cohen's for two raters
    irr = CAC(pd.DataFrame({"a": a, "b": b}), categories=[0, 1], digits=15).conger()
    assert irr["est"]["coefficient_value"] == pytest.approx(0.0, abs=TOL)
    assert row["kappa_se"] == 0.0 and row["kappa_ci_low"] == row["kappa_ci_high"] == 0.0
    assert "p_o = p_e, so kappa = 0" in row["note"] and row["band"] == "slight"
    # the other statistics stay: there is something to agree on
    assert not row[list(UNINFORMATIVE)].isna().all()


def test_published_kappa_example():
    # 2×2 table [[20, 5], [10, 15]]: kappa 0.4, large-sample SE 0.126996.
    row = kappa_table(np.array([[20, 5, 10, 15]])).iloc[0]
    assert row["kappa"] == pytest.approx(0.4, abs=TOL)
    assert abs(row["kappa_se"] - 0.126996) < 1e-6
    z = 1.959963984540054
    assert row["kappa_ci_low"] == pytest.approx(0.4 - z * row["kappa_se"], abs=TOL)
    assert row["kappa_ci_high"] == pytest.approx(0.4 + z * row["kappa_se"], abs=TOL)
    assert row["percent_agreement"] == pytest.approx(0.7, abs=TOL)
    assert row["pabak"] == pytest.approx(0.4, abs=TOL)
    assert row["ppos"] == pytest.approx(40 / 55, abs=TOL)
    assert row["pneg"] == pytest.approx(30 / 45, abs=TOL)
    assert row["prevalence_index"] == pytest.approx((20 - 15) / 50, abs=TOL)
    assert row["bias_index"] == pytest.approx((5 - 10) / 50, abs=TOL)
    assert row["band"] == "fair" and row["note"] == ""


def test_alpha_matches_krippendorff_package_on_random_tables():
    tables = random_tables(seed=2, k=200)
    alpha = krippendorff_alpha(tables)
    for table, value in zip(tables, alpha, strict=True):
        a, b = vectors(table)
        if len(set(a) | set(b)) < 2:  # one value only: the package refuses, we give NaN
            assert np.isnan(value)
            continue
        expected = krippendorff.alpha(reliability_data=[a, b], level_of_measurement="nominal")
        assert abs(value - expected) < TOL


def test_alpha_published_binary_example():
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", section A (binary data,
    # two observers, no missing data): coincidences o00 = 10, o01 = o10 = 4, o11 = 2, so
    # alpha = 1 - 19 * 4 / (14 * 6) = 0.095.
    a = np.array([0, 1, 0, 0, 0, 0, 0, 0, 1, 0])
    b = np.array([1, 1, 1, 0, 0, 1, 0, 0, 0, 0])
    table = [np.sum((a == 1) & (b == 1)), np.sum((a == 1) & (b == 0))]
    table += [np.sum((a == 0) & (b == 1)), np.sum((a == 0) & (b == 0))]
    value = float(krippendorff_alpha(np.array(table)))
    assert round(value, 3) == 0.095
    assert value == pytest.approx(1 - 19 * 4 / (14 * 6), abs=TOL)
    # The vectors quoted in the brief (1 1 0 0 0 0 0 0 0 0 / 0 1 1 0 0 1 0 0 0 0) have
    # o01 = 3, n0 = 15, n1 = 5 and so alpha = 1 - 19*3/75 = 0.24, not 0.095.
    quoted = np.array([[1, 1, 2, 6]])  # both, a_only, b_only, neither
    assert float(krippendorff_alpha(quoted)[0]) == pytest.approx(1 - 19 * 3 / 75, abs=TOL)
    qa, qb = vectors(quoted[0])
    assert krippendorff.alpha(reliability_data=[qa, qb], level_of_measurement="nominal") == (
        pytest.approx(0.24, abs=TOL)
    )


def test_ac1_matches_irrcac_on_random_tables():
    tables = random_tables(seed=3, k=60)
    ac1 = gwet_ac1(tables)
    for table, value in zip(tables, ac1, strict=True):
        a, b = vectors(table)
        result = CAC(pd.DataFrame({"a": a, "b": b}), categories=[0, 1], digits=15).gwet()
        assert abs(value - result["est"]["coefficient_value"]) < TOL


def test_ac1_high_agreement_paradox_example_by_exact_arithmetic():
    # The kappa paradox Gwet (2008) sets out to resolve: 118 of 125 units coded "yes" by both,
    # 5 + 2 disagreements, none "no" by both. Expected values in exact rational arithmetic:
    # p_o = 118/125, pi = (123/125 + 120/125)/2, p_e = 2 pi (1 - pi).
    table = np.array([118, 5, 2, 0])
    p_o = Fraction(118, 125)
    pi = (Fraction(123, 125) + Fraction(120, 125)) / 2
    p_e = 2 * pi * (1 - pi)
    expected_ac1 = (p_o - p_e) / (1 - p_e)
    k_pe = Fraction(123, 125) * Fraction(120, 125) + Fraction(2, 125) * Fraction(5, 125)
    expected_kappa = (p_o - k_pe) / (1 - k_pe)
    assert float(gwet_ac1(table)) == pytest.approx(float(expected_ac1), abs=TOL)
    assert float(cohen_kappa(table)) == pytest.approx(float(expected_kappa), abs=TOL)
    assert round(float(expected_ac1), 4) == 0.9408 and round(float(expected_kappa), 4) == -0.0234
    a, b = vectors(table)
    irr = CAC(pd.DataFrame({"a": a, "b": b}), categories=[0, 1], digits=15).gwet()
    assert irr["est"]["coefficient_value"] == pytest.approx(float(expected_ac1), abs=TOL)


def test_landis_koch_bands():
    kappa = np.array([-0.1, 0.0, 0.2, 0.21, 0.4, 0.6, 0.8, 0.81, 1.0, np.nan])
    assert list(landis_koch_band(kappa)) == [
        "poor",
        "slight",
        "slight",
        "fair",
        "fair",
        "moderate",
        "substantial",
        "almost perfect",
        "almost perfect",
        "",
    ]


def test_pooled_concatenated_mean_median_against_hand_computation():
    tables = np.array([[20, 5, 10, 15], [3, 2, 1, 44], [0, 0, 0, 50], [6, 4, 2, 38]])
    p_o = [(a + d) / 50 for a, _, _, d in tables]
    p_e = [((a + b) * (a + c) + (c + d) * (b + d)) / 2500 for a, b, c, d in tables]
    hand = (np.mean(p_o) - np.mean(p_e)) / (1 - np.mean(p_e))
    assert float(pooled_kappa(tables)) == pytest.approx(hand, abs=TOL)
    # A code neither coder used adds 1 to both means and leaves pooled kappa unchanged.
    assert float(pooled_kappa(tables[[0, 1, 3]])) == pytest.approx(hand, abs=TOL)
    stacked = tables.sum(axis=0)
    assert float(concatenated_kappa(tables)) == pytest.approx(
        cohens_kappa(as_matrix(stacked)).kappa, abs=TOL
    )
    defined = [cohens_kappa(as_matrix(t)).kappa for t in tables[[0, 1, 3]]]
    assert float(mean_kappa(tables)) == pytest.approx(np.mean(defined), abs=TOL)
    assert float(median_kappa(tables)) == pytest.approx(np.median(defined), abs=TOL)
    # Vectorised over replicates: (R, C, 4) → (R,)
    stack = np.stack([tables, tables[::-1]])
    assert np.allclose(pooled_kappa(stack), [hand, hand], atol=TOL)


def test_undefined_cases_give_nan_and_a_note_without_warnings():
    tables = np.array(
        [
            [0, 0, 0, 30],  # neither coder used the code
            [30, 0, 0, 0],  # both applied it to every unit
            [4, 26, 0, 0],  # coder A applied it to every unit, B varied
            [0, 0, 5, 25],  # coder A never applied it, B varied
            [0, 30, 0, 0],  # A everywhere, B nowhere
            [0, 0, 0, 0],  # zero units
            [5, 2, 3, 20],  # an ordinary code
        ]
    )
    table = kappa_table(tables, coder_names=("ann", "ben"))
    assert table["kappa"].isna().tolist() == [True, True, False, False, False, True, False]
    assert table["kappa_se"].isna().tolist() == [True, True, False, False, False, True, False]
    assert table.loc[[2, 3, 4], "kappa"].tolist() == [0.0, 0.0, 0.0]
    notes = table["note"].tolist()
    assert notes[0].startswith("neither coder applied this code")
    assert np.isnan(table.at[0, "alpha"]) and np.isnan(table.at[0, "ppos"])
    # no silent perfect agreement: nothing that would read 1.0 for an unused code
    for i in (0, 1, 5):
        assert table.loc[i, list(UNINFORMATIVE)].isna().all(), i
    assert "uninformative" in notes[0] and "uninformative" in notes[1]
    assert notes[1].startswith("both coders applied the code to every unit")
    assert np.isnan(table.at[1, "pneg"]) and np.isnan(table.at[1, "alpha"])
    assert notes[2].startswith("ann applied the code to every unit; p_o = p_e, so kappa = 0")
    assert not np.isnan(table.at[2, "alpha"]) and not np.isnan(table.at[2, "ac1"])
    assert notes[3].startswith("ann applied the code to no unit; p_o = p_e")
    assert "ben applied the code to no unit" in notes[4]
    assert notes[5].startswith("no units to compare")
    assert table.loc[5, ["percent_agreement", "ac1", "pabak", "alpha"]].isna().all()
    assert notes[6] == "" and table.at[6, "band"] != ""
    assert table["band"].tolist() == ["", "", "slight", "slight", "slight", "", "moderate"]


def test_nan_quantile_matches_numpy():
    rng = np.random.default_rng(4)
    values = rng.normal(size=(101, 7))
    values[rng.random(values.shape) < 0.2] = np.nan
    values[:, 3] = np.nan
    for q in (0.025, 0.5, 0.975):
        ours = nan_quantile(values, q, axis=0)
        with pytest.warns(RuntimeWarning):
            expected = np.nanpercentile(values, 100 * q, axis=0)
        assert np.allclose(ours, expected, atol=1e-12, equal_nan=True)


# ----------------------------------------------------------------------------- counts, bootstrap


def test_per_transcript_counts_match_dense_tally():
    rng = np.random.default_rng(5)
    unit_transcript = np.sort(rng.integers(0, 6, size=200))
    dense_a = rng.random((200, 4)) < 0.3
    dense_b = rng.random((200, 4)) < 0.3
    ua, ca = np.nonzero(dense_a)
    ub, cb = np.nonzero(dense_b)
    # duplicated coding rows count once
    applied_a = (np.concatenate([ua, ua[:10]]), np.concatenate([ca, ca[:10]]))
    counts = per_transcript_counts(unit_transcript, 6, 4, applied_a, (ub, cb))
    for t in range(6):
        rows = unit_transcript == t
        a, b = dense_a[rows], dense_b[rows]
        expected = np.stack([(a & b).sum(0), (a & ~b).sum(0), (~a & b).sum(0), (~a & ~b).sum(0)], 1)
        assert np.array_equal(counts[t], expected)
    level = transcript_level_counts(counts)
    assert np.array_equal(level.sum(axis=(0, 2)), np.full(4, 6))
    a_any = (counts[..., 0] + counts[..., 1]) > 0
    b_any = (counts[..., 0] + counts[..., 2]) > 0
    assert np.array_equal(level[..., 0] == 1, a_any & b_any)
    assert np.array_equal(level[..., 3] == 1, ~a_any & ~b_any)


def test_vectorised_replicate_equals_sklearn_on_the_same_resampled_rows():
    rng = np.random.default_rng(6)
    sizes = rng.integers(5, 40, size=12)
    unit_transcript = np.repeat(np.arange(12), sizes)
    dense_a = rng.random((unit_transcript.size, 5)) < 0.3
    dense_b = np.where(rng.random(dense_a.shape) < 0.8, dense_a, rng.random(dense_a.shape) < 0.3)
    counts = per_transcript_counts(unit_transcript, 12, 5, np.nonzero(dense_a), np.nonzero(dense_b))
    draws = bootstrap_draws(12, 25, np.random.default_rng(99))
    boot = resampled_counts(counts, draws_to_weights(draws, 12))
    kappa = cohen_kappa(boot)
    # transcripts, not turns, are resampled: n varies between replicates
    assert len(set(boot[:, 0].sum(axis=-1))) > 1
    for r, drawn in enumerate(draws):
        rows = np.concatenate([np.flatnonzero(unit_transcript == t) for t in drawn])
        for c in range(5):
            expected = cohen_kappa_score(dense_a[rows, c], dense_b[rows, c])
            assert abs(kappa[r, c] - expected) < TOL
    # cluster_bootstrap_counts draws the same way from the same seed
    again = cluster_bootstrap_counts(counts, 25, np.random.default_rng(99))
    assert np.array_equal(again, boot)


def test_bootstrap_is_deterministic_and_contains_the_estimate():
    units, a, b, codebook = make_study()
    first = agreement_report(a, b, units, codebook, replicates=300, seed=11)
    second = agreement_report(a, b, units, codebook, replicates=300, seed=11)
    for key in first:
        pd.testing.assert_frame_equal(first[key], second[key])
    other = agreement_report(a, b, units, codebook, replicates=300, seed=12)
    assert not np.allclose(first["by_code"]["boot_ci_low"], other["by_code"]["boot_ci_low"])
    by_code = first["by_code"]
    assert by_code["kappa"].notna().all()
    assert (by_code["boot_ci_low"] <= by_code["kappa"]).all()
    assert (by_code["kappa"] <= by_code["boot_ci_high"]).all()
    assert (by_code["boot_ci_low"] < by_code["boot_ci_high"]).all()
    summary = first["summary"].dropna(subset=["value"])
    turn = summary[summary["unit"] == "turn"]
    assert len(turn) == 5 * (1 + 3 + 2 + 3)  # overall, 3 subthemes, 2 categories, 3 waves
    assert ((turn["boot_ci_low"] <= turn["value"]) & (turn["value"] <= turn["boot_ci_high"])).all()


def test_bootstrap_interval_collapses_with_one_transcript():
    units, a, b, codebook = make_study(n_participants=1, waves=(1,))
    report = agreement_report(a, b, units, codebook, replicates=200, seed=3)
    by_code = report["by_code"].dropna(subset=["kappa"])
    assert len(by_code) > 0
    assert np.allclose(by_code["boot_ci_low"], by_code["kappa"], atol=TOL)
    assert np.allclose(by_code["boot_ci_high"], by_code["kappa"], atol=TOL)
    assert by_code["note"].str.contains("one participant: the bootstrap interval collapses").all()


def test_report_boot_interval_uses_the_cluster_bootstrap_of_the_seed():
    units, a, b, codebook = make_study(n_participants=4, waves=(1, 2))
    report = agreement_report(
        a, b, units, codebook, replicates=150, seed=5, ci_level=0.9, cluster="transcript"
    )
    scope = units[units["speaker"] == "participant"]
    transcripts = list(dict.fromkeys(scope["transcript_id"]))
    unit_transcript = pd.Index(transcripts).get_indexer(scope["transcript_id"])
    row = pd.Index(scope["unit_id"])
    code = pd.Index(codebook["code"])

    def applied(frame):
        keep = frame["unit_id"].isin(row)
        f = frame[keep]
        return row.get_indexer(f["unit_id"]), code.get_indexer(f["code"])

    counts = per_transcript_counts(unit_transcript, len(transcripts), 5, applied(a), applied(b))
    boot = cluster_bootstrap_counts(counts, 150, np.random.default_rng(5))
    low, high, _ = percentile_interval(cohen_kappa(boot), 0.9)
    assert np.allclose(report["by_code"]["boot_ci_low"], low, atol=TOL)
    assert np.allclose(report["by_code"]["boot_ci_high"], high, atol=TOL)
    z = 1.6448536269514722
    by_code = report["by_code"]
    assert np.allclose(by_code["kappa_ci_high"] - by_code["kappa"], z * by_code["kappa_se"])


# ----------------------------------------------------------------------------- report scope


def test_report_restricted_to_double_coded_transcripts_and_speakers():
    units = tiny_units(("50001_1", "50002_1", "50003_2"))
    codebook = make_codebook()
    a = coding_rows(
        "coder_a",
        [
            ("50001_1:2", "peer_trust"),
            ("50001_1:4", "peer_trust"),
            ("50001_1:1", "workload"),  # interviewer turn
            ("50002_1:2", "peer_trust"),
            ("50002_1:6", "staff_stigma"),
            ("50003_2:2", "peer_trust"),  # coder B never coded 50003_2
        ],
    )
    b = coding_rows(
        "coder_b",
        [
            ("50001_1:2", "peer_trust"),
            ("50001_1:6", "peer_trust"),
            ("50002_1:2", "role_clarity"),
            ("50002_1:6", "staff_stigma"),
            ("50002_1:6", "staff_stigma"),  # duplicate row counts once
        ],
    )
    report = agreement_report(a, b, units, codebook, replicates=50, seed=1)
    double = report["double_coded"]
    assert list(double.columns) == DOUBLE_CODED_COLUMNS
    assert double["transcript_id"].tolist() == ["50001_1", "50002_1", "50003_2"]
    assert double["double_coded"].tolist() == [True, True, False]
    assert double["coded_by_a"].tolist() == [True, True, True]
    by_code = report["by_code"].set_index("code")
    assert (by_code["n_units"] == 6).all()  # 3 participant turns × 2 double-coded transcripts
    assert by_code.loc["peer_trust", ["both", "a_only", "b_only", "neither"]].tolist() == [
        1,
        2,
        1,
        2,
    ]
    assert by_code.loc["workload", ["both", "a_only", "b_only", "neither"]].tolist() == [0, 0, 0, 6]
    assert by_code.loc["staff_stigma", "both"] == 1
    # transcript level: did each coder apply the code anywhere in the transcript?
    by_t = report["by_code_transcript"].set_index("code")
    assert (by_t["n_units"] == 2).all()
    assert by_t.loc["peer_trust", ["both", "a_only", "b_only", "neither"]].tolist() == [1, 1, 0, 0]
    assert by_t.loc["role_clarity", ["both", "a_only", "b_only", "neither"]].tolist() == [
        0,
        0,
        1,
        1,
    ]
    assert "coder_a applied the code to no transcript" in by_t.loc["role_clarity", "note"]
    # interviewer turns count once asked for
    both = agreement_report(
        a, b, units, codebook, speakers=("participant", "interviewer"), replicates=0
    )["by_code"].set_index("code")
    assert (both["n_units"] == 12).all()
    assert both.loc["workload", "a_only"] == 1
    assert both["boot_ci_low"].isna().all()


def test_report_with_no_double_coded_transcript_is_all_nan_with_notes():
    units = tiny_units()
    codebook = make_codebook()
    a = coding_rows("coder_a", [("50001_1:2", "peer_trust")])
    b = coding_rows("coder_b", [("50002_1:2", "peer_trust")])
    report = agreement_report(a, b, units, codebook, replicates=20)
    by_code = report["by_code"]
    assert (by_code["n_units"] == 0).all()
    assert by_code["kappa"].isna().all() and by_code["percent_agreement"].isna().all()
    assert by_code["note"].str.startswith("no units to compare").all()
    summary = report["summary"]
    assert summary["value"].isna().all()
    assert summary["note"].str.startswith("no ").all()
    assert not report["double_coded"]["double_coded"].any()


def test_report_rows_and_columns_follow_the_file_contract():
    docs = (REPO / "docs" / "files.md").read_text(encoding="utf-8")

    def documented(file_name: str) -> list[str]:
        line = next(x for x in docs.splitlines() if x.startswith(f"| `{file_name}`"))
        cell = line.split("|", 2)[2]
        return re.findall(r"`([^`]+)`", re.sub(r"\([^)]*\)", "", cell))

    units, a, b, codebook = make_study(n_participants=3)
    report = agreement_report(a, b, units, codebook, replicates=30)
    assert list(report["by_code"].columns) == documented("agreement_by_code.csv")
    assert list(report["by_code_transcript"].columns) == documented("agreement_by_code.csv")
    assert list(report["summary"].columns) == documented("agreement_summary.csv")
    assert list(report["double_coded"].columns) == documented("double_coded.csv")
    assert report["by_code"]["code"].tolist() == codebook["code"].tolist()
    summary = report["summary"]
    assert summary["scope"].unique().tolist() == ["overall", "subtheme", "category", "wave"]
    assert summary["unit"].unique().tolist() == [
        "turn",
        "transcript",
        "subtheme_turn",
        "presence",
    ]
    assert set(summary["cluster"]) == {"participant"} and set(summary["n_clusters"]) == {3}
    assert set(summary["statistic"]) == set(SUMMARY_STATISTICS)
    subthemes = summary.loc[summary["scope"] == "subtheme", "group"].unique().tolist()
    assert subthemes == ["connection", "structure", "stigma"]
    assert summary.loc[summary["scope"] == "wave", "group"].unique().tolist() == ["1", "2", "3"]


def test_summary_values_match_building_blocks():
    units, a, b, codebook = make_study(n_participants=4)
    report = agreement_report(a, b, units, codebook, replicates=40)
    by_code = report["by_code"]
    counts = by_code[["both", "a_only", "b_only", "neither"]].to_numpy()
    summary = report["summary"].set_index(["scope", "group", "unit", "statistic"]).sort_index()
    overall = summary.loc[("overall", "all", "turn")]
    assert overall.loc["pooled_kappa", "value"] == pytest.approx(float(pooled_kappa(counts)))
    assert overall.loc["mean_kappa", "value"] == pytest.approx(by_code["kappa"].mean())
    assert overall.loc["median_kappa", "value"] == pytest.approx(by_code["kappa"].median())
    assert overall.loc["pooled_kappa", "n_units"] == by_code["n_units"].iloc[0]
    stigma = codebook["subtheme"] == "stigma"
    assert summary.loc[("subtheme", "stigma", "turn", "concatenated_kappa"), "value"] == (
        pytest.approx(float(concatenated_kappa(counts[stigma.to_numpy()])))
    )
    wave_1 = units[(units["wave"] == 1) & (units["speaker"] == "participant")]
    assert summary.loc[("wave", "1", "turn", "pooled_kappa"), "n_units"] == len(wave_1)
    assert summary.loc[("wave", "1", "transcript", "pooled_kappa"), "n_units"] == 4


def test_subtheme_and_presence_agreement_match_a_dense_recount_with_sklearn():
    units, a, b, codebook = make_study(n_participants=5, turns=8, miss=0.3)
    report = agreement_report(a, b, units, codebook, replicates=20)
    summary = report["summary"].set_index(["scope", "group", "unit", "statistic"]).sort_index()
    double = set(a["transcript_id"]) & set(b["transcript_id"])
    turns = units[(units["speaker"] == "participant") & units["transcript_id"].isin(double)]
    sub = dict(zip(codebook["code"], codebook["subtheme"], strict=True))
    checked = 0
    for name in ["connection", "structure", "stigma"]:
        marks = {}
        for coder, frame in (("a", a), ("b", b)):
            hit = set(frame.loc[frame["code"].map(sub) == name, "unit_id"])
            marks[coder] = turns["unit_id"].isin(hit).to_numpy()
        row = summary.loc[("subtheme", name, "subtheme_turn")]
        assert row.loc["pooled_kappa", "value"] == pytest.approx(
            cohen_kappa_score(marks["a"], marks["b"]), abs=TOL
        )
        both = (marks["a"] & marks["b"]).sum()
        ppos = 2 * both / (marks["a"].sum() + marks["b"].sum())
        assert row.loc["positive_agreement", "value"] == pytest.approx(ppos, abs=TOL)
        # presence: participant × wave, was the subtheme raised anywhere in the interview
        frame = turns.assign(a=marks["a"], b=marks["b"])
        present = frame.groupby(["participant_id", "wave"])[["a", "b"]].any()
        row = summary.loc[("subtheme", name, "presence")]
        assert row.loc["pooled_kappa", "n_units"] == len(present) > 10
        if len(np.unique(present.to_numpy())) > 1:  # someone varied: kappa is not 0/0
            expected = cohen_kappa_score(present["a"], present["b"])
            assert row.loc["pooled_kappa", "value"] == pytest.approx(expected, abs=TOL)
            checked += 1
        pboth = (present["a"] & present["b"]).sum()
        assert row.loc["positive_agreement", "value"] == pytest.approx(
            2 * pboth / (present["a"].sum() + present["b"].sum()), abs=TOL
        )
    assert checked >= 2


def test_presence_counts_merge_the_transcripts_of_one_participant_wave():
    # two transcripts of one participant-wave: A used the subtheme in the first, B in the second
    counts = np.array([[[0, 1, 0, 3]], [[0, 0, 1, 2]], [[0, 0, 0, 4]]])
    presence, n_units = presence_counts(counts, np.array([0, 0, 1]))
    assert presence[:, 0].tolist() == [[1, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1]]
    assert n_units.tolist() == [1, 0, 1]


def test_participant_bootstrap_resamples_participants_with_all_their_waves():
    units, a, b, codebook = make_study(n_participants=6, waves=(1, 2, 3), turns=20)
    report = agreement_report(a, b, units, codebook, replicates=120, seed=8)
    transcript = agreement_report(
        a, b, units, codebook, replicates=120, seed=8, cluster="transcript"
    )
    scope = units[units["speaker"] == "participant"]
    transcripts = list(dict.fromkeys(scope["transcript_id"]))
    person = pd.factorize(pd.Series(transcripts).str.split("_").str[0])[0]
    unit_transcript = pd.Index(transcripts).get_indexer(scope["transcript_id"])
    row, code = pd.Index(scope["unit_id"]), pd.Index(codebook["code"])

    def applied(frame):
        f = frame[frame["unit_id"].isin(row)]
        return row.get_indexer(f["unit_id"]), code.get_indexer(f["code"])

    counts = per_transcript_counts(unit_transcript, len(transcripts), 5, applied(a), applied(b))
    draws = bootstrap_draws(6, 120, np.random.default_rng(8))  # participants, not transcripts
    weights = draws_to_weights(draws, 6)[:, person]
    low, high, _ = percentile_interval(cohen_kappa(resampled_counts(counts, weights)), 0.95)
    assert np.allclose(report["by_code"]["boot_ci_low"], low, atol=TOL)
    assert np.allclose(report["by_code"]["boot_ci_high"], high, atol=TOL)
    assert (report["by_code"]["n_clusters"] == 6).all()
    assert (transcript["by_code"]["n_clusters"] == 18).all()
    assert not np.allclose(report["by_code"]["boot_ci_low"], transcript["by_code"]["boot_ci_low"])
    assert report["summary"]["note"].str.contains(r"only 6 participants \(< 30\)").any()
    with pytest.raises(ValueError, match="cluster must be one of"):
        agreement_report(a, b, units, codebook, replicates=0, cluster="site")


def _clustered_study(rng, n_studies, n_clusters, size, strong):
    """Clustered 2×2 counts (S, K, 4): a latent truth each coder sees with misses (sensitivity)
    and false alarms (.05). Weak clustering: prevalence .3 and coder B's sensitivity .85
    everywhere. Strong: each cluster has its own prevalence (Beta(.5, 1.2)) and coder B's
    sensitivity varies by cluster (uniform .4 to 1), as when a participant talks unclearly."""
    shape = (n_studies, n_clusters, 1)
    prevalence = rng.beta(0.5, 1.2, size=shape) if strong else np.full(shape, 0.3)
    sensitivity = rng.uniform(0.4, 1.0, size=shape) if strong else 0.85
    truth = rng.random((n_studies, n_clusters, size)) < prevalence
    a = np.where(truth, rng.random(truth.shape) < 0.9, rng.random(truth.shape) < 0.05)
    b = np.where(truth, rng.random(truth.shape) < sensitivity, rng.random(truth.shape) < 0.05)
    cells = [a & b, a & ~b, ~a & b, ~a & ~b]
    return np.stack([cell.sum(axis=-1) for cell in cells], axis=-1)


@pytest.mark.parametrize("strong", [False, True], ids=["weak clustering", "strong clustering"])
def test_cluster_robust_kappa_se_matches_a_brute_force_simulation(strong):
    # 3000 simulated studies of 40 clusters × 25 units: the SD of kappa-hat over studies is the
    # true sampling SE; the mean cluster-robust SE must match it within 10 %, whether the
    # clustering is weak or strong (where the naive SE is far too small).
    rng = np.random.default_rng(2014)
    counts = _clustered_study(rng, 3000, 40, 25, strong)
    kappa = cohen_kappa(counts.sum(axis=1))
    robust = cluster_robust_kappa_se(counts, axis=1)
    naive = kappa_standard_error(counts.sum(axis=1))
    ok = np.isfinite(kappa) & np.isfinite(robust)
    assert ok.mean() > 0.99
    truth = kappa[ok].std(ddof=1)
    assert robust[ok].mean() == pytest.approx(truth, rel=0.10)
    if strong:
        assert naive[ok].mean() < 0.8 * truth  # ignoring clustering understates the SE
    else:
        assert naive[ok].mean() == pytest.approx(truth, rel=0.10)
    # a Wald interval from it covers the true kappa (the mean over studies) about 95 % of times
    centre = kappa[ok].mean()
    covered = np.abs(kappa[ok] - centre) <= 1.959963984540054 * robust[ok]
    assert 0.92 < covered.mean() < 0.975


def test_cluster_robust_se_with_singleton_clusters_is_close_to_fleiss():
    counts = np.repeat(np.eye(4, dtype=int), [20, 5, 10, 15], axis=0)  # 50 one-unit clusters
    robust = float(cluster_robust_kappa_se(counts))
    fleiss = float(kappa_standard_error(counts.sum(axis=0)))
    assert robust == pytest.approx(fleiss, rel=0.03)
    # a constant coder: kappa 0 in every sample, SE 0; one cluster: NaN
    constant = np.array([[3, 2, 0, 0], [1, 4, 0, 0], [2, 2, 0, 0]])
    assert float(cluster_robust_kappa_se(constant)) == 0.0
    assert np.isnan(cluster_robust_kappa_se(np.array([[3, 1, 2, 4]])))


def test_reconciliation_summary_against_a_dense_recount():
    units, a, b, codebook = make_study(n_participants=4, waves=(1, 2), turns=20, miss=0.3)
    # a consensus: everything both agreed on, plus every other solo coding of coder A
    both = a.merge(b[["unit_id", "code"]], on=["unit_id", "code"])
    solo_a = a.merge(b[["unit_id", "code"]], on=["unit_id", "code"], how="left", indicator=True)
    solo_a = solo_a[solo_a["_merge"] == "left_only"].iloc[::2].drop(columns="_merge")
    consensus = pd.concat([both, solo_a], ignore_index=True)
    table = reconciliation_summary(a, b, consensus, units, codebook)
    value = table.set_index(["section", "who", "statistic"])["value"]
    turns = units[units["speaker"] == "participant"]["unit_id"].tolist()
    codes = codebook["code"].tolist()

    def dense(frame):
        hit = set(zip(frame["unit_id"], frame["code"], strict=True))
        return np.array([[(u, c) in hit for c in codes] for u in turns])

    da, db, dc = dense(a), dense(b), dense(consensus)
    pooled = np.array(
        [[(x & y).sum(), (x & ~y).sum(), (~x & y).sum(), (~x & ~y).sum()] for x, y in
         zip(da.T, dc.T, strict=True)]
    )  # fmt: skip
    assert value[("coder_vs_consensus", "coder_a", "pooled_kappa")] == pytest.approx(
        float(pooled_kappa(pooled)), abs=TOL
    )
    assert value[("coder_vs_consensus", "coder_a", "upheld")] == (da & dc).sum()
    assert value[("solo_codings", "coder_a", "solo")] == (da & ~db).sum()
    assert value[("solo_codings", "coder_a", "solo_upheld")] == len(solo_a)
    assert value[("solo_codings", "coder_b", "solo_upheld")] == 0
    any_a, any_b = da.any(axis=1), db.any(axis=1)
    who = "coder_a vs coder_b"
    assert value[("split", who, "code_turn_kappa")] == pytest.approx(
        cohen_kappa_score(any_a, any_b), abs=TOL
    )
    shared = any_a & any_b
    exact = (da[shared] == db[shared]).all(axis=1).mean()
    assert value[("split", who, "which_code_exact")] == pytest.approx(exact, abs=TOL)
    assert table.loc[table["statistic"] == "which_code_kappa", "n_units"].item() == shared.sum()


def test_compare_intervals_counts_wider_bootstrap_intervals():
    by_code = pd.DataFrame(
        {
            "kappa_ci_low": [0.5, 0.5, 0.5, np.nan],
            "kappa_ci_high": [0.7, 0.7, 0.7, np.nan],
            "cluster_ci_low": [0.4, 0.45, 0.5, np.nan],
            "cluster_ci_high": [0.8, 0.75, 0.7, np.nan],
            "boot_ci_low": [0.45, 0.55, 0.4, 0.1],
            "boot_ci_high": [0.75, 0.65, 0.7, 0.2],
        }
    )
    widths = compare_intervals(by_code)
    assert widths["n_codes"] == 3
    assert widths["boot_wider_than_naive"] == 2  # widths .3 and .3 > .2; .1 is not
    assert widths["boot_wider_than_cluster"] == 1  # .3 < .4, .1 < .3, .3 > .2
    assert widths["median_ratio_naive"] == pytest.approx(1.5)


# ----------------------------------------------------------------------------- errors, stage


def test_bad_codings_raise_input_error_naming_the_row():
    units = tiny_units()
    codebook = make_codebook()
    good = coding_rows("coder_b", [("50001_1:2", "peer_trust")])
    unknown_code = coding_rows("coder_a", [("50001_1:2", "peer_trust"), ("50001_1:4", "nope")])
    with pytest.raises(InputError, match="code 'nope' is not in the codebook") as err:
        agreement_report(unknown_code, good, units, codebook, replicates=0)
    assert err.value.row == 3
    unknown_unit = coding_rows("coder_a", [("50001_1:99", "peer_trust")])
    with pytest.raises(InputError, match="not in units.csv") as err:
        agreement_report(unknown_unit, good, units, codebook, replicates=0)
    assert err.value.row == 2
    wrong = coding_rows("coder_a", [("50001_1:2", "peer_trust")])
    wrong["transcript_id"] = "50002_1"
    with pytest.raises(InputError, match="belongs to transcript '50001_1'"):
        agreement_report(good, wrong, units, codebook, replicates=0)


CODEBOOK_YAML = """\
categories:
  - name: facilitators
    subthemes:
      - name: connection
        codes:
          - name: peer_trust
          - name: shared_story
      - name: structure
        codes:
          - name: role_clarity
  - name: barriers
    subthemes:
      - name: stigma
        codes:
          - name: staff_stigma
          - name: workload
"""


#: The agreement rule's outputs (workflow/rules/agreement.smk), by name.
AGREEMENT_FILES = {
    "by_code": "agreement_by_code.csv",
    "by_code_transcript": "agreement_by_code_transcript.csv",
    "summary": "agreement_summary.csv",
    "double_coded": "double_coded.csv",
}


def outputs_in(folder):
    return {key: folder / name for key, name in AGREEMENT_FILES.items()}


def test_run_agreement_writes_the_four_files_or_nothing(tmp_path):
    units, a, b, _ = make_study(n_participants=3, waves=(1, 2))
    paths = {name: tmp_path / f"{name}.csv" for name in ("units", "coder_a", "coder_b")}
    units.to_csv(paths["units"], index=False)
    a.to_csv(paths["coder_a"], index=False)
    b.to_csv(paths["coder_b"], index=False)
    codebook_yaml = tmp_path / "codebook.yaml"
    codebook_yaml.write_text(CODEBOOK_YAML, encoding="utf-8")
    out = tmp_path / "agreement"
    args = (paths["coder_a"], paths["coder_b"], paths["units"], codebook_yaml, outputs_in(out))
    run_agreement(*args, speakers=["participant"], replicates=50, seed=2, ci_level=0.95)
    assert sorted(p.name for p in out.iterdir()) == sorted(AGREEMENT_FILES.values())
    by_code = pd.read_csv(out / "agreement_by_code.csv", float_precision="round_trip")
    assert list(by_code.columns) == BY_CODE_COLUMNS
    direct = agreement_report(a, b, units, load_codebook(codebook_yaml), replicates=50, seed=2)
    assert np.allclose(by_code["kappa"], direct["by_code"]["kappa"], atol=0, rtol=0)
    assert np.allclose(by_code["boot_ci_low"], direct["by_code"]["boot_ci_low"], atol=0, rtol=0)
    first = (out / "agreement_summary.csv").read_bytes()
    run_agreement(*args, speakers=["participant"], replicates=50, seed=2, ci_level=0.95)
    assert (out / "agreement_summary.csv").read_bytes() == first

    bad = a.copy()
    bad.loc[len(bad) - 1, "code"] = "not_a_code"
    bad.to_csv(paths["coder_a"], index=False)
    empty = tmp_path / "empty"
    with pytest.raises(InputError) as err:
        run_agreement(
            paths["coder_a"], paths["coder_b"], paths["units"], codebook_yaml, outputs_in(empty),
            speakers=["participant"], replicates=10, seed=2, ci_level=0.95,
        )  # fmt: skip
    assert err.value.file == str(paths["coder_a"]) and err.value.row == len(bad) + 1
    assert not empty.exists() or not any(empty.iterdir())


def test_benchmark_quick_run(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "bench_agreement", REPO / "benchmarks" / "bench_agreement.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "agreement.json"
    results = module.main(
        ["--quick", "--codes", "4", "--units", "600", "--transcripts", "12", "--replicates", "20",
         "--budget", "0.2", "--out", str(out)]
    )  # fmt: skip
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["check"]["values_match"] is True
    assert saved["check"]["report_boot_ci_matches_draws"] is True
    assert saved["naive"]["replicates_run"] >= 1
    assert results["config"]["codes"] == 4
