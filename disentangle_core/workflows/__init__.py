"""What the kit does, as library functions: the CLI, the notebooks and ``benchmarks/`` all call these.

- ``training``: ``train_preset`` (a shipped recipe, with the sizes its data decides);
- ``measuring``: ``load``, ``evaluate`` (a model the way its family is measured) and ``publish_model``;
- ``figures``: each family's figure command (``traversal_figure``, ``transfer_figure``), and
  ``photo_transfer_figure`` (a transfer between two photos), ``donor_codes_figure`` (a photo wearing each
  donor code shipped with a photo model);
- ``donors``: the donor codes themselves (read from held-out CelebA donors, saved, loaded).

This layer reads ``families/`` and sits under the CLI and the app; nothing below imports it.
"""

from .figures import donor_codes_figure, photo_transfer_figure, transfer_figure, traversal_figure
from .measuring import evaluate, load, publish_model
from .training import RECIPE_KEYS, data_options_of, train_preset

__all__ = [
    "RECIPE_KEYS",
    "data_options_of",
    "donor_codes_figure",
    "evaluate",
    "load",
    "photo_transfer_figure",
    "publish_model",
    "train_preset",
    "transfer_figure",
    "traversal_figure",
]
