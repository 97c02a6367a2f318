"""Mutual information between latents and factors, and the Mutual Information Gap (MIG).

Codes are (N, D) arrays (one row per image, the encoder means), factors are (N, K) integer classes.
Every number here follows google-research/disentanglement_lib (``evaluation/metrics/mig.py`` and
``utils.py``): each latent is cut into 20 equal-width bins over its observed range, and mutual
information is scikit-learn's ``mutual_info_score`` between bins and classes, in nats.
Chen et al., "Isolating Sources of Disentanglement in VAEs", NeurIPS 2018 (MIG, section 5).
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import mutual_info_score

NUM_BINS = 20  # disentanglement_lib's histogram_discretizer.num_bins for MIG


def _check_pair(codes, factors) -> tuple[np.ndarray, np.ndarray]:
    codes, factors = np.asarray(codes), np.asarray(factors)
    if codes.ndim != 2 or factors.ndim != 2 or len(codes) != len(factors):
        raise ValueError(
            f"expected codes (N, D) and factors (N, K) with the same N, got {codes.shape} and {factors.shape}"
        )
    return codes, factors


def discretize(codes, num_bins: int = NUM_BINS) -> np.ndarray:
    """(N, D) real codes -> (N, D) integer bins 1..num_bins, equal-width over each latent's range.

    As disentanglement_lib: ``np.digitize(c, np.histogram(c, num_bins)[1][:-1])`` per latent.
    A constant latent falls into a single bin, so it carries no information.
    """
    codes = np.asarray(codes, dtype=np.float64)
    bins = np.empty(codes.shape, dtype=np.int64)
    for d in range(codes.shape[1]):
        edges = np.histogram(codes[:, d], num_bins)[1][:-1]  # left edges of the num_bins bins
        bins[:, d] = np.digitize(codes[:, d], edges)
    return bins


def discrete_entropy(factors) -> np.ndarray:
    """(N, K) classes -> (K,) entropy of each factor in nats (the MI of a factor with itself)."""
    factors = np.asarray(factors)
    return np.array([mutual_info_score(factors[:, k], factors[:, k]) for k in range(factors.shape[1])])


def mutual_info_matrix(codes, factors, num_bins: int = NUM_BINS) -> np.ndarray:
    """(D, K) mutual information in nats between each discretised latent and each factor.

    The matrix behind MIG and the latent x factor heatmaps.
    """
    codes, factors = _check_pair(codes, factors)
    bins = discretize(codes, num_bins)
    return np.array(
        [[mutual_info_score(factors[:, k], bins[:, d]) for k in range(factors.shape[1])] for d in range(codes.shape[1])]
    )


def mig(codes, factors, num_bins: int = NUM_BINS) -> float:
    """Mutual Information Gap: for each factor, (top MI - second MI) / H(factor), averaged over factors.

    Near 1 when every factor is captured by exactly one latent, 0 when the top two latents tie
    (a duplicated latent) or no latent carries information. disentanglement_lib evaluates it on
    10,000 samples of encoder means. Note that a factor with more classes than ``num_bins``
    (dSprites' orientation: 40, posX/posY: 32) cannot reach 1 even for a perfect code.
    """
    codes, factors = _check_pair(codes, factors)
    if codes.shape[1] < 2:
        raise ValueError(f"MIG compares the two most informative latents, so it needs at least 2, got {codes.shape[1]}")
    entropy = discrete_entropy(factors)  # (K,)
    if (entropy == 0).any():
        constant = [k for k in range(len(entropy)) if entropy[k] == 0]
        raise ValueError(
            f"factor column(s) {constant} take a single value in this sample; MIG needs every factor to vary"
        )
    mi = np.sort(mutual_info_matrix(codes, factors, num_bins), axis=0)[::-1]  # (D, K), largest first
    return float(np.mean((mi[0] - mi[1]) / entropy))
