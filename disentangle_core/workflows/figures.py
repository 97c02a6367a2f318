"""Each family's figure: a latent traversal (dSprites, digits) or a content-transfer grid (faces), and a
content transfer between two photos of the user's own (``photo_transfer_figure``).

A family declares its figure command (``Family.figure``); asked of a model of another family, a figure
function says in one sentence which command that model's family draws.
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from pathlib import Path

import torch
from PIL import Image, UnidentifiedImageError

from ..content import remove, transfer, transfer_code, transfer_table
from ..data import make_dataset
from ..data.face_align import MAX_PIXELS, align_face
from ..families import FAMILIES, family_of
from ..models.protocols import CategoricalCodeModel
from ..plotting import labelled_row, save_gif, transfer_grid_image, traversal_frames, traversal_grid
from ..traversal import category_sweep, traverse, traverse_codes
from .donors import load_donor_codes
from .measuring import load

NEEDS = {"traverse": "a model with latents to sweep", "transfer": "a content-addition model"}  # what each draws


def _png(out: str | Path) -> Path:
    """``out`` as a path, refused in one sentence unless it names a PNG."""
    out = Path(out)
    if out.suffix.lower() != ".png":
        raise ValueError(f"--out must end in .png, got {out.name!r}")
    return out


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
    name: str,
    out: str | Path,
    *,
    faces: int = 6,
    donors: int = 6,
    amount: float = 1.0,
    seed: int = 0,
    data_dir=None,
) -> str:
    """Write the content-transfer grid of the faces model ``name`` (asset or model file) to ``out`` (PNG):
    held-out faces (rows) wearing each donor's attribute (columns); returns what it shows. ``data_dir``: where
    a photo model's held-out faces are (the folder holding celeba/; drawn faces need none)."""
    out = _png(out)
    for flag, value in (("faces", faces), ("donors", donors)):
        if not 1 <= value <= 16:
            raise ValueError(f"--{flag} must be between 1 and 16, got {value}")
    model, card = load(name)
    _check_figure(model, card, name, "transfer")
    options = {**card.get("data_options", {}), **({"data_dir": data_dir} if data_dir is not None else {})}
    data = make_dataset(card.get("dataset", "faces"), split="test", **options)
    batch = data.sample(max(faces, donors), torch.Generator().manual_seed(seed))
    rows, columns = batch["x_a"][:faces], batch["x_b"][:donors]
    transfer_grid_image(rows, columns, transfer_table(model, rows, columns, amount)).save(out)
    return f"wrote {out} (rows: faces without the attribute; columns: donors; amount {amount:g})"


def photo_transfer_figure(
    name: str, out: str | Path, *, face: str | Path, donor: str | Path, amount: float = 1.0
) -> str:
    """Write four labelled panels for the faces model ``name`` (asset or model file) to ``out`` (PNG): the photo
    ``face`` (a) and the photo ``donor`` (b), each aligned as CelebA's faces are, a wearing b's attribute
    (its specific code scaled by ``amount``) and b without it; returns what it shows."""
    out = _png(out)
    model, card = load(name)
    _check_figure(model, card, name, "transfer")
    size = card.get("data_options", {}).get("image_size", 64)  # the side of the faces the model was trained on
    x_a, x_b = _aligned_photo("--face", face, size), _aligned_photo("--donor", donor, size)  # (1, 3, S, S) each
    x_ab, x_b0 = transfer(model, x_a, x_b, amount), remove(model, x_b)
    attribute = card.get("data_options", {}).get("attribute", "attribute")
    scaled = "" if amount == 1 else f" x{amount:g}"
    labels = ["a (aligned)", "b (aligned)", f"a with b's {attribute}{scaled}", f"b without {attribute}"]
    labelled_row(torch.cat([x_a, x_b, x_ab, x_b0]), labels).save(out)
    return f"wrote {out} (aligned face a, aligned donor b, a with b's {attribute}, b without it; amount {amount:g})"


def donor_codes_figure(name: str, out: str | Path, *, face: str | Path, amount: float = 1.0) -> str:
    """Write the photo ``face`` (a, aligned as CelebA's faces are) and a wearing each donor code shipped with the
    photo model ``name`` (held-out CelebA donors' specific codes: ``donors.py``) to ``out`` (PNG)."""
    out = _png(out)
    model, card = load(name)
    _check_figure(model, card, name, "transfer")
    donors = load_donor_codes(card.get("asset", name))
    if donors is None:
        raise ValueError(
            f"{name} ships no donor codes (only photo models trained on CelebA do); give --donor PHOTO as well"
        )
    codes, about = donors
    x_a = _aligned_photo("--face", face, card.get("data_options", {}).get("image_size", 64))
    worn = transfer_code(model, x_a.expand(len(codes), -1, -1, -1), codes, amount)
    labels = ["a (aligned)", *(f"donor {i}" for i in range(len(codes)))]
    labelled_row(torch.cat([x_a, worn]), labels, scale=3).save(out)
    return f"wrote {out} (aligned face a, then a wearing each of {len(codes)} donors' {about['attribute']})"


def _aligned_photo(flag: str, path: str | Path, size: int) -> torch.Tensor:
    """The photo file at ``path`` -> its face aligned as CelebA's, (1, 3, size, size) floats in [0, 1]; every
    failure is one sentence naming ``flag`` and the file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{flag} {path}: no such file")
    try:
        with warnings.catch_warnings():  # over 89 megapixels Pillow warns; align_face refuses over 40 anyway
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(path) as image:  # reads the header; align_face decodes after checking the size
                aligned = align_face(image, size)
    except Image.DecompressionBombError:
        raise ValueError(
            f"{flag} {path}: the image is too large to decode; give a photo of up to {MAX_PIXELS // 10**6} megapixels"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValueError(
            f"{flag} {path}: not an image Pillow can read; give a PNG, JPEG, WebP, BMP, GIF or TIFF photo"
        ) from None
    except ValueError as e:  # FaceAlignError: no face, several faces, a tiny face, too large an image
        raise ValueError(f"{flag} {path}: {e}") from None
    pixels = torch.frombuffer(bytearray(aligned.tobytes()), dtype=torch.uint8).view(size, size, 3)
    return pixels.permute(2, 0, 1)[None].float() / 255.0
