"""The whole app: one tab per family, in the order ``families.FAMILIES`` declares them, then training and About.

Each family names its tab modules (``Family.tabs``); they are imported here by those names, so adding a
family adds its tabs. Every tab module has ``TEXT = {"en": ..., "ja": ...}`` and ``build(demo, cache)``.
``demo_app.py`` at the repository root only starts what is built here.
"""

from __future__ import annotations

import importlib
import os

import gradio as gr
import torch

from ..checkpoints import ASSETS_DIR
from ..families import FAMILIES
from . import about_tab, train_tab
from .common import ModelCache
from .ui import APP_TEXT, launch_options, t, translations

FAMILY_TABS = [importlib.import_module(f"{__package__}.{tab}") for family in FAMILIES.values() for tab in family.tabs]
TABS = [*FAMILY_TABS, train_tab, about_tab]
# Requests are small and served side by side in threads: one intra-op thread each keeps a few users
# from oversubscribing the cores (on 2 busy cores, 2 threads made one decode 100x slower).
TORCH_THREADS = int(os.environ.get("DISENTANGLE_TORCH_THREADS", "1"))
I18N = translations([APP_TEXT, *(tab.TEXT for tab in TABS)])


def build_demo(assets_dir=ASSETS_DIR) -> gr.Blocks:
    """The whole app over the checkpoints in ``assets_dir`` (tests pass a temporary one)."""
    cache = ModelCache(assets_dir)
    with gr.Blocks(title="disentangle_core", analytics_enabled=False, delete_cache=(3600, 3600)) as demo:
        # queue() rebuilds the web app: set it while the page is empty, not once more after it is built
        demo.queue(default_concurrency_limit=4, max_size=256)
        gr.Markdown(t("app.header"))
        with gr.Tabs():
            for tab in TABS:
                tab.build(demo, cache)
    return demo


def preload() -> None:
    """Import what the views need beyond the first page (torchvision's image grid, matplotlib's figures,
    scipy's distance transform for drawn digits, scikit-learn's estimators): ``serve`` calls it once the
    page is served, so launch does not wait."""
    import matplotlib.figure  # noqa: F401
    import scipy.ndimage  # noqa: F401
    import torchvision.utils  # noqa: F401

    from .. import metrics  # noqa: F401  (scikit-learn)


def serve(app: gr.Blocks, **options) -> None:
    """Serve ``app`` until interrupted: the page first, then the imports that later views need."""
    torch.set_num_threads(TORCH_THREADS)
    app.launch(prevent_thread_lock=True, **launch_options(I18N), **options)
    preload()
    app.block_thread()
