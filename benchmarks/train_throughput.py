"""Training throughput of the β-VAE on dSprites: on-device procedural batches vs a conventional DataLoader.

Prints JSON: one record per (device, batch size, precision) with images/s of full training steps in fp32
and in bf16 (and which one ``--precision auto`` picks here), then one per (device, batch size, pipeline)
with images/s of full training steps and of the data pipeline alone. The conventional pipeline is a
``torch.utils.data.DataLoader`` over a uint8 array of pre-rendered images (shuffled, per-sample
``__getitem__``, default collate), with 0 and 2 worker processes. Targets: on CPU the procedural
pipeline is at least as fast as the conventional one; on an H100 at least 5x at batch 256.

The pipelines are timed in interleaved rounds (each round times every pipeline once, on one shared
model) and the median round is reported, so drift in the machine's speed hits all pipelines alike.
The trainer's CPU allocator setting (``tune_cpu_allocator``) is applied for every pipeline;
``--default-allocator`` measures glibc's default instead.

    python benchmarks/train_throughput.py [--steps 20] [--rounds 3] [--devices cpu,cuda] [--batch-sizes 64,256]
"""

from __future__ import annotations

import argparse
import functools
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from disentangle_core.data import ProceduralDSprites  # noqa: E402
from disentangle_core.data.dsprites import render_sprites, sample_classes  # noqa: E402
from disentangle_core.models import build_model  # noqa: E402
from disentangle_core.train import (
    hardware_description,
    memory_format_for,  # noqa: E402
    resolve_precision,
    to_memory_format,
    tune_cpu_allocator,
)


class UInt8Images(Dataset):
    """The usual way: a uint8 array in memory, one image per ``__getitem__``."""

    def __init__(self, images: np.ndarray):
        self.images = images

    def __len__(self):
        return len(self.images)

    def __getitem__(self, i):
        return torch.from_numpy(self.images[i]).unsqueeze(0).float()


def procedural_batches(device, batch_size):
    data, generator = ProceduralDSprites(device), torch.Generator().manual_seed(0)
    while True:
        yield data.sample(batch_size, generator)["x"]


def loader_batches(images, device, batch_size, workers):
    loader = DataLoader(
        UInt8Images(images),
        batch_size=batch_size,
        shuffle=True,
        drop_last=True,
        num_workers=workers,
        pin_memory=device.type == "cuda",
        persistent_workers=workers > 0,
    )
    while True:
        for x in loader:
            yield x.to(device, non_blocking=True)


def timed(fn, steps, device, warmup=5):
    for _ in range(warmup):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    t0 = time.perf_counter()
    for _ in range(steps):
        fn()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return time.perf_counter() - t0


def measure_precisions(device, batch_size, steps, rounds):
    """One record per precision: the trainer's step (autocast and memory layout as ``train()`` sets them)
    on procedural batches, median images/s over interleaved rounds."""
    precisions = ["fp32", "bf16"] if device.type in ("cpu", "cuda") else ["fp32"]
    setups = {}
    for precision in precisions:
        torch.manual_seed(0)
        layout = memory_format_for(precision, device)
        model = build_model("beta_vae", beta=4.0).to(device, memory_format=layout).train()
        autocast = torch.autocast(device.type, dtype=torch.bfloat16, enabled=precision == "bf16")
        setups[precision] = (
            model,
            model.configure_optimizers(),
            autocast,
            layout,
            procedural_batches(device, batch_size),
        )
    times = {precision: [] for precision in precisions}

    def step(model, optimizers, autocast, layout, batches):
        with autocast:
            model.training_step(to_memory_format({"x": next(batches)}, layout), 0, optimizers)

    for _ in range(rounds):
        for precision, setup in setups.items():
            times[precision].append(timed(functools.partial(step, *setup), steps, device))
    records = []
    for precision in precisions:
        records.append(
            {
                "device": device.type,
                "hardware": hardware_description(device, precision),
                "batch_size": batch_size,
                "precision": precision,
                "steps": steps,
                "rounds": rounds,
                "train_images_per_s": round(steps * batch_size / statistics.median(times[precision]), 1),
                "train_images_per_s_rounds": [round(steps * batch_size / t, 1) for t in times[precision]],
            }
        )
        print(json.dumps(records[-1]), file=sys.stderr)
    return records


def measure(device, batch_size, pipelines, steps, rounds):
    """One record per pipeline: median images/s over interleaved rounds of ``steps`` training steps."""
    torch.manual_seed(0)
    model = build_model("beta_vae", beta=4.0).to(device).train()
    optimizers = model.configure_optimizers()
    times = {name: [] for name in pipelines}
    for _ in range(rounds):
        for name, batches in pipelines.items():

            def step_fn(batches=batches):
                model.training_step({"x": next(batches)}, 0, optimizers)

            times[name].append(timed(step_fn, steps, device))
    records = []
    for name, batches in pipelines.items():
        data_s = timed(functools.partial(next, batches), steps, device)
        records.append(
            {
                "device": device.type,
                "hardware": hardware_description(device),
                "batch_size": batch_size,
                "pipeline": name,
                "steps": steps,
                "rounds": rounds,
                "train_images_per_s": round(steps * batch_size / statistics.median(times[name]), 1),
                "train_images_per_s_rounds": [round(steps * batch_size / t, 1) for t in times[name]],
                "data_only_images_per_s": round(steps * batch_size / data_s, 1),
            }
        )
        print(json.dumps(records[-1]), file=sys.stderr)
    return records


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20, help="timed steps per round (CUDA uses 10x)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--devices", default="cpu,cuda")
    parser.add_argument("--batch-sizes", default="64,256")
    parser.add_argument("--array-size", type=int, default=20_000, help="images pre-rendered for the DataLoader")
    parser.add_argument("--precisions-only", action="store_true", help="skip the DataLoader comparison")
    parser.add_argument("--default-allocator", action="store_true", help="leave glibc's malloc settings alone")
    args = parser.parse_args()
    tuned = False if args.default_allocator else tune_cpu_allocator()
    devices = [torch.device(d) for d in args.devices.split(",") if d != "cuda" or torch.cuda.is_available()]
    images = render_sprites(sample_classes(args.array_size, torch.Generator().manual_seed(1)))
    images = images.squeeze(1).to(torch.uint8).numpy()  # (N, 64, 64) uint8, as in the official file
    records, precision_records = [], []
    for device in devices:
        steps = args.steps * (10 if device.type == "cuda" else 1)
        for batch_size in map(int, args.batch_sizes.split(",")):
            precision_records += measure_precisions(device, batch_size, steps, args.rounds)
            if args.precisions_only:
                continue
            pipelines = {"procedural_on_device": procedural_batches(device, batch_size)}
            for workers in (0, 2):
                pipelines[f"dataloader_{workers}_workers"] = loader_batches(images, device, batch_size, workers)
            records += measure(device, batch_size, pipelines, steps, args.rounds)
    summary = {}
    for r in precision_records:
        if r["precision"] == "bf16":
            fp32 = next(
                q
                for q in precision_records
                if q["precision"] == "fp32" and q["device"] == r["device"] and q["batch_size"] == r["batch_size"]
            )
            summary[f"{r['device']}_batch{r['batch_size']}_bf16_speedup_vs_fp32"] = round(
                r["train_images_per_s"] / fp32["train_images_per_s"], 2
            )
    for device in {r["device"] for r in records}:
        for batch_size in {r["batch_size"] for r in records}:
            rows = [r for r in records if r["device"] == device and r["batch_size"] == batch_size]
            best = max(r["train_images_per_s"] for r in rows if r["pipeline"].startswith("dataloader"))
            ours = next(r["train_images_per_s"] for r in rows if r["pipeline"] == "procedural_on_device")
            summary[f"{device}_batch{batch_size}_speedup_vs_best_dataloader"] = round(ours / best, 2)
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "python": platform.python_version(),
                "threads": torch.get_num_threads(),
                "cpu_allocator_tuned": tuned,
                "precision_auto": {d.type: resolve_precision("auto", d) for d in devices},
                "precision_records": precision_records,
                "records": records,
                "summary": summary,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
