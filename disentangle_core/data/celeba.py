"""CelebA (Liu et al. 2015) split into the two domains of the content-addition models (Press et al. 2019).

``CelebAFaces`` reads torchvision's layout, never downloading: ``DIR/celeba/list_attr_celeba.txt`` (the
image count, the 40 attribute names, then ``filename v1 ... v40`` with values 1 / -1),
``DIR/celeba/list_eval_partition.txt`` (``filename p``, p = 0 train, 1 valid, 2 test) and the aligned
178x218 JPEGs in ``DIR/celeba/img_align_celeba/``; ``DIR`` may also be the ``celeba`` folder itself.
The text files are parsed here, not by ``torchvision.datasets.CelebA``, whose MD5 check refuses any file
but the official one.

The domains are the paper's. Glasses: B has ``Eyeglasses``, A is everyone else. Beard (men only, and no
stubble, which is neither a beard nor clean-shaven): B = ``Male`` and not ``5_o_Clock_Shadow`` and
(``Mustache`` or ``Goatee`` or not ``No_Beard``); A = ``Male`` and ``No_Beard`` and none of
``5_o_Clock_Shadow``, ``Mustache``, ``Goatee``. Other images are unused.

Only the file names stay in memory (CelebA is 202,599 images): a batch opens its JPEGs, crops the
central 178x178 square (the face) and resizes it to ``image_size``, as the official code does (at 128).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image

from .faces import check_attribute

ATTRIBUTE_FILE, PARTITION_FILE, IMAGE_FOLDER = "list_attr_celeba.txt", "list_eval_partition.txt", "img_align_celeba"
LICENCE = (
    "trained on CelebA (Liu, Luo, Wang and Tang, ICCV 2015), which is for non-commercial research only; "
    "so are these weights, and no CelebA image is shipped with them"
)
CROP = 178  # the aligned images are 178 wide, 218 high: the central square holds the face
SPLITS = {"train": 0, "valid": 1, "val": 1, "test": 2}  # list_eval_partition.txt's codes
COLUMNS = {"glasses": ("Eyeglasses",), "beard": ("Male", "5_o_Clock_Shadow", "Mustache", "Goatee", "No_Beard")}
DOMAINS = {
    "glasses": {"a": "without eyeglasses (Eyeglasses = -1)", "b": "with eyeglasses (Eyeglasses = 1)"},
    "beard": {
        "a": "clean-shaven men (Male and No_Beard, without 5_o_Clock_Shadow, Mustache or Goatee)",
        "b": "bearded men (Male without 5_o_Clock_Shadow, with Mustache, Goatee or not No_Beard)",
    },
}


def domain_of(attribute: str, row: dict) -> str | None:
    """The paper's domain of one image from its attributes (``{"Male": True, ...}``): "a", "b" or None (unused)."""
    if attribute == "glasses":
        return "b" if row["Eyeglasses"] else "a"
    if not row["Male"] or row["5_o_Clock_Shadow"]:
        return None
    if row["Mustache"] or row["Goatee"] or not row["No_Beard"]:
        return "b"
    return "a"  # a man with No_Beard and neither moustache nor goatee


def read_attributes(path: Path, columns) -> dict[str, tuple[bool, ...]]:
    """``list_attr_celeba.txt`` -> ``{filename: (value > 0 for each of columns)}``, every line checked."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    first = lines[0].strip() if lines else ""
    if not first.isdigit():
        raise ValueError(f"line 1 of {path} must be the image count, an integer; got {first!r}")
    names = lines[1].split() if len(lines) > 1 else []
    missing = [c for c in columns if c not in names]
    if missing:
        raise ValueError(
            f"line 2 of {path} lacks the attribute column {missing[0]!r}; it must name CelebA's 40 "
            f"attributes ({', '.join(columns)} among them)"
        )
    where = [names.index(c) for c in columns]
    rows = {}
    for number, line in enumerate(lines[2:], start=3):
        fields = line.split()  # whitespace-separated; the file pads with two spaces in places
        if not fields:
            continue
        values = fields[1:]
        if len(values) != len(names):
            raise ValueError(
                f"line {number} of {path} has {len(values)} attribute values; expected {len(names)}, "
                "one per name on line 2"
            )
        if not set(values) <= {"1", "-1"}:
            bad = next(v for v in values if v not in ("1", "-1"))
            raise ValueError(f"line {number} of {path} holds the value {bad!r}; attribute values are 1 or -1")
        rows[fields[0]] = tuple(values[i] == "1" for i in where)
    if len(rows) != int(first):
        raise ValueError(f"{path} lists {len(rows)} images but its first line says {int(first)}")
    return rows


def read_partition(path: Path, known) -> dict[str, int]:
    """``list_eval_partition.txt`` -> ``{filename: 0 | 1 | 2}``; every name must be one of ``known``."""
    partition = {}
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != 2:
                raise ValueError(
                    f"line {number} of {path} has {len(fields)} fields; expected a file name and "
                    "its partition (0 train, 1 valid, 2 test)"
                )
            name, code = fields
            if code not in ("0", "1", "2"):
                raise ValueError(
                    f"line {number} of {path} gives partition {code!r} to {name}; expected 0 (train), "
                    "1 (valid) or 2 (test)"
                )
            if name not in known:
                raise ValueError(f"line {number} of {path} names {name}, which {ATTRIBUTE_FILE} does not list")
            partition[name] = int(code)
    if len(partition) != len(known):
        first = next(name for name in known if name not in partition)
        raise ValueError(
            f"{path} gives no partition to {len(known) - len(partition)} of the {len(known)} images of "
            f"{ATTRIBUTE_FILE} (the first: {first})"
        )
    return partition


def find_celeba(data_dir) -> Path:
    """The folder holding CelebA's files: ``data_dir/celeba`` (torchvision's root) or ``data_dir`` itself."""
    root = Path(data_dir)
    if not root.is_dir():
        raise FileNotFoundError(f"CelebA folder not found: {root}; pass --data-dir with the folder holding celeba/")
    for folder in (root / "celeba", root):
        if (folder / ATTRIBUTE_FILE).is_file():
            for needed in (folder / PARTITION_FILE, folder / IMAGE_FOLDER):
                if not needed.exists():
                    raise FileNotFoundError(
                        f"{needed} not found; a CelebA folder holds {ATTRIBUTE_FILE}, "
                        f"{PARTITION_FILE} and {IMAGE_FOLDER}/"
                    )
            return folder
    raise FileNotFoundError(
        f"no {ATTRIBUTE_FILE} in {root / 'celeba'} or {root}; pass --data-dir with the folder "
        "holding celeba/ (torchvision's layout) or the celeba folder itself"
    )


def load_image(path: Path, image_size: int) -> torch.Tensor:
    """One CelebA JPEG -> the central square of its shorter side resized to (3, image_size, image_size) in [0, 1].

    On an aligned 178x218 photo that square is rows 20-197, the face; a copy already cropped to that
    square (at any size, such as 64x64) is only resized.
    """
    if not path.is_file():
        raise FileNotFoundError(f"CelebA image not found: {path}")
    try:
        with Image.open(path) as image:
            image = image.convert("RGB")  # decodes the whole file: a truncated one fails here
    except OSError as e:
        raise ValueError(f"{path} is not a readable image ({e})") from None
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2  # (0, 20) for 178x218
    square = image.crop((left, top, left + side, top + side))
    if side != image_size:
        square = square.resize((image_size, image_size), Image.BILINEAR)  # PIL widens the filter when shrinking
    return torch.from_numpy(np.asarray(square).copy()).permute(2, 0, 1).float() / 255.0  # (3, S, S)


class CelebAFaces:
    """CelebA photographs for one content attribute: domain A without it, domain B with it.

    ``sample`` gives a training batch of unpaired domains, ``{"x_a": (B, 3, S, S), "x_b": (B, 3, S, S)}``,
    rows of each domain drawn uniformly (on the CPU, so a seed gives the same batch on any device) and
    read from disk for that batch only. ``counts`` is the number of images of each domain in the split.
    ``image_size`` is 64 for the content auto-encoder's networks (the official code: 128).
    """

    name = "celeba"

    def __init__(
        self,
        data_dir=None,
        attribute: str = "glasses",
        split: str = "train",
        image_size: int = 64,
        device: str | torch.device = "cpu",
    ):
        check_attribute(attribute)
        if split not in SPLITS:
            raise ValueError(f"unknown CelebA split {split!r}; choose from: {', '.join(SPLITS)}")
        if isinstance(image_size, str) and image_size.isdigit():  # --image_size=128 on the command line
            image_size = int(image_size)
        if not isinstance(image_size, int) or not 1 <= image_size <= CROP:
            raise ValueError(f"image_size must be an integer from 1 to {CROP} (the crop), got {image_size!r}")
        if data_dir is None:
            raise ValueError(
                "CelebA must be given with --data-dir (data_dir=), the folder holding celeba/ in "
                "torchvision's layout; the procedural 'faces' dataset needs none"
            )
        self.folder = find_celeba(data_dir)
        self.attribute, self.split, self.image_size = attribute, split, image_size
        self.image_shape = (3, image_size, image_size)
        self.device = torch.device(device)

        attribute_path = self.folder / ATTRIBUTE_FILE
        rows = read_attributes(attribute_path, COLUMNS[attribute])
        partition = read_partition(self.folder / PARTITION_FILE, rows)
        self.files = {"a": [], "b": []}  # file names of each domain, in the file's order
        for filename, values in rows.items():
            domain = domain_of(attribute, dict(zip(COLUMNS[attribute], values)))
            if domain is not None and partition[filename] == SPLITS[split]:
                self.files[domain].append(filename)
        for domain, names in self.files.items():
            if not names:
                raise ValueError(
                    f"{attribute_path} has no images of domain {domain.upper()}, "
                    f"{DOMAINS[attribute][domain]}, in the {split!r} split"
                )

    @property
    def counts(self) -> dict[str, int]:
        return {domain: len(names) for domain, names in self.files.items()}

    def __len__(self) -> int:
        return sum(self.counts.values())

    def to(self, device) -> CelebAFaces:
        self.device = torch.device(device)
        return self

    def images(self, domain: str, indices) -> torch.Tensor:
        """Rows ``indices`` of domain "a" or "b" -> (len(indices), 3, S, S) in [0, 1] on ``device``."""
        if domain not in self.files:
            raise ValueError(f"unknown domain {domain!r}; choose from: a, b")
        names = self.files[domain]
        indices = [int(i) for i in indices]
        if any(not 0 <= i < len(names) for i in indices):
            raise ValueError(
                f"domain {domain.upper()} of the {self.split!r} split has {len(names)} images; "
                f"indices must lie in 0..{len(names) - 1}"
            )
        paths = [self.folder / IMAGE_FOLDER / names[i] for i in indices]
        return torch.stack([load_image(p, self.image_size) for p in paths]).to(self.device)

    def sample(self, batch_size: int, generator: torch.Generator | None = None) -> dict:
        rows_a = torch.randint(len(self.files["a"]), (batch_size,), generator=generator)
        rows_b = torch.randint(len(self.files["b"]), (batch_size,), generator=generator)
        return {"x_a": self.images("a", rows_a), "x_b": self.images("b", rows_b)}
