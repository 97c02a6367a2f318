"""Training a shipped recipe (``presets.py``), with the input sizes its dataset decides."""

from __future__ import annotations

import inspect
from dataclasses import replace
from pathlib import Path
from typing import Protocol, runtime_checkable

import torch

from ..data import DATASETS, make_dataset
from ..models import MODELS, build_model
from ..presets import get_preset
from ..train import TrainResult, resolve_device, train

RECIPE_KEYS = ("batch_size", "seed")  # overrides of the recipe itself (integers), not of the model config


@runtime_checkable
class SizesModels(Protocol):
    """A dataset that decides input sizes of its models (GZSL: ``feature_dim``, ``attribute_dim``, ...)."""

    @property
    def dimensions(self) -> dict: ...


def data_options_of(preset_name: str) -> tuple[str, ...]:
    """The options a preset's dataset takes beside the recipe's (e.g. ``split`` of the GZSL data)."""
    return tuple(
        set(inspect.signature(DATASETS[get_preset(preset_name).dataset]).parameters) - {"device", "data_dir", "path"}
    )


def train_preset(
    name: str,
    out: str | Path,
    *,
    steps: int | None = None,
    data_dir: str | Path | None = None,
    config: dict | None = None,
    recipe: dict | None = None,
    data_options: dict | None = None,
    device: str = "auto",
    precision: str = "auto",
    checkpoint_every: int = 500,
    resume: bool = False,
    progress: bool = True,
) -> TrainResult:
    """Train the preset ``name`` into the folder ``out``; the model file is ``out/model.safetensors``.

    ``config`` overrides fields of the model config, ``recipe`` the preset's ``batch_size`` or ``seed``,
    ``data_options`` the dataset's options; ``steps`` defaults to the preset's. A dataset that knows the
    input sizes its models need (GZSL: feature, attribute and class counts) gives them, unless ``config`` does.
    """
    preset = get_preset(name)
    config, recipe, data_options = dict(config or {}), dict(recipe or {}), dict(data_options or {})
    unknown = sorted(set(recipe) - set(RECIPE_KEYS))
    if unknown:
        raise ValueError(f"unknown recipe key(s) {unknown}; choose from: {', '.join(RECIPE_KEYS)}")
    unknown = sorted(set(data_options) - set(data_options_of(name)))
    if unknown:
        raise ValueError(
            f"unknown data option(s) {unknown} of dataset {preset.dataset!r}; "
            f"choose from: {', '.join(sorted(data_options_of(name)))}"
        )
    preset = replace(preset, config={**preset.config, **config}, data={**preset.data, **data_options}, **recipe)
    device = resolve_device(device)
    data_options = {**preset.data, **({"data_dir": str(data_dir)} if data_dir else {})}
    data = make_dataset(preset.dataset, device=device, **data_options)
    fields = MODELS[preset.model][1].__dataclass_fields__
    given = data.dimensions if isinstance(data, SizesModels) else {}
    sizes = {k: v for k, v in given.items() if k in fields and k not in config}
    torch.manual_seed(preset.seed)  # the initial weights depend on the seed only
    model = build_model(preset.model, **{**preset.config, **sizes})
    card = {
        "preset": name,
        "summary": preset.summary,
        "paper_setting": preset.paper,
        **({"data_options": data_options} if data_options else {}),
    }
    return train(
        model,
        data,
        steps=steps or preset.steps,
        batch_size=preset.batch_size,
        seed=preset.seed,
        device=device,
        out_dir=out,
        checkpoint_every=checkpoint_every,
        resume=resume,
        precision=precision,
        card=card,
        progress=progress,
    )
