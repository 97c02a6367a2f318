"""Measuring a model the way its family is measured, and publishing it into ``assets/`` with its numbers."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import torch

from .. import checkpoints
from ..data.celeba import LICENCE as CELEBA_LICENCE
from ..evaluation import Evaluation, card_updates
from ..families import evaluation_for
from ..models import MODELS
from ..presets import PRESETS


def load(name_or_path: str, device="cpu") -> tuple[torch.nn.Module, dict]:
    """(model, card) of a shipped asset's name or of a ``.safetensors`` model file."""
    if str(name_or_path).endswith(".safetensors"):
        return checkpoints.load_model(name_or_path, device)
    return checkpoints.load_pretrained(name_or_path, device)


def evaluate(
    model, card: dict, *, counts: str = "standard", seed: int = 0, data_dir=None, device="cpu", split=None
) -> dict:
    """Measure ``model`` the way its family is measured (``families.evaluation_for(card)``); returns the scores.

    ``split`` picks the data split where the evaluation offers a choice (CelebA: ``val`` to choose a
    recipe, ``test`` to report it once).
    """
    evaluation = evaluation_for(card)
    options = {} if split is None else {"split": _check_split(evaluation, split)}
    return evaluation.measure(model, card, counts=counts, seed=seed, data_dir=data_dir, device=device, **options)


def _step_of(card: dict) -> int | None:
    """The optimiser steps a checkpoint was trained for: its card's, else the last step its history logged."""
    if card.get("steps") is not None:
        return card["steps"]
    return card["history"][-1]["step"] if card.get("history") else None


def _changes(card: dict, other: dict) -> dict:
    """What ``other``'s recipe sets differently from ``card``'s: config entries, batch size, seed. An entry a
    card lacks (written before the option existed) is the config's default."""
    defaults = asdict(MODELS[card["model"]][1]()) if card.get("model") in MODELS else {}
    mine, theirs = {**defaults, **card.get("config", {})}, {**defaults, **other.get("config", {})}
    changes = {key: value for key, value in theirs.items() if mine.get(key) != value}
    for key in ("batch_size", "seed"):
        if other.get(key) != card.get(key):
            changes[key] = other.get(key)
    return changes


def _check_split(evaluation: Evaluation, split: str) -> str:
    if split not in evaluation.splits:
        offered = f"one of: {', '.join(evaluation.splits)}" if evaluation.splits else "no choice of split"
        raise ValueError(f"this model's evaluation takes {offered}, not --split {split}")
    return split


def _measure_file(
    evaluation: Evaluation, path, preset: str | None, counts: str, data_dir, model_name: str | None = None, **options
) -> tuple[dict, dict]:
    """(card, headline metrics) of another checkpoint of ``preset`` (or, for a variant, of the model
    ``model_name`` trained from any recipe), measured as the published one is."""
    model, card = checkpoints.load_model(path)
    if preset is not None and card.get("preset") != preset:
        raise ValueError(
            f"{path} was trained from preset {card.get('preset')!r}, not {preset!r}; "
            "--seeds and --curve take checkpoints of the same recipe"
        )
    if model_name is not None and card.get("model") != model_name:
        raise ValueError(f"{path} is a {card.get('model')!r} model, not {model_name!r}; --variants take the same model")
    measured = evaluation.measure(model, card, counts=counts, seed=0, data_dir=data_dir, device="cpu", **options)
    return card, card_updates(evaluation, measured, counts)["metrics"]


def publish_model(
    model_file,
    name: str,
    *,
    counts: str = "standard",
    data_dir=None,
    seeds=(),
    curve=(),
    curve_split: str | None = None,
    variants=(),
    fp16: bool = False,
) -> tuple[Path, dict]:
    """Measure ``model_file`` and copy it into ``assets/`` as ``name``, with the numbers in its card; rewrite
    the asset tables. Returns the published file and what its card received.

    ``seeds``: the recipe's other seeds, measured alike, so the card shows the spread, not only the best;
    ``curve``: the run's intermediate training states, measured alike (where a longer run would go), or on
    ``curve_split`` where the evaluation offers splits (CelebA: ``val``, on which the step was chosen; the
    published model is then measured on it too, for the curve);
    ``variants``: checkpoints of the same model trained with other settings, measured as the curve is and
    listed with their ``changes`` (the config entries, batch size and seed that differ from this model's);
    ``fp16``: float16 weights, measured as rounded.
    """
    model, card = checkpoints.load_model(model_file)
    if fp16:  # measure the weights as they will be stored
        with torch.no_grad():
            for tensor in model.state_dict().values():
                if tensor.is_floating_point():
                    tensor.copy_(tensor.half())
    evaluation = evaluation_for(card)
    result = evaluation.measure(model, card, counts=counts, seed=0, data_dir=data_dir, device="cpu")
    updates = card_updates(evaluation, result, counts)
    preset = card.get("preset")
    if seeds:
        rows = [{"seed": card.get("seed"), "published": True, **updates["metrics"]}]
        for path in seeds:
            other, metrics = _measure_file(evaluation, path, preset, counts, data_dir)
            rows.append({"seed": other.get("seed"), "published": False, **metrics})
        updates["seeds"] = sorted(rows, key=lambda row: row["seed"])
    options = {} if curve_split is None or not (curve or variants) else {"split": _check_split(evaluation, curve_split)}
    if curve:
        own = (
            updates["metrics"]
            if not options
            else _measure_file(evaluation, model_file, preset, counts, data_dir, **options)[1]
        )
        rows = [{"step": card.get("steps"), **own}]
        for path in curve:
            state, metrics = _measure_file(evaluation, path, preset, counts, data_dir, **options)
            rows.append({"step": _step_of(state), **metrics})
        updates["by_step"] = sorted(rows, key=lambda row: row["step"] or 0)
        if curve_split is not None:
            updates["by_step_split"] = curve_split
    if preset in PRESETS:  # the recipe's description as the kit states it now (its numbers are the card's own)
        updates.update(summary=PRESETS[preset].summary, paper_setting=PRESETS[preset].paper)
    if variants:
        rows = []
        for path in variants:
            other, metrics = _measure_file(evaluation, path, None, counts, data_dir, card.get("model"), **options)
            rows.append({"step": _step_of(other), "changes": _changes(card, other), **metrics})
        updates["variants"] = rows
        if curve_split is not None:
            updates["variants_split"] = curve_split
    if card.get("dataset") == "celeba":  # the card names CelebA's terms beside the weights
        updates["licence"] = CELEBA_LICENCE
    if "data_dir" in card.get("data_options", {}):  # a folder of the training machine: given again where measured
        updates["data_options"] = {k: v for k, v in card["data_options"].items() if k != "data_dir"}
    target = checkpoints.publish(model_file, name, card_updates=updates, dtype=torch.float16 if fp16 else None)
    checkpoints.write_assets_readme()
    return target, updates
