"""Datasets. Each family lives in its own file with an offline procedural default and a real loader."""

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

__all__ = [
    "FACTOR_NAMES",
    "FACTOR_SIZES",
    "DSpritesNPZ",
    "ProceduralDSprites",
    "classes_to_index",
    "factor_values",
    "index_to_classes",
    "render_sprites",
    "make_dataset",
]

DATASETS = {"dsprites": ProceduralDSprites, "dsprites_npz": DSpritesNPZ}


def make_dataset(name: str, **kwargs):
    """Build a dataset by name (``dsprites`` is procedural and needs no download)."""
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; choose from: {', '.join(DATASETS)}")
    return DATASETS[name](**kwargs)
