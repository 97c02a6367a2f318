"""What the dSprites tabs show, prepared once per model: the latents ranked by activity on a fixed
reference batch, each latent's sweep range, the factor each latent matches, and the pictures they give.

A model is loaded by the shared ``ModelCache`` and prepared here the first time a dSprites tab asks for
it; both dSprites tabs (the traversal and the β dial) share the prepared views of one cache.
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import torch
from PIL import Image

from ..activity import is_active
from ..data import FACTOR_NAMES, ProceduralDSprites, index_to_classes, render_sprites
from ..data.dsprites import NUM_IMAGES
from ..families import FAMILIES
from ..plotting import enlarge, matched_factor_names, save_gif, traversal_frames, traversal_grid, traversal_labels
from ..traversal import decode_images, rank_latents, sweep, traversal_limits
from .common import ModelCache, app_folder
from .inputs import check_choice, check_number

DSPRITES = FAMILIES["dsprites"].datasets  # the datasets of the models these views are for
DECODE_WORKERS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
# the traversal grid's 80 decodes, split over the cores: each request keeps torch to one thread
SPAN = 3.0  # sweep [-3, 3] for latents with a N(0, 1) prior (99.7% of the prior's mass)
REFERENCE_SIZE = 1000  # images used to rank latents, set sweep ranges and match factors
GRID_STEPS = 8


@lru_cache(maxsize=1)
def reference_batch() -> dict:
    """A fixed batch of procedural dSprites (seed 0): ``{"x": (N, 1, 64, 64), "factors": (N, 5)}``."""
    return ProceduralDSprites().sample(REFERENCE_SIZE, torch.Generator().manual_seed(0))


def dataset_image(index) -> torch.Tensor:
    """(1, 1, 64, 64) the dSprites image with flat ``index`` (factor order of the official file)."""
    index = check_number(index, "dataset image index", 0, NUM_IMAGES - 1, integer=True)
    return render_sprites(index_to_classes(torch.tensor([index])))


def random_index(generator: torch.Generator | None = None) -> int:
    return int(torch.randint(NUM_IMAGES, (1,), generator=generator))


@dataclass
class DSpritesView:
    """A shipped dSprites model with what its views need, computed once on ``reference_batch()``."""

    name: str
    model: torch.nn.Module
    card: dict
    dims: list  # all latents, most active first
    activity: torch.Tensor  # (D,) KL per latent (nats), or code variance for the autoencoder
    lows: list  # (D,) sweep range of each latent
    highs: list
    factors: dict = field(default_factory=dict)  # {latent: matched factor name}
    active_mask: list = field(default_factory=list)  # (D,) latents in use (activity.is_active; all for an autoencoder)

    @property
    def active(self) -> list:
        """Latents worth a slider, most active first (at least one)."""
        return [d for d in self.dims if self.active_mask[d]] or self.dims[:1]

    def slider_label(self, d: int) -> str:
        matched = f" ≈ {self.factors[d]}" if d in self.factors else ""
        unit = "KL" if self.model.has_prior else "var"
        return f"z{d}{matched}  ({unit} {self.activity[d]:.2f})"

    def encode(self, x: torch.Tensor) -> list:
        """(1, 1, 64, 64) -> the code (encoder mean) as a list of D floats."""
        return self.model.representation(x)[0].float().tolist()

    def slider_range(self, d: int, code) -> tuple:
        """The slider of latent ``d``: its sweep range, widened to include the current value."""
        return min(self.lows[d], code[d]), max(self.highs[d], code[d])

    def bounds(self, d: int) -> tuple:
        """The values accepted for latent ``d``: its sweep range widened by its own width each side
        (far enough for any slider, near enough that the decoder still sees codes like its data's)."""
        width = self.highs[d] - self.lows[d]
        return self.lows[d] - width, self.highs[d] + width

    def edit(self, code, values) -> list:
        """``code`` with the shown latents (``active``, in order) set to ``values``, each checked."""
        if code is None:
            raise ValueError("no image is loaded yet; choose a dataset image or upload one first")
        active = self.active
        if not isinstance(values, (list, tuple)) or len(values) < len(active):
            raise ValueError(f"expected {len(active)} slider values for {self.name}, got {values!r}")
        code = list(code)
        for d, value in zip(active, values):
            code[d] = check_number(value, f"latent z{d}", *self.bounds(d))
        return code

    @torch.inference_mode()
    def decode(self, code, scale: int = 4) -> Image.Image:
        """The decoded image of ``code``, enlarged ``scale`` times."""
        return enlarge(decode_images(self.model, torch.tensor(code)[None]), scale)

    @torch.inference_mode()
    def traversal(self, code, steps: int = GRID_STEPS):
        """Every latent swept over its range around ``code``, most active first."""
        return sweep(
            self.model,
            torch.tensor(code),
            self.dims,
            self.activity,
            self.lows,
            self.highs,
            steps,
            workers=DECODE_WORKERS,
        )

    def grid(self, code, steps: int = GRID_STEPS) -> Image.Image:
        """A row per latent (most active first), ``steps`` values each, around ``code``."""
        traversal = self.traversal(code, steps)
        return traversal_grid(traversal, traversal_labels(traversal, self.factors))

    def gif(self, code, steps: int = 12) -> Path:
        """The traversal around ``code`` as a looping GIF file; returns its path."""
        traversal = self.traversal(code, steps)
        folder = app_folder("gif")
        handle = tempfile.NamedTemporaryFile(dir=folder, prefix=f"{self.name}_", suffix=".gif", delete=False)
        handle.close()
        return save_gif(traversal_frames([traversal], traversal_labels(traversal, self.factors)), handle.name)


class DSpritesViews:
    """The prepared views of the shipped dSprites models, by asset name (built on first use)."""

    def __init__(self, cache: ModelCache):
        self.cache = cache
        self._views: dict = {}
        self._lock = threading.Lock()

    def names(self) -> list:
        return self.cache.names(DSPRITES)

    def get(self, name) -> DSpritesView:
        """Model ``name`` with its views (ranked latents, sweep ranges, matched factors)."""
        check_choice(name, self.names(), "model")
        model, card = self.cache.load(name)
        with self._lock:
            if name not in self._views:
                self._views[name] = prepare(name, model, card)
            return self._views[name]

    def betas(self) -> dict:
        """{β: asset name} for the shipped β-VAEs with the plain β objective (β = 1 is the VAE)."""
        betas = {}
        for name in self.names():
            card = self.cache.card(name)
            config = card.get("config", {})
            if card.get("model") == "beta_vae" and config.get("objective", "beta") == "beta":
                # the first by name: a seed variant (beta_vae_seed1_dsprites) never displaces the sweep's
                betas.setdefault(float(config["beta"]), name)
        return dict(sorted(betas.items()))


_shared: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_shared_lock = threading.Lock()


def views_of(cache: ModelCache) -> DSpritesViews:
    """The one ``DSpritesViews`` over ``cache``: the two dSprites tabs prepare each model once between them."""
    with _shared_lock:
        if cache not in _shared:
            _shared[cache] = DSpritesViews(cache)
        return _shared[cache]


@torch.no_grad()
def prepare(name: str, model, card: dict) -> DSpritesView:
    """The views of one loaded model, computed on ``reference_batch()``."""
    batch = reference_batch()
    dims, activity = rank_latents(model, batch["x"])
    lows, highs = traversal_limits(model, batch["x"], SPAN)
    active = [bool(on) or not model.has_prior for on in is_active(activity).tolist()]
    return DSpritesView(
        name,
        model,
        card,
        dims,
        activity,
        lows.tolist(),
        highs.tolist(),
        matched_factor_names(mi_matrix(model, card), FACTOR_NAMES, active=active),
        active,
    )


def mi_matrix(model, card: dict):
    """(D, K) latent x factor mutual information in nats: the card's (measured on 10,000 codes when the
    asset was published) or, for a card without one, estimated on the reference batch."""
    if "mi_matrix" in card and card.get("factor_names", list(FACTOR_NAMES)) == list(FACTOR_NAMES):
        return card["mi_matrix"]
    from ..metrics import mutual_info_matrix  # scikit-learn: imported only for a card without a matrix

    batch = reference_batch()
    return mutual_info_matrix(model.representation(batch["x"]).double().numpy(), batch["factors"].numpy())


def dial_step(values) -> float:
    """The largest step that lands a slider on every one of ``values`` (their common divisor)."""
    values = sorted(Fraction(v).limit_denominator(1000) for v in values)
    step = Fraction(0)
    for a, b in zip(values, values[1:]):
        diff = b - a
        if step == 0:
            step = diff
        else:  # gcd(p/q, r/s) = gcd(p·s, r·q) / (q·s)
            step = Fraction(
                math.gcd(step.numerator * diff.denominator, diff.numerator * step.denominator),
                step.denominator * diff.denominator,
            )
    return float(step) if step else 1.0
