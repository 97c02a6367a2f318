"""Pictures from tensors: traversal grids (PNG), animated traversals (GIF), reconstructions, and
matplotlib figures of the metrics (the latent x factor mutual information, the KL of each latent).

Everything returns PIL images or ``matplotlib.figure.Figure`` objects (or writes files) and never
changes a model's mode; the app and the notebooks reuse these functions. Figures are built without
pyplot, so no backend is chosen here and nothing is shown: ``fig.savefig(path)``, or let a notebook
display the returned figure.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from .activity import ACTIVE_KL, is_active

if TYPE_CHECKING:
    from matplotlib.figure import Figure

LABEL_WIDTH = 92
PAD = 2


def to_pil(images: torch.Tensor, nrow: int, pad_value: float = 0.35) -> Image.Image:
    """(N, C, H, W) in [0, 1] -> one PIL grid image with ``nrow`` images per row."""
    n, c, h, w = images.shape
    if c == 1 and n > 1 and n % nrow == 0:  # greyscale, full rows: the same pixels as make_grid, 4x sooner
        rows = n // nrow
        grid = torch.full((rows * (h + PAD) + PAD, nrow * (w + PAD) + PAD), float(pad_value))
        cells = grid[PAD:, PAD:].view(rows, h + PAD, nrow, w + PAD)[:, :h, :, :w]
        cells.copy_(images.float().clamp(0, 1).view(rows, nrow, h, w).transpose(1, 2))
        return Image.fromarray((grid * 255).round().byte().numpy())
    from torchvision.utils import make_grid  # imported on first use: torchvision takes ~2 s to import

    grid = make_grid(images.float().clamp(0, 1), nrow=nrow, padding=PAD, pad_value=pad_value)
    array = (grid * 255).round().byte().permute(1, 2, 0).numpy()
    return Image.fromarray(array[..., 0] if array.shape[2] == 1 else array)


def _with_labels(grid: Image.Image, labels: list) -> Image.Image:
    """Put one text label (one or two lines) left of each row of cells."""
    canvas = _label_canvas(tuple(map(str, labels)), grid.width, grid.height).copy()
    canvas.paste(grid.convert("L"), (LABEL_WIDTH, 0))
    return canvas


@functools.lru_cache(maxsize=64)
def _label_canvas(labels: tuple, width: int, height: int) -> Image.Image:
    """The white canvas with the row labels drawn, cached: the app redraws the same rows for every code."""
    canvas = Image.new("L", (width + LABEL_WIDTH, height), 255)  # greyscale like the data: 1/3 the bytes
    draw, font = ImageDraw.Draw(canvas), ImageFont.load_default()
    row_height = height / max(1, len(labels))
    for r, text in enumerate(labels):
        lines = text.split("\n")
        top = (r + 0.5) * row_height - 6 * len(lines)
        for i, line in enumerate(lines):
            draw.text((4, top + 12 * i), line, fill=0, font=font)
    return canvas


def traversal_labels(traversal, names: dict | None = None) -> list[str]:
    """Row labels such as ``"z3 ~ posX\nKL 2.41"``: the matched factor (from ``names``, latent -> factor)
    and the latent's activity. Latents switched off (KL not above ``ACTIVE_KL``) get no factor name: what
    they share with a factor is estimation noise."""
    if traversal.activity_name == "category":  # rows are the categories of a discrete code
        return [f"category {k}" for k in traversal.dims]
    labels = []
    for d in traversal.dims:
        value = float(traversal.activity[d])
        active = traversal.activity_name != "KL" or bool(is_active(value))
        head = f"z{d} ~ {names[d]}" if names and d in names and active else f"z{d}"
        labels.append(f"{head}\n{traversal.activity_name} {value:.2f}")
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


# ---- metric figures (matplotlib) ------------------------------------------------------------------

MATCH_THRESHOLD = 0.2  # nats: a latent sharing less information than this with every factor is unnamed


def matched_factor_names(mi_matrix, factor_names, threshold: float = MATCH_THRESHOLD, active=None) -> dict:
    """``{latent: factor name}`` for each latent whose largest MI with a factor reaches ``threshold`` nats.

    ``mi_matrix`` is (D, K), e.g. ``metrics.mutual_info_matrix`` or ``evaluate_all(...)["mi_matrix"]``;
    the result feeds ``traversal_labels(traversal, names)`` ("z3 ~ posX"). ``active`` (D booleans, e.g.
    ``activity.is_active`` of the KL per latent) leaves switched-off latents unnamed: their MI is estimation noise.
    """
    mi = np.asarray(mi_matrix, dtype=float)
    if mi.ndim != 2 or mi.shape[1] != len(factor_names):
        raise ValueError(
            f"expected a (latents, {len(factor_names)}) MI matrix for factors {list(factor_names)}, "
            f"got shape {mi.shape}"
        )
    best = mi.argmax(1)  # (D,) the factor each latent captures best
    active = np.ones(len(mi), bool) if active is None else np.asarray(active, bool)
    return {d: factor_names[best[d]] for d in range(len(mi)) if mi[d, best[d]] >= threshold and active[d]}


def mi_heatmap(mi_matrix, factor_names, threshold: float = MATCH_THRESHOLD, active=None) -> Figure:
    """Latents (rows) x factors (columns) mutual information in nats, each cell written out.

    A row is labelled ``z3 ~ posX`` with the factor that latent captures best (``matched_factor_names``);
    rows of latents that ``active`` marks as switched off are labelled ``z3 (off)``.
    """
    mi = np.asarray(mi_matrix, dtype=float)
    names = matched_factor_names(mi, factor_names, threshold, active)
    off = set() if active is None else {d for d, on in enumerate(active) if not on}
    from matplotlib.figure import Figure  # on first use, like torchvision above

    fig = Figure(figsize=(1.1 * len(factor_names) + 2.2, 0.42 * len(mi) + 1.2), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(mi, cmap="viridis", vmin=0.0, aspect="auto")
    ax.set_xticks(range(len(factor_names)), labels=list(factor_names))
    ax.set_yticks(
        range(len(mi)),
        labels=[f"z{d} ~ {names[d]}" if d in names else f"z{d} (off)" if d in off else f"z{d}" for d in range(len(mi))],
    )
    ax.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False)
    for (d, k), value in np.ndenumerate(mi):
        bright = value > 0.6 * mi.max()
        ax.text(k, d, f"{value:.2f}", ha="center", va="center", fontsize=8, color="black" if bright else "white")
    fig.colorbar(image, ax=ax, label="mutual information (nats)")
    return fig


def kl_bar_chart(kl_per_latent) -> Figure:
    """One bar per latent: its average KL to the prior in nats, blue when active, with the line at ``ACTIVE_KL``."""
    kl = np.asarray(kl_per_latent.detach().cpu() if torch.is_tensor(kl_per_latent) else kl_per_latent, dtype=float)
    from matplotlib.figure import Figure

    fig = Figure(figsize=(0.45 * len(kl) + 2.0, 2.8), layout="constrained")
    ax = fig.add_subplot()
    ax.bar(range(len(kl)), kl, color=["tab:blue" if on else "tab:gray" for on in is_active(kl_per_latent).tolist()])
    ax.axhline(ACTIVE_KL, color="tab:red", linestyle="--", linewidth=1, label=f"active: KL > {ACTIVE_KL:g} nats")
    ax.set_xticks(range(len(kl)), labels=[f"z{d}" for d in range(len(kl))])
    ax.set_ylabel("KL to the prior (nats)")
    ax.legend(loc="upper right", fontsize=8)
    return fig


def confusion_figure(confusion, title: str | None = None) -> Figure:
    """A (K, K) confusion matrix as a heat map, each count written in its cell: rows are the true digit,
    columns the digit predicted (for an unsupervised model: its category's matched digit)."""
    counts = np.asarray(confusion, dtype=float)
    if counts.ndim != 2 or counts.shape[0] != counts.shape[1]:
        raise ValueError(f"expected a square confusion matrix, got shape {counts.shape}")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.2, 4.4), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(counts, cmap="Blues", vmin=0.0)
    k = len(counts)
    ax.set_xticks(range(k), labels=[str(d) for d in range(k)])
    ax.set_yticks(range(k), labels=[str(d) for d in range(k)])
    ax.set_xlabel("predicted digit (category after matching)")
    ax.set_ylabel("true digit")
    for (r, c), value in np.ndenumerate(counts):
        bright = value > 0.6 * counts.max()
        ax.text(c, r, f"{value:.0f}", ha="center", va="center", fontsize=7, color="white" if bright else "black")
    if title:
        ax.set_title(title, fontsize=10)
    fig.colorbar(image, ax=ax, label="digits")
    return fig


def latent_maps(maps: dict, unseen, titles: dict | None = None) -> Figure:
    """Side-by-side 2-D maps of latent parts (``{name: (points (N, 2), labels (N,))}``), one colour per class.

    Unseen classes are drawn as crosses, seen ones as dots: in a category-distilling latent (z^t, or
    CADA-VAE's z) the classes form clusters; in a category-dispersing one (z^p) they mix.
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(4.2 * len(maps), 4.0), layout="constrained")
    unseen = set(int(k) for k in unseen)
    for i, (key, (points, labels)) in enumerate(maps.items()):
        ax = fig.add_subplot(1, len(maps), i + 1)
        colours = np.asarray(labels) % 20  # tab20: neighbouring class ids get distinct colours
        is_unseen = np.isin(labels, list(unseen))
        ax.scatter(*points[~is_unseen].T, c=colours[~is_unseen], cmap="tab20", vmin=0, vmax=19, s=9, marker="o")
        ax.scatter(*points[is_unseen].T, c=colours[is_unseen], cmap="tab20", vmin=0, vmax=19, s=22, marker="x")
        ax.set_title((titles or {}).get(key, key))
        ax.set_xticks([])
        ax.set_yticks([])
    return fig


def transfer_grid_image(faces: torch.Tensor, donors: torch.Tensor, table: torch.Tensor, scale: int = 2) -> Image.Image:
    """The content-transfer figure: donors across the top, faces down the left, cell (i, j) = face i with
    donor j's attribute (``content.transfer_table``); a white gap sets the inputs apart. Enlarged ``scale`` x."""
    f, d = table.shape[:2]
    blank = torch.ones_like(faces[:1])
    top = torch.cat([blank, donors])  # (D + 1, 3, H, W)
    rows = torch.cat([top] + [torch.cat([faces[i : i + 1], table[i]]) for i in range(f)])
    grid = to_pil(rows, nrow=d + 1, pad_value=1.0)
    # a wider white gap after the first row and the first column
    cell = faces.shape[-1] + PAD
    canvas = Image.new("RGB", (grid.width + 4, grid.height + 4), "white")
    canvas.paste(grid.crop((0, 0, cell, cell)), (0, 0))
    canvas.paste(grid.crop((cell, 0, grid.width, cell)), (cell + 4, 0))
    canvas.paste(grid.crop((0, cell, cell, grid.height)), (0, cell + 4))
    canvas.paste(grid.crop((cell, cell, grid.width, grid.height)), (cell + 4, cell + 4))
    return canvas.resize((canvas.width * scale, canvas.height * scale), Image.NEAREST)


def labelled_row(images: torch.Tensor, labels: list[str], scale: int = 4, gap: int = 8) -> Image.Image:
    """(N, 3, H, W) in [0, 1] -> one row of the images, each enlarged ``scale`` x (nearest), its label below."""
    if len(labels) != len(images):
        raise ValueError(f"labelled_row needs one label per image, got {len(labels)} labels for {len(images)} images")
    side = images.shape[-1] * scale
    font = ImageFont.load_default()
    caption = 2 * gap + 12  # one line of the default font (11 px high)
    canvas = Image.new("RGB", (len(images) * (side + gap) + gap, side + gap + caption), "white")
    draw = ImageDraw.Draw(canvas)
    pixels = (images.detach().float().cpu().clamp(0, 1) * 255).round().byte().permute(0, 2, 3, 1).numpy()
    for i, (tile, text) in enumerate(zip(pixels, labels)):
        left = gap + i * (side + gap)
        canvas.paste(Image.fromarray(tile, "RGB").resize((side, side), Image.NEAREST), (left, gap))
        width = draw.textlength(text, font=font)
        draw.text((left + (side - width) / 2, side + 2 * gap), text, fill=0, font=font)
    return canvas
