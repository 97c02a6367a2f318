"""FactorVAE (Kim & Mnih 2018): a VAE plus a penalty on the total correlation, estimated adversarially.

A discriminator learns to tell samples of q(z) from samples of prod_d q(z_d) (the same latents with
each dimension shuffled across the batch); its logit ratio is a density-ratio estimate of the TC.
  L_VAE = E[-log p(x|z)] + KL(q(z|x) || p(z)) + γ · E_q(z)[log D(z) / (1 - D(z))]
  L_D   = cross-entropy of D on q(z) (class 0) and on permuted latents (class 1)
Kim & Mnih, "Disentangling by Factorising", ICML 2018 (Algorithm 2; discriminator and optimisers
from its appendix). The paper draws a second batch for the permuted latents; here each training
batch is split in two halves (so use twice the paper's batch size of 64).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..losses import kl_normal, permute_latents, reconstruction, reparameterize
from .base import GaussianVAE, check_finite


@dataclass(frozen=True)
class FactorVAEConfig:
    latent_dim: int = 10
    in_channels: int = 1
    gamma: float = 35.0  # weight of the TC estimate (dSprites)
    recon: str = "bernoulli"
    lr: float = 1e-4  # VAE Adam, betas (0.9, 0.999)
    discriminator_lr: float = 1e-4  # discriminator Adam, betas (0.5, 0.9)
    discriminator_width: int = 1000
    discriminator_layers: int = 6


class TCDiscriminator(nn.Module):
    """MLP on latents: ``layers`` x [FC width, LeakyReLU 0.2], then FC 2 (logits: q(z), permuted)."""

    def __init__(self, latent_dim: int, width: int = 1000, layers: int = 6):
        super().__init__()
        blocks, size = [], latent_dim
        for _ in range(layers):
            blocks += [nn.Linear(size, width), nn.LeakyReLU(0.2, inplace=True)]
            size = width
        self.net = nn.Sequential(*blocks, nn.Linear(size, 2))

    def forward(self, z):  # (B, D) -> (B, 2)
        return self.net(z)


class FactorVAE(GaussianVAE):
    name = "factor_vae"
    training_only = ("tc_discriminator",)  # 20 MB that encoding and decoding never use

    def __init__(self, config: FactorVAEConfig = FactorVAEConfig()):
        super().__init__(config)
        self.tc_discriminator = TCDiscriminator(
            config.latent_dim, config.discriminator_width, config.discriminator_layers
        )

    def loss(self, batch, out, step) -> dict:
        """The VAE's objective; ``tc`` is the discriminator's estimate logit(q(z)) - logit(permuted)."""
        cfg = self.config
        recon = reconstruction(out["x_logits"], batch["x"], cfg.recon)
        kl = kl_normal(out["mu"], out["logvar"])
        logits = self.tc_discriminator(out["z"])  # (B, 2)
        tc = (logits[:, 0] - logits[:, 1]).mean()
        return {"loss": recon + kl + cfg.gamma * tc, "recon": recon, "kl": kl, "tc": tc}

    def discriminator_loss(self, z: torch.Tensor, z_permuted: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the discriminator: ``z`` from q(z) is class 0, ``z_permuted`` class 1."""
        real = torch.zeros(len(z), dtype=torch.long, device=z.device)
        fake = torch.ones(len(z_permuted), dtype=torch.long, device=z.device)
        return 0.5 * (
            F.cross_entropy(self.tc_discriminator(z), real) + F.cross_entropy(self.tc_discriminator(z_permuted), fake)
        )

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.config
        vae_parameters = [*self.encoder.parameters(), *self.decoder.parameters()]
        return {
            "vae": torch.optim.Adam(vae_parameters, lr=cfg.lr, betas=(0.9, 0.999)),
            "discriminator": torch.optim.Adam(
                self.tc_discriminator.parameters(), lr=cfg.discriminator_lr, betas=(0.5, 0.9)
            ),
        }

    def training_step(self, batch: dict, step: int, optimizers: dict) -> dict:
        if len(batch["x"]) < 2:
            raise ValueError("FactorVAE splits each batch into two halves, so batch_size must be at least 2")
        x, x_other = batch["x"].chunk(2)  # two independent batches, as Algorithm 2 draws them

        # (1) update the VAE
        out = self(x)
        terms = self.loss({"x": x}, out, step)
        check_finite(terms, step)
        optimizers["vae"].zero_grad(set_to_none=True)
        terms["loss"].backward()  # also leaves gradients in the discriminator; (2) clears them first
        optimizers["vae"].step()

        # (2) update the discriminator
        with torch.no_grad():
            z_other = reparameterize(*self.encode(x_other))  # (B/2, D), a second sample of q(z)
        discriminator = self.discriminator_loss(out["z"].detach(), permute_latents(z_other))
        check_finite({"discriminator": discriminator}, step)
        optimizers["discriminator"].zero_grad(set_to_none=True)
        discriminator.backward()
        optimizers["discriminator"].step()

        terms = {k: v.detach() for k, v in terms.items()}
        return {**terms, "discriminator": discriminator.detach()}
