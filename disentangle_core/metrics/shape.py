"""Two measurements of a drawn digit's shape, read from its pixels: slant and stroke thickness (ink).

InfoGAN's continuous codes are said to mean "slant" and "width" (Chen et al. 2016, figure 2). These
turn that picture into numbers: sweep one code, measure the generated digits, and correlate.

- ``slant``: the shear of the ink distribution from its second central moments, ``-mu11 / mu02``
  (x right, y down), the measure of the classic MNIST deskewing step. It is the tan of the lean: an
  image sheared by ``x += k * (height above the centre)`` has its slant raised by ``k`` (exactly, up to
  resampling).
- ``ink``: mean stroke thickness in pixels, ``2 * area / perimeter``, with the area the total ink and
  the perimeter the image's total variation (the summed magnitude of its gradient between neighbouring
  pixels, about the length of the outline for a clean binary image). A stroke of length L and thickness t
  has area ``t L`` and outline ``~2 L``, so the ratio is t whatever the digit, where mean intensity would
  mix thickness with how much a digit has to draw.

Images are tensors (N, 1, H, W) or (N, H, W) of non-negative ink (white digit on black, as MNIST).
A blank image measures 0 for both.
"""

from __future__ import annotations

import torch


def _ink_maps(images) -> torch.Tensor:
    images = torch.as_tensor(images).float()
    if images.ndim == 4 and images.shape[1] == 1:
        images = images[:, 0]
    if images.ndim != 3:
        raise ValueError(f"images must be (N, 1, H, W) or (N, H, W), got shape {tuple(images.shape)}")
    if (images < 0).any():
        raise ValueError("images must hold non-negative ink (a white digit on black, values in [0, 1])")
    return images  # (N, H, W)


def slant(images) -> torch.Tensor:
    """(N,) lean of each digit as a shear tan: > 0 leans right (top to the right of the bottom), 0 upright."""
    mass = _ink_maps(images)
    n, height, width = mass.shape
    ys = torch.arange(height, dtype=mass.dtype, device=mass.device)[:, None]  # rows, down
    xs = torch.arange(width, dtype=mass.dtype, device=mass.device)[None, :]
    total = mass.sum((1, 2))  # (N,)
    safe = total.clamp_min(1e-12)
    cy = (mass * ys).sum((1, 2)) / safe
    cx = (mass * xs).sum((1, 2)) / safe
    dy, dx = ys - cy[:, None, None], xs - cx[:, None, None]  # (N, H, 1), (N, 1, W)
    mu11 = (mass * dx * dy).sum((1, 2)) / safe
    mu02 = (mass * dy * dy).sum((1, 2)) / safe
    # with y down, a digit leaning right has its ink further right where y is smaller: mu11 < 0
    return torch.where(mu02 > 1e-12, -mu11 / mu02.clamp_min(1e-12), torch.zeros_like(mu02))


def ink(images) -> torch.Tensor:
    """(N,) mean stroke thickness in pixels, ``2 * total ink / total variation``; 0 for a blank image."""
    mass = _ink_maps(images)
    # two pixels of blank margin: an outline along the image's border is counted from both sides too
    padded = torch.nn.functional.pad(mass, (2, 2, 2, 2))  # (N, H + 4, W + 4)
    gx = padded[:, :, 1:] - padded[:, :, :-1]  # (N, H + 4, W + 3) differences between neighbours
    gy = padded[:, 1:, :] - padded[:, :-1, :]  # (N, H + 3, W + 4)
    # each pixel of the (H + 2, W + 2) inner block pairs a horizontal with a vertical difference;
    # averaging the four one-sided pairings (left/right x above/below) keeps the measure the same
    # for a mirrored or flipped digit
    perimeter = 0.0
    for gx_side in (gx[:, 1:-1, :-1], gx[:, 1:-1, 1:]):  # left, right of each pixel: (N, H + 2, W + 2)
        for gy_side in (gy[:, :-1, 1:-1], gy[:, 1:, 1:-1]):  # above, below
            perimeter = perimeter + (gx_side.square() + gy_side.square()).sqrt().sum((1, 2)) / 4
    area = mass.sum((1, 2))
    return torch.where(perimeter > 1e-12, 2 * area / perimeter.clamp_min(1e-12), torch.zeros_like(area))
