"""Slant and ink read from pixels: known answers on drawn bars, and agreement with the procedural factors."""

import math

import pytest
import torch
from scipy.stats import spearmanr

from disentangle_core.data import ProceduralDigits
from disentangle_core.data.digit_fonts import FACTOR_NAMES, FONTS, sweep
from disentangle_core.metrics import ink, slant


def bar(thickness: int, shear: float = 0.0, size: int = 28) -> torch.Tensor:
    """(1, 1, size, size): a vertical bar 20 pixels tall, ``thickness`` wide, its top sheared right by ``shear``."""
    image = torch.zeros(1, 1, size, size)
    for row in range(4, 24):
        left = round(12 + shear * (13.5 - row))  # the rows above the centre move right
        image[0, 0, row, left : left + thickness] = 1.0
    return image


def test_an_upright_bar_has_no_slant_and_a_sheared_one_has_its_shear():
    assert slant(bar(3)).item() == pytest.approx(0.0, abs=1e-6)
    assert slant(bar(3, shear=0.3)).item() == pytest.approx(0.3, abs=0.03)
    assert slant(bar(3, shear=-0.3)).item() == pytest.approx(-0.3, abs=0.03)


def test_ink_of_a_bar_is_its_thickness():
    # area t * 20, outline 2 * (20 + t): 2 * area / perimeter = 20 t / (20 + t); the four corners are
    # cut a little short by pairing a horizontal with a vertical difference (sqrt 2 instead of 2)
    for t in (1, 2, 3, 5):
        assert ink(bar(t)).item() == pytest.approx(20 * t / (20 + t), rel=0.05)
    corner = torch.zeros(1, 1, 28, 28)
    corner[0, 0, :5, :5] = 1.0  # a 5x5 square against the image's corner: its outline is still 20 long
    assert ink(corner).item() == pytest.approx(2 * 25 / 20, rel=0.05)


def test_a_mirrored_digit_leans_the_other_way():
    digits = ProceduralDigits()
    labels = torch.arange(10)
    factors = torch.tensor([[0.3, 0.0, 0.3, 1.0, 0.0, 0.0]]).repeat(10, 1)
    x = digits.images(labels, factors)
    leaning, mirrored = slant(x), slant(x.flip(-1))
    assert (leaning > 0.15).all() and torch.allclose(mirrored, -leaning, atol=1e-5)
    assert torch.allclose(ink(x.flip(-1)), ink(x), atol=1e-5)  # thickness does not care about direction


def test_a_blank_image_measures_zero_not_nan():
    blank = torch.zeros(2, 1, 28, 28)
    assert slant(blank).tolist() == [0.0, 0.0] and ink(blank).tolist() == [0.0, 0.0]
    assert slant(torch.zeros(1, 28, 28)).item() == 0.0  # (N, H, W) is accepted too


def test_bad_images_get_one_sentence():
    with pytest.raises(ValueError, match="must be"):
        slant(torch.zeros(28, 28))
    with pytest.raises(ValueError, match="non-negative"):
        ink(-torch.ones(1, 1, 28, 28))


@pytest.mark.parametrize("font", range(len(FONTS)))
def test_slant_and_ink_follow_the_factor_they_measure(font):
    """One factor swept, every other one fixed: slant follows `slant`, ink follows `width`, for every digit."""
    digits = ProceduralDigits()
    steps = 15
    for digit in range(10):
        labels, fonts = torch.full((steps,), digit), torch.full((steps,), font)
        for name, measure, floor in (("slant", slant, 0.95), ("width", ink, 0.9)):
            factors = sweep(name, steps)
            rho = spearmanr(factors[:, FACTOR_NAMES.index(name)], measure(digits.images(labels, factors, fonts)))[0]
            assert not math.isnan(rho) and rho >= floor, (FONTS[font], digit, name, rho)
