"""The whole app: its tabs come from the families, every text is translated, files are shared safely."""

from __future__ import annotations

import re

import pytest
from PIL import Image

from app_helpers import app_torch_threads, tiny_assets_dir  # noqa: F401  (autouse)
from disentangle_core.app import about_tab, dsprites_beta_tab, dsprites_tab, train_tab
from disentangle_core.app.ui import APP_TEXT, translations
from disentangle_core.families import FAMILIES


def test_every_text_has_english_and_japanese():
    texts = [APP_TEXT, dsprites_tab.TEXT, dsprites_beta_tab.TEXT, train_tab.TEXT, about_tab.TEXT]
    i18n = translations(texts)
    english, japanese = i18n.translations_dict["en"], i18n.translations_dict["ja"]
    assert english.keys() == japanese.keys() and len(english) > 40
    japanese_script = re.compile(r"[\u3000-\u30ff\u4e00-\u9fff\uff00-\uffef]")
    assert all(japanese_script.search(japanese[k]) for k in japanese if k != "train.beta")
    with pytest.raises(ValueError, match="both English and Japanese"):
        translations([{"en": {"x": "x"}, "ja": {}}])


def test_every_key_used_in_the_app_is_translated(tmp_path_factory):
    import demo_app

    demo = demo_app.build_demo(tiny_assets_dir(tmp_path_factory))
    used = set(
        re.findall(
            r'__i18n__\{\\?"__type__\\?": \\?"translation_metadata\\?", \\?"key\\?": \\?"([^"\\]+)',
            str(demo.get_config_file()),
        )
    )
    assert len(used) > 30
    assert used <= set(demo_app.I18N.translations_dict["en"])


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


def test_the_tabs_are_the_families_then_training_and_about():
    from disentangle_core.app.demo import TABS

    declared = [tab for family in FAMILIES.values() for tab in family.tabs]
    assert [tab.__name__.rsplit(".", 1)[1] for tab in TABS] == [*declared, "train_tab", "about_tab"]
    assert all(hasattr(tab, "TEXT") and callable(tab.build) for tab in TABS)


def test_every_family_has_a_tab_and_a_views_module():
    from pathlib import Path

    import disentangle_core.app as app

    folder = Path(app.__file__).parent
    for name in FAMILIES:
        assert (folder / f"{name}_tab.py").exists() and (folder / f"{name}_views.py").exists()
