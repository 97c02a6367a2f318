"""Measuring a model with a categorical code (InfoGAN, JointVAE) on digits.

- **Categorical accuracy**: the category each image is read as (InfoGAN's Q, JointVAE's encoder) is
  matched to the digit labels with the Hungarian algorithm; no label was seen in training.
- **Continuous codes**, measured on generated images: each continuous code sweeps its range with the
  rest of the code fixed, and the drawn digit's slant and ink are measured; the Spearman correlation of
  the code's value with each property turns "c1 is slant, c2 is width" from a picture into a number.
- For a VAE (``model.has_prior``) also the reconstruction and the KL of each continuous latent.

``split="train"`` reads the first training digits instead of the test digits: the labels of the training
digits are never used in training, so a step or a seed can be chosen on them and the test digits read once.
"""

from __future__ import annotations

import numpy as np
import torch

from ..activity import is_active
from ..data.digits import MNISTDigits, ProceduralDigits
from ..losses import kl_per_latent, reconstruction
from ..models.protocols import CategoricalCodeModel
from ..traversal import decode_images
from . import Evaluation
from .counts import SWEEP_STARTS, TRAIN_DIGITS, check_counts

DIGITS_SPLITS = ("test", "train")  # measured on the test digits; a step or seed chosen on training digits
PROPERTIES = ("slant", "ink")  # read from the pixels by metrics/shape.py, in this order
SWEEP_STEPS = 9


@torch.no_grad()
def read_categories(model: CategoricalCodeModel, x: torch.Tensor, batch_size: int = 500) -> np.ndarray:
    """(N,) the category the model reads in each image of ``x`` (N, 1, 28, 28)."""
    device = next(model.parameters()).device
    chunks = [model.read(chunk.to(device))["category_logits"].argmax(1).cpu() for chunk in x.split(batch_size)]
    return torch.cat(chunks).numpy()


@torch.no_grad()
def continuous_code_correlations(
    model: CategoricalCodeModel, starts: int = 200, steps: int = SWEEP_STEPS, span: float | None = None, seed: int = 0
) -> dict:
    """``{"c0": {"slant": ρ, "ink": ρ}, ...}``: each continuous code swept over [-span, span] from
    ``starts`` random codes (the model's ``sample_code``), the others held; ρ as ``within_sweep_spearman``."""
    from ..metrics import ink, slant, within_sweep_spearman  # scipy: imported when a model is first measured

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
        result[f"c{d}"] = {
            name: round(within_sweep_spearman(grid, fn(images).numpy().reshape(starts, steps)), 3)
            for name, fn in (("slant", slant), ("ink", ink))
        }
    return result


def digits_scores(
    model: CategoricalCodeModel, x: torch.Tensor, labels: torch.Tensor, counts: str = "standard", seed: int = 0
) -> dict:
    """Categorical accuracy (with the confusion matrix and mapping) on real or procedural digits, and the
    continuous codes' correlations with slant and ink on generated ones (best code for each property)."""
    from ..metrics import hungarian_accuracy

    starts = SWEEP_STARTS[check_counts(counts)]
    matched = hungarian_accuracy(read_categories(model, x), labels.cpu().numpy(), model.config.num_categories)
    scores = {"categorical_accuracy": round(matched["accuracy"], 4), "images": len(x)}
    correlations = continuous_code_correlations(model, starts, seed=seed)
    for prop in PROPERTIES:
        best = max(correlations, key=lambda c: abs(correlations[c][prop]))
        scores[f"{prop}_spearman"], scores[f"{prop}_code"] = abs(correlations[best][prop]), best
    return {
        **scores,
        "code_correlations": correlations,
        "confusion": matched["confusion"],
        "category_to_digit": matched["mapping"],
    }


def held_out_digits(data_dir=None, device="cpu", split: str = "test", counts: str = "standard") -> tuple[dict, str]:
    """The digits a digits model is measured on, and where they came from: the ``test`` split of the MNIST
    folder ``data_dir`` (else of the kit's default folder, when present), else 2,000 procedural digits.
    ``split="train"``: the first ``TRAIN_DIGITS[counts]`` digits of the folder's training split."""
    if split not in DIGITS_SPLITS:
        raise ValueError(f"unknown digits split {split!r}; choose from: {', '.join(DIGITS_SPLITS)}")
    try:
        data = MNISTDigits(data_dir, split=split, device=device)
    except FileNotFoundError:
        if data_dir is not None or split != "test":
            raise
        batch = ProceduralDigits(device=device).sample(2000, torch.Generator().manual_seed(1234))
        return {"x": batch["x"], "labels": batch["labels"]}, "2,000 procedural digits (no MNIST folder found)"
    batches = list(data.batches(limit=TRAIN_DIGITS[check_counts(counts)] if split == "train" else None))
    x, labels = torch.cat([b["x"] for b in batches]), torch.cat([b["labels"] for b in batches])
    if split == "train":
        source = f"the first {len(x):,} MNIST training digits of the folder {data.data_dir.name!r}"
    else:
        source = f"MNIST {data.split} split of the folder {data.data_dir.name!r} ({len(x):,} digits)"
    return {"x": x, "labels": labels}, source


def measure_digits(
    model: CategoricalCodeModel,
    card: dict,
    *,
    counts: str = "standard",
    seed: int = 0,
    data_dir=None,
    device="cpu",
    split: str = "test",
) -> dict:
    """Categorical accuracy on held-out digits, continuous codes against slant and ink; for a VAE also the
    reconstruction and the KL of each continuous latent (``continuous_kl``, which ``traverse`` ranks by)."""
    model.eval().to(device)
    data, source = held_out_digits(data_dir, device, split, counts)
    scores = {"data": source, **digits_scores(model, data["x"], data["labels"], counts, seed)}
    if model.has_prior:  # a VAE: its reconstruction and KL too
        with torch.no_grad():
            out = model(data["x"])
            scores["recon_nll"] = round(reconstruction(out["x_logits"], data["x"]).item(), 2)
            per_latent = kl_per_latent(out["mu"], out["logvar"])
            scores.update(
                kl=round(per_latent.sum().item(), 2),
                active_latents=int(is_active(per_latent).sum()),
                continuous_kl=[round(v, 3) for v in per_latent.tolist()],
            )
    return scores


DIGITS = Evaluation(
    measure=measure_digits,
    headline=("categorical_accuracy", "slant_spearman", "slant_code", "ink_spearman", "ink_code", "recon_nll", "kl"),
    card_keys=("confusion", "category_to_digit", "code_correlations", "continuous_kl", "data"),
    splits=DIGITS_SPLITS,
    summary="digits: categorical accuracy (Hungarian matching), continuous codes vs slant and ink (Spearman)",
)
