"""JointVAE (Dupont 2018): a VAE with Gaussian latents and a categorical latent, each given a capacity.

The encoder gives q(z|x) = N(mu, sigma^2) for the continuous latents and q(c|x) = Cat(alpha) for the
discrete one; c is sampled with the Gumbel-softmax relaxation (Jang et al. 2017; Maddison et al. 2017).
Each KL is pushed towards its own rising capacity, so the model has to spend nats on both:
  L = E[-log p(x|z, c)] + γ · |KL(q(z|x) || N(0, I)) - C_z(t)| + γ · |KL(q(c|x) || Uniform(K)) - C_c(t)|
C_c is capped at log K, the most a K-way code can carry. Dupont, "Learning Disentangled Joint Continuous
and Discrete Representations", NeurIPS 2018 (MNIST setting from its official code).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..losses import (
    capacity_penalty,
    kl_categorical_uniform,
    kl_normal,
    kl_per_latent,
    linear_schedule,
    reconstruction,
    reparameterize,
)
from .base import GenerativeModel
from .nets import Float32Linear

ARCHS = ("kit", "padded", "dupont")


@dataclass(frozen=True)
class JointVAEConfig:
    continuous_dim: int = 10
    num_categories: int = 10
    gamma: float = 30.0  # weight of both capacity terms (Dupont's MNIST value)
    continuous_capacity: float = 5.0  # nats, C_z's final value
    categorical_capacity: float = 5.0  # nats, C_c's final value (capped at log K = 2.30 for K = 10)
    capacity_steps: int = 25_000  # steps over which both capacities rise from 0
    temperature: float = 0.67  # of the Gumbel-softmax samples
    recon: str = "bernoulli"
    lr: float = 5e-4
    # "kit": 28x28, two convs; "dupont": the official code's 32x32 (zero-padded), three convs; "padded": the kit's
    # two convs on the 32x32 zero-padded digit (the input size of "dupont" alone)
    arch: str = "kit"

    def __post_init__(self):
        if self.arch not in ARCHS:
            raise ValueError(f"unknown arch {self.arch!r}; choose from: {', '.join(ARCHS)}")

    @property
    def code_dim(self) -> int:  # the decoder's input: [z (10), one-hot c (10)]
        return self.continuous_dim + self.num_categories


class Crop(nn.Module):
    """Cut ``border`` pixels from each side: the 32x32 drawing of a padded decoder back to 28x28."""

    def __init__(self, border: int):
        super().__init__()
        self.border = border

    def forward(self, x):
        return x[..., self.border : -self.border, self.border : -self.border]


class JointVAE(GenerativeModel):
    """Encoder conv 32, conv 64 (4x4, stride 2), FC 256; decoder the mirror; 28x28 images. ``arch="dupont"``:
    the official code's networks, the digit zero-padded to 32x32, convs 32, 32, 64 (32 -> 16 -> 8 -> 4);
    ``arch="padded"``: the kit's two convs on that padded digit (32 -> 16 -> 8)."""

    name = "joint_vae"
    has_prior = True
    continuous_span = 2.0  # sweeps of the N(0, 1) latents cover [-2, 2]

    def __init__(self, config: JointVAEConfig = JointVAEConfig()):
        super().__init__(config)
        cfg = config
        padded = cfg.arch in ("padded", "dupont")
        convs = [(1, 32), (32, 32), (32, 64)] if cfg.arch == "dupont" else [(1, 32), (32, 64)]
        self.feature_side = {"kit": 7, "padded": 8, "dupont": 4}[cfg.arch]
        features = 64 * self.feature_side**2
        self.encoder = nn.Sequential(
            *([nn.ZeroPad2d(2)] if padded else []),
            *[layer for c_in, c_out in convs for layer in (nn.Conv2d(c_in, c_out, 4, 2, 1), nn.ReLU())],
            nn.Flatten(),  # kit: 28 -> 14 -> 7; padded: 32 -> 16 -> 8; dupont: 32 -> 16 -> 8 -> 4
            nn.Linear(features, 256),
            nn.ReLU(),
            Float32Linear(256, 2 * cfg.continuous_dim + cfg.num_categories),
        )  # fp32 under autocast
        self.decoder_fc = nn.Sequential(
            Float32Linear(cfg.code_dim, 256), nn.ReLU(), nn.Linear(256, features), nn.ReLU()
        )
        ups = [nn.ConvTranspose2d(c_out, c_in, 4, 2, 1) for c_in, c_out in reversed(convs)]
        self.decoder_conv = nn.Sequential(
            *[layer for up in ups[:-1] for layer in (up, nn.ReLU())], ups[-1], *([Crop(2)] if padded else [])
        )  # the mirror, back to 28x28
        self.continuous_slice = slice(0, cfg.continuous_dim)
        self.categorical_slice = slice(cfg.continuous_dim, cfg.code_dim)

    def encode(self, x):  # (B, 1, 28, 28) -> mu (B, D), logvar (B, D), category logits (B, K), in fp32
        mu, logvar, logits = self.encoder(x).split(
            [self.config.continuous_dim, self.config.continuous_dim, self.config.num_categories], dim=1
        )
        return mu, logvar, logits

    def decode(self, code):  # (B, code_dim) -> (B, 1, 28, 28) logits
        return self.decoder_conv(self.decoder_fc(code).view(-1, 64, self.feature_side, self.feature_side))

    def forward(self, x) -> dict:
        mu, logvar, logits = self.encode(x)
        if self.training:
            z = reparameterize(mu, logvar)
            c = F.gumbel_softmax(logits, tau=self.config.temperature)  # (B, K), relaxed one-hot
        else:  # test time: the means and the most probable category
            z, c = mu, F.one_hot(logits.argmax(1), self.config.num_categories).float()
        code = torch.cat([z, c], dim=1)
        return {"mu": mu, "logvar": logvar, "category_logits": logits, "code": code, "x_logits": self.decode(code)}

    def sample_code(self, n: int, generator: torch.Generator | None = None, device=None) -> dict:
        """Codes from the prior: ``{"code": (n, code_dim), "category": (n,), "continuous": (n, D)}``."""
        cfg, device = self.config, device or next(self.parameters()).device
        continuous = torch.randn(n, cfg.continuous_dim, generator=generator)
        category = torch.randint(cfg.num_categories, (n,), generator=generator)
        code = torch.cat([continuous, F.one_hot(category, cfg.num_categories).float()], dim=1)
        return {"code": code.to(device), "category": category.to(device), "continuous": continuous.to(device)}

    def capacities(self, step: int) -> tuple[float, float]:
        """C_z(t) and C_c(t): linear from 0, C_c capped at log K (a pure function of the step)."""
        cfg = self.config
        c_z = linear_schedule(step, 0.0, cfg.continuous_capacity, cfg.capacity_steps)
        c_c = linear_schedule(step, 0.0, cfg.categorical_capacity, cfg.capacity_steps)
        return c_z, min(c_c, math.log(cfg.num_categories))

    def loss(self, batch, out, step) -> dict:
        cfg = self.config
        recon = reconstruction(out["x_logits"], batch["x"], cfg.recon)
        kl_z = kl_normal(out["mu"], out["logvar"])
        kl_c = kl_categorical_uniform(out["category_logits"])
        c_z, c_c = self.capacities(step)
        penalty = capacity_penalty(kl_z, c_z, cfg.gamma) + capacity_penalty(kl_c, c_c, cfg.gamma)
        return {
            "loss": recon + penalty,
            "recon": recon,
            "kl": kl_z,
            "kl_categorical": kl_c,
            "capacity": penalty,
            "C": c_z,
            "C_categorical": c_c,
        }

    def read(self, x) -> dict:
        """The encoder's reading of x: category logits (B, K) and continuous means (B, D)."""
        mu, logvar, logits = self.encode(x)
        return {"category_logits": logits, "continuous": mu, "continuous_logvar": logvar}

    @torch.no_grad()
    def representation(self, x) -> torch.Tensor:
        """(B, code_dim) the code decoded at test time: means and the most probable category, one-hot."""
        mu, _, logits = self.encode(x)
        return torch.cat([mu, F.one_hot(logits.argmax(1), self.config.num_categories).float()], dim=1)

    @torch.no_grad()
    def latent_activity(self, x) -> torch.Tensor:
        """(code_dim,) KL of each continuous latent; each category entry gets the categorical KL / K."""
        mu, logvar, logits = self.encode(x)
        per_latent = kl_per_latent(mu, logvar)
        categorical = kl_categorical_uniform(logits).reshape(1) / self.config.num_categories
        return torch.cat([per_latent, categorical.expand(self.config.num_categories)])
