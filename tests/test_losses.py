"""Loss terms checked against torch.distributions, the trusted oracle."""

import pytest
import torch
from torch.distributions import Bernoulli, Normal, kl_divergence

from disentangle_core.losses import (
    capacity_penalty, gaussian_log_density, kl_normal, kl_per_latent, linear_schedule, reconstruction,
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
