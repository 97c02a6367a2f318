"""MNIST from IDX files: the parser, the folder layouts, the splits, and one-sentence errors for bad files."""

import gzip

import numpy as np
import pytest
import torch

from disentangle_core.data import (
    DATASETS,
    MNISTDigits,
    ProceduralDigits,
    find_idx_files,
    heldout_sample,
    make_dataset,
    read_idx,
)
from disentangle_core.data.digit_fonts import FACTOR_RANGES, FONTS, NEUTRAL
from disentangle_core.data.digits import ASSETS_DIR, HELDOUT_SAMPLE, IDX_IMAGES, IDX_LABELS, build_heldout_sample


def idx_bytes(array: np.ndarray) -> bytes:
    """The IDX encoding: big-endian magic, one big-endian size per dimension, then the uint8 values."""
    magic = IDX_IMAGES if array.ndim == 3 else IDX_LABELS
    header = magic.to_bytes(4, "big") + b"".join(int(n).to_bytes(4, "big") for n in array.shape)
    return header + array.astype(np.uint8).tobytes()


def write_idx(path, array, gz: bool):
    data = idx_bytes(array)
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def fake_digits(n, seed=0):
    rng = np.random.RandomState(seed)
    return rng.randint(256, size=(n, 28, 28)).astype(np.uint8), rng.randint(10, size=n).astype(np.uint8)


def write_pair(folder, prefix, n, seed=0, gz=True):
    folder.mkdir(parents=True, exist_ok=True)
    images, labels = fake_digits(n, seed)
    ext = ".gz" if gz else ""
    write_idx(folder / f"{prefix}-images-idx3-ubyte{ext}", images, gz)
    write_idx(folder / f"{prefix}-labels-idx1-ubyte{ext}", labels, gz)
    return images, labels


def one_sentence_naming(info, name):
    message = str(info.value)
    assert name in message, message
    assert len(message.splitlines()) == 1, message


# ---- the IDX parser -----------------------------------------------------------------------------------


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_round_trips_images_and_labels(tmp_path, gz):
    images, labels = fake_digits(7)
    assert np.array_equal(read_idx(write_idx(tmp_path / "a-images-idx3-ubyte", images, gz)), images)
    out = read_idx(write_idx(tmp_path / "a-labels-idx1-ubyte", labels, gz))
    assert out.dtype == np.uint8 and out.shape == (7,) and np.array_equal(out, labels)


def test_gzip_is_detected_by_its_magic_bytes_not_its_name(tmp_path):
    images, _ = fake_digits(3)
    path = tmp_path / "x-images-idx3-ubyte"  # no .gz, but gzipped
    path.write_bytes(gzip.compress(idx_bytes(images)))
    assert np.array_equal(read_idx(path), images)


@pytest.mark.parametrize("gz", [False, True])
def test_truncated_file_is_one_sentence_naming_it(tmp_path, gz):
    images, _ = fake_digits(5)
    data = idx_bytes(images)
    data = gzip.compress(data)[:-40] if gz else data[:-100]
    path = tmp_path / "cut-images-idx3-ubyte"
    path.write_bytes(data)
    with pytest.raises(ValueError) as info:
        read_idx(path)
    one_sentence_naming(info, str(path))


def test_file_longer_than_its_header_says_and_header_cut_are_errors(tmp_path):
    images, _ = fake_digits(2)
    long_path = tmp_path / "long-images-idx3-ubyte"
    long_path.write_bytes(idx_bytes(images) + b"\0")
    short_path = tmp_path / "short-images-idx3-ubyte"
    short_path.write_bytes(idx_bytes(images)[:10])
    for path in (long_path, short_path):
        with pytest.raises(ValueError) as info:
            read_idx(path)
        one_sentence_naming(info, str(path))


@pytest.mark.parametrize(
    "content", [b"PK\x03\x04 not idx at all", b"\x00\x00\x08\x02" + b"\0" * 16, b"", b"\x1f\x8bgarbage"]
)
def test_bad_magic_or_bad_gzip_is_one_sentence_naming_the_file(tmp_path, content):
    path = tmp_path / "bad-images-idx3-ubyte.gz"
    path.write_bytes(content)
    with pytest.raises(ValueError) as info:
        read_idx(path)
    one_sentence_naming(info, "bad-images-idx3-ubyte.gz")


# ---- finding and pairing files ------------------------------------------------------------------------


def test_find_idx_files_pairs_by_prefix_and_prefers_uncompressed(tmp_path):
    write_pair(tmp_path, "train", 4, gz=True)
    write_pair(tmp_path, "train", 4, gz=False)  # torchvision keeps both the .gz and the extracted file
    write_pair(tmp_path, "t10k", 2, gz=True)
    (tmp_path / "README.txt").write_text("not idx")
    pairs = find_idx_files(tmp_path)
    assert [(images.name, labels.name) for images, labels in pairs] == [
        ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"),
        ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    ]


def test_find_idx_files_looks_into_a_torchvision_root(tmp_path):
    write_pair(tmp_path / "MNIST" / "raw", "train", 3)
    assert [i.name for i, _ in find_idx_files(tmp_path)] == ["train-images-idx3-ubyte.gz"]


def test_missing_folder_empty_folder_and_unpaired_file_are_one_sentence(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        find_idx_files(tmp_path / "nowhere")
    one_sentence_naming(info, "nowhere")
    with pytest.raises(FileNotFoundError) as info:
        find_idx_files(tmp_path)
    one_sentence_naming(info, str(tmp_path))
    assert "images-idx3-ubyte" in str(info.value)
    images, _ = fake_digits(2)
    write_idx(tmp_path / "lonely-images-idx3-ubyte", images, gz=False)
    with pytest.raises(FileNotFoundError) as info:
        find_idx_files(tmp_path)
    one_sentence_naming(info, "lonely-images-idx3-ubyte")


# ---- splits ---------------------------------------------------------------------------------------------


def test_single_pair_keeps_its_last_heldout_digits_for_test(tmp_path):
    images, labels = write_pair(tmp_path, "mnist-test-first50", 50)
    train = MNISTDigits(tmp_path, split="train", heldout=20)
    test = MNISTDigits(tmp_path, split="test", heldout=20)
    both = MNISTDigits(tmp_path, split="all")
    assert (len(train), len(test), len(both)) == (30, 20, 50)
    assert torch.equal(train.images, torch.from_numpy(images[:30]))
    assert torch.equal(test.images, torch.from_numpy(images[30:]))
    assert torch.equal(both.labels, torch.from_numpy(labels.astype(np.int64)))
    assert train.images.dtype == torch.uint8 and train.labels.dtype == torch.int64
    with pytest.raises(ValueError) as info:
        MNISTDigits(tmp_path, heldout=50)
    one_sentence_naming(info, "heldout")


@pytest.mark.parametrize("prefix, role, other", [("t10k", "test", "train"), ("train", "train", "test")])
def test_a_single_pair_is_all_of_the_split_its_files_name(tmp_path, prefix, role, other):
    images, _ = write_pair(tmp_path, prefix, 2000)  # exactly 2,000 digits: every one of them, not a cut
    assert torch.equal(MNISTDigits(tmp_path, split=role).images, torch.from_numpy(images))
    with pytest.raises(ValueError) as info:
        MNISTDigits(tmp_path, split=other)
    one_sentence_naming(info, f"holds only {role} digits")


def test_evaluation_measures_every_digit_of_a_test_pair(tmp_path):
    from disentangle_core.evaluation.digits import held_out_digits

    write_pair(tmp_path, "t10k", 2000)
    data, source = held_out_digits(tmp_path)
    assert data["x"].shape == (2000, 1, 28, 28) and "2,000 digits" in source


def test_evaluation_reads_the_first_training_digits_to_choose_on(tmp_path):
    from disentangle_core.evaluation.counts import TRAIN_DIGITS
    from disentangle_core.evaluation.digits import held_out_digits

    images, labels = write_pair(tmp_path, "train", TRAIN_DIGITS["quick"] + 7)
    data, source = held_out_digits(tmp_path, split="train", counts="quick")
    assert data["x"].shape == (TRAIN_DIGITS["quick"], 1, 28, 28) and "first 500 MNIST training digits" in source
    assert torch.equal(data["labels"], torch.from_numpy(labels[: TRAIN_DIGITS["quick"]].astype(np.int64)))
    with pytest.raises(ValueError) as info:  # a train pair has no test digits, and no procedural stand-in
        held_out_digits(tmp_path)
    one_sentence_naming(info, "holds only train digits")
    with pytest.raises(ValueError) as info:
        held_out_digits(tmp_path, split="val")
    one_sentence_naming(info, "'val'")


def test_torchvision_layout_splits_by_file(tmp_path):
    train_images, _ = write_pair(tmp_path / "MNIST" / "raw", "train", 12, seed=1, gz=False)
    test_images, test_labels = write_pair(tmp_path / "MNIST" / "raw", "t10k", 5, seed=2)
    train, test = MNISTDigits(tmp_path, "train"), MNISTDigits(tmp_path, "test")
    both = MNISTDigits(tmp_path, "all", heldout=999)  # heldout is unused when the files split
    assert (len(train), len(test), len(both)) == (12, 5, 17)
    assert torch.equal(train.images, torch.from_numpy(train_images))
    assert torch.equal(test.labels, torch.from_numpy(test_labels.astype(np.int64)))
    assert torch.equal(both.images[12:], torch.from_numpy(test_images))


def test_unknown_split_and_ambiguous_folder_are_one_sentence(tmp_path):
    write_pair(tmp_path, "a", 4)
    with pytest.raises(ValueError) as info:
        MNISTDigits(tmp_path, split="val")
    one_sentence_naming(info, "'val'")
    write_pair(tmp_path, "b", 4)
    with pytest.raises(ValueError) as info:
        MNISTDigits(tmp_path)
    one_sentence_naming(info, str(tmp_path))


def test_count_mismatch_names_both_files(tmp_path):
    images, labels = fake_digits(6)
    write_idx(tmp_path / "x-images-idx3-ubyte.gz", images, gz=True)
    write_idx(tmp_path / "x-labels-idx1-ubyte.gz", labels[:5], gz=True)
    with pytest.raises(ValueError) as info:
        MNISTDigits(tmp_path, heldout=1)
    one_sentence_naming(info, "x-images-idx3-ubyte.gz")
    assert "x-labels-idx1-ubyte.gz" in str(info.value)


def test_swapped_files_and_labels_out_of_range_are_one_sentence(tmp_path):
    images, labels = fake_digits(6)
    write_idx(tmp_path / "x-images-idx3-ubyte", labels, gz=False)  # a labels file under an images name
    write_idx(tmp_path / "x-labels-idx1-ubyte", labels, gz=False)
    with pytest.raises(ValueError) as info:
        MNISTDigits(tmp_path, heldout=1)
    one_sentence_naming(info, "x-images-idx3-ubyte")
    write_idx(tmp_path / "x-images-idx3-ubyte", images, gz=False)
    write_idx(tmp_path / "x-labels-idx1-ubyte", labels + 10, gz=False)
    with pytest.raises(ValueError) as info:
        MNISTDigits(tmp_path, heldout=1)
    one_sentence_naming(info, "x-labels-idx1-ubyte")


def test_default_folder_comes_from_the_environment(tmp_path, monkeypatch):
    write_pair(tmp_path, "env", 10)
    monkeypatch.setenv("DIGITS_DATA_DIR", str(tmp_path))
    assert len(MNISTDigits(heldout=4)) == 6


def test_no_folder_anywhere_says_to_pass_data_dir(monkeypatch):
    monkeypatch.delenv("DIGITS_DATA_DIR", raising=False)
    with pytest.raises(FileNotFoundError) as info:
        MNISTDigits()
    one_sentence_naming(info, "--data-dir")


def test_registered_and_make_dataset_rejects_unknown_options(tmp_path):
    write_pair(tmp_path, "r", 10)
    assert DATASETS["mnist"] is MNISTDigits
    assert len(make_dataset("mnist", data_dir=tmp_path, heldout=3, split="test")) == 3
    with pytest.raises(ValueError, match="takes no path"):
        make_dataset("mnist", path=tmp_path)


def test_batches_cover_every_digit_in_order(tmp_path):
    images, labels = write_pair(tmp_path, "b", 23)
    data = MNISTDigits(tmp_path, split="all")
    batches = list(data.batches(batch_size=10))
    assert [len(b["labels"]) for b in batches] == [10, 10, 3]
    x = torch.cat([b["x"] for b in batches])
    assert torch.equal(x, torch.from_numpy(images).float().unsqueeze(1) / 255)
    assert torch.equal(torch.cat([b["labels"] for b in batches]), torch.from_numpy(labels.astype(np.int64)))


# ---- procedural digits ---------------------------------------------------------------------------------------


def test_procedural_digits_are_registered_and_drawn_in_range():
    digits = make_dataset("digits")
    assert DATASETS["digits"] is ProceduralDigits and isinstance(digits, ProceduralDigits)
    assert digits.factor_names == ("slant", "rotation", "width", "scale", "dx", "dy")
    batch = digits.sample(64, torch.Generator().manual_seed(0))
    assert set(batch) == {"x", "labels", "factors", "fonts"}
    assert batch["x"].shape == (64, 1, 28, 28) and batch["x"].dtype == torch.float32
    assert batch["labels"].dtype == torch.int64 and 0 <= batch["labels"].min() and batch["labels"].max() <= 9
    assert batch["factors"].shape == (64, 6) and batch["factors"].dtype == torch.float32
    low, high = torch.tensor(FACTOR_RANGES).unbind(1)
    assert ((batch["factors"] >= low) & (batch["factors"] <= high)).all()
    assert 0.0 <= batch["x"].min() and batch["x"].max() <= 1.0
    assert 0.05 < batch["x"].mean() < 0.3  # MNIST's mean ink is 0.13
    assert torch.equal(batch["x"], digits.images(batch["labels"], batch["factors"], batch["fonts"]))


def test_procedural_digits_are_deterministic_for_a_seed():
    digits = ProceduralDigits()
    a, b = (digits.sample(32, torch.Generator().manual_seed(3)) for _ in range(2))
    c = digits.sample(32, torch.Generator().manual_seed(4))
    assert all(torch.equal(a[k], b[k]) for k in a) and not torch.equal(a["x"], c["x"])


def test_a_neutral_digit_sits_in_a_20_pixel_box_in_the_middle():
    digits = ProceduralDigits()
    for font in range(len(FONTS)):
        x = digits.images(torch.arange(10), torch.tensor([NEUTRAL] * 10), torch.full((10,), font))[:, 0]
        for image in x:
            rows = torch.nonzero(image.amax(1) > 0.5).flatten()
            cols = torch.nonzero(image.amax(0) > 0.5).flatten()
            assert 18 <= rows[-1] - rows[0] + 1 <= 21 and abs((rows[0] + rows[-1]) / 2 - 13.5) <= 1
            assert abs((cols[0] + cols[-1]) / 2 - 13.5) <= 1.5


def test_each_factor_changes_the_image_the_way_it_says():
    digits = ProceduralDigits()
    one = torch.tensor([1])

    def draw(**changes):
        factors = torch.tensor([NEUTRAL])
        for name, value in changes.items():
            factors[0, digits.factor_names.index(name)] = value
        return digits.images(one, factors)[0, 0]

    base = draw()
    grid = torch.arange(28.0)
    centre_x = lambda im: (im.sum(0) * grid).sum() / im.sum()
    centre_y = lambda im: (im.sum(1) * grid).sum() / im.sum()
    assert abs(centre_x(draw(dx=2.0)) - centre_x(base) - 2.0) < 0.1
    assert abs(centre_y(draw(dy=2.0)) - centre_y(base) - 2.0) < 0.1
    assert draw(width=1.0).sum() > 1.5 * base.sum() > 1.5 * draw(width=-0.3).sum()
    assert draw(scale=1.1).sum() > base.sum()
    top, bottom = draw(slant=0.4)[:10], draw(slant=0.4)[18:]  # leaning right: the top's ink further right
    assert centre_x(top) > centre_x(bottom) + 3


def test_procedural_digits_reject_bad_inputs_in_one_sentence():
    digits = ProceduralDigits()
    with pytest.raises(ValueError, match="factors must be"):
        digits.images(torch.arange(3), torch.zeros(3, 5))
    with pytest.raises(ValueError, match="0..9"):
        digits.images(torch.tensor([10]), torch.tensor([NEUTRAL]))
    with pytest.raises(ValueError, match="font indices"):
        digits.images(torch.tensor([1]), torch.tensor([NEUTRAL]), torch.tensor([len(FONTS)]))


# ---- the shipped sample of held-out real digits -------------------------------------------------------------


def test_heldout_sample_is_ten_of_each_digit():
    with np.load(ASSETS_DIR / HELDOUT_SAMPLE, allow_pickle=False) as f:
        assert f["images"].shape == (100, 28, 28) and f["images"].dtype == np.uint8
        assert f["labels"].shape == (100,) and f["labels"].dtype == np.uint8
        assert (np.diff(f["rows"]) > 0).sum() == 90  # in held-out order within each digit
        assert f["rows"].min() >= 0 and f["rows"].max() < 2000
    sample = heldout_sample()
    assert sample["x"].shape == (100, 1, 28, 28) and sample["x"].dtype == torch.float32
    assert 0.0 <= sample["x"].min() and sample["x"].max() == 1.0
    assert sample["labels"].tolist() == [d for d in range(10) for _ in range(10)]
    with pytest.raises(FileNotFoundError, match="held-out digit sample"):
        heldout_sample(assets_dir=ASSETS_DIR / "absent")


# ---- the real digits beside the project (skipped when absent) --------------------------------------------


@pytest.fixture
def shared_mnist(shared_data):
    folder = shared_data / "mnist"
    if not folder.is_dir():
        pytest.skip(f"real MNIST not found at {folder}")
    return folder


@pytest.mark.slow
def test_real_shared_mnist(shared_mnist, monkeypatch):
    monkeypatch.delenv("DIGITS_DATA_DIR", raising=False)
    every = MNISTDigits(shared_mnist, split="all")
    test = MNISTDigits(shared_mnist, split="test")  # a folder of test digits: all of them are the test split
    train = MNISTDigits(shared_mnist, split="train", heldout=2000)  # or one pair cut in two
    assert (len(every), len(test), len(train)) == (8000, 8000, 6000)
    assert torch.equal(test.images, every.images) and torch.equal(train.images, every.images[:6000])
    with pytest.raises(ValueError, match="holds only test digits"):
        MNISTDigits(shared_mnist, split="train")
    assert every.images.shape == (8000, 28, 28) and every.images.dtype == torch.uint8
    assert every.labels.dtype == torch.int64 and set(every.labels.tolist()) == set(range(10))
    assert every.labels[:10].tolist() == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]  # the official test set's first digits
    assert 0.1 < every.images.float().mean().item() / 255 < 0.15  # MNIST's mean intensity is about 0.13

    batch = train.sample(64, torch.Generator().manual_seed(0))
    assert batch["x"].shape == (64, 1, 28, 28) and batch["x"].dtype == torch.float32
    assert batch["labels"].shape == (64,) and batch["labels"].dtype == torch.int64
    assert 0.0 <= batch["x"].min() and batch["x"].max() <= 1.0 and batch["x"].max() > 0.99
    again = train.sample(64, torch.Generator().manual_seed(0))
    assert torch.equal(batch["x"], again["x"]) and torch.equal(batch["labels"], again["labels"])
    other = train.sample(64, torch.Generator().manual_seed(1))
    assert not torch.equal(batch["labels"], other["labels"])


@pytest.mark.slow
def test_heldout_sample_holds_the_first_ten_of_each_digit_of_the_heldout_split(shared_mnist, tmp_path):
    heldout = MNISTDigits(shared_mnist, split="test", heldout=2000)
    with np.load(ASSETS_DIR / HELDOUT_SAMPLE, allow_pickle=False) as f:
        rows, images, labels = f["rows"], f["images"], f["labels"]
    assert np.array_equal(heldout.images.numpy()[rows], images)
    assert np.array_equal(heldout.labels.numpy()[rows], labels)
    for digit in range(10):  # the first ten of each digit, in order
        assert np.array_equal(rows[labels == digit], np.flatnonzero(heldout.labels.numpy() == digit)[:10])
    rebuilt = build_heldout_sample(shared_mnist, tmp_path / "sample.npz")  # the documented command remakes it
    with np.load(rebuilt, allow_pickle=False) as f:
        assert np.array_equal(f["images"], images) and np.array_equal(f["rows"], rows)
