"""``Family``: the one declaration of a family of models, from which the CLI's and the app's lists derive."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Family:
    """One family of the kit, declared once.

    - ``datasets``: the dataset names of ``data.DATASETS`` its models train on, aliases included (the
      first is the offline default); a card's ``dataset`` picks its family.
    - ``models``: the model names of ``models.MODELS`` it teaches.
    - ``offers``: what each of those models offers the family's evaluation, figure and views, one of the
      protocols of ``models/protocols.py`` (``LatentModel``, ``CategoricalCodeModel``, ...).
    - ``evaluations``: dataset name -> how a model trained on it is measured (``evaluation.Evaluation``),
      one entry per name of ``datasets`` (drawn faces have a true transfer to compare with, photos not).
    - ``list_metrics``: the card metrics ``python -m disentangle_core list`` prints for its assets.
    - ``figure``: the CLI command that draws its figure (``traverse`` or ``transfer``; "" for none).
    - ``tabs``: the app tab modules (``disentangle_core/app/<tab>.py``) that serve it.
    - ``paper``, ``notebook``, ``title``: what the README's and the About tab's family tables show.
    """

    name: str
    title: str
    datasets: tuple[str, ...]
    models: tuple[str, ...]
    offers: type  # a runtime-checkable Protocol of models/protocols.py
    evaluations: Mapping[str, object]  # dataset -> evaluation.Evaluation
    list_metrics: tuple[str, ...]
    figure: str
    tabs: tuple[str, ...]
    paper: str = ""
    notebook: str = ""

    def __post_init__(self):
        if set(self.evaluations) != set(self.datasets):
            raise ValueError(
                f"family {self.name!r} must give one evaluation to each of its datasets "
                f"{', '.join(self.datasets)}; it gives them to {', '.join(self.evaluations)}"
            )
