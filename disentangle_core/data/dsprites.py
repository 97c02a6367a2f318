"""dSprites (Matthey et al. 2017): 2D shapes generated from 5 independent ground-truth factors.

Two sources with one interface (``sample``, ``sample_factors``, ``images``):

- ``ProceduralDSprites`` renders any factor combination on the fly, vectorised in torch on the
  training device: no download, no 3 GB array, no data loader.
- ``DSpritesNPZ`` reads DeepMind's ``dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz``.

Both use the exact factor grid and ordering of the official file (colour, of size 1, is dropped):
shape 3 x scale 6 x orientation 40 x posX 32 x posY 32 = 737,280 images of 64x64 binary pixels, and
``index = classes @ FACTOR_BASES``. The procedural sprites follow the same geometry (position, size,
rotation, shape), but are not pixel-identical to the official images.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import torch

FACTOR_NAMES = ("shape", "scale", "orientation", "posX", "posY")
FACTOR_SIZES = (3, 6, 40, 32, 32)
FACTOR_BASES = (245760, 40960, 1024, 32, 1)  # product of the sizes to the right of each factor
NUM_IMAGES = 737280
SHAPE_NAMES = ("square", "ellipse", "heart")
IMAGE_SIZE = 64
NPZ_ENV = "DSPRITES_NPZ"

# Sprite geometry in pixels of the 64x64 canvas: posX/posY step one pixel per class, so centres lie on
# pixel centres 16.5 .. 47.5, and a scale-1 sprite has a half-size of 9 px: every sprite stays inside
# the canvas at any rotation (9 * sqrt(2) < 16).
_CENTRE_MIN, _HALF_SIZE = 16, 9.0
_TEMPLATE, _T_CENTRE = 41, 20  # each sprite is first drawn on a 41x41 patch around pixel 20
# The bank canvas: image row y of a sprite at posY class ky is patch row y - ky + 4 (in -27 .. 67), so the
# patch sits at offset 27 of a 95-pixel canvas and image row y is bank row y - ky + _ORIGIN.
_BANK_AT = (FACTOR_SIZES[4] - 1) - (_T_CENTRE - _CENTRE_MIN)  # 27
_BANK = _BANK_AT + IMAGE_SIZE + (_T_CENTRE - _CENTRE_MIN)  # 95
_ORIGIN = _BANK_AT + _T_CENTRE - _CENTRE_MIN  # 31


def factor_values(name: str) -> torch.Tensor:
    """The real-valued grid of one factor, as in the official file's ``latents_values``."""
    grids = {
        "shape": torch.tensor([1.0, 2.0, 3.0]),
        "scale": torch.linspace(0.5, 1.0, 6),
        "orientation": torch.linspace(0.0, 2 * math.pi, 40),  # both ends included, as in the file
        "posX": torch.linspace(0.0, 1.0, 32),
        "posY": torch.linspace(0.0, 1.0, 32),
    }
    if name not in grids:
        raise ValueError(f"unknown dSprites factor {name!r}; choose from: {', '.join(FACTOR_NAMES)}")
    return grids[name]


def classes_to_index(classes: torch.Tensor) -> torch.Tensor:
    """(B, 5) integer factor classes -> (B,) flat index into the 737,280 images."""
    bases = torch.tensor(FACTOR_BASES, dtype=torch.long, device=classes.device)
    return (classes.long() * bases).sum(-1)


def index_to_classes(index: torch.Tensor) -> torch.Tensor:
    """(B,) flat index -> (B, 5) factor classes; the inverse of ``classes_to_index``."""
    index = torch.as_tensor(index, dtype=torch.long)
    if (index < 0).any() or (index >= NUM_IMAGES).any():
        raise ValueError(f"dSprites index out of range; valid indices are 0..{NUM_IMAGES - 1}")
    bases = torch.tensor(FACTOR_BASES, device=index.device)
    sizes = torch.tensor(FACTOR_SIZES, device=index.device)
    return (index[:, None] // bases) % sizes


def sample_classes(n: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """(n, 5) factor classes drawn uniformly and independently (on the CPU, for reproducibility)."""
    cols = [torch.randint(size, (n,), generator=generator) for size in FACTOR_SIZES]
    return torch.stack(cols, dim=1)


def _draw(shape, scale, theta, cx, cy, size: int) -> torch.Tensor:
    """Draw sprites exactly from their implicit equations on a (B, size, size) canvas.

    Every pixel centre is mapped into the sprite's own frame (translate, rotate by -orientation, divide
    by the size) and tested against the shape's equation. Inputs are (B, 1, 1) tensors.
    """
    grid = torch.arange(size, device=scale.device, dtype=torch.float32) + 0.5  # pixel centres
    dx, dy = grid[None, None, :] - cx, grid[None, :, None] - cy  # (B, 1, W), (B, H, 1)
    cos, sin = torch.cos(theta) / (scale * _HALF_SIZE), torch.sin(theta) / (scale * _HALF_SIZE)
    u, v = cos * dx + sin * dy, -sin * dx + cos * dy  # (B, H, W), roughly [-1, 1] on the sprite
    square = torch.maximum(u.abs(), v.abs()) <= 1.0
    ellipse = u.square() + (v / 0.5).square() <= 1.0  # 2:1 ellipse
    hx, hy = 1.15 * u, -1.15 * v + 0.15  # heart curve (x^2 + y^2 - 1)^3 <= x^2 y^3, cusp up
    heart = (hx.square() + hy.square() - 1).pow(3) <= hx.square() * hy.pow(3)
    return torch.where(shape == 0, square, torch.where(shape == 1, ellipse, heart))


def render_sprites_exact(classes: torch.Tensor) -> torch.Tensor:
    """The reference renderer: (B, 5) classes -> (B, 1, 64, 64), every sprite drawn from its equation."""
    classes = classes.long()
    value = lambda i: factor_values(FACTOR_NAMES[i]).to(classes.device)[classes[:, i]][:, None, None]
    centre = lambda i: (_CENTRE_MIN + classes[:, i] + 0.5).float()[:, None, None]
    return (
        _draw(classes[:, 0][:, None, None], value(1), value(2), centre(3), centre(4), IMAGE_SIZE).unsqueeze(1).float()
    )


_BANK_CACHE: dict = {}


def _bank(device: torch.device) -> torch.Tensor:
    """(720, 95, 95) uint8: every (shape, scale, orientation) sprite drawn once from its equation,
    centred in a zero canvas large enough for a 64x64 window at any of the 32 x 32 positions.
    Built once per device (6.5 MB)."""
    key = str(device)
    if key not in _BANK_CACHE:
        n = FACTOR_SIZES[0] * FACTOR_SIZES[1] * FACTOR_SIZES[2]
        combos = torch.stack(torch.meshgrid(*[torch.arange(k) for k in FACTOR_SIZES[:3]], indexing="ij"), -1)
        combos = combos.reshape(n, 3).to(device)
        value = lambda i: factor_values(FACTOR_NAMES[i]).to(device)[combos[:, i]][:, None, None]
        mid = torch.full((n, 1, 1), _T_CENTRE + 0.5, device=device)
        patches = _draw(combos[:, 0][:, None, None], value(1), value(2), mid, mid, _TEMPLATE)  # (720, 41, 41)
        bank = torch.zeros(n, _BANK, _BANK, dtype=torch.uint8, device=device)
        bank[:, _BANK_AT : _BANK_AT + _TEMPLATE, _BANK_AT : _BANK_AT + _TEMPLATE] = patches.to(torch.uint8)
        _BANK_CACHE[key] = bank
    return _BANK_CACHE[key]


def render_sprites(classes: torch.Tensor) -> torch.Tensor:
    """Render (B, 5) factor classes into (B, 1, 64, 64) binary float images on ``classes.device``.

    Positions move one pixel per class, so each image is a 64x64 window of a pre-drawn sprite: row y
    of the image is 64 consecutive bytes of the bank, and one ``index_select`` over a strided view of
    all 64-byte windows gathers every row of the batch at once (no per-image Python, ~0.2 ms for 64
    images on one CPU core). Equal to ``render_sprites_exact`` pixel for pixel (a test checks it).
    """
    classes = classes.long()
    flat = _bank(classes.device).view(-1)
    windows = flat.as_strided((flat.numel() - IMAGE_SIZE + 1, IMAGE_SIZE), (1, 1))  # row i = flat[i : i + 64]
    sprite = (classes[:, 0] * FACTOR_SIZES[1] + classes[:, 1]) * FACTOR_SIZES[2] + classes[:, 2]  # (B,)
    pixels = torch.arange(IMAGE_SIZE, device=classes.device)
    # image pixel (y, x) of a sprite at position classes (kx, ky) is bank pixel (y - ky + o, x - kx + o)
    bank_rows = pixels[None, :] - classes[:, 4:5] + _ORIGIN  # (B, 64)
    starts = (sprite[:, None] * _BANK + bank_rows) * _BANK + (_ORIGIN - classes[:, 3:4])  # (B, 64)
    return windows.index_select(0, starts.reshape(-1)).view(-1, 1, IMAGE_SIZE, IMAGE_SIZE).float()


class ProceduralDSprites:
    """dSprites rendered on demand on ``device``; the offline default of the kit."""

    name = "dsprites"
    factor_names = FACTOR_NAMES
    factor_sizes = FACTOR_SIZES
    image_shape = (1, IMAGE_SIZE, IMAGE_SIZE)

    def __init__(self, device: str | torch.device = "cpu"):
        self.device = torch.device(device)

    def to(self, device) -> ProceduralDSprites:
        self.device = torch.device(device)
        return self

    def __len__(self) -> int:
        return NUM_IMAGES

    def sample_factors(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n, 5) factor classes on ``self.device``."""
        return sample_classes(n, generator).to(self.device)

    def images(self, classes: torch.Tensor) -> torch.Tensor:
        """(B, 5) factor classes -> (B, 1, 64, 64) float images in {0, 1}."""
        return render_sprites(classes.to(self.device))

    def sample(self, batch_size: int, generator: torch.Generator | None = None) -> dict:
        """A training batch: ``{"x": (B, 1, 64, 64), "factors": (B, 5)}``."""
        factors = self.sample_factors(batch_size, generator)
        return {"x": self.images(factors), "factors": factors}


class DSpritesNPZ(ProceduralDSprites):
    """The official dSprites ``.npz`` (images kept as uint8; 737,280 x 64 x 64 = 3 GB in memory).

    ``path`` defaults to the ``DSPRITES_NPZ`` environment variable. A file holding a subset of the
    rows (as the tests' fixtures do) works too: factors are then sampled from the rows present.
    """

    name = "dsprites_npz"

    def __init__(self, path: str | os.PathLike | None = None, device: str | torch.device = "cpu"):
        super().__init__(device)
        path = path or os.environ.get(NPZ_ENV)
        if not path:
            raise ValueError(f"no dSprites file given; pass path= or set {NPZ_ENV} to the official .npz")
        if not Path(path).is_file():
            raise FileNotFoundError(f"dSprites file not found: {path}")
        with np.load(path, allow_pickle=True, encoding="latin1") as f:
            missing = {"imgs", "latents_classes"} - set(f.files)
            if missing:
                raise ValueError(f"{path} is not a dSprites file: missing keys {sorted(missing)}")
            self.imgs = f["imgs"]  # (N, 64, 64) uint8
            latents = f["latents_classes"]  # (N, 6) with colour in column 0
            self.metadata = f["metadata"][()] if "metadata" in f.files else {}
        if self.imgs.dtype != np.uint8 or self.imgs.shape[1:] != (IMAGE_SIZE, IMAGE_SIZE):
            raise ValueError(f"{path}: expected uint8 images of 64x64, got {self.imgs.dtype} {self.imgs.shape}")
        self.row_classes = torch.from_numpy(np.asarray(latents)[:, 1:].astype(np.int64))  # (N, 5)
        index = classes_to_index(self.row_classes).numpy()
        self._order = np.argsort(index)
        self._sorted_index = index[self._order]

    def __len__(self) -> int:
        return len(self.imgs)

    def sample_factors(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        rows = torch.randint(len(self.imgs), (n,), generator=generator)
        return self.row_classes[rows].to(self.device)

    def images(self, classes: torch.Tensor) -> torch.Tensor:
        index = classes_to_index(classes.cpu()).numpy()
        pos = np.searchsorted(self._sorted_index, index).clip(max=len(self._sorted_index) - 1)
        if not np.array_equal(self._sorted_index[pos], index):
            raise ValueError("some requested factor combinations are not in this dSprites file")
        rows = self._order[pos]
        x = torch.from_numpy(self.imgs[rows])  # (B, 64, 64) uint8, converted only once on the device
        return x.to(self.device, non_blocking=True).unsqueeze(1).float()
