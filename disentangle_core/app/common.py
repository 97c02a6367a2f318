"""What every tab shares: a lazy, lock-protected cache of shipped models, and the files handed to Gradio.

A model is loaded the first time any user asks for it, once per process, and shared by every user
(inference only reads the weights). What a family's tab shows of it is prepared by that family's
views module (``<family>_views.py``), which asks this cache for the model.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import threading
import time
from pathlib import Path

from ..checkpoints import ASSETS_DIR, available_assets, load_card, load_pretrained
from ..models import for_cpu_inference
from .inputs import check_choice

APP_DIR = Path(tempfile.gettempdir()) / "disentangle_core_app"  # GIFs and PNGs handed to Gradio
FILE_MAX_AGE_S = 3600


_last_purge: dict = {}


def app_folder(kind: str) -> Path:
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
    path = app_folder("png") / f"{hashlib.sha256(data).hexdigest()[:40]}.png"
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
        own views (ranked latents, a digits gallery, GZSL class tables) are built from it by that family's
        views module."""
        check_choice(name, self.names(), "model")
        with self._lock:
            if name not in self._loaded:
                model, card = load_pretrained(name, "cpu", self.assets_dir)
                self._loaded[name] = (for_cpu_inference(model), card)  # same images, grids in half the time
            return self._loaded[name]
