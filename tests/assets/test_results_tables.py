"""The docs' results tables are what the cards say: a number lives in one place, and cannot drift."""

import json

import pytest

from disentangle_core import results_tables
from disentangle_core.checkpoints import (
    ASSETS_DIR,
    MANIFEST,
    available_assets,
    load_card,
    read_manifest,
    write_assets_readme,
)


@pytest.mark.parametrize("path", sorted(results_tables.TABLES))
def test_committed_tables_are_what_the_cards_write(path):
    committed = results_tables.ROOT / path
    assert committed.read_text() == results_tables.expected()[committed], (
        f"{path} is out of date; run python -m disentangle_core.results_tables"
    )


def test_asset_table_is_what_the_cards_write(tmp_path):
    assets = tmp_path / "assets"
    assets.mkdir()
    for entry in read_manifest().values():
        (assets / entry["file"]).symlink_to(ASSETS_DIR / entry["file"])
    (assets / MANIFEST).symlink_to(ASSETS_DIR / MANIFEST)
    (assets / "README.md").write_text((ASSETS_DIR / "README.md").read_text())
    write_assets_readme(assets)
    assert (assets / "README.md").read_text() == (ASSETS_DIR / "README.md").read_text(), (
        "assets/README.md is out of date; run checkpoints.write_assets_readme()"
    )


def test_every_shipped_asset_has_a_results_table_row():
    pages = "".join((results_tables.ROOT / path).read_text() for path in results_tables.TABLES)
    rows = [name for name in available_assets() if f"| `{name}` |" in pages]
    assert rows == available_assets()


def test_gzsl_record_leaves_the_shipped_seeds_to_their_cards():
    """Seed 0 of a shipped GZSL preset is read from its card, never from the benchmark's record as well."""
    record = json.loads(results_tables.GZSL_SEEDS.read_text())
    shipped = {name for name in available_assets() if load_card(name)["dataset"] == "gzsl"}
    assert shipped and shipped <= set(record["presets"])
    assert not [
        run for run in record["runs"] if run["preset"] in shipped and run["seed"] == load_card(run["preset"])["seed"]
    ]


def test_a_missing_marker_is_one_sentence():
    with pytest.raises(ValueError, match="markers <!-- digits-table:begin -->"):
        results_tables.fill("no table here", {"digits-table": results_tables.digits_table})


def test_a_variant_with_another_batch_size_is_compared_after_as_many_images(monkeypatch):
    """A variant trained on batches of 128 for 5,000 steps sits beside the recipe's 10,000 steps of 64."""
    row = {"slant_spearman": 0.9, "ink_spearman": 0.5}
    card = {
        "batch_size": 64,
        "variants_split": "train",
        "by_step": [{"step": 5_000, "categorical_accuracy": 0.7}, {"step": 10_000, "categorical_accuracy": 0.8}],
        "variants": [
            {"step": 5_000, "changes": {"batch_size": 128}, "categorical_accuracy": 0.9, **row},
            {"step": 5_000, "changes": {"seed": 1}, "categorical_accuracy": 0.6, **row},
        ],
    }
    monkeypatch.setattr(results_tables, "load_card", lambda name, folder: card)
    rows = results_tables.digits_variants_table("any")
    assert rows[2].endswith("| 80.0% (10,000 steps) |") and rows[3].endswith("| 70.0% (5,000 steps) |")
