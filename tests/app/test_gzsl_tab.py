"""The zero-shot tab's callbacks as plain functions, on a tiny benchmark and a briefly trained CADA-VAE."""

import pytest

from app_helpers import app_torch_threads, tiny_gzsl_asset  # noqa: F401  (autouse)
from disentangle_core.app import gzsl_tab
from disentangle_core.app.common import ModelCache
from disentangle_core.app.gzsl_views import GZSLViews


@pytest.fixture(scope="module")
def views(tmp_path_factory):
    with pytest.MonkeyPatch.context() as monkeypatch:  # the benchmark's cache, for this module's tests only
        folder = tmp_path_factory.mktemp("gzsl_assets")
        name = tiny_gzsl_asset(folder, tmp_path_factory.mktemp("gzsl_cache"), monkeypatch)
        views = GZSLViews(ModelCache(folder), counts="quick")
        assert views.names() == [name]
        yield views


def test_a_test_image_gets_its_top_5_over_seen_and_unseen(views):
    image, truth, rows = gzsl_tab.from_image(views, "cada_vae_gzsl", "unseen", 0, 0.0)
    assert image.endswith(".png") and "(unseen)" in truth
    assert len(rows) == 5 and [r[0] for r in rows] == [1, 2, 3, 4, 5]
    assert {r[2] for r in rows} <= {"seen", "unseen"} and sum(r[3] for r in rows) <= 100.0
    assert all(r[4] for r in rows)  # each class shows its attributes
    # a large calibration pushes every seen class down: the top-5 become unseen classes
    assert {r[2] for r in gzsl_tab.from_image(views, "cada_vae_gzsl", "seen", 0, 4.0)[2]} == {"unseen"}


def test_calibration_moves_u_s_h(views):
    plain, shifted = gzsl_tab.scores(views, "cada_vae_gzsl", -2.0), gzsl_tab.scores(views, "cada_vae_gzsl", 4.0)
    assert plain.startswith("**U ") and plain != shifted
    view = views.get("cada_vae_gzsl")
    assert view.ush(4.0)["seen_to_unseen"] > view.ush(-2.0)["seen_to_unseen"]


def test_an_attribute_vector_is_classified_and_checked(views):
    names = views.get("cada_vae_gzsl").data.attribute_names
    text = gzsl_tab.ticks_to_vector(views, "cada_vae_gzsl", [names[0], names[7]])
    assert text.split(", ")[:8] == ["1", "0", "0", "0", "0", "0", "0", "1"]
    assert len(gzsl_tab.from_vector(views, "cada_vae_gzsl", text, 0.0)) == 5
    with pytest.raises(ValueError, match=f"the attribute vector must hold {len(names)} numbers between 0 and 1, got 3"):
        gzsl_tab.from_vector(views, "cada_vae_gzsl", "1, 0, 1", 0.0)
    with pytest.raises(ValueError, match="attribute 2 of the vector is 'red', not a number"):
        gzsl_tab.from_vector(views, "cada_vae_gzsl", "1, red, 0", 0.0)
    with pytest.raises(ValueError, match="attribute 1 must be between 0 and 1, got 2.0"):
        gzsl_tab.from_vector(views, "cada_vae_gzsl", ", ".join(["2"] + ["0"] * (len(names) - 1)), 0.0)
    with pytest.raises(ValueError, match="unknown attribute 'wings'"):
        gzsl_tab.ticks_to_vector(views, "cada_vae_gzsl", ["wings"])


def test_raw_values_get_one_sentence(views):
    with pytest.raises(ValueError, match="unknown zero-shot model 'beta_vae_dsprites'"):
        gzsl_tab.from_image(views, "beta_vae_dsprites", "seen", 0, 0.0)
    with pytest.raises(ValueError, match="unknown test split 'train'"):
        gzsl_tab.from_image(views, "cada_vae_gzsl", "train", 0, 0.0)
    with pytest.raises(ValueError, match="unseen test image number must be between 0 and"):
        gzsl_tab.from_image(views, "cada_vae_gzsl", "unseen", 10_000, 0.0)
    with pytest.raises(ValueError, match="calibration must be a number"):
        gzsl_tab.scores(views, "cada_vae_gzsl", "a lot")


def test_the_model_view_draws_maps_of_its_latents(views):
    figure, text, ticks = gzsl_tab.on_model(views, "cada_vae_gzsl", 0.0)
    assert len(figure.axes) == 1 and figure.axes[0].get_title() == "CADA-VAE z"
    assert text.startswith("**U") and len(ticks["choices"]) == 22
