"""The xlsa17 loader on files written in the real format, on the real AWA2 split file, and the procedural benchmark."""

import numpy as np
import pytest
import torch
from scipy.io import loadmat, savemat

from disentangle_core.data import GZSLFeatures, load_xlsa17, make_dataset
from disentangle_core.data.gzsl import minmax_scale
from gzsl_fixtures import write_xlsa17


def test_loader_reads_the_format_with_0_based_indices(tmp_path):
    folder = write_xlsa17(tmp_path / "toy")
    raw = load_xlsa17(folder)
    assert raw["features"].shape == (30, 8) and raw["att"].shape == (6, 4)
    assert raw["labels"].min() == 0 and raw["labels"].max() == 5
    assert raw["test_unseen_loc"].min() == 20 and raw["class_names"][:2] == ["class0", "class1"]
    np.testing.assert_array_equal(raw["features"][3], loadmat(folder / "res101.mat")["features"][:, 3])


def test_minmax_scaling_is_fitted_on_the_training_images(tmp_path):
    data = GZSLFeatures(write_xlsa17(tmp_path / "toy"))
    train = data.features[data.train_idx]
    assert torch.allclose(train.min(0).values, torch.zeros(8)) and torch.allclose(train.max(0).values, torch.ones(8))
    from sklearn.preprocessing import MinMaxScaler

    raw = load_xlsa17(tmp_path / "toy")["features"]
    oracle = MinMaxScaler().fit(raw[data.train_idx.numpy()]).transform(raw)
    np.testing.assert_allclose(minmax_scale(raw, data.train_idx.numpy()), oracle, atol=1e-6)
    assert list(data.seen_classes) == [0, 1, 2, 3] and list(data.unseen_classes) == [4, 5]


def test_batches_pair_each_image_with_its_class_attributes(tmp_path):
    data = make_dataset("gzsl", data_dir=str(write_xlsa17(tmp_path / "toy")))
    batch = data.sample(16, torch.Generator().manual_seed(0))
    assert batch["x"].shape == (16, 8) and batch["c"].shape == (16, 4)
    assert torch.equal(batch["c"], data.attributes[batch["labels"]])
    assert set(batch["labels"].tolist()) <= {0, 1, 2, 3}  # training images are seen-class images only
    assert data.name == "xlsa17" and data.dimensions["feature_dim"] == 8


def test_the_validation_split_holds_out_val_classes_as_unseen(tmp_path):
    data = GZSLFeatures(write_xlsa17(tmp_path / "toy"), split="val")
    assert list(data.seen_classes) == [0, 1, 2] and list(data.unseen_classes) == [3]
    assert not set(data.train_idx.tolist()) & set(data.test_seen_idx.tolist())


@pytest.mark.parametrize(
    "change, message",
    [
        ({"drop": ("att",)}, "att_splits.mat has no 'att'"),
        ({"drop": ("val_loc",)}, "att_splits.mat has no 'val_loc'; an xlsa17 file holds: att, trainval_loc"),
        (
            {"test_unseen_loc": np.array([[0], [3]])},
            r"'test_unseen_loc' in att_splits.mat must hold 1-based image indices in 1..30",
        ),
        ({"trainval_loc": np.array([[31]])}, r"must hold 1-based image indices in 1..30 .*got 31..31"),
        ({"att": np.ones((4, 6, 2))}, r"'att' in att_splits.mat must be a 2-D array \(A x C\), got shape \(4, 6, 2\)"),
    ],
)
def test_bad_split_files_get_one_sentence(tmp_path, change, message):
    with pytest.raises(ValueError, match=message):
        load_xlsa17(write_xlsa17(tmp_path / "bad", **change))


def test_bad_feature_files_get_one_sentence(tmp_path):
    with pytest.raises(ValueError, match=r"'labels' in res101.mat has 29 entries but 'features' has 30 columns"):
        load_xlsa17(
            write_xlsa17(
                tmp_path / "a", labels=np.repeat(np.arange(1, 7), 5)[:29], features=np.zeros((8, 30), np.float32)
            )
        )
    with pytest.raises(ValueError, match=r"'labels' in res101.mat must be 1-based classes in 1..6"):
        load_xlsa17(write_xlsa17(tmp_path / "b", labels=np.repeat(np.arange(0, 6), 5)))
    with pytest.raises(FileNotFoundError, match="res101.mat not found"):
        (tmp_path / "c").mkdir()
        load_xlsa17(tmp_path / "c")


@pytest.mark.slow
def test_the_real_awa2_split_file_loads_with_matching_features(tmp_path, shared_data):
    """AWA2's real att_splits.mat (85 attributes x 50 classes, indices into 37,322 images) with a fake res101.mat."""
    split_file = shared_data / "xlsa17" / "AWA2" / "att_splits.mat"
    if not split_file.is_file():
        pytest.skip(f"{split_file} not found")
    splits = loadmat(split_file)
    n = 37_322
    labels = np.zeros(n, dtype=np.int64)  # every image gets a class consistent with its split
    seen = np.concatenate([splits["trainval_loc"].ravel(), splits["test_seen_loc"].ravel()]) - 1
    unseen = splits["test_unseen_loc"].ravel() - 1
    labels[:] = 1
    labels[unseen] = 50  # a stand-in unseen class; the real labels live in the missing res101.mat
    folder = tmp_path / "AWA2"
    folder.mkdir()
    savemat(
        folder / "res101.mat",
        {"features": np.random.default_rng(0).random((4, n), dtype=np.float32), "labels": labels[:, None]},
    )
    (folder / "att_splits.mat").symlink_to(split_file)
    raw = load_xlsa17(folder)
    assert raw["att"].shape == (50, 85) and len(raw["class_names"]) == 50 and raw["class_names"][0] == "antelope"
    assert raw["trainval_loc"].max() < n and len(raw["trainval_loc"]) == 23_527 and len(seen) > len(unseen)
    np.testing.assert_allclose(np.linalg.norm(raw["att"], axis=1), 1.0, rtol=1e-4)  # columns are L2-normalised
    data = GZSLFeatures(folder)
    assert data.dimensions == {"feature_dim": 4, "attribute_dim": 85, "num_classes": 50, "dataset_size": 23_527}


def test_procedural_benchmark_is_deterministic_and_in_the_xlsa17_format(tmp_path):
    from disentangle_core.data.gzsl_world import ATTRIBUTE_NAMES, NUM_CLASSES, NUM_UNSEEN, generate

    a = load_xlsa17(generate(tmp_path / "a", images_per_class=5, epochs=1))
    b = load_xlsa17(generate(tmp_path / "b", images_per_class=5, epochs=1))
    np.testing.assert_array_equal(a["features"], b["features"])
    assert a["att"].shape == (NUM_CLASSES, len(ATTRIBUTE_NAMES)) and NUM_CLASSES >= 40 and len(ATTRIBUTE_NAMES) >= 20
    assert len(np.unique(a["labels"][a["test_unseen_loc"]])) == NUM_UNSEEN >= 10
    assert not set(a["labels"][a["test_unseen_loc"]]) & set(a["labels"][a["trainval_loc"]])
    assert a["attribute_names"][0] == "colour: red" and "(" in a["class_names"][0]
