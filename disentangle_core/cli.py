"""``python -m disentangle_core``: list, inspect, train, publish, traverse, transfer and evaluate models.

This module parses arguments and prints; the work is done by library functions (``workflows``), which
notebooks and ``benchmarks/`` call too. Every failure the user can cause ends in one line on stderr and
exit status 2.
"""

from __future__ import annotations

import argparse
import json
import sys

from .checkpoints import ASSETS_DIR, available_assets, load_card
from .evaluation.counts import COUNTS
from .families import EVALUATIONS, evaluation_for, family_of
from .models import MODELS, NonFiniteLossError
from .presets import PRESETS, get_preset
from .train import PRECISIONS, resolve_device
from .workflows import (
    RECIPE_KEYS,
    data_options_of,
    donor_codes_figure,
    evaluate,
    load,
    photo_transfer_figure,
    publish_model,
    train_preset,
    transfer_figure,
    traversal_figure,
)
from .workflows.donors import donors_path, read_donor_codes, save_donor_codes


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _overrides(extra: list[str], preset_name: str) -> tuple[dict, dict, dict]:
    """Split ``--key=value`` words into model-config, recipe and dataset overrides, rejecting unknown keys."""
    preset = get_preset(preset_name)
    config_fields = set(MODELS[preset.model][1].__dataclass_fields__)
    data_fields = set(data_options_of(preset_name))
    config, recipe, data = {}, {}, {}
    for word in extra:
        if not word.startswith("--") or "=" not in word:
            raise ValueError(f"unexpected argument {word!r}; overrides are written --key=value")
        key, value = word[2:].split("=", 1)
        key = key.replace("-", "_")
        if key in RECIPE_KEYS:
            if not value.lstrip("-").isdigit():
                raise ValueError(f"--{key} must be an integer, got {value!r}")
            recipe[key] = int(value)
        elif key in config_fields:
            config[key] = _parse_value(value)
        elif key in data_fields:  # e.g. --split=val of the GZSL data
            data[key] = value
        else:
            choices = ", ".join(sorted(config_fields | set(RECIPE_KEYS) | data_fields))
            raise ValueError(f"unknown option --{key} for preset model {preset.model!r}; choose from: {choices}")
    return config, recipe, data


LIST_KEYS = ("asset", "model", "preset", "summary", "steps", "metrics")  # the card keys `list --json` prints


def cmd_list(args) -> None:
    names = available_assets()
    if args.json:  # one object per asset, its card's own keys; the full card is `info NAME --json`
        cards = [load_card(name) for name in names]
        listed = [{k: card[k] for k in LIST_KEYS if k in card} for card in cards]
        print(json.dumps(listed, indent=2, ensure_ascii=False))
        return
    if not names:
        print(f"no shipped assets in {ASSETS_DIR}")
        return
    print(f"{'asset':<26} {'model':<18} {'steps':>7}  metrics")
    for name in names:
        card = load_card(name)
        metrics = card.get("metrics", {})  # the numbers its family shows (Family.list_metrics), in that order
        shown = "  ".join(f"{k}={metrics[k]}" for k in family_of(card).list_metrics if k in metrics)
        print(f"{name:<26} {card['model']:<18} {card.get('steps', '?'):>7}  {shown}")


def cmd_info(args) -> None:
    card = load(args.name, "cpu")[1] if args.name.endswith(".safetensors") else load_card(args.name)
    if args.json:  # the whole card, training history included
        print(json.dumps(card, indent=2, ensure_ascii=False))
        return
    history = card.pop("history", [])
    print(json.dumps(card, indent=2, ensure_ascii=False))
    if history:
        print(f"(training history: {len(history)} logged points, last: {history[-1]})")


def cmd_train(args, extra: list[str]) -> None:
    config, recipe, data_options = _overrides(extra, args.preset)
    result = train_preset(
        args.preset,
        args.out,
        steps=args.steps,
        data_dir=args.data_dir,
        config=config,
        recipe=recipe,
        data_options=data_options,
        device=args.device,
        precision=args.precision,
        checkpoint_every=args.checkpoint_every,
        resume=args.resume,
    )
    print(f"trained {args.preset} for {result.step} steps in {result.wall_time_s:.0f} s -> {result.model_file}")


def cmd_publish(args) -> None:
    target, updates = publish_model(
        args.model_file,
        args.name,
        counts=args.counts,
        data_dir=args.data_dir,
        seeds=args.seeds,
        curve=args.curve,
        curve_split=args.curve_split,
        variants=args.variants,
        fp16=args.fp16,
    )
    print(f"published {args.name} -> {target} ({target.stat().st_size / 1e6:.2f} MB) {updates['metrics']}")


def cmd_traverse(args) -> None:
    print(traversal_figure(args.name, args.out, steps=args.steps, seed=args.seed))


def cmd_transfer(args) -> None:
    grid = {k: getattr(args, k) for k in ("faces", "donors", "seed") if getattr(args, k) is not None}
    if args.face is None and args.donor is None:  # the grid of held-out faces
        print(transfer_figure(args.name, args.out, amount=args.amount, data_dir=args.data_dir, **grid))
        return
    if args.face is None:
        raise ValueError("--donor needs --face too: give both photos (face a and donor b), or neither for the grid")
    if grid:
        flags = ", ".join(f"--{k}" for k in grid)
        raise ValueError(f"{flags} choose held-out faces for the grid and do not go with --face and --donor")
    if args.donor is None:  # face a wearing each shipped donor code
        print(donor_codes_figure(args.name, args.out, face=args.face, amount=args.amount))
        return
    print(photo_transfer_figure(args.name, args.out, face=args.face, donor=args.donor, amount=args.amount))


def cmd_donors(args) -> None:
    donors = read_donor_codes(args.name, args.data_dir, count=args.count)
    path = save_donor_codes(args.out or donors_path(donors["card"]["asset"]), donors)
    print(f"wrote {path}: {len(donors['files'])} donor codes ({donors['card']['chosen']})")


def cmd_evaluate(args) -> None:
    device = resolve_device(args.device)
    model, card = load(args.name, device)
    result = evaluate(
        model, card, counts=args.counts, seed=args.seed, data_dir=args.data_dir, device=device, split=args.split
    )
    print(json.dumps(result, indent=2) if args.json else evaluation_for(card).format(result))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m disentangle_core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="shipped assets with their headline numbers")
    p.add_argument("--json", action="store_true", help=f"print a JSON list of the cards' {', '.join(LIST_KEYS)}")
    p = sub.add_parser("info", help="the card of a shipped asset (or a .safetensors file)")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="print the whole card, history included, as JSON only")
    p = sub.add_parser(
        "train",
        help="train a preset; extra --key=value words override its config",
        epilog=f"presets: {', '.join(PRESETS)}",
    )
    p.add_argument("preset")
    p.add_argument("--out", required=True, help="folder for checkpoints and the final model.safetensors")
    p.add_argument("--steps", type=int, help="optimiser steps (default: the preset's)")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    p.add_argument("--data-dir", help="train on the dataset in this folder (an MNIST or xlsa17 folder, ...)")
    p.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda, ...")
    p.add_argument(
        "--precision",
        choices=PRECISIONS,
        default="auto",
        help="auto (default): bf16 autocast where the hardware computes bf16 natively (CUDA, or a CPU "
        "with AVX512-BF16, AMX or Arm BF16; channels-last on the CPU), else fp32",
    )
    p.add_argument("--checkpoint-every", type=int, default=500)
    p = sub.add_parser("publish", help="copy a trained model into assets/ with measured metrics")
    p.add_argument("model_file")
    p.add_argument("--name", required=True)
    p.add_argument("--counts", choices=list(COUNTS), default="standard", help="sample counts of the metrics")
    p.add_argument("--data-dir", help="measure on this dataset (file or folder) instead of the family's default")
    p.add_argument(
        "--seeds",
        nargs="+",
        default=[],
        metavar="MODEL_FILE",
        help="other seeds of the same preset: measured alike and listed in the card's seeds table",
    )
    p.add_argument(
        "--curve",
        nargs="+",
        default=[],
        metavar="STATE_FILE",
        help="the run's intermediate training "
        "states (last.safetensors copies): measured alike and listed in the card's by_step table",
    )
    p.add_argument(
        "--curve-split",
        help="measure the --curve states (and the published model, for the curve) on this split where the "
        "family offers one (CelebA: val, on which the step was chosen; digits: train, the first training digits)",
    )
    p.add_argument(
        "--variants",
        nargs="+",
        default=[],
        metavar="MODEL_FILE",
        help="the same model trained with other settings: measured as the --curve states are and listed in the "
        "card's variants table with what each one changed",
    )
    p.add_argument("--fp16", action="store_true", help="float16 weights: half the size, measured as rounded")
    p = sub.add_parser("traverse", help="latent traversal of an asset as a PNG grid or an animated GIF")
    p.add_argument("name", help="asset name or path to a .safetensors model")
    p.add_argument("--out", required=True, help="FILE.png or FILE.gif")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--seed", type=int, default=0, help="which random images to start from")
    p = sub.add_parser(
        "transfer",
        help="content transfer of a faces model: each face wearing each donor's attribute, or your own two photos",
    )
    p.add_argument("name", help="asset name (e.g. content_ae_glasses) or path to a .safetensors model")
    p.add_argument("--out", required=True, help="FILE.png")
    p.add_argument(
        "--face",
        metavar="PHOTO",
        help="a photo of face a (one face, from the front); alone, a photo model draws it wearing each of its "
        "shipped donor codes",
    )
    p.add_argument(
        "--donor",
        metavar="PHOTO",
        help="a photo of donor b, who wears the attribute; with --face, draws aligned a, aligned b, a with b's "
        "attribute and b without it instead of the grid",
    )
    p.add_argument("--faces", type=int, help="grid: held-out faces without the attribute (rows; default 6)")
    p.add_argument("--donors", type=int, help="grid: held-out donors with it (columns; default 6)")
    p.add_argument("--amount", type=float, default=1.0, help="scale of the donor's specific code, 0 to 1")
    p.add_argument("--seed", type=int, help="grid: which held-out faces to draw (default 0)")
    p.add_argument("--data-dir", help="grid of a photo model: the folder holding celeba/ (its held-out faces)")
    p = sub.add_parser(
        "donors",
        help="the specific codes of a few differing held-out CelebA donors, shipped beside a photo model",
    )
    p.add_argument("name", help="asset name or path to a .safetensors model trained on CelebA")
    p.add_argument("--data-dir", required=True, help="the folder holding celeba/ in torchvision's layout")
    p.add_argument("--count", type=int, default=8, help="how many donors (default 8)")
    p.add_argument("--out", help="the .npz to write (default: assets/NAME_donors.npz)")
    families = "; ".join(dict.fromkeys(e.summary for e in EVALUATIONS.values()))
    p = sub.add_parser(
        "evaluate", help="measure an asset the way its family is measured", epilog=f"evaluations by dataset: {families}"
    )
    p.add_argument("name", help="asset name or path to a .safetensors model")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument(
        "--counts",
        choices=list(COUNTS),
        default="standard",
        help="sample counts: standard (default; the asset cards' counts, ~4 min on one CPU core), "
        "full (disentanglement_lib's, ~30 min on one CPU core), quick (seconds; indicative only)",
    )
    p.add_argument("--seed", type=int, default=0, help="seed of the samples and the classifiers")
    p.add_argument(
        "--split",
        help="the data split, where the family offers one (CelebA: test, or val to choose; digits: test, or "
        "train to choose on the first training digits)",
    )
    p.add_argument(
        "--data-dir",
        help="measure on this dataset (a dSprites .npz, a folder of MNIST IDX files, an "
        "xlsa17 folder) instead of the family's default",
    )
    p.add_argument("--device", default="auto", help="where to encode the images: auto, cpu, cuda, ...")
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra and args.command != "train":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    try:
        if args.command == "train":
            cmd_train(args, extra)
        else:
            commands = {
                "list": cmd_list,
                "info": cmd_info,
                "publish": cmd_publish,
                "traverse": cmd_traverse,
                "transfer": cmd_transfer,
                "donors": cmd_donors,
                "evaluate": cmd_evaluate,
            }
            commands[args.command](args)
    except (ValueError, FileNotFoundError, NonFiniteLossError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run again with --resume to continue from the last checkpoint", file=sys.stderr)
        return 130
    return 0
