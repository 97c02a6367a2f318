"""Measuring a trained model on its dataset: one module per family, the numbers in asset cards.

- ``Evaluation``: how the models of one dataset are measured, by ``evaluate`` and ``publish`` alike;
- ``dsprites``, ``digits``, ``faces`` (drawn faces and CelebA photos), ``gzsl``: each family's
  ``measure`` function and its ``Evaluation`` object, which the family declares in ``families/``;
- ``counts``: every sample count, by level (``quick``, ``standard``, ``full``).

This side uses ``data``, ``models`` and the pure functions of ``metrics``; which evaluation a model gets
is decided by its family (``families.evaluation_for(card)``), one layer up, and ``workflows.evaluate``
measures a model that way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


def format_scores(result: dict) -> str:
    """Any evaluation's result as an aligned table of its scalar scores (lists and tables left to --json)."""
    lines = [f"{'metric':<28}{'value':>10}"]
    for key, value in result.items():
        if isinstance(value, float):
            lines.append(f"{key:<28}{value:>10.3f}")
        elif isinstance(value, (int, str)) and not isinstance(value, bool):
            lines.append(f"{key:<28}{value:>10}")
    return "\n".join(lines)


@dataclass(frozen=True)
class Evaluation:
    """How the models of one dataset family are measured, by ``evaluate`` and ``publish`` alike.

    ``measure(model, card, *, counts, seed, data_dir, device) -> dict`` returns JSON-able scores;
    ``headline`` names the scores ``publish`` writes into the card's ``metrics`` (and the asset tables),
    ``card_keys`` other results it stores in the card beside them (e.g. the MI matrix); ``splits`` the
    data splits ``measure`` accepts as ``split=`` (the first is the default; empty: one fixed split).
    """

    measure: Callable[..., dict]
    headline: tuple[str, ...]
    card_keys: tuple[str, ...] = ()
    format: Callable[[dict], str] = format_scores
    summary: str = ""
    splits: tuple[str, ...] = ()


def card_updates(evaluation: Evaluation, result: dict, counts: str) -> dict:
    """What ``publish`` writes into a card from an evaluation's ``result``: headline metrics and extras."""
    metrics = {
        k: round(result[k], 3) if isinstance(result[k], float) else result[k]
        for k in evaluation.headline
        if k in result
    }
    return {"metrics": metrics, "metric_counts": counts, **{k: result[k] for k in evaluation.card_keys if k in result}}


__all__ = ["Evaluation", "card_updates", "format_scores"]
