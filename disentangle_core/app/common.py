"""What the tabs share: a lazy, lock-protected cache of shipped models, reference images, and jobs.

A model is loaded the first time any user asks for it, once per process, and shared by every user
(inference only reads the weights). With it we keep what every view of it needs: the latents ranked
by activity on a fixed reference batch, each latent's sweep range, and the factor each latent matches.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from functools import lru_cache
from pathlib import Path

import torch
from PIL import Image

from ..checkpoints import ASSETS_DIR, available_assets, load_card, load_pretrained
from ..data import FACTOR_NAMES, ProceduralDSprites, index_to_classes, render_sprites
from ..data.dsprites import NUM_IMAGES
from ..evaluation import is_active
from ..models import for_cpu_inference
from ..plotting import enlarge, matched_factor_names, save_gif, traversal_frames, traversal_grid, traversal_labels
from ..traversal import decode_images, rank_latents, sweep, traversal_limits
from .inputs import check_choice, check_number

DSPRITES = ("dsprites", "dsprites_npz")  # the datasets of the models the dSprites views are for
DECODE_WORKERS = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
# the traversal grid's 80 decodes, split over the cores: each request keeps torch to one thread
SPAN = 3.0  # sweep [-3, 3] for latents with a N(0, 1) prior (99.7% of the prior's mass)
REFERENCE_SIZE = 1000  # images used to rank latents, set sweep ranges and match factors
GRID_STEPS = 8
APP_DIR = Path(tempfile.gettempdir()) / "disentangle_core_app"  # GIFs and PNGs handed to Gradio
FILE_MAX_AGE_S = 3600


def preload() -> None:
    """Import what the views need beyond the first page (torchvision's image grid, matplotlib's figures,
    scipy's distance transform for drawn digits, scikit-learn's estimators): the app calls it once its
    page is served, so launch does not wait."""
    import matplotlib.figure  # noqa: F401
    import scipy.ndimage  # noqa: F401
    import torchvision.utils  # noqa: F401

    from .. import metrics  # noqa: F401  (scikit-learn)


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
class LoadedModel:
    """A shipped model with what its views need, computed once on ``reference_batch()``."""

    name: str
    model: torch.nn.Module
    card: dict
    dims: list  # all latents, most active first
    activity: torch.Tensor  # (D,) KL per latent (nats), or code variance for the autoencoder
    lows: list  # (D,) sweep range of each latent
    highs: list
    factors: dict = field(default_factory=dict)  # {latent: matched factor name}
    active_mask: list = field(default_factory=list)  # (D,) latents in use (evaluation.is_active; all for an autoencoder)

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
        return sweep(self.model, torch.tensor(code), self.dims, self.activity, self.lows, self.highs, steps,
                     workers=DECODE_WORKERS)

    def grid(self, code, steps: int = GRID_STEPS) -> Image.Image:
        """A row per latent (most active first), ``steps`` values each, around ``code``."""
        traversal = self.traversal(code, steps)
        return traversal_grid(traversal, traversal_labels(traversal, self.factors))

    def gif(self, code, steps: int = 12) -> Path:
        """The traversal around ``code`` as a looping GIF file; returns its path."""
        traversal = self.traversal(code, steps)
        folder = _app_folder("gif")
        handle = tempfile.NamedTemporaryFile(dir=folder, prefix=f"{self.name}_", suffix=".gif", delete=False)
        handle.close()
        return save_gif(traversal_frames([traversal], traversal_labels(traversal, self.factors)), handle.name)


_last_purge: dict = {}


def _app_folder(kind: str) -> Path:
    """``APP_DIR/kind``, from which files older than an hour are removed (at most once a minute)."""
    folder = APP_DIR / kind
    folder.mkdir(parents=True, exist_ok=True)
    now = time.time()
    if now - _last_purge.get(kind, 0.0) > 60:
        _last_purge[kind] = now
        for old in folder.iterdir():
            try:
                if now - old.stat().st_mtime > FILE_MAX_AGE_S:
                    old.unlink()
            except OSError:  # removed by another thread meanwhile
                pass
    return folder


def image_file(image) -> str:
    """A PIL image as a PNG file named by its content, written atomically; returns its path.

    Tabs return these paths rather than PIL images: Gradio rewrites its cached copy of a returned
    PIL image in place, so two users who get the same picture at the same moment could download a
    half-written file. A returned path is copied into Gradio's cache atomically instead.
    """
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)  # 5x faster than the default, files ~20% larger
    data = buffer.getvalue()
    path = _app_folder("png") / f"{hashlib.sha256(data).hexdigest()[:40]}.png"
    if not path.exists():
        partial = path.with_name(f".{path.name}.{threading.get_ident()}.tmp")
        partial.write_bytes(data)
        os.replace(partial, path)
    else:
        os.utime(path)  # still in use: keep it from the hourly clean-up
    return str(path)


class ModelCache:
    """Shipped models by name, loaded on first use; one lock so that two users never load twice."""

    def __init__(self, assets_dir=ASSETS_DIR):
        self.assets_dir = Path(assets_dir)
        self._models: dict = {}
        self._loaded: dict = {}
        self._cards: dict = {}
        self._names = available_assets(self.assets_dir)  # the manifest, read once
        self._lock = threading.Lock()

    def names(self, datasets: tuple | None = None) -> list:
        """Every shipped asset, or those trained on one of ``datasets`` (a tab shows its family's models)."""
        if datasets is None:
            return list(self._names)
        return [name for name in self._names if self.card(name).get("dataset", "dsprites") in datasets]

    def card(self, name) -> dict:
        check_choice(name, self.names(), "model")
        with self._lock:
            if name not in self._cards:
                self._cards[name] = load_card(name, self.assets_dir)
            return self._cards[name]

    def load(self, name) -> tuple:
        """``(model, card)`` of any shipped asset, loaded once and prepared for CPU inference; a family's
        own views (a digits gallery, GZSL class tables) are built from it by that family's module."""
        check_choice(name, self.names(), "model")
        with self._lock:
            if name not in self._loaded:
                model, card = load_pretrained(name, "cpu", self.assets_dir)
                self._loaded[name] = (for_cpu_inference(model), card)  # same images, grids in half the time
            return self._loaded[name]

    def get(self, name) -> LoadedModel:
        """A dSprites model with its views (ranked latents, sweep ranges, matched factors)."""
        check_choice(name, self.names(DSPRITES), "model")
        model, card = self.load(name)
        with self._lock:
            if name not in self._models:
                self._models[name] = self._views(name, model, card)
            return self._models[name]

    @torch.no_grad()
    def _views(self, name: str, model, card: dict) -> LoadedModel:
        batch = reference_batch()
        dims, activity = rank_latents(model, batch["x"])
        lows, highs = traversal_limits(model, batch["x"], SPAN)
        active = [bool(on) or not model.has_prior for on in is_active(activity).tolist()]
        return LoadedModel(name, model, card, dims, activity, lows.tolist(), highs.tolist(),
                           matched_factor_names(mi_matrix(model, card), FACTOR_NAMES, active=active), active)

    def betas(self) -> dict:
        """{β: asset name} for the shipped β-VAEs with the plain β objective (β = 1 is the VAE)."""
        betas = {}
        for name in self.names(DSPRITES):
            card = self.card(name)
            config = card.get("config", {})
            if card.get("model") == "beta_vae" and config.get("objective", "beta") == "beta":
                # the first by name: a seed variant (beta_vae_seed1_dsprites) never displaces the sweep's
                betas.setdefault(float(config["beta"]), name)
        return dict(sorted(betas.items()))


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
        step = diff if step == 0 else Fraction(math.gcd(step.numerator * diff.denominator, diff.numerator * step.denominator),
                                               step.denominator * diff.denominator)
    return float(step) if step else 1.0


# ---- training jobs -------------------------------------------------------------------------------


class TrainingCancelled(Exception):
    """Raised from the training callback when the user pressed cancel."""


class TrainingJobs:
    """One cancel flag per browser session, so a cancel only stops its own session's run."""

    def __init__(self):
        self._flags: dict = {}
        self._lock = threading.Lock()

    def start(self, session: str) -> threading.Event:
        with self._lock:
            self._flags[session] = threading.Event()
            return self._flags[session]

    def cancel(self, session: str) -> bool:
        with self._lock:
            flag = self._flags.get(session)
        if flag is not None:
            flag.set()
        return flag is not None

    def finish(self, session: str) -> None:
        with self._lock:
            self._flags.pop(session, None)

