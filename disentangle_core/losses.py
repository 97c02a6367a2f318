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
    Computed in fp32 under bf16 autocast: a sum over 4,096 pixels would lose its last digits in bf16.
    """
    x_logits = x_logits.float()
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


# ---- total correlation (β-TCVAE, Chen et al. 2018) -------------------------------------------------


def log_q_pairs(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor) -> torch.Tensor:
    """(B, B, D) log q(z_i,d | x_j): the density of every sample i under every posterior j, per latent."""
    return gaussian_log_density(z[:, None, :], mu[None, :, :], logvar[None, :, :])


def log_qz_minibatch_weighted(log_pairs: torch.Tensor, dataset_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Minibatch-weighted sampling estimates of log q(z_i) and of sum_d log q(z_i,d), each (B,).

    Chen et al. (2018), section 4.1: log q(z_i) ~ log sum_j q(z_i | x_j) - log(N M), with N the dataset size
    and M the batch size; the same for each latent's marginal q(z_i,d).
    """
    log_norm = math.log(log_pairs.shape[1] * dataset_size)
    log_qz = torch.logsumexp(log_pairs.sum(2), dim=1) - log_norm  # (B,) joint over latents
    log_prod_marginals = (torch.logsumexp(log_pairs, dim=1) - log_norm).sum(1)  # (B,)
    return log_qz, log_prod_marginals


def kl_decomposition(z: torch.Tensor, mu: torch.Tensor, logvar: torch.Tensor, dataset_size: int) -> dict:
    """Chen et al. (2018), section 3: E[KL(q(z|x) || p(z))] = index-code MI + total correlation + dimension-wise KL.

    Each term is a batch mean of sampled log densities, so the three sum exactly to the sampled KL:
      mi = log q(z|x) - log q(z),  tc = log q(z) - sum_d log q(z_d),  dim_kl = sum_d log q(z_d) - log p(z).
    """
    log_qz_x = gaussian_log_density(z, mu, logvar).sum(1)  # (B,)
    log_pz = gaussian_log_density(z, torch.zeros_like(z), torch.zeros_like(z)).sum(1)  # (B,) N(0, 1) prior
    log_qz, log_prod_marginals = log_qz_minibatch_weighted(log_q_pairs(z, mu, logvar), dataset_size)
    return {
        "mi": (log_qz_x - log_qz).mean(),
        "tc": (log_qz - log_prod_marginals).mean(),
        "dim_kl": (log_prod_marginals - log_pz).mean(),
    }


def permute_latents(z: torch.Tensor) -> torch.Tensor:
    """Shuffle each latent independently across the batch: samples of prod_d q(z_d) (Kim & Mnih, Alg. 1)."""
    order = torch.rand(z.shape, device=z.device).argsort(dim=0)  # (B, D) an independent permutation per column
    return z.gather(0, order)


# ---- discrete latents and adversarial training -----------------------------------------------------


def kl_categorical_uniform(logits: torch.Tensor) -> torch.Tensor:
    """KL(q(c|x) || Uniform(K)) = log K - H(q), for categorical logits (B, K), averaged over the batch."""
    log_q = F.log_softmax(logits.float(), dim=1)
    return (log_q.exp() * log_q).sum(1).mean() + math.log(logits.shape[1])


def r1_penalty(real_logits: torch.Tensor, x_real: torch.Tensor, gamma: float) -> torch.Tensor:
    """Mescheder et al. (2018): γ/2 · E ||∇_x D(x)||² on real images (``x_real`` must require grad)."""
    (grad,) = torch.autograd.grad(real_logits.sum(), x_real, create_graph=True)
    return 0.5 * gamma * grad.float().square().flatten(1).sum(1).mean()


# ---- aligning two modalities (CADA-VAE, Schönfeld et al. 2019; the disentangled VAE, Li et al. 2021) ----


def l1_reconstruction(x_hat: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """|x - x_hat|_1 summed over features, mean over the batch (CADA-VAE's L1 reconstruction)."""
    return (x_hat.float() - x.float()).abs().sum(1).mean()


def cross_reconstruction(
    x_from_c: torch.Tensor, x: torch.Tensor, c_from_x: torch.Tensor, c: torch.Tensor
) -> torch.Tensor:
    """|x - D_x(E_c(c))|_1 + |c - D_c(E_x(x))|_1: each modality decoded from the other's latent."""
    return l1_reconstruction(x_from_c, x) + l1_reconstruction(c_from_x, c)


def wasserstein2(
    mu_a: torch.Tensor, logvar_a: torch.Tensor, mu_b: torch.Tensor, logvar_b: torch.Tensor
) -> torch.Tensor:
    """The 2-Wasserstein distance between diagonal Gaussians, mean over the batch: (B, D) x 4 -> scalar.

    W2(N(mu_a, S_a), N(mu_b, S_b))^2 = |mu_a - mu_b|^2 + |S_a^1/2 - S_b^1/2|_F^2 (the covariances commute),
    and CADA-VAE takes its square root per pair of samples.
    """
    squared = (mu_a - mu_b).square().sum(1) + ((0.5 * logvar_a).exp() - (0.5 * logvar_b).exp()).square().sum(1)
    return squared.clamp_min(1e-12).sqrt().mean()


def warmup(epoch: float, factor: float, start: float, end: float) -> float:
    """CADA-VAE's warm-up: 0 until epoch ``start``, rising linearly to ``factor`` at ``end``, then held."""
    if end <= start:
        return factor if epoch >= start else 0.0
    return factor * min(max((epoch - start) / (end - start), 0.0), 1.0)
