"""The About tab: the card of every checkpoint, and the families' models, papers, notebooks and assets."""

from __future__ import annotations

import pytest

from app_helpers import app_torch_threads, tiny_assets_dir  # noqa: F401  (autouse)
from disentangle_core.app import about_tab
from disentangle_core.app.common import ModelCache
from disentangle_core.families import FAMILIES


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


def test_the_family_table_is_derived_from_the_families(cache):
    rows = about_tab.family_table(cache)
    assert [row[0] for row in rows] == [family.title for family in FAMILIES.values()]
    by_title = {row[0]: row for row in rows}
    dsprites = by_title[FAMILIES["dsprites"].title]
    assert dsprites[1] == ", ".join(FAMILIES["dsprites"].models) and "vae_dsprites" in dsprites[4]
    assert by_title[FAMILIES["digits"].title][1] == "infogan, joint_vae"
    assert "masked_content_ae" in by_title[FAMILIES["faces"].title][1]
    assert all(row[4] == "–" for row in rows[1:])  # the tiny folder ships dSprites models only


def test_every_model_of_every_family_is_described_in_both_languages():
    models = [model for family in FAMILIES.values() for model in family.models]
    assert {"infogan", "joint_vae", "masked_content_ae"} <= set(models)
    for lang in ("en", "ja"):
        for name, model in [(name, model) for name, family in FAMILIES.items() for model in family.models]:
            assert about_tab.TEXT[lang][f"about.model.{model}"].startswith("- **")
            assert about_tab.TEXT[lang][f"about.family.{name}"]


def test_the_about_tab_lists_every_familys_models(tmp_path_factory):
    import gradio as gr

    with gr.Blocks() as demo:
        about_tab.build(demo, ModelCache(tiny_assets_dir(tmp_path_factory)))
    config = str(demo.get_config_file())
    for family in FAMILIES.values():
        for model in family.models:
            assert f"about.model.{model}" in config
