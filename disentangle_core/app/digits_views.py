"""What the digits tab needs beyond loading a model: its codes as sliders, the held-out gallery, sketches.

A digits model (InfoGAN, JointVAE) has a categorical code (one of K unnamed categories) and continuous
codes. ``DigitView`` turns the raw values of the tab's controls into a code, draws it, sweeps it into
the InfoGAN paper's figure, and reads a digit back (Q for InfoGAN, the encoder for JointVAE). Sketches
become MNIST-like 28x28 digits with ``data.mnist_format``. ``ModelCache.load`` does the loading;
``DigitViews`` keeps the prepared view of each shipped digits model.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import torch
from PIL import Image

from ..data.digits import heldout_sample
from ..data.mnist_format import ink_on_black, to_mnist_format
from ..families import FAMILIES
from ..plotting import enlarge, traversal_grid
from ..traversal import category_sweep, decode_images
from .common import ModelCache, image_file
from .inputs import MAX_UPLOAD_SIDE, check_choice, check_number

DIGITS = FAMILIES["digits"].datasets  # the datasets of the models these views are for
MAX_CODES = 3  # continuous codes given a slider (JointVAE: its most used ones)
SPAN = 2.0  # sliders and the figure sweep [-2, 2]; InfoGAN trained on [-1, 1], so the ends extrapolate
FIGURE_STEPS = 7
MAX_SEED = 999_999  # six digits: the message "between 0 and 999999" stays readable
SKETCH_MESSAGE = "the sketch is not an image; draw a digit in the sketchpad"
EMPTY_MESSAGE = "the sketch is empty; draw a digit first"


@dataclass
class DigitView:
    """A digits model with the continuous codes shown (``dims``, indices into its continuous part)."""

    name: str
    model: torch.nn.Module
    card: dict
    dims: list

    @property
    def num_categories(self) -> int:
        return self.model.config.num_categories

    def matched_digit(self, k: int):
        """The digit category ``k`` was matched to after training (None for a card without a matching)."""
        matching = self.card.get("category_to_digit")
        return matching[k] if matching and k < len(matching) else None

    def category_choices(self) -> list:
        """(label, value) per category: ``"3 → 4"`` reads "category 3, matched to digit 4"."""
        return [
            (f"{k} → {d}" if (d := self.matched_digit(k)) is not None else str(k), k)
            for k in range(self.num_categories)
        ]

    def code_label(self, d: int) -> str:
        """``"c1 ≈ slant"``: the code's name, the shape factor it tracks (from the card), its KL if known."""
        metrics, name = self.card.get("metrics", {}), f"c{d}"
        factors = [factor for factor in ("slant", "ink") if metrics.get(f"{factor}_code") == name]
        kl = self.card.get("continuous_kl")
        return name + "".join(f" ≈ {f}" for f in factors) + (f"  (KL {kl[d]:.2f})" if kl else "")

    def code(self, category, values, seed) -> torch.Tensor:
        """(code_dim,) the seeded random code with ``category`` and the shown codes set to ``values``
        (the seed draws InfoGAN's noise, and JointVAE's latents without a slider)."""
        category = check_number(category, "category", 0, self.num_categories - 1, integer=True)
        seed = check_number(seed, "noise seed", 0, MAX_SEED, integer=True)
        if not isinstance(values, (list, tuple)) or len(values) < len(self.dims):
            raise ValueError(f"expected {len(self.dims)} code values for {self.name}, got {values!r}")
        code = self.model.sample_code(1, torch.Generator().manual_seed(seed))["code"][0].clone()
        code[self.model.categorical_slice] = torch.nn.functional.one_hot(torch.tensor(category), self.num_categories)
        for d, value in zip(self.dims, values):
            code[self.model.continuous_slice.start + d] = check_number(value, f"code c{d}", -SPAN, SPAN)
        return code

    @torch.inference_mode()
    def draw(self, code: torch.Tensor, scale: int = 8) -> Image.Image:
        """The digit G draws from ``code`` (one decoder pass), enlarged ``scale`` times."""
        return enlarge(decode_images(self.model, code[None]), scale)

    def figure(self, code: torch.Tensor) -> Image.Image:
        """The InfoGAN paper's figure around ``code``: a row per category, each shown code swept in turn."""
        sweep = category_sweep(self.model, code, self.dims, FIGURE_STEPS, SPAN)
        labels = [
            f"category {k}" + (f" -> {d}" if (d := self.matched_digit(k)) is not None else "")
            for k in range(self.num_categories)
        ]  # "->": the grid's bitmap font has no arrow
        return traversal_grid(sweep, labels)

    @torch.inference_mode()
    def read(self, x: torch.Tensor) -> dict:
        """What the model reads from x (1, 1, 28, 28): its category, its probability, the continuous codes,
        and the code G redraws the digit from (zero noise)."""
        reading = self.model.read(x)
        probabilities = reading["category_logits"].float().softmax(1)[0]
        category = int(probabilities.argmax())
        continuous = reading["continuous"][0].float()
        code = torch.zeros(self.model.config.code_dim)
        code[self.model.continuous_slice] = continuous
        code[self.model.categorical_slice.start + category] = 1.0
        return {
            "category": category,
            "probability": float(probabilities[category]),
            "continuous": continuous.tolist(),
            "code": code,
        }

    def reading_text(self, reading: dict) -> str:
        """One line such as ``category 3 → 4 (p = 0.87) · c0 = 0.41 · c1 = -1.20``."""
        k, d = reading["category"], self.matched_digit(reading["category"])
        head = f"category {k}" + (f" → {d}" if d is not None else "") + f" (p = {reading['probability']:.2f})"
        return " · ".join([head, *(f"c{i} = {reading['continuous'][i]:+.2f}" for i in self.dims)])


class DigitViews:
    """The prepared views of the shipped digits models, by asset name (built on first use)."""

    def __init__(self, cache: ModelCache):
        self.cache = cache
        self._views: dict = {}
        self._lock = threading.Lock()

    def names(self) -> list:
        return self.cache.names(DIGITS)

    def get(self, name) -> DigitView:
        """The view of digits model ``name`` (the card says which continuous codes get a slider)."""
        check_choice(name, self.names(), "model")
        model, card = self.cache.load(name)
        with self._lock:
            if name not in self._views:
                continuous_dim = model.config.continuous_dim
                kl = card.get("continuous_kl")
                dims = sorted(range(continuous_dim), key=lambda d: -kl[d]) if kl else list(range(continuous_dim))
                self._views[name] = DigitView(name, model, card, dims[:MAX_CODES])
            return self._views[name]


# ---- the held-out gallery ------------------------------------------------------------------------


@lru_cache(maxsize=1)
def gallery() -> dict:
    """The 100 shipped held-out real digits, ``{"x": (100, 1, 28, 28), "labels": (100,)}``, read once."""
    return heldout_sample()


@lru_cache(maxsize=1)
def _gallery_images() -> list:
    sample = gallery()
    return [(enlarge(sample["x"][i : i + 1], 2), str(int(sample["labels"][i]))) for i in range(len(sample["x"]))]


def gallery_files() -> list:
    """(PNG path, caption) of each held-out digit, for a ``gr.Gallery``. The files are written (or
    touched) on every call, since the app's folder forgets files untouched for an hour."""
    return [(image_file(image), caption) for image, caption in _gallery_images()]


def heldout_digit(index) -> torch.Tensor:
    """(1, 1, 28, 28) held-out digit number ``index``."""
    sample = gallery()
    index = check_number(index, "held-out digit number", 0, len(sample["x"]) - 1, integer=True)
    return sample["x"][index : index + 1]


# ---- sketches ------------------------------------------------------------------------------------


def sketch_to_digit(sketch) -> torch.Tensor:
    """A sketchpad's value (Gradio's ``{"composite": ..., "layers": ...}``, an array or a PIL image)
    -> (1, 1, 28, 28) MNIST-like digit (white on black, cropped, fitted to 20x20, centred by mass)."""
    if isinstance(sketch, dict):
        sketch = sketch.get("composite")
    if sketch is None:
        raise ValueError(EMPTY_MESSAGE)
    grey = _grey(sketch)
    if float(grey.max() - grey.min()) < 0.05:  # one flat colour: nothing was drawn
        raise ValueError(EMPTY_MESSAGE)
    return to_mnist_format(ink_on_black(grey))


def _grey(image) -> np.ndarray:
    """A PIL image or an (H, W[, 1|3|4]) uint8 or [0, 1] float array -> (H, W) grey in [0, 1], any
    transparency laid over white (a sketchpad's paper)."""
    if isinstance(image, Image.Image):
        image = np.asarray(image.convert("RGBA"))
    if (
        not isinstance(image, np.ndarray)
        or image.dtype.kind not in "uif"
        or image.ndim not in (2, 3)
        or (image.ndim == 3 and image.shape[2] not in (1, 3, 4))
        or 0 in image.shape
    ):
        raise ValueError(SKETCH_MESSAGE)
    if max(image.shape[:2]) > MAX_UPLOAD_SIDE:
        raise ValueError(
            f"the sketch is larger than {MAX_UPLOAD_SIDE} x {MAX_UPLOAD_SIDE} pixels; draw on a smaller canvas"
        )
    pixels = image.astype(np.float32)
    if not np.isfinite(pixels).all():
        raise ValueError(SKETCH_MESSAGE)
    if image.dtype.kind in "ui":
        pixels = pixels / 255.0
    if pixels.min() < 0 or pixels.max() > 1:
        raise ValueError("the sketch's pixel values must lie in [0, 255] (or [0, 1] as floats)")
    if pixels.ndim == 2:
        return pixels
    colour, alpha = pixels[..., :3], pixels[..., 3:] if pixels.shape[2] == 4 else np.ones_like(pixels[..., :1])
    grey = colour.mean(-1, keepdims=True) if colour.shape[2] == 3 else colour
    return (grey * alpha + (1.0 - alpha))[..., 0]  # over white paper
