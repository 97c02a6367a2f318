"""From a model with a categorical code (InfoGAN, JointVAE) to its scores on digits.

- **Categorical accuracy**: the category each image is read as (InfoGAN's Q, JointVAE's encoder) is
  matched to the digit labels with the Hungarian algorithm; no label was seen in training.
- **Continuous codes**, measured on generated images: each continuous code sweeps its range with the
  rest of the code fixed, and the drawn digit's slant and ink are measured; the Spearman correlation of
  the code's value with each property turns "c1 is slant, c2 is width" from a picture into a number.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.stats import spearmanr

from .classification import hungarian_accuracy
from .shape import ink, slant

PROPERTIES = {"slant": slant, "ink": ink}
SWEEP_STARTS = {"quick": 20, "standard": 200, "full": 1000}  # random codes each continuous code is swept from
SWEEP_STEPS = 9


@torch.no_grad()
def read_categories(model, x: torch.Tensor, batch_size: int = 500) -> np.ndarray:
    """(N,) the category the model reads in each image of ``x`` (N, 1, 28, 28)."""
    device = next(model.parameters()).device
    chunks = [model.read(chunk.to(device))["category_logits"].argmax(1).cpu() for chunk in x.split(batch_size)]
    return torch.cat(chunks).numpy()


def within_sweep_spearman(values: np.ndarray, measured: np.ndarray) -> float:
    """Spearman ρ of a code's value with a property over sweeps (starts, steps), each sweep centred on
    its own mean, so that differences between starting codes (another digit, another width) do not count."""
    centred = measured - measured.mean(axis=1, keepdims=True)
    if np.ptp(centred) == 0 or np.ptp(values) == 0:  # a constant: no correlation to speak of
        return 0.0
    return float(spearmanr(values.reshape(-1), centred.reshape(-1)).statistic)


@torch.no_grad()
def continuous_code_correlations(model, starts: int = 200, steps: int = SWEEP_STEPS, span: float | None = None,
                                 seed: int = 0) -> dict:
    """``{"c0": {"slant": ρ, "ink": ρ}, ...}``: each continuous code swept over [-span, span] from
    ``starts`` random codes (the model's ``sample_code``), the others held; ρ as ``within_sweep_spearman``."""
    from ..traversal import decode_images

    model.eval()
    span = model.continuous_span if span is None else span
    codes = model.sample_code(starts, torch.Generator().manual_seed(seed))["code"]  # (starts, code_dim)
    values = torch.linspace(-span, span, steps)
    result = {}
    for d in range(model.config.continuous_dim):
        swept = codes[:, None, :].repeat(1, steps, 1)  # (starts, steps, code_dim)
        swept[:, :, model.continuous_slice.start + d] = values.to(swept.device)
        images = decode_images(model, swept.reshape(-1, swept.shape[-1])).float().cpu()
        grid = np.broadcast_to(values.numpy(), (starts, steps))
        result[f"c{d}"] = {name: round(within_sweep_spearman(grid, fn(images).numpy().reshape(starts, steps)), 3)
                           for name, fn in PROPERTIES.items()}
    return result


def digits_scores(model, x: torch.Tensor, labels: torch.Tensor, counts: str = "standard", seed: int = 0) -> dict:
    """Categorical accuracy (with the confusion matrix and mapping) on real or procedural digits, and the
    continuous codes' correlations with slant and ink on generated ones (best code for each property)."""
    if counts not in SWEEP_STARTS:
        raise ValueError(f"unknown sample counts {counts!r}; choose from: {', '.join(SWEEP_STARTS)}")
    matched = hungarian_accuracy(read_categories(model, x), labels.cpu().numpy(), model.config.num_categories)
    scores = {"categorical_accuracy": round(matched["accuracy"], 4), "images": len(x)}
    correlations = continuous_code_correlations(model, SWEEP_STARTS[counts], seed=seed)
    for prop in PROPERTIES:
        best = max(correlations, key=lambda c: abs(correlations[c][prop]))
        scores[f"{prop}_spearman"], scores[f"{prop}_code"] = abs(correlations[best][prop]), best
    return {**scores, "code_correlations": correlations, "confusion": matched["confusion"],
            "category_to_digit": matched["mapping"]}
