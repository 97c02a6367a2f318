"""The results tables of the docs, written from the shipped cards so that a number lives in one place.

Each table sits in a Markdown file between ``<!-- NAME:begin -->`` and ``<!-- NAME:end -->``; the prose
around it is written by hand and refers to it. ``python -m disentangle_core.results_tables`` rewrites every
table after an asset is published (``checkpoints.write_assets_readme`` writes the asset table of
``assets/README.md``); ``tests/assets/test_results_tables.py`` checks that the committed files match.

The GZSL seeds table also reads ``docs/results/gzsl_seeds.json``: the rows of
``benchmarks/gzsl_table.py`` that are no shipped asset (seeds 1 and 2, the ablations) and each preset's
mean ± std over seeds, as that benchmark printed them (computed from unrounded values).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from .checkpoints import ASSETS_DIR, available_assets, load_card
from .families import FAMILIES

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
GZSL_SEEDS = DOCS / "results" / "gzsl_seeds.json"


def _cards(models: tuple[str, ...], datasets: tuple[str, ...]) -> dict[str, dict]:
    """The cards of the shipped assets of these models trained on these datasets, by asset name."""
    cards = {name: load_card(name, ASSETS_DIR) for name in available_assets(ASSETS_DIR)}
    return {name: card for name, card in cards.items() if card["model"] in models and card.get("dataset") in datasets}


def _value(metrics: dict, key: str) -> str:
    return str(metrics[key]) if key in metrics else "-"


def _pct(fraction: float, places: str = "0.1") -> str:
    """A card's fraction (three decimals) as a percentage, halves rounded up as the docs always did."""
    return f"{(Decimal(str(fraction)) * 100).quantize(Decimal(places), ROUND_HALF_UP)}%"


def _by_step(name: str, lines) -> list[str]:
    """Asset ``name``'s ``by_step`` measurements as a table: a column per step, a row per (label, cell) of
    ``lines``, ``cell`` formatting one step's measurements."""
    steps = load_card(name, ASSETS_DIR)["by_step"]
    return ["| step | " + " | ".join(f"{s['step']:,}" for s in steps) + " |", "|---|" + "---|" * len(steps)] + [
        f"| {label} | " + " | ".join(cell(s) for s in steps) + " |" for label, cell in lines
    ]


# ---- dSprites ------------------------------------------------------------------------------------

DSPRITES_COLUMNS = FAMILIES["dsprites"].evaluations["dsprites"].headline


def dsprites_table() -> list[str]:
    rows = [
        "| asset | what | steps | " + " | ".join(DSPRITES_COLUMNS) + " |",
        "|---|---|---|" + "---|" * len(DSPRITES_COLUMNS),
    ]
    for name, card in _cards(("autoencoder", "beta_vae", "beta_tcvae", "factor_vae"), ("dsprites",)).items():
        values = " | ".join(_value(card["metrics"], key) for key in DSPRITES_COLUMNS)
        rows.append(f"| `{name}` | {card['summary']} | {card['steps']:,} | {values} |")
    return rows


# ---- digits --------------------------------------------------------------------------------------


def digits_table() -> list[str]:
    header = "| asset | steps | seed | categorical accuracy | slant \\|ρ\\| (code) | ink \\|ρ\\| (code) |"
    rows = [header + " recon (nats) | KL (nats) |", "|---|---|---|---|---|---|---|---|"]
    for name, card in _cards(("infogan", "joint_vae"), ("mnist", "digits")).items():
        m = card["metrics"]
        rows.append(
            f"| `{name}` | {card['steps']:,} | {card['seed']} | {_pct(m['categorical_accuracy'])} | "
            f"{m['slant_spearman']} ({m['slant_code']}) | {m['ink_spearman']} ({m['ink_code']}) | "
            f"{_value(m, 'recon_nll')} | {_value(m, 'kl')} |"
        )
    return rows


def digits_seeds_table() -> list[str]:
    """The seeds trained side by side for ``infogan_mnist`` (its card's ``seeds``); the best one ships."""
    rows = [
        "| seed | shipped | categorical accuracy | slant \\|ρ\\| (code) | ink \\|ρ\\| (code) |",
        "|---|---|---|---|---|",
    ]
    for run in load_card("infogan_mnist", ASSETS_DIR)["seeds"]:
        rows.append(
            f"| {run['seed']} | {'yes' if run['published'] else ''} | {_pct(run['categorical_accuracy'])} | "
            f"{run['slant_spearman']} ({run['slant_code']}) | {run['ink_spearman']} ({run['ink_code']}) |"
        )
    return rows


def digits_by_step_table(name: str) -> list[str]:
    """Categorical accuracy at the run's intermediate checkpoints (``by_step``): on the held-out digits, or on
    the first training digits where the step was chosen on them (``by_step_split: train``)."""
    where = " (training digits)" if load_card(name, ASSETS_DIR).get("by_step_split") == "train" else ""
    return _by_step(name, ((f"categorical accuracy{where}", lambda s: _pct(s["categorical_accuracy"])),))


def digits_variants_table(name: str) -> list[str]:
    """The other settings tried for ``name`` (its card's ``variants``), beside the shipped recipe after as many
    images (the same step unless the variant changed the batch size)."""
    card = load_card(name, ASSETS_DIR)
    curve = {row["step"]: row["categorical_accuracy"] for row in card.get("by_step", [])}
    where = " (training digits)" if card.get("variants_split") == "train" else ""
    rows = [
        f"| changed | steps | categorical accuracy{where} | slant \\|ρ\\| | ink \\|ρ\\| | "
        "the shipped recipe after as many images |",
        "|---|---|---|---|---|---|",
    ]
    for row in card.get("variants", []):
        changed = ", ".join(f"`{key}={value}`" for key, value in row["changes"].items())
        images = row["step"] * row["changes"].get("batch_size", card["batch_size"])
        recipe_step = images // card["batch_size"]
        recipe = f"{_pct(curve[recipe_step])} ({recipe_step:,} steps)" if recipe_step in curve else ""
        rows.append(
            f"| {changed} | {row['step']:,} | {_pct(row['categorical_accuracy'])} | {row['slant_spearman']:.2f} | "
            f"{row['ink_spearman']:.2f} | {recipe} |"
        )
    return rows


# ---- faces (content addition) --------------------------------------------------------------------

CONTENT_TARGET = "| target | | ≥ 28 dB | (baseline) | ≥ 30 dB | | ≥ 95% / ≥ 95% | ≈ 50% |"


def content_table() -> list[str]:
    header = (
        "| asset | steps | transfer PSNR / SSIM | face a unchanged | identity PSNR | removal PSNR | "
        "success: transfer / removal | leakage |"
    )
    rows = [header, "|---|---|---|---|---|---|---|---|", CONTENT_TARGET]
    for name, card in _cards(("content_ae", "masked_content_ae"), ("faces",)).items():
        m = card["metrics"]
        rows.append(
            f"| `{name}` | {card['steps']:,} | {m['transfer_psnr']:.1f} dB / {m['transfer_ssim']:.3f} | "
            f"{card['unchanged_psnr']:.1f} dB | {m['identity_psnr']:.1f} dB | {m['removal_psnr']:.1f} dB | "
            f"{_pct(m['success_transfer'])} / {_pct(m['success_removal'])} | {_pct(m['leakage'])} |"
        )
    return rows


def content_by_step_table(name: str) -> list[str]:
    """The held-out measurements of a content model at its intermediate checkpoints (``by_step``)."""
    lines = (
        ("transfer PSNR", lambda s: f"{s['transfer_psnr']:.1f}"),
        ("success: transfer", lambda s: _pct(s["success_transfer"], "1")),
        ("success: removal", lambda s: _pct(s["success_removal"], "1")),
        ("identity PSNR", lambda s: f"{s['identity_psnr']:.1f}"),
        ("leakage", lambda s: _pct(s["leakage"], "1")),
    )
    return _by_step(name, lines)


def photo_table() -> list[str]:
    """The photo models (CelebA), measured once on the test partition by the attribute classifier."""
    rows = [
        "| asset | model | steps | classifier accuracy | success: transfer / removal | kept PSNR | recon PSNR | "
        "leakage |",
        "|---|---|---|---|---|---|---|---|",
        "| target: glasses | | | ≥ 95% | ≥ 90% / ≥ 90% | within 1 dB of recon | | ≈ 50% |",
        "| target: beards | | | ≥ 90% | ≥ 80% / ≥ 80% | within 1 dB of recon | | ≈ 50% |",
    ]
    for name, card in _cards(("content_ae", "masked_content_ae"), ("celeba",)).items():
        m = card["metrics"]
        rows.append(
            f"| `{name}` | {card['model']} | {card['steps']:,} | {_pct(m['classifier_accuracy'])} | "
            f"{_pct(m['success_transfer'])} / {_pct(m['success_removal'])} | {m['kept_psnr']:.1f} dB | "
            f"{m['recon_psnr']:.1f} dB | {_pct(m['leakage'])} |"
        )
    return rows


def photo_by_step_table(name: str) -> list[str]:
    """A photo model at its intermediate checkpoints (``by_step``), on the split the step was chosen on (val)."""
    lines = (
        ("success: transfer", lambda s: _pct(s["success_transfer"], "1")),
        ("success: removal", lambda s: _pct(s["success_removal"], "1")),
        ("kept PSNR", lambda s: f"{s['kept_psnr']:.1f}"),
        ("recon PSNR", lambda s: f"{s['recon_psnr']:.1f}"),
        ("leakage", lambda s: _pct(s["leakage"], "1")),
    )
    return _by_step(name, lines)


def photo_seeds_table() -> list[str]:
    """Every seed of the masked photo models (their cards' ``seeds``), measured on test like the shipped one."""
    rows = [
        "| asset | seed | shipped | success: transfer / removal | kept PSNR | recon PSNR | leakage |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, card in _cards(("masked_content_ae",), ("celeba",)).items():
        for run in card.get("seeds", []):
            rows.append(
                f"| `{name}` | {run['seed']} | {'yes' if run['published'] else ''} | "
                f"{_pct(run['success_transfer'])} / {_pct(run['success_removal'])} | {run['kept_psnr']:.1f} dB | "
                f"{run['recon_psnr']:.1f} dB | {_pct(run['leakage'])} |"
            )
    return rows


def photo_contrast_table() -> list[str]:
    """Transfer success of each photo model for each quarter of the test donors, from the lightest attribute rows
    against the face to the darkest (its card's ``success_by_contrast``), beside the classifier's reading of those
    donors themselves (``donors_found_by_contrast``)."""
    rows = [
        "| asset | lightest quarter | second | third | darkest quarter |",
        "|---|---|---|---|---|",
    ]
    for name, card in _cards(("content_ae", "masked_content_ae"), ("celeba",)).items():
        if "success_by_contrast" in card:
            cells = zip(card["success_by_contrast"], card["donors_found_by_contrast"])
            rows.append(f"| `{name}` | " + " | ".join(f"{_pct(s, '1')} ({_pct(d, '1')})" for s, d in cells) + " |")
    return rows


# ---- GZSL ----------------------------------------------------------------------------------------

GZSL_HEADER = [
    (
        "| preset | seed | U | S | H | best H over epochs (test: optimistic) | H calibrated | seen->unseen % | "
        "probe z^t / z | probe z^p |"
    ),
    "|---|---|---|---|---|---|---|---|---|---|",
]


def _gzsl_seed_row(run: dict) -> str:
    probe_p = f"{run['probe_p']:.1f}" if "probe_p" in run else "-"
    return (
        f"| `{run['preset']}` | {run['seed']} | {run['u']:.1f} | {run['s']:.1f} | {run['h']:.1f} | "
        f"{run['best_h']:.1f} (epoch {run['best_epoch']}) | {run['h_calibrated']:.1f} | {run['seen_to_unseen']:.1f} | "
        f"{run['probe']:.1f} | {probe_p} |"
    )


def _card_run(name: str, epochs: int) -> dict:
    """Seed 0 of a shipped GZSL preset, from its card (the benchmark's seed-0 run is the asset)."""
    card = load_card(name, ASSETS_DIR)
    m = card["metrics"]
    run = {
        "preset": name,
        "seed": card["seed"],
        **m,
        "best_h": m["h"],
        "best_epoch": epochs,
        "probe": m.get("probe_t", m.get("probe_z")),
    }
    return run


def gzsl_table(seeds_file: Path = GZSL_SEEDS) -> list[str]:
    record = json.loads(Path(seeds_file).read_text())
    shipped = set(available_assets(ASSETS_DIR))
    rows = list(GZSL_HEADER)
    for preset, summary in record["presets"].items():
        runs = [run for run in record["runs"] if run["preset"] == preset]
        if preset in shipped:
            runs = [_card_run(preset, summary["epochs"])] + runs
        rows += [_gzsl_seed_row(run) for run in sorted(runs, key=lambda r: r["seed"])]
        ms = summary["mean_std"]
        rows.append(
            f"| **`{preset}`** | mean ± std | {ms['u']} | {ms['s']} | **{ms['h']}** | {ms['best_h']} | "
            f"{ms['h_calibrated']} | {ms['seen_to_unseen']} | {ms['probe']} | {ms.get('probe_p', '-')} |"
        )
    card = load_card("dvae_gzsl", ASSETS_DIR)
    rows.append(
        f"| attribute-compatibility baseline | - | {card['baseline_u']:.1f} | {card['baseline_s']:.1f} | "
        f"{card['baseline_h']:.1f} | | | | | |"
    )
    return rows


# ---- where each table goes -----------------------------------------------------------------------

TABLES: dict[str, dict[str, Callable[[], list[str]]]] = {
    "docs/results/dsprites.md": {"dsprites-table": dsprites_table},
    "docs/results/digits.md": {
        "digits-table": digits_table,
        "infogan-seeds": digits_seeds_table,
        "infogan-by-step": lambda: digits_by_step_table("infogan_mnist"),
        "joint-vae-by-step": lambda: digits_by_step_table("joint_vae_mnist"),
        "infogan-variants": lambda: digits_variants_table("infogan_mnist"),
        "joint-vae-variants": lambda: digits_variants_table("joint_vae_mnist"),
    },
    "docs/results/faces.md": {
        "content-table": content_table,
        "mask-glasses-by-step": lambda: content_by_step_table("content_ae_mask_glasses"),
        "mask-beard-by-step": lambda: content_by_step_table("content_ae_mask_beard"),
        "photo-table": photo_table,
        "photo-seeds": photo_seeds_table,
        "photo-contrast": photo_contrast_table,
        "photo-glasses-by-step": lambda: photo_by_step_table("content_ae_mask_celeba_glasses"),
        "photo-beard-by-step": lambda: photo_by_step_table("content_ae_mask_celeba_beard"),
    },
    "docs/results/gzsl.md": {"gzsl-table": gzsl_table},
    "notebooks/05_gzsl.ipynb": {"gzsl-table": gzsl_table},
}


def fill(text: str, tables: dict[str, Callable[[], list[str]]]) -> str:
    """``text`` with every table of ``tables`` written between its markers."""
    for marker, table in tables.items():
        begin, end = f"<!-- {marker}:begin -->", f"<!-- {marker}:end -->"
        if begin not in text or end not in text:
            raise ValueError(f"the markers {begin} ... {end} are missing from the file that should hold the table")
        head, rest = text.split(begin, 1)
        text = head + begin + "\n" + "\n".join(table()) + "\n" + end + rest.split(end, 1)[1]
    return text


def fill_notebook(text: str, tables: dict[str, Callable[[], list[str]]]) -> str:
    """A notebook's JSON with its tables written into the markdown cells that hold their markers."""
    notebook = json.loads(text)
    for marker, table in tables.items():
        cells = [c for c in notebook["cells"] if c["cell_type"] == "markdown" and marker in "".join(c["source"])]
        if not cells:
            raise ValueError(f"no markdown cell holds the markers of the table {marker!r}")
        for cell in cells:
            lines = fill("".join(cell["source"]), {marker: table}).split("\n")
            cell["source"] = [line + "\n" for line in lines[:-1]] + [lines[-1]]
    return json.dumps(notebook, indent=1, ensure_ascii=False) + "\n"  # the notebooks' own layout


def expected(root: Path = ROOT) -> dict[Path, str]:
    """Each file that holds tables, as the cards say it should read."""
    return {
        root / path: (fill_notebook if path.endswith(".ipynb") else fill)((root / path).read_text(), tables)
        for path, tables in TABLES.items()
    }


def write_tables(root: Path = ROOT) -> None:
    for path, text in expected(root).items():
        path.write_text(text)


if __name__ == "__main__":
    write_tables()
