"""CelebAFaces on a tiny CelebA written in the real formats: 14 JPEGs of 178x218 and the two text files."""

from __future__ import annotations

import shutil

import numpy as np
import pytest
import torch
from PIL import Image

from celeba_fixtures import BEARD_COLUMNS, BEARD_TABLE, NAMES, ROWS, attribute_lines, colour, filename, write_celeba
from disentangle_core.cli import main
from disentangle_core.data import DATASETS, CelebAFaces, make_dataset
from disentangle_core.data.celeba import domain_of

torch.set_num_threads(1)


def identify(x: torch.Tensor) -> list[int]:
    """(B, 3, S, S) fixture images -> their numbers k, read back from the red level."""
    red = x[:, 0].mean((1, 2)) * 255
    return [round((float(r) - 40) / 12) for r in red]


def expected(attribute: str, split: int, domain: str) -> list[str]:
    """The file names a domain should hold, from the table above."""
    out = []
    for k, (p, glasses, beard) in enumerate(ROWS, start=1):
        row_domain = ("b" if glasses else "a") if attribute == "glasses" else BEARD_TABLE[beard][1]
        if p == split and row_domain == domain:
            out.append(filename(k))
    return out


@pytest.fixture(scope="module")
def celeba_root(tmp_path_factory):
    return write_celeba(tmp_path_factory.mktemp("celeba_root"))


@pytest.fixture
def celeba_copy(celeba_root, tmp_path):
    """A private copy to break."""
    return shutil.copytree(celeba_root, tmp_path / "root")


def test_registered_and_sampled_with_shapes_and_range(celeba_root):
    assert DATASETS["celeba"] is CelebAFaces
    data = make_dataset("celeba", data_dir=celeba_root, attribute="glasses", device="cpu")
    assert data.name == "celeba" and data.image_shape == (3, 64, 64)
    batch = data.sample(6, torch.Generator().manual_seed(0))
    assert set(batch) == {"x_a", "x_b"}
    for x in batch.values():
        assert x.shape == (6, 3, 64, 64) and x.dtype == torch.float32 and x.device.type == "cpu"
        assert 0.0 <= x.min() and x.max() <= 1.0
    small = CelebAFaces(celeba_root, image_size=16)
    assert small.image_shape == (3, 16, 16) and small.sample(2)["x_a"].shape == (2, 3, 16, 16)


def test_domain_b_is_exactly_the_eyeglasses_images(celeba_root):
    data = CelebAFaces(celeba_root, attribute="glasses", image_size=16)
    assert data.files == {"a": expected("glasses", 0, "a"), "b": expected("glasses", 0, "b")}
    assert data.counts == {"a": 6, "b": 2} and len(data) == 8
    batch = data.sample(64, torch.Generator().manual_seed(1))
    assert (batch["x_b"][:, 1] > 0.8).all() and (batch["x_a"][:, 1] < 0.2).all()  # green: the glasses mark
    assert {filename(k) for k in identify(batch["x_b"])} == set(data.files["b"])  # both drawn, nothing else
    assert {filename(k) for k in identify(batch["x_a"])} == set(data.files["a"])


def test_images_are_the_central_square(celeba_root):
    data = CelebAFaces(celeba_root, image_size=32)
    x = data.images("a", [0])  # 000002.jpg; uncropped, its top and bottom rows would be the white strip
    target = torch.tensor(colour(2, 0)).float()[:, None, None] / 255
    assert (x[0] - target).abs().max() < 0.06
    assert torch.equal(data.images("a", torch.tensor([0, 0])), torch.cat([x, x]))


@pytest.mark.parametrize("case", BEARD_TABLE)
def test_beard_rule_row_by_row(case):
    values, domain = BEARD_TABLE[case]
    assert domain_of("beard", {c: bool(v) for c, v in zip(BEARD_COLUMNS, values)}) == domain


def test_glasses_rule_ignores_everything_else():
    assert domain_of("glasses", {"Eyeglasses": True}) == "b" and domain_of("glasses", {"Eyeglasses": False}) == "a"


def test_beard_domains_leave_out_stubble_and_women(celeba_root):
    data = CelebAFaces(celeba_root, attribute="beard", image_size=16)
    assert data.files == {"a": ["000001.jpg", "000007.jpg"], "b": ["000002.jpg", "000003.jpg", "000004.jpg"]}
    batch = data.sample(32, torch.Generator().manual_seed(0))
    assert {filename(k) for k in identify(batch["x_b"])} == set(data.files["b"])


@pytest.mark.parametrize("attribute", ["glasses", "beard"])
@pytest.mark.parametrize("split, code", [("train", 0), ("valid", 1), ("val", 1), ("test", 2)])
def test_split_selects_the_partition(celeba_root, attribute, split, code):
    data = CelebAFaces(celeba_root, attribute=attribute, split=split, image_size=8)
    assert data.files == {"a": expected(attribute, code, "a"), "b": expected(attribute, code, "b")}
    assert all(data.files.values())


def test_the_celeba_folder_itself_is_accepted(celeba_root):
    assert CelebAFaces(celeba_root / "celeba").files == CelebAFaces(celeba_root).files


def test_same_seed_same_batch(celeba_root):
    data = CelebAFaces(celeba_root, image_size=16)
    first = data.sample(8, torch.Generator().manual_seed(3))
    again = CelebAFaces(celeba_root, image_size=16).sample(8, torch.Generator().manual_seed(3))
    other = data.sample(8, torch.Generator().manual_seed(4))
    assert all(torch.equal(first[k], again[k]) for k in first)
    assert not torch.equal(first["x_a"], other["x_a"])


def _edit(path, line_number: int, new_text: str | None):
    """Replace (or, with None, delete) one line of a text file; lines count from 1."""
    lines = path.read_text().splitlines()
    if new_text is None:
        del lines[line_number - 1]
    else:
        lines[line_number - 1] = new_text
    path.write_text("\n".join(lines) + "\n")


def _row(k: int, **changes) -> str:
    """Line k + 2 of the attribute file with some values changed (or replaced by raw text)."""
    fields = attribute_lines()[k + 1].split()
    for name, value in changes.items():
        fields[1 + NAMES.index(name)] = str(value)
    return " ".join(fields)


ATTR, PART = "list_attr_celeba.txt", "list_eval_partition.txt"
BROKEN = {  # name: (how to break the copy, options, error type, fragments of the message)
    "no attribute file": (lambda c: (c / ATTR).unlink(), {}, FileNotFoundError, [f"no {ATTR} in"]),
    "no partition file": (lambda c: (c / PART).unlink(), {}, FileNotFoundError, [f"celeba/{PART} not found"]),
    "no image folder": (
        lambda c: shutil.rmtree(c / "img_align_celeba"),
        {},
        FileNotFoundError,
        ["celeba/img_align_celeba not found"],
    ),
    "count not an integer": (
        lambda c: _edit(c / ATTR, 1, "fourteen"),
        {},
        ValueError,
        ["line 1 of", ATTR, "'fourteen'"],
    ),
    "count wrong": (lambda c: _edit(c / ATTR, 1, "15"), {}, ValueError, [ATTR, "lists 14 images but", "says 15"]),
    "no Eyeglasses column": (
        lambda c: _edit(c / ATTR, 2, " ".join(NAMES).replace("Eyeglasses", "Glasses")),
        {},
        ValueError,
        ["line 2 of", ATTR, "'Eyeglasses'"],
    ),
    "no No_Beard column": (
        lambda c: _edit(c / ATTR, 2, " ".join(n for n in NAMES if n != "No_Beard")),
        {"attribute": "beard"},
        ValueError,
        ["line 2 of", ATTR, "'No_Beard'"],
    ),
    "a value too few": (
        lambda c: _edit(c / ATTR, 5, _row(3).rsplit(" ", 1)[0]),
        {},
        ValueError,
        ["line 5 of", ATTR, "39 attribute values; expected 40"],
    ),
    "a value not 1 or -1": (
        lambda c: _edit(c / ATTR, 7, _row(5, Smiling=0)),
        {},
        ValueError,
        ["line 7 of", ATTR, "the value '0'"],
    ),
    "unknown file in the partition": (
        lambda c: _edit(c / PART, 3, "999999.jpg 0"),
        {},
        ValueError,
        ["line 3 of", PART, "999999.jpg"],
    ),
    "partition value 3": (
        lambda c: _edit(c / PART, 4, "000004.jpg 3"),
        {},
        ValueError,
        ["line 4 of", PART, "partition '3'"],
    ),
    "partition line with three fields": (
        lambda c: _edit(c / PART, 2, "000002.jpg 0 1"),
        {},
        ValueError,
        ["line 2 of", PART, "3 fields"],
    ),
    "an image without a partition": (
        lambda c: _edit(c / PART, 6, None),
        {},
        ValueError,
        [PART, "gives no partition to 1 of the 14 images", "000006.jpg"],
    ),
    "no glasses in the test split": (
        lambda c: _edit(c / ATTR, 13, _row(11, Eyeglasses=-1)),
        {"split": "test"},
        ValueError,
        [ATTR, "no images of domain B", "'test' split"],
    ),
}


@pytest.mark.parametrize("case", BROKEN)
def test_broken_files_get_one_sentence_naming_the_file(celeba_copy, case):
    breaker, options, error, fragments = BROKEN[case]
    breaker(celeba_copy / "celeba")
    with pytest.raises(error) as info:
        CelebAFaces(celeba_copy, **options)
    message = str(info.value)
    assert all(f in message for f in fragments), message
    assert "\n" not in message and ". " not in message and not message.endswith(".")


@pytest.mark.parametrize(
    "content, error, fragment",
    [
        (None, FileNotFoundError, "CelebA image not found"),
        (b"not a jpeg", ValueError, "is not a readable image"),
        ("truncated", ValueError, "is not a readable image"),
    ],
)
def test_bad_images_are_named_when_read(celeba_copy, content, error, fragment):
    path = celeba_copy / "celeba" / "img_align_celeba" / "000004.jpg"  # the second glasses image of train
    data = CelebAFaces(celeba_copy, image_size=8)
    if content is None:
        path.unlink()
    elif content == "truncated":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    else:
        path.write_bytes(content)
    data.images("b", [0])  # 000001.jpg is fine
    with pytest.raises(error) as info:
        data.images("b", [0, 1])
    message = str(info.value)
    assert fragment in message and str(path) in message and "\n" not in message


def test_images_of_any_size_give_their_central_square(tmp_path):
    """A full aligned photo (178x218) and a copy already cut to its square (64x64) read alike."""
    from disentangle_core.data.celeba import load_image

    rng = np.random.default_rng(0)
    full = rng.integers(0, 256, (218, 178, 3), dtype=np.uint8)
    Image.fromarray(full).save(tmp_path / "full.png")
    Image.fromarray(full[20:198]).resize((64, 64), Image.BILINEAR).save(tmp_path / "square.png")
    Image.fromarray(full[:100, :60]).save(tmp_path / "small.png")  # any size: the square of its shorter side
    a, b = load_image(tmp_path / "full.png", 64), load_image(tmp_path / "square.png", 64)
    assert a.shape == b.shape == (3, 64, 64)
    assert torch.equal(a, b)  # the same crop, the same resize
    small = load_image(tmp_path / "small.png", 32)
    assert small.shape == (3, 32, 32)


@pytest.mark.parametrize(
    "options, fragments",
    [
        ({}, ["must be given with --data-dir", "'faces' dataset needs none"]),
        ({"data_dir": "/nonexistent/celeba_dir"}, ["CelebA folder not found: /nonexistent/celeba_dir"]),
        ({"data_dir": ".", "split": "validation"}, ["unknown CelebA split 'validation'", "train, valid, val, test"]),
        ({"data_dir": ".", "attribute": "hat"}, ["unknown face attribute 'hat'"]),
        ({"data_dir": ".", "image_size": 0}, ["image_size must be an integer from 1 to 178"]),
    ],
)
def test_bad_options_get_one_sentence(options, fragments):
    with pytest.raises((ValueError, FileNotFoundError)) as info:
        CelebAFaces(**options)
    assert all(f in str(info.value) for f in fragments), str(info.value)


def test_cli_trains_on_celeba_and_asks_for_data_dir(celeba_root, tmp_path, capsys):
    out = tmp_path / "run"
    argv = ["train", "content_ae_celeba_glasses", "--out", str(out), "--steps", "2", "--device", "cpu"]
    assert main([*argv, "--data-dir", str(celeba_root)]) == 0
    assert (out / "model.safetensors").is_file()
    capsys.readouterr()
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: CelebA must be given with --data-dir") and "\n" not in err


def test_evaluate_measures_a_celeba_model_without_ground_truth(celeba_root, tmp_path, capsys, monkeypatch):
    """The card remembers the data folder; evaluate gives reconstruction, removal change and leakage (the
    classifier's scores: tests/unit/test_photo_evaluation.py)."""
    import json

    monkeypatch.setenv("DISENTANGLE_FACES_CACHE", str(tmp_path / "cache"))  # its attribute classifier

    out = tmp_path / "run"
    assert (
        main(
            [
                "train",
                "content_ae_celeba_glasses",
                "--out",
                str(out),
                "--steps",
                "1",
                "--device",
                "cpu",
                "--data-dir",
                str(celeba_root),
                "--width=4",
                "--code_channels=8",
                "--specific_channels=2",
            ]
        )
        == 0
    )
    capsys.readouterr()
    assert main(["evaluate", str(out / "model.safetensors"), "--json", "--counts", "quick", "--device", "cpu"]) == 0
    scores = json.loads(capsys.readouterr().out)
    assert scores["attribute"] == "glasses"
    for key in ("recon_psnr", "recon_psnr_b", "removal_change_psnr", "kept_psnr"):
        assert 0 < scores[key] <= 100
    assert 0 <= scores["leakage"] <= 1
