"""The kit's families: each a paper trail from data to models, measurement, figure, app tab and notebook.

A family is declared once, in its own module (``dsprites.py``, ``digits.py``, ``faces.py``, ``gzsl.py``);
the registries the CLI and the app read are derived here from those declarations:

- ``FAMILIES``: name -> ``Family``, in the order the app shows them;
- ``family_of(card)``: the family of a trained model, from the dataset its card names;
- ``DATASET_FAMILY``: every dataset name and alias -> its family's name;
- ``EVALUATIONS``: every dataset name -> how a model trained on it is measured (``evaluation.Evaluation``);
- ``evaluation_for(card)``: the evaluation of a trained model.

A family names its app tabs by module name (``disentangle_core/app/<tab>.py``) and never imports app
code: the app reads ``FAMILIES``, not the other way round.
"""

from __future__ import annotations

from ..evaluation import Evaluation
from .digits import DIGITS
from .dsprites import DSPRITES
from .faces import FACES
from .family import Family
from .gzsl import GZSL

FAMILIES: dict[str, Family] = {f.name: f for f in (DSPRITES, DIGITS, FACES, GZSL)}
DATASET_FAMILY: dict[str, str] = {dataset: f.name for f in FAMILIES.values() for dataset in f.datasets}
EVALUATIONS: dict[str, Evaluation] = {dataset: e for f in FAMILIES.values() for dataset, e in f.evaluations.items()}


def family_of(card: dict) -> Family:
    """The family of a trained model: the one whose datasets hold the card's ``dataset``."""
    dataset = card.get("dataset", "dsprites")
    if dataset not in DATASET_FAMILY:
        raise ValueError(f"no family knows the dataset {dataset!r} of this model; known: {', '.join(DATASET_FAMILY)}")
    return FAMILIES[DATASET_FAMILY[dataset]]


def evaluation_for(card: dict) -> Evaluation:
    """How a trained model is measured: its family's evaluation for the dataset its card names."""
    return family_of(card).evaluations[card.get("dataset", "dsprites")]


__all__ = ["DATASET_FAMILY", "EVALUATIONS", "FAMILIES", "Family", "evaluation_for", "family_of"]
