"""The agreement and reconciliation-report stages: read the files a rule names, write the ones it
asks for.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from qualflow.agreement.counts import REQUIRED_CODING_COLUMNS, REQUIRED_UNIT_COLUMNS
from qualflow.agreement.reconciliation import reconciliation_summary
from qualflow.agreement.report import agreement_report
from qualflow.codebook.read import load_codebook
from qualflow.io import OutputSet, read_table
from qualflow.stage import output_paths

logger = logging.getLogger(__name__)


#: The agreement tables, by the names the rule gives its outputs.
AGREEMENT_OUTPUTS = ("by_code", "by_code_transcript", "summary", "double_coded")


def run_reconciliation_report(
    codings_a_csv: Path,
    codings_b_csv: Path,
    consensus_csv: Path,
    units_csv: Path,
    codebook_yaml: Path,
    out_csv: Path,
    speakers: Sequence[str],
) -> None:
    """Stage entry: write results/reconciliation/summary.csv (:func:`reconciliation_summary`)."""
    codebook = load_codebook(codebook_yaml)
    units = read_table(units_csv, REQUIRED_UNIT_COLUMNS)
    frames = [
        read_table(path, REQUIRED_CODING_COLUMNS)
        for path in (codings_a_csv, codings_b_csv, consensus_csv)
    ]
    table = reconciliation_summary(
        *frames,
        units,
        codebook,
        speakers,
        sources=(codings_a_csv, codings_b_csv, consensus_csv, units_csv),
    )
    with OutputSet() as out:
        out.csv(out_csv, table)


def compare_intervals(by_code: pd.DataFrame) -> dict[str, int | float]:
    """How the per-code bootstrap interval compares with the analytic ones, for prose.

    Over the codes where all are defined: ``n_codes``; ``boot_wider_than_naive`` and
    ``boot_wider_than_cluster``: codes whose bootstrap interval is wider than the Fleiss et al.
    (1969) interval and than the cluster-robust one; ``median_ratio_naive`` and
    ``median_ratio_cluster``: median width ratio bootstrap / analytic.
    """
    boot = by_code["boot_ci_high"] - by_code["boot_ci_low"]
    naive = by_code["kappa_ci_high"] - by_code["kappa_ci_low"]
    robust = by_code["cluster_ci_high"] - by_code["cluster_ci_low"]
    ok = boot.notna() & naive.gt(0) & robust.gt(0)
    return {
        "n_codes": int(ok.sum()),
        "boot_wider_than_naive": int((boot[ok] > naive[ok]).sum()),
        "boot_wider_than_cluster": int((boot[ok] > robust[ok]).sum()),
        "median_ratio_naive": float((boot[ok] / naive[ok]).median()) if ok.any() else np.nan,
        "median_ratio_cluster": float((boot[ok] / robust[ok]).median()) if ok.any() else np.nan,
    }


def run_agreement(
    codings_a_csv: Path,
    codings_b_csv: Path,
    units_csv: Path,
    codebook_yaml: Path,
    outputs: Mapping[str, Path],
    speakers: Sequence[str],
    replicates: int,
    seed: int,
    ci_level: float,
    cluster: str = "participant",
) -> None:
    """Stage entry: read the two coders' codings, units and codebook; write the four tables.

    Writes the four tables of :data:`AGREEMENT_OUTPUTS` to the paths ``outputs`` names, together
    (nothing is written if anything fails).
    """
    paths = output_paths(outputs, AGREEMENT_OUTPUTS)
    paths = output_paths(outputs, AGREEMENT_OUTPUTS)
    codebook = load_codebook(codebook_yaml)
    units = read_table(units_csv, REQUIRED_UNIT_COLUMNS)
    codings_a = read_table(codings_a_csv, REQUIRED_CODING_COLUMNS)
    codings_b = read_table(codings_b_csv, REQUIRED_CODING_COLUMNS)
    tables = agreement_report(
        codings_a,
        codings_b,
        units,
        codebook,
        speakers,
        replicates,
        seed,
        ci_level,
        cluster=cluster,
        sources=(codings_a_csv, codings_b_csv, units_csv),
    )
    with OutputSet() as out:
        for key in AGREEMENT_OUTPUTS:
            out.csv(paths[key], tables[key])
    overall = tables["summary"].query(
        "scope == 'overall' and unit == 'turn' and statistic == 'pooled_kappa'"
    )
    logger.info(
        "agreement: %d double-coded transcripts, %d codes, pooled kappa %s",
        int(tables["double_coded"]["double_coded"].sum()),
        len(codebook),
        "NA" if overall.empty else f"{overall['value'].iloc[0]:.3f}",
    )
