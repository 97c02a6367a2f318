"""Generalized zero-shot learning data in the xlsa17 format (Xian et al., "Zero-Shot Learning - The Good,
the Bad and the Ugly", TPAMI 2018), and the dataset the GZSL models train on.

An xlsa17 folder (CUB, AWA1, AWA2, SUN, APY, or the kit's procedural benchmark) holds two files:
- ``res101.mat``: ``features`` (D x N, one image per column) and ``labels`` (N x 1, 1-based classes);
- ``att_splits.mat``: ``att`` (A x C, one class per column) and the 1-based image indices
  ``trainval_loc``, ``test_seen_loc``, ``test_unseen_loc`` (the test protocol) and ``train_loc``,
  ``val_loc`` (a class-disjoint split of trainval, for choosing hyperparameters).
``load_xlsa17`` reads them into 0-based numpy arrays; ``GZSLFeatures`` scales the features with a
MinMax scaler fitted on the training images and serves batches ``{"x", "c", "labels"}``.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

SPLIT_KEYS = ("trainval_loc", "test_seen_loc", "test_unseen_loc", "train_loc", "val_loc")
SPLITS = ("test", "val")  # which protocol: train on trainval and test on the test split, or train/val


def _mat(path: Path) -> dict:
    from scipy.io import loadmat

    if not path.is_file():
        raise FileNotFoundError(
            f"{path.name} not found in {path.parent}; an xlsa17 folder holds res101.mat and att_splits.mat"
        )
    return loadmat(str(path))


def _key(mat: dict, key: str, path: Path) -> np.ndarray:
    if key not in mat:
        raise ValueError(
            f"{path.name} has no {key!r}; an xlsa17 file holds: "
            f"{'features, labels' if path.name == 'res101.mat' else 'att, ' + ', '.join(SPLIT_KEYS)}"
        )
    return mat[key]


def _names(mat: dict, key: str) -> list[str] | None:
    """A MATLAB cell array of strings (``allclasses_names``) as a list of Python strings."""
    if key not in mat:
        return None
    return [str(np.asarray(cell).reshape(-1)[0]) for cell in np.asarray(mat[key]).reshape(-1)]


def load_xlsa17(folder) -> dict:
    """Read an xlsa17 folder; returns 0-based arrays, each checked against the others' sizes.

    ``features`` (N, D) float32, ``labels`` (N,) int64 in [0, C), ``att`` (C, A) float32, one (n,)
    int64 index array per split key, and ``class_names`` / ``attribute_names`` where the files name them.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"xlsa17 folder not found: {folder}")
    res_path, att_path = folder / "res101.mat", folder / "att_splits.mat"
    res, splits = _mat(res_path), _mat(att_path)
    features = np.asarray(_key(res, "features", res_path), dtype=np.float32)
    if features.ndim != 2:
        raise ValueError(f"'features' in res101.mat must be a 2-D array (D x N), got shape {features.shape}")
    n = features.shape[1]
    labels = np.asarray(_key(res, "labels", res_path)).reshape(-1).astype(np.int64)
    if len(labels) != n:
        raise ValueError(f"'labels' in res101.mat has {len(labels)} entries but 'features' has {n} columns (images)")
    att = np.asarray(_key(splits, "att", att_path), dtype=np.float32)
    if att.ndim != 2:
        raise ValueError(f"'att' in att_splits.mat must be a 2-D array (A x C), got shape {att.shape}")
    num_classes = att.shape[1]
    if labels.min() < 1 or labels.max() > num_classes:
        raise ValueError(
            f"'labels' in res101.mat must be 1-based classes in 1..{num_classes} (the columns of "
            f"'att'), got values {labels.min()}..{labels.max()}"
        )
    data = {"features": np.ascontiguousarray(features.T), "labels": labels - 1, "att": np.ascontiguousarray(att.T)}
    for key in SPLIT_KEYS:
        loc = np.asarray(_key(splits, key, att_path)).reshape(-1).astype(np.int64)
        if len(loc) == 0 or loc.min() < 1 or loc.max() > n:
            span = f"{loc.min()}..{loc.max()}" if len(loc) else "none"
            raise ValueError(
                f"'{key}' in att_splits.mat must hold 1-based image indices in 1..{n} (the images of "
                f"res101.mat), got {span}"
            )
        data[key] = loc - 1
    data["class_names"] = _names(splits, "allclasses_names")
    data["attribute_names"] = _names(splits, "attribute_names")
    return data


def minmax_scale(features: np.ndarray, fit_on: np.ndarray) -> np.ndarray:
    """Scale each feature to [0, 1] over the rows ``fit_on`` (as sklearn's MinMaxScaler); others may leave it."""
    low, high = features[fit_on].min(0), features[fit_on].max(0)
    return (features - low) / np.where(high > low, high - low, 1.0)


class GZSLFeatures:
    """Image features and class attributes of an xlsa17 folder, as the GZSL models see them.

    ``split="test"``: train on ``trainval_loc``; seen test images ``test_seen_loc``, unseen ``test_unseen_loc``.
    ``split="val"``: the honest split for choosing hyperparameters and epochs. The classes of ``val_loc``
    play the unseen classes; one in five images of each ``train_loc`` class (fixed) plays the seen test set.
    With no ``data_dir`` the kit's procedural benchmark is used (generated once, then read from its cache).
    """

    def __init__(
        self, data_dir: str | os.PathLike | None = None, split: str = "test", device: str | torch.device = "cpu"
    ):
        if split not in SPLITS:
            raise ValueError(f"unknown GZSL split {split!r}; choose from: {', '.join(SPLITS)}")
        if data_dir is None:
            from .gzsl_world import procedural_benchmark

            data_dir = procedural_benchmark()
        self.name = "xlsa17" if Path(data_dir).resolve() != _procedural_dir() else "gzsl"
        self.data_dir, self.split = str(data_dir), split
        raw = load_xlsa17(data_dir)
        labels = raw["labels"]
        if split == "test":
            train, test_seen, test_unseen = raw["trainval_loc"], raw["test_seen_loc"], raw["test_unseen_loc"]
        else:
            train, test_seen = _hold_out(raw["train_loc"], labels)
            test_unseen = raw["val_loc"]
        self.seen_classes = np.unique(labels[train])  # (S,) class ids, 0-based columns of att
        self.unseen_classes = np.unique(labels[test_unseen])  # (U,)
        if np.intersect1d(self.seen_classes, self.unseen_classes).size:
            raise ValueError(
                "the unseen test images share classes with the training images; the split is not zero-shot"
            )
        self.features = torch.as_tensor(minmax_scale(raw["features"], train), dtype=torch.float32)  # (N, D)
        self.labels = torch.as_tensor(labels)  # (N,)
        self.attributes = torch.as_tensor(raw["att"])  # (C, A)
        self.train_idx, self.test_seen_idx, self.test_unseen_idx = map(torch.as_tensor, (train, test_seen, test_unseen))
        self.class_names = raw["class_names"] or [f"class {k + 1}" for k in range(len(self.attributes))]
        self.attribute_names = raw["attribute_names"] or [f"attribute {a + 1}" for a in range(self.attributes.shape[1])]
        self.device = torch.device("cpu")
        self.to(device)

    @property
    def dimensions(self) -> dict:
        """The input sizes a model of this data needs (merged into a preset's config by ``train``)."""
        return {
            "feature_dim": self.features.shape[1],
            "attribute_dim": self.attributes.shape[1],
            "num_classes": len(self.attributes),
            "dataset_size": len(self.train_idx),
        }

    def to(self, device) -> GZSLFeatures:
        self.device = torch.device(device)
        self.features, self.attributes = self.features.to(self.device), self.attributes.to(self.device)
        self.labels = self.labels.to(self.device)
        return self

    def __len__(self) -> int:
        return len(self.train_idx)

    def sample(self, batch_size: int, generator: torch.Generator | None = None) -> dict:
        """A batch of training images: features ``x`` (B, D), their class attributes ``c`` (B, A), ``labels`` (B,)."""
        pick = self.train_idx[torch.randint(len(self.train_idx), (batch_size,), generator=generator)].to(self.device)
        labels = self.labels[pick]
        return {"x": self.features[pick], "c": self.attributes[labels], "labels": labels}


def _hold_out(train_loc: np.ndarray, labels: np.ndarray, every: int = 5):
    """Split ``train_loc`` into (training, seen-test) images: every ``every``-th image of each class is held out."""
    held = np.zeros(len(train_loc), dtype=bool)
    for k in np.unique(labels[train_loc]):
        rows = np.flatnonzero(labels[train_loc] == k)
        held[rows[::every]] = True
    return train_loc[~held], train_loc[held]


def _procedural_dir() -> Path:
    from .gzsl_world import cache_dir

    return cache_dir().resolve()
