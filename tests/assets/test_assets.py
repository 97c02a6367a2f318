"""The shipped checkpoints: integrity, cards, and what their traversals show."""

import pytest
import torch

from disentangle_core.checkpoints import ASSETS_DIR, available_assets, load_card, load_pretrained
from disentangle_core.data import ProceduralDSprites
from disentangle_core.presets import PRESETS
from disentangle_core.traversal import traverse

pytestmark = pytest.mark.slow
ISSUE_ASSETS = ["autoencoder_dsprites", "vae_dsprites", "beta_vae_dsprites", "capacity_vae_dsprites"]


@pytest.mark.parametrize("name", sorted(set(ISSUE_ASSETS) | set(available_assets())))
def test_asset_is_shipped_small_and_documented(name):
    assert name in available_assets()
    assert (ASSETS_DIR / f"{name}.safetensors").stat().st_size < 10 * 2**20  # a Space takes larger files only via LFS
    card = load_card(name)
    for key in (
        "model",
        "config",
        "preset",
        "dataset",
        "steps",
        "seed",
        "wall_time_s",
        "hardware",
        "version",
        "metrics",
    ):
        assert key in card, key
    assert card["preset"] == name and card["asset"] == name
    recipe = PRESETS[name]  # the card records the recipe the preset holds now
    assert (card["steps"], card["seed"], card["batch_size"]) == (recipe.steps, recipe.seed, recipe.batch_size)
    assert {k: card["config"][k] for k in recipe.config} == recipe.config
    assert name in (ASSETS_DIR / "README.md").read_text()


def _sweep_statistics(images):
    """(steps, 1, 64, 64) -> how far the sprite's centroid moves in x and y, and how much its area changes."""
    mass = images[:, 0]  # (steps, 64, 64)
    area = mass.sum((1, 2)).clamp_min(1e-6)
    grid = torch.arange(64.0)
    cx = (mass.sum(1) * grid).sum(1) / area
    cy = (mass.sum(2) * grid).sum(1) / area
    return (cx.max() - cx.min()).item(), (cy.max() - cy.min()).item(), (area.max() / area.min()).item()


def _rows_by_role(model, x, index):
    """Which traversal rows around ``x[index]`` move the sprite in x, in y, or change its size."""
    tr = traverse(model, x, steps=10, index=index)
    stats = [_sweep_statistics(tr.images[r]) for r in range(len(tr.dims))]
    moves_x = [r for r, (dx, dy, _) in enumerate(stats) if dx > 12 and dx > 2 * dy]
    moves_y = [r for r, (dx, dy, _) in enumerate(stats) if dy > 12 and dy > 2 * dx]
    scales = [r for r, (_, _, ratio) in enumerate(stats) if ratio > 1.6 and r not in moves_x + moves_y]
    return moves_x, moves_y, scales, stats


# beta_vae_seed1_dsprites is left out on purpose: the same recipe with another seed settles in a tilted
# basis of position (notebook 02 shows the two side by side).
@pytest.mark.parametrize(
    "name", ["beta_vae_dsprites", "beta_vae_b2_dsprites", "beta_vae_b16_dsprites", "capacity_vae_g30_dsprites"]
)
def test_traversal_has_an_x_row_a_y_row_and_a_size_row(name):
    # the three starting images of `python -m disentangle_core traverse NAME --out t.gif`
    model, _ = load_pretrained(name)
    x = ProceduralDSprites().sample(512, torch.Generator().manual_seed(0))["x"]
    for index in range(3):
        moves_x, moves_y, scales, stats = _rows_by_role(model, x, index)
        assert moves_x and moves_y and scales, (index, stats)


def test_more_beta_means_fewer_nats():
    kl = {name: load_card(name)["metrics"]["kl"] for name in ("vae_dsprites", "beta_vae_dsprites")}
    assert kl["beta_vae_dsprites"] < kl["vae_dsprites"]


def test_capacity_at_the_papers_gamma_carries_no_information_at_the_cpu_budget():
    """γ = 1000 meets C(t) with one posterior for every image; γ = 30 spends the same nats on the factors."""
    x = ProceduralDSprites().sample(512, torch.Generator().manual_seed(0))["x"]
    spread = {}
    for name in ("capacity_vae_dsprites", "capacity_vae_g30_dsprites"):
        model, card = load_pretrained(name)
        assert abs(card["metrics"]["kl"] - card["config"]["capacity_max"]) < 2.0  # both reach C_max
        with torch.no_grad():
            spread[name] = model(x)["mu"].std(0).max().item()  # how far the code moves between images
    assert spread["capacity_vae_dsprites"] < 0.01 and spread["capacity_vae_g30_dsprites"] > 0.5
