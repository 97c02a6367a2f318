"""CADA-VAE and the disentangled VAE: tiny configs, named loss terms, a few training steps, checkpoints."""

import pytest
import torch

from disentangle_core.checkpoints import load_model
from disentangle_core.data import GZSLFeatures
from disentangle_core.losses import wasserstein2
from disentangle_core.models import build_model
from disentangle_core.train import train
from gzsl_fixtures import write_xlsa17

TINY = {
    "image_encoder_width": 16,
    "image_decoder_width": 16,
    "attribute_encoder_width": 8,
    "attribute_decoder_width": 8,
    "latent_dim": 4,
}


@pytest.fixture
def toy(tmp_path):
    return GZSLFeatures(write_xlsa17(tmp_path / "toy"))


def test_cada_vae_logs_every_term_and_warms_them_up(toy):
    model = build_model("cada_vae", **toy.dimensions, **TINY)
    batch = toy.sample(8, torch.Generator().manual_seed(0))
    early = model.loss(batch, model(batch["x"], batch["c"]), step=0)
    assert set(early) == {"loss", "recon", "kl", "cross_recon", "align", "beta", "delta", "distance"}
    assert early["beta"] == early["delta"] == early["distance"] == 0  # all three warm-ups start at 0
    assert torch.allclose(early["loss"], early["recon"])
    late_step = 100 * toy.dimensions["dataset_size"] // 8  # epoch 100: every factor at its final value
    late = model.loss(batch, model(batch["x"], batch["c"]), step=late_step)
    assert (late["beta"], late["delta"], late["distance"]) == (0.25, 2.37, 8.13)
    assert torch.allclose(
        late["loss"], late["recon"] + 0.25 * late["kl"] + 2.37 * late["cross_recon"] + 8.13 * late["align"]
    )


def test_cada_vae_alignment_is_the_w2_of_the_two_posteriors(toy):
    model = build_model("cada_vae", **toy.dimensions, **TINY).eval()
    batch = toy.sample(8, torch.Generator().manual_seed(0))
    out = model(batch["x"], batch["c"])
    terms = model.loss(batch, out, 0)
    assert torch.allclose(terms["align"], wasserstein2(*model.encode(batch["x"]), *model.attribute_encoder(batch["c"])))


def test_dvae_splits_each_latent_and_logs_the_shuffling_loss(toy):
    model = build_model("dvae", **toy.dimensions, **TINY)  # z^p as wide as z^t
    batch = toy.sample(8, torch.Generator().manual_seed(0))
    latents = model.image_latents(batch["x"])
    assert latents["t"][0].shape == (8, 4) and latents["p"][0].shape == (8, 4)
    terms = model.loss(batch, model(batch["x"], batch["c"]), step=10_000)
    assert {"recon", "kl_t", "kl_p", "shuffle", "cross_recon", "align_t", "align_p"} <= set(terms)
    assert terms["shuffle"] > 0 and terms["kl_p"] > 0
    without_split = build_model("dvae", **toy.dimensions, **TINY, dispersing_dim=0)
    assert set(without_split.image_latents(batch["x"])) == {"t"}
    assert without_split.loss(batch, without_split(batch["x"], batch["c"]), 0)["kl_p"] == 0
    side_by_side = build_model("dvae", **toy.dimensions, **TINY, dispersing_dim=3, join="concat")
    assert side_by_side.image_latents(batch["x"])["p"][0].shape == (8, 3)
    with pytest.raises(ValueError, match="one size"):
        build_model("dvae", **toy.dimensions, **TINY, dispersing_dim=3)


def test_the_decoder_reads_the_sum_of_z_t_and_z_p(toy):
    model = build_model("dvae", **toy.dimensions, **TINY).eval()
    z_t, z_p = torch.randn(5, 4), torch.randn(5, 4)
    both = model.decode(torch.cat([z_t, z_p], 1))
    assert torch.allclose(both, model.decode(torch.cat([z_t + z_p, torch.zeros(5, 4)], 1)), atol=1e-6)


def test_the_shuffling_loss_moves_class_information_into_z_t():
    """f reads z^t + z^p: with the label in z^p, a shuffled z^p gives another sample's label half the time;
    with the label in z^t, shuffling z^p changes nothing, whatever f is."""
    model = build_model("dvae", feature_dim=2, attribute_dim=2, num_classes=2, latent_dim=1)
    labels = torch.tensor([0, 1] * 32)
    classifier = torch.nn.Linear(1, 2)
    with torch.no_grad():
        classifier.weight.copy_(torch.tensor([[-5.0], [5.0]]))
        classifier.bias.zero_()
    z_in_p = torch.stack([torch.zeros(64), labels * 2.0 - 1], 1)  # (z^t, z^p) side by side
    z_in_t = torch.stack([labels * 2.0 - 1, torch.zeros(64)], 1)
    torch.manual_seed(0)
    assert model.shuffling_loss(z_in_p, labels, classifier) > 2.0  # the shuffled half is wrong half the time
    assert model.shuffling_loss(z_in_t, labels, classifier) < 0.02


@pytest.mark.parametrize("name", ["cada_vae", "dvae"])
def test_a_few_steps_train_and_the_model_file_rebuilds(toy, tmp_path, name):
    torch.manual_seed(0)
    model = build_model(name, **toy.dimensions, **TINY)
    held = toy.sample(256, torch.Generator().manual_seed(1))

    def recon() -> float:
        with torch.no_grad():
            return float(model.eval().loss(held, model(held["x"], held["c"]), 0)["recon"])

    before = recon()
    train(model, toy, steps=100, batch_size=8, progress=False, log_every=10, out_dir=tmp_path / "run", precision="fp32")
    assert recon() < before
    loaded, card = load_model(tmp_path / "run" / "model.safetensors")
    assert card["dataset"] == "xlsa17" and card["config"]["feature_dim"] == 8
    from safetensors import safe_open

    with safe_open(str(tmp_path / "run" / "model.safetensors"), "pt") as f:
        stored = list(f.keys())
    assert stored and not any("classifier" in k for k in stored)  # the shuffling classifiers are training-only
    x = toy.features[:3]
    assert torch.allclose(loaded.encode(x)[0], model.eval().encode(x)[0])


def test_fp16_weights_halve_the_file_and_load_back_as_fp32(toy, tmp_path):
    from disentangle_core.checkpoints import save_model

    model = build_model("cada_vae", **toy.dimensions)  # the official widths: the header is a small share
    save_model(tmp_path / "a.safetensors", model, {"dataset": "xlsa17"})
    save_model(tmp_path / "b.safetensors", model, {"dataset": "xlsa17"}, dtype=torch.float16)
    assert (tmp_path / "b.safetensors").stat().st_size < 0.6 * (tmp_path / "a.safetensors").stat().st_size
    loaded, card = load_model(tmp_path / "b.safetensors")
    assert card["weights_dtype"] == "float16" and loaded.image_encoder.net[0].weight.dtype == torch.float32
    x = toy.features[:4]
    assert torch.allclose(loaded.encode(x)[0], model.eval().encode(x)[0], atol=1e-2)
