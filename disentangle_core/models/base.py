"""What every model shares: the single-optimiser training step and the finite-loss guard.

A model implements ``encode``, ``decode``, ``forward(x) -> dict`` and ``loss(batch, out, step) -> dict``
(``"loss"`` is the total, every other key a named term). Models with two optimisers (adversarial
ones) override ``configure_optimizers`` and write both updates out in their own ``training_step``.
"""

from __future__ import annotations

import math
from dataclasses import asdict

import torch
from torch import nn

from ..losses import reparameterize
from .nets import ConvDecoder, ConvEncoder


class NonFiniteLossError(FloatingPointError):
    """Raised when a loss term becomes NaN or infinite; nothing has been updated with it."""


def check_finite(terms: dict, step: int) -> None:
    """Stop with one clear sentence naming the step and the term when a loss is not finite."""
    tensors = [v.detach().float().reshape(-1) for v in terms.values() if torch.is_tensor(v)]
    floats = [v for v in terms.values() if isinstance(v, float)]
    # every step: one check of all terms at once (one device sync on a GPU, not one per term)
    if (not tensors or torch.isfinite(torch.cat(tensors)).all()) and all(math.isfinite(v) for v in floats):
        return
    for name, value in terms.items():
        if torch.is_tensor(value) and not torch.isfinite(value).all():
            bad = "nan" if torch.isnan(value).any() else "inf"
            raise NonFiniteLossError(f"loss term {name!r} became {bad} at step {step}; training stopped")
        if isinstance(value, float) and not math.isfinite(value):
            raise NonFiniteLossError(f"loss term {name!r} became {value} at step {step}; training stopped")


class GenerativeModel(nn.Module):
    """Base class: holds the frozen config and gives the one-optimiser ``training_step``."""

    name: str = ""  # the registry name, stored in every checkpoint
    has_prior = True  # latents follow N(0, 1), so traversals span the prior
    training_only: tuple = ()  # submodules needed to train, not to use the model: left out of model files
    inputs: tuple = ("x",)  # the batch entries ``forward`` takes (two-modality models also take "c")

    def __init__(self, config):
        super().__init__()
        self.config = config

    def config_dict(self) -> dict:
        return asdict(self.config)

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        return {"model": torch.optim.Adam(self.parameters(), lr=self.config.lr, betas=(0.9, 0.999))}

    def training_step(self, batch: dict, step: int, optimizers: dict) -> dict:
        out = self(*(batch[k] for k in self.inputs))
        terms = self.loss(batch, out, step)
        check_finite(terms, step)
        optimizer = optimizers["model"]
        optimizer.zero_grad(set_to_none=True)
        terms["loss"].backward()
        optimizer.step()
        return {k: v.detach() if torch.is_tensor(v) else v for k, v in terms.items()}

    @torch.no_grad()
    def representation(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, H, W) -> (B, D): the deterministic code used by metrics and traversals (encoder means)."""
        return self.encode(x)[0]

    @torch.no_grad()
    def latent_activity(self, x: torch.Tensor) -> torch.Tensor:
        """(D,) how much each latent is used on ``x``: its average KL to the prior, in nats."""
        from ..losses import kl_per_latent

        mu, logvar = self.encode(x)
        return kl_per_latent(mu, logvar)


class GaussianVAE(GenerativeModel):
    """The body every VAE of the kit shares; the subclasses differ only in their objective (``loss``).

    Encoder: x -> (mu, logvar) of q(z|x) = N(mu, diag(exp(logvar))); decoder: z -> Bernoulli logits.
    While training, z is sampled with the reparameterisation trick; in eval mode z = mu.
    """

    def __init__(self, config):
        super().__init__(config)
        self.encoder = ConvEncoder(config.in_channels, 2 * config.latent_dim)
        self.decoder = ConvDecoder(config.latent_dim, config.in_channels)

    def encode(self, x):  # (B, C, 64, 64) -> (B, D), (B, D)
        mu, logvar = self.encoder(x).chunk(2, dim=1)  # fp32 even under bf16 autocast (nets.Float32Linear)
        return mu, logvar

    def decode(self, z):  # (B, D) -> (B, C, 64, 64) logits
        return self.decoder(z)

    def forward(self, x) -> dict:
        mu, logvar = self.encode(x)
        z = reparameterize(mu, logvar) if self.training else mu
        return {"mu": mu, "logvar": logvar, "z": z, "x_logits": self.decode(z)}
