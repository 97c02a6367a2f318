"""Loss terms checked against torch.distributions, the trusted oracle."""

import pytest
import torch
from torch.distributions import Bernoulli, Normal, kl_divergence

from disentangle_core.losses import (
    capacity_penalty,
    gaussian_log_density,
    kl_normal,
    kl_per_latent,
    linear_schedule,
    reconstruction,
)


def test_kl_matches_torch_distributions():
    torch.manual_seed(0)
    mu, logvar = torch.randn(32, 10), torch.randn(32, 10)
    oracle = kl_divergence(Normal(mu, (0.5 * logvar).exp()), Normal(0.0, 1.0))  # (32, 10)
    assert torch.allclose(kl_per_latent(mu, logvar), oracle.mean(0), atol=1e-5)
    assert torch.allclose(kl_normal(mu, logvar), oracle.sum(1).mean(), atol=1e-4)
    assert kl_normal(torch.zeros(4, 3), torch.zeros(4, 3)) == 0


def test_bernoulli_reconstruction_is_the_negative_log_likelihood():
    torch.manual_seed(0)
    logits, x = torch.randn(8, 1, 64, 64), torch.randint(0, 2, (8, 1, 64, 64)).float()
    oracle = -Bernoulli(logits=logits).log_prob(x).flatten(1).sum(1).mean()
    assert torch.allclose(reconstruction(logits, x, "bernoulli"), oracle, rtol=1e-5)
    assert reconstruction(logits, x, "gaussian") > 0
    with pytest.raises(ValueError, match="unknown reconstruction 'l1'; choose from: bernoulli, gaussian"):
        reconstruction(logits, x, "l1")


def test_gaussian_log_density_matches_normal_log_prob():
    z, mu, logvar = torch.randn(5, 3), torch.randn(5, 3), torch.randn(5, 3)
    oracle = Normal(mu, (0.5 * logvar).exp()).log_prob(z)
    assert torch.allclose(gaussian_log_density(z, mu, logvar), oracle, atol=1e-5)


def test_capacity_schedule_and_penalty():
    assert linear_schedule(0, 0.0, 25.0, 100) == 0.0
    assert linear_schedule(50, 0.0, 25.0, 100) == 12.5
    assert linear_schedule(1000, 0.0, 25.0, 100) == 25.0  # held after the ramp
    assert linear_schedule(5, 1.0, 2.0, 0) == 2.0
    kl = torch.tensor(10.0)
    assert capacity_penalty(kl, 12.0, 1000.0) == pytest.approx(2000.0)
    assert capacity_penalty(kl, 10.0, 1000.0) == 0


def test_wasserstein2_matches_the_quantile_integral():
    """For 1-D Gaussians W2^2 = integral over q of (F_a^-1(q) - F_b^-1(q))^2; diagonal ones sum over dimensions."""
    from disentangle_core.losses import wasserstein2

    torch.manual_seed(0)
    mu_a, mu_b, logvar_a, logvar_b = torch.randn(4, 3, 5, dtype=torch.float64)
    q = (torch.arange(20000, dtype=torch.float64) + 0.5) / 20000  # midpoint rule on (0, 1)
    qa = Normal(mu_a[..., None], (0.5 * logvar_a).exp()[..., None]).icdf(q)  # (3, 5, Q)
    qb = Normal(mu_b[..., None], (0.5 * logvar_b).exp()[..., None]).icdf(q)
    oracle = (qa - qb).square().mean(-1).sum(1).sqrt().mean()
    assert torch.allclose(wasserstein2(mu_a, logvar_a, mu_b, logvar_b), oracle, rtol=2e-3)
    assert wasserstein2(mu_a, logvar_a, mu_a, logvar_a) < 1e-5


def test_cross_reconstruction_is_l1_of_each_direction():
    from disentangle_core.losses import cross_reconstruction, l1_reconstruction, warmup

    x, x_hat, c, c_hat = torch.randn(4, 6, 7)
    assert torch.allclose(l1_reconstruction(x_hat, x), torch.nn.functional.l1_loss(x_hat, x, reduction="sum") / 6)
    assert torch.allclose(
        cross_reconstruction(x_hat, x, c_hat, c), (x_hat - x).abs().sum() / 6 + (c_hat - c).abs().sum() / 6
    )
    # CADA-VAE's alignment warm-up: 0 until epoch 6, 8.13 from epoch 22
    assert (
        warmup(3, 8.13, 6, 22) == 0
        and warmup(14, 8.13, 6, 22) == pytest.approx(4.065)
        and warmup(50, 8.13, 6, 22) == 8.13
    )
