"""What the kit does, as library functions: the CLI, the notebooks and ``benchmarks/`` all call these.

- ``training``: ``train_preset`` (a shipped recipe, with the sizes its data decides);
- ``measuring``: ``load``, ``evaluate`` (a model the way its family is measured) and ``publish_model``;
- ``figures``: each family's figure command (``traversal_figure``, ``transfer_figure``), and
  ``photo_transfer_figure`` (a transfer between two photos).

This layer reads ``families/`` and sits under the CLI and the app; nothing below imports it.
"""

from .figures import photo_transfer_figure, transfer_figure, traversal_figure
from .measuring import evaluate, load, publish_model
from .training import RECIPE_KEYS, data_options_of, train_preset

__all__ = [
    "RECIPE_KEYS",
    "data_options_of",
    "evaluate",
    "load",
    "photo_transfer_figure",
    "publish_model",
    "train_preset",
    "transfer_figure",
    "traversal_figure",
]
