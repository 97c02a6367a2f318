"""Leakage of a content-addition model's common code: can a probe tell the two domains apart from it?

A pure function over arrays; measuring a model on faces (transfer, removal, success) is ``evaluation/faces.py``.
"""

from __future__ import annotations

import numpy as np


def domain_probe_accuracy(codes_a: np.ndarray, codes_b: np.ndarray, seed: int = 0) -> float:
    """Held-out accuracy of a logistic regression telling domain A's codes from domain B's (half to fit, half to
    test)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.concatenate([codes_a, codes_b])
    y = np.concatenate([np.zeros(len(codes_a)), np.ones(len(codes_b))])
    order = np.random.default_rng(seed).permutation(len(x))
    fit, test = order[: len(x) // 2], order[len(x) // 2 :]
    probe = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=2000))
    probe.fit(x[fit], y[fit])
    return float(probe.score(x[test], y[test]))
