"""Deterministic autoencoder: the entangled baseline.

Nothing asks its code to be factorised or to follow a prior, so any rotation of a good code is an
equally good code: the factors end up mixed across latents. Objective: min E[-log p(x | z = f(x))].
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..losses import reconstruction
from .base import GenerativeModel
from .nets import ConvDecoder, ConvEncoder


@dataclass(frozen=True)
class AutoencoderConfig:
    latent_dim: int = 10
    in_channels: int = 1
    recon: str = "bernoulli"  # "bernoulli" (binary images) or "gaussian"
    lr: float = 5e-4


class Autoencoder(GenerativeModel):
    name = "autoencoder"
    has_prior = False  # codes are unbounded, so traversals span the data's codes instead

    def __init__(self, config: AutoencoderConfig = AutoencoderConfig()):
        super().__init__(config)
        self.encoder = ConvEncoder(config.in_channels, config.latent_dim)
        self.decoder = ConvDecoder(config.latent_dim, config.in_channels)

    def encode(self, x):  # (B, C, 64, 64) -> ((B, D),)
        return (self.encoder(x),)

    def decode(self, z):  # (B, D) -> (B, C, 64, 64) logits
        return self.decoder(z)

    def forward(self, x) -> dict:
        (z,) = self.encode(x)
        return {"z": z, "mu": z, "x_logits": self.decode(z)}

    def loss(self, batch, out, step) -> dict:
        recon = reconstruction(out["x_logits"], batch["x"], self.config.recon)
        return {"loss": recon, "recon": recon}

    @torch.no_grad()
    def latent_activity(self, x):
        """(D,) variance of each code dimension on ``x`` (an autoencoder has no KL to rank by)."""
        return self.encode(x)[0].var(0)
