"""The metric figures: right ticks and bars, latents named by the factor they capture, no pyplot."""

import numpy as np
import pytest
import torch
from matplotlib.colors import to_rgba
from matplotlib.figure import Figure

from disentangle_core.plotting import kl_bar_chart, matched_factor_names, mi_heatmap, traversal_labels
from disentangle_core.traversal import Traversal

FACTORS = ("shape", "scale", "orientation", "posX", "posY")
MI = np.array(
    [
        [0.0, 0.0, 0.0, 0.0, 2.0],  # z0 captures posY
        [0.0, 0.05, 0.0, 0.0, 0.0],  # z1 captures nothing above the threshold
        [0.0, 0.0, 0.0, 1.9, 0.1],
    ]
)  # z2 captures posX


def test_matched_factor_names_feed_the_traversal_labels():
    names = matched_factor_names(MI, FACTORS, threshold=0.2)
    assert names == {0: "posY", 2: "posX"}
    traversal = Traversal(torch.zeros(3, 2, 1, 4, 4), [2, 1, 0], torch.tensor([1.0, 0.0, 2.0]), torch.zeros(3, 2))
    assert traversal_labels(traversal, names) == ["z2 ~ posX\nKL 2.00", "z1\nKL 0.00", "z0 ~ posY\nKL 1.00"]
    # a switched-off latent keeps no name, whatever its (noisy) MI
    off = Traversal(torch.zeros(3, 2, 1, 4, 4), [2, 1, 0], torch.tensor([0.01, 0.0, 2.0]), torch.zeros(3, 2))
    assert traversal_labels(off, names)[2] == "z0\nKL 0.01"
    assert matched_factor_names(MI, FACTORS, 0.2, active=[False, True, True]) == {2: "posX"}
    assert [t.get_text() for t in mi_heatmap(MI, FACTORS, active=[False, True, True]).axes[0].get_yticklabels()] == [
        "z0 (off)",
        "z1",
        "z2 ~ posX",
    ]
    with pytest.raises(ValueError, match="MI matrix"):
        matched_factor_names(MI[:, :4], FACTORS)


def test_mi_heatmap_labels_every_latent_and_factor():
    fig = mi_heatmap(MI, FACTORS)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == list(FACTORS)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["z0 ~ posY", "z1", "z2 ~ posX"]
    assert len(ax.texts) == MI.size  # every cell written out


def test_kl_bar_chart_has_one_bar_per_latent():
    fig = kl_bar_chart(torch.tensor([2.0, 0.01, 0.5, 0.0]))
    ax = fig.axes[0]
    assert len(ax.patches) == 4
    assert [t.get_text() for t in ax.get_xticklabels()] == ["z0", "z1", "z2", "z3"]
    assert [p.get_height() for p in ax.patches] == pytest.approx([2.0, 0.01, 0.5, 0.0])


def test_one_rule_for_active_at_the_boundary():
    """A latent is active when its KL is above ACTIVE_KL: cards, labels and bars agree at the boundary."""
    from disentangle_core.activity import ACTIVE_KL, is_active

    kl = torch.tensor([ACTIVE_KL, ACTIVE_KL + 1e-6, 0.0, 2.0])
    assert is_active(kl).tolist() == [False, True, False, True]
    assert is_active([ACTIVE_KL, 1.0]).tolist() == [False, True] and not bool(is_active(ACTIVE_KL))
    traversal = Traversal(
        torch.zeros(2, 2, 1, 4, 4), [0, 1], torch.tensor([ACTIVE_KL, ACTIVE_KL + 1e-6]), torch.zeros(2, 2)
    )
    assert [label.split("\n")[0] for label in traversal_labels(traversal, {0: "posX", 1: "posY"})] == [
        "z0",
        "z1 ~ posY",
    ]
    bars = kl_bar_chart(kl).axes[0].patches
    blue, grey = to_rgba("tab:blue"), to_rgba("tab:gray")
    assert [bar.get_facecolor() for bar in bars] == [grey, blue, grey, blue]
