"""What the glasses / beard tab shows for a model trained on CelebA photos (``dataset == "celeba"``).

CelebA's pictures may not be redistributed, so no CelebA face is shown. Face a is the public-domain
astronaut (``assets/astronaut.png``, aligned as CelebA's faces are) or the visitor's own photo, aligned the
same way. The donors are the codes E2(b) of a few held-out CelebA faces shipped beside the model
(``workflows.donors``), each shown as what the model draws with it on the astronaut; donor b can also be
the visitor's second photo. A transfer with a code donor is D(E1(a), amount · code), with a photo donor
D(E1(a), amount · E2(b)) as on drawings.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import torch
from PIL import Image

from ..checkpoints import ASSETS_DIR
from ..content import remove, transfer_code, with_amount
from ..plotting import enlarge, transfer_grid_image
from ..workflows.donors import load_donor_codes
from .common import image_file
from .faces_pick import GRID_SIZE, SCALE, Pick
from .inputs import check_number, load_aligned_face

ASTRONAUT = ASSETS_DIR / "astronaut.png"  # NASA's portrait of Eileen Collins, public domain (see face_align.py)


@lru_cache(maxsize=1)
def astronaut() -> torch.Tensor:
    """The astronaut's face aligned as CelebA's, (1, 3, 64, 64) in [0, 1]."""
    if not ASTRONAUT.is_file():
        raise ValueError(f"the public-domain face {ASTRONAUT.name} is missing from this copy; reinstall the package")
    return load_aligned_face(ASTRONAUT)


def photo_metrics_line(card: dict) -> str:
    """A photo model's measurements (by a classifier trained on CelebA's labels) as one markdown line."""
    m = card.get("metrics") or {}
    parts = [f"{k} **{100 * m[f'success_{k}']:.0f}%**" for k in ("transfer", "removal") if f"success_{k}" in m]
    parts = ["success: " + ", ".join(parts)] if parts else []
    if "kept_psnr" in m:
        recon = f" (its reconstruction: {m['recon_psnr']:.1f} dB)" if "recon_psnr" in m else ""
        parts.append(f"face a kept: PSNR **{m['kept_psnr']:.1f} dB**{recon}")
    if "leakage" in m:
        parts.append(f"leakage **{m['leakage']:.2f}** (0.5 = none)")
    asset = card.get("asset", "this model")
    if not parts:
        return (
            f"`{asset}` has no measurements in its card yet; `python -m disentangle_core evaluate {asset}` "
            "measures them."
        )
    split = f", CelebA's {card['split']} identities" if card.get("split") else ""
    return f"`{asset}`{split}: " + " · ".join(parts)


@dataclass
class PhotoView:
    """A content-addition model trained on CelebA photos, with the astronaut and its shipped donor codes."""

    name: str
    model: torch.nn.Module
    card: dict
    attribute: str
    faces: torch.Tensor  # (1, 3, 64, 64): the astronaut
    codes: torch.Tensor  # (N, C, S, S) shipped donor codes E2(b); N = 0 where none ship
    donors: torch.Tensor  # (N, 3, 64, 64): what the model draws with each code on the astronaut

    photo = True

    @classmethod
    def build(cls, name: str, model, card: dict, attribute: str, assets_dir) -> PhotoView:
        faces = astronaut()
        shipped = load_donor_codes(name, assets_dir)
        codes = shipped[0] if shipped else torch.zeros(0, 1, 1, 1)
        donors = transfer_code(model, faces.expand(len(codes), -1, -1, -1), codes) if len(codes) else faces[:0]
        return cls(name, model, card, attribute, faces, codes, donors)

    @property
    def donor_count(self) -> int:
        return len(self.codes)

    def metrics_line(self) -> str:
        return photo_metrics_line(self.card)

    # ---- picks ----

    def face(self, index) -> Pick:
        index = check_number(index, "face number", 0, len(self.faces) - 1, integer=True)
        return Pick(self.faces[index : index + 1], "gallery", index, photo=True)

    def donor(self, index, what: str = "donor number") -> Pick:
        """Shipped donor code number ``index``, drawn on the astronaut."""
        if not self.donor_count:
            raise ValueError(
                f"{self.name} ships no donor codes; upload a photo of someone wearing {self.attribute} as donor b"
            )
        index = check_number(index, what, 0, self.donor_count - 1, integer=True)
        code = self.codes[index : index + 1]
        return Pick(self.donors[index : index + 1], "gallery", index, self.attribute, True, code, self.name)

    def random_face(self, seed: int) -> Pick:
        raise ValueError(f"{self.name} was trained on photos and draws no random faces; upload a photo instead")

    def random_donor(self, seed: int) -> Pick:
        raise ValueError(f"{self.name} was trained on photos and draws no random donors; pick a donor code instead")

    def upload(self, path, role: str) -> Pick:
        """An uploaded photo as face a or donor b, aligned as CelebA's faces are (one sentence if it cannot be)."""
        return Pick(load_aligned_face(path), "upload", None, self.attribute if role == "donor" else None, True)

    def second_default(self, second):
        """The swap's second donor kept where this model has it, else the second code (or the first, or None)."""
        if isinstance(second, int) and not isinstance(second, bool) and 0 <= second < self.donor_count:
            return second
        return min(1, self.donor_count - 1) if self.donor_count else None

    def check_face(self, pick) -> Pick:
        """The session's face a (the astronaut before any was chosen), a photo."""
        if pick is None:
            return self.face(0)
        if not isinstance(pick, Pick) or pick.attribute is not None:
            raise ValueError("face a is not a face without the attribute; pick the astronaut or upload a photo")
        if not pick.photo:
            raise ValueError(f"face a is a drawn face, and {self.name} reads photos; pick the astronaut or upload one")
        return pick

    def check_donor(self, pick) -> Pick | None:
        """The session's donor b (the first code before any was chosen; None where no code ships), a photo or
        one of this model's codes."""
        if pick is None:
            return self.donor(0) if self.donor_count else None
        if not isinstance(pick, Pick) or pick.attribute != self.attribute or not pick.photo:
            raise ValueError(f"donor b is not a photo wearing {self.attribute}; pick a donor code or upload a photo")
        if pick.code is not None and pick.code_of != self.name:
            raise ValueError(f"donor b is another model's code, which {self.name} cannot read; pick one of its own")
        return pick

    # ---- pictures (PIL, enlarged) ----

    def picture(self, pick: Pick) -> Image.Image:
        return enlarge(pick.x, SCALE)

    def _specific(self, donor: Pick) -> torch.Tensor:
        """What donor b adds: its shipped code, or E2 of its photo, (1, C, S, S)."""
        if donor.code is not None:
            return donor.code
        with torch.no_grad():
            return self.model.specific_encoder(donor.x)

    def _wearing(self, x: torch.Tensor, donor: Pick, amount: float = 1.0) -> torch.Tensor:
        """Faces ``x`` wearing ``amount`` of donor b's attribute: D(E1(x), amount · code)."""
        return transfer_code(self.model, x, self._specific(donor), amount)

    def transfer(self, face: Pick, donor: Pick) -> Image.Image:
        """Face a wearing donor b's attribute."""
        return enlarge(self._wearing(face.x, donor), SCALE)

    def removal(self, donor: Pick) -> Image.Image:
        """Donor b's picture (a code's drawing on the astronaut, or the photo) without its attribute."""
        return enlarge(remove(self.model, donor.x), SCALE)

    def amount(self, face: Pick, donor: Pick, amount) -> Image.Image:
        """Two cells: donor b with amount x its attribute (a code drawn on the astronaut, or a photo's own
        rescaled), and face a with amount x b's."""
        amount = check_number(amount, "amount", 0.0, 1.0)
        if donor.code is not None:
            own = transfer_code(self.model, self.faces[:1], donor.code, amount)
        else:
            own = with_amount(self.model, donor.x, amount)
        return enlarge(torch.cat([own, self._wearing(face.x, donor, amount)]), SCALE)

    def swap(self, donor: Pick, second: Pick) -> Image.Image:
        """Four cells: donor b, donor c, b wearing c's attribute, c wearing b's."""
        b_with_c, c_with_b = self._wearing(donor.x, second), self._wearing(second.x, donor)
        return enlarge(torch.cat([donor.x, second.x, b_with_c, c_with_b]), 3)

    def grid(self, face: Pick, donor: Pick) -> Image.Image:
        """The paper's figure: rows face a and the astronaut, columns donor b and further donor codes."""
        rest = [self.faces[i : i + 1] for i in range(len(self.faces)) if i != face.index]
        faces = torch.cat([face.x, *rest])[:GRID_SIZE]
        others = [self.donor(i) for i in range(self.donor_count) if i != donor.index or donor.code is None]
        donors = [donor, *others][:GRID_SIZE]
        specific = torch.cat([self._specific(d) for d in donors])  # (D, C, S, S)
        table = torch.stack([transfer_code(self.model, f.expand(len(donors), -1, -1, -1), specific) for f in faces])
        return transfer_grid_image(faces, torch.cat([d.x for d in donors]), table)

    def gallery_files(self) -> tuple[list, list]:
        """(PNG path, number) of the astronaut and of each donor code's drawing, for two ``gr.Gallery``s."""

        def files(images):  # written again on every call: the hourly clean-up may have removed them
            return [(image_file(enlarge(images[i : i + 1], 2)), str(i)) for i in range(len(images))]

        return files(self.faces), files(self.donors)
