"""CADA-VAE (Schönfeld et al. 2019): two VAEs, one on image features x and one on class attributes c,
aligned in one latent space, so an unseen class can be sampled from its attributes alone.

  L = |x - D_x(z_x)| + |c - D_c(z_c)| - β (KL_x + KL_c)                        (the two VAEs, L1)
      + δ (|x - D_x(z_c)| + |c - D_c(z_x)|)                                   (cross-alignment, CA)
      + Δ W2(q(z|x), q(z|c))                                                   (distribution alignment, DA)
with β -> 0.25, δ -> 2.37, Δ -> 8.13 warmed up over epochs as in the official code (which sums each
term over the batch where this file averages: the same direction for Adam). A softmax
classifier trained on latent samples (seen: from image features, unseen: from attributes) then
classifies test images over seen ∪ unseen; it lives in ``metrics/gzsl_measure.py``, not here.
Schönfeld, Ebrahimi, Sinha, Darrell, Akata, "Generalized Zero- and Few-Shot Learning via Aligned
Variational Autoencoders", CVPR 2019.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..losses import cross_reconstruction, kl_normal, l1_reconstruction, reparameterize, warmup, wasserstein2
from .base import GenerativeModel
from .nets import GaussianMLP, MLPDecoder


@dataclass(frozen=True)
class CADAVAEConfig:
    feature_dim: int = 256  # 2048 for the ResNet-101 features of xlsa17 (set from the data by `train`)
    attribute_dim: int = 22  # 85 on AWA2, 312 on CUB
    num_classes: int = 48  # seen + unseen
    dataset_size: int = 4320  # training images, to turn steps into the epochs of the warm-ups
    latent_dim: int = 64
    image_encoder_width: int = 1560  # the official hidden_size_rule for ResNet features: (1560, 1660)
    image_decoder_width: int = 1660
    attribute_encoder_width: int = 1450  # ... and for attributes: (1450, 665)
    attribute_decoder_width: int = 665
    beta: float = 0.25  # KL weight, warmed up over epochs 0 -> 93
    beta_end: int = 93
    cross_reconstruction: float = 2.37  # δ, warmed up over epochs 21 -> 75
    cross_reconstruction_start: int = 21
    cross_reconstruction_end: int = 75
    distance: float = 8.13  # Δ, warmed up over epochs 6 -> 22
    distance_start: int = 6
    distance_end: int = 22
    lr: float = 1.5e-4  # Adam, betas (0.9, 0.999), batch 50, 100 epochs


class CADAVAE(GenerativeModel):
    name = "cada_vae"
    inputs = ("x", "c")
    classify_on = "z"  # the latent the final softmax classifier reads

    def __init__(self, config: CADAVAEConfig = CADAVAEConfig()):
        super().__init__(config)
        cfg = config
        self.image_encoder = GaussianMLP(cfg.feature_dim, cfg.image_encoder_width, cfg.latent_dim)
        self.image_decoder = MLPDecoder(cfg.latent_dim, cfg.image_decoder_width, cfg.feature_dim)
        self.attribute_encoder = GaussianMLP(cfg.attribute_dim, cfg.attribute_encoder_width, cfg.latent_dim)
        self.attribute_decoder = MLPDecoder(cfg.latent_dim, cfg.attribute_decoder_width, cfg.attribute_dim)

    def encode(self, x):  # (B, feature_dim) -> mu, logvar (B, latent_dim)
        return self.image_encoder(x)

    def decode(self, z):  # (B, latent_dim) -> (B, feature_dim)
        return self.image_decoder(z)

    def image_latents(self, x) -> dict:
        """The Gaussians q(z|x) of image features, by latent name: {"z": (mu, logvar)}."""
        return {"z": self.image_encoder(x)}

    def attribute_latents(self, c) -> dict:
        """The Gaussians q(z|c) of class attribute vectors: {"z": (mu, logvar)}."""
        return {"z": self.attribute_encoder(c)}

    def forward(self, x, c) -> dict:
        mu_x, logvar_x = self.image_encoder(x)
        mu_c, logvar_c = self.attribute_encoder(c)
        z_x = reparameterize(mu_x, logvar_x) if self.training else mu_x  # (B, latent_dim)
        z_c = reparameterize(mu_c, logvar_c) if self.training else mu_c
        return {
            "mu_x": mu_x,
            "logvar_x": logvar_x,
            "mu_c": mu_c,
            "logvar_c": logvar_c,
            "x_from_x": self.image_decoder(z_x),
            "c_from_c": self.attribute_decoder(z_c),
            "x_from_c": self.image_decoder(z_c),
            "c_from_x": self.attribute_decoder(z_x),
        }

    def epoch(self, step: int, batch_size: int) -> float:
        """How many passes over the training images ``step`` batches make (the warm-ups count epochs)."""
        return step * batch_size / self.config.dataset_size

    def loss(self, batch, out, step) -> dict:
        cfg, x, c = self.config, batch["x"], batch["c"]
        epoch = self.epoch(step, len(x))
        recon = l1_reconstruction(out["x_from_x"], x) + l1_reconstruction(out["c_from_c"], c)
        kl = kl_normal(out["mu_x"], out["logvar_x"]) + kl_normal(out["mu_c"], out["logvar_c"])
        cross_recon = cross_reconstruction(out["x_from_c"], x, out["c_from_x"], c)
        align = wasserstein2(out["mu_x"], out["logvar_x"], out["mu_c"], out["logvar_c"])
        beta = warmup(epoch, cfg.beta, 0, cfg.beta_end)
        delta = warmup(epoch, cfg.cross_reconstruction, cfg.cross_reconstruction_start, cfg.cross_reconstruction_end)
        distance = warmup(epoch, cfg.distance, cfg.distance_start, cfg.distance_end)
        total = recon + beta * kl + delta * cross_recon + distance * align
        return {
            "loss": total,
            "recon": recon,
            "kl": kl,
            "cross_recon": cross_recon,
            "align": align,
            "beta": beta,
            "delta": delta,
            "distance": distance,
        }
