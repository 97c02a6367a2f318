"""Image-similarity scores for content transfer, as pure functions of image tensors in [0, 1].

- ``psnr``: peak signal-to-noise ratio per image, optionally over a mask of pixels only;
- ``ssim``: structural similarity (Wang et al. 2004) with an 11x11 Gaussian window (σ = 1.5),
  K1 = 0.01, K2 = 0.03, averaged over pixels and channels, per image (the usual "valid" convolution).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

MAX_PSNR = 100.0  # dB, reported for identical images instead of infinity


def psnr(x: torch.Tensor, y: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """(B, C, H, W) x2 -> (B,) PSNR in dB (peak 1.0). ``mask`` (B, H, W) bool: score those pixels only."""
    if x.shape != y.shape:
        raise ValueError(f"psnr needs images of one shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    err = (x.float() - y.float()).square().mean(1)  # (B, H, W), averaged over channels
    if mask is None:
        mse = err.flatten(1).mean(1)
    else:
        weight = mask.float()
        mse = (err * weight).flatten(1).sum(1) / weight.flatten(1).sum(1).clamp_min(1)
    return (10 * torch.log10(1.0 / mse.clamp_min(10 ** (-MAX_PSNR / 10)))).clamp(max=MAX_PSNR)


def _gaussian_window(size: int = 11, sigma: float = 1.5) -> torch.Tensor:
    g = torch.exp(-((torch.arange(size) - (size - 1) / 2) ** 2) / (2 * sigma**2))
    g = g / g.sum()
    return g[:, None] * g[None, :]  # (size, size)


def ssim(x: torch.Tensor, y: torch.Tensor, window: int = 11, sigma: float = 1.5) -> torch.Tensor:
    """(B, C, H, W) x2 in [0, 1] -> (B,) mean SSIM."""
    if x.shape != y.shape:
        raise ValueError(f"ssim needs images of one shape, got {tuple(x.shape)} and {tuple(y.shape)}")
    c = x.shape[1]
    kernel = _gaussian_window(window, sigma).to(x.device)[None, None].expand(c, 1, -1, -1)
    blur = lambda t: F.conv2d(t, kernel, groups=c)  # noqa: E731  (valid convolution, per channel)
    x, y = x.float(), y.float()
    mu_x, mu_y = blur(x), blur(y)
    var_x = blur(x * x) - mu_x.square()
    var_y = blur(y * y) - mu_y.square()
    cov = blur(x * y) - mu_x * mu_y
    c1, c2 = 0.01**2, 0.03**2
    s = ((2 * mu_x * mu_y + c1) * (2 * cov + c2)) / ((mu_x.square() + mu_y.square() + c1) * (var_x + var_y + c2))
    return s.flatten(1).mean(1)


def mean_finite(values: torch.Tensor) -> float:
    """The mean of a score over images, as a float (NaN-free inputs expected)."""
    value = float(values.float().mean())
    if math.isnan(value):
        raise ValueError("a score was NaN; check the images for NaN pixels")
    return value
