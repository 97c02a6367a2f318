"""Anti-aliased drawing in torch, vectorised over a batch: palettes, signed distances to curves and
segments, coverage and compositing. The procedural faces (``faces.py``) are drawn with these."""

from __future__ import annotations

import torch


def blend(palette, t: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear palette lookup: (B,) in [0, 1] -> (B, 3)."""
    colours = torch.tensor(palette, device=t.device)
    pos = t.clamp(0, 1) * (len(palette) - 1)
    lo = pos.floor().long().clamp(max=len(palette) - 2)
    w = (pos - lo)[:, None]
    return colours[lo] * (1 - w) + colours[lo + 1] * w


def pick(palette, t: torch.Tensor) -> torch.Tensor:
    """Discrete palette lookup: (B,) in [0, 1) -> (B, 3)."""
    colours = torch.tensor(palette, device=t.device)
    return colours[(t * len(palette)).long().clamp(0, len(palette) - 1)]


def hsv(h, s, v) -> torch.Tensor:
    """(B,) hue, saturation, value in [0, 1] -> (B, 3) RGB."""
    k = (torch.tensor([5.0, 3.0, 1.0], device=h.device)[None] + h[:, None] * 6) % 6
    return v[:, None] - v[:, None] * s[:, None] * (torch.minimum(k, 4 - k).clamp(0, 1))


def cover(distance: torch.Tensor) -> torch.Tensor:
    """Signed distance in pixels (negative inside) -> anti-aliased coverage in [0, 1]."""
    return (0.5 - distance).clamp(0, 1)


def superellipse(px, py, cx, cy, rx, ry, p) -> torch.Tensor:
    """Approximate signed distance (pixels) to the curve |x/rx|^p + |y/ry|^p = 1 around (cx, cy)."""
    level = ((px - cx).abs() / rx).pow(p) + ((py - cy).abs() / ry).pow(p)
    return (level.clamp_min(1e-6).pow(1 / p) - 1) * torch.minimum(rx, ry)


def segment(px, py, x0, y0, x1, y1) -> torch.Tensor:
    """Distance (pixels) from every pixel to the segment (x0, y0)-(x1, y1)."""
    dx, dy = x1 - x0, y1 - y0
    t = (((px - x0) * dx + (py - y0) * dy) / (dx * dx + dy * dy).clamp_min(1e-6)).clamp(0, 1)
    return torch.hypot(px - x0 - t * dx, py - y0 - t * dy)


def over(canvas: torch.Tensor, colour: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """Composite a layer: canvas (B, 3, H, W), colour (B, 3) or (B, 3, H, W), alpha (B, H, W)."""
    if colour.dim() == 2:
        colour = colour[:, :, None, None]
    return canvas + (colour - canvas) * alpha[:, None]
