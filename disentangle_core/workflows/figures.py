"""Each family's figure: a latent traversal (dSprites, digits) or a content-transfer grid (faces).

A family declares its figure command (``Family.figure``); asked of a model of another family, a figure
function says in one sentence which command that model's family draws.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import torch

from ..content import transfer_table
from ..data import make_dataset
from ..families import FAMILIES, family_of
from ..models.protocols import CategoricalCodeModel
from ..plotting import save_gif, transfer_grid_image, traversal_frames, traversal_grid
from ..traversal import category_sweep, traverse, traverse_codes
from .measuring import load

NEEDS = {"traverse": "a model with latents to sweep", "transfer": "a content-addition model"}  # what each draws


def _check_figure(model, card: dict, name: str, command: str) -> None:
    """One sentence unless ``command`` is the figure of the model's family and the model offers what it declares."""
    family = family_of(card)
    if family.figure == command and isinstance(model, family.offers):
        return
    whose = f"whose figure command is {family.figure}" if family.figure else "which has no figure command"
    models = [m for f in FAMILIES.values() if f.figure == command for m in f.models]
    raise ValueError(
        f"{name} is a {family.name} model ({card['model']}), {whose}; "
        f"{command} needs {NEEDS[command]} ({', '.join(models)})"
    )


def traversal_figure(name: str, out: str | Path, *, steps: int = 10, seed: int = 0) -> str:
    """Write a latent traversal of the asset or model file ``name`` to ``out`` (a PNG grid or an animated GIF);
    returns what it shows.

    A model with a categorical code (digits) gets the InfoGAN paper's figure: rows are the categories,
    columns each continuous code swept; any other latent model sweeps each latent from 512 random images.
    """
    out = Path(out)
    if out.suffix.lower() not in (".png", ".gif"):
        raise ValueError(f"--out must end in .png or .gif, got {out.name!r}")
    if not 2 <= steps <= 50:
        raise ValueError(f"--steps must be between 2 and 50, got {steps}")
    model, card = load(name)
    _check_figure(model, card, name, "traverse")
    if isinstance(model, CategoricalCodeModel):
        return _category_figure(model, card, out, steps, seed)
    data = make_dataset(card.get("dataset", "dsprites"))
    x = data.sample(512, torch.Generator().manual_seed(seed))["x"]
    if out.suffix.lower() == ".png":
        traversal_grid(traverse(model, x, steps=steps)).save(out)
    else:
        codes = torch.cat([model.eval().representation(x[i : i + 1]) for i in range(3)])  # 3 starting images
        save_gif(traversal_frames(traverse_codes(model, codes, x, steps=steps)), out)
    return f"wrote {out}"


def _category_figure(model: CategoricalCodeModel, card: dict, out: Path, steps: int, seed: int) -> str:
    """Rows: the categories; columns: each continuous code (the most used three) swept from -2 to 2."""
    code = model.eval().sample_code(1, torch.Generator().manual_seed(seed))["code"][0]
    usage = card.get("continuous_kl")  # measured by publish; InfoGAN's codes are all used by design
    dims = (sorted(range(len(usage)), key=lambda d: -usage[d]) if usage else list(range(model.config.continuous_dim)))[
        :3
    ]
    sweep_all = category_sweep(model, code, dims, steps=steps)
    if out.suffix.lower() == ".png":
        traversal_grid(sweep_all).save(out)
    else:  # one column per continuous code, each sweeping its range as the animation plays
        blocks = [replace(sweep_all, images=sweep_all.images[:, b * steps : (b + 1) * steps]) for b in range(len(dims))]
        save_gif(traversal_frames(blocks), out)
    return f"wrote {out} (rows: categories; columns: continuous codes {dims} from -2 to 2)"


def transfer_figure(
    name: str, out: str | Path, *, faces: int = 6, donors: int = 6, amount: float = 1.0, seed: int = 0
) -> str:
    """Write the content-transfer grid of the faces model ``name`` (asset or model file) to ``out`` (PNG):
    held-out faces (rows) wearing each donor's attribute (columns); returns what it shows."""
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise ValueError(f"--out must end in .png, got {out.name!r}")
    for flag, value in (("faces", faces), ("donors", donors)):
        if not 1 <= value <= 16:
            raise ValueError(f"--{flag} must be between 1 and 16, got {value}")
    model, card = load(name)
    _check_figure(model, card, name, "transfer")
    data = make_dataset(card.get("dataset", "faces"), split="test", **card.get("data_options", {}))
    batch = data.sample(max(faces, donors), torch.Generator().manual_seed(seed))
    rows, columns = batch["x_a"][:faces], batch["x_b"][:donors]
    transfer_grid_image(rows, columns, transfer_table(model, rows, columns, amount)).save(out)
    return f"wrote {out} (rows: faces without the attribute; columns: donors; amount {amount:g})"
