"""The Gradio app of disentangle_core: one tab per file in ``disentangle_core/app/``, wired here.

Run ``python demo_app.py`` from the repository root (no install needed) and open the printed address.
To add a tab, write ``disentangle_core/app/<name>_tab.py`` with ``TEXT`` and ``build(demo, cache)`` and
add it to ``TABS``.
"""

import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # read when gradio is imported
if __name__ == "__main__" and "IPython" not in sys.modules:
    # run as a script, so not in a notebook: gradio's notebook checks need not import IPython (0.3 s)
    sys.modules["IPython"] = None

import gradio as gr  # noqa: E402
import torch  # noqa: E402

from disentangle_core.app import (  # noqa: E402
    about_tab,
    beta_dial_tab,
    content_tab,
    gzsl_tab,
    infogan_tab,
    train_tab,
    traversal_tab,
)
from disentangle_core.app.common import ModelCache, preload  # noqa: E402
from disentangle_core.app.ui import APP_TEXT, launch_options, t, translations  # noqa: E402
from disentangle_core.checkpoints import ASSETS_DIR  # noqa: E402

TABS = [traversal_tab, beta_dial_tab, infogan_tab, gzsl_tab, content_tab, train_tab, about_tab]
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


def serve(app: gr.Blocks, **options) -> None:
    """Serve ``app`` until interrupted: the page first, then the imports that later views need."""
    torch.set_num_threads(TORCH_THREADS)
    app.launch(prevent_thread_lock=True, **launch_options(I18N), **options)
    preload()
    app.block_thread()


demo = build_demo()

if __name__ == "__main__":
    serve(demo)
