import json

import pytest
import torch

from disentangle_core.checkpoints import (
    available_assets,
    load_card,
    load_model,
    load_pretrained,
    publish,
    read_manifest,
    save_model,
)
from disentangle_core.models import build_model


@pytest.fixture
def model_file(tmp_path):
    torch.manual_seed(0)
    model = build_model("beta_vae", latent_dim=3, beta=2.0)
    path = tmp_path / "model.safetensors"
    save_model(path, model, {"dataset": "dsprites", "preset": "test", "steps": 0, "metrics": {"kl": 1.0}})
    return model, path


def test_round_trip_rebuilds_model_from_its_card(model_file):
    model, path = model_file
    loaded, card = load_model(path)
    assert card["model"] == "beta_vae" and card["config"]["beta"] == 2.0 and card["metrics"] == {"kl": 1.0}
    for a, b in zip(model.state_dict().values(), loaded.state_dict().values()):
        assert torch.equal(a, b)
    assert not loaded.training


def test_file_holds_no_pickle(model_file):
    _, path = model_file
    header_len = int.from_bytes(path.read_bytes()[:8], "little")
    header = json.loads(path.read_bytes()[8 : 8 + header_len])
    assert set(header["__metadata__"]) == {"card"}  # JSON text only
    assert b"\x80\x04" not in path.read_bytes()[: 8 + header_len]  # no pickle protocol marker


def test_corrupt_and_truncated_files_give_one_clear_error(model_file, tmp_path):
    _, path = model_file
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(path.read_bytes()[:-100])
    garbage = tmp_path / "garbage.safetensors"
    garbage.write_bytes(b"not a checkpoint at all")
    for bad in (truncated, garbage):
        with pytest.raises(ValueError, match="not a readable checkpoint"):
            load_model(bad)
    with pytest.raises(FileNotFoundError, match="checkpoint not found"):
        load_model(tmp_path / "absent.safetensors")


def test_shipped_assets_are_verified_against_the_manifest(model_file, tmp_path):
    _, path = model_file
    assets = tmp_path / "assets"
    publish(path, "tiny_dsprites", assets_dir=assets, card_updates={"metrics": {"mig": 0.5}})
    assert available_assets(assets) == ["tiny_dsprites"]
    model, card = load_pretrained("tiny_dsprites", assets_dir=assets)
    assert card["asset"] == "tiny_dsprites" and card["metrics"] == {"mig": 0.5}
    assert load_card("tiny_dsprites", assets_dir=assets)["preset"] == "test"

    with pytest.raises(ValueError, match="unknown asset 'tiny'; choose from: tiny_dsprites"):
        load_pretrained("tiny", assets_dir=assets)
    file = assets / read_manifest(assets)["tiny_dsprites"]["file"]
    data = bytearray(file.read_bytes())
    data[-1] ^= 0xFF  # one flipped bit in the weights
    file.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="truncated or modified"):
        load_pretrained("tiny_dsprites", assets_dir=assets)
    file.write_bytes(bytes(data[:-10]))
    with pytest.raises(ValueError, match="truncated or modified"):
        load_pretrained("tiny_dsprites", assets_dir=assets)
    file.unlink()
    with pytest.raises(FileNotFoundError, match="is missing"):
        load_pretrained("tiny_dsprites", assets_dir=assets)


def test_training_only_modules_stay_out_of_model_files(tmp_path):
    model = build_model("factor_vae", latent_dim=3, discriminator_width=16, discriminator_layers=2)
    save_model(tmp_path / "f.safetensors", model, {})
    loaded, _ = load_model(tmp_path / "f.safetensors")
    from safetensors import safe_open

    with safe_open(str(tmp_path / "f.safetensors"), "pt") as f:
        assert not any(k.startswith("tc_discriminator.") for k in f.keys())
    for a, b in zip(model.encoder.state_dict().values(), loaded.encoder.state_dict().values()):
        assert torch.equal(a, b)


def test_weights_that_do_not_fit_the_card_are_refused(tmp_path):
    from safetensors.torch import save_file

    model = build_model("beta_vae", latent_dim=3)
    weights = {k: v for k, v in model.state_dict().items() if not k.startswith("decoder.")}
    card = {"model": "beta_vae", "config": model.config_dict()}
    save_file(weights, tmp_path / "m.safetensors", metadata={"card": json.dumps(card)})
    with pytest.raises(ValueError, match="does not match its card's model 'beta_vae'"):
        load_model(tmp_path / "m.safetensors")
