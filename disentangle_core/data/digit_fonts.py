"""Digits 0-9 drawn from the fonts that ship with matplotlib, with known slant, rotation, width, scale, shift.

Each glyph's outline (``matplotlib.textpath.TextPath``) is rasterised once, four times finer than the
28x28 output, and kept as a *signed distance field*: per fine pixel, the distance in output pixels to
the glyph's edge, negative inside. Drawing a batch is then two tensor operations on the device:

1. ``affine_grid`` / ``grid_sample`` warp the distance field by slant (shear), rotation, scale and shift;
2. the ink is a one-pixel ramp around the level ``width`` of the warped field: ``width`` > 0 dilates
   the stroke by that many pixels on each side, < 0 erodes it. A distance field makes stroke width
   continuous and anti-aliased for free, where max-pool dilation would step in whole pixels.

At scale 1 a glyph's box is 20 pixels tall, centred in the 28x28 canvas, as in MNIST; digits are
white (1) on black (0).
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F

IMAGE_SIZE = 28
GLYPH_HEIGHT = 20.0  # pixels: MNIST fits each digit in a 20x20 box centred in 28x28
FINE = 4  # the glyph bank is FINE times finer than the output: 112x112 per glyph
FONTS = ("DejaVu Sans", "DejaVu Serif", "DejaVu Sans Mono")

# The ground-truth factors, their units and the ranges they are drawn from (uniformly).
FACTOR_NAMES = ("slant", "rotation", "width", "scale", "dx", "dy")
FACTOR_UNITS = (
    "shear tan (x += slant * height above centre; > 0 leans right)",
    "degrees (> 0 turns counter-clockwise)",
    "pixels of dilation on each side of the stroke (< 0 erodes)",
    "factor on the 20-pixel glyph box",
    "pixels (> 0 moves right)",
    "pixels (> 0 moves down)",
)
FACTOR_RANGES = ((-0.4, 0.4), (-15.0, 15.0), (-0.3, 1.2), (0.8, 1.1), (-2.0, 2.0), (-2.0, 2.0))
NEUTRAL = (0.0, 0.0, 0.0, 1.0, 0.0, 0.0)  # upright, unchanged stroke, 20-pixel box, centred


def _glyph_mask(digit: str, family: str, size: int) -> np.ndarray:
    """(size, size) bool: the glyph's filled outline, its box GLYPH_HEIGHT tall and centred, rows top-down."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path
    from matplotlib.textpath import TextPath

    path = TextPath((0, 0), digit, size=1.0, prop=FontProperties(family=family))
    box = path.get_extents()
    unit = GLYPH_HEIGHT / box.height  # font units -> output pixels
    centre = np.array([(box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2])
    fine = (np.arange(size) + 0.5) / FINE - IMAGE_SIZE / 2  # fine pixel centres, output pixels from the middle
    x, y = np.meshgrid(fine, -fine)  # y up in font space, rows run down the image
    points = np.stack([x.ravel(), y.ravel()], 1) / unit + centre
    inside = np.zeros(len(points), dtype=bool)
    for polygon in path.to_polygons(closed_only=True):  # outer contours and holes: the even-odd rule
        inside ^= Path(polygon).contains_points(points)
    return inside.reshape(size, size)


@functools.lru_cache(maxsize=4)
def glyph_bank(fonts: tuple[str, ...] = FONTS) -> torch.Tensor:
    """(len(fonts) * 10, 1, 112, 112) signed distance fields in output pixels; row ``font * 10 + digit``."""
    from scipy.ndimage import distance_transform_edt  # 0.2 s to import: only when glyphs are first drawn

    size = IMAGE_SIZE * FINE
    fields = []
    for family in fonts:
        for digit in range(10):
            mask = _glyph_mask(str(digit), family, size)
            # distances between fine pixel centres; the edge lies half a fine pixel from either centre
            outside = distance_transform_edt(~mask) - 0.5
            inside = distance_transform_edt(mask) - 0.5
            fields.append(np.where(mask, -inside, outside) / FINE)
    return torch.from_numpy(np.stack(fields)[:, None].astype(np.float32))


def render(bank: torch.Tensor, glyphs: torch.Tensor, factors: torch.Tensor) -> torch.Tensor:
    """(B,) rows of ``bank`` and (B, 6) factors -> (B, 1, 28, 28) images in [0, 1].

    The forward map of a glyph point p (pixels from the centre, y down) is
    ``q = scale * R(rotation) @ H(slant) @ p + (dx, dy)``; ``grid_sample`` needs its inverse at every
    output pixel. Bank and output span the same 28-pixel square, so normalised coordinates agree.
    """
    slant, rotation, width, scale, dx, dy = factors.float().unbind(1)  # each (B,)
    theta = torch.deg2rad(rotation)
    cos, sin = torch.cos(theta), torch.sin(theta)
    # R(theta)^-1 = [[cos, -sin], [sin, cos]] for a counter-clockwise turn on screen (y down);
    # H(slant)^-1 = [[1, slant], [0, 1]] undoes x -> x - slant * y (y down, so the top moves right).
    inv = torch.stack([torch.stack([cos, -sin], 1), torch.stack([sin, cos], 1)], 1)  # (B, 2, 2)
    shear = torch.zeros_like(inv)
    shear[:, 0, 0], shear[:, 0, 1], shear[:, 1, 1] = 1.0, slant, 1.0
    linear = shear @ inv / scale[:, None, None]  # (B, 2, 2) maps q - t to p
    shift = torch.stack([dx, dy], 1) / (IMAGE_SIZE / 2)  # (B, 2) in normalised coordinates
    affine = torch.cat([linear, -(linear @ shift[:, :, None])], 2)  # (B, 2, 3)
    grid = F.affine_grid(affine, (len(glyphs), 1, IMAGE_SIZE, IMAGE_SIZE), align_corners=False)
    # border padding: beyond the bank the field keeps its edge value, at least 4 pixels from any glyph
    distance = F.grid_sample(bank[glyphs], grid, mode="bilinear", padding_mode="border", align_corners=False)
    distance = distance * scale[:, None, None, None]  # glyph pixels -> output pixels
    return (0.5 + width[:, None, None, None] - distance).clamp(0.0, 1.0)  # one-pixel anti-aliased edge


def factor_range_tensors(device) -> tuple[torch.Tensor, torch.Tensor]:
    """(6,) low and (6,) high ends of ``FACTOR_RANGES`` on ``device``."""
    low, high = torch.tensor(FACTOR_RANGES, device=device).unbind(1)
    return low, high


def sweep(name: str, steps: int, device="cpu") -> torch.Tensor:
    """(steps, 6) factors: ``name`` from its low to its high end, every other factor at ``NEUTRAL``."""
    if name not in FACTOR_NAMES:
        raise ValueError(f"unknown digits factor {name!r}; choose from: {', '.join(FACTOR_NAMES)}")
    factors = torch.tensor(NEUTRAL, device=device).repeat(steps, 1)
    low, high = FACTOR_RANGES[FACTOR_NAMES.index(name)]
    factors[:, FACTOR_NAMES.index(name)] = torch.linspace(low, high, steps, device=device)
    return factors
