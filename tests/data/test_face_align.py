"""Aligning a photo to aligned CelebA's geometry: the shipped astronaut, refusals, modes, and real CelebA faces."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from disentangle_core.data.celeba import load_image
from disentangle_core.data.face_align import (
    EYES_IN_BOX,
    LEFT_EYE,
    MAX_PIXELS,
    MIN_FACE,
    RIGHT_EYE,
    FaceAlignError,
    FaceNotFoundError,
    FaceTooSmallError,
    ImageTooLargeError,
    MultipleFacesError,
    align_face,
    aligned_photo,
    find_eyes,
    locate_face,
    similarity,
)

ASTRONAUT = Path(__file__).resolve().parents[2] / "assets" / "astronaut.png"  # public domain (NASA)
GREY = (128, 128, 128)


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    with Image.open(ASTRONAUT) as image:
        return image.convert("RGB")


@pytest.fixture(scope="module")
def aligned(astronaut) -> np.ndarray:
    return pixels(align_face(astronaut))


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image, dtype=np.float64) / 255


def on_canvas(face: Image.Image, size, at, colour=GREY) -> Image.Image:
    canvas = Image.new("RGB", size, colour)
    canvas.paste(face, at)
    return canvas


def eye_error(location) -> float:
    """The larger distance, in pixels, of the two located eyes from where aligned CelebA has them."""
    return max(
        np.hypot(*np.subtract(location.left_eye, LEFT_EYE)), np.hypot(*np.subtract(location.right_eye, RIGHT_EYE))
    )


def test_similarity_takes_the_eyes_to_the_targets():
    for left, right in [((10, 20), (50, 20)), ((300, 410), (380, 380)), ((5.5, 7.0), (9.0, 12.5))]:
        matrix = similarity(left, right)
        assert np.allclose(matrix @ [*left, 1], LEFT_EYE) and np.allclose(matrix @ [*right, 1], RIGHT_EYE)
        linear = matrix[:, :2]
        assert np.allclose(linear @ linear.T, np.eye(2) * np.linalg.det(linear))  # rotation times one scale
    assert np.allclose(similarity(LEFT_EYE, RIGHT_EYE), [[1, 0, 0], [0, 1, 0]])  # aligned eyes stay put


def test_the_astronaut_aligns_with_her_eyes_where_celeba_has_them(astronaut):
    assert ASTRONAUT.stat().st_size < 100_000 and astronaut.size == (224, 224)  # the shipped crop
    assert locate_face(astronaut).eyes_detected  # the eye cascade, not the face box's fractions
    face = align_face(astronaut)
    assert face.size == (64, 64) and face.mode == "RGB"
    photo = aligned_photo(astronaut)
    assert photo.size == (178, 218)
    again = locate_face(photo)  # the same detector on the result finds the eyes at the targets
    assert again.eyes_detected and eye_error(again) < 3, again
    # the 64x64 face is the aligned photo cut as the kit's CelebA loader cuts img_align_celeba
    square = photo.crop((0, 20, 178, 198)).resize((64, 64), Image.BILINEAR)
    assert np.array_equal(np.asarray(face), np.asarray(square))
    assert align_face(astronaut, size=178).size == (178, 178)


def test_the_loader_reads_an_aligned_photo_as_align_face_cuts_it(astronaut, aligned, tmp_path):
    path = tmp_path / "aligned.png"
    aligned_photo(astronaut).save(path)
    loaded = load_image(path, 64).permute(1, 2, 0).numpy()
    assert np.abs(loaded - aligned).max() < 1e-6


@pytest.mark.parametrize(
    "image",
    [
        Image.new("RGB", (256, 256), GREY),
        Image.fromarray(np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)),
        Image.new("RGB", (1, 1)),
    ],
    ids=["blank", "noise", "one pixel"],
)
def test_no_face_gets_the_no_face_sentence(image):
    with pytest.raises(FaceNotFoundError, match=r"^no face was found; upload a photo of one face"):
        align_face(image)


def test_two_faces_of_one_size_are_refused_and_a_dominant_one_is_taken(astronaut):
    two = on_canvas(astronaut, (448, 224), (0, 0))
    two.paste(astronaut, (224, 0))
    with pytest.raises(MultipleFacesError, match=r"^2 faces of similar size were found; upload a photo of one face"):
        align_face(two)
    big_and_small = on_canvas(astronaut, (336, 224), (0, 0))
    big_and_small.paste(astronaut.resize((112, 112), Image.LANCZOS), (224, 56))  # half as wide: not a rival
    x, _, w, _ = locate_face(big_and_small).box
    assert x + w <= 224 and w > 80  # the astronaut on the left, at full size
    assert eye_error(locate_face(aligned_photo(big_and_small))) < 3


def test_a_tiny_face_gets_the_too_small_sentence(astronaut):
    tiny = on_canvas(astronaut.resize((70, 70), Image.LANCZOS), (300, 300), (100, 100))  # a face ~30 px wide
    with pytest.raises(FaceTooSmallError, match=rf"^the face is \d+ pixels wide; faces of at least {MIN_FACE} pixels"):
        align_face(tiny)


def header_only_png(width: int, height: int) -> Image.Image:
    """A PNG of width x height that is all header: opening it reads the size, decoding it would fail."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return Image.open(io.BytesIO(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")))


def test_a_too_large_image_is_refused_from_its_header(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)  # PIL's own guard (which the app lowers) is not tested here
    image = header_only_png(8000, 6000)  # 48 megapixels that are never decoded (the file holds none)
    assert image.size[0] * image.size[1] > MAX_PIXELS
    with pytest.raises(
        ImageTooLargeError, match=r"^the image is 8000x6000 pixels \(48 megapixels\); photos of up to 40"
    ):
        align_face(image)
    with pytest.raises(OSError):
        header_only_png(64, 64).load()  # so align_face read no pixel above


def test_a_large_photo_is_searched_small_and_warped_from_full_size(astronaut, aligned):
    photo = on_canvas(astronaut.resize((1344, 1344), Image.BICUBIC), (2400, 1600), (500, 100))
    location = locate_face(photo)
    assert location.eyes_detected and location.box[2] > 400
    assert eye_error(locate_face(aligned_photo(photo))) < 3
    centre = (slice(20, 60), slice(12, 52))  # the face: around it the canvas shows where the photo repeated its edge
    assert np.abs(pixels(align_face(photo))[centre] - aligned[centre]).mean() < 0.06  # eyes found 1-2 px apart


@pytest.mark.parametrize("mode", ["CMYK", "RGBA", "P", "L", "LA"])
def test_any_mode_is_read_as_rgb(astronaut, aligned, mode):
    face = align_face(astronaut.convert(mode))
    assert face.size == (64, 64) and face.mode == "RGB"
    if mode in ("L", "LA"):
        assert np.abs(pixels(face) - pixels(align_face(astronaut.convert("L").convert("RGB")))).max() == 0
    else:
        assert np.abs(pixels(face) - aligned).mean() < 0.03


def test_transparency_is_laid_on_white(astronaut):
    clear = Image.new("RGBA", (336, 336), (0, 0, 0, 0))  # transparent black around the photo
    clear.paste(astronaut.convert("RGBA"), (56, 56))
    photo = aligned_photo(clear)
    assert photo.getpixel((0, 0)) == (255, 255, 255)
    assert eye_error(locate_face(photo)) < 3


def test_a_16_bit_grey_photo_keeps_its_contrast(astronaut, aligned):
    grey = np.asarray(astronaut.convert("L"), dtype=np.uint16) * 257  # 0..65535
    face = align_face(Image.fromarray(grey.astype(np.uint16)))
    assert np.abs(pixels(face).mean(2) - aligned.mean(2)).mean() < 0.03


def test_exif_orientation_is_applied(astronaut, aligned):
    stored = astronaut.transpose(Image.Transpose.ROTATE_90)  # as a camera held sideways stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # Orientation: turn 90 degrees clockwise to show
    buffer = io.BytesIO()
    stored.save(buffer, "PNG", exif=exif)
    with Image.open(buffer) as upload:
        assert np.array_equal(pixels(align_face(upload)), aligned)
    with pytest.raises(FaceNotFoundError):
        align_face(stored)  # the same pixels without the tag: the face lies on its side


def test_without_eyes_the_face_box_places_them():
    blank = np.full((300, 300), 128, dtype=np.uint8)  # a face box in which the eye cascade finds nothing
    left, right, detected = find_eyes(blank, (50, 60, 100, 100))
    assert not detected
    assert np.allclose(left, (50 + 100 * EYES_IN_BOX[0][0], 60 + 100 * EYES_IN_BOX[0][1]))
    assert np.allclose(right, (50 + 100 * EYES_IN_BOX[1][0], 60 + 100 * EYES_IN_BOX[1][1]))


def test_bad_arguments_get_one_sentence(astronaut):
    with pytest.raises(TypeError, match="expected a PIL image, got str"):
        align_face("face.jpg")
    with pytest.raises(ValueError, match="size must be an integer from 1 to 178"):
        align_face(astronaut, size=256)
    assert issubclass(FaceAlignError, ValueError)
    assert all(issubclass(e, FaceAlignError) for e in (FaceNotFoundError, MultipleFacesError, FaceTooSmallError))


@pytest.mark.slow
def test_aligned_celeba_faces_barely_move(shared_data):
    """~50 real aligned faces, drawn back at 178x218: aligning them again moves their eyes a pixel or two."""
    folder = shared_data / "celeba" / "img_align_celeba"
    if not folder.is_dir():
        pytest.skip(f"CelebA not found at {folder}")
    files = sorted(folder.glob("*.jpg"))[::900][:50]
    shifts, scales, angles, differences, eyes = [], [], [], [], 0
    for path in files:
        with Image.open(path) as image:
            face = image.convert("RGB")  # the 64x64 square, as the models read it
        square = np.asarray(face.resize((178, 178), Image.BICUBIC))
        photo = Image.fromarray(np.pad(square, ((20, 20), (0, 0), (0, 0)), mode="edge"))  # 178x218, eyes at row ~111
        try:
            location = locate_face(photo)
        except FaceAlignError:
            continue
        eyes += location.eyes_detected
        left, right = np.array(location.left_eye), np.array(location.right_eye)
        shifts.append(np.hypot(*((left + right) / 2 - np.add(LEFT_EYE, RIGHT_EYE) / 2)))
        scales.append(abs(np.log(np.hypot(*(right - left)) / (RIGHT_EYE[0] - LEFT_EYE[0]))))
        angles.append(abs(np.degrees(np.arctan2(*(right - left)[::-1]))))
        differences.append(np.abs(pixels(align_face(photo)) - pixels(face)).mean())
    found = len(differences)
    print(
        f"\n{found} of {len(files)} faces found, both eyes in {eyes}; eye midpoint moved {np.median(shifts):.1f} px "
        f"(median, 178x218), scale {np.median(scales):.3f} (median |log|), tilt {np.median(angles):.1f} deg, "
        f"mean absolute difference {np.mean(differences):.3f}"
    )
    assert found >= 0.9 * len(files)
    assert eyes >= 0.7 * found
    assert np.median(shifts) < 3 and np.median(scales) < 0.1 and np.median(angles) < 3
    assert np.mean(differences) < 0.1  # a 2-pixel shift of these faces alone differs by about 0.08
