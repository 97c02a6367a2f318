"""Donor codes: chosen to differ, read from a CelebA split by a photo model, saved and loaded, refused for a
model of drawn faces; on a tiny generated CelebA (no CelebA image), and the shipped codes when present."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from celeba_fixtures import write_celeba
from disentangle_core.checkpoints import available_assets, load_card, save_model
from disentangle_core.cli import main
from disentangle_core.models import build_model
from disentangle_core.workflows.donors import choose, donors_path, load_donor_codes, read_donor_codes, save_donor_codes

TINY = {"width": 4, "code_channels": 8, "specific_channels": 2}
PHOTO_MODELS = [name for name in available_assets() if load_card(name).get("dataset") == "celeba"]


@pytest.fixture(scope="module")
def celeba_root(tmp_path_factory):
    return write_celeba(tmp_path_factory.mktemp("celeba_root"))


def tiny_model_file(folder, dataset: str = "celeba"):
    torch.manual_seed(0)
    model = build_model("masked_content_ae", **TINY)
    card = {"model": "masked_content_ae", "config": TINY, "dataset": dataset, "data_options": {"attribute": "beard"}}
    path = folder / "tiny.safetensors"
    save_model(path, model, card)
    return path


def test_choose_takes_one_code_from_each_cluster_largest_first():
    centres = torch.tensor([[0.0, 0.0], [10.0, 0.0], [0.0, 10.0]])
    sizes = [2, 5, 3]
    codes = torch.cat([centre + 0.1 * torch.randn(size, 2) for centre, size in zip(centres, sizes)])
    rows = choose(codes, 3)
    assert [int((codes[r] - centres).norm(dim=1).argmin()) for r in rows] == [1, 2, 0]
    with pytest.raises(ValueError, match="count must be between 1 and 10"):
        choose(codes, 11)


def test_codes_are_read_from_the_split_saved_and_loaded(celeba_root, tmp_path):
    donors = read_donor_codes(str(tiny_model_file(tmp_path)), celeba_root, count=2, split="train")
    assert donors["codes"].shape == (2, 2, 4, 4)  # the default 4x4 code
    assert len(set(donors["files"])) == 2 and donors["card"]["split"] == "train"
    path = save_donor_codes(tmp_path / "tiny_donors.npz", donors)
    codes, card = load_donor_codes("tiny", tmp_path)
    assert torch.allclose(codes, donors["codes"].half().float()) and card["files"] == donors["files"]
    assert "non-commercial" in card["licence"]
    with np.load(path) as stored:  # codes and file names only: no picture
        assert sorted(stored.files) == ["card", "codes", "files"] and stored["codes"].ndim == 4
    assert load_donor_codes("absent", tmp_path) is None


def test_a_model_of_drawn_faces_reads_no_donor_codes(celeba_root, tmp_path, capsys):
    model = str(tiny_model_file(tmp_path, dataset="faces"))
    argv = ["donors", model, "--data-dir", str(celeba_root), "--out", str(tmp_path / "x.npz")]
    assert main(argv) == 2
    assert "is not a model trained on CelebA photos" in capsys.readouterr().err


@pytest.mark.parametrize("name", PHOTO_MODELS)
def test_each_shipped_photo_model_ships_its_donor_codes(name):
    assert donors_path(name).is_file(), f"{name}: python -m disentangle_core donors {name} --data-dir DIR"
    codes, card = load_donor_codes(name)
    model_card = load_card(name)
    config = model_card["config"]
    assert codes.shape[1:] == (config["specific_channels"], config["code_size"], config["code_size"])
    assert card["split"] == "test" and card["attribute"] == model_card["data_options"]["attribute"]
    assert json.dumps(card)  # the card is plain JSON
