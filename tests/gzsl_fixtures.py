"""A tiny xlsa17 folder in the real format, shared by the GZSL data and model tests."""

import numpy as np
from scipy.io import savemat


def write_xlsa17(folder, *, features=None, labels=None, att=None, drop=(), **overrides):
    """A tiny xlsa17 folder: 6 classes (4 seen, 2 unseen), 5 images each, 8-d features; 1-based indices."""
    rng = np.random.default_rng(0)
    labels = np.repeat(np.arange(1, 7), 5) if labels is None else labels
    features = rng.random((8, len(labels))).astype(np.float32) * 3 if features is None else features
    att = rng.random((4, 6)) if att is None else att
    seen = labels <= 4
    image = np.arange(1, len(labels) + 1)
    test_seen = seen & (image % 5 == 0)
    splits = {
        "att": att,
        "trainval_loc": image[seen & ~test_seen][:, None],
        "test_seen_loc": image[test_seen][:, None],
        "test_unseen_loc": image[~seen][:, None],
        "train_loc": image[seen & ~test_seen & (labels <= 3)][:, None],
        "val_loc": image[seen & ~test_seen & (labels == 4)][:, None],
        "allclasses_names": np.array([[f"class{k}"] for k in range(6)], dtype=object),
    }
    splits.update(overrides)
    folder.mkdir(parents=True, exist_ok=True)
    savemat(folder / "res101.mat", {"features": features, "labels": labels[:, None]})
    savemat(folder / "att_splits.mat", {k: v for k, v in splits.items() if k not in drop})
    return folder
