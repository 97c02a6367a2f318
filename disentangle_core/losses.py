"""Small, pure loss terms shared by the models. Each returns a scalar (or per-latent) tensor.

Conventions: reconstruction terms are summed over pixels and averaged over the batch; KL terms are
summed over latents and averaged over the batch, so that ``beta`` means what it means in the papers.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

RECONSTRUCTIONS = ("bernoulli", "gaussian")


def reconstruction(x_logits: torch.Tensor, x: torch.Tensor, kind: str = "bernoulli") -> torch.Tensor:
    """Negative log-likelihood of ``x`` under the decoder, summed over pixels, mean over the batch.

    ``bernoulli``: the decoder outputs logits (binary images such as dSprites).
    ``gaussian``: the decoder outputs the mean of a unit-variance Gaussian (up to a constant).
    """
    if kind == "bernoulli":
        nll = F.binary_cross_entropy_with_logits(x_logits, x, reduction="none")
    elif kind == "gaussian":
        nll = 0.5 * (torch.sigmoid(x_logits) - x).square()
    else:
        raise ValueError(f"unknown reconstruction {kind!r}; choose from: {', '.join(RECONSTRUCTIONS)}")
    return nll.flatten(1).sum(1).mean()


def kl_per_latent(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, 1)) for each latent, averaged over the batch: (B, D) -> (D,)."""
    return 0.5 * (mu.square() + logvar.exp() - 1.0 - logvar).mean(0)


def kl_normal(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """KL to the unit Gaussian prior, summed over latents and averaged over the batch."""
    return kl_per_latent(mu, logvar).sum()


def linear_schedule(step: int, start: float, end: float, steps: int) -> float:
    """A value rising linearly from ``start`` to ``end`` over ``steps``, then held (a pure function)."""
    if steps <= 0:
        return end
    return start + (end - start) * min(step, steps) / steps


def capacity_penalty(kl: torch.Tensor, capacity: float, gamma: float) -> torch.Tensor:
    """Burgess et al. (2018), eq. 8: gamma * |KL - C|, pushing the KL towards a target capacity C."""
    return gamma * (kl - capacity).abs()


def reparameterize(mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """z = mu + sigma * eps with eps ~ N(0, 1), so gradients flow through mu and logvar."""
    return mu + torch.randn_like(mu) * (0.5 * logvar).exp()


def gaussian_log_density(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """Elementwise log N(z; mu, exp(logvar)); broadcasts, so (B, 1, D) vs (1, B, D) gives all pairs."""
    return -0.5 * (math.log(2 * math.pi) + logvar + (z - mu).square() * (-logvar).exp())
