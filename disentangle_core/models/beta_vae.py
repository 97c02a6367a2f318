"""β-VAE (Higgins et al. 2017) and its capacity-annealed variant (Burgess et al. 2018).

A VAE whose KL term is weighted by β > 1 trades reconstruction for a code closer to the factorised
prior, which tends to align latents with independent generative factors. With β = 1 this is the VAE.
  objective="beta":      L = E[-log p(x|z)] + β · KL(q(z|x) || p(z))
  objective="capacity":  L = E[-log p(x|z)] + γ · |KL(q(z|x) || p(z)) - C(t)|,  C rising 0 -> C_max
Higgins et al., ICLR 2017; Burgess et al., "Understanding disentangling in β-VAE", 2018.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..losses import capacity_penalty, kl_normal, linear_schedule, reconstruction
from .base import GaussianVAE

OBJECTIVES = ("beta", "capacity")


@dataclass(frozen=True)
class BetaVAEConfig:
    latent_dim: int = 10
    in_channels: int = 1
    beta: float = 4.0
    objective: str = "beta"  # "beta" (Higgins) or "capacity" (Burgess)
    gamma: float = 1000.0  # Burgess' dSprites value
    capacity_max: float = 25.0  # nats
    capacity_steps: int = 100_000  # steps over which C rises linearly from 0 to capacity_max
    recon: str = "bernoulli"
    lr: float = 5e-4
    kl_warmup_steps: int = 0  # KL weight rising 0 -> 1 over these first steps (0: none, as in the papers)

    def __post_init__(self):
        if self.objective not in OBJECTIVES:
            raise ValueError(f"unknown objective {self.objective!r}; choose from: {', '.join(OBJECTIVES)}")


class BetaVAE(GaussianVAE):
    name = "beta_vae"

    def __init__(self, config: BetaVAEConfig = BetaVAEConfig()):
        super().__init__(config)

    def capacity(self, step: int) -> float:
        """C(t) of Burgess et al.: a pure function of the step."""
        cfg = self.config
        return linear_schedule(step, 0.0, cfg.capacity_max, cfg.capacity_steps)

    def loss(self, batch, out, step) -> dict:
        cfg = self.config
        recon = reconstruction(out["x_logits"], batch["x"], cfg.recon)
        kl = kl_normal(out["mu"], out["logvar"])
        # Warm-up (Bowman et al. 2016): with the KL term faded in, the decoder learns to use z before the
        # prior can switch every latent off, which avoids the mean-image plateau of short runs.
        warmup = linear_schedule(step, 0.0, 1.0, cfg.kl_warmup_steps)
        if cfg.objective == "capacity":
            target = self.capacity(step)
            penalty = capacity_penalty(kl, target, cfg.gamma)
            return {"loss": recon + warmup * penalty, "recon": recon, "kl": kl, "capacity": penalty, "C": target}
        return {"loss": recon + warmup * cfg.beta * kl, "recon": recon, "kl": kl}
