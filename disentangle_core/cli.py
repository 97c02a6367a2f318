"""``python -m disentangle_core``: list, inspect, train, publish, traverse, transfer and evaluate models.

Every failure the user can cause ends in one line on stderr and exit status 2.
"""

from __future__ import annotations

import argparse
import inspect
import json
import sys
from dataclasses import replace
from pathlib import Path

import torch

from .checkpoints import (ASSETS_DIR, available_assets, load_card, load_model, load_pretrained, publish,
                          write_assets_readme)
from .data import DATASETS, make_dataset
from .evaluation import EVALUATIONS, card_updates, evaluation_for
from .metrics import COUNTS
from .models import MODELS, NonFiniteLossError, build_model
from .plotting import save_gif, traversal_frames, traversal_grid
from .presets import PRESETS, get_preset
from .train import PRECISIONS, resolve_device, train
from .traversal import category_sweep, traverse, traverse_codes

TRAIN_KEYS = ("batch_size", "seed")  # --key=value overrides of the recipe itself, not the model config


def _parse_value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def _overrides(extra: list[str], preset) -> tuple[dict, dict, dict]:
    """Split ``--key=value`` words into model-config, recipe and dataset overrides, rejecting unknown keys."""
    config_fields = set(MODELS[preset.model][1].__dataclass_fields__)
    data_fields = set(inspect.signature(DATASETS[preset.dataset]).parameters) - {"device", "data_dir", "path"}
    config, recipe, data = {}, {}, {}
    for word in extra:
        if not word.startswith("--") or "=" not in word:
            raise ValueError(f"unexpected argument {word!r}; overrides are written --key=value")
        key, value = word[2:].split("=", 1)
        key = key.replace("-", "_")
        if key in TRAIN_KEYS:
            if not value.lstrip("-").isdigit():
                raise ValueError(f"--{key} must be an integer, got {value!r}")
            recipe[key] = int(value)
        elif key in config_fields:
            config[key] = _parse_value(value)
        elif key in data_fields:  # e.g. --split=val of the GZSL data
            data[key] = value
        else:
            choices = ", ".join(sorted(config_fields | set(TRAIN_KEYS) | data_fields))
            raise ValueError(f"unknown option --{key} for preset model {preset.model!r}; choose from: {choices}")
    return config, recipe, data


def _load(name_or_path: str, device):
    if name_or_path.endswith(".safetensors"):
        return load_model(name_or_path, device)
    return load_pretrained(name_or_path, device)


LIST_METRICS = ("recon_nll", "kl", "mig", "factor_vae", "u", "s", "h")
LIST_KEYS = ("asset", "model", "preset", "summary", "steps", "metrics")  # the card keys `list --json` prints


def cmd_list(args) -> None:
    names = available_assets()
    if args.json:  # one object per asset, its card's own keys; the full card is `info NAME --json`
        cards = [load_card(name) for name in names]
        print(json.dumps([{k: card[k] for k in LIST_KEYS if k in card} for card in cards], indent=2, ensure_ascii=False))
        return
    if not names:
        print(f"no shipped assets in {ASSETS_DIR}")
        return
    print(f"{'asset':<26} {'model':<12} {'steps':>7}  metrics")
    for name in names:
        card = load_card(name)
        metrics = "  ".join(f"{k}={v}" for k, v in card.get("metrics", {}).items() if k in LIST_METRICS)
        print(f"{name:<26} {card['model']:<12} {card.get('steps', '?'):>7}  {metrics}")


def cmd_info(args) -> None:
    card = _load(args.name, "cpu")[1] if args.name.endswith(".safetensors") else load_card(args.name)
    if args.json:  # the whole card, training history included
        print(json.dumps(card, indent=2, ensure_ascii=False))
        return
    history = card.pop("history", [])
    print(json.dumps(card, indent=2, ensure_ascii=False))
    if history:
        print(f"(training history: {len(history)} logged points, last: {history[-1]})")


def cmd_train(args, extra: list[str]) -> None:
    preset = get_preset(args.preset)
    config, recipe, data_overrides = _overrides(extra, preset)
    preset = replace(preset, config={**preset.config, **config}, data={**preset.data, **data_overrides}, **recipe)
    steps = args.steps or preset.steps
    device = resolve_device(args.device)
    data_options = {**preset.data, **({"data_dir": args.data_dir} if args.data_dir else {})}
    data = make_dataset(preset.dataset, device=device, **data_options)
    # a dataset that knows the input sizes its models need (GZSL: feature, attribute and class counts) names them
    fields = MODELS[preset.model][1].__dataclass_fields__
    sizes = {k: v for k, v in getattr(data, "dimensions", {}).items() if k in fields and k not in config}
    torch.manual_seed(preset.seed)  # the initial weights depend on the seed only
    model = build_model(preset.model, **{**preset.config, **sizes})
    card = {"preset": args.preset, "summary": preset.summary, "paper_setting": preset.paper,
            **({"data_options": data_options} if data_options else {})}
    result = train(model, data, steps=steps, batch_size=preset.batch_size, seed=preset.seed, device=device,
                   out_dir=args.out, checkpoint_every=args.checkpoint_every, resume=args.resume,
                   precision=args.precision, card=card)
    print(f"trained {args.preset} for {result.step} steps in {result.wall_time_s:.0f} s -> {result.model_file}")


def _measure_file(evaluation, path, args, preset) -> tuple[dict, dict]:
    """(card, headline metrics) of another checkpoint of ``preset``, measured as the published one is."""
    model, card = load_model(path)
    if card.get("preset") != preset:
        raise ValueError(f"{path} was trained from preset {card.get('preset')!r}, not {preset!r}; "
                         "--seeds and --curve take checkpoints of the same recipe")
    measured = evaluation.measure(model, card, counts=args.counts, seed=0, data_dir=args.data_dir, device="cpu")
    return card, card_updates(evaluation, measured, args.counts)["metrics"]


def cmd_publish(args) -> None:
    model, card = load_model(args.model_file)
    if args.fp16:  # measure the weights as they will be stored
        with torch.no_grad():
            for tensor in model.state_dict().values():
                if tensor.is_floating_point():
                    tensor.copy_(tensor.half())
    evaluation = evaluation_for(card)
    result = evaluation.measure(model, card, counts=args.counts, seed=0, data_dir=args.data_dir, device="cpu")
    updates = card_updates(evaluation, result, args.counts)
    preset = card.get("preset")
    if args.seeds:  # the recipe's other seeds, measured alike: the card shows the spread, not only the best
        rows = [{"seed": card.get("seed"), "published": True, **updates["metrics"]}]
        for path in args.seeds:
            other, metrics = _measure_file(evaluation, path, args, preset)
            rows.append({"seed": other.get("seed"), "published": False, **metrics})
        updates["seeds"] = sorted(rows, key=lambda row: row["seed"])
    if args.curve:  # the run's intermediate training states: where a longer run would go
        rows = [{"step": card.get("steps"), **updates["metrics"]}]
        for path in args.curve:
            state, metrics = _measure_file(evaluation, path, args, preset)
            rows.append({"step": state["history"][-1]["step"] if state.get("history") else None, **metrics})
        updates["by_step"] = sorted(rows, key=lambda row: row["step"] or 0)
    target = publish(args.model_file, args.name, card_updates=updates, dtype=torch.float16 if args.fp16 else None)
    write_assets_readme()
    print(f"published {args.name} -> {target} ({target.stat().st_size / 1e6:.2f} MB) {updates['metrics']}")


def cmd_traverse(args) -> None:
    out = Path(args.out)
    if out.suffix.lower() not in (".png", ".gif"):
        raise ValueError(f"--out must end in .png or .gif, got {out.name!r}")
    if not 2 <= args.steps <= 50:
        raise ValueError(f"--steps must be between 2 and 50, got {args.steps}")
    model, card = _load(args.name, "cpu")
    if hasattr(model, "categorical_slice"):  # a categorical code: the InfoGAN paper's figure
        _traverse_categories(model, card, out, args)
        return
    data = make_dataset(card.get("dataset", "dsprites"))
    x = data.sample(512, torch.Generator().manual_seed(args.seed))["x"]
    if out.suffix.lower() == ".png":
        traversal_grid(traverse(model, x, steps=args.steps)).save(out)
    else:
        codes = torch.cat([model.eval().representation(x[i : i + 1]) for i in range(3)])  # 3 starting images
        starts = traverse_codes(model, codes, x, steps=args.steps)
        save_gif(traversal_frames(starts), out)
    print(f"wrote {out}")


def cmd_transfer(args) -> None:
    """The content-transfer figure of a faces model: held-out faces (rows) wearing each donor's attribute."""
    from .content import transfer_table
    from .plotting import transfer_grid_image

    out = Path(args.out)
    if out.suffix.lower() != ".png":
        raise ValueError(f"--out must end in .png, got {out.name!r}")
    for flag in ("faces", "donors"):
        if not 1 <= getattr(args, flag) <= 16:
            raise ValueError(f"--{flag} must be between 1 and 16, got {getattr(args, flag)}")
    model, card = _load(args.name, "cpu")
    if not hasattr(model, "specific_encoder"):
        raise ValueError(f"{args.name} is a {card['model']} model; transfer needs a content-addition model "
                         "(content_ae), e.g. content_ae_glasses")
    data = make_dataset(card.get("dataset", "faces"), split="test", **card.get("data_options", {}))
    batch = data.sample(max(args.faces, args.donors), torch.Generator().manual_seed(args.seed))
    faces, donors = batch["x_a"][: args.faces], batch["x_b"][: args.donors]
    transfer_grid_image(faces, donors, transfer_table(model, faces, donors, args.amount)).save(out)
    print(f"wrote {out} (rows: faces without the attribute; columns: donors; amount {args.amount:g})")


def cmd_evaluate(args) -> None:
    device = resolve_device(args.device)
    model, card = _load(args.name, device)
    evaluation = evaluation_for(card)
    result = evaluation.measure(model, card, counts=args.counts, seed=args.seed, data_dir=args.data_dir, device=device)
    print(json.dumps(result, indent=2) if args.json else evaluation.format(result))


def _traverse_categories(model, card: dict, out: Path, args) -> None:
    """Rows: the categories; columns: each continuous code (the most used three) swept from -2 to 2."""
    code = model.eval().sample_code(1, torch.Generator().manual_seed(args.seed))["code"][0]
    usage = card.get("continuous_kl")  # measured by publish; InfoGAN's codes are all used by design
    dims = (sorted(range(len(usage)), key=lambda d: -usage[d]) if usage else
            list(range(model.config.continuous_dim)))[:3]
    sweep_all = category_sweep(model, code, dims, steps=args.steps)
    if out.suffix.lower() == ".png":
        traversal_grid(sweep_all).save(out)
    else:  # one column per continuous code, each sweeping its range as the animation plays
        blocks = [replace(sweep_all, images=sweep_all.images[:, b * args.steps:(b + 1) * args.steps])
                  for b in range(len(dims))]
        save_gif(traversal_frames(blocks), out)
    print(f"wrote {out} (rows: categories; columns: continuous codes {dims} from -2 to 2)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m disentangle_core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("list", help="shipped assets with their headline numbers")
    p.add_argument("--json", action="store_true", help=f"print a JSON list of the cards' {', '.join(LIST_KEYS)}")
    p = sub.add_parser("info", help="the card of a shipped asset (or a .safetensors file)")
    p.add_argument("name")
    p.add_argument("--json", action="store_true", help="print the whole card, history included, as JSON only")
    p = sub.add_parser("train", help="train a preset; extra --key=value words override its config",
                       epilog=f"presets: {', '.join(PRESETS)}")
    p.add_argument("preset")
    p.add_argument("--out", required=True, help="folder for checkpoints and the final model.safetensors")
    p.add_argument("--steps", type=int, help="optimiser steps (default: the preset's)")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    p.add_argument("--data-dir", help="train on the dataset in this folder (an MNIST or xlsa17 folder, ...)")
    p.add_argument("--device", default="auto", help="auto (CUDA, then MPS, then CPU), cpu, cuda, ...")
    p.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="auto (default): bf16 autocast where the hardware computes bf16 natively (CUDA, or a CPU "
                        "with AVX512-BF16, AMX or Arm BF16; channels-last on the CPU), else fp32")
    p.add_argument("--checkpoint-every", type=int, default=500)
    p = sub.add_parser("publish", help="copy a trained model into assets/ with measured metrics")
    p.add_argument("model_file")
    p.add_argument("--name", required=True)
    p.add_argument("--counts", choices=list(COUNTS), default="standard", help="sample counts of the metrics")
    p.add_argument("--data-dir", help="measure on this dataset (file or folder) instead of the family's default")
    p.add_argument("--seeds", nargs="+", default=[], metavar="MODEL_FILE",
                   help="other seeds of the same preset: measured alike and listed in the card's seeds table")
    p.add_argument("--curve", nargs="+", default=[], metavar="STATE_FILE", help="the run's intermediate training "
                   "states (last.safetensors copies): measured alike and listed in the card's by_step table")
    p.add_argument("--fp16", action="store_true", help="float16 weights: half the size, measured as rounded")
    p = sub.add_parser("traverse", help="latent traversal of an asset as a PNG grid or an animated GIF")
    p.add_argument("name", help="asset name or path to a .safetensors model")
    p.add_argument("--out", required=True, help="FILE.png or FILE.gif")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--seed", type=int, default=0, help="which random images to start from")
    p = sub.add_parser("transfer", help="content transfer of a faces model: each face wearing each donor's attribute")
    p.add_argument("name", help="asset name (e.g. content_ae_glasses) or path to a .safetensors model")
    p.add_argument("--out", required=True, help="FILE.png")
    p.add_argument("--faces", type=int, default=6, help="held-out faces without the attribute (rows)")
    p.add_argument("--donors", type=int, default=6, help="held-out donors with it (columns)")
    p.add_argument("--amount", type=float, default=1.0, help="scale of the donor's specific code, 0 to 1")
    p.add_argument("--seed", type=int, default=0, help="which held-out faces to draw")
    families = "; ".join(dict.fromkeys(e.summary for e in EVALUATIONS.values()))
    p = sub.add_parser("evaluate", help="measure an asset the way its family is measured",
                       epilog=f"evaluations by dataset: {families}")
    p.add_argument("name", help="asset name or path to a .safetensors model")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--counts", choices=list(COUNTS), default="standard",
                   help="sample counts: standard (default; the asset cards' counts, ~4 min on one CPU core), "
                        "full (disentanglement_lib's, ~30 min on one CPU core), quick (seconds; indicative only)")
    p.add_argument("--seed", type=int, default=0, help="seed of the samples and the classifiers")
    p.add_argument("--data-dir", help="measure on this dataset (a dSprites .npz, a folder of MNIST IDX files, an "
                                      "xlsa17 folder) instead of the family's default")
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
            commands = {"list": cmd_list, "info": cmd_info, "publish": cmd_publish, "traverse": cmd_traverse,
                        "transfer": cmd_transfer, "evaluate": cmd_evaluate}
            commands[args.command](args)
    except (ValueError, FileNotFoundError, NonFiniteLossError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; run again with --resume to continue from the last checkpoint", file=sys.stderr)
        return 130
    return 0
