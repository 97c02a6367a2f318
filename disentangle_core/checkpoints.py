"""Checkpoints as safetensors with a JSON card in the metadata: loading never runs code.

Two kinds of file share one format:
- a *model file* (``model.safetensors``, the shipped assets): weights + card;
- a *training state* (``last.safetensors``): weights, optimiser tensors and RNG states, so that a
  resumed run continues exactly where it stopped.
Every write goes to a temporary file in the same folder and is renamed into place, so a crash leaves
either the old file or the new one, never half of one.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from .models import build_model


def _assets_dir() -> Path:
    """The shipped checkpoints: ``disentangle_core/assets/`` once installed (pyproject.toml maps the top-level
    ``assets/`` there as package data), else ``assets/`` beside the package in a checkout."""
    package = Path(__file__).resolve().parent
    installed = package / "assets"
    return installed if installed.is_dir() else package.parent / "assets"


ASSETS_DIR = _assets_dir()
MANIFEST = "manifest.json"


def _atomic_save(tensors: dict, metadata: dict, path: Path) -> None:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tensors = {k: v.detach().cpu().contiguous() for k, v in tensors.items()}
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        save_file(tensors, tmp, metadata={k: json.dumps(v) for k, v in metadata.items()})
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _read(path: Path, device="cpu") -> tuple[dict, dict]:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint not found: {path}")
    try:
        with safe_open(str(path), framework="pt", device=str(device)) as f:
            metadata = {k: json.loads(v) for k, v in (f.metadata() or {}).items()}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, json.JSONDecodeError, OSError, RuntimeError) as e:
        raise ValueError(f"{path} is not a readable checkpoint (corrupt or truncated safetensors file): {e}") from None
    if "card" not in metadata:
        raise ValueError(f"{path} has no model card in its metadata, so the model cannot be rebuilt")
    metadata["card"] = _split_content_card(metadata["card"])
    return tensors, metadata


# Cards written before the masked model (Mokady et al. 2020) had its own file name ``content_ae`` with a
# ``mask`` flag: ``mask: true`` is now ``masked_content_ae`` (the same weights), and the paper's model
# drops the masked model's fields it carried. Fields that depend on the flag:
_MASK_FIELDS = ("mask", "mask_area", "mask_hold", "mask_warmup", "blank")


def _split_content_card(card: dict) -> dict:
    """The card of a checkpoint written before the split, as the split models read it; others unchanged."""
    if card.get("model") != "content_ae" or "mask" not in card.get("config", {}):
        return card
    config = card["config"]
    if config["mask"]:
        return {**card, "model": "masked_content_ae", "config": {k: v for k, v in config.items() if k != "mask"}}
    return {**card, "config": {k: v for k, v in config.items() if k not in _MASK_FIELDS}}


def save_model(path, model, card: dict, dtype: torch.dtype | None = None) -> None:
    """Write the weights of ``model`` with ``card`` (model name and config are filled in).

    Submodules listed in ``model.training_only`` (FactorVAE's discriminator) are left out. ``dtype``
    (e.g. ``torch.float16``) stores the floating-point weights narrower; loading casts them back to the
    model's own precision, and the card's ``weights_dtype`` says so.
    """
    card = {**card, "model": model.name, "config": model.config_dict()}
    weights = {k: v for k, v in model.state_dict().items() if not _training_only(model, k)}
    if dtype is not None:
        weights = {k: v.to(dtype) if v.is_floating_point() else v for k, v in weights.items()}
        card["weights_dtype"] = str(dtype).removeprefix("torch.")
    _atomic_save(weights, {"card": card}, path)


def _training_only(model, key: str) -> bool:
    return any(key.startswith(f"{module}.") for module in model.training_only)


def load_model(path, device="cpu"):
    """Rebuild a model from any checkpoint of this kit; returns ``(model, card)``, model in eval mode."""
    tensors, metadata = _read(path, device)
    card = metadata["card"]
    model = build_model(card["model"], **card["config"]).to(device)
    weights = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")} or tensors
    missing, unexpected = model.load_state_dict(weights, strict=False)
    missing = [k for k in missing if not _training_only(model, k)]
    if missing or unexpected:
        raise ValueError(
            f"{path} does not match its card's model {card['model']!r}: "
            f"missing {missing[:3]}, unexpected {unexpected[:3]}"
        )
    return model.eval(), card


# ---- training state: weights + optimiser + RNG --------------------------------------------------


def save_training_state(path, model, optimizers: dict, step: int, rng: dict, card: dict) -> None:
    """Everything ``train(resume=True)`` needs to continue bit for bit (on the CPU)."""
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    optim_meta = {}
    for name, opt in optimizers.items():
        sd = opt.state_dict()
        scalars = {}
        for idx, entry in sd["state"].items():
            for key, value in entry.items():
                if torch.is_tensor(value):
                    tensors[f"optim.{name}.{idx}.{key}"] = value
                else:
                    scalars[f"{idx}.{key}"] = value
        optim_meta[name] = {"param_groups": sd["param_groups"], "scalars": scalars}
    tensors.update({f"rng.{k}": v for k, v in rng.items()})
    card = {**card, "model": model.name, "config": model.config_dict(), "steps": step}
    _atomic_save(tensors, {"card": card, "optimizers": optim_meta}, path)


def load_training_state(path, model, optimizers: dict, device="cpu") -> tuple[int, dict, dict]:
    """Load a training state into ``model`` and ``optimizers``; returns ``(step, rng, card)``."""
    tensors, metadata = _read(path, "cpu")
    card = metadata["card"]
    if card["model"] != model.name or card["config"] != model.config_dict():
        raise ValueError(f"{path} was saved by a different model or config; resume needs the same one")
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    for name, opt in optimizers.items():
        meta = metadata["optimizers"][name]
        state: dict = {}
        for key, value in tensors.items():
            if key.startswith(f"optim.{name}."):
                idx, field = key[len(f"optim.{name}.") :].split(".", 1)
                state.setdefault(int(idx), {})[field] = value.to(device)
        for key, value in meta["scalars"].items():
            idx, field = key.split(".", 1)
            state.setdefault(int(idx), {})[field] = value
        opt.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    rng = {k[4:]: v for k, v in tensors.items() if k.startswith("rng.")}
    return card["steps"], rng, card


# ---- shipped assets ------------------------------------------------------------------------------


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(assets_dir=ASSETS_DIR) -> dict:
    path = Path(assets_dir) / MANIFEST
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


def available_assets(assets_dir=ASSETS_DIR) -> list[str]:
    return sorted(read_manifest(assets_dir))


def verify_asset(name: str, assets_dir=ASSETS_DIR) -> Path:
    """The path of a shipped asset, after checking it against the manifest's size and sha256."""
    manifest = read_manifest(assets_dir)
    if name not in manifest:
        choices = ", ".join(sorted(manifest)) or "(none shipped)"
        raise ValueError(f"unknown asset {name!r}; choose from: {choices}")
    entry = manifest[name]
    path = Path(assets_dir) / entry["file"]
    if not path.is_file():
        raise FileNotFoundError(f"asset file {path} is missing; restore it from the repository")
    if path.stat().st_size != entry["bytes"] or sha256_of(path) != entry["sha256"]:
        raise ValueError(f"asset file {path} is truncated or modified (its sha256 does not match {MANIFEST})")
    return path


def load_pretrained(name: str, device="cpu", assets_dir=ASSETS_DIR):
    """Load a shipped model by name (e.g. ``"beta_vae_dsprites"``); returns ``(model, card)``."""
    return load_model(verify_asset(name, assets_dir), device)


def load_card(name: str, assets_dir=ASSETS_DIR) -> dict:
    """The card of a shipped asset, without building the model."""
    _, metadata = _read(verify_asset(name, assets_dir))
    return metadata["card"]


def publish(
    model_file, name: str, assets_dir=ASSETS_DIR, card_updates: dict | None = None, dtype: torch.dtype | None = None
) -> Path:
    """Copy a trained model file into ``assets/`` as ``name`` (weights in ``dtype`` if given) and record it
    in the manifest."""
    model, card = load_model(model_file)
    card = {**card, **(card_updates or {}), "asset": name}
    target = Path(assets_dir) / f"{name}.safetensors"
    save_model(target, model, card, dtype)
    manifest = read_manifest(assets_dir)
    manifest[name] = {"file": target.name, "bytes": target.stat().st_size, "sha256": sha256_of(target)}
    tmp = Path(assets_dir) / f".{MANIFEST}.tmp"
    tmp.write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n")
    os.replace(tmp, Path(assets_dir) / MANIFEST)
    return target


def write_assets_readme(assets_dir=ASSETS_DIR) -> None:
    """Regenerate the table of checkpoints in ``assets/README.md`` from the cards."""
    rows = [
        "| asset | model | preset | steps | seed | wall time | hardware | size | metrics |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for name in available_assets(assets_dir):
        card = load_card(name, assets_dir)
        size = (Path(assets_dir) / f"{name}.safetensors").stat().st_size / 1e6
        metrics = ", ".join(f"{k} {v}" for k, v in card.get("metrics", {}).items())
        rows.append(
            f"| `{name}` | {card['model']} | `{card.get('preset', '')}` | {card.get('steps', '')} | "
            f"{card.get('seed', '')} | {card.get('wall_time_s', 0) / 60:.0f} min | {card.get('hardware', '')} | "
            f"{size:.2f} MB | {metrics} |"
        )
    path, begin, end = Path(assets_dir) / "README.md", "<!-- assets:begin -->", "<!-- assets:end -->"
    if path.is_file() and begin in path.read_text():
        head, rest = path.read_text().split(begin, 1)
        path.write_text(head + begin + "\n" + "\n".join(rows) + "\n" + end + rest.split(end, 1)[1])
