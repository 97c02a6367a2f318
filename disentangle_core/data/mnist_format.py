"""Any picture of one digit -> a 28x28 image laid out the way MNIST's digits are.

MNIST's digits (LeCun et al.) were size-normalised to fit a 20x20 box, keeping their aspect ratio, and
then placed in a 28x28 frame so that their centre of mass sits at the centre. Models trained on MNIST
read a digit drawn anywhere, at any size, only after the same steps: a digit in a corner of a big canvas
is nothing like what they saw. Ink is bright (1) on a dark (0) background, as in MNIST.
"""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image

IMAGE_SIZE = 28
BOX_SIZE = 20  # the digit's longer side after size normalisation (MNIST's 20x20 box)
INK_LEVEL = 0.05  # a pixel at least this bright counts as ink when the digit's bounding box is found


def ink_on_black(grey: np.ndarray) -> np.ndarray:
    """(H, W) grey levels in [0, 1] -> the same with the ink bright: a picture whose border is mostly
    light (dark pen on paper, a sketchpad's default) is inverted."""
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    return 1.0 - grey if np.median(border) > 0.5 else grey


def to_mnist_format(ink: np.ndarray) -> torch.Tensor:
    """(H, W) ink in [0, 1] (bright digit on black) -> (1, 1, 28, 28) float tensor in MNIST's layout.

    Crop to the ink's bounding box, scale its longer side to 20 pixels (aspect kept, area-averaged),
    then paste it so that its centre of mass lands on the centre of the 28x28 frame.
    """
    ink = np.asarray(ink, dtype=np.float32)
    if ink.ndim != 2:
        raise ValueError(f"expected a (height, width) grey image, got shape {ink.shape}")
    rows, cols = np.nonzero(ink >= INK_LEVEL)
    if len(rows) == 0:
        raise ValueError("the image has no ink; draw or upload a digit")
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    height, width = crop.shape
    scale = BOX_SIZE / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))  # PIL: (width, height)
    resample = Image.BOX if scale < 1 else Image.BILINEAR  # area average when shrinking (anti-aliased)
    digit = np.asarray(Image.fromarray(crop).resize(size, resample), dtype=np.float32)
    digit = np.clip(digit / max(float(digit.max()), 1e-6), 0.0, 1.0)  # the strongest stroke is full ink

    ys, xs = np.indices(digit.shape)
    total = digit.sum()
    centre_y, centre_x = (ys * digit).sum() / total, (xs * digit).sum() / total
    h, w = digit.shape
    # shift the centre of mass to (14, 14), staying inside the frame (a 20-pixel box always fits)
    top = int(np.clip(round(IMAGE_SIZE / 2 - centre_y), 0, IMAGE_SIZE - h))
    left = int(np.clip(round(IMAGE_SIZE / 2 - centre_x), 0, IMAGE_SIZE - w))
    frame = np.zeros((IMAGE_SIZE, IMAGE_SIZE), dtype=np.float32)
    frame[top : top + h, left : left + w] = digit
    return torch.from_numpy(frame)[None, None]  # (1, 1, 28, 28)
