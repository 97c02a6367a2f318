"""The disentangled VAE for GZSL (Li, Xu, Wei, Deng, AAAI 2021): CADA-VAE's two aligned VAEs, each
latent split into a category-distilling part z^t and a category-dispersing part z^p.

  L_VAE = Σ_m |m - D_m(z^t_m + z^p_m)| + KL(q(z^t|m) || N(0, I)) + α · KL(q(z^p|m) || N(0, I))   m ∈ {x, c}
  L_SC  = Σ_m CE(f_m(z^t + z^p), y) + CE(f_m(z^t + shuffled z^p), y)   (z^p shuffled across the batch)
  L_MA  = L_CR + β · L_DD,  L_CR = |x - D_x(E_c(c))| + |c - D_c(E_x(x))|,  L_DD = W2 on z^t + W2 on z^p
  L     = L_VAE + γ · L_SC + λ · L_MA
The decoders and the classifiers f_m read the sum z^t + z^p, so a shuffled z^p lands on top of z^t:
the shuffling loss makes the label predictable from z^t whatever z^p adds, so class information has
to live in z^t and leave z^p. (``join="concat"`` feeds (z^t, z^p) side by side instead; then f_m can
simply give z^p zero weight, the loss no longer reaches the encoder's z^p, and nothing keeps the class
out of it.) The final classifier reads z^t only (seen: from image features, unseen: from
attributes). No public code exists; the schedules are CADA-VAE's (the KL weight of L_VAE rises to
``kl_weight``, λ·L_CR and λβ·L_DD follow CADA's δ and Δ warm-ups). Ablations: ``dispersing_dim=0``
(no z^t / z^p split), ``gamma=0`` (no shuffling loss), ``join="concat"``.
Li, Xu, Wei, Deng, "Generalized Zero-Shot Learning via Disentangled Representation", AAAI 2021.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from ..losses import cross_reconstruction, kl_normal, l1_reconstruction, reparameterize, warmup, wasserstein2
from .base import GenerativeModel
from .nets import GaussianMLP, MLPDecoder


@dataclass(frozen=True)
class DVAEConfig:
    feature_dim: int = 256  # set from the data by `train`, as for CADA-VAE
    attribute_dim: int = 22
    num_classes: int = 48
    dataset_size: int = 4320
    latent_dim: int = 64  # z^t, category-distilling: what the final classifier reads
    dispersing_dim: int | None = (
        None  # z^p, category-dispersing: None is latent_dim; 0 is the ablation without the split
    )
    join: str = "sum"  # how D_m and f_m read the parts: "sum" (the paper's z^t + z^p) or "concat" (side by side)
    image_encoder_width: int = 1560  # CADA-VAE's widths (the paper: "2-layer MLP" encoders and decoders)
    image_decoder_width: int = 1660
    attribute_encoder_width: int = 1450
    attribute_decoder_width: int = 665
    alpha: float = 1.0  # weight of KL(q(z^p) || N(0, I)) relative to that of z^t
    gamma: float = 1.0  # weight of the shuffling classification loss L_SC; 0 is its ablation
    lambda_: float = 2.37  # weight of L_MA (λ · L_CR warmed up as CADA's δ)
    beta: float = 3.43  # weight of L_DD inside L_MA: λβ = 8.13, CADA's Δ
    kl_weight: float = 0.25  # CADA's β, warmed up over epochs 0 -> 93
    kl_end: int = 93
    cross_reconstruction_start: int = 21
    cross_reconstruction_end: int = 75
    distance_start: int = 6
    distance_end: int = 22
    lr: float = 1.5e-4


class DVAE(GenerativeModel):
    name = "dvae"
    inputs = ("x", "c")
    classify_on = "t"
    training_only = ("image_classifier", "attribute_classifier")  # f_x and f_c serve L_SC only

    def __init__(self, config: DVAEConfig = DVAEConfig()):
        if config.dispersing_dim is None:  # as many z^p dimensions as z^t ones
            config = replace(config, dispersing_dim=config.latent_dim)
        super().__init__(config)
        cfg = config
        if cfg.join not in ("sum", "concat"):
            raise ValueError(f'join must be "sum" or "concat", got {cfg.join!r}')
        if cfg.join == "sum" and cfg.dispersing_dim not in (0, cfg.latent_dim):
            raise ValueError(
                f"z^t + z^p needs parts of one size: latent_dim {cfg.latent_dim}, dispersing_dim {cfg.dispersing_dim}"
            )
        width = cfg.latent_dim + cfg.dispersing_dim if cfg.join == "concat" else cfg.latent_dim  # what D, f read
        encoded = cfg.latent_dim + cfg.dispersing_dim  # (z^t, z^p) side by side out of each encoder
        self.image_encoder = GaussianMLP(cfg.feature_dim, cfg.image_encoder_width, encoded)
        self.image_decoder = MLPDecoder(width, cfg.image_decoder_width, cfg.feature_dim)
        self.attribute_encoder = GaussianMLP(cfg.attribute_dim, cfg.attribute_encoder_width, encoded)
        self.attribute_decoder = MLPDecoder(width, cfg.attribute_decoder_width, cfg.attribute_dim)
        self.image_classifier = nn.Linear(width, cfg.num_classes)
        self.attribute_classifier = nn.Linear(width, cfg.num_classes)

    def _split(self, mu, logvar) -> dict:
        t = self.config.latent_dim
        latents = {"t": (mu[:, :t], logvar[:, :t])}
        if self.config.dispersing_dim:
            latents["p"] = (mu[:, t:], logvar[:, t:])
        return latents

    def encode(self, x):  # (B, feature_dim) -> mu, logvar (B, latent_dim + dispersing_dim)
        return self.image_encoder(x)

    def joined(self, z: torch.Tensor) -> torch.Tensor:
        """(B, latent_dim + dispersing_dim) encoder-side latent -> what the decoders and f_m read."""
        t = self.config.latent_dim
        if self.config.join == "concat" or not self.config.dispersing_dim:
            return z
        return z[:, :t] + z[:, t:]  # z^t + z^p

    def decode(self, z):  # (B, latent_dim + dispersing_dim) -> (B, feature_dim)
        return self.image_decoder(self.joined(z))

    def image_latents(self, x) -> dict:
        """q(z^t|x) and q(z^p|x) by name: {"t": (mu, logvar), "p": (mu, logvar)} ("p" absent without a split)."""
        return self._split(*self.image_encoder(x))

    def attribute_latents(self, c) -> dict:
        return self._split(*self.attribute_encoder(c))

    def forward(self, x, c) -> dict:
        mu_x, logvar_x = self.image_encoder(x)  # (B, t + p)
        mu_c, logvar_c = self.attribute_encoder(c)
        z_x = reparameterize(mu_x, logvar_x) if self.training else mu_x
        z_c = reparameterize(mu_c, logvar_c) if self.training else mu_c
        joined_x, joined_c = self.joined(z_x), self.joined(z_c)
        return {
            "mu_x": mu_x,
            "logvar_x": logvar_x,
            "mu_c": mu_c,
            "logvar_c": logvar_c,
            "z_x": z_x,
            "z_c": z_c,
            "x_from_x": self.image_decoder(joined_x),
            "c_from_c": self.attribute_decoder(joined_c),
            "x_from_c": self.image_decoder(joined_c),
            "c_from_x": self.attribute_decoder(joined_x),
        }

    def shuffling_loss(self, z: torch.Tensor, labels: torch.Tensor, classifier: nn.Module) -> torch.Tensor:
        """CE of the label from z^t + z^p and from z^t + the z^p of another sample of the batch.

        ``z`` is the encoder-side (B, latent_dim + dispersing_dim) latent; ``classifier`` reads ``joined``."""
        t = self.config.latent_dim
        shuffled = torch.cat([z[:, :t], z[torch.randperm(len(z), device=z.device), t:]], 1)  # (B, t + p)
        return F.cross_entropy(classifier(self.joined(z)), labels) + F.cross_entropy(
            classifier(self.joined(shuffled)), labels
        )

    def loss(self, batch, out, step) -> dict:
        cfg, x, c = self.config, batch["x"], batch["c"]
        epoch = step * len(x) / cfg.dataset_size
        image, attribute = self._split(out["mu_x"], out["logvar_x"]), self._split(out["mu_c"], out["logvar_c"])
        recon = l1_reconstruction(out["x_from_x"], x) + l1_reconstruction(out["c_from_c"], c)
        kl_t = kl_normal(*image["t"]) + kl_normal(*attribute["t"])
        kl_p = kl_normal(*image["p"]) + kl_normal(*attribute["p"]) if "p" in image else torch.zeros((), device=x.device)
        shuffle = self.shuffling_loss(out["z_x"], batch["labels"], self.image_classifier) + self.shuffling_loss(
            out["z_c"], batch["labels"], self.attribute_classifier
        )
        cross_recon = cross_reconstruction(out["x_from_c"], x, out["c_from_x"], c)
        align_t = wasserstein2(*image["t"], *attribute["t"])
        align_p = wasserstein2(*image["p"], *attribute["p"]) if "p" in image else torch.zeros((), device=x.device)
        kl_weight = warmup(epoch, cfg.kl_weight, 0, cfg.kl_end)
        lam = warmup(epoch, cfg.lambda_, cfg.cross_reconstruction_start, cfg.cross_reconstruction_end)
        lam_beta = warmup(epoch, cfg.lambda_ * cfg.beta, cfg.distance_start, cfg.distance_end)
        vae = recon + kl_weight * (kl_t + cfg.alpha * kl_p)
        total = vae + cfg.gamma * shuffle + lam * cross_recon + lam_beta * (align_t + align_p)
        return {
            "loss": total,
            "recon": recon,
            "kl_t": kl_t,
            "kl_p": kl_p,
            "shuffle": shuffle,
            "cross_recon": cross_recon,
            "align_t": align_t,
            "align_p": align_p,
            "kl_weight": kl_weight,
            "lambda": lam,
            "lambda_beta": lam_beta,
        }
