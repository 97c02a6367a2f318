"""MNIST digits (LeCun, Cortes and Burges): 28x28 grey handwritten digits 0-9 with their labels.

``MNISTDigits`` reads a folder of IDX files, the format MNIST ships in, gzipped or not:

- torchvision's layout (``train-`` and ``t10k-images-idx3-ubyte``, 60,000 + 10,000 digits), given as the
  ``MNIST/raw`` folder or as the root that ``torchvision.datasets.MNIST(root)`` downloaded into (never
  downloads anything);
- a single pair of files: a ``train-`` pair holds only training digits and a ``t10k-``/``test`` pair only
  test digits (such as the first 8,000 digits of the official test set), unless ``heldout=N`` cuts the
  pair in two: ``split="train"`` is then all but the last ``N`` digits, ``split="test"`` the last ``N``.

Images stay uint8 on ``device`` (8,000 digits are 6 MB) and become floats in [0, 1] per batch, so a
batch is one index on the training device, as in ``data/dsprites.py``.

``ProceduralDigits`` is the offline default: digits drawn from matplotlib's fonts with six continuous
ground-truth factors (``data/digit_fonts.py``). ``heldout_sample`` reads the 100 real held-out digits
shipped in ``assets/`` for users without MNIST.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np
import torch

from ..checkpoints import ASSETS_DIR
from . import digit_fonts

IMAGE_SIZE = 28
NUM_CLASSES = 10
DATA_DIR_ENV = "DIGITS_DATA_DIR"
IMAGES_TAG, LABELS_TAG = "images-idx3-ubyte", "labels-idx1-ubyte"
IDX_IMAGES, IDX_LABELS = 2051, 2049  # magic numbers: 0x0803 = uint8 with 3 dims, 0x0801 = uint8 with 1 dim
SPLITS = ("train", "test", "all")
HELDOUT_SAMPLE = "mnist_heldout_sample.npz"


def read_idx(path) -> np.ndarray:
    """One IDX file (gzipped or not) -> uint8 array: (N, rows, cols) images or (N,) labels.

    The format: a big-endian 4-byte magic (``IDX_IMAGES`` or ``IDX_LABELS``), one big-endian 4-byte size
    per dimension, then the uint8 values row by row. Gzip is recognised by its magic bytes ``1f 8b``, not
    by the file's name. Anything else, or a file whose size disagrees with its header, is a ValueError.
    """
    path = Path(path)
    data = path.read_bytes()
    if data[:2] == b"\x1f\x8b":
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as e:
            raise ValueError(f"{path} is a truncated or corrupt gzip file ({e}); download it again") from None
    if len(data) < 4:
        raise ValueError(f"{path} is empty or truncated: an IDX file starts with a 4-byte magic number")
    magic = int.from_bytes(data[:4], "big")
    if magic not in (IDX_IMAGES, IDX_LABELS):
        raise ValueError(
            f"{path} is not an MNIST IDX file: its first 4 bytes should be the magic number "
            f"{IDX_IMAGES} (images) or {IDX_LABELS} (labels), got {magic}"
        )
    ndim = magic & 0xFF  # 3 for images, 1 for labels
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(f"{path} is truncated: it ends inside its {header}-byte IDX header")
    shape = tuple(int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected, found = int(np.prod(shape)), len(data) - header
    if found != expected:
        raise ValueError(
            f"{path} is truncated or corrupt: its header promises {expected} bytes of data "
            f"(shape {shape}) but it holds {found}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape).copy()  # a writable copy


def _prefix(name: str, tag: str) -> str:
    """``train-images-idx3-ubyte.gz`` -> ``train``: the part of the name before ``-images`` / ``-labels``."""
    return name.split(tag)[0].rstrip("-_.")


def find_idx_files(data_dir) -> list[tuple[Path, Path]]:
    """Pairs ``(images_path, labels_path)`` of the IDX files in ``data_dir``, sorted by their name prefix.

    Files are paired by the prefix before ``-images`` / ``-labels`` (``train``, ``t10k``,
    ``mnist-test-first8000``). Where both ``X`` and ``X.gz`` exist (torchvision keeps both) the
    uncompressed one is used. A torchvision root (``data_dir/MNIST/raw``) or ``MNIST`` folder
    (``data_dir/raw``) is looked into when ``data_dir`` itself holds no IDX file.
    """
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise FileNotFoundError(
            f"digits folder not found: {data_dir}; pass --data-dir with a folder of MNIST IDX files"
        )
    for folder in (data_dir, data_dir / "MNIST" / "raw", data_dir / "raw"):
        if not folder.is_dir():
            continue
        found = {IMAGES_TAG: {}, LABELS_TAG: {}}
        # sorted, and "X" sorts before "X.gz": setdefault keeps the uncompressed file where both exist
        for path in sorted(p for p in folder.iterdir() if p.is_file()):
            for tag in found:
                if tag in path.name:
                    found[tag].setdefault(_prefix(path.name, tag), path)
        if not found[IMAGES_TAG] and not found[LABELS_TAG]:
            continue
        for tag, other in ((IMAGES_TAG, LABELS_TAG), (LABELS_TAG, IMAGES_TAG)):
            for prefix, path in found[tag].items():
                if prefix not in found[other]:
                    raise FileNotFoundError(
                        f"{path} has no matching {other} file in {folder} "
                        f"(expected a name starting {prefix + '-' if prefix else ''}{other})"
                    )
        return [(found[IMAGES_TAG][p], found[LABELS_TAG][p]) for p in sorted(found[IMAGES_TAG])]
    raise FileNotFoundError(
        f"no MNIST IDX files in {data_dir}: expected files named like "
        f"train-{IMAGES_TAG}(.gz) and train-{LABELS_TAG}(.gz), there or in MNIST/raw"
    )


def _default_data_dir() -> Path:
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV])
    raise FileNotFoundError(
        f"no MNIST folder given; pass --data-dir (data_dir=) with a folder of MNIST IDX files, or set {DATA_DIR_ENV}"
    )


def load_pair(images_path, labels_path) -> tuple[np.ndarray, np.ndarray]:
    """Read one images file and its labels file, checking that they describe the same digits."""
    images, labels = read_idx(images_path), read_idx(labels_path)
    if images.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
        raise ValueError(f"{images_path} does not hold 28x28 images: its IDX shape is {images.shape}")
    if labels.ndim != 1:
        raise ValueError(f"{labels_path} does not hold labels: its IDX shape is {labels.shape}")
    if len(images) != len(labels):
        raise ValueError(f"{images_path} holds {len(images)} images but {labels_path} holds {len(labels)} labels")
    if labels.size and labels.max() >= NUM_CLASSES:
        raise ValueError(f"{labels_path} holds label {labels.max()}; MNIST labels are 0..9")
    return images, labels


def _role(images_path: Path) -> str:
    prefix = _prefix(images_path.name, IMAGES_TAG).lower()
    return "train" if "train" in prefix else "test" if ("t10k" in prefix or "test" in prefix) else prefix


class MNISTDigits:
    """Real MNIST digits from a folder of IDX files; batches ``{"x": (B, 1, 28, 28), "labels": (B,)}``.

    ``data_dir`` defaults to ``$DIGITS_DATA_DIR``; with neither, a FileNotFoundError says to pass one.
    A folder with a ``train`` and a ``t10k``/``test`` pair splits by file (``heldout`` is then unused);
    a folder with one pair is all of one split, named by its files, unless ``heldout`` keeps its last
    ``heldout`` digits as the test split. ``split="all"`` is every
    digit (train then test).
    """

    name = "mnist"
    image_shape = (1, IMAGE_SIZE, IMAGE_SIZE)
    num_classes = NUM_CLASSES

    def __init__(
        self, data_dir=None, split: str = "train", heldout: int | None = None, device: str | torch.device = "cpu"
    ):
        if split not in SPLITS:
            raise ValueError(f"unknown digits split {split!r}; choose from: {', '.join(SPLITS)}")
        self.data_dir = Path(data_dir) if data_dir is not None else _default_data_dir()
        self.split = split
        pairs = find_idx_files(self.data_dir)
        if len(pairs) == 1:
            images, labels = load_pair(*pairs[0])
            role = _role(pairs[0][0])
            if heldout is not None:  # one pair cut in two: its last ``heldout`` digits are the test split
                if split != "all" and not 0 < heldout < len(images):
                    raise ValueError(
                        f"heldout must be between 1 and {len(images) - 1} for the {len(images)} "
                        f"digits of {pairs[0][0]}, got {heldout}"
                    )
                cut = {
                    "train": slice(0, len(images) - heldout),
                    "test": slice(len(images) - heldout, None),
                    "all": slice(None),
                }[split]
            elif split in ("all", role):  # a train pair is all training digits, a test pair all test digits
                cut = slice(None)
            else:
                raise ValueError(
                    f"{self.data_dir} holds only {role} digits ({pairs[0][0].name}), no {split} "
                    f"split; pass a folder with a {split} pair, or heldout=N to cut one pair in two"
                )
            images, labels, self.files = images[cut], labels[cut], list(pairs[0])
        else:
            roles = {_role(pair[0]): pair for pair in pairs}
            if len(pairs) != 2 or set(roles) != {"train", "test"}:
                names = ", ".join(pair[0].name for pair in pairs)
                raise ValueError(
                    f"{self.data_dir} holds {len(pairs)} pairs of IDX files ({names}); expected one "
                    "pair, or one train and one t10k/test pair"
                )
            chosen = [roles["train"], roles["test"]] if split == "all" else [roles[split]]
            loaded = [load_pair(*pair) for pair in chosen]
            images = np.concatenate([im for im, _ in loaded])
            labels = np.concatenate([lb for _, lb in loaded])
            self.files = [path for pair in chosen for path in pair]
        self.device = torch.device(device)
        self.images = torch.from_numpy(images).to(self.device)  # (N, 28, 28) uint8
        self.labels = torch.from_numpy(labels.astype(np.int64)).to(self.device)  # (N,) int64

    def to(self, device) -> MNISTDigits:
        self.device = torch.device(device)
        self.images, self.labels = self.images.to(self.device), self.labels.to(self.device)
        return self

    def __len__(self) -> int:
        return len(self.images)

    def _batch(self, rows: torch.Tensor) -> dict:
        x = self.images[rows].unsqueeze(1).float() / 255.0  # (B, 1, 28, 28) in [0, 1]
        return {"x": x, "labels": self.labels[rows]}

    def sample(self, batch_size: int, generator: torch.Generator | None = None) -> dict:
        """A training batch of random rows (drawn on the CPU, for reproducibility): ``{"x", "labels"}``."""
        rows = torch.randint(len(self), (batch_size,), generator=generator)
        return self._batch(rows.to(self.device))

    def batches(self, batch_size: int = 500, limit: int | None = None):
        """Every digit once (or the first ``limit``), in order, as ``{"x", "labels"}`` batches (for evaluation)."""
        end = len(self) if limit is None else min(limit, len(self))
        for start in range(0, end, batch_size):
            yield self._batch(torch.arange(start, min(start + batch_size, end), device=self.device))


class ProceduralDigits:
    """Digits 0-9 from matplotlib's fonts, drawn on ``device`` with six known continuous factors.

    Factors (columns of ``factors``, drawn uniformly from ``digit_fonts.FACTOR_RANGES``): ``slant`` as
    a shear tan (> 0 leans right), ``rotation`` in degrees (> 0 counter-clockwise), ``width`` as stroke
    dilation in pixels per side (< 0 erodes), ``scale`` of the 20-pixel glyph box, ``dx`` and ``dy`` in
    pixels (right, down). The font (``fonts[i]``, default DejaVu Sans, Serif and Sans Mono) is a
    nuisance, drawn per digit in ``sample``; ``images`` uses the first font unless given ``fonts=``.
    """

    name = "digits"
    image_shape = (1, IMAGE_SIZE, IMAGE_SIZE)
    num_classes = NUM_CLASSES
    factor_names = digit_fonts.FACTOR_NAMES
    factor_ranges = digit_fonts.FACTOR_RANGES

    def __init__(self, device: str | torch.device = "cpu"):
        self.font_names = digit_fonts.FONTS
        self.device = torch.device(device)
        self.bank = digit_fonts.glyph_bank(self.font_names).to(self.device)  # (fonts * 10, 1, 112, 112)

    def to(self, device) -> ProceduralDigits:
        self.device = torch.device(device)
        self.bank = self.bank.to(self.device)
        return self

    def sample_factors(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n, 6) float factors, uniform in their ranges (drawn on the CPU, for reproducibility)."""
        low, high = digit_fonts.factor_range_tensors("cpu")
        return (low + (high - low) * torch.rand(n, len(low), generator=generator)).to(self.device)

    def images(self, labels: torch.Tensor, factors: torch.Tensor, fonts: torch.Tensor | None = None) -> torch.Tensor:
        """(B,) digits, (B, 6) factors and optional (B,) font indices -> (B, 1, 28, 28) floats in [0, 1]."""
        labels = torch.as_tensor(labels, device=self.device).long()
        factors = torch.as_tensor(factors, device=self.device)
        if factors.ndim != 2 or factors.shape[1] != len(self.factor_names) or len(factors) != len(labels):
            raise ValueError(
                f"factors must be ({len(labels)}, {len(self.factor_names)}) for {len(labels)} labels "
                f"(columns {', '.join(self.factor_names)}), got {tuple(factors.shape)}"
            )
        if len(labels) and (labels.min() < 0 or labels.max() >= NUM_CLASSES):
            raise ValueError(f"digit labels must lie in 0..{NUM_CLASSES - 1}")
        fonts = torch.zeros_like(labels) if fonts is None else torch.as_tensor(fonts, device=self.device).long()
        if len(fonts) and (fonts.min() < 0 or fonts.max() >= len(self.font_names)):
            raise ValueError(f"font indices must lie in 0..{len(self.font_names) - 1} ({', '.join(self.font_names)})")
        return digit_fonts.render(self.bank, fonts * NUM_CLASSES + labels, factors)

    def sample(self, batch_size: int, generator: torch.Generator | None = None) -> dict:
        """A training batch ``{"x": (B, 1, 28, 28), "labels": (B,), "factors": (B, 6), "fonts": (B,)}``."""
        labels = torch.randint(NUM_CLASSES, (batch_size,), generator=generator).to(self.device)
        factors = self.sample_factors(batch_size, generator)
        fonts = torch.randint(len(self.font_names), (batch_size,), generator=generator).to(self.device)
        return {"x": self.images(labels, factors, fonts), "labels": labels, "factors": factors, "fonts": fonts}


def build_heldout_sample(data_dir=None, path=ASSETS_DIR / HELDOUT_SAMPLE, per_class: int = 10) -> Path:
    """Write the shipped sample: the first ``per_class`` of each digit, in order, of the last 2,000 test digits.

    Rebuild it with ``python -c "from disentangle_core.data.digits import build_heldout_sample as b; b()"``
    (reads ``$DIGITS_DATA_DIR``: the kit's folder of MNIST test digits). Saved: ``images`` (100, 28, 28) uint8
    and ``labels`` (100,) uint8, sorted by digit, and ``rows`` (100,) int64, their indices in those 2,000 digits.
    """
    heldout = MNISTDigits(data_dir, split="test", heldout=2000)
    labels = heldout.labels.cpu().numpy()
    rows = np.concatenate([np.flatnonzero(labels == digit)[:per_class] for digit in range(NUM_CLASSES)])
    np.savez_compressed(
        path,
        images=heldout.images.cpu().numpy()[rows],
        labels=labels[rows].astype(np.uint8),
        rows=rows.astype(np.int64),
    )
    return Path(path)


def heldout_sample(assets_dir=ASSETS_DIR) -> dict:
    """The 100 shipped held-out MNIST digits: ``{"x": (100, 1, 28, 28) floats in [0, 1], "labels": (100,)}``.

    Ten of each digit, sorted by digit, from the last 2,000 of the kit's MNIST test digits (no shipped model
    saw them in training); see ``build_heldout_sample`` for how the file was made.
    """
    path = Path(assets_dir) / HELDOUT_SAMPLE
    if not path.is_file():
        raise FileNotFoundError(f"the held-out digit sample is missing: {path}")
    with np.load(path, allow_pickle=False) as f:
        images, labels = f["images"], f["labels"]
    x = torch.from_numpy(images.astype(np.float32) / 255.0).unsqueeze(1)  # (100, 1, 28, 28)
    return {"x": x, "labels": torch.from_numpy(labels.astype(np.int64))}
