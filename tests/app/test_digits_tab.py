"""The digits tab (InfoGAN and JointVAE): sketches made MNIST-like, and its callbacks over the shipped digits
models (those are slow, real weights, and skipped where the assets are absent)."""

from __future__ import annotations

import re

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from app_helpers import app_torch_threads  # noqa: F401  (autouse)
from disentangle_core.app import digits_tab, digits_views
from disentangle_core.app.common import ModelCache
from disentangle_core.app.ui import user_errors
from disentangle_core.checkpoints import ASSETS_DIR, available_assets
from disentangle_core.data.mnist_format import to_mnist_format

DIGIT_MODELS = ("infogan_mnist", "joint_vae_mnist")
shipped = pytest.mark.skipif(
    not set(DIGIT_MODELS) <= set(available_assets(ASSETS_DIR)), reason="the digits checkpoints are not in assets/"
)


def centre_of_mass(x: torch.Tensor) -> tuple:
    ys, xs = torch.meshgrid(torch.arange(28.0), torch.arange(28.0), indexing="ij")
    image = x[0, 0]
    return float((ys * image).sum() / image.sum()), float((xs * image).sum() / image.sum())


def bbox(x: torch.Tensor) -> tuple:
    rows, cols = torch.nonzero(x[0, 0] > 0.05, as_tuple=True)
    return int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())


# ---- sketches -> MNIST's layout (no model needed) --------------------------------------------------


def test_a_drawn_one_becomes_a_centred_mnist_digit():
    canvas = np.full((280, 280, 4), 255, np.uint8)  # the sketchpad's white paper, opaque
    canvas[30:130, 200:212, :3] = 0  # a short black vertical bar near the top right corner
    x = digits_views.sketch_to_digit({"background": canvas, "layers": [], "composite": canvas})
    assert x.shape == (1, 1, 28, 28) and x.dtype == torch.float32
    assert float(x.min()) == 0.0 and float(x.max()) == 1.0  # white ink on black, as in MNIST
    top, bottom, left, right = bbox(x)
    assert bottom - top + 1 == 20  # the longer side fills MNIST's 20x20 box
    assert right - left + 1 <= 4  # and the aspect ratio is kept: still a thin bar
    cy, cx = centre_of_mass(x)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1  # centred by its mass, not left in the corner
    assert x[0, 0, :, :8].sum() == 0 and x[0, 0, :, 20:].sum() == 0


def test_light_on_dark_and_dark_on_light_give_the_same_digit():
    light = np.zeros((200, 150), np.uint8)
    light[20:180, 60:80] = 255
    light[20:40, 40:80] = 255  # a "1" with a flag
    on_black = digits_views.sketch_to_digit(light)
    on_white = digits_views.sketch_to_digit(Image.fromarray(255 - light))
    assert torch.allclose(on_black, on_white, atol=1e-5)


def test_to_mnist_format_centres_an_off_centre_blob():
    ink = np.zeros((100, 100), np.float32)
    ink[5:15, 70:95] = 1.0  # wider than tall: the width becomes 20
    x = to_mnist_format(ink)
    top, bottom, left, right = bbox(x)
    assert right - left + 1 == 20 and bottom - top + 1 == 8
    cy, cx = centre_of_mass(x)
    assert abs(cy - 14) <= 1 and abs(cx - 14) <= 1
    with pytest.raises(ValueError, match="no ink"):
        to_mnist_format(np.zeros((28, 28)))


@pytest.mark.parametrize(
    "sketch, words",
    [
        (None, "the sketch is empty; draw a digit first"),
        ({"background": None, "layers": [], "composite": None}, "the sketch is empty; draw a digit first"),
        (np.full((280, 280, 4), 255, np.uint8), "the sketch is empty; draw a digit first"),
        (np.zeros((280, 280, 4), np.uint8), "the sketch is empty; draw a digit first"),  # all transparent
        ("a digit", "the sketch is not an image; draw a digit in the sketchpad"),
        (np.zeros((5, 5, 2), np.uint8), "the sketch is not an image; draw a digit in the sketchpad"),
        (np.array([["a", "b"]]), "the sketch is not an image; draw a digit in the sketchpad"),
        (np.full((8, 8), np.nan), "the sketch is not an image; draw a digit in the sketchpad"),
        (np.full((8, 8), 3.0), "pixel values must lie in [0, 255]"),
    ],
)
def test_bad_sketches_get_one_sentence(sketch, words):
    with pytest.raises(ValueError, match=re.escape(words)) as info:
        digits_views.sketch_to_digit(sketch)
    assert "\n" not in str(info.value)


# ---- the callbacks over the shipped models ----------------------------------------------------------


@pytest.fixture(scope="module")
def views():
    return digits_views.DigitViews(ModelCache(ASSETS_DIR))


@shipped
@pytest.mark.slow
@pytest.mark.parametrize("name", DIGIT_MODELS)
def test_model_sets_the_controls(views, name):
    radio, *rest = digits_tab.on_model(views, name)
    sliders, (digit, figure, plot, *cleared) = rest[: digits_views.MAX_CODES], rest[digits_views.MAX_CODES :]
    card = views.cache.load(name)[1]
    assert [value for _, value in radio["choices"]] == list(range(10))
    assert radio["choices"][3][0] == f"3 → {card['category_to_digit'][3]}"  # the card's matching, not "3"
    shown = [s for s in sliders if s["visible"]]
    assert 2 <= len(shown) <= digits_views.MAX_CODES and all(s["label"].startswith("c") for s in shown)
    assert Image.open(digit).size == (224, 224)
    assert Image.open(figure).height > 10 * 28  # a row per category
    assert len(plot.axes[0].texts) == 100  # every count of the 10x10 confusion matrix written out
    assert cleared == [None, "", None]  # another model's reading is not left on show


@shipped
@pytest.mark.slow
@pytest.mark.parametrize("name", DIGIT_MODELS)
def test_codes_change_the_digit(views, name):
    view = views.get(name)
    rest = [0.0] * (len(view.dims) - 1)
    low = digits_tab.preview(views, name, 2, 0, -2.0, *rest)
    high = digits_tab.preview(views, name, 2, 0, 2.0, *rest)
    other_category = digits_tab.preview(views, name, 7, 0, 2.0, *rest)
    pictures = [Image.open(path).tobytes() for path in (low, high, other_category)]
    assert len(set(pictures)) == 3
    digit, figure = digits_tab.refresh(views, name, 2, 0, 2.0, *rest)
    assert digit == high  # files are named by their content


@shipped
@pytest.mark.slow
def test_the_noise_seed_changes_infogans_digit(views):
    first = digits_tab.preview(views, "infogan_mnist", 4, 1, 0.0, 0.0)
    second = digits_tab.preview(views, "infogan_mnist", 4, 2, 0.0, 0.0)
    assert Image.open(first).tobytes() != Image.open(second).tobytes()
    assert digits_tab.preview(views, "infogan_mnist", 4, 1, 0.0, 0.0) == first  # seeded: the same again


@shipped
@pytest.mark.slow
@pytest.mark.parametrize("name", DIGIT_MODELS)
def test_reading_a_heldout_digit(views, name):
    seen, text, redraw = digits_tab.read_heldout(views, name, 42)
    reading = views.get(name).read(digits_views.heldout_digit(42))
    assert 0 <= reading["category"] <= 9 and 0 < reading["probability"] <= 1
    match = re.fullmatch(r"category (\d) → (\d) \(p = [01]\.\d\d\)( · c\d = [+-]\d\.\d\d){2,3}", text)
    assert match and int(match[1]) == reading["category"]
    assert Image.open(seen).size == Image.open(redraw).size == (224, 224)


@shipped
@pytest.mark.slow
def test_reading_a_sketch(views):
    canvas = np.full((280, 280, 4), 255, np.uint8)
    canvas[40:240, 130:152, :3] = 0
    seen, text, redraw = digits_tab.read_sketch(views, "infogan_mnist", {"composite": canvas})
    assert text.startswith("category ") and Image.open(redraw).size == (224, 224)


@shipped
@pytest.mark.slow
@pytest.mark.parametrize(
    "call, words",
    [
        (
            lambda c: digits_tab.on_model(c, "infogan"),
            "unknown model 'infogan'; choose from: infogan_mnist, joint_vae_mnist",
        ),
        (lambda c: digits_tab.on_model(c, "beta_vae_dsprites"), "unknown model 'beta_vae_dsprites'"),
        (lambda c: digits_tab.preview(c, "infogan_mnist", 3, 0, 2.5, 0.0), "code c0 must be between -2 and 2, got 2.5"),
        (lambda c: digits_tab.preview(c, "infogan_mnist", 3, 0, "1", 0.0), "code c0 must be a number between -2 and 2"),
        (lambda c: digits_tab.preview(c, "infogan_mnist", 3, 0, 0.0), "expected 2 code values for infogan_mnist"),
        (lambda c: digits_tab.preview(c, "infogan_mnist", 10, 0, 0.0, 0.0), "category must be between 0 and 9, got 10"),
        (
            lambda c: digits_tab.preview(c, "infogan_mnist", None, 0, 0.0, 0.0),
            "category must be a number between 0 and 9",
        ),
        (
            lambda c: digits_tab.refresh(c, "infogan_mnist", 1, -1, 0.0, 0.0),
            "noise seed must be between 0 and 999999, got -1",
        ),
        (lambda c: digits_tab.refresh(c, "infogan_mnist", 1, 1.5, 0.0, 0.0), "noise seed must be a whole number"),
        (lambda c: digits_tab.read_heldout(c, "infogan_mnist", 100), "held-out digit number must be between 0 and 99"),
        (lambda c: digits_tab.read_sketch(c, "infogan_mnist", None), "the sketch is empty; draw a digit first"),
        (lambda c: digits_tab.read_sketch(c, "infogan_mnist", "x.png"), "the sketch is not an image"),
        (lambda c: digits_tab.read_sketch(c, "nope", None), "unknown model 'nope'"),  # the model is checked first
    ],
)
def test_bad_values_get_one_sentence(views, call, words):
    with pytest.raises(ValueError, match=re.escape(words)) as info:
        call(views)
    assert "\n" not in str(info.value)


@shipped
@pytest.mark.slow
def test_errors_reach_the_user_as_gradio_errors(views):
    with pytest.raises(gr.Error, match="the sketch is empty; draw a digit first"):
        user_errors(digits_tab.read_sketch)(views, "infogan_mnist", {"composite": None})


def test_the_held_out_gallery_files_outlive_the_hourly_clean_up():
    """The app's folder forgets files untouched for an hour; a later page load gets its gallery again."""
    from pathlib import Path

    first = digits_views.gallery_files()
    assert len(first) == 100 and all(Path(path).is_file() for path, _ in first)
    Path(first[0][0]).unlink()  # as the clean-up would, an hour on
    again = digits_views.gallery_files()
    assert [caption for _, caption in again] == [caption for _, caption in first]
    assert all(Path(path).is_file() for path, _ in again)
