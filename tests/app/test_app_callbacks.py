"""The tabs' callbacks called as plain functions, over tiny checkpoints in a temporary folder."""

from __future__ import annotations

import re

import gradio as gr
import pytest
import torch
from app_helpers import app_torch_threads, tiny_assets_dir  # noqa: F401  (autouse)
from PIL import Image

from disentangle_core.app import about_tab, beta_dial_tab, curves, train_tab, traversal_tab
from disentangle_core.app.common import GRID_STEPS, ModelCache, TrainingCancelled, TrainingJobs, dataset_image
from disentangle_core.app.ui import APP_TEXT, translations, user_errors
from disentangle_core.evaluation import is_active


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return ModelCache(tiny_assets_dir(tmp_path_factory))


def sliders_of(outputs):
    return [u for u in outputs[5:] if u.get("visible")]


def test_view_encodes_and_sets_one_slider_per_active_latent(cache):
    outputs = traversal_tab.from_index(cache, "beta_vae_dsprites", 7)
    x, code, *files = outputs[:5]
    source, decoded, grid = (Image.open(path) for path in files)
    loaded = cache.get("beta_vae_dsprites")
    assert x.shape == (1, 1, 64, 64) and len(code) == 10
    assert source.size == decoded.size == (256, 256)
    assert grid.height > 10 * 64  # a row per latent
    shown = sliders_of(outputs)
    assert len(shown) == len(loaded.active) and len(outputs) == 5 + traversal_tab.MAX_SLIDERS
    for update, d in zip(shown, loaded.active):
        assert update["value"] == pytest.approx(code[d], abs=0.005)  # shown to 2 decimals
        assert update["minimum"] <= update["value"] <= update["maximum"]
        assert update["label"].startswith(f"z{d}")


def test_sliders_change_the_decoded_image(cache):
    outputs = traversal_tab.from_index(cache, "beta_vae_dsprites", 7)
    code, shown = outputs[1], sliders_of(outputs)
    values = [u["value"] for u in shown]
    low = traversal_tab.preview(cache, "beta_vae_dsprites", code, shown[0]["minimum"], *values[1:])
    high = traversal_tab.preview(cache, "beta_vae_dsprites", code, shown[0]["maximum"], *values[1:])
    assert Image.open(low).tobytes() != Image.open(high).tobytes()
    decoded, grid = traversal_tab.refresh(cache, "beta_vae_dsprites", code, shown[0]["maximum"], *values[1:])
    assert decoded == high  # files are named by their content
    assert Image.open(grid).size == Image.open(outputs[4]).size


def test_gif_is_an_animation(cache, tmp_path):
    outputs = traversal_tab.from_index(cache, "vae_dsprites", 3)
    path = traversal_tab.make_gif(cache, "vae_dsprites", outputs[1], *[u["value"] for u in sliders_of(outputs)])
    with Image.open(path) as gif:
        assert gif.format == "GIF" and gif.n_frames > GRID_STEPS


def test_model_switch_keeps_the_image(cache):
    first = traversal_tab.from_index(cache, "beta_vae_dsprites", 11)
    second = traversal_tab.on_model(cache, "autoencoder_dsprites", first[0], 0)
    assert torch.equal(second[0], first[0])
    assert len(sliders_of(second)) == 10  # an autoencoder uses every code dimension


def test_upload_is_encoded(cache, tmp_path):
    image = Image.new("L", (120, 120), 0)
    image.paste(255, (30, 30, 90, 90))
    image.save(tmp_path / "square.png")
    outputs = traversal_tab.from_upload(cache, "beta_vae_dsprites", str(tmp_path / "square.png"))
    assert outputs[0].sum() > 0 and outputs[0].shape == (1, 1, 64, 64)


@pytest.mark.parametrize("call, words", [
    (lambda c: traversal_tab.from_index(c, "betavae", 1), "unknown model 'betavae'; choose from: autoencoder_dsprites"),
    (lambda c: traversal_tab.from_index(c, "beta_vae_dsprites", -3), "between 0 and 737279"),
    (lambda c: traversal_tab.from_index(c, "beta_vae_dsprites", "seven"), "must be a number"),
    (lambda c: traversal_tab.preview(c, "beta_vae_dsprites", None, 0.0), "no image is loaded yet"),
    (lambda c: traversal_tab.preview(c, "beta_vae_dsprites", [0.0] * 10, *[1e6] * 10), "latent z"),
    (lambda c: traversal_tab.preview(c, "beta_vae_dsprites", [0.0] * 10, *["x"] * 10), "must be a number"),
    (lambda c: beta_dial_tab.compare(c, 1, 1.0), "no shipped model has β = 2^1 = 2; shipped β values: 1, 4"),
    (lambda c: beta_dial_tab.compare(c, 1, 40), "log₂ β must be between 0 and 2"),
    (lambda c: about_tab.card_table(c, "nope"), "unknown checkpoint 'nope'"),
])
def test_bad_values_get_one_sentence(cache, call, words):
    with pytest.raises(ValueError, match=re.escape(words)) as info:
        call(cache)
    assert "\n" not in str(info.value)


def test_user_errors_turns_value_errors_into_gradio_errors(cache):
    wrapped = user_errors(lambda: traversal_tab.from_index(cache, "nope", 1))
    with pytest.raises(gr.Error, match="unknown model 'nope'"):
        wrapped()


def test_beta_dial_compares_three_models(cache):
    outputs = beta_dial_tab.compare(cache, 1234, 2.0)  # log2 β = 2: β = 4
    source, *grids = (Image.open(path) for path in outputs[:4])
    charts, name, heatmaps, table = outputs[4:6], outputs[6], outputs[7:10], outputs[10]
    assert source.size == (256, 256) and all(g.height > 640 for g in grids)
    assert all(len(chart.axes[0].patches) == 10 for chart in charts)
    assert "β = 4" in name and "beta_vae_dsprites" in name
    assert all(len(h.axes[0].get_yticklabels()) == 10 for h in heatmaps)  # a row per latent
    assert table["headers"] == ["", "autoencoder_dsprites", "vae_dsprites", "beta_vae_dsprites"]
    assert [row[0] for row in table["value"]] == ["recon_nll", "mig"]
    assert "`vae_dsprites`" in beta_dial_tab.compare(cache, 1234, 0.0)[6]


def test_factor_names_come_from_the_card_mi_matrix(cache):
    from disentangle_core.app.common import mi_matrix
    from disentangle_core.plotting import matched_factor_names

    loaded = cache.get("vae_dsprites")
    assert mi_matrix(loaded.model, loaded.card) == loaded.card["mi_matrix"]
    expected = matched_factor_names(loaded.card["mi_matrix"], loaded.card["factor_names"], active=loaded.active_mask)
    assert loaded.factors == expected


def test_about_card_lists_recipe_and_metrics(cache):
    rows = dict(about_tab.card_table(cache, "capacity_vae_dsprites"))
    assert rows["model"] == "beta_vae" and rows["config.objective"] == "capacity"
    assert rows["steps"] == "30" and rows["metrics.recon_nll"] == "1.0"


def test_models_load_once_and_are_shared(cache):
    assert cache.get("vae_dsprites") is cache.get("vae_dsprites")


# ---- training -------------------------------------------------------------------------------------


def test_step_budget_over_the_cpu_cap_is_refused(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert train_tab.check_request("capacity", 1, 10, 2000)["steps"] == 2000
    for bad, words in [(2001, "at most 2,000 steps on a CPU"), (0, "between 1 and 2000"), ("10", "must be a number"),
                       (10.5, "whole number")]:
        with pytest.raises(ValueError, match=words):
            train_tab.check_request("beta", 4, 25, bad)
    with pytest.raises(ValueError, match="unknown objective 'tc'"):
        train_tab.check_request("tc", 4, 25, 10)
    with pytest.raises(ValueError, match="β must be between 0 and 20"):
        train_tab.check_request("beta", -1, 25, 10)


def test_training_reports_progress_and_returns_a_traversal():
    seen = []
    settings = train_tab.check_request("beta", 4, 25, 6)
    grid, kl_per_latent, history, seconds, device = train_tab.run_training(
        settings, lambda step, row: seen.append(step), lambda: False)
    assert seen == [1, 2, 3, 4, 5, 6] and isinstance(grid, Image.Image)
    assert set(history[-1]) >= {"loss", "recon", "kl"} and kl_per_latent.shape == (10,)
    assert device == f"cpu ({settings['precision']})"


def no_progress(*args, **kwargs):
    pass


def plotted_rows(update):
    """How many rows a line plot's update draws (None: the plot is left as it is)."""
    if isinstance(update, gr.LinePlot):  # the first row comes with the x axis of the whole run
        return len(update.value["data"])
    return None if isinstance(update, dict) and update == gr.skip() else len(update)


def test_training_streams_growing_curves_then_the_kl_of_each_latent(monkeypatch):
    monkeypatch.setattr(train_tab, "REDRAW_S", 0.0)  # redraw at every logged row
    updates = list(train_tab.train_model("capacity", 1.0, 10.0, 8, progress=no_progress))
    kl_rows = [plotted_rows(update[2]) for update in updates]
    assert kl_rows == [None, 2, 4, 6, 8, 10, 12, 14, 16, 16]  # KL and C(t) at each of 8 steps, then the final draw
    assert updates[1][1].x_lim == updates[1][2].x_lim == [0, 8]
    assert list(updates[-2][1]["term"].unique()) == ["reconstruction"]
    assert set(updates[-1][2]["term"]) == {"KL", "C(t)"} and updates[-1][2]["step"].max() == 8
    bars = updates[-1][3]
    assert list(bars["latent"]) == [f"z{d}" for d in range(10)]
    assert list(bars["state"] == curves.ACTIVE) == is_active(bars["kl"].tolist()).tolist()
    assert updates[-1][0].startswith("8 steps on cpu") and updates[-1][4].endswith(".png")


def test_a_cancelled_run_keeps_its_curves(monkeypatch):
    monkeypatch.setattr(train_tab, "REDRAW_S", 0.0)
    updates = train_tab.train_model("beta", 4.0, 25.0, 500, progress=no_progress)  # logs every 5 steps
    for update in updates:
        if plotted_rows(update[1]) == 3:  # three rows drawn: press cancel
            train_tab.JOBS.cancel("local")
    status, recon, kl, bars, grid = update  # the worker trains on while the page draws: it stops a little later
    stopped = int(re.fullmatch(r"training cancelled at step (\d+); the curves show the run until then", status)[1])
    assert 20 <= stopped < 500 and list(recon["step"]) == list(range(5, stopped, 5)) == list(kl["step"])
    assert bars == grid == gr.skip()  # the KL bars and the traversal are left as they were
    assert train_tab.JOBS.cancel("local") is False  # the run's flag is gone


def test_cancel_stops_training_at_the_next_report():
    settings = train_tab.check_request("capacity", 1, 10, 500)
    seen = []
    with pytest.raises(TrainingCancelled, match="cancelled at step 10"):  # checked at every report (5 steps)
        train_tab.run_training(settings, lambda step, row: seen.append(step), lambda: len(seen) >= 1)
    assert seen == [5]


def test_cancel_flags_belong_to_one_session():
    jobs = TrainingJobs()
    mine, theirs = jobs.start("a"), jobs.start("b")
    assert jobs.cancel("a") and mine.is_set() and not theirs.is_set()
    jobs.finish("a")
    assert not jobs.cancel("a")


# ---- translations ---------------------------------------------------------------------------------


def test_every_text_has_english_and_japanese():
    texts = [APP_TEXT, traversal_tab.TEXT, beta_dial_tab.TEXT, train_tab.TEXT, about_tab.TEXT]
    i18n = translations(texts)
    english, japanese = i18n.translations_dict["en"], i18n.translations_dict["ja"]
    assert english.keys() == japanese.keys() and len(english) > 40
    assert all(re.search(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]", japanese[k]) for k in japanese if k != "train.beta")
    with pytest.raises(ValueError, match="both English and Japanese"):
        translations([{"en": {"x": "x"}, "ja": {}}])


def test_every_key_used_in_the_app_is_translated(tmp_path_factory):
    import demo_app

    demo = demo_app.build_demo(tiny_assets_dir(tmp_path_factory))
    used = set(re.findall(r'__i18n__\{\\?"__type__\\?": \\?"translation_metadata\\?", \\?"key\\?": \\?"([^"\\]+)',
                          str(demo.get_config_file())))
    assert len(used) > 30
    assert used <= set(demo_app.I18N.translations_dict["en"])


def test_dataset_image_is_the_indexed_sprite():
    x = dataset_image(0)  # square, smallest scale, orientation 0, top-left
    assert x.shape == (1, 1, 64, 64) and 0 < x.sum() < 64 * 64 / 4 and x[0, 0, :32, :32].sum() == x.sum()


def test_image_files_are_named_by_content_and_shared():
    from disentangle_core.app.common import image_file

    first, again = image_file(Image.new("L", (8, 8), 3)), image_file(Image.new("L", (8, 8), 3))
    other = image_file(Image.new("L", (8, 8), 4))
    assert first == again != other and Image.open(first).getpixel((0, 0)) == 3


def test_app_builds_with_a_single_beta_model(tmp_path):
    import demo_app
    from app_helpers import make_tiny_assets

    make_tiny_assets(tmp_path, names=("autoencoder_dsprites", "vae_dsprites"))
    demo_app.build_demo(tmp_path)  # the dial has one stop (β = 1): it still builds
    cache = ModelCache(tmp_path)
    assert "`vae_dsprites`" in beta_dial_tab.compare(cache, 5, 0.0)[6]
    with pytest.raises(ValueError, match="between 0 and 0"):
        beta_dial_tab.compare(cache, 5, 1.0)


def test_training_precision_is_checked_and_resolved():
    assert train_tab.check_request("beta", 4, 25, 10, "fp32")["precision"] == "fp32"
    assert train_tab.check_request("beta", 4, 25, 10)["precision"] in ("fp32", "bf16")  # auto, resolved here
    with pytest.raises(ValueError, match="precision"):
        train_tab.check_request("beta", 4, 25, 10, "fp16")
