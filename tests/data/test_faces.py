"""Procedural faces, the content-addition model, its operations and its image scores."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from disentangle_core import content
from disentangle_core.data import make_dataset
from disentangle_core.data.faces import (
    ATTRIBUTE_FACTORS,
    TEST_FIRST,
    TRAIN_IDENTITIES,
    ProceduralFaces,
    absent,
    hash_uniform,
    identity_factors,
    render_faces,
    sample_attributes,
)
from disentangle_core.metrics.transfer import psnr, ssim
from disentangle_core.models import build_model
from disentangle_core.train import train

TINY = {"width": 4, "code_channels": 8, "specific_channels": 2}


def gen(seed=0):
    return torch.Generator().manual_seed(seed)


# ---- data ------------------------------------------------------------------------------------------


def test_an_identity_always_draws_the_same_face_and_different_ids_differ():
    faces = ProceduralFaces("glasses")
    ids = torch.tensor([3, 3, 4])
    x = faces.draw(ids)
    assert x.shape == (3, 3, 64, 64) and x.dtype == torch.float32
    assert 0.0 <= float(x.min()) and float(x.max()) <= 1.0
    assert torch.equal(x[0], x[1])
    assert (x[0] - x[2]).abs().max() > 0.1


def test_hash_is_uniform_enough_and_salted():
    u = hash_uniform(torch.arange(20000), 1)
    assert 0.0 <= float(u.min()) and float(u.max()) < 1.0
    assert abs(float(u.mean()) - 0.5) < 0.01
    assert torch.histc(u, bins=10, min=0, max=1).min() > 1800  # every tenth of [0, 1) about equally full
    assert not torch.equal(u, hash_uniform(torch.arange(20000), 2))


def test_train_and_test_identities_are_disjoint():
    train_ids = ProceduralFaces("glasses", "train").sample_identities(5000, gen())
    test_ids = ProceduralFaces("glasses", "test").sample_identities(5000, gen())
    assert int(train_ids.max()) < TRAIN_IDENTITIES <= TEST_FIRST <= int(test_ids.min())


@pytest.mark.parametrize("attribute", ["glasses", "beard"])
def test_the_attribute_changes_only_its_mask_and_the_mask_is_where_it_sits(attribute):
    pairs = ProceduralFaces(attribute, "test").transfer_pairs(16, gen(1))
    for key in ("x_a", "x_b", "transfer", "removal"):
        assert pairs[key].shape == (16, 3, 64, 64)
    mask = pairs["mask_transfer"]
    assert mask.shape == (16, 64, 64) and mask.dtype == torch.bool
    fraction = mask.float().flatten(1).mean(1)
    assert (fraction > 0.003).all() and (fraction < 0.35).all()
    outside = ~mask[:, None].expand(-1, 3, -1, -1)
    assert torch.allclose(pairs["transfer"][outside], pairs["x_a"][outside], atol=1 / 255)
    rows = mask.any(2).float().argmax(1)  # first row the attribute touches
    if attribute == "glasses":  # around the eyes: the upper half of the face
        assert (rows > 15).all() and (rows < 40).all()
    else:  # around the mouth and chin
        assert (rows > 30).all()


def test_a_nan_row_means_without_and_a_batch_can_mix_both():
    identity = identity_factors(torch.tensor([10, 11]))
    glasses = sample_attributes("glasses", 2, gen())
    mixed = glasses.clone()
    mixed[1] = math.nan
    x = render_faces(identity, glasses=mixed)
    assert torch.equal(x[0], render_faces(identity[:1], glasses=glasses[:1])[0])
    assert torch.equal(x[1], render_faces(identity[1:])[0])
    assert torch.equal(render_faces(identity, glasses=absent(2, "glasses")), render_faces(identity))


def test_sample_gives_unpaired_domains_of_the_batch_size():
    batch = ProceduralFaces("beard").sample(5, gen())
    assert batch["x_a"].shape == batch["x_b"].shape == (5, 3, 64, 64)
    again = ProceduralFaces("beard").sample(5, gen())
    assert torch.equal(batch["x_b"], again["x_b"])


def test_bad_options_get_one_sentence():
    with pytest.raises(ValueError, match="unknown face attribute 'hat'; choose from: glasses, beard"):
        ProceduralFaces("hat")
    with pytest.raises(ValueError, match="unknown split 'val'"):
        ProceduralFaces("glasses", "val")
    with pytest.raises(ValueError, match="dataset 'faces' takes no --data-dir"):
        make_dataset("faces", data_dir="x")
    assert len(ATTRIBUTE_FACTORS["glasses"]) == sample_attributes("glasses", 1).shape[1]


# ---- model -----------------------------------------------------------------------------------------


def tiny_model(name: str = "content_ae", **config):
    torch.manual_seed(0)
    return build_model(name, **{**TINY, **config})


def test_domain_a_gets_a_zero_specific_code():
    model = tiny_model().eval()
    x = ProceduralFaces("glasses").sample(3, gen())["x_a"]
    common, specific = model.encode(x)
    assert common.shape == (3, 6, 4, 4) and specific.shape == (3, 2, 4, 4)
    assert torch.equal(model.decode(common), model.decode(common, torch.zeros_like(specific)))
    out = model(x, x)
    assert torch.equal(out["x_a_hat"], model.decode(common))


def test_loss_names_every_term_and_the_ablation_drops_the_confusion_from_the_total():
    batch = ProceduralFaces("glasses").sample(4, gen())
    full, ablation = tiny_model(), tiny_model(discriminator_weight=0.0)  # the paper's objective: no cycle term
    terms = full.loss(batch, full(batch["x_a"], batch["x_b"]), 0)
    assert set(terms) == {"loss", "recon_a", "recon_b", "confusion"}
    out = full(batch["x_a"], batch["x_b"])  # the official code's MSE, on images scaled to [-1, 1]
    assert torch.isclose(terms["recon_a"], F.mse_loss(2 * out["x_a_hat"] - 1, 2 * batch["x_a"] - 1))
    assert torch.isclose(terms["loss"], terms["recon_a"] + terms["recon_b"] + 0.001 * terms["confusion"])
    terms = ablation.loss(batch, ablation(batch["x_a"], batch["x_b"]), 0)
    assert torch.isclose(terms["loss"], terms["recon_a"] + terms["recon_b"])


def test_the_cycle_term_encodes_a_transfer_back_to_the_codes_it_was_drawn_from():
    batch = ProceduralFaces("glasses").sample(4, gen())
    model = tiny_model(cycle=0.1)
    out = model(batch["x_a"], batch["x_b"])
    terms = model.loss(batch, out, 0)
    common, specific = model.encode(model.decode(out["common_a"], out["specific_b"]))
    relative = lambda code, target: (code - target).abs().mean() / (target.abs().mean() + 1e-6)  # noqa: E731
    expected = relative(common, out["common_a"]) + relative(specific, out["specific_b"])
    assert torch.isclose(terms["cycle"], expected)
    assert torch.isclose(
        terms["loss"], terms["recon_a"] + terms["recon_b"] + 0.001 * terms["confusion"] + 0.1 * terms["cycle"]
    )
    terms["loss"].backward()
    assert model.specific_encoder[0].weight.grad.abs().sum() > 0


def test_an_8x8_code_keeps_the_image_size_and_an_odd_code_size_is_named():
    model = tiny_model(code_size=8)
    x = ProceduralFaces("glasses").sample(2, gen())["x_a"]
    common, specific = model.encode(x)
    assert common.shape == (2, 6, 8, 8) and specific.shape == (2, 2, 8, 8)
    assert model.decode(common, specific).shape == (2, 3, 64, 64)
    assert model.domain_discriminator(common).shape == (2,)
    with pytest.raises(ValueError, match="code_size must be 4 or 8"):
        tiny_model(code_size=16)


def test_the_discriminator_tells_separable_codes_apart_and_the_flipped_loss_is_the_encoders_target():
    model = tiny_model()
    common_a, common_b = -torch.ones(8, 6, 4, 4), torch.ones(8, 6, 4, 4)  # a code that leaks the domain
    optimizer = model.configure_optimizers()["discriminator"]
    for _ in range(40):
        loss = model.domain_loss(common_a, common_b)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    assert model.domain_loss(common_a, common_b).item() < 0.1  # B is labelled 1, A 0
    assert model.domain_loss(common_a, common_b, flipped=True).item() > 4.0  # the encoder is far from fooling it


def test_the_two_updates_touch_their_own_parameters():
    model = tiny_model()
    optimizers = model.configure_optimizers()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    terms = model.training_step(ProceduralFaces("glasses").sample(4, gen()), 0, optimizers)
    assert {"loss", "recon_a", "recon_b", "confusion", "discriminator"} <= set(terms)
    changed = {k for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert any(k.startswith("content_encoder.") for k in changed)
    assert any(k.startswith("specific_encoder.") for k in changed)
    assert any(k.startswith("domain_discriminator.") for k in changed)


def test_resume_continues_bit_for_bit(tmp_path):
    data = ProceduralFaces("beard")
    straight = train(tiny_model(), data, steps=4, batch_size=4, progress=False, log_every=1)
    train(tiny_model(), data, steps=2, batch_size=4, out_dir=tmp_path, progress=False, log_every=1)
    resumed = train(
        tiny_model(), data, steps=4, batch_size=4, out_dir=tmp_path, resume=True, progress=False, log_every=1
    )
    for a, b in zip(straight.model.state_dict().values(), resumed.model.state_dict().values()):
        assert torch.equal(a, b)


def test_the_model_file_leaves_the_discriminator_out(tmp_path):
    from disentangle_core.checkpoints import load_model

    result = train(tiny_model(), ProceduralFaces("glasses"), steps=1, batch_size=2, out_dir=tmp_path, progress=False)
    model, card = load_model(result.model_file)
    assert card["model"] == "content_ae" and card["dataset"] == "faces"
    with pytest.raises(ValueError, match="specific_channels must be between 1 and code_channels - 1"):
        build_model("content_ae", code_channels=8, specific_channels=8)


@pytest.mark.parametrize("mask", [False, True])
def test_a_checkpoint_written_before_the_masked_model_had_its_own_file_still_loads(tmp_path, mask):
    """Such a card names ``content_ae`` with ``mask`` and the masked model's fields in its config."""
    from disentangle_core.checkpoints import _atomic_save, load_model

    name = "masked_content_ae" if mask else "content_ae"
    model = tiny_model(name, **({"blank": 0.5} if mask else {}))
    config = {**model.config_dict(), "mask": mask}
    old = {"mask_area": 0.05, "mask_hold": 1000, "mask_warmup": 500, "blank": 0.0}
    config = config if mask else {**config, **old}
    weights = {k: v for k, v in model.state_dict().items() if not k.startswith("domain_discriminator.")}
    _atomic_save(weights, {"card": {"model": "content_ae", "config": config, "steps": 3}}, tmp_path / "old.safetensors")
    loaded, card = load_model(tmp_path / "old.safetensors")
    assert card["model"] == name and card["config"] == model.config_dict() and card["steps"] == 3
    x = ProceduralFaces("glasses").sample(2, gen())["x_b"]
    assert type(loaded) is type(model) and torch.equal(loaded.remove(x), model.eval().remove(x))


# ---- operations ------------------------------------------------------------------------------------


def test_operations_are_decodes_of_the_right_codes():
    model = tiny_model().eval()
    pairs = ProceduralFaces("glasses", "test").transfer_pairs(3, gen())
    a, b = pairs["x_a"], pairs["x_b"]
    common_a, _ = model.encode(a)
    common_b, specific_b = model.encode(b)
    assert torch.allclose(content.transfer(model, a, b), model.decode(common_a, specific_b))
    assert torch.allclose(content.transfer(model, a, b, amount=0.5), model.decode(common_a, 0.5 * specific_b))
    assert torch.allclose(content.remove(model, b), model.decode(common_b))
    assert torch.allclose(content.with_amount(model, b, 0.0), content.remove(model, b))
    one, two = content.swap(model, b[:1], b[1:2])
    assert torch.allclose(one, content.transfer(model, b[:1], b[1:2]))
    assert torch.allclose(two, content.transfer(model, b[1:2], b[:1]))
    table = content.transfer_table(model, a, b[:2])
    assert table.shape == (3, 2, 3, 64, 64)
    assert torch.allclose(table[2, 1], content.transfer(model, a[2:3], b[1:2])[0], atol=1e-6)
    with pytest.raises(ValueError, match="amount must be between 0 and 1, got 1.5"):
        content.transfer(model, a, b, amount=1.5)


def test_transfer_grid_image_puts_donors_on_top_and_faces_on_the_left():
    from disentangle_core.plotting import transfer_grid_image

    faces, donors = torch.zeros(2, 3, 64, 64), torch.ones(3, 3, 64, 64)
    table = torch.full((2, 3, 3, 64, 64), 0.5)
    image = transfer_grid_image(faces, donors, table, scale=1)
    assert image.size == (4 * 66 + 2 + 4, 3 * 66 + 2 + 4)  # make_grid pads every side by 2, plus the gap
    assert image.getpixel((10, 10)) == (255, 255, 255)  # the empty corner
    assert image.getpixel((66 + 4 + 10, 10)) == (255, 255, 255)  # a donor (white)
    assert image.getpixel((10, 66 + 4 + 10)) == (0, 0, 0)  # a face (black)
    assert image.getpixel((66 + 4 + 10, 66 + 4 + 10)) == (128, 128, 128)  # a transfer


# ---- scores ----------------------------------------------------------------------------------------


def test_psnr_known_answers():
    x = torch.zeros(2, 3, 8, 8)
    y = x + 0.1  # MSE 0.01 -> 20 dB
    assert torch.allclose(psnr(x, y), torch.tensor([20.0, 20.0]), atol=1e-4)
    assert float(psnr(x, x)[0]) == 100.0
    y[:, :, :4] = 0.0  # half the pixels right: outside that half the error is 0
    mask = torch.zeros(2, 8, 8, dtype=torch.bool)
    mask[:, :4] = True
    assert float(psnr(x, y, mask)[0]) == 100.0
    assert torch.allclose(psnr(x, y, ~mask), torch.tensor([20.0, 20.0]), atol=1e-4)


def test_ssim_known_answers():
    x = torch.rand(2, 3, 32, 32, generator=gen())
    assert torch.allclose(ssim(x, x), torch.ones(2), atol=1e-5)
    noisy = (x + 0.2 * torch.randn(x.shape, generator=gen(1))).clamp(0, 1)
    assert float(ssim(x, noisy).max()) < 0.9
    assert float(ssim(x, 1 - x).max()) < 0.0  # an inverted image is anti-correlated
    flat = torch.full_like(x, 0.5)
    assert torch.allclose(ssim(flat, flat + 0.0), torch.ones(2))


def test_domain_probe_reads_a_leaky_code_and_not_a_clean_one():
    import numpy as np

    from disentangle_core.metrics.faces import domain_probe_accuracy

    rng = np.random.default_rng(0)
    clean_a, clean_b = rng.normal(size=(400, 20)), rng.normal(size=(400, 20))
    assert abs(domain_probe_accuracy(clean_a, clean_b) - 0.5) < 0.08
    leaky_b = clean_b.copy()
    leaky_b[:, 3] += 6.0  # the best possible accuracy is Φ(3) = 99.9%
    assert domain_probe_accuracy(clean_a, leaky_b) > 0.97


# ---- evaluation and CLI ----------------------------------------------------------------------------


@pytest.fixture
def quick_classifier(monkeypatch, tmp_path):
    """A short-trained attribute classifier, cached in a temporary folder (the real one trains 2,000 steps)."""
    from disentangle_core.evaluation import faces as face_metrics

    monkeypatch.setenv("DISENTANGLE_FACES_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(face_metrics, "CLASSIFIER_STEPS", 20)
    face_metrics.attribute_classifier.cache_clear()
    yield
    face_metrics.attribute_classifier.cache_clear()


def test_evaluate_measures_a_faces_model_through_the_registry(quick_classifier, tmp_path):
    from disentangle_core.families import evaluation_for
    from disentangle_core.workflows import evaluate

    result = train(
        tiny_model(),
        ProceduralFaces("glasses"),
        steps=2,
        batch_size=2,
        out_dir=tmp_path,
        progress=False,
        card={"data_options": {"attribute": "glasses"}},
    )
    from disentangle_core.checkpoints import load_model

    model, card = load_model(result.model_file)
    assert evaluation_for(card).headline[0] == "transfer_psnr"
    scores = evaluate(model, card, counts="quick")
    for key in ("transfer_psnr", "identity_psnr", "removal_psnr", "unchanged_psnr"):
        assert 0 < scores[key] < 100, key
    for key in ("success_transfer", "success_removal", "leakage", "classifier_accuracy", "transfer_ssim"):
        assert 0 <= scores[key] <= 1, key
    assert scores["identity_psnr"] > scores["transfer_psnr"] - 3  # outside the mask is no harder than the whole
    assert (tmp_path / "cache").is_dir() and any((tmp_path / "cache").rglob("classifier*_glasses_*"))
    with pytest.raises(ValueError, match="take no --data-dir"):
        evaluate(model, card, counts="quick", data_dir="somewhere")


def test_cli_transfer_writes_the_grid_and_refuses_other_models(tmp_path, capsys):
    from disentangle_core.cli import main

    result = train(
        tiny_model(),
        ProceduralFaces("beard"),
        steps=1,
        batch_size=2,
        out_dir=tmp_path / "run",
        progress=False,
        card={"data_options": {"attribute": "beard"}},
    )
    out = tmp_path / "grid.png"
    assert main(["transfer", str(result.model_file), "--out", str(out), "--faces", "2", "--donors", "3"]) == 0
    from PIL import Image

    assert Image.open(out).size == (2 * (4 * 66 + 2 + 4), 2 * (3 * 66 + 2 + 4))
    assert main(["transfer", str(result.model_file), "--out", str(tmp_path / "g.gif")]) == 2
    assert "--out must end in .png" in capsys.readouterr().err
    assert main(["transfer", str(result.model_file), "--out", str(out), "--amount", "2"]) == 2
    assert "amount must be between 0 and 1, got 2.0" in capsys.readouterr().err
    assert main(["transfer", "beta_vae_dsprites", "--out", str(out)]) == 2
    assert "transfer needs a content-addition model" in capsys.readouterr().err


def test_the_masked_decoder_adds_onto_the_image_it_is_given_and_removes_only_under_its_mask():
    model = tiny_model("masked_content_ae").eval()
    pairs = ProceduralFaces("glasses", "test").transfer_pairs(3, gen())
    a, b = pairs["x_a"], pairs["x_b"]
    common_a, _ = model.encode(a)
    common_b, specific_b = model.encode(b)
    mask, colours = model.attribute(common_a, specific_b)
    assert mask.shape == (3, 1, 64, 64) and colours.shape == (3, 3, 64, 64)
    moved = content.transfer(model, a, b)
    assert torch.allclose(moved, a + mask * (colours - a))  # outside the mask: face a's own pixels
    mask_b, _ = model.attribute(common_b, specific_b)
    base = model.decode(common_b)  # D0: the face from E1's code alone
    assert torch.allclose(content.remove(model, b), b + mask_b * (base - b))
    assert torch.allclose(model.decode(common_b, specific_b), model.add(common_b, specific_b, base))
    assert torch.allclose(content.with_amount(model, b, 1.0), model.add(common_b, specific_b, content.remove(model, b)))
    table = content.transfer_table(model, a, b[:2])
    assert torch.allclose(table[2, 1], content.transfer(model, a[2:3], b[1:2])[0], atol=1e-6)


def test_the_masked_objective_names_its_terms_and_trains_both_decoders():
    batch = ProceduralFaces("glasses").sample(4, gen())
    model = tiny_model("masked_content_ae", cycle=0.1, mask_area=0.5, mask_hold=750, mask_warmup=250)
    out = model(batch["x_a"], batch["x_b"])
    terms = model.loss(batch, out, 1000)  # past the mask's hold (750 steps) and its area's warm-up (250)
    assert set(terms) == {"loss", "recon_a", "recon_b", "colours", "readd", "area", "confusion", "cycle"}
    assert torch.isclose(terms["recon_a"], 5 * (out["x_a_hat"] - batch["x_a"]).abs().mean())
    assert torch.isclose(terms["colours"], 5 * (out["content_b"] - batch["x_b"]).abs().mean())
    assert torch.isclose(terms["area"], out["mask_a"].mean() + out["mask_b"].mean())
    with torch.no_grad():  # b's attribute added onto D0's drawing of b
        drawn = model.decode(model.content_encoder(batch["x_b"]))
        readded = model.add(model.content_encoder(drawn), model.specific_encoder(batch["x_b"]), drawn)
    model.train()
    assert torch.allclose(out["x_b_readded"], readded, atol=1e-6)
    assert torch.isclose(terms["readd"], 5 * (out["x_b_readded"] - batch["x_b"]).abs().mean())
    assert torch.isclose(
        terms["loss"],
        terms["recon_a"]
        + terms["recon_b"]
        + terms["colours"]
        + terms["readd"]
        + 0.5 * terms["area"]
        + 0.001 * terms["confusion"]
        + 0.1 * terms["cycle"],
    )
    for step, share in ((0, 0.0), (750, 0.0), (875, 0.5)):
        assert torch.isclose(model.loss(batch, out, step)["loss"], terms["loss"] - (1 - share) * 0.5 * terms["area"])
    held = model(batch["x_a"], batch["x_b"], hold_mask=True)
    assert not held["mask_b"].requires_grad and held["content_b"].requires_grad  # the colours learn, the mask waits
    before = {k: v.clone() for k, v in model.state_dict().items()}
    model.training_step(batch, 0, model.configure_optimizers())
    changed = {k.split(".")[0] for k, v in model.state_dict().items() if not torch.equal(v, before[k])}
    assert {"content_encoder", "specific_encoder", "decoder", "attribute_decoder", "domain_discriminator"} <= changed
    assert not hasattr(tiny_model(), "attribute_decoder")  # the paper's model has one decoder


def test_the_blank_term_reads_e2_on_domain_a_and_on_the_removal_as_a_fixed_critic():
    batch = ProceduralFaces("beard").sample(4, gen())
    model = tiny_model("masked_content_ae", blank=0.2)
    out = model(batch["x_a"], batch["x_b"])
    terms = model.loss(batch, out, 2000)
    scale = out["specific_b"].abs().mean()
    with torch.no_grad():  # both readings relative to E2's reading of b
        removal = model.remove(batch["x_b"])
        expected = (
            model.specific_encoder(batch["x_a"]).abs().mean() + model.specific_encoder(removal).abs().mean()
        ) / scale
    assert torch.allclose(out["removal_b"], removal, atol=1e-6)
    assert torch.isclose(terms["blank"], expected, rtol=1e-4)
    with pytest.raises(ValueError, match=r"unknown config field\(s\) \['blank'\] for model 'content_ae'"):
        tiny_model(blank=0.2)  # blank reads b's removal under the mask: the masked model's term
    plain = tiny_model("masked_content_ae")
    assert "blank" not in plain.loss(batch, plain(batch["x_a"], batch["x_b"]), 2000)
    # E2 reads the removal as a fixed critic: that reading moves the removal (D0 and the mask), not E2's weights
    model.zero_grad()
    removal = out["removal_b"].detach().requires_grad_()
    model.specific_reading(removal, critic=True).backward()
    assert removal.grad.abs().sum() > 0
    assert all(p.grad is None for p in model.specific_encoder.parameters())
    model.zero_grad()
    model.specific_reading(out["removal_b"], critic=True).backward()
    assert any(p.grad is not None and p.grad.any() for p in model.decoder.parameters())
    assert any(p.grad is not None and p.grad.any() for p in model.attribute_decoder.parameters())


def test_a_band_of_rows_keeps_the_mask_closed_outside_it_and_leaves_those_pixels_as_they_are():
    pairs = ProceduralFaces("glasses", "test").transfer_pairs(2, gen())
    a, b = pairs["x_a"], pairs["x_b"]
    whole = tiny_model("masked_content_ae").eval()
    banded = tiny_model("masked_content_ae", mask_top=0.25, mask_bottom=0.5).eval()  # the same weights (seed 0)
    assert whole.region(64, a) == 1.0  # the papers' mask: the whole image
    mask, _ = banded.attribute(*banded.encode(b))
    assert mask[..., :15, :].abs().max() == 0 and mask[..., 33:, :].abs().max() == 0  # rows 16-32, ramps of 2
    assert torch.allclose(mask[..., 17:31, :], whole.attribute(*whole.encode(b))[0][..., 17:31, :])
    moved, removed = content.transfer(banded, a, b), content.remove(banded, b)
    assert torch.equal(moved[..., 33:, :], a[..., 33:, :]) and torch.equal(removed[..., :15, :], b[..., :15, :])
    with pytest.raises(ValueError, match="0 <= mask_top < mask_bottom <= 1, got mask_top=0.6 and mask_bottom=0.4"):
        tiny_model("masked_content_ae", mask_top=0.6, mask_bottom=0.4)


# ---- the shipped checkpoints -----------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("name", ["content_ae_glasses", "content_ae_mask_glasses", "content_ae_mask_beard"])
def test_a_shipped_transfer_draws_the_donors_attribute_and_keeps_the_face(name):
    """Inside the attribute's mask the transfer is closer to the truth than face a left unchanged and than
    face a decoded with a zero specific code (the donor's code added the attribute), and the removal of b's
    attribute is closer to b without it than b itself. The margins are small because the shipped models
    are short CPU runs whose reconstructions are still blurred."""
    from disentangle_core.checkpoints import available_assets, load_pretrained

    if name not in available_assets():
        pytest.skip(f"{name} is not in assets/")
    model, card = load_pretrained(name)
    pairs = ProceduralFaces(card["data_options"]["attribute"], "test").transfer_pairs(64, gen(7))
    moved, removed = content.transfer(model, pairs["x_a"], pairs["x_b"]), content.remove(model, pairs["x_b"])
    inside = pairs["mask_transfer"]
    gained = psnr(moved, pairs["transfer"], inside).mean()
    assert gained > psnr(pairs["x_a"], pairs["transfer"], inside).mean() + 0.5
    assert (
        gained > psnr(content.transfer(model, pairs["x_a"], pairs["x_b"], 0.0), pairs["transfer"], inside).mean() + 0.5
    )
    inside = pairs["mask_removal"]
    assert psnr(removed, pairs["removal"], inside).mean() > psnr(pairs["x_b"], pairs["removal"], inside).mean() + 1
    outside = ~pairs["mask_transfer"]
    kept = 35 if model.name == "masked_content_ae" else 20  # the masked model adds onto face a's own pixels
    assert psnr(moved, pairs["transfer"], outside).mean() > kept  # face a is kept
    assert {"transfer_psnr", "identity_psnr", "success_transfer", "leakage"} <= set(card["metrics"])


@pytest.mark.slow
def test_the_shipped_beard_models_donor_code_adds_almost_nothing():
    """content_ae_beard, measured as what it is (README, 'Content addition'): its decoder draws a beard onto face
    a whatever the donor, so the transfer is no closer to the truth than with a zero specific code, and its
    removal gains about half a decibel (0.05 and 0.56 dB when measured; the masked beard model transfers)."""
    from disentangle_core.checkpoints import available_assets, load_pretrained

    if "content_ae_beard" not in available_assets():
        pytest.skip("content_ae_beard is not in assets/")
    model, card = load_pretrained("content_ae_beard")
    pairs = ProceduralFaces(card["data_options"]["attribute"], "test").transfer_pairs(64, gen(7))
    moved, removed = content.transfer(model, pairs["x_a"], pairs["x_b"]), content.remove(model, pairs["x_b"])
    inside = pairs["mask_transfer"]
    gained = psnr(moved, pairs["transfer"], inside).mean()
    assert gained > psnr(pairs["x_a"], pairs["transfer"], inside).mean() + 0.5  # a beard is drawn ...
    zero_code = psnr(content.transfer(model, pairs["x_a"], pairs["x_b"], 0.0), pairs["transfer"], inside).mean()
    assert abs(gained - zero_code) < 0.25  # ... but not the donor's: a zero specific code draws the same
    inside = pairs["mask_removal"]
    kept_b = psnr(pairs["x_b"], pairs["removal"], inside).mean()
    assert kept_b < psnr(removed, pairs["removal"], inside).mean() < kept_b + 1
    assert psnr(moved, pairs["transfer"], ~pairs["mask_transfer"]).mean() > 20  # face a is kept
