"""Text helpers shared by stages after cleaning."""

from __future__ import annotations

import numpy as np
import pandas as pd


def strip_text(values: pd.Series) -> pd.Series:
    """``values`` as stripped strings (missing → ""); fast for columns of few distinct values."""
    codes, uniques = pd.factorize(values, use_na_sentinel=False)
    stripped = np.array([("" if pd.isna(v) else str(v)).strip() for v in uniques], dtype=object)
    return pd.Series(stripped[codes] if len(codes) else [], index=values.index, dtype=object)
