"""One input of the glasses / beard tab, kept in the browser session: face a or donor b.

A pick is a picture (1, 3, 64, 64) and where it came from. For a model trained on drawn faces it is a
gallery drawing, a random held-out drawing or an uploaded photo's centre square; for a model trained on
CelebA photos it is the astronaut, an uploaded photo aligned as CelebA's faces are, or a shipped donor code
E2(b), which carries its code and, as its picture, what the model draws with it on the astronaut.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

SCALE = 4  # 64x64 results drawn 4x (256 px), one block per pixel
GRID_SIZE = 4  # the transfer grid: the chosen face and donor and at most 3 more of each from the gallery


@dataclass(frozen=True, eq=False)  # compared by identity: a tensor has no single truth value
class Pick:
    """One input of the tab, kept in the browser session."""

    x: torch.Tensor  # (1, 3, 64, 64) in [0, 1]
    source: str  # "gallery", "random" or "upload"
    index: int | None = None  # its number in the gallery
    attribute: str | None = None  # a donor's attribute; None for a face (which has none)
    photo: bool = False  # a photo aligned as CelebA's faces are (for photo models), else a drawing's geometry
    code: torch.Tensor | None = None  # a shipped donor code E2(b), (1, C, S, S); x is then its drawing
    code_of: str | None = None  # the model whose E2 read ``code`` (no other model can read it)
