import platform

import pytest
import torch

import disentangle_core.train as training
from disentangle_core.checkpoints import load_model
from disentangle_core.models import BetaVAE, BetaVAEConfig, NonFiniteLossError
from disentangle_core.train import (
    MODEL_FILE,
    STATE_FILE,
    cpu_has_native_bf16,
    resolve_device,
    resolve_precision,
    train,
    tune_cpu_allocator,
)

TINY = dict(batch_size=8, progress=False, log_every=1, device="cpu")


def fresh_model(**config):
    torch.manual_seed(0)
    return BetaVAE(BetaVAEConfig(latent_dim=4, **config))


def test_training_lowers_the_loss(tiny_data):
    result = train(fresh_model(beta=1.0, lr=3e-3), tiny_data, steps=12, **TINY)
    losses = [row["loss"] for row in result.history]
    assert len(losses) == 12 and sum(losses[-3:]) < 0.8 * sum(losses[:3])


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_resumed_run_ends_with_the_same_weights(tiny_data, tmp_path, precision):
    run = dict(TINY, precision=precision)
    straight = train(fresh_model(), tiny_data, steps=6, out_dir=tmp_path / "a", checkpoint_every=3, **run)
    train(fresh_model(), tiny_data, steps=3, out_dir=tmp_path / "b", checkpoint_every=3, **run)
    resumed = train(fresh_model(), tiny_data, steps=6, out_dir=tmp_path / "b", resume=True, **run)
    assert resumed.step == 6
    for (name, a), b in zip(straight.model.state_dict().items(), resumed.model.state_dict().values()):
        assert torch.equal(a, b), name
    assert [r["loss"] for r in straight.history] == [r["loss"] for r in resumed.history]
    model, card = load_model(tmp_path / "b" / MODEL_FILE)
    assert card["steps"] == 6 and card["model"] == "beta_vae" and card["config"]["latent_dim"] == 4
    assert card["hardware"].endswith(f", {precision}")
    assert next(model.parameters()).is_contiguous()  # channels-last is a training layout only
    assert not list((tmp_path / "b").glob("*.tmp")) and not list((tmp_path / "b").glob(".*"))


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_nan_stops_training_and_keeps_the_last_good_checkpoint(tiny_data, tmp_path, precision):
    model = fresh_model()
    original_loss = model.loss

    def loss_that_breaks(batch, out, step):
        terms = original_loss(batch, out, step)
        if step >= 4:
            terms["kl"] = terms["kl"] * float("nan")
            terms["loss"] = terms["recon"] + terms["kl"]
        return terms

    model.loss = loss_that_breaks
    with pytest.raises(NonFiniteLossError, match=r"'loss' became nan at step 4.*step 3\) is kept"):
        train(model, tiny_data, steps=10, out_dir=tmp_path, checkpoint_every=3, precision=precision, **TINY)
    saved, card = load_model(tmp_path / STATE_FILE)
    assert card["steps"] == 3
    assert all(torch.isfinite(p).all() for p in saved.parameters())
    # the model itself was not updated with the NaN either
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_bad_arguments(tiny_data, tmp_path):
    with pytest.raises(ValueError, match="must be positive"):
        train(fresh_model(), tiny_data, steps=0, **TINY)
    with pytest.raises(FileNotFoundError, match="nothing to resume"):
        train(fresh_model(), tiny_data, steps=2, out_dir=tmp_path, resume=True, **TINY)
    train(fresh_model(), tiny_data, steps=2, out_dir=tmp_path, **TINY)
    with pytest.raises(ValueError, match="already at step 2"):
        train(fresh_model(), tiny_data, steps=2, out_dir=tmp_path, resume=True, **TINY)
    with pytest.raises(ValueError, match="different model or config"):
        train(fresh_model(beta=8.0), tiny_data, steps=4, out_dir=tmp_path, resume=True, **TINY)


def test_bf16_loss_terms_are_computed_in_fp32(tiny_data):
    model = fresh_model()
    batch = tiny_data.sample(8, torch.Generator().manual_seed(0))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        terms = model.loss(batch, model(batch["x"]), step=0)
    assert all(v.dtype == torch.float32 for v in terms.values() if torch.is_tensor(v))


def test_precision_choice():
    cpu = torch.device("cpu")
    assert resolve_precision("auto", cpu) == ("bf16" if cpu_has_native_bf16() else "fp32")
    assert resolve_precision("fp32", cpu) == "fp32" and resolve_precision("bf16", cpu) == "bf16"
    with pytest.raises(ValueError, match="unknown precision 'fp16'; choose from: auto, fp32, bf16"):
        resolve_precision("fp16", cpu)
    with pytest.raises(ValueError, match="not on mps"):
        resolve_precision("bf16", torch.device("mps"))


def test_device_auto_picks_cuda_then_mps_then_cpu(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: False)
    assert resolve_device("auto") == torch.device("cpu")
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("mps")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cpu") == torch.device("cpu")  # a named device is taken as it is


def test_cpu_training_tunes_the_allocator(tiny_data, monkeypatch):
    calls = []
    monkeypatch.setattr(training, "tune_cpu_allocator", lambda: calls.append("tuned") or True)
    train(fresh_model(), tiny_data, steps=1, **TINY)
    assert calls == ["tuned"]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the malloc setting exists on glibc only")
def test_the_allocator_setting_takes_on_glibc_once_per_process():
    tune_cpu_allocator.cache_clear()  # the test must see mallopt answer, not an earlier call's cached result
    assert tune_cpu_allocator() is True and tune_cpu_allocator() is True
    assert tune_cpu_allocator.cache_info().misses == 1
