"""Shared by the app tests: a temporary assets folder with tiny, briefly trained checkpoints.

The app never depends on the shipped assets in these tests: every checkpoint here is trained for a
few steps from a fixed seed, so the tests are deterministic and take seconds.
"""

from __future__ import annotations

import socket
import struct
import zlib

import pytest
import torch

from disentangle_core.checkpoints import publish, save_model
from disentangle_core.data import FACTOR_NAMES, ProceduralDSprites
from disentangle_core.metrics import mig, mutual_info_matrix
from disentangle_core.models import build_model
from disentangle_core.presets import PRESETS
from disentangle_core.train import train

TINY_STEPS = 30
APP_MODELS = ("autoencoder_dsprites", "vae_dsprites", "beta_vae_dsprites", "capacity_vae_dsprites")


def make_tiny_assets(folder, names=APP_MODELS) -> None:
    """Train each preset's model for ``TINY_STEPS`` steps and publish it into ``folder`` with a card
    like the real ones (scores and a latent x factor MI matrix, here from 500 codes)."""
    for name in names:
        preset = PRESETS[name]
        torch.manual_seed(0)
        model = build_model(preset.model, **preset.config)
        result = train(model, ProceduralDSprites(), steps=TINY_STEPS, batch_size=16, device="cpu", progress=False)
        batch = ProceduralDSprites().sample(500, torch.Generator().manual_seed(1))
        codes, factors = result.model.representation(batch["x"]).double().numpy(), batch["factors"].numpy()
        model_file = folder / f"{name}.trained.safetensors"
        save_model(model_file, result.model, {"preset": name, "steps": TINY_STEPS, "hardware": "test"})
        publish(
            model_file,
            name,
            assets_dir=folder,
            card_updates={
                "metrics": {"recon_nll": 1.0, "mig": round(mig(codes, factors), 3)},
                "mi_matrix": mutual_info_matrix(codes, factors).round(4).tolist(),
                "factor_names": list(FACTOR_NAMES),
            },
        )
        model_file.unlink()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tiny_assets_dir(tmp_path_factory):
    """The tiny assets of this test session, trained by the first test module that asks."""
    folder = tmp_path_factory.getbasetemp() / "tiny_assets"
    if not (folder / "manifest.json").is_file():
        folder.mkdir(exist_ok=True)
        make_tiny_assets(folder)
    return folder


@pytest.fixture(autouse=True, scope="module")
def app_torch_threads():
    """Run as the app does (``demo_app.TORCH_THREADS``, one thread per request), then restore."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def png_header_only(path, width: int, height: int, bit_depth: int = 8, colour_type: int = 0) -> str:
    """A PNG that claims ``width`` x ``height`` (8-bit greyscale by default) in its header; its pixel data
    is a stub."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour_type, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 16)) + chunk(b"IEND", b"")
    )
    return str(path)


def tiny_gzsl_asset(folder, cache_root, monkeypatch) -> str:
    """A tiny procedural GZSL benchmark (5 images per class) in ``cache_root`` and a CADA-VAE trained on it
    for a few steps, published into ``folder``; returns the asset name. Points the benchmark cache there
    (through ``monkeypatch``, so the setting ends with the caller's scope)."""
    from disentangle_core.data import make_dataset
    from disentangle_core.data.gzsl_world import CACHE_ENV, cache_dir, generate

    monkeypatch.setenv(CACHE_ENV, str(cache_root))
    if not (cache_dir() / "att_splits.mat").is_file():
        generate(cache_dir(), images_per_class=5, epochs=1)
    data = make_dataset("gzsl")
    torch.manual_seed(0)
    model = build_model(
        "cada_vae",
        **data.dimensions,
        image_encoder_width=32,
        image_decoder_width=32,
        attribute_encoder_width=16,
        attribute_decoder_width=16,
        latent_dim=8,
    )
    result = train(model, data, steps=TINY_STEPS, batch_size=16, device="cpu", progress=False, precision="fp32")
    model_file = folder / "cada_vae_gzsl.trained.safetensors"
    save_model(
        model_file,
        result.model,
        {"preset": "cada_vae_gzsl", "steps": TINY_STEPS, "hardware": "test", "dataset": "gzsl"},
    )
    publish(model_file, "cada_vae_gzsl", assets_dir=folder, card_updates={"metrics": {"u": 1.0, "s": 2.0, "h": 1.3}})
    model_file.unlink()
    return "cada_vae_gzsl"


def tiny_content_asset(
    folder,
    attribute: str = "glasses",
    metrics: dict | None = None,
    name: str | None = None,
    model_name: str = "content_ae",
    **config,
) -> str:
    """An untrained tiny content-addition model for ``attribute`` (``content_ae_<attribute>`` unless ``name``
    is given), published into ``folder`` with a faces card (and ``metrics`` if given); returns the asset name.
    The tab's shapes and checks need no training."""
    torch.manual_seed(0)
    model = build_model(model_name, width=4, code_channels=8, specific_channels=2, **config)
    name = name or f"content_ae_{attribute}"
    model_file = folder / f"{name}.trained.safetensors"
    save_model(
        model_file,
        model,
        {"preset": name, "steps": 0, "hardware": "test", "dataset": "faces", "data_options": {"attribute": attribute}},
    )
    publish(model_file, name, assets_dir=folder, card_updates={"metrics": metrics} if metrics else None)
    model_file.unlink()
    return name
