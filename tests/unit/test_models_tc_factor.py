"""β-TCVAE and FactorVAE: their loss terms against torch.distributions, and a few training steps."""

import math

import pytest
import torch
from torch.distributions import Categorical, Independent, MixtureSameFamily, Normal

from disentangle_core import losses
from disentangle_core.checkpoints import load_model
from disentangle_core.data import ProceduralDSprites
from disentangle_core.models import build_model
from disentangle_core.train import train


def posterior_batch(batch=16, dim=3, seed=0):
    generator = torch.Generator().manual_seed(seed)
    mu = torch.randn(batch, dim, generator=generator)
    logvar = 0.5 * torch.randn(batch, dim, generator=generator) - 1.0
    z = mu + (0.5 * logvar).exp() * torch.randn(batch, dim, generator=generator)
    return z, mu, logvar


# ---- the math in losses.py against torch.distributions ------------------------------------------------


def test_gaussian_log_density_matches_normal_log_prob():
    z, mu, logvar = posterior_batch()
    expected = Normal(mu, (0.5 * logvar).exp()).log_prob(z)
    assert torch.allclose(losses.gaussian_log_density(z, mu, logvar), expected, atol=1e-5)


def test_minibatch_weighted_estimates_are_batch_mixtures_minus_log_n():
    z, mu, logvar = posterior_batch()
    std, n = (0.5 * logvar).exp(), 1000
    uniform = Categorical(logits=torch.zeros(len(z)))
    joint = MixtureSameFamily(uniform, Independent(Normal(mu, std), 1)).log_prob(z)  # (B,) mean of q(z_i | x_j)
    log_qz, log_prod = losses.log_qz_minibatch_weighted(losses.log_q_pairs(z, mu, logvar), n)
    assert torch.allclose(log_qz, joint - math.log(n), atol=1e-4)
    marginals = torch.stack(
        [MixtureSameFamily(uniform, Normal(mu[:, d], std[:, d])).log_prob(z[:, d]) for d in range(z.shape[1])], dim=1
    )  # (B, D)
    assert torch.allclose(log_prod, (marginals - math.log(n)).sum(1), atol=1e-4)


def test_kl_decomposition_sums_to_the_sampled_kl():
    z, mu, logvar = posterior_batch(batch=32, dim=4)
    terms = losses.kl_decomposition(z, mu, logvar, dataset_size=737_280)
    std = (0.5 * logvar).exp()
    sampled_kl = (Normal(mu, std).log_prob(z) - Normal(0.0, 1.0).log_prob(z)).sum(1).mean()
    assert torch.allclose(terms["mi"] + terms["tc"] + terms["dim_kl"], sampled_kl, atol=1e-4)


def test_posteriors_equal_to_the_prior_give_the_estimators_constant_offsets():
    # q(z|x) = p(z) for every x: the true MI, TC and dimension-wise KL are 0; minibatch-weighted
    # sampling shifts them by constants (log N, (D-1) log N, -D log N), which carry no gradient
    batch, dim, n = 64, 5, 737_280
    z = torch.randn(batch, dim)
    terms = losses.kl_decomposition(z, torch.zeros(batch, dim), torch.zeros(batch, dim), n)
    assert terms["mi"].item() == pytest.approx(math.log(n), abs=1e-3)
    assert terms["tc"].item() == pytest.approx((dim - 1) * math.log(n), abs=1e-3)
    assert terms["dim_kl"].item() == pytest.approx(-dim * math.log(n), abs=1e-3)


def test_tc_estimate_of_a_correlated_gaussian_code():
    # mu ~ N(0, C), posteriors N(mu, s^2): q(z) = N(0, C + s^2 I), whose TC is known in closed form.
    # With dataset_size=1 the estimator is the plain minibatch mixture, with no log N offset.
    torch.manual_seed(0)
    batch, s, rho = 2000, 0.2, 0.9
    cov = torch.tensor([[1.0, rho], [rho, 1.0]])
    logvar = torch.full((batch, 2), 2 * math.log(s))
    for c, mu in [(cov, torch.randn(batch, 2) @ torch.linalg.cholesky(cov).T), (torch.eye(2), torch.randn(batch, 2))]:
        q_cov = c + s * s * torch.eye(2)
        true_tc = 0.5 * (q_cov.diag().log().sum() - torch.logdet(q_cov))
        z = mu + s * torch.randn(batch, 2)
        estimate = losses.kl_decomposition(z, mu, logvar, dataset_size=1)["tc"]
        assert estimate.item() == pytest.approx(true_tc.item(), abs=0.08)


def test_permute_latents_shuffles_each_column_independently():
    z = torch.arange(40.0).reshape(10, 4)
    permuted = losses.permute_latents(z)
    for d in range(4):
        assert sorted(permuted[:, d].tolist()) == z[:, d].tolist()  # same values per latent
    assert not torch.equal(permuted, z)


# ---- the models --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name, terms",
    [
        ("beta_tcvae", {"loss", "recon", "mi", "tc", "dim_kl"}),
        ("factor_vae", {"loss", "recon", "kl", "tc"}),
    ],
)
def test_loss_terms_are_named(name, terms):
    torch.manual_seed(0)
    model = build_model(name, latent_dim=3)
    x = ProceduralDSprites().sample(4, torch.Generator().manual_seed(0))["x"]
    out = model(x)
    assert set(model.loss({"x": x}, out, 0)) == terms
    assert out["x_logits"].shape == x.shape and model.representation(x).shape == (4, 3)


def small(name):
    extra = {"discriminator_width": 64, "discriminator_layers": 2} if name == "factor_vae" else {}
    return build_model(name, latent_dim=4, **extra)


@pytest.mark.parametrize("name", ["beta_tcvae", "factor_vae"])
def test_training_steps_reduce_the_loss(name):
    torch.manual_seed(0)
    model = small(name)
    x = ProceduralDSprites().sample(16, torch.Generator().manual_seed(1))["x"]
    optimizers = model.configure_optimizers()
    first = model.training_step({"x": x}, 0, optimizers)
    for step in range(1, 12):
        last = model.training_step({"x": x}, step, optimizers)
    assert all(torch.isfinite(v) for v in last.values())
    assert last["recon"] < first["recon"]


def test_factor_vae_trains_both_players_through_train_and_checkpoints(tmp_path):
    torch.manual_seed(0)
    model = small("factor_vae")
    before = [p.clone() for p in model.tc_discriminator.parameters()]
    result = train(
        model, ProceduralDSprites(), steps=3, batch_size=8, device="cpu", out_dir=tmp_path, progress=False, log_every=1
    )
    assert {"discriminator", "tc", "kl", "recon"} <= set(result.history[-1])
    assert any(not torch.equal(a, b) for a, b in zip(before, model.tc_discriminator.parameters()))
    loaded, card = load_model(result.model_file)
    assert card["model"] == "factor_vae" and loaded.config == model.config
    resumed = train(
        small("factor_vae"),
        ProceduralDSprites(),
        steps=4,
        batch_size=8,
        device="cpu",
        out_dir=tmp_path,
        resume=True,
        progress=False,
    )
    assert resumed.step == 4


def test_factor_vae_rejects_a_batch_it_cannot_split():
    model = small("factor_vae")
    x = torch.zeros(1, 1, 64, 64)
    with pytest.raises(ValueError, match="at least 2"):
        model.training_step({"x": x}, 0, model.configure_optimizers())


def test_beta_tcvae_rejects_a_bad_dataset_size():
    with pytest.raises(ValueError, match="dataset_size"):
        build_model("beta_tcvae", dataset_size=0)


def test_two_optimiser_steps_train_in_bf16_and_resume_exactly(tmp_path):
    run = dict(batch_size=8, device="cpu", progress=False, log_every=1, precision="bf16", checkpoint_every=2)
    torch.manual_seed(0)
    straight = train(small("factor_vae"), ProceduralDSprites(), steps=4, out_dir=tmp_path / "a", **run)
    torch.manual_seed(0)
    train(small("factor_vae"), ProceduralDSprites(), steps=2, out_dir=tmp_path / "b", **run)
    resumed = train(small("factor_vae"), ProceduralDSprites(), steps=4, out_dir=tmp_path / "b", resume=True, **run)
    assert all(math.isfinite(v) for row in straight.history for v in row.values())
    assert [r["discriminator"] for r in straight.history] == [r["discriminator"] for r in resumed.history]
    for a, b in zip(straight.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.equal(a, b)
