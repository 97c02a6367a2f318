"""Datasets. Each family lives in its own file with an offline procedural default and a real loader."""

import inspect

from .celeba import CelebAFaces
from .digits import MNISTDigits, ProceduralDigits, find_idx_files, heldout_sample, read_idx
from .dsprites import (
    FACTOR_NAMES,
    FACTOR_SIZES,
    DSpritesNPZ,
    ProceduralDSprites,
    classes_to_index,
    factor_values,
    index_to_classes,
    render_sprites,
)
from .faces import ProceduralFaces
from .gzsl import GZSLFeatures, load_xlsa17

__all__ = [
    "ProceduralFaces",
    "CelebAFaces",
    "GZSLFeatures",
    "load_xlsa17",
    "FACTOR_NAMES",
    "FACTOR_SIZES",
    "DSpritesNPZ",
    "ProceduralDSprites",
    "classes_to_index",
    "factor_values",
    "index_to_classes",
    "render_sprites",
    "MNISTDigits",
    "ProceduralDigits",
    "heldout_sample",
    "find_idx_files",
    "read_idx",
    "make_dataset",
]

DATASETS = {
    "dsprites": ProceduralDSprites,
    "dsprites_npz": DSpritesNPZ,
    "mnist": MNISTDigits,
    "digits": ProceduralDigits,
    "gzsl": GZSLFeatures,
    "faces": ProceduralFaces,
    "celeba": CelebAFaces,
}


def make_dataset(name: str, **kwargs):
    """Build a dataset by name (``dsprites`` and ``gzsl`` are procedural, no download); unknown options are errors."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from: {', '.join(DATASETS)}")
    accepted = inspect.signature(DATASETS[name]).parameters
    unknown = sorted(set(kwargs) - set(accepted))
    if unknown:
        option = unknown[0]
        flag = "--data-dir" if option == "data_dir" else option
        raise ValueError(f"dataset {name!r} takes no {flag}; it accepts: {', '.join(accepted) or 'no options'}")
    return DATASETS[name](**kwargs)
