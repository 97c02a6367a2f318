"""Measuring a content-addition model on CelebA: the attribute classifier, the transfer pairs and the scores,
on a tiny generated CelebA (no CelebA image) with an untrained model; one run on the real faces when present."""

from __future__ import annotations

import json

import pytest
import torch

from celeba_fixtures import write_celeba
from disentangle_core.cli import main
from disentangle_core.evaluation import photos as evaluation
from disentangle_core.evaluation.photos import PHOTOS, PhotoClassifier, measure_photos, photo_pairs
from disentangle_core.families import evaluation_for
from disentangle_core.models import build_model

torch.set_num_threads(1)

KEYS = (
    "classifier_accuracy",
    "classifier_found_a",
    "classifier_found_b",
    "success_transfer",
    "success_removal",
    "success_unchanged",
    "kept_psnr",
    "recon_psnr",
    "recon_psnr_b",
    "removal_change_psnr",
    "leakage",
)
TINY = {"width": 4, "code_channels": 8, "specific_channels": 2}


@pytest.fixture(scope="module")
def celeba_root(tmp_path_factory):
    return write_celeba(tmp_path_factory.mktemp("celeba_root"))


@pytest.fixture(autouse=True)
def private_cache(tmp_path, monkeypatch):
    """Each test trains its own classifier in a fresh cache (none read from the user's)."""
    monkeypatch.setenv("DISENTANGLE_FACES_CACHE", str(tmp_path / "cache"))
    evaluation._photo_classifier.cache_clear()


def tiny_model(name: str = "masked_content_ae"):
    torch.manual_seed(0)
    return build_model(name, **TINY)


def card(root, **options) -> dict:
    return {"dataset": "celeba", "data_options": {"data_dir": str(root), "attribute": "glasses", **options}}


def test_classifier_shapes_and_any_photo_size():
    classifier = PhotoClassifier().eval()
    assert classifier(torch.rand(5, 3, 64, 64)).shape == (5,)
    assert classifier(torch.rand(2, 3, 128, 128)).shape == (2,)  # resized to the 64 it was trained at


@pytest.mark.parametrize("name", ["masked_content_ae", "content_ae"])
def test_scores_keys_and_ranges(celeba_root, name):
    result = measure_photos(tiny_model(name), card(celeba_root), counts="quick")
    assert set(KEYS) <= set(result) and result["split"] == "test" and result["attribute"] == "glasses"
    for key in KEYS:
        assert isinstance(result[key], float), key
    for key in ("classifier_accuracy", "classifier_found_a", "classifier_found_b", "leakage"):
        assert 0 <= result[key] <= 1, key
    for key in ("success_transfer", "success_removal", "success_unchanged"):
        assert 0 <= result[key] <= 1, key
    for key in ("kept_psnr", "recon_psnr", "recon_psnr_b", "removal_change_psnr"):
        assert 0 < result[key] <= 100, key
    assert "128 pairs of test CelebA photos (glasses): 3 faces without, 1 donors with" == result["data"]
    by_contrast = result["success_by_contrast"]  # four quarters of the pairs, lightest donors first
    assert len(by_contrast) == 4 and all(0 <= rate <= 1 for rate in by_contrast)
    assert sum(by_contrast) / 4 == pytest.approx(result["success_transfer"], abs=1e-3)
    assert len(result["donors_found_by_contrast"]) == 4  # the classifier on those donors themselves
    assert evaluation_for({"dataset": "celeba"}) is PHOTOS
    assert set(PHOTOS.headline) == {
        "classifier_accuracy",
        "success_transfer",
        "success_removal",
        "kept_psnr",
        "recon_psnr",
        "leakage",
    }


def test_same_seed_same_scores_and_the_classifier_is_cached(celeba_root, tmp_path):
    first = measure_photos(tiny_model(), card(celeba_root), counts="quick", seed=0)
    assert len(list((tmp_path / "cache").rglob("photo_classifier*_glasses_seed0_steps20_*.safetensors"))) == 1
    evaluation._photo_classifier.cache_clear()  # read back from the file this time
    assert measure_photos(tiny_model(), card(celeba_root), counts="quick", seed=0) == first


def test_split_and_data_dir_options(celeba_root, tmp_path):
    result = measure_photos(tiny_model(), card(None), counts="quick", data_dir=celeba_root, split="val")
    assert result["split"] == "val" and "val CelebA photos" in result["data"]
    beard = measure_photos(tiny_model(), card(celeba_root, attribute="beard"), counts="quick")
    assert beard["attribute"] == "beard"


@pytest.mark.parametrize("attribute, rows", [("glasses", slice(28, 38)), ("beard", slice(44, 60))])
def test_attribute_contrast_reads_how_dark_the_attributes_rows_are_against_the_face(attribute, rows):
    faces = torch.full((3, 3, 64, 64), 0.6)
    faces[1, :, rows] = 0.1  # a dark band where the attribute lies
    faces[2, :, rows, :8] = 0.1  # the same band on the background alone: not on the face
    contrast = evaluation.attribute_contrast(faces, attribute)
    assert contrast[0] == 0 and contrast[2] == 0 and contrast[1] > 0.1


def test_pairs_use_every_donor_evenly():
    data = type("Data", (), {"counts": {"a": 10, "b": 3}})()
    rows_a, rows_b = photo_pairs(data, 9, torch.Generator().manual_seed(0))
    assert len(rows_a) == len(rows_b) == 9
    assert len(set(rows_a.tolist())) == 9  # faces a: each once while there are enough
    assert sorted(rows_b.tolist()) == [0, 0, 0, 1, 1, 1, 2, 2, 2]


@pytest.mark.parametrize(
    "options, kwargs, error, fragment",
    [
        ({"data_dir": None}, {}, ValueError, "card names no data folder; pass --data-dir"),
        ({"data_dir": "/nonexistent/celeba_dir"}, {}, FileNotFoundError, "CelebA folder not found"),
        ({}, {"split": "validation"}, ValueError, "unknown CelebA split 'validation'"),
        ({}, {"counts": "huge"}, ValueError, "unknown sample counts 'huge'"),
    ],
)
def test_errors_are_one_sentence(celeba_root, options, kwargs, error, fragment):
    the_card = card(celeba_root)
    the_card["data_options"].update(options)
    with pytest.raises(error) as info:
        measure_photos(tiny_model(), the_card, **{"counts": "quick", **kwargs})
    message = str(info.value)
    assert fragment in message and "\n" not in message and not message.endswith(".")


def test_cli_evaluate_json(celeba_root, tmp_path, capsys):
    out = tmp_path / "run"
    options = [f"--{k}={v}" for k, v in TINY.items()]
    argv = ["train", "content_ae_mask_celeba_glasses", "--out", str(out), "--steps", "1", "--device", "cpu"]
    assert main([*argv, "--data-dir", str(celeba_root), *options]) == 0
    capsys.readouterr()
    model_file = str(out / "model.safetensors")
    assert main(["evaluate", model_file, "--json", "--counts", "quick", "--device", "cpu"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert set(KEYS) <= set(scores)
    assert main(["evaluate", model_file, "--json", "--counts", "quick", "--data-dir", "/nonexistent/x"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: CelebA folder not found") and "\n" not in err
    assert main(["evaluate", model_file, "--json", "--counts", "quick", "--split", "val", "--device", "cpu"]) == 0
    assert json.loads(capsys.readouterr().out)["split"] == "val"
    assert main(["evaluate", model_file, "--counts", "quick", "--split", "train"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: this model's evaluation takes one of: test, val, not --split train", err


def test_publish_measures_on_test_the_curve_on_val_and_cards_celeba_terms(celeba_root, tmp_path, monkeypatch):
    from functools import partial

    from disentangle_core import checkpoints
    from disentangle_core.checkpoints import load_card

    out = tmp_path / "run"
    options = [f"--{k}={v}" for k, v in TINY.items()]
    argv = ["train", "content_ae_mask_celeba_glasses", "--out", str(out), "--device", "cpu", "--checkpoint-every", "1"]
    assert main([*argv, "--steps", "1", "--data-dir", str(celeba_root), *options]) == 0
    (out / "model.safetensors").rename(out / "step1.safetensors")
    assert main([*argv, "--steps", "2", "--resume", "--data-dir", str(celeba_root), *options]) == 0
    assets = tmp_path / "assets"
    assets.mkdir()
    monkeypatch.setattr(checkpoints, "publish", partial(checkpoints.publish, assets_dir=assets))
    monkeypatch.setattr(checkpoints, "write_assets_readme", lambda: None)
    publish = ["publish", str(out / "model.safetensors"), "--name", "photo", "--counts", "quick"]
    curve = ["--curve", str(out / "step1.safetensors"), "--curve-split", "val", "--data-dir", str(celeba_root)]
    assert main([*publish, *curve]) == 0
    card = load_card("photo", assets)
    assert card["split"] == "test" and card["by_step_split"] == "val"
    assert [row["step"] for row in card["by_step"]] == [1, 2]
    assert "non-commercial" in card["licence"] and "data_dir" not in card["data_options"]


def test_split_is_refused_where_the_family_offers_none(capsys):
    assert main(["evaluate", "vae_dsprites", "--counts", "quick", "--split", "val"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == "error: this model's evaluation takes no choice of split, not --split val", err


@pytest.mark.slow
def test_real_celeba_quick(shared_data):
    """The real test partition at quick counts: the classifier is better than chance at finding glasses."""
    if not (shared_data / "celeba").is_dir():
        pytest.skip("no celeba/ among the real data")
    result = measure_photos(tiny_model(), card(shared_data), counts="quick")
    assert result["classifier_accuracy"] > 0.6  # 20 steps: far from trained, but above chance
    assert "4319 faces without, 321 donors with" in result["data"]
    assert 0 <= result["leakage"] <= 1 and 0 < result["kept_psnr"] <= 100
