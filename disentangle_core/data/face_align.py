"""A photo of one face, aligned to the geometry of aligned CelebA (Liu et al. 2015) for the content models.

The content-transfer models read 64x64 faces cut as CelebA's are: the aligned 178x218 photo
(``img_align_celeba``), its central 178x178 square (rows 20-197), resized. ``align_face`` finds the face
with OpenCV's Haar cascades (they ship inside the opencv-python-headless wheel, nothing is downloaded),
finds its eyes, and warps the photo by a similarity (rotation, uniform scale, shift) that puts the eyes
where aligned CelebA has them, then cuts the square as ``celeba.load_image`` does.

Where the eyes go. Run as here on 400 of the shared aligned faces (every 100th file; each 64x64 square
resized to 178x178 and its border rows repeated to 178x218), the face cascade finds 374 faces and the
eye cascade both eyes in 302 of them, their centres at (67.9, 111.8) and (107.6, 111.9) in 178x218
pixels (std 2.8 / 1.4 px); the means of CelebA's own landmark file are about (69, 111) and (108, 111).
We use (68, 111.5) and (108, 111.5): the same detector then leaves an aligned face where it is.

When the eye cascade does not find one eye on each side (eyes closed, glasses, hair, blur), or finds two
whose distance is not within a factor 1.35 of the usual one (an eyebrow or a nostril taken for an eye;
the usual distance is 0.38 of the box's width, std 0.05), the eyes are put at fixed fractions of the
face box, measured on the same faces: (0.30, 0.39) and (0.68, 0.39) of its width from its top-left
corner. ``locate_face`` says which was used.

Refusals, each a ``FaceAlignError`` (a ValueError) of one sentence: no face; several faces, unless the
largest is at least 1.5 times as wide as every other (then it is taken: a visitor in front of a
crowd, or a false detection in the background, still works); a face narrower than 40 pixels; an image
over 40 megapixels (checked from the header, before any pixel is decoded). Photos wider or taller than
1,280 pixels are searched at that size for speed, then warped from the full-size pixels. Any mode is
accepted (transparency is laid on white) and EXIF orientation is applied.

``assets/astronaut.png`` is a public-domain test face: the NASA portrait of astronaut Eileen Collins
that scikit-image ships as ``skimage/data/astronaut.png`` (512x512), cropped to the box
(left, top, right, bottom) = (112, 0, 336, 224), 224x224 pixels, the face and hair. Public domain (a work of NASA).
"""

from __future__ import annotations

from functools import cache
from typing import NamedTuple

import numpy as np
from PIL import Image, ImageOps

PHOTO_SIZE = (178, 218)  # (width, height) of an aligned CelebA photo
SQUARE_TOP = 20  # its central 178x178 square starts at row 20
LEFT_EYE, RIGHT_EYE = (68.0, 111.5), (108.0, 111.5)  # eye centres in the aligned photo (measured: see above)
EYES_IN_BOX = ((0.30, 0.39), (0.68, 0.39))  # eye centres as fractions of the face box's width, when not found
EYE_WINDOW = 0.12  # an eye detection counts when its centre lies this fraction of the box width from the above
EYE_SPREAD = 1.35  # and the two are taken when their distance is within this factor of the above's (std: 13%)
MAX_PIXELS = 40_000_000
MIN_FACE = 40  # pixels of face-box width
DETECT_SIDE = 1280  # larger photos are searched at this longer side
DOMINANT = 1.5  # the largest of several faces is taken when it is this many times wider than every other
EYE_ROI_WIDTH = 128  # the face box is resampled to this width before the eye cascade (eyes ~50 px apart)
CASCADE_MIN = 24  # the face cascade's window: smaller faces are never found


class FaceAlignError(ValueError):
    """A photo that cannot be aligned; the message is one sentence for the user."""


class FaceNotFoundError(FaceAlignError):
    pass


class MultipleFacesError(FaceAlignError):
    pass


class FaceTooSmallError(FaceAlignError):
    pass


class ImageTooLargeError(FaceAlignError):
    pass


class FaceLocation(NamedTuple):
    """Where the face is in the (EXIF-oriented) photo: its box (x, y, w, h) and eye centres (x, y)."""

    box: tuple[int, int, int, int]
    left_eye: tuple[float, float]  # the eye on the image's left (the person's right eye)
    right_eye: tuple[float, float]
    eyes_detected: bool  # False: the eyes are the fixed fractions EYES_IN_BOX of the box


@cache
def cascade(name: str):
    """One of the Haar cascades inside the opencv-python-headless wheel, loaded once."""
    try:
        import cv2
    except ImportError:
        raise ImportError("face alignment needs OpenCV: pip install 'opencv-python-headless>=4.8,<5'") from None
    if not hasattr(cv2, "CascadeClassifier"):  # OpenCV 5 moved the Haar cascades out of the main package
        raise ImportError(f"OpenCV {cv2.__version__} has no Haar cascades; install 'opencv-python-headless>=4.8,<5'")
    classifier = cv2.CascadeClassifier(cv2.data.haarcascades + name)
    if classifier.empty():
        raise ImportError(f"OpenCV's {name} could not be loaded from {cv2.data.haarcascades}")
    return classifier


def to_rgb(image: Image.Image) -> Image.Image:
    """Any PIL image -> upright RGB; refuses one over MAX_PIXELS before decoding it."""
    if not isinstance(image, Image.Image):
        raise TypeError(f"expected a PIL image, got {type(image).__name__}")
    width, height = image.size  # from the header: nothing is decoded yet
    if width * height > MAX_PIXELS:
        raise ImageTooLargeError(
            f"the image is {width}x{height} pixels ({width * height / 1e6:.0f} megapixels); "
            f"photos of up to {MAX_PIXELS // 1_000_000} megapixels are accepted"
        )
    if width == 0 or height == 0:
        raise FaceNotFoundError(f"the image is {width}x{height} pixels: there is no face to find in it")
    image = ImageOps.exif_transpose(image)
    if image.mode.startswith("I;16"):  # 16-bit grey: keep the top 8 bits (convert("L") would clip at 255)
        image = Image.fromarray((np.asarray(image, dtype=np.uint16) >> 8).astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        white = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, rgba).convert("RGB")
    return image.convert("RGB")


def find_face(gray: np.ndarray) -> tuple[int, int, int, int]:
    """(H, W) uint8 grey photo -> the box (x, y, w, h) of its one face (or its clearly largest one)."""
    import cv2

    scale = min(1.0, DETECT_SIDE / max(gray.shape))
    small = gray if scale == 1.0 else cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    boxes = cascade("haarcascade_frontalface_default.xml").detectMultiScale(
        small, scaleFactor=1.1, minNeighbors=5, minSize=(CASCADE_MIN, CASCADE_MIN)
    )
    if len(boxes) == 0:
        raise FaceNotFoundError(
            f"no face was found; upload a photo of one face seen from the front, at least {MIN_FACE} pixels wide"
        )
    boxes = sorted((tuple(int(round(v / scale)) for v in box) for box in boxes), key=lambda b: -b[2])
    if len(boxes) > 1 and boxes[0][2] < DOMINANT * boxes[1][2]:
        raise MultipleFacesError(
            f"{len(boxes)} faces of similar size were found; upload a photo of one face (or crop it to one)"
        )
    box = boxes[0]
    if box[2] < MIN_FACE:
        raise FaceTooSmallError(
            f"the face is {box[2]} pixels wide; faces of at least {MIN_FACE} pixels are "
            "accepted: upload a larger or closer photo"
        )
    return box


def distance(a, b) -> float:
    return float(np.hypot(b[0] - a[0], b[1] - a[1]))


def find_eyes(gray: np.ndarray, box) -> tuple[tuple[float, float], tuple[float, float], bool]:
    """The eye centres (left, right, detected) in the face box (x, y, w, h) of the grey photo."""
    import cv2

    x, y, w, h = box
    k = EYE_ROI_WIDTH / w  # the box is resampled so the eye cascade sees eyes at one size
    roi = cv2.resize(
        gray[y : y + int(0.6 * h), x : x + w],
        (EYE_ROI_WIDTH, max(1, round(0.6 * h * k))),
        interpolation=cv2.INTER_AREA if k < 1 else cv2.INTER_LINEAR,
    )
    eyes = cascade("haarcascade_eye.xml").detectMultiScale(
        roi, scaleFactor=1.1, minNeighbors=3, minSize=(EYE_ROI_WIDTH // 8,) * 2, maxSize=(EYE_ROI_WIDTH // 2,) * 2
    )
    centres = [((ex + ew / 2) / EYE_ROI_WIDTH, (ey + eh / 2) / EYE_ROI_WIDTH) for ex, ey, ew, eh in eyes]
    found = []
    for expected in EYES_IN_BOX:  # the detection nearest the expected place, if near enough
        near = [c for c in centres if max(abs(c[0] - expected[0]), abs(c[1] - expected[1])) < EYE_WINDOW]
        found.append(min(near, key=lambda c: (c[0] - expected[0]) ** 2 + (c[1] - expected[1]) ** 2) if near else None)
    detected = all(found) and 1 / EYE_SPREAD <= distance(*found) / distance(*EYES_IN_BOX) <= EYE_SPREAD
    left, right = found if detected else EYES_IN_BOX
    to_photo = lambda eye: (float(x + eye[0] * w), float(y + eye[1] * w))
    return to_photo(left), to_photo(right), detected


def locate_face(image: Image.Image) -> FaceLocation:
    """The face box and eye centres of a photo (in its EXIF-oriented pixels); refusals as ``align_face``."""
    gray = np.asarray(to_rgb(image).convert("L"))
    box = find_face(gray)
    return FaceLocation(box, *find_eyes(gray, box))


def similarity(left, right, target_left=LEFT_EYE, target_right=RIGHT_EYE) -> np.ndarray:
    """The 2x3 matrix of the rotation + uniform scale + shift taking the eyes (left, right) to the targets."""
    src, dst = complex(*right) - complex(*left), complex(*target_right) - complex(*target_left)
    a = dst / src  # scale * e^(i angle): as complex numbers, p -> a p + t
    t = complex(*target_left) - a * complex(*left)
    return np.array([[a.real, -a.imag, t.real], [a.imag, a.real, t.imag]])


def aligned_photo(image: Image.Image) -> Image.Image:
    """A photo of one face -> a 178x218 RGB photo aligned as CelebA's ``img_align_celeba``.

    The eyes land at LEFT_EYE and RIGHT_EYE; where the frame reaches past the photo, its border pixels
    are repeated.
    """
    import cv2

    rgb = to_rgb(image)
    gray = np.asarray(rgb.convert("L"))
    left, right, _ = find_eyes(gray, find_face(gray))
    left, right = np.array(left), np.array(right)
    scale = abs(complex(*RIGHT_EYE) - complex(*LEFT_EYE)) / np.linalg.norm(right - left)
    if scale < 1:  # shrinking: resample the frame's part of the photo with a low-pass filter first (no aliasing)
        inverse = cv2.invertAffineTransform(similarity(left, right))
        corners = np.array([[0, 0, 1], [PHOTO_SIZE[0], 0, 1], [0, PHOTO_SIZE[1], 1], [*PHOTO_SIZE, 1]]) @ inverse.T
        x0, y0 = np.maximum(np.floor(corners.min(0)) - 2, 0).astype(int)
        x1, y1 = np.minimum(np.ceil(corners.max(0)) + 2, rgb.size).astype(int)
        part = rgb.crop((x0, y0, x1, y1))
        size = (max(1, round(part.width * scale)), max(1, round(part.height * scale)))
        rgb = part.resize(size, Image.LANCZOS)
        zoom = np.array([size[0] / part.width, size[1] / part.height])
        left, right = (left - (x0, y0)) * zoom, (right - (x0, y0)) * zoom
    pixels = cv2.warpAffine(
        np.asarray(rgb), similarity(left, right), PHOTO_SIZE, flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
    )
    return Image.fromarray(pixels, "RGB")


def align_face(image: Image.Image, size: int = 64) -> Image.Image:
    """A photo of one face -> a size x size RGB face cut as the kit's CelebA faces are (see the module's text).

    The aligned photo's central 178x178 square (rows 20-197), resized as ``celeba.load_image`` does.
    """
    if not isinstance(size, int) or not 1 <= size <= PHOTO_SIZE[0]:
        raise ValueError(f"size must be an integer from 1 to {PHOTO_SIZE[0]} (the aligned square), got {size!r}")
    photo = aligned_photo(image)
    square = photo.crop((0, SQUARE_TOP, PHOTO_SIZE[0], SQUARE_TOP + PHOTO_SIZE[0]))
    return square if size == PHOTO_SIZE[0] else square.resize((size, size), Image.BILINEAR)
