"""A statistic of digit sweeps: how a continuous code's value follows a property read from the pixels.

The model-facing side (reading categories, sweeping codes, the digits evaluation) is
``evaluation/digits.py``; here only the function over arrays.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import spearmanr


def within_sweep_spearman(values: np.ndarray, measured: np.ndarray) -> float:
    """Spearman ρ of a code's value with a property over sweeps (starts, steps), each sweep centred on
    its own mean, so that differences between starting codes (another digit, another width) do not count."""
    centred = measured - measured.mean(axis=1, keepdims=True)
    if np.ptp(centred) == 0 or np.ptp(values) == 0:  # a constant: no correlation to speak of
        return 0.0
    return float(spearmanr(values.reshape(-1), centred.reshape(-1)).statistic)
