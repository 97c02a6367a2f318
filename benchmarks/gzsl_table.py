"""The GZSL table: U/S/H of every GZSL preset over seeds, the honest way and the optimistic way.

Each run is the CLI's own training (``workflows.train_preset``, what ``train PRESET --out runs/gzsl/PRESET_sSEED
--seed=SEED`` runs), stopped every ``--every`` epochs and continued with ``resume`` (which gives the same
weights as one uninterrupted run), so the model is measured along the way:
- **honest**: test U/S/H after the preset's number of epochs (chosen on the train/val split, with
  ``--val``), reported once per seed, then mean ± std;
- **optimistic**: the best test H over the measured epochs, what public code that evaluates on the test
  set every epoch reports. It can only be higher, and the gap is the selection bias.
``--val`` first runs each preset (seed 0) on the class-disjoint train/val split and prints val H by epoch.

Usage: ``python benchmarks/gzsl_table.py [--seeds 0 1 2] [--every 20] [--val] [--epochs 100] [--presets ...]``;
writes ``OUT/table.json`` (default ``runs/gzsl``) and prints a Markdown table. The shipped table:
``--val --epochs 100 --seeds 0`` (val curves; 100 test epochs: the optimistic curve), then
``--out runs/gzsl_honest --every 10 --seeds 0 1 2`` (the presets' epochs).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from disentangle_core.checkpoints import load_model  # noqa: E402
from disentangle_core.data import make_dataset  # noqa: E402
from disentangle_core.evaluation.gzsl import gzsl_result  # noqa: E402
from disentangle_core.presets import get_preset  # noqa: E402
from disentangle_core.workflows import train_preset  # noqa: E402

PRESETS = ("cada_vae_gzsl", "dvae_gzsl", "dvae_nosplit_gzsl", "dvae_noshuffle_gzsl", "dvae_concat_gzsl")
KEYS = (
    "u",
    "s",
    "h",
    "h_calibrated",
    "seen_to_unseen",
    "probe_t",
    "probe_p",
    "probe_z",
    "probe_t_mean",
    "probe_p_mean",
    "probe_z_mean",
    "baseline_u",
    "baseline_s",
    "baseline_h",
)


def staged_run(preset: str, seed: int, out: Path, every_steps: int, data, epochs: int | None) -> list[dict]:
    """Train the preset in stages of ``every_steps``; after each, measure model.safetensors on ``data``.

    ``epochs`` None: the preset's own steps; else that many epochs of ``data``'s training images."""
    batch = get_preset(preset).batch_size
    total = get_preset(preset).steps if epochs is None else epochs * data.dimensions["dataset_size"] // batch
    curve = []
    for i, steps in enumerate(range(every_steps, total + every_steps, every_steps)):
        steps = min(steps, total)
        train_preset(
            preset,
            out,
            steps=steps,
            recipe={"seed": seed},
            precision="fp32",
            checkpoint_every=every_steps,
            resume=i > 0,
            data_options={"split": "val"} if data.split == "val" else {},
        )
        model, card = load_model(out / "model.safetensors")
        result = gzsl_result(model, data, seed=seed)
        curve.append(
            {
                "epoch": round(steps * card["batch_size"] / data.dimensions["dataset_size"]),
                "steps": steps,
                **{k: result[k] for k in KEYS if k in result},
                "wall_time_s": card["wall_time_s"],
            }
        )
        print(preset, seed, data.split, curve[-1], flush=True)
    return curve


def mean_std(values) -> str:
    return f"{statistics.mean(values):.1f} ± {statistics.stdev(values):.1f}" if len(values) > 1 else f"{values[0]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--every", type=int, default=20, help="epochs between measurements")
    parser.add_argument("--presets", nargs="+", default=list(PRESETS))
    parser.add_argument("--val", action="store_true", help="first run each preset on the train/val split (seed 0)")
    parser.add_argument(
        "--epochs",
        type=int,
        help="train this many epochs instead of the presets' steps (the val "
        "runs always train 100, CADA-VAE's official count)",
    )
    parser.add_argument("--out", default=str(ROOT / "runs" / "gzsl"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    out = Path(args.out)
    path = out / "table.json"
    table = json.loads(path.read_text()) if path.is_file() else {}
    for split in (["val"] if args.val else []) + ["test"]:
        data = make_dataset("gzsl", split=split)
        every = args.every * data.dimensions["dataset_size"] // get_preset(args.presets[0]).batch_size
        for preset in args.presets:
            for seed in [0] if split == "val" else args.seeds:
                key = f"{preset}/{split}/{seed}"
                if key in table:
                    continue
                t0 = time.time()
                epochs = 100 if split == "val" else args.epochs
                table[key] = staged_run(preset, seed, out / f"{preset}_{split}_s{seed}", every, data, epochs)
                print(f"{key}: {time.time() - t0:.0f} s", flush=True)
                out.mkdir(parents=True, exist_ok=True)
                path.write_text(json.dumps(table, indent=1))
    print_table(table, args.presets, args.seeds)


def print_table(table: dict, presets, seeds) -> None:
    print(
        "| preset | seed | U | S | H | best H over epochs (test: optimistic) | H calibrated | seen->unseen % | "
        "probe z^t / z | probe z^p |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for preset in presets:
        finals, bests = [], []
        for seed in seeds:
            curve = table.get(f"{preset}/test/{seed}")
            if not curve:
                continue
            final, best = curve[-1], max(curve, key=lambda r: r["h"])
            finals.append(final)
            bests.append(best["h"])
            probe = final.get("probe_t", final.get("probe_z"))
            probe_p = f"{final['probe_p']:.1f}" if "probe_p" in final else "-"
            print(
                f"| `{preset}` | {seed} | {final['u']:.1f} | {final['s']:.1f} | {final['h']:.1f} | "
                f"{best['h']:.1f} (epoch {best['epoch']}) | {final['h_calibrated']:.1f} | "
                f"{final['seen_to_unseen']:.1f} | "
                f"{probe:.1f} | {probe_p} |"
            )
        if finals:
            probes = mean_std([f.get("probe_t", f.get("probe_z")) for f in finals])
            probes_p = mean_std([f["probe_p"] for f in finals]) if "probe_p" in finals[0] else "-"
            print(
                f"| **`{preset}`** | mean ± std | {mean_std([f['u'] for f in finals])} | "
                f"{mean_std([f['s'] for f in finals])} | **{mean_std([f['h'] for f in finals])}** | "
                f"{mean_std(bests)} | "
                f"{mean_std([f['h_calibrated'] for f in finals])} | "
                f"{mean_std([f['seen_to_unseen'] for f in finals])} | {probes} | {probes_p} |"
            )
    any_run = next((c for k, c in table.items() if "/test/" in k), None)
    if any_run:
        r = any_run[-1]
        print(
            f"| attribute-compatibility baseline | - | {r['baseline_u']:.1f} | {r['baseline_s']:.1f} | "
            f"{r['baseline_h']:.1f} | | | | | |"
        )
    for key, curve in table.items():
        if "/val/" in key:
            print(f"val H by epoch, {key}: " + ", ".join(f"{r['epoch']}: {r['h']:.1f}" for r in curve))


if __name__ == "__main__":
    main()
