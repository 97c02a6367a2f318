"""The About tab: the card of every checkpoint, and the families' models, papers, notebooks and assets."""

from __future__ import annotations

import pytest
from app_helpers import app_torch_threads, tiny_assets_dir  # noqa: F401  (autouse)

from disentangle_core.app import about_tab
from disentangle_core.app.common import ModelCache


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return ModelCache(tiny_assets_dir(tmp_path_factory))


def test_about_card_lists_recipe_and_metrics(cache):
    rows = dict(about_tab.card_table(cache, "capacity_vae_dsprites"))
    assert rows["model"] == "beta_vae" and rows["config.objective"] == "capacity"
    assert rows["steps"] == "30" and rows["metrics.recon_nll"] == "1.0"


def test_an_unknown_checkpoint_gets_one_sentence(cache):
    with pytest.raises(ValueError, match="unknown checkpoint 'nope'"):
        about_tab.card_table(cache, "nope")
