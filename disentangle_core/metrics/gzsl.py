"""Generalized zero-shot scores as pure functions over arrays (Xian et al., TPAMI 2018, section 4.3).

Test images of seen and of unseen classes are classified over seen ∪ unseen. Accuracy is top-1 per
class, averaged over classes (so a large class does not dominate): S on the seen test images, U on the
unseen ones, and their harmonic mean H = 2US / (U + S), which is high only when both are.
Calibrated stacking (Chao et al., ECCV 2016) subtracts a constant from the seen classes' scores, the
simplest control for a classifier's bias towards the classes it was trained on.
"""

from __future__ import annotations

import numpy as np


def per_class_accuracy(predictions, labels) -> float:
    """Top-1 accuracy of each class present in ``labels``, averaged over those classes (in [0, 1])."""
    predictions, labels = np.asarray(predictions), np.asarray(labels)
    if len(labels) == 0:
        raise ValueError("per-class accuracy needs at least one labelled image")
    return float(np.mean([np.mean(predictions[labels == k] == k) for k in np.unique(labels)]))


def harmonic_mean(u: float, s: float) -> float:
    """H = 2US / (U + S); 0 when both are 0."""
    return 0.0 if u + s == 0 else 2 * u * s / (u + s)


def calibrated_stacking(scores, seen_classes, calibration: float) -> np.ndarray:
    """``scores`` (N, C) with ``calibration`` subtracted from the columns of the seen classes."""
    scores = np.array(scores, dtype=np.float64, copy=True)
    scores[:, np.asarray(seen_classes)] -= calibration
    return scores


def gzsl_scores(scores_seen, labels_seen, scores_unseen, labels_unseen, seen_classes, calibration: float = 0.0) -> dict:
    """U, S, H in percent from class scores (N, C) over all classes of the seen and the unseen test images."""
    pred_seen = calibrated_stacking(scores_seen, seen_classes, calibration).argmax(1)
    pred_unseen = calibrated_stacking(scores_unseen, seen_classes, calibration).argmax(1)
    u, s = 100 * per_class_accuracy(pred_unseen, labels_unseen), 100 * per_class_accuracy(pred_seen, labels_seen)
    unseen_classes = np.unique(labels_unseen)
    return {
        "u": u,
        "s": s,
        "h": harmonic_mean(u, s),
        "seen_to_unseen": 100 * float(np.isin(pred_seen, unseen_classes).mean()),
    }


def attribute_compatibility_scores(x_train, labels_train, att, x_test, alpha: float = 1.0) -> np.ndarray:
    """The baseline: ridge regression from features to attributes, scored by cosine with each class's attributes.

    A linear map W (D x A) is fitted on the training images (their targets: their class's attributes);
    a test image scores each class by cos(x W, a_k). Returns (N_test, C).
    """
    x_train, x_test, att = (np.asarray(a, dtype=np.float64) for a in (x_train, x_test, att))
    targets = att[np.asarray(labels_train)]  # (N, A)
    weights = np.linalg.solve(x_train.T @ x_train + alpha * np.eye(x_train.shape[1]), x_train.T @ targets)
    predicted = x_test @ weights  # (N_test, A)
    predicted /= np.linalg.norm(predicted, axis=1, keepdims=True) + 1e-12
    return predicted @ (att / (np.linalg.norm(att, axis=1, keepdims=True) + 1e-12)).T
