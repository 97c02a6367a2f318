"""Donor codes: the specific codes E2(b) of a few held-out CelebA donors, shipped beside a photo model.

CelebA's pictures may not be redistributed, so the app cannot offer CelebA donors as pictures. What it can
offer is what E2 read on them: a handful of codes, each a small (C, S, S) array from which no face can be
drawn (the common code, which holds the face, is not kept). The app shows each code as what the model draws
with it on one public-domain face.

``assets/<asset>_donors.npz`` holds ``codes`` (N, C, S, S) float16, ``files`` (N,) the CelebA file names they
were read from (test partition, never seen in training) and ``card`` (a JSON string: how they were chosen,
from which split, and CelebA's terms).

The donors are chosen so that they differ: k-means (k = N) over the codes of every test donor, then the donor
nearest each centre, the largest cluster first.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

from ..checkpoints import ASSETS_DIR
from ..data.celeba import CelebAFaces
from ..families import family_of
from .measuring import load

COUNT = 8
BATCH = 256
CELEBA_TERMS = (
    "codes read from CelebA test images (Liu et al., ICCV 2015), for non-commercial research only, "
    "as CelebA is; no image is stored"
)


def donors_path(name: str, assets_dir=ASSETS_DIR) -> Path:
    """Where the donor codes of asset ``name`` live."""
    return Path(assets_dir) / f"{name}_donors.npz"


def choose(codes: torch.Tensor, count: int = COUNT, seed: int = 0) -> list[int]:
    """Rows of ``codes`` (N, ...) that differ from each other: the row nearest each k-means centre, the largest
    cluster first."""
    from sklearn.cluster import KMeans

    flat = codes.flatten(1).double().numpy()
    if not 1 <= count <= len(flat):
        raise ValueError(f"count must be between 1 and {len(flat)} (the donors read), got {count}")
    kmeans = KMeans(n_clusters=count, n_init=10, random_state=seed).fit(flat)
    sizes = np.bincount(kmeans.labels_, minlength=count)
    rows = []
    for cluster in np.argsort(-sizes, kind="stable"):
        members = np.flatnonzero(kmeans.labels_ == cluster)
        distances = np.linalg.norm(flat[members] - kmeans.cluster_centers_[cluster], axis=1)
        rows.append(int(members[np.argmin(distances)]))
    return rows


@torch.no_grad()
def read_donor_codes(name: str, data_dir, count: int = COUNT, split: str = "test") -> dict:
    """The codes E2(b) of ``count`` differing donors of CelebA's ``split`` (those wearing the model's attribute),
    read by the photo model ``name`` (asset or model file): ``{"codes", "files", "card"}``."""
    model, card = load(name)
    if family_of(card).name != "faces" or card.get("dataset") != "celeba":
        raise ValueError(f"{name} is not a model trained on CelebA photos; donor codes are read by one")
    options = card.get("data_options", {})
    data = CelebAFaces(data_dir, options.get("attribute", "glasses"), split, options.get("image_size", 64))
    model.eval()
    total = data.counts["b"]
    codes = torch.cat(
        [
            model.specific_encoder(data.images("b", range(start, min(start + BATCH, total)))).float()
            for start in range(0, total, BATCH)
        ]
    )
    rows = choose(codes, count)
    about = {
        "asset": card.get("asset", name),
        "attribute": data.attribute,
        "split": split,
        "chosen": f"the donor nearest each of {count} k-means centres over the codes of all {total} {split} donors",
        "licence": CELEBA_TERMS,
    }
    return {"codes": codes[rows], "files": [data.files["b"][r] for r in rows], "card": about}


def save_donor_codes(path, donors: dict) -> Path:
    """Write ``donors`` (as ``read_donor_codes`` gives them) to ``path`` (.npz), through a temporary file."""
    path = Path(path)
    part = path.with_name(path.name + ".part.npz")
    np.savez(
        part,
        codes=donors["codes"].numpy().astype(np.float16),
        files=np.array(donors["files"]),
        card=np.array(json.dumps(donors["card"])),
    )
    part.replace(path)
    return path


def load_donor_codes(name: str, assets_dir=ASSETS_DIR) -> tuple[torch.Tensor, dict] | None:
    """The donor codes shipped with asset ``name`` as ((N, C, S, S) float32, card), or None where it has none."""
    path = donors_path(name, assets_dir)
    if not path.is_file():
        return None
    with np.load(path, allow_pickle=False) as stored:
        card = {**json.loads(str(stored["card"])), "files": [str(f) for f in stored["files"]]}
        return torch.from_numpy(stored["codes"].astype(np.float32)), card
