"""Pictures from tensors: traversal grids (PNG), animated traversals (GIF), reconstructions.

Everything returns PIL images or matplotlib figures (or writes files) and never changes a model's
mode; the app and the notebooks reuse these functions. Figures are built with ``Figure()``, not
``pyplot``, so that the app's threads never share pyplot's global state.
"""

from __future__ import annotations

from pathlib import Path

import torch
from PIL import Image, ImageDraw, ImageFont
from torchvision.utils import make_grid

from .evaluation import ACTIVE_KL

LABEL_WIDTH = 92
PAD = 2


def to_pil(images: torch.Tensor, nrow: int, pad_value: float = 0.35) -> Image.Image:
    """(N, C, H, W) in [0, 1] -> one PIL grid image with ``nrow`` images per row."""
    grid = make_grid(images.float().clamp(0, 1), nrow=nrow, padding=PAD, pad_value=pad_value)
    array = (grid * 255).round().byte().permute(1, 2, 0).numpy()
    return Image.fromarray(array[..., 0] if array.shape[2] == 1 else array)


def _with_labels(grid: Image.Image, labels: list) -> Image.Image:
    """Put one text label (one or two lines) left of each row of cells."""
    canvas = Image.new("L", (grid.width + LABEL_WIDTH, grid.height), 255)  # greyscale, like the data
    canvas.paste(grid.convert("L"), (LABEL_WIDTH, 0))
    draw, font = ImageDraw.Draw(canvas), ImageFont.load_default()
    row_height = grid.height / max(1, len(labels))
    for r, text in enumerate(labels):
        lines = str(text).split("\n")
        top = (r + 0.5) * row_height - 6 * len(lines)
        for i, line in enumerate(lines):
            draw.text((4, top + 12 * i), line, fill=0, font=font)
    return canvas


def traversal_labels(traversal, names: dict | None = None) -> list[str]:
    """Row labels such as ``"z3  KL 2.41"`` (or ``"z3 ≈ posX"`` when ``names`` maps latents to factors)."""
    labels = []
    for d in traversal.dims:
        if names and d in names:
            labels.append(f"z{d} ~ {names[d]}")
        else:
            labels.append(f"z{d}\n{traversal.activity_name} {traversal.activity[d]:.2f}")
    return labels


def traversal_grid(traversal, labels: list | None = None) -> Image.Image:
    """The whole traversal as one PNG-ready image: a row per latent, a column per value."""
    rows, steps = traversal.images.shape[:2]
    grid = to_pil(traversal.images.flatten(0, 1), nrow=steps)
    labels = traversal_labels(traversal) if labels is None else labels
    return _with_labels(grid, labels)


def traversal_frames(traversals: list, labels: list | None = None, scale: int = 2) -> list[Image.Image]:
    """Animation frames: row r shows latent r sweeping its range, one column per starting image.

    ``traversals`` are traversals of the same model from different starting images (same row order).
    The sweep goes forth and back so the GIF loops smoothly.
    """
    first = traversals[0]
    rows, steps = first.images.shape[:2]
    order = list(range(steps)) + list(range(steps - 2, 0, -1))
    labels = traversal_labels(first) if labels is None else labels
    frames = []
    for t in order:
        cells = torch.stack([tr.images[:, t] for tr in traversals], dim=1)  # (rows, starts, C, H, W)
        grid = to_pil(cells.flatten(0, 1), nrow=len(traversals))
        grid = grid.resize((grid.width * scale, grid.height * scale), Image.NEAREST)
        frames.append(_with_labels(grid, labels))
    return frames


def save_gif(frames: list[Image.Image], path, duration_ms: int = 110) -> Path:
    """Write frames as a looping GIF with Pillow."""
    path = Path(path)
    frames[0].save(path, save_all=True, append_images=frames[1:], duration=duration_ms, loop=0, optimize=True)
    return path


def reconstructions(x: torch.Tensor, x_hat: torch.Tensor) -> Image.Image:
    """Inputs (top row) above their reconstructions (bottom row)."""
    return to_pil(torch.cat([x, x_hat]).cpu(), nrow=len(x))


def enlarge(images: torch.Tensor, scale: int = 4) -> Image.Image:
    """(N, C, H, W) in [0, 1] -> one row of images, each pixel drawn as a ``scale`` x ``scale`` block."""
    grid = to_pil(images, nrow=len(images))
    return grid.resize((grid.width * scale, grid.height * scale), Image.NEAREST)


def kl_bar_chart(kl_per_latent, title: str | None = None):
    """A bar per latent: its average KL to the prior in nats (a latent near 0 carries no information)."""
    from matplotlib.figure import Figure

    kl = torch.as_tensor(kl_per_latent).float().cpu()
    figure = Figure(figsize=(4.2, 2.6), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    axes.bar(range(len(kl)), kl.numpy(), color="#4c72b0")
    axes.axhline(ACTIVE_KL, color="grey", linewidth=0.8, linestyle="--")  # the "active" threshold
    axes.set_xticks(range(len(kl)), [f"z{d}" for d in range(len(kl))], fontsize=8)
    axes.set_ylabel("KL (nats)")
    if title:
        axes.set_title(title, fontsize=10)
    return figure
