"""Categorical accuracy of an unsupervised code: how well its categories find the labels, up to renaming.

A model trained without labels (InfoGAN's Cat(10) code, JointVAE's categorical latent) may call the
digit 3 "category 7"; what matters is whether each category holds one digit. The categories are
matched one-to-one to the labels so that the most points agree (the Hungarian algorithm, maximising the
trace of the category x label contingency matrix), and accuracy is the fraction of points whose matched
label is their true one. Chen et al., "InfoGAN", NeurIPS 2016, section 7.1 (5% error on MNIST).
"""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment


def _check_ids(values, name: str) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim != 1 or not np.issubdtype(values.dtype, np.integer) or (values < 0).any():
        raise ValueError(
            f"{name} must be a 1-D array of non-negative integer ids, got dtype {values.dtype} and shape {values.shape}"
        )
    return values.astype(np.int64)


def hungarian_accuracy(predicted, labels, num_classes: int | None = None) -> dict:
    """Accuracy of (N,) predicted categories against (N,) labels after the best one-to-one renaming.

    Categories and labels share one range ``0 .. num_classes - 1`` (default: the largest id seen + 1).
    Returns
      ``accuracy``: float in [0, 1]; 1.0 for any permutation of the labels, about 1/num_classes at random;
      ``mapping``: list, ``mapping[category] = label`` it is matched to;
      ``confusion``: nested list (num_classes x num_classes) of counts, rows = true label, columns =
        predicted label after the mapping, so a perfect code is diagonal and ``accuracy = trace / N``.
    A code with more categories than there are labels is handled by the same one-to-one rule: give
    ``num_classes`` = the number of categories, and the points of categories left matched to a label
    that never occurs count as errors (their columns of ``confusion`` hold them, their rows are zero).
    """
    predicted, labels = _check_ids(predicted, "predicted"), _check_ids(labels, "labels")
    if len(predicted) != len(labels) or len(labels) == 0:
        raise ValueError(
            f"predicted and labels must be non-empty and of the same length, got {len(predicted)} and {len(labels)}"
        )
    largest = int(max(predicted.max(), labels.max()))
    if num_classes is None:
        num_classes = largest + 1
    elif largest >= num_classes:
        raise ValueError(
            f"an id of {largest} does not fit num_classes={num_classes}; categories and labels "
            f"must lie in 0..{num_classes - 1} (pass the number of categories if it is larger)"
        )
    contingency = np.zeros((num_classes, num_classes), dtype=np.int64)  # (category, label) counts
    np.add.at(contingency, (predicted, labels), 1)
    categories, matched = linear_sum_assignment(contingency, maximize=True)  # a permutation of 0..K-1
    mapping = np.empty(num_classes, dtype=np.int64)
    mapping[categories] = matched
    confusion = np.zeros((num_classes, num_classes), dtype=np.int64)  # (true label, mapped label)
    np.add.at(confusion, (labels, mapping[predicted]), 1)
    return {
        "accuracy": float(np.trace(confusion) / len(labels)),
        "mapping": mapping.tolist(),
        "confusion": confusion.tolist(),
    }
