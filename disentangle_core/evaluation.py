"""Measurements of a trained model on fresh samples of its dataset (the numbers in asset cards)."""

from __future__ import annotations

import torch

from .losses import kl_per_latent, reconstruction

ACTIVE_KL = 0.1  # nats: a latent at or below this carries (almost) no information about x


def is_active(kl_per_latent) -> torch.Tensor:
    """Which latents are in use: True where the average KL to the prior is above ``ACTIVE_KL`` nats.

    The one rule for "active" in the kit (cards, plots, the app); takes a number, a list, an array or a
    tensor of KLs in nats and returns a bool tensor of the same shape.
    """
    return torch.as_tensor(kl_per_latent) > ACTIVE_KL  # compared in the KL's own precision


@torch.no_grad()
def encode_dataset(model, data, n: int = 5000, batch_size: int = 500, seed: int = 1234):
    """Sample ``n`` (images, factors) from ``data`` with a fixed seed; yields (x, factors) batches."""
    generator = torch.Generator().manual_seed(seed)
    for start in range(0, n, batch_size):
        batch = data.sample(min(batch_size, n - start), generator)
        yield batch["x"], batch["factors"]


@torch.no_grad()
def reconstruction_metrics(model, data, n: int = 5000, seed: int = 1234) -> dict:
    """Reconstruction NLL (nats per image), KL (nats) and the count of active latents, on ``n`` fresh samples.

    The decoder is fed the encoder means, as at test time.
    """
    model.eval()
    device = next(model.parameters()).device
    data.to(device)
    recon, kl, count = 0.0, None, 0
    for x, _ in encode_dataset(model, data, n, seed=seed):
        out = model(x)
        recon += reconstruction(out["x_logits"], x, model.config.recon).item() * len(x)
        if "logvar" in out:
            per_latent = kl_per_latent(out["mu"], out["logvar"]) * len(x)
            kl = per_latent if kl is None else kl + per_latent
        count += len(x)
    metrics = {"recon_nll": round(recon / count, 2)}
    if kl is not None:
        kl = kl / count
        metrics.update(kl=round(kl.sum().item(), 2), active_latents=int(is_active(kl).sum()))
    return metrics
