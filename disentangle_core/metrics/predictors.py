"""Scores read off classifiers that predict each factor from the code: DCI and SAP.

Both train on one sample of (codes, factor classes) and test on a second, independent one; in
google-research/disentanglement_lib (``dci.py``, ``sap_score.py``) these hold 10,000 and 5,000 points.
- DCI (Eastwood & Williams, ICLR 2018): a gradient-boosted tree classifier per factor gives the
  importance of every latent; disentanglement = each latent matters for one factor only,
  completeness = each factor is read from one latent only, informativeness = the trees' accuracy.
- SAP (Kumar et al., ICLR 2018): a linear SVM per (latent, factor) pair; the score is the gap in
  accuracy between the best and the second best latent of each factor, averaged over factors.
"""

from __future__ import annotations

import warnings

import numpy as np
import scipy.stats
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.svm import LinearSVC

BOOSTING_STAGES = 100  # scikit-learn's default n_estimators, as disentanglement_lib uses it


def _check_split(train_codes, train_factors, test_codes, test_factors):
    arrays = [np.asarray(a) for a in (train_codes, train_factors, test_codes, test_factors)]
    train_codes, train_factors, test_codes, test_factors = arrays
    if (
        any(a.ndim != 2 for a in arrays)
        or len(train_codes) != len(train_factors)
        or len(test_codes) != len(test_factors)
        or train_codes.shape[1] != test_codes.shape[1]
        or train_factors.shape[1] != test_factors.shape[1]
    ):
        raise ValueError(
            "expected train and test codes (N, D) with factors (N, K) of matching sizes, got "
            f"{[a.shape for a in arrays]}"
        )
    return arrays


def gbt_importance(
    train_codes, train_factors, test_codes, test_factors, random_state: int = 0, boosting_stages: int = BOOSTING_STAGES
) -> tuple[np.ndarray, float, float]:
    """(D, K) importance of each latent for each factor, and the mean train / test accuracy.

    One ``GradientBoostingClassifier`` per factor (scikit-learn defaults otherwise); its
    ``feature_importances_`` form a column of the matrix.
    """
    train_codes, train_factors, test_codes, test_factors = _check_split(
        train_codes, train_factors, test_codes, test_factors
    )
    num_latents, num_factors = train_codes.shape[1], train_factors.shape[1]
    importance = np.zeros((num_latents, num_factors))
    train_acc, test_acc = [], []
    for k in range(num_factors):
        trees = GradientBoostingClassifier(n_estimators=boosting_stages, random_state=random_state)
        trees.fit(train_codes, train_factors[:, k])
        importance[:, k] = np.abs(trees.feature_importances_)
        train_acc.append(np.mean(trees.predict(train_codes) == train_factors[:, k]))
        test_acc.append(np.mean(trees.predict(test_codes) == test_factors[:, k]))
    return importance, float(np.mean(train_acc)), float(np.mean(test_acc))


def dci_disentanglement(importance: np.ndarray) -> float:
    """Sum over latents of (1 - entropy of its importance over factors, base K), weighted by its share."""
    per_latent = 1.0 - scipy.stats.entropy(importance.T + 1e-11, base=importance.shape[1])  # (D,)
    if importance.sum() == 0:
        importance = np.ones_like(importance)  # nothing is important: weigh latents equally (score 0)
    return float(np.sum(per_latent * importance.sum(1) / importance.sum()))


def dci_completeness(importance: np.ndarray) -> float:
    """Sum over factors of (1 - entropy of its importance over latents, base D), weighted by its share."""
    per_factor = 1.0 - scipy.stats.entropy(importance + 1e-11, base=importance.shape[0])  # (K,)
    if importance.sum() == 0:
        importance = np.ones_like(importance)
    return float(np.sum(per_factor * importance.sum(0) / importance.sum()))


def dci(
    train_codes, train_factors, test_codes, test_factors, random_state: int = 0, boosting_stages: int = BOOSTING_STAGES
) -> dict:
    """DCI disentanglement, completeness and informativeness (train and test accuracy of the trees)."""
    importance, train_acc, test_acc = gbt_importance(
        train_codes, train_factors, test_codes, test_factors, random_state, boosting_stages
    )
    return {
        "disentanglement": dci_disentanglement(importance),
        "completeness": dci_completeness(importance),
        "informativeness_train": train_acc,
        "informativeness_test": test_acc,
    }


def sap_matrix(train_codes, train_factors, test_codes, test_factors, random_state: int = 0) -> np.ndarray:
    """(D, K) test accuracy of a 1-D linear SVM predicting factor k from latent d alone.

    ``LinearSVC(C=0.01, class_weight="balanced")`` as in disentanglement_lib (discrete factors).
    A constant latent gets the accuracy of a constant guess.
    """
    train_codes, train_factors, test_codes, test_factors = _check_split(
        train_codes, train_factors, test_codes, test_factors
    )
    scores = np.zeros((train_codes.shape[1], train_factors.shape[1]))
    with warnings.catch_warnings():
        # liblinear often stops at max_iter on a single feature; the accuracy is what is scored
        warnings.simplefilter("ignore", ConvergenceWarning)
        for d in range(train_codes.shape[1]):
            for k in range(train_factors.shape[1]):
                svm = LinearSVC(C=0.01, class_weight="balanced", random_state=random_state)
                svm.fit(train_codes[:, d : d + 1], train_factors[:, k])
                scores[d, k] = np.mean(svm.predict(test_codes[:, d : d + 1]) == test_factors[:, k])
    return scores


def sap(train_codes, train_factors, test_codes, test_factors, random_state: int = 0) -> float:
    """SAP score: mean over factors of (best - second best) latent accuracy in ``sap_matrix``."""
    scores = np.sort(sap_matrix(train_codes, train_factors, test_codes, test_factors, random_state), axis=0)
    return float(np.mean(scores[-1] - scores[-2]))
