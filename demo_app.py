"""The Gradio app of disentangle_core: this file only starts it; ``disentangle_core/app/`` builds it.

Run ``python demo_app.py`` from the repository root (no install needed) and open the printed address.
The tabs come from the families (``disentangle_core/families/``): each names its tab modules,
``disentangle_core/app/<family>_tab.py`` (layout and wiring) beside ``<family>_views.py`` (what it computes).
"""

import os
import sys

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # read when gradio is imported
if __name__ == "__main__" and "IPython" not in sys.modules:
    # run as a script, so not in a notebook: gradio's notebook checks need not import IPython (0.3 s)
    sys.modules["IPython"] = None

from disentangle_core.app.demo import I18N, TABS, TORCH_THREADS, build_demo, serve  # noqa: E402

__all__ = ["I18N", "TABS", "TORCH_THREADS", "build_demo", "demo", "serve"]

demo = build_demo()

if __name__ == "__main__":
    serve(demo)
