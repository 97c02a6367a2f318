"""InfoGAN and JointVAE: their new loss terms against oracles, both updates, resume, bf16, traversals, scores."""

import math

import numpy as np
import pytest
import torch
from torch.distributions import Categorical, kl_divergence

from disentangle_core import losses
from disentangle_core.checkpoints import load_model
from disentangle_core.evaluation.digits import digits_scores
from disentangle_core.metrics.digits import within_sweep_spearman
from disentangle_core.models import NonFiniteLossError, build_model
from disentangle_core.presets import PRESETS
from disentangle_core.train import train
from disentangle_core.traversal import category_sweep

TINY = {"infogan": {"hidden": 16}, "joint_vae": {}}


class TinyDigits:
    """Random 28x28 'digits' with labels: enough to run the updates (what is learnt is not checked here)."""

    name = "mnist"

    def __init__(self):
        generator = torch.Generator().manual_seed(0)
        self.x = (torch.rand(64, 1, 28, 28, generator=generator) > 0.8).float()
        self.labels = torch.arange(64) % 10

    def to(self, device):
        return self

    def sample(self, batch_size, generator=None):
        rows = torch.randint(len(self.x), (batch_size,), generator=generator)
        return {"x": self.x[rows], "labels": self.labels[rows]}


def tiny(name):
    torch.manual_seed(0)
    return build_model(name, **TINY[name])


# ---- the new terms in losses.py ------------------------------------------------------------------------


def test_kl_categorical_uniform_matches_torch_distributions():
    logits = torch.randn(8, 10, generator=torch.Generator().manual_seed(1))
    expected = kl_divergence(Categorical(logits=logits), Categorical(logits=torch.zeros(10))).mean()
    assert torch.allclose(losses.kl_categorical_uniform(logits), expected, atol=1e-6)
    assert losses.kl_categorical_uniform(torch.zeros(4, 10)).abs() < 1e-6  # uniform: no information
    assert losses.kl_categorical_uniform(torch.tensor([[50.0] + [0.0] * 9])) == pytest.approx(math.log(10), abs=1e-4)


def test_r1_penalty_of_a_linear_discriminator_is_half_gamma_times_its_squared_weights():
    w = torch.randn(1, 1, 4, 4)
    x = torch.rand(3, 1, 4, 4, requires_grad=True)
    logits = (x * w).flatten(1).sum(1, keepdim=True)  # D(x) = <w, x>, so grad_x D = w for every image
    assert losses.r1_penalty(logits, x, gamma=10.0).item() == pytest.approx(5.0 * w.square().sum().item(), rel=1e-5)


# ---- the models ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["infogan", "joint_vae"])
def test_steps_return_named_finite_terms_and_change_every_trained_part(name):
    model = tiny(name).train()
    optimizers = model.configure_optimizers()
    before = {k: v.clone() for k, v in model.state_dict().items() if v.is_floating_point()}
    batch = TinyDigits().sample(16, torch.Generator().manual_seed(0))
    terms = model.training_step(batch, 0, optimizers)
    expected = {
        "infogan": {"loss", "generator", "discriminator", "info", "info_categorical", "info_continuous"},
        "joint_vae": {"loss", "recon", "kl", "kl_categorical", "capacity", "C", "C_categorical"},
    }[name]
    assert set(terms) == expected and all(math.isfinite(float(v)) for v in terms.values())
    changed = {k.split(".")[0] for k, v in model.state_dict().items() if k in before and not torch.equal(v, before[k])}
    parts = {
        "infogan": {"generator", "trunk", "d_head", "q_head"},
        "joint_vae": {"encoder", "decoder_fc", "decoder_conv"},
    }
    assert parts[name] <= changed


def test_infogan_optimisers_split_the_players_and_q_trains_with_the_discriminator():
    model = tiny("infogan")
    optimizers = model.configure_optimizers()
    ids = {k: {id(p) for group in opt.param_groups for p in group["params"]} for k, opt in optimizers.items()}
    assert not ids["generator"] & ids["discriminator"]
    assert {id(p) for p in model.q_head.parameters()} <= ids["discriminator"]
    assert ids["generator"] == {id(p) for p in model.generator.parameters()}


def test_infogan_information_term_is_low_when_q_reads_the_codes_back():
    model = tiny("infogan").eval()
    sample = model.sample_code(32, torch.Generator().manual_seed(0))
    x = torch.sigmoid(model.decode(sample["code"]))
    random_reading = model.information_loss(x, sample)["info_categorical"]
    assert random_reading.item() == pytest.approx(math.log(10), abs=0.5)  # an untrained Q guesses
    cfg = model.config
    wrong = model.read(x)
    logits = 20 * torch.nn.functional.one_hot(sample["category"], 10).float()
    model.read = lambda _: {**wrong, "category_logits": logits}  # an oracle Q
    assert model.information_loss(x, sample)["info_categorical"] < 1e-6
    assert cfg.lambda_categorical == 1.0 and cfg.lambda_continuous < 1.0


@pytest.mark.parametrize("option", [{"d_norm": "spectral"}, {"penalty": "r1"}])
def test_infogan_stabilisers_train(option):
    torch.manual_seed(0)
    model = build_model("infogan", hidden=16, **option).train()
    terms = model.training_step(TinyDigits().sample(8), 0, model.configure_optimizers())
    assert ("r1" in terms) == (option.get("penalty") == "r1") and math.isfinite(float(terms["loss"]))


def test_unknown_options_are_one_sentence():
    with pytest.raises(ValueError, match="unknown d_norm 'layer'; choose from: batch, spectral"):
        build_model("infogan", d_norm="layer")
    with pytest.raises(ValueError, match="unknown init 'xavier'; choose from: torch, normal"):
        build_model("infogan", init="xavier")


def test_infogan_official_initialisation_and_leak():
    torch.manual_seed(0)
    model = build_model("infogan", hidden=64, init="normal", leak=0.01)
    convs = [m for m in model.modules() if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d, torch.nn.ConvTranspose2d))]
    assert all(abs(float(m.weight.detach().std()) - 0.02) < 0.005 and not m.bias.any() for m in convs)
    assert {m.negative_slope for m in model.modules() if isinstance(m, torch.nn.LeakyReLU)} == {0.01}
    terms = model.train().training_step(TinyDigits().sample(8), 0, model.configure_optimizers())
    assert math.isfinite(float(terms["loss"]))


def test_joint_vae_capacities_rise_and_the_categorical_one_stops_at_log_k():
    model = tiny("joint_vae")
    assert model.capacities(0) == (0.0, 0.0)
    c_z, c_c = model.capacities(25_000)
    assert c_z == 5.0 and c_c == pytest.approx(math.log(10))


@pytest.mark.parametrize("name", ["infogan", "joint_vae"])
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_resumed_runs_equal_straight_runs_and_reload(name, precision, tmp_path):
    run = {"batch_size": 8, "progress": False, "log_every": 1, "precision": precision, "checkpoint_every": 3}
    straight = train(tiny(name), TinyDigits(), steps=6, out_dir=tmp_path / "a", **run)
    train(tiny(name), TinyDigits(), steps=3, out_dir=tmp_path / "b", **run)
    resumed = train(tiny(name), TinyDigits(), steps=6, out_dir=tmp_path / "b", resume=True, **run)
    for (key, a), b in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), key
    assert [r["loss"] for r in straight.history] == [r["loss"] for r in resumed.history]
    reloaded, card = load_model(tmp_path / "a" / "model.safetensors")
    x = TinyDigits().x[:4]
    assert torch.allclose(reloaded.read(x)["category_logits"], straight.model.eval().read(x)["category_logits"])


def test_nan_guard_names_the_discriminator_term():
    model = tiny("infogan").train()
    with torch.no_grad():
        model.d_head.weight.fill_(float("nan"))
    with pytest.raises(NonFiniteLossError, match="loss term 'discriminator' became nan at step 0"):
        model.training_step(TinyDigits().sample(8), 0, model.configure_optimizers())


@pytest.mark.parametrize("name", ["infogan", "joint_vae"])
def test_category_sweep_rows_are_categories_and_columns_sweep_each_code(name):
    model = tiny(name).eval()
    code = model.sample_code(1, torch.Generator().manual_seed(0))["code"][0]
    sweep = category_sweep(model, code, dims=[0, 1], steps=5)
    assert sweep.images.shape == (10, 10, 1, 28, 28) and sweep.activity_name == "category"
    expected = code.clone()  # row 3, first column: category 3 with the first continuous code at -2
    expected[model.categorical_slice] = torch.eye(10)[3]
    expected[model.continuous_slice.start] = -2.0
    assert torch.allclose(sweep.images[3, 0], torch.sigmoid(model.decode(expected[None]))[0], atol=1e-6)
    assert torch.allclose(sweep.values[0, 5:], torch.linspace(-2, 2, 5))  # the second block sweeps code 1


# ---- the scores --------------------------------------------------------------------------------------------


class PermutedOracle(torch.nn.Module):
    """Reads every image's true label, renamed by a permutation: a perfect code up to names."""

    def __init__(self, labels, permutation):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1))
        self.labels, self.permutation = labels, permutation
        self.config = type("C", (), {"num_categories": 10, "continuous_dim": 1})()
        self.continuous_slice = slice(0, 1)
        self.continuous_span = 1.0

    def read(self, x):
        return {"category_logits": torch.nn.functional.one_hot(self.permutation[self.labels[: len(x)]], 10).float()}

    def sample_code(self, n, generator=None):
        return {"code": torch.zeros(n, 1)}

    def decode(self, code):  # slant grows with the code: a bar whose top moves right as c0 grows
        images = torch.full((len(code), 1, 28, 28), -20.0)
        for i, c in enumerate(code[:, 0].tolist()):
            for row in range(4, 24):
                images[i, 0, row, int(14 + c * 4 * (14 - row) / 10)] = 20.0
        return images


def test_digits_scores_of_a_permuted_perfect_code_and_a_slant_code():
    labels = torch.arange(200) % 10
    model = PermutedOracle(labels, torch.randperm(10, generator=torch.Generator().manual_seed(0)))
    scores = digits_scores(model, torch.zeros(200, 1, 28, 28), labels, counts="quick")
    assert scores["categorical_accuracy"] == 1.0
    assert np.trace(np.array(scores["confusion"])) == 200
    assert scores["slant_code"] == "c0" and scores["slant_spearman"] > 0.9


def test_within_sweep_spearman_ignores_differences_between_starts():
    values = np.tile(np.linspace(-1, 1, 5), (3, 1))
    measured = values + np.array([[0.0], [10.0], [-10.0]])  # each start offset, same trend within
    assert within_sweep_spearman(values, measured) == pytest.approx(1.0)
    assert within_sweep_spearman(values, np.ones_like(values)) == 0.0


# ---- the CLI on a digits model ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["infogan", "joint_vae"])
def test_cli_evaluates_and_traverses_a_digits_model(name, tmp_path, capsys):
    import json

    from disentangle_core.checkpoints import save_model
    from disentangle_core.cli import main

    path = tmp_path / "model.safetensors"
    save_model(path, tiny(name).eval(), {"dataset": "mnist", "preset": f"{name}_mnist"})
    assert main(["evaluate", str(path), "--counts", "quick", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert 0.0 <= result["categorical_accuracy"] <= 1.0 and len(result["confusion"]) == 10
    assert set(result["code_correlations"]["c0"]) == {"slant", "ink"}
    assert ("recon_nll" in result) == (name == "joint_vae")
    assert main(["traverse", str(path), "--out", str(tmp_path / "t.png"), "--steps", "4"]) == 0
    assert "rows: categories" in capsys.readouterr().out
    from PIL import Image

    assert Image.open(tmp_path / "t.png").height > 10 * 28  # ten category rows
    assert main(["evaluate", str(path), "--data-dir", str(tmp_path / "none")]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_publish_lists_the_other_seeds_measured_alike(tmp_path, capsys, monkeypatch):
    from functools import partial

    from disentangle_core import checkpoints, cli
    from disentangle_core.checkpoints import load_card, save_model

    files = []
    for seed in (0, 1):
        files.append(tmp_path / f"s{seed}.safetensors")
        save_model(files[-1], tiny("joint_vae").eval(), {"dataset": "mnist", "preset": "joint_vae_mnist", "seed": seed})
    save_model(tmp_path / "other.safetensors", tiny("joint_vae").eval(), {"dataset": "mnist", "preset": "x", "seed": 2})
    assets = tmp_path / "assets"
    assets.mkdir()
    monkeypatch.setattr(checkpoints, "publish", partial(checkpoints.publish, assets_dir=assets))
    monkeypatch.setattr(checkpoints, "write_assets_readme", lambda: None)
    assert cli.main(["publish", str(files[1]), "--name", "jv", "--counts", "quick", "--seeds", str(files[0])]) == 0
    seeds = load_card("jv", assets)["seeds"]
    assert [(row["seed"], row["published"]) for row in seeds] == [(0, False), (1, True)]
    assert load_card("jv", assets)["paper_setting"] == PRESETS["joint_vae_mnist"].paper  # as the kit states it now
    assert set(seeds[0]) >= {"categorical_accuracy", "slant_spearman", "recon_nll"}
    assert cli.main(["publish", str(files[1]), "--name", "jv", "--seeds", str(tmp_path / "other.safetensors")]) == 2
    assert "not 'joint_vae_mnist'" in capsys.readouterr().err

    run = train(
        tiny("joint_vae"),
        TinyDigits(),
        steps=4,
        batch_size=8,
        progress=False,
        log_every=1,
        checkpoint_every=2,
        out_dir=tmp_path / "run",
        card={"preset": "joint_vae_mnist"},
    )
    assert (
        cli.main(
            [
                "publish",
                str(run.model_file),
                "--name",
                "jv",
                "--counts",
                "quick",
                "--curve",
                str(tmp_path / "run" / "last.safetensors"),
            ]
        )
        == 0
    )
    assert [row["step"] for row in load_card("jv", assets)["by_step"]] == [4, 4]


def test_publish_measures_the_curve_on_training_digits_and_the_model_on_test_digits(tmp_path, capsys, monkeypatch):
    import gzip
    from functools import partial

    from disentangle_core import checkpoints, cli
    from disentangle_core.checkpoints import load_card, save_model

    raw = tmp_path / "MNIST" / "raw"  # torchvision's layout: a train pair and a t10k pair
    raw.mkdir(parents=True)
    rng = np.random.RandomState(0)
    for prefix, n in (("train", 60), ("t10k", 30)):
        images, labels = rng.randint(256, size=(n, 28, 28)), rng.randint(10, size=n)
        for tag, magic, array in (("images-idx3", 2051, images), ("labels-idx1", 2049, labels)):
            header = magic.to_bytes(4, "big") + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
            (raw / f"{prefix}-{tag}-ubyte.gz").write_bytes(gzip.compress(header + array.astype(np.uint8).tobytes()))
    model_file = tmp_path / "m.safetensors"
    save_model(model_file, tiny("infogan").eval(), {"dataset": "mnist", "preset": "infogan_mnist", "seed": 0})
    assets = tmp_path / "assets"
    assets.mkdir()
    monkeypatch.setattr(checkpoints, "publish", partial(checkpoints.publish, assets_dir=assets))
    monkeypatch.setattr(checkpoints, "write_assets_readme", lambda: None)
    args = ["publish", str(model_file), "--name", "ig", "--counts", "quick", "--data-dir", str(tmp_path)]
    variant = tmp_path / "variant.safetensors"
    save_model(
        variant,
        build_model("infogan", **{**TINY["infogan"], "lambda_categorical": 2.0}).eval(),
        {"dataset": "mnist", "preset": "infogan_mnist", "seed": 1, "steps": 4},
    )
    curve = ["--curve", str(model_file), "--curve-split", "train", "--variants", str(variant)]
    assert cli.main([*args, *curve]) == 0
    card = load_card("ig", assets)
    assert card["by_step_split"] == "train" and len(card["by_step"]) == 2
    (row,) = card["variants"]
    assert row["changes"] == {"lambda_categorical": 2.0, "seed": 1} and card["variants_split"] == "train"
    assert set(row) >= {"step", "categorical_accuracy", "slant_spearman"}
    save_model(variant, tiny("joint_vae").eval(), {"dataset": "mnist", "preset": "joint_vae_mnist"})
    assert cli.main([*args, "--variants", str(variant)]) == 2
    assert "is a 'joint_vae' model, not 'infogan'" in capsys.readouterr().err
    assert card["data"] == "MNIST test split of the folder 'tmp_path' (30 digits)".replace("tmp_path", tmp_path.name)
    assert cli.main(["evaluate", str(model_file), "--split", "val", "--data-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip().endswith("takes one of: test, train, not --split val")


@pytest.mark.parametrize("arch, side, convs", [("dupont", 4, 3), ("padded", 8, 2)])
def test_joint_vae_official_networks_take_28x28_digits_through_32x32(arch, side, convs):
    model = build_model("joint_vae", arch=arch)  # padded: the kit's two convs on the official input size
    assert isinstance(model.encoder[0], torch.nn.ZeroPad2d) and model.feature_side == side
    assert sum(isinstance(layer, torch.nn.Conv2d) for layer in model.encoder) == convs
    out = model(torch.rand(3, 1, 28, 28))
    assert out["x_logits"].shape == (3, 1, 28, 28) and out["code"].shape == (3, model.config.code_dim)
    with pytest.raises(ValueError, match="unknown arch 'resnet'; choose from: kit, padded, dupont"):
        build_model("joint_vae", arch="resnet")
