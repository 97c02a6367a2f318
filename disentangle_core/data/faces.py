"""Procedural faces with glasses and beards: the offline data of the content-addition models.

Every face is drawn from its factors, vectorised in torch on the training device (no download, no data
loader): 64x64 RGB, each shape an anti-aliased implicit curve composited back to front. A face is an
*identity* (skin tone, face shape, hair style and colour, eyes and their spacing, eyebrows, nose, mouth,
background) plus two *content attributes*: glasses (frame shape, colour, thickness, size, lens tint) and
a beard (style, colour, density). The same identity can be drawn with and without an attribute, or with
another face's attribute, and the pixels an attribute changes are its mask: the ground truth that the
content-addition measurements compare against.

Identities are integers; their factors are a hash of the integer, so an identity always looks the same.
The ``train`` split draws identities from ``[0, TRAIN_IDENTITIES)``, the ``test`` split from a disjoint
range, so no test face is ever seen in training. Attributes are drawn freshly for every image.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import torch

from .drawing import blend, cover, hsv, over, pick, segment, superellipse

IMAGE_SIZE = 64
ATTRIBUTES = ("glasses", "beard")
IDENTITY_FACTORS = (
    "skin",
    "face_width",
    "face_height",
    "face_squareness",
    "jaw",
    "centre_x",
    "centre_y",
    "hair_style",
    "hair_colour",
    "hair_length",
    "eye_spacing",
    "eye_height",
    "eye_size",
    "iris_colour",
    "brow_thickness",
    "brow_raise",
    "brow_tilt",
    "nose_length",
    "nose_width",
    "mouth_width",
    "mouth_smile",
    "mouth_thickness",
    "background_hue",
    "background_value",
    "background_saturation",
    "lip_colour",
)
ATTRIBUTE_FACTORS = {
    "glasses": (
        "frame_shape",
        "lens_aspect",
        "lens_size",
        "frame_thickness",
        "frame_colour",
        "lens_tint",
        "tint_colour",
    ),
    "beard": ("beard_style", "beard_colour", "beard_density", "beard_length", "strand_phase"),
}
HAIR_STYLES = ("bald", "short", "long", "fringe")
BEARD_STYLES = ("full", "goatee", "moustache", "goatee and moustache")
TRAIN_IDENTITIES = 1_000_000
TEST_FIRST, TEST_IDENTITIES = 10_000_000, 10_000  # the held-out identities: a disjoint range
VERSION = 1  # bump when the drawings change, so cached results (the attribute classifiers) are not reused
CACHE_ENV = "DISENTANGLE_FACES_CACHE"

# palettes, light to dark (skin) and by name (hair, frames); factors in [0, 1] pick or blend entries
SKIN = ((1.00, 0.87, 0.77), (0.95, 0.77, 0.62), (0.80, 0.59, 0.43), (0.58, 0.40, 0.28), (0.38, 0.25, 0.17))
HAIR = (
    (0.08, 0.07, 0.07),
    (0.28, 0.18, 0.10),
    (0.50, 0.33, 0.18),
    (0.86, 0.72, 0.45),
    (0.66, 0.27, 0.12),
    (0.70, 0.70, 0.72),
)  # black, dark brown, brown, blonde, red, grey
FRAMES = (
    (0.05, 0.05, 0.05),
    (0.80, 0.62, 0.20),
    (0.75, 0.10, 0.12),
    (0.12, 0.25, 0.75),
    (0.45, 0.25, 0.10),
    (0.78, 0.80, 0.84),
    (0.10, 0.55, 0.35),
)  # black, gold, red, blue, tortoise, silver, green
TINTS = ((0.15, 0.15, 0.18), (0.40, 0.25, 0.10), (0.15, 0.30, 0.55))  # grey, brown, blue lenses


def cache_dir() -> Path:
    """Where results computed from the faces are kept.

    ``$DISENTANGLE_FACES_CACHE``, else ``~/.cache/disentangle_core/faces``.
    """
    root = os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "disentangle_core" / "faces"
    return Path(root) / f"v{VERSION}"


def hash_uniform(ids: torch.Tensor, salt: int) -> torch.Tensor:
    """(B,) integer ids -> (B,) floats in [0, 1), a fixed pseudo-random function of (id, salt).

    A 32-bit integer hash (xor-shift-multiply rounds); every product stays below 2^63, so int64 is exact.
    """
    h = (ids.long() * 2654435761 + salt * 40503 + 0x9E3779B9) & 0xFFFFFFFF
    for _ in range(2):
        h = (((h >> 16) ^ h) * 0x45D9F3B) & 0xFFFFFFFF
    h = (h >> 16) ^ h
    return (h.double() / 2**32).float()


def identity_factors(ids: torch.Tensor) -> torch.Tensor:
    """(B,) identity ids -> (B, len(IDENTITY_FACTORS)) factors in [0, 1), on the ids' device."""
    return torch.stack([hash_uniform(ids, k + 1) for k in range(len(IDENTITY_FACTORS))], dim=1)


def _geometry(f: dict, n: int, device) -> dict:
    """The face's landmarks in pixels, from its identity factors (each (B, 1, 1) for broadcasting)."""
    g = {k: v[:, None, None] for k, v in f.items()}
    cx, cy = 32 + (g["centre_x"] - 0.5) * 3, 34 + (g["centre_y"] - 0.5) * 3
    rx, ry = 13 + 4 * g["face_width"], 16 + 4 * g["face_height"]
    eye_y = cy - ry * (0.12 + 0.12 * g["eye_height"])
    eye_dx = 4.8 + 2.6 * g["eye_spacing"]
    mouth_y = cy + ry * (0.48 + 0.1 * g["face_height"])
    return {
        "cx": cx,
        "cy": cy,
        "rx": rx,
        "ry": ry,
        "eye_y": eye_y,
        "eye_dx": eye_dx,
        "mouth_y": mouth_y,
        "mouth_w": 3.5 + 2.5 * g["mouth_width"],
    }


def _face_distance(px, py, geo, f) -> torch.Tensor:
    """Signed distance to the face outline: a superellipse whose width tapers towards the jaw."""
    jaw = f["jaw"][:, None, None]
    below = ((py - geo["cy"]) / geo["ry"]).clamp(0, 1)
    rx = geo["rx"] * (1 - 0.28 * jaw * below)
    p = 2 + 1.2 * f["face_squareness"][:, None, None]
    return superellipse(px, py, geo["cx"], geo["cy"], rx, geo["ry"], p)


def render_faces(
    identity: torch.Tensor, glasses: torch.Tensor | None = None, beard: torch.Tensor | None = None
) -> torch.Tensor:
    """Draw faces: identity (B, 26) factors, and optionally glasses (B, 7) and beard (B, 5) factors, all in
    [0, 1] (``identity_factors``, ``sample_attributes``); a row of NaN means "without". -> (B, 3, 64, 64)."""
    n, device = len(identity), identity.device
    f = dict(zip(IDENTITY_FACTORS, identity.unbind(1)))
    grid = torch.arange(IMAGE_SIZE, device=device, dtype=torch.float32) + 0.5
    px, py = grid[None, None, :], grid[None, :, None]  # pixel centres, (1, 1, W) and (1, H, 1)
    geo = _geometry(f, n, device)
    cx, cy, rx, ry = geo["cx"], geo["cy"], geo["rx"], geo["ry"]

    # background: a colour with a soft vertical gradient
    bg = hsv(f["background_hue"], 0.15 + 0.45 * f["background_saturation"], 0.45 + 0.5 * f["background_value"])
    canvas = bg[:, :, None, None] * (1.06 - 0.12 * py[None] / IMAGE_SIZE)
    canvas = canvas.expand(n, 3, IMAGE_SIZE, IMAGE_SIZE).clone()
    hair = blend(HAIR, f["hair_colour"])
    style = (f["hair_style"] * len(HAIR_STYLES)).long()[:, None, None]  # (B, 1, 1)

    # long hair falls behind the face and shoulders
    long_hair = cover(superellipse(px, py, cx, cy + 4 + 4 * f["hair_length"][:, None, None], rx + 3.5, ry + 6, 2.5))
    canvas = over(canvas, hair, long_hair * (style == 2))
    skin = blend(SKIN, f["skin"])
    neck = cover(torch.maximum((px - cx).abs() - rx * 0.45, cy + ry * 0.6 - py))
    canvas = over(canvas, skin * 0.9, neck)
    face = _face_distance(px, py, geo, f)
    canvas = over(canvas, skin, cover(face))

    # nose: a soft darker wedge
    nose_len, nose_w = 3 + 3 * f["nose_length"][:, None, None], 1.2 + 1.0 * f["nose_width"][:, None, None]
    nose_y = geo["eye_y"] + 3 + nose_len
    nose = cover(superellipse(px, py, cx, nose_y - nose_len / 2, nose_w, nose_len / 2 + 0.6, 2.0))
    canvas = over(canvas, skin * 0.8, nose * 0.8)

    if beard is not None:  # the beard sits on the skin, under the mouth
        canvas = _draw_beard(canvas, beard, px, py, geo, face)

    # mouth: an arc (smile curvature), lips blended from skin towards red
    smile = (0.3 - f["mouth_smile"])[:, None, None] * 0.25  # < 0: the corners rise (a smile)
    mouth_dist = (py - geo["mouth_y"] - smile * (px - cx).square()).abs() - (0.5 + 0.8 * f["mouth_thickness"])[
        :, None, None
    ]
    mouth = cover(torch.maximum(mouth_dist, (px - cx).abs() - geo["mouth_w"]))
    lips = skin * (0.55 + 0.2 * f["lip_colour"][:, None]) + torch.tensor([0.25, 0.0, 0.0], device=device)
    canvas = over(canvas, lips.clamp(0, 1), mouth)

    # eyes: white, iris; eyebrows above them
    eye_r = 1.6 + 1.0 * f["eye_size"][:, None, None]
    iris = pick(((0.30, 0.18, 0.08), (0.20, 0.40, 0.70), (0.25, 0.50, 0.30), (0.10, 0.08, 0.06)), f["iris_colour"])
    brow_y = geo["eye_y"] - eye_r - 1.5 - 1.5 * f["brow_raise"][:, None, None]
    tilt = (f["brow_tilt"] - 0.5)[:, None, None] * 2.0
    brow_w = (0.5 + 0.7 * f["brow_thickness"])[:, None, None]
    for side in (-1.0, 1.0):
        ex = cx + side * geo["eye_dx"]
        white = cover(superellipse(px, py, ex, geo["eye_y"], eye_r * 1.5, eye_r, 2.0))
        canvas = over(canvas, torch.ones_like(skin), white)
        canvas = over(canvas, iris, cover(torch.hypot(px - ex, py - geo["eye_y"]) - eye_r * 0.75))
        brow = segment(px, py, ex - 3.2, brow_y + tilt * side * -1, ex + 3.2, brow_y - tilt * side * -1) - brow_w
        canvas = over(canvas, hair * 0.8, cover(brow))

    if glasses is not None:
        canvas = _draw_glasses(canvas, glasses, px, py, geo, f)

    # hair on top: a cap above the hairline (short, long), lower over the forehead (fringe); bald: none
    hairline = cy - ry * (0.55 - 0.2 * (style == 3)) + 1.5 * f["hair_length"][:, None, None]
    cap = torch.maximum(superellipse(px, py, cx, cy - 1, rx + 1.8, ry + 2.5, 2.2), py - hairline)
    canvas = over(canvas, hair, cover(cap) * (style != 0))
    return canvas.clamp(0, 1)


def _present(attribute: torch.Tensor) -> torch.Tensor:
    """(B, 1, 1) 1.0 where the row holds an attribute, 0.0 where it is NaN ("without")."""
    return (~torch.isnan(attribute).any(1)).float()[:, None, None]


def _draw_glasses(canvas, glasses, px, py, geo, f) -> torch.Tensor:
    on = _present(glasses)
    g = {k: v[:, None, None] for k, v in zip(ATTRIBUTE_FACTORS["glasses"], glasses.nan_to_num(0.5).unbind(1))}
    p = 2 + 6 * g["frame_shape"] ** 2  # 2: round ... 8: rectangular
    lens_rx = 3.3 + 1.7 * g["lens_size"]
    lens_ry = lens_rx * (0.6 + 0.4 * g["lens_aspect"])
    half = 0.5 + 0.5 * g["frame_thickness"]  # half the frame's width: 1 to 2 pixels
    frame_colour = pick(FRAMES, glasses[:, 4].nan_to_num(0.0))
    tint_colour = pick(TINTS, glasses[:, 6].nan_to_num(0.0))
    frames = torch.zeros_like(canvas[:, 0])
    for side in (-1.0, 1.0):
        lx = geo["cx"] + side * geo["eye_dx"]
        d = superellipse(px, py, lx, geo["eye_y"], lens_rx, lens_ry, p)
        canvas = over(canvas, tint_colour, cover(d) * (0.1 + 0.55 * g["lens_tint"]) * on)  # tinted lens
        frames = torch.maximum(frames, cover(d.abs() - half))
        # the arm runs from the lens's outer edge to the side of the face
        arm_x0, arm_x1 = lx + side * lens_rx, geo["cx"] + side * (geo["rx"] + 0.5)
        frames = torch.maximum(
            frames, cover(segment(px, py, arm_x0, geo["eye_y"] - 0.5, arm_x1, geo["eye_y"] - 1.0) - half * 0.8)
        )
    bridge = (
        segment(
            px,
            py,
            geo["cx"] - geo["eye_dx"] + lens_rx,
            geo["eye_y"] - lens_ry * 0.3,
            geo["cx"] + geo["eye_dx"] - lens_rx,
            geo["eye_y"] - lens_ry * 0.3,
        )
        - half
    )
    frames = torch.maximum(frames, cover(bridge))
    return over(canvas, frame_colour, frames * on)


def _draw_beard(canvas, beard, px, py, geo, face) -> torch.Tensor:
    on = _present(beard)
    b = {k: v[:, None, None] for k, v in zip(ATTRIBUTE_FACTORS["beard"], beard.nan_to_num(0.5).unbind(1))}
    style = (b["beard_style"] * len(BEARD_STYLES)).long()
    cx, mouth_y, mouth_w = geo["cx"], geo["mouth_y"], geo["mouth_w"]
    length = 1.5 + 3.0 * b["beard_length"]
    # full: the lower face below the cheekbones, a little past the chin
    full = torch.maximum(face - length, geo["cy"] + geo["ry"] * 0.12 - py)
    goatee = superellipse(px, py, cx, mouth_y + 3.0 + length * 0.4, mouth_w * 0.75, 2.5 + length * 0.6, 2.2)
    moustache = superellipse(px, py, cx, mouth_y - 2.0, mouth_w + 1.2, 1.4 + 0.25 * length, 2.5)
    region = torch.where(
        style == 0,
        full,
        torch.where(style == 1, goatee, torch.where(style == 2, moustache, torch.minimum(goatee, moustache))),
    )
    colour = blend(HAIR, beard[:, 1].nan_to_num(0.0)) * 0.85  # a shade darker than the same hair
    strands = 0.85 + 0.15 * torch.sin(px * 2.1 + py * 0.7 + 6.3 * b["strand_phase"])  # a fixed hair texture
    alpha = cover(region) * (0.7 + 0.3 * b["beard_density"]) * strands * on
    return over(canvas, colour, alpha)


def sample_attributes(attribute: str, n: int, generator: torch.Generator | None = None, device="cpu") -> torch.Tensor:
    """(n, k) factors of ``n`` fresh glasses or beards, uniform in [0, 1) (drawn on the CPU for reproducibility)."""
    check_attribute(attribute)
    return torch.rand(n, len(ATTRIBUTE_FACTORS[attribute]), generator=generator).to(device)


def check_attribute(attribute: str) -> None:
    if attribute not in ATTRIBUTES:
        raise ValueError(f"unknown face attribute {attribute!r}; choose from: {', '.join(ATTRIBUTES)}")


def absent(n: int, attribute: str, device="cpu") -> torch.Tensor:
    """(n, k) NaN rows: ``render_faces`` draws no such attribute."""
    return torch.full((n, len(ATTRIBUTE_FACTORS[attribute])), math.nan, device=device)


class ProceduralFaces:
    """Faces drawn on demand for one content attribute: domain A without it, domain B with it.

    ``sample`` gives a training batch of unpaired domains, ``{"x_a": (B, 3, 64, 64), "x_b": (B, 3, 64, 64)}``
    (B images of each, different identities); ``draw`` renders chosen identities with chosen attributes, and
    ``transfer_pairs`` the ground truth of every content-addition measurement.
    """

    name = "faces"
    image_shape = (3, IMAGE_SIZE, IMAGE_SIZE)

    def __init__(self, attribute: str = "glasses", split: str = "train", device: str | torch.device = "cpu"):
        check_attribute(attribute)
        if split not in ("train", "test"):
            raise ValueError(f"unknown split {split!r}; choose from: train, test")
        self.attribute, self.split, self.device = attribute, split, torch.device(device)

    def to(self, device) -> ProceduralFaces:
        self.device = torch.device(device)
        return self

    def sample_identities(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """(n,) identity ids of this split."""
        if self.split == "train":
            return torch.randint(TRAIN_IDENTITIES, (n,), generator=generator)
        return TEST_FIRST + torch.randint(TEST_IDENTITIES, (n,), generator=generator)

    def draw(self, ids: torch.Tensor, attribute: torch.Tensor | None = None) -> torch.Tensor:
        """(B,) identities, with the (B, k) ``attribute`` factors (or without it) -> (B, 3, 64, 64)."""
        identity = identity_factors(ids.to(self.device))
        extra = {self.attribute: attribute.to(self.device)} if attribute is not None else {}
        return render_faces(identity, **extra)

    def sample(self, batch_size: int, generator: torch.Generator | None = None) -> dict:
        ids = self.sample_identities(2 * batch_size, generator)
        attribute = sample_attributes(self.attribute, batch_size, generator)
        return {"x_a": self.draw(ids[:batch_size]), "x_b": self.draw(ids[batch_size:], attribute)}

    def transfer_pairs(self, n: int, generator: torch.Generator | None = None) -> dict:
        """``n`` (face a, donor b) pairs with their ground truth, all (n, 3, 64, 64) unless noted:

        ``x_a`` a without the attribute, ``x_b`` b with its own, ``transfer`` a with b's attribute,
        ``removal`` b without it, ``mask_transfer`` / ``mask_removal`` (n, 64, 64) bool: the pixels the
        attribute changes on a / on b. Also ``ids_a``, ``ids_b`` and the attribute factors.
        """
        ids = self.sample_identities(2 * n, generator)
        ids_a, ids_b = ids[:n], ids[n:]
        attribute = sample_attributes(self.attribute, n, generator)
        x_a, x_b = self.draw(ids_a), self.draw(ids_b, attribute)
        transfer, removal = self.draw(ids_a, attribute), self.draw(ids_b)
        changed = lambda u, v: (u - v).abs().amax(1) > 1 / 255
        return {
            "x_a": x_a,
            "x_b": x_b,
            "transfer": transfer,
            "removal": removal,
            "mask_transfer": changed(transfer, x_a),
            "mask_removal": changed(x_b, removal),
            "ids_a": ids_a,
            "ids_b": ids_b,
            "attribute": attribute,
        }
