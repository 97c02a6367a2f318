"""The dSprites tabs' callbacks (the traversal and the β dial) called as plain functions, over tiny checkpoints."""

from __future__ import annotations

import re

import gradio as gr
import pytest
import torch
from PIL import Image

from app_helpers import app_torch_threads, tiny_assets_dir  # noqa: F401  (autouse)
from disentangle_core.app import dsprites_beta_tab, dsprites_tab
from disentangle_core.app.common import ModelCache
from disentangle_core.app.dsprites_views import GRID_STEPS, DSpritesViews, dataset_image, mi_matrix, views_of
from disentangle_core.app.ui import user_errors
from disentangle_core.plotting import matched_factor_names


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    return DSpritesViews(ModelCache(tiny_assets_dir(tmp_path_factory)))


def sliders_of(outputs):
    return [u for u in outputs[5:] if u.get("visible")]


def test_view_encodes_and_sets_one_slider_per_active_latent(views):
    outputs = dsprites_tab.from_index(views, "beta_vae_dsprites", 7)
    x, code, *files = outputs[:5]
    source, decoded, grid = (Image.open(path) for path in files)
    loaded = views.get("beta_vae_dsprites")
    assert x.shape == (1, 1, 64, 64) and len(code) == 10
    assert source.size == decoded.size == (256, 256)
    assert grid.height > 10 * 64  # a row per latent
    shown = sliders_of(outputs)
    assert len(shown) == len(loaded.active) and len(outputs) == 5 + dsprites_tab.MAX_SLIDERS
    for update, d in zip(shown, loaded.active):
        assert update["value"] == pytest.approx(code[d], abs=0.005)  # shown to 2 decimals
        assert update["minimum"] <= update["value"] <= update["maximum"]
        assert update["label"].startswith(f"z{d}")


def test_sliders_change_the_decoded_image(views):
    outputs = dsprites_tab.from_index(views, "beta_vae_dsprites", 7)
    code, shown = outputs[1], sliders_of(outputs)
    values = [u["value"] for u in shown]
    low = dsprites_tab.preview(views, "beta_vae_dsprites", code, shown[0]["minimum"], *values[1:])
    high = dsprites_tab.preview(views, "beta_vae_dsprites", code, shown[0]["maximum"], *values[1:])
    assert Image.open(low).tobytes() != Image.open(high).tobytes()
    decoded, grid = dsprites_tab.refresh(views, "beta_vae_dsprites", code, shown[0]["maximum"], *values[1:])
    assert decoded == high  # files are named by their content
    assert Image.open(grid).size == Image.open(outputs[4]).size


def test_gif_is_an_animation(views, tmp_path):
    outputs = dsprites_tab.from_index(views, "vae_dsprites", 3)
    path = dsprites_tab.make_gif(views, "vae_dsprites", outputs[1], *[u["value"] for u in sliders_of(outputs)])
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames > GRID_STEPS


def test_model_switch_keeps_the_image(views):
    first = dsprites_tab.from_index(views, "beta_vae_dsprites", 11)
    second = dsprites_tab.on_model(views, "autoencoder_dsprites", first[0], 0)
    assert torch.equal(second[0], first[0])
    assert len(sliders_of(second)) == 10  # an autoencoder uses every code dimension


def test_upload_is_encoded(views, tmp_path):
    image = Image.new("L", (120, 120), 0)
    image.paste(255, (30, 30, 90, 90))
    image.save(tmp_path / "square.png")
    outputs = dsprites_tab.from_upload(views, "beta_vae_dsprites", str(tmp_path / "square.png"))
    assert outputs[0].sum() > 0 and outputs[0].shape == (1, 1, 64, 64)


@pytest.mark.parametrize(
    "call, words",
    [
        (
            lambda v: dsprites_tab.from_index(v, "betavae", 1),
            "unknown model 'betavae'; choose from: autoencoder_dsprites",
        ),
        (lambda v: dsprites_tab.from_index(v, "beta_vae_dsprites", -3), "between 0 and 737279"),
        (lambda v: dsprites_tab.from_index(v, "beta_vae_dsprites", "seven"), "must be a number"),
        (lambda v: dsprites_tab.preview(v, "beta_vae_dsprites", None, 0.0), "no image is loaded yet"),
        (lambda v: dsprites_tab.preview(v, "beta_vae_dsprites", [0.0] * 10, *[1e6] * 10), "latent z"),
        (lambda v: dsprites_tab.preview(v, "beta_vae_dsprites", [0.0] * 10, *["x"] * 10), "must be a number"),
        (lambda v: dsprites_beta_tab.compare(v, 1, 1.0), "no shipped model has β = 2^1 = 2; shipped β values: 1, 4"),
        (lambda v: dsprites_beta_tab.compare(v, 1, 40), "log₂ β must be between 0 and 2"),
    ],
)
def test_bad_values_get_one_sentence(views, call, words):
    with pytest.raises(ValueError, match=re.escape(words)) as info:
        call(views)
    assert "\n" not in str(info.value)


def test_user_errors_turns_value_errors_into_gradio_errors(views):
    wrapped = user_errors(lambda: dsprites_tab.from_index(views, "nope", 1))
    with pytest.raises(gr.Error, match="unknown model 'nope'"):
        wrapped()


def test_beta_dial_compares_three_models(views):
    outputs = dsprites_beta_tab.compare(views, 1234, 2.0)  # log2 β = 2: β = 4
    source, *grids = (Image.open(path) for path in outputs[:4])
    charts, name, heatmaps, table = outputs[4:6], outputs[6], outputs[7:10], outputs[10]
    assert source.size == (256, 256) and all(g.height > 640 for g in grids)
    assert all(len(chart.axes[0].patches) == 10 for chart in charts)
    assert "β = 4" in name and "beta_vae_dsprites" in name
    assert all(len(h.axes[0].get_yticklabels()) == 10 for h in heatmaps)  # a row per latent
    assert table["headers"] == ["", "autoencoder_dsprites", "vae_dsprites", "beta_vae_dsprites"]
    assert [row[0] for row in table["value"]] == ["recon_nll", "mig"]
    assert "`vae_dsprites`" in dsprites_beta_tab.compare(views, 1234, 0.0)[6]


def test_factor_names_come_from_the_card_mi_matrix(views):
    loaded = views.get("vae_dsprites")
    assert mi_matrix(loaded.model, loaded.card) == loaded.card["mi_matrix"]
    expected = matched_factor_names(loaded.card["mi_matrix"], loaded.card["factor_names"], active=loaded.active_mask)
    assert loaded.factors == expected


def test_models_load_once_and_are_shared(views):
    assert views.get("vae_dsprites") is views.get("vae_dsprites")


def test_the_cache_loads_models_and_the_views_prepare_them(views):
    loaded = views.get("vae_dsprites")
    assert loaded.model is views.cache.load("vae_dsprites")[0]  # the view module asks the cache for the model
    assert not hasattr(views.cache, "get")  # the cache knows no family's views


def test_both_dsprites_tabs_share_one_set_of_views(views):
    assert views_of(views.cache) is views_of(views.cache)


def test_dataset_image_is_the_indexed_sprite():
    x = dataset_image(0)  # square, smallest scale, orientation 0, top-left
    assert x.shape == (1, 1, 64, 64) and 0 < x.sum() < 64 * 64 / 4 and x[0, 0, :32, :32].sum() == x.sum()


def test_one_shipped_beta_model_gives_a_one_stop_dial(tmp_path):
    from app_helpers import make_tiny_assets

    make_tiny_assets(tmp_path, names=("autoencoder_dsprites", "vae_dsprites"))
    views = DSpritesViews(ModelCache(tmp_path))
    assert "`vae_dsprites`" in dsprites_beta_tab.compare(views, 5, 0.0)[6]
    with pytest.raises(ValueError, match="between 0 and 0"):
        dsprites_beta_tab.compare(views, 5, 1.0)
