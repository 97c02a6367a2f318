"""The app's input checks, and the package helpers the app added (plain functions, no server)."""

from __future__ import annotations

import io
import math

import pytest
import torch
from PIL import Image

from app_helpers import app_torch_threads, png_header_only  # noqa: F401  (autouse)
from disentangle_core.app.dsprites_views import dial_step
from disentangle_core.app.inputs import MAX_UPLOAD_SIDE, check_choice, check_number, load_binary_image
from disentangle_core.models import build_model
from disentangle_core.traversal import traverse, traverse_code

# ---- numbers and choices --------------------------------------------------------------------------


def test_check_number_accepts_numbers_in_range():
    assert check_number(3, "x", 0, 5) == 3.0
    assert check_number(4.0, "x", 0, 5, integer=True) == 4
    assert isinstance(check_number(4.0, "x", 0, 5, integer=True), int)


@pytest.mark.parametrize(
    "value, words",
    [
        ("3", "must be a number"),
        (None, "must be a number"),
        (True, "must be a number"),
        ([1], "must be a number"),
        (math.nan, "between 0 and 5"),
        (math.inf, "between 0 and 5"),
        (-0.1, "between 0 and 5"),
        (6, "between 0 and 5"),
    ],
)
def test_check_number_rejects_with_one_sentence(value, words):
    with pytest.raises(ValueError, match=words) as info:
        check_number(value, "the step budget", 0, 5)
    message = str(info.value)
    assert message.startswith("the step budget") and "\n" not in message


def test_check_number_integer_rejects_fractions():
    with pytest.raises(ValueError, match="whole number"):
        check_number(2.5, "index", 0, 5, integer=True)


def test_check_choice_names_the_choices():
    assert check_choice("b", ["a", "b"], "model") == "b"
    with pytest.raises(ValueError, match="unknown model 'c'; choose from: a, b"):
        check_choice("c", ["a", "b"], "model")
    with pytest.raises(ValueError, match="unknown model"):
        check_choice(None, ["a"], "model")


# ---- uploaded images ------------------------------------------------------------------------------


def save(image: Image.Image, path, **kwargs):
    image.save(path, **kwargs)
    return str(path)


def text_file(path) -> str:
    path.write_text("not an image")
    return str(path)


def test_upload_becomes_a_binary_64x64_sprite(tmp_path):
    image = Image.new("RGB", (200, 100), "black")
    image.paste((255, 255, 255), (50, 25, 150, 75))  # a light rectangle in the middle
    x = load_binary_image(save(image, tmp_path / "shape.png"))
    assert x.shape == (1, 1, 64, 64) and x.dtype == torch.float32
    assert set(x.unique().tolist()) == {0.0, 1.0}
    assert x[0, 0, 32, 32] == 1 and x[0, 0, 2, 2] == 0  # bright middle, dark corner


def test_rgba_and_palette_images_are_accepted(tmp_path):
    assert load_binary_image(save(Image.new("RGBA", (64, 64), (255, 255, 255, 255)), tmp_path / "a.png")).mean() == 1
    assert load_binary_image(save(Image.new("P", (30, 30)), tmp_path / "p.gif")).mean() == 0


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: text_file(p.with_suffix(".png")), "not an image"),
        (lambda p: save(Image.new("CMYK", (64, 64)), p.with_suffix(".jpg")), "CMYK"),
        (lambda p: save(Image.new("I;16", (64, 64)), p.with_suffix(".png")), "16 bits"),
        (
            lambda p: png_header_only(p.with_suffix(".png"), 64, 64, bit_depth=16, colour_type=2),
            "16 bits",
        ),  # RGB, 48 bits
        (
            lambda p: save(
                Image.new("L", (64, 64)),
                p.with_suffix(".gif"),
                save_all=True,
                append_images=[Image.new("L", (64, 64), 255)],
            ),
            "animated",
        ),
        (lambda p: png_header_only(p.with_suffix(".png"), 10_000, 10_000), "too large"),
        (lambda p: png_header_only(p.with_suffix(".png"), MAX_UPLOAD_SIDE + 1, 10), "too large"),
        (lambda p: save(Image.new("L", (64, 64)), p.with_suffix(".ico")), "not accepted"),
    ],
)
def test_bad_uploads_get_one_sentence(tmp_path, make, words):
    path = make(tmp_path / "upload")
    with pytest.raises(ValueError, match=words) as info:
        load_binary_image(path)
    assert "\n" not in str(info.value)


def test_truncated_image_is_refused(tmp_path):
    buffer = io.BytesIO()
    Image.effect_noise((256, 256), 64).convert("L").save(buffer, "PNG")
    path = tmp_path / "cut.png"
    path.write_bytes(buffer.getvalue()[: len(buffer.getvalue()) // 2])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        load_binary_image(str(path))


def test_missing_upload_is_refused():
    for nothing in (None, "", 12):
        with pytest.raises(ValueError, match="no image was uploaded"):
            load_binary_image(nothing)


# ---- package helpers the app uses -----------------------------------------------------------------


def test_traverse_code_of_an_image_code_is_traverse():
    torch.manual_seed(0)
    model = build_model("beta_vae").eval()
    x = torch.rand(32, 1, 64, 64).round()
    expected = traverse(model, x, steps=5, index=3)
    got = traverse_code(model, model.representation(x[3:4])[0], x, steps=5)
    assert got.dims == expected.dims
    torch.testing.assert_close(got.images, expected.images)


def test_dial_step_lands_on_every_value():
    assert dial_step([0.0, 2.0]) == 2.0  # log2 of β = 1, 4
    assert dial_step([0.0, 1.0, 2.0, 3.0, 4.0]) == 1.0
    assert dial_step([1.0, 4.0]) == 3.0
    assert dial_step([1.0, 2.0, 4.0, 16.0]) == 1.0
    assert dial_step([0.5, 1.0, 4.0]) == 0.5
    assert dial_step([4.0]) == 1.0
