"""What the glasses / beard tab shows, prepared once per content-addition model: for a model of drawn faces
a held-out gallery of faces and donors, and the pictures of every transfer (``content.py`` does the maths);
a model trained on CelebA photos gets a ``PhotoView`` instead (``photo_views.py``), with the same methods.

An input image of the tab is a ``Pick`` (``faces_pick.py``): a gallery face (by number), a random held-out
face, or an uploaded photo. Face a never wears the attribute; donor b wears it. The model and card come from
the shared ``ModelCache``; the gallery is drawn once per attribute and shared by every user.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import lru_cache

import torch
from PIL import Image

from ..content import remove, swap, transfer, transfer_table, with_amount
from ..data.faces import ATTRIBUTES, ProceduralFaces, sample_attributes
from ..families import FAMILIES
from ..plotting import enlarge, transfer_grid_image
from .common import ModelCache, image_file
from .faces_pick import GRID_SIZE, SCALE, Pick
from .inputs import check_choice, check_number, load_rgb_image
from .photo_views import PhotoView

FACES = FAMILIES["faces"].datasets  # the datasets of the models these views are for (the paper's and the masked)
GALLERY_SIZE = 10
FACE_SEED, DONOR_SEED = 0, 1  # the galleries: the same 10 held-out faces for every attribute
PHOTOS = "celeba"  # the dataset of the models trained on photos


@lru_cache(maxsize=len(ATTRIBUTES))
def gallery(attribute: str) -> dict:
    """Held-out test identities: ``{"faces": (10, 3, 64, 64) without the attribute, "donors": (10, 3, 64, 64)
    with it}``, the same for every user (fixed seeds)."""
    data = ProceduralFaces(attribute, "test")
    faces = data.draw(data.sample_identities(GALLERY_SIZE, torch.Generator().manual_seed(FACE_SEED)))
    generator = torch.Generator().manual_seed(DONOR_SEED)
    ids = data.sample_identities(GALLERY_SIZE, generator)
    return {"faces": faces, "donors": data.draw(ids, sample_attributes(attribute, GALLERY_SIZE, generator))}


def metrics_line(card: dict) -> str:
    """The card's measurements on held-out faces as one markdown line (or what to run to get them)."""
    m = card.get("metrics") or {}
    parts = []
    if "transfer_psnr" in m:
        baseline = f" (face left unchanged: {card['unchanged_psnr']:.1f} dB)" if "unchanged_psnr" in card else ""
        parts.append(f"transfer PSNR **{m['transfer_psnr']:.1f} dB**{baseline}")
    if "identity_psnr" in m:
        parts.append(f"identity PSNR **{m['identity_psnr']:.1f} dB**")
    success = [f"{k} **{100 * m[f'success_{k}']:.0f}%**" for k in ("transfer", "removal") if f"success_{k}" in m]
    if success:
        parts.append("success: " + ", ".join(success))
    if "leakage" in m:
        parts.append(f"leakage **{m['leakage']:.2f}** (0.5 = none)")
    if not parts:
        return (
            f"`{card.get('asset', 'this model')}` has no measurements in its card yet; "
            f"`python -m disentangle_core evaluate {card.get('asset', 'NAME')}` measures them."
        )
    return f"`{card.get('asset', '')}`: " + " · ".join(parts)


@dataclass
class FaceView:
    """A content-addition model with its attribute's gallery."""

    name: str
    model: torch.nn.Module
    card: dict
    attribute: str
    faces: torch.Tensor  # (10, 3, 64, 64) gallery faces, without the attribute
    donors: torch.Tensor  # (10, 3, 64, 64) gallery donors, with it

    photo = False
    donor_count = GALLERY_SIZE

    def metrics_line(self) -> str:
        return metrics_line(self.card)

    # ---- picks ----

    def face(self, index) -> Pick:
        index = check_number(index, "face number", 0, GALLERY_SIZE - 1, integer=True)
        return Pick(self.faces[index : index + 1], "gallery", index)

    def donor(self, index, what: str = "donor number") -> Pick:
        index = check_number(index, what, 0, GALLERY_SIZE - 1, integer=True)
        return Pick(self.donors[index : index + 1], "gallery", index, self.attribute)

    def random_face(self, seed: int) -> Pick:
        """A held-out identity drawn from ``seed`` (most likely not in the gallery)."""
        data, generator = ProceduralFaces(self.attribute, "test"), torch.Generator().manual_seed(seed)
        return Pick(data.draw(data.sample_identities(1, generator)), "random")

    def random_donor(self, seed: int) -> Pick:
        data, generator = ProceduralFaces(self.attribute, "test"), torch.Generator().manual_seed(seed)
        ids = data.sample_identities(1, generator)
        return Pick(data.draw(ids, sample_attributes(self.attribute, 1, generator)), "random", None, self.attribute)

    def upload(self, path, role: str) -> Pick:
        """An uploaded photo as face a or donor b (its centre square at 64x64)."""
        return Pick(load_rgb_image(path), "upload", None, self.attribute if role == "donor" else None)

    def second_default(self, second):
        """The swap's second donor: kept as it is (checked where it is used)."""
        return second

    def check_face(self, pick) -> Pick:
        """The session's face a (gallery face 0 before any was chosen)."""
        if pick is None:
            return self.face(0)
        if not isinstance(pick, Pick) or pick.attribute is not None or pick.photo:
            raise ValueError("face a is not a face without the attribute; pick a face from the gallery")
        return pick

    def check_donor(self, pick) -> Pick:
        """The session's donor b (gallery donor 0 before any was chosen), wearing this model's attribute."""
        if pick is None:
            return self.donor(0)
        if not isinstance(pick, Pick) or pick.attribute != self.attribute or pick.photo:
            raise ValueError(f"donor b does not wear {self.attribute}; pick a donor from the gallery")
        return pick

    # ---- pictures (PIL, enlarged) ----

    def picture(self, pick: Pick) -> Image.Image:
        return enlarge(pick.x, SCALE)

    def transfer(self, face: Pick, donor: Pick) -> Image.Image:
        """Face a wearing donor b's attribute: D(E1(a), E2(b))."""
        return enlarge(transfer(self.model, face.x, donor.x), SCALE)

    def removal(self, donor: Pick) -> Image.Image:
        """Donor b without its attribute: D(E1(b), 0)."""
        return enlarge(remove(self.model, donor.x), SCALE)

    def amount(self, face: Pick, donor: Pick, amount) -> Image.Image:
        """Two cells: donor b with amount x its own attribute (0: removed, 1: reconstructed), and face a
        with amount x b's: D(E1(x), amount · E2(b))."""
        amount = check_number(amount, "amount", 0.0, 1.0)
        cells = torch.cat([with_amount(self.model, donor.x, amount), transfer(self.model, face.x, donor.x, amount)])
        return enlarge(cells, SCALE)

    def swap(self, donor: Pick, second: Pick) -> Image.Image:
        """Four cells: donor b, donor c, b wearing c's attribute, c wearing b's."""
        b_with_c, c_with_b = swap(self.model, donor.x, second.x)
        return enlarge(torch.cat([donor.x, second.x, b_with_c, c_with_b]), 3)

    def grid(self, face: Pick, donor: Pick) -> Image.Image:
        """The paper's figure: rows face a and 3 gallery faces, columns donor b and 3 gallery donors."""
        faces = torch.cat([face.x, *self._others(self.faces, face)])
        donors = torch.cat([donor.x, *self._others(self.donors, donor)])
        return transfer_grid_image(faces, donors, transfer_table(self.model, faces, donors))

    @staticmethod
    def _others(images: torch.Tensor, pick: Pick) -> list:
        """The first ``GRID_SIZE - 1`` gallery images that are not ``pick``, each (1, 3, 64, 64)."""
        return [images[i : i + 1] for i in range(len(images)) if i != pick.index][: GRID_SIZE - 1]

    def gallery_files(self) -> tuple[list, list]:
        """(PNG path, number) of each gallery face and donor, for two ``gr.Gallery``s."""

        def files(images):  # written again on every call: the hourly clean-up may have removed them
            return [(image_file(enlarge(images[i : i + 1], 2)), str(i)) for i in range(len(images))]

        return files(self.faces), files(self.donors)


class FaceViews:
    """The prepared views of the shipped content-addition models, by asset name (built on first use)."""

    def __init__(self, cache: ModelCache):
        self.cache = cache
        self._views: dict = {}
        self._lock = threading.Lock()

    def names(self) -> list:
        return self.cache.names(FACES)

    def attribute_of(self, name: str) -> str:
        return self.cache.card(name).get("data_options", {}).get("attribute", "glasses")

    def attributes(self) -> list:
        """The attributes with at least one shipped model, glasses first."""
        have = {self.attribute_of(name) for name in self.names()}
        return [a for a in ATTRIBUTES if a in have]

    def is_photo(self, name: str) -> bool:
        """Whether asset ``name`` was trained on CelebA photos (else on drawn faces)."""
        return self.cache.card(name).get("dataset") == PHOTOS

    def models_of(self, attribute: str) -> list:
        """The models of ``attribute``, the one shown first: the masked decoder (``content_ae_mask_<attribute>``),
        then the paper's (``content_ae_<attribute>``), then the others (the ablation) by name; the drawn-face
        models before the photo models."""
        first = [f"content_ae_mask_{attribute}", f"content_ae_{attribute}"]
        names = [name for name in self.names() if self.attribute_of(name) == attribute]
        ordered = [name for name in first if name in names] + [name for name in names if name not in first]
        return sorted(ordered, key=self.is_photo)  # a stable sort: the order above within each kind

    def choices(self) -> list:
        """(kind, attribute, asset name) of every model the tab offers: the photo models first (each attribute's
        masked model, then the paper's decoders, then others), then the drawn-face models by attribute, glasses
        first. kind is "photo", "photopaper", "mask", "paper", "nodisc" or "other" (the label it gets)."""

        def kind(name, attribute):
            known = {
                f"content_ae_mask_celeba_{attribute}": "photo",
                f"content_ae_celeba_{attribute}": "photopaper",
                f"content_ae_mask_{attribute}": "mask",
                f"content_ae_{attribute}": "paper",
                f"content_ae_nodisc_{attribute}": "nodisc",
            }
            return known.get(name, "other")

        every = [(kind(name, a), a, name) for a in self.attributes() for name in self.models_of(a)]
        photos = [c for c in every if self.is_photo(c[2])]
        rank = {"photo": 0, "photopaper": 1}
        photos.sort(key=lambda c: rank.get(c[0], 2))  # stable: glasses before beards within each kind
        return photos + [c for c in every if not self.is_photo(c[2])]

    def model_for(self, choice) -> str:
        """The model shown for ``choice``: an asset name the tab offers, or an attribute (its first model)."""
        if choice in self.names():
            return choice
        return self.models_of(check_choice(choice, self.attributes(), "attribute"))[0]

    def get(self, choice) -> FaceView | PhotoView:
        """The view of the model shown for ``choice`` (an attribute or an asset name)."""
        name = self.model_for(choice)
        model, card = self.cache.load(name)
        with self._lock:
            if name not in self._views:
                attribute = self.attribute_of(name)
                if self.is_photo(name):
                    self._views[name] = PhotoView.build(name, model, card, attribute, self.cache.assets_dir)
                else:
                    samples = gallery(attribute)
                    self._views[name] = FaceView(name, model, card, attribute, samples["faces"], samples["donors"])
            return self._views[name]
