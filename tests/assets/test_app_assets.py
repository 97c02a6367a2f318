"""The app over the shipped checkpoints in ``assets/`` (slow: real weights; skipped where they are absent)."""

from __future__ import annotations

import pytest
from PIL import Image

from app_helpers import APP_MODELS, app_torch_threads  # noqa: F401  (autouse)
from disentangle_core.app import dsprites_beta_tab, dsprites_tab
from disentangle_core.app.common import ModelCache
from disentangle_core.app.dsprites_views import DSpritesViews
from disentangle_core.checkpoints import ASSETS_DIR, available_assets

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not set(APP_MODELS) <= set(available_assets(ASSETS_DIR)), reason="the app's checkpoints are not in assets/"
    ),
]


@pytest.fixture(scope="module")
def views():
    return DSpritesViews(ModelCache(ASSETS_DIR))


@pytest.mark.parametrize("name", APP_MODELS)
def test_every_shipped_model_traverses(views, name):
    outputs = dsprites_tab.from_index(views, name, 123_456)
    sliders = [u for u in outputs[5:] if u.get("visible")]
    assert sliders and Image.open(outputs[4]).height > 640
    values = [u["value"] for u in sliders]
    low = dsprites_tab.preview(views, name, outputs[1], sliders[0]["minimum"], *values[1:])
    high = dsprites_tab.preview(views, name, outputs[1], sliders[0]["maximum"], *values[1:])
    assert Image.open(low).tobytes() != Image.open(high).tobytes()  # the most active latent changes the image


def test_the_beta_vae_uses_fewer_latents_than_the_vae(views):
    vae, beta_vae = views.get("vae_dsprites"), views.get("beta_vae_dsprites")
    assert len(beta_vae.active) <= len(vae.active)
    outputs = dsprites_beta_tab.compare(views, 123_456, 2.0)
    assert "β = 4" in outputs[6] and outputs[10]["value"]  # the cards carry scores
    assert "`beta_vae_dsprites`" in outputs[6]  # the sweep's model, not a seed variant of the same β
