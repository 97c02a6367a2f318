"""A procedural GZSL benchmark: creatures whose classes are defined by human-readable attributes.

Each of the 48 classes fixes a colour, a body shape, a pattern and how often each of 7 parts appears
(eye, tail, horns, outline, legs, antenna, wings); 12 classes are unseen. Every image also draws what no
class decides (rotation, position, size, background, colour jitter, noise): the factors a
category-dispersing latent should absorb. Visual features come from a small CNN trained on the seen
training images only, as the ResNet-101 of the real benchmarks never saw their unseen classes. The
benchmark is written as an xlsa17 folder (``res101.mat``, ``att_splits.mat``), so one loader serves both.
"""

from __future__ import annotations

import math
import os
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

COLOURS = {
    "red": (0.85, 0.15, 0.15),
    "green": (0.15, 0.7, 0.2),
    "blue": (0.15, 0.3, 0.9),
    "yellow": (0.92, 0.85, 0.15),
    "purple": (0.6, 0.2, 0.75),
    "orange": (0.95, 0.55, 0.1),
}
SHAPES = ("circle", "square", "triangle", "diamond", "cross")
PATTERNS = ("plain", "stripes", "dots", "checker")
PARTS = ("eye", "tail", "horns", "outline", "legs", "antenna", "wings")
ATTRIBUTE_NAMES = tuple(
    [f"colour: {c}" for c in COLOURS]
    + [f"shape: {s}" for s in SHAPES]
    + [f"pattern: {p}" for p in PATTERNS]
    + [f"part: {p}" for p in PARTS]
)  # 22
NUM_CLASSES, NUM_UNSEEN, NUM_VAL = 48, 12, 9  # NUM_VAL seen classes play the unseen ones in train/val
IMAGE_SIZE, FEATURE_DIM = 64, 256
CACHE_ENV = "DISENTANGLE_GZSL_CACHE"
VERSION = 2  # bump when the generator changes, so stale caches are not read


def cache_dir() -> Path:
    """Where the benchmark lives: ``$DISENTANGLE_GZSL_CACHE`` or ``~/.cache/disentangle_core/gzsl_procedural``."""
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "disentangle_core" / "gzsl_procedural"
    return Path(root) / f"v{VERSION}"


def make_classes(seed: int = 0) -> tuple[np.ndarray, list[str]]:
    """(C, 22) class attribute vectors (one-hot colour, shape, pattern; part frequencies) and class names."""
    rng = np.random.default_rng(seed)
    rows, names, seen = [], [], set()
    while len(rows) < NUM_CLASSES:
        colour, shape, pattern = rng.integers(len(COLOURS)), rng.integers(len(SHAPES)), rng.integers(len(PATTERNS))
        has = rng.random(len(PARTS)) < 0.4
        key = (colour, shape, pattern, tuple(has))
        if key in seen:
            continue
        seen.add(key)
        # a part a class has appears in 70-100% of its images, one it lacks in 0-15% (like AWA's noisy parts)
        freq = np.where(has, rng.uniform(0.7, 1.0, len(PARTS)), rng.uniform(0.0, 0.15, len(PARTS)))
        rows.append(
            np.concatenate(
                [np.eye(len(COLOURS))[colour], np.eye(len(SHAPES))[shape], np.eye(len(PATTERNS))[pattern], freq]
            )
        )
        parts = "-".join(p for p, h in zip(PARTS, has) if h) or "bare"
        names.append(f"{list(COLOURS)[colour]} {PATTERNS[pattern]} {SHAPES[shape]} ({parts})")
    return np.stack(rows).astype(np.float32), names


def sample_images(att: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
    """(N, 16) image parameters: class, parts drawn from the class frequencies, and the nuisance factors."""
    rng = np.random.default_rng(seed)
    n, base = len(labels), len(COLOURS) + len(SHAPES) + len(PATTERNS)
    parts = rng.random((n, len(PARTS))) < att[labels, base:]  # (N, 7)
    nuisance = np.column_stack(
        [
            rng.uniform(0, 2 * math.pi, n),  # rotation
            rng.uniform(-0.3, 0.3, (n, 2)),  # centre x, y
            rng.uniform(0.24, 0.36, n),  # body size (the canvas spans [-1, 1])
            rng.uniform(0.15, 0.85, n),  # background brightness
            rng.uniform(-0.2, 0.2, n),  # background tint
            rng.uniform(-0.15, 0.15, n),  # colour jitter (brightness of the body)
            rng.uniform(0.02, 0.12, n),  # pixel noise std
        ]
    )
    return np.column_stack([labels, parts, nuisance]).astype(np.float32)


def _radius(shape: torch.Tensor, u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """A gauge of each shape in body coordinates: < 1 inside the body, 1..1.25 its outline."""
    au, av = u.abs(), v.abs()
    gauges = torch.stack(
        [
            (u * u + v * v).sqrt(),  # circle
            torch.maximum(au, av) / 0.85,  # square
            torch.maximum(-v / 0.6, (v + 1.7 * au) / 0.9),  # triangle, pointing up
            (au + av) / 1.15,  # diamond
            torch.minimum(torch.maximum(au / 0.38, av), torch.maximum(av / 0.38, au)),  # cross
        ]
    )  # (5, B, H, W)
    return gauges.gather(0, shape.view(1, -1, 1, 1).expand(1, *u.shape)).squeeze(0)


def render(att: np.ndarray, params: np.ndarray, noise_seed: int = 0) -> torch.Tensor:
    """(N, 16) image parameters -> (N, 3, 64, 64) images in [0, 1] (vectorised; deterministic)."""
    p = torch.as_tensor(params, dtype=torch.float32)
    a = torch.as_tensor(att, dtype=torch.float32)[p[:, 0].long()]  # (N, 22) the class of each image
    nc, ns, npat = len(COLOURS), len(SHAPES), len(PATTERNS)
    colour = torch.tensor(list(COLOURS.values()))[a[:, :nc].argmax(1)]  # (N, 3)
    shape, pattern = a[:, nc : nc + ns].argmax(1), a[:, nc + ns : nc + ns + npat].argmax(1)
    parts = p[:, 1:8].bool().T.reshape(len(PARTS), -1, 1, 1)  # (7, N, 1, 1)
    theta, cx, cy, size, bg, tint, jitter, noise = p[:, 8:].T.reshape(8, -1, 1, 1)
    grid = torch.linspace(-1, 1, IMAGE_SIZE)
    y, x = grid.view(1, -1, 1), grid.view(1, 1, -1)
    u = ((x - cx) * theta.cos() + (y - cy) * theta.sin()) / size  # (N, 64, 64) body coordinates
    v = (-(x - cx) * theta.sin() + (y - cy) * theta.cos()) / size
    r = _radius(shape, u, v)
    eye, tail, horns, outline, legs, antenna, wings = parts
    limbs = (
        (tail & (u > 0.8) & (u < 1.6) & (v.abs() < 0.12))
        | (horns & ((u - 0.4).abs() < 0.1) & (v > 0.7) & (v < 1.45))
        | (horns & ((u + 0.4).abs() < 0.1) & (v > 0.7) & (v < 1.45))
        | (legs & (((u - 0.35).abs() < 0.1) | ((u + 0.35).abs() < 0.1)) & (v < -0.6) & (v > -1.5))
        | (antenna & (((u.abs() < 0.06) & (v > 0.8) & (v < 1.5)) | (u.square() + (v - 1.55).square() < 0.03)))
    )
    wing = wings & ((u.abs() - 1.25).square() / 0.25 + (v - 0.2).square() / 0.09 < 1)
    stripes = torch.sin(6 * u) > 0
    dots = ((u * 2.5).frac().sub(0.5).square() + (v * 2.5).frac().sub(0.5).square()) < 0.07
    checker = ((u * 2.2).floor() + (v * 2.2).floor()).remainder(2) > 0
    marked = (
        torch.stack([torch.zeros_like(stripes), stripes, dots, checker])
        .gather(0, pattern.view(1, -1, 1, 1).expand(1, *u.shape))
        .squeeze(0)
    )
    body = r < 1
    tint_rgb = torch.stack([tint, -tint, 0.5 * tint], 1)  # (N, 3, 1, 1)
    background = bg.unsqueeze(1) + tint_rgb * (0.6 + 0.4 * grid.view(1, 1, -1, 1))  # (N, 3, 64, 1), a vertical gradient
    img = background.expand(-1, -1, IMAGE_SIZE, IMAGE_SIZE).clone()
    body_rgb = (colour.view(-1, 3, 1, 1) + jitter.unsqueeze(1)) * torch.where(marked, 0.45, 1.0).unsqueeze(1)
    img = torch.where(wing.unsqueeze(1), 0.6 * img + 0.4, img)  # translucent pale wings
    img = torch.where(limbs.unsqueeze(1), torch.tensor(0.12), img)
    img = torch.where(body.unsqueeze(1), body_rgb, img)
    img = torch.where((outline & (r >= 1) & (r < 1.25)).unsqueeze(1), torch.tensor(0.05), img)
    eye_at = (u - 0.3).square() + (v - 0.3).square()
    img = torch.where((eye & (eye_at < 0.05)).unsqueeze(1), torch.tensor(1.0), img)
    img = torch.where((eye & (eye_at < 0.012)).unsqueeze(1), torch.tensor(0.0), img)
    g = torch.Generator().manual_seed(noise_seed)
    img = img + noise.unsqueeze(1) * torch.randn(img.shape, generator=g)
    return img.clamp(0, 1)


class FeatureCNN(nn.Module):
    """Four stride-2 convolutions, global average pooling and a 256-unit ReLU layer (the features)."""

    def __init__(self, num_classes: int):
        super().__init__()
        layers, width = [], 3
        for out in (32, 64, 128, 128):
            layers += [nn.Conv2d(width, out, 3, stride=2, padding=1), nn.BatchNorm2d(out), nn.ReLU()]
            width = out
        self.body = nn.Sequential(
            *layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(width, FEATURE_DIM), nn.ReLU()
        )
        self.head = nn.Linear(FEATURE_DIM, num_classes)

    def forward(self, x):  # (B, 3, 64, 64) -> (B, 256) features, non-negative like ResNet's pooled ones
        return self.body(x)


def train_feature_cnn(images: torch.Tensor, labels: torch.Tensor, epochs: int, seed: int) -> FeatureCNN:
    """Train the CNN to classify ``images`` (seen classes only) with cross-entropy; returns it in eval mode."""
    torch.manual_seed(seed)
    classes, targets = labels.unique(return_inverse=True)
    cnn = FeatureCNN(len(classes))
    optimizer = torch.optim.Adam(cnn.parameters(), lr=2e-3)
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for batch in torch.randperm(len(images), generator=g).split(64):
            loss = F.cross_entropy(cnn.head(cnn(images[batch])), targets[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return cnn.eval()


def generate(out_dir, *, images_per_class: int = 150, epochs: int = 15, seed: int = 0) -> Path:
    """Draw the benchmark, train the feature CNN on the seen training images and write an xlsa17 folder."""
    from scipy.io import savemat

    att, names = make_classes(seed)
    rng = np.random.default_rng(seed + 1)
    order = rng.permutation(NUM_CLASSES)
    unseen, val = np.sort(order[:NUM_UNSEEN]), np.sort(order[NUM_UNSEEN : NUM_UNSEEN + NUM_VAL])
    labels = np.repeat(np.arange(NUM_CLASSES), images_per_class)
    params = sample_images(att, labels, seed + 2)
    is_unseen = np.isin(labels, unseen)
    # one in five images of each seen class is a seen test image (as the xlsa17 proposed splits do)
    in_class = np.tile(np.arange(images_per_class), NUM_CLASSES)
    test_seen = ~is_unseen & (in_class % 5 == 0)
    trainval = ~is_unseen & ~test_seen
    images = torch.cat([render(att, chunk, noise_seed=seed + i) for i, chunk in enumerate(np.array_split(params, 16))])
    cnn = train_feature_cnn(images[trainval], torch.as_tensor(labels[trainval]), epochs, seed)
    with torch.no_grad():
        features = torch.cat([cnn(chunk) for chunk in images.split(256)]).numpy()  # (N, 256)
    locs = {
        "trainval_loc": trainval,
        "test_seen_loc": test_seen,
        "test_unseen_loc": is_unseen,
        "train_loc": trainval & ~np.isin(labels, val),
        "val_loc": trainval & np.isin(labels, val),
    }
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    cells = lambda items: np.array([[s] for s in items], dtype=object)  # noqa: E731 (MATLAB cell column)
    savemat(
        out_dir / "res101.mat",
        {"features": features.T.astype(np.float32), "labels": labels[:, None] + 1, "image_params": params},
    )
    unit = att / np.linalg.norm(att, axis=1, keepdims=True)  # xlsa17's `att` columns are L2-normalised
    savemat(
        out_dir / "att_splits.mat",
        {
            "att": unit.T,
            "original_att": 100 * att.T,
            "allclasses_names": cells(names),
            "attribute_names": cells(ATTRIBUTE_NAMES),
            **{k: np.flatnonzero(m)[:, None] + 1 for k, m in locs.items()},
        },
    )
    return out_dir


def procedural_benchmark() -> Path:
    """The cached benchmark folder, generated on first use (about a minute on one CPU core)."""
    folder = cache_dir()
    if not ((folder / "res101.mat").is_file() and (folder / "att_splits.mat").is_file()):
        tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
        generate(tmp)
        tmp.replace(folder) if not folder.exists() else None
    return folder


@lru_cache(maxsize=4)
def image_parameters(data_dir: str):
    """(N, 16) the stored parameters of every image of a procedural benchmark folder (None for a real one)."""
    from scipy.io import loadmat

    mat = loadmat(str(Path(data_dir) / "res101.mat"), variable_names=["image_params"])
    return mat.get("image_params")


@lru_cache(maxsize=4)
def original_attributes(data_dir: str) -> np.ndarray:
    """(C, A) the procedural classes' unnormalised attributes (colour, shape, pattern one-hot; part frequencies)."""
    from scipy.io import loadmat

    return loadmat(str(Path(data_dir) / "att_splits.mat"), variable_names=["original_att"])["original_att"].T / 100
