"""β-TCVAE (Chen et al. 2018): penalise only the total correlation part of the VAE's KL term.

The KL term of the ELBO splits into the index-code mutual information, the total correlation (TC)
of q(z) and a dimension-wise KL; only the TC measures dependence between latents, so it alone gets β.
  L = E[-log p(x|z)] + α · I_q(x; z) + β · TC(q(z)) + γ · Σ_d KL(q(z_d) || p(z_d))
q(z) is estimated on each minibatch by minibatch-weighted sampling, which needs the dataset size N.
Chen, Li, Grosse & Duvenaud, "Isolating Sources of Disentanglement in VAEs", NeurIPS 2018.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..losses import kl_decomposition, reconstruction
from .base import GaussianVAE


@dataclass(frozen=True)
class BetaTCVAEConfig:
    latent_dim: int = 10
    in_channels: int = 1
    alpha: float = 1.0  # weight of the index-code mutual information
    beta: float = 6.0  # weight of the total correlation (the paper's dSprites setting)
    gamma: float = 1.0  # weight of the dimension-wise KL
    dataset_size: int = 737_280  # N in the minibatch-weighted estimate of q(z): all dSprites images
    recon: str = "bernoulli"
    lr: float = 5e-4

    def __post_init__(self):
        if self.dataset_size < 1:
            raise ValueError(f"dataset_size must be a positive number of images, got {self.dataset_size}")


class BetaTCVAE(GaussianVAE):
    name = "beta_tcvae"

    def __init__(self, config: BetaTCVAEConfig = BetaTCVAEConfig()):
        super().__init__(config)

    def loss(self, batch, out, step) -> dict:
        cfg = self.config
        recon = reconstruction(out["x_logits"], batch["x"], cfg.recon)
        kl = kl_decomposition(out["z"], out["mu"], out["logvar"], cfg.dataset_size)  # mi, tc, dim_kl
        total = recon + cfg.alpha * kl["mi"] + cfg.beta * kl["tc"] + cfg.gamma * kl["dim_kl"]
        return {"loss": total, "recon": recon, **kl}
