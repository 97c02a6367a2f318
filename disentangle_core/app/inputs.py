"""Checks for everything a user can send to the app, as plain functions.

Each check returns the clean value or raises ``ValueError`` with one sentence that says what was wrong
and what is accepted; the tabs turn that sentence into a ``gr.Error``. Nothing is clamped or guessed.
Uploaded images are judged from their header (size, mode, frame count) before any pixel is decoded.
"""

from __future__ import annotations

import math
import os

import torch
from PIL import Image, ImageOps, UnidentifiedImageError

from ..data.face_align import align_face

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_SIDE = 4096  # pixels; the image is shrunk to 64x64 anyway
# Pillow refuses to open anything over twice this (DecompressionBombError) before it allocates pixels.
Image.MAX_IMAGE_PIXELS = MAX_UPLOAD_SIDE * MAX_UPLOAD_SIDE
UPLOAD_FORMATS = ("PNG", "JPEG", "GIF", "BMP", "WEBP", "TIFF")
UPLOAD_MODES = ("1", "L", "LA", "P", "PA", "RGB", "RGBA")  # 8 bits per channel at most
DEEP_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")  # 16-bit integer, 32-bit integer or float


def check_choice(value, choices, what: str) -> str:
    """``value`` if it is one of ``choices``."""
    choices = list(choices)
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"unknown {what} {value!r}; choose from: {', '.join(map(str, choices)) or '(none)'}")
    return value


def check_number(value, what: str, low: float, high: float, integer: bool = False):
    """``value`` as a float (or an int with ``integer=True``) if it is a finite number in [low, high]."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{what} must be a number between {low:g} and {high:g}, got {value!r}")
    if not math.isfinite(value) or not low <= value <= high:
        raise ValueError(f"{what} must be between {low:g} and {high:g}, got {value!r}")
    if integer:
        if not float(value).is_integer():
            raise ValueError(f"{what} must be a whole number between {low:g} and {high:g}, got {value!r}")
        return int(value)
    return float(value)


def load_binary_image(path, size: int = 64) -> torch.Tensor:
    """An uploaded image file -> (1, 1, size, size) binary float tensor, like a dSprites image.

    Bright pixels are the sprite: the image is turned to grey, resized to ``size`` x ``size`` and
    thresholded at 50% grey, so upload a light shape on a dark background.
    """
    small = open_upload(path, "L").resize((size, size), Image.BOX)
    x = torch.frombuffer(bytearray(small.tobytes()), dtype=torch.uint8).reshape(1, 1, size, size)
    return (x >= 128).float()


def load_rgb_image(path, size: int = 64) -> torch.Tensor:
    """An uploaded photo -> (1, 3, size, size) float RGB in [0, 1], like a procedural face.

    The photo is turned upright (its EXIF orientation), any transparency is laid over white, and its
    centre square is cut out and shrunk to ``size`` x ``size`` (each pixel the mean of the ones it covers).
    """
    image = open_upload(path, "RGB")
    width, height = image.size
    side = min(width, height)
    left, top = (width - side) // 2, (height - side) // 2
    small = image.resize((size, size), Image.BOX, box=(left, top, left + side, top + side))
    x = torch.frombuffer(bytearray(small.tobytes()), dtype=torch.uint8).reshape(size, size, 3)
    return x.permute(2, 0, 1)[None].float() / 255.0


def load_aligned_face(path, size: int = 64) -> torch.Tensor:
    """An uploaded photo of one face -> (1, 3, size, size) float RGB in [0, 1], aligned as CelebA's faces are
    (``data.face_align``: the eyes found and put where CelebA has them); no face, several faces or a tiny face
    get one sentence (a ``FaceAlignError``)."""
    small = align_face(open_upload(path, "RGB"), size)
    x = torch.frombuffer(bytearray(small.tobytes()), dtype=torch.uint8).reshape(size, size, 3)
    return x.permute(2, 0, 1)[None].float() / 255.0


def open_upload(path, mode: str) -> Image.Image:
    """An uploaded image file, checked from its header and then decoded to ``mode`` ("L" or "RGB")."""
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise ValueError("no image was uploaded; upload a PNG, JPEG, GIF, BMP, WebP or TIFF file")
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise ValueError("the uploaded file could not be found on the server; upload it again")
    if os.path.getsize(path) > MAX_UPLOAD_BYTES:
        raise ValueError(f"the uploaded file is over {MAX_UPLOAD_BYTES // 2**20} MB; upload a smaller image")
    try:
        image = Image.open(path)  # reads the header only
    except Image.DecompressionBombError:
        raise ValueError(
            f"the image is too large; upload one of at most {MAX_UPLOAD_SIDE} x {MAX_UPLOAD_SIDE} pixels"
        ) from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValueError("the uploaded file is not an image; upload a PNG, JPEG, GIF, BMP, WebP or TIFF file") from None
    with image:
        width, height = image.size
        if width > MAX_UPLOAD_SIDE or height > MAX_UPLOAD_SIDE:
            raise ValueError(
                f"the image is {width} x {height} pixels, too large; upload one of at most "
                f"{MAX_UPLOAD_SIDE} x {MAX_UPLOAD_SIDE} pixels"
            )
        if image.format not in UPLOAD_FORMATS:
            raise ValueError(f"{image.format} images are not accepted; upload a PNG, JPEG, GIF, BMP, WebP or TIFF file")
        if getattr(image, "n_frames", 1) > 1:
            raise ValueError("animated images are not accepted; upload a single still image")
        if image.mode == "CMYK":
            raise ValueError("CMYK images are not accepted; save the image as RGB or greyscale and upload it again")
        if image.mode in DEEP_MODES or any(";16" in _rawmode(tile) for tile in image.tile):
            raise ValueError(
                f"{image.mode} images (16 bits or more per channel) are not accepted; save it with 8 bits per channel"
            )
        if image.mode not in UPLOAD_MODES:
            raise ValueError(f"images in mode {image.mode} are not accepted; upload an RGB, RGBA or greyscale image")
        try:  # decodes the pixels
            if mode == "L":
                return image.convert("L")
            upright = ImageOps.exif_transpose(image)
            if upright.mode in ("RGBA", "LA", "PA") or "transparency" in upright.info:
                paper = Image.new("RGBA", upright.size, "white")
                return Image.alpha_composite(paper, upright.convert("RGBA")).convert("RGB")
            return upright.convert("RGB")
        except (OSError, ValueError, SyntaxError):
            raise ValueError("the image file is truncated or corrupt; upload it again") from None


def _rawmode(tile) -> str:
    """The pixel layout stored in the file for one tile (``"RGB;16B"`` for a 16-bit RGB PNG, which Pillow
    opens as 8-bit ``"RGB"``)."""
    args = tile[3]
    return args if isinstance(args, str) else str(args[0]) if isinstance(args, tuple) and args else ""
