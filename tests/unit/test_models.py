import pytest
import torch

from disentangle_core.models import MODELS, Autoencoder, BetaVAE, BetaVAEConfig, build_model


def batch(n=4):
    return {"x": torch.randint(0, 2, (n, 1, 64, 64)).float()}


# the 64x64 image models; the two-modality GZSL models (inputs x and c) are tested in test_gzsl_models.py,
# the 28x28 digits models (InfoGAN, JointVAE: a categorical code) in test_models_digits.py
DIGITS_MODELS = {"infogan", "joint_vae"}


@pytest.mark.parametrize(
    "name", sorted(n for n, (cls, _) in MODELS.items() if cls.inputs == ("x",) and n not in DIGITS_MODELS)
)
def test_every_model_follows_the_contract(name):
    torch.manual_seed(0)
    model = build_model(name, latent_dim=6)
    data = batch()
    out = model(data["x"])
    assert out["x_logits"].shape == (4, 1, 64, 64) and out["mu"].shape == (4, 6)
    terms = model.loss(data, out, step=0)
    assert "loss" in terms and "recon" in terms and terms["loss"].ndim == 0
    assert model.representation(data["x"]).shape == (4, 6)
    assert model.latent_activity(data["x"]).shape == (6,)
    before = [p.clone() for p in model.parameters()]
    logged = model.training_step(data, 0, model.configure_optimizers())
    assert all(not torch.is_tensor(v) or not v.requires_grad for v in logged.values())
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters()))


def test_beta_weights_the_kl():
    torch.manual_seed(0)
    data = batch()
    model = BetaVAE(BetaVAEConfig(beta=4.0)).train()
    torch.manual_seed(1)
    out = model(data["x"])
    terms = model.loss(data, out, 0)
    assert torch.allclose(terms["loss"], terms["recon"] + 4.0 * terms["kl"])


def test_capacity_objective_pushes_kl_towards_c():
    model = BetaVAE(BetaVAEConfig(objective="capacity", gamma=100.0, capacity_max=20.0, capacity_steps=100))
    data = batch()
    out = model(data["x"])
    terms = model.loss(data, out, step=50)
    assert terms["C"] == 10.0
    assert torch.allclose(terms["capacity"], 100.0 * (terms["kl"] - 10.0).abs())
    assert torch.allclose(terms["loss"], terms["recon"] + terms["capacity"])


def test_eval_mode_decodes_the_mean():
    model = BetaVAE().eval()
    x = batch()["x"]
    assert torch.equal(model(x)["z"], model(x)["mu"])


def test_build_model_rejects_bad_input_with_one_sentence():
    with pytest.raises(ValueError, match="unknown model 'betavae'; choose from: autoencoder, beta_vae"):
        build_model("betavae")
    with pytest.raises(ValueError, match="unknown config field"):
        build_model("beta_vae", betta=4)
    with pytest.raises(ValueError, match="'beta' of model 'beta_vae' must be float, got 'abc'"):
        build_model("beta_vae", beta="abc")
    with pytest.raises(ValueError, match="unknown objective 'tc'; choose from: beta, capacity"):
        build_model("beta_vae", objective="tc")
    assert isinstance(build_model("autoencoder", latent_dim=3), Autoencoder)
    assert build_model("beta_vae", beta=2).config.beta == 2.0  # an int is a fine float


def test_kl_warmup_fades_the_kl_in():
    model = BetaVAE(BetaVAEConfig(beta=4.0, kl_warmup_steps=100)).train()
    data = batch()
    out = model(data["x"])
    at = lambda step: model.loss(data, out, step)
    assert torch.allclose(at(0)["loss"], at(0)["recon"])
    assert torch.allclose(at(50)["loss"], at(50)["recon"] + 0.5 * 4.0 * at(50)["kl"])
    assert torch.allclose(at(500)["loss"], at(500)["recon"] + 4.0 * at(500)["kl"])
