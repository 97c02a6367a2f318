import math

import numpy as np
import pytest
import torch

from disentangle_core.data import DSpritesNPZ, make_dataset
from disentangle_core.data.dsprites import (
    FACTOR_BASES,
    FACTOR_NAMES,
    FACTOR_SIZES,
    NUM_IMAGES,
    classes_to_index,
    factor_values,
    index_to_classes,
    render_sprites,
    render_sprites_exact,
    sample_classes,
)


def one(shape=0, scale=5, orientation=0, pos_x=16, pos_y=16):
    return render_sprites(torch.tensor([[shape, scale, orientation, pos_x, pos_y]]))[0, 0]


def centroid(img):
    ys, xs = torch.nonzero(img, as_tuple=True)
    return xs.float().mean().item(), ys.float().mean().item()


def test_factor_grid_matches_the_official_file():
    assert FACTOR_NAMES == ("shape", "scale", "orientation", "posX", "posY")
    assert FACTOR_SIZES == (3, 6, 40, 32, 32)
    assert FACTOR_BASES == (245760, 40960, 1024, 32, 1)
    assert math.prod(FACTOR_SIZES) == NUM_IMAGES == 737280
    assert torch.allclose(factor_values("scale"), torch.tensor([0.5, 0.6, 0.7, 0.8, 0.9, 1.0]))
    orientation = factor_values("orientation")
    assert orientation[0] == 0 and orientation[-1] == pytest.approx(2 * math.pi) and len(orientation) == 40
    assert factor_values("posX")[-1] == 1.0 and len(factor_values("posY")) == 32
    with pytest.raises(ValueError, match="unknown dSprites factor 'color'"):
        factor_values("color")


def test_index_and_classes_round_trip():
    index = torch.tensor([0, 1, 32, 1024, 40960, 245760, NUM_IMAGES - 1])
    classes = index_to_classes(index)
    assert classes[-1].tolist() == [2, 5, 39, 31, 31]
    assert classes[2].tolist() == [0, 0, 0, 1, 0]  # posY is the fastest-moving factor
    assert torch.equal(classes_to_index(classes), index)
    random = sample_classes(1000, torch.Generator().manual_seed(0))
    assert torch.equal(index_to_classes(classes_to_index(random)), random)
    with pytest.raises(ValueError, match="out of range"):
        index_to_classes(torch.tensor([NUM_IMAGES]))


def test_sprite_centroid_follows_position():
    xs = [centroid(one(pos_x=k))[0] for k in (0, 10, 20, 31)]
    ys = [centroid(one(pos_y=k))[1] for k in (0, 10, 20, 31)]
    assert all(a < b for a, b in zip(xs, xs[1:])) and all(a < b for a, b in zip(ys, ys[1:]))
    assert centroid(one(pos_x=31))[0] - centroid(one(pos_x=0))[0] == pytest.approx(31, abs=0.5)
    # moving in x leaves y alone
    assert centroid(one(pos_x=0))[1] == pytest.approx(centroid(one(pos_x=31))[1], abs=0.01)


@pytest.mark.parametrize("shape", [0, 1, 2])
def test_area_grows_with_scale(shape):
    areas = [one(shape=shape, scale=s).sum().item() for s in range(6)]
    assert all(a < b for a, b in zip(areas, areas[1:]))
    assert areas[-1] / areas[0] == pytest.approx(4.0, rel=0.2)  # area ~ scale^2: (1.0 / 0.5)^2


def test_orientation_rotates_the_sprite():
    upright, turned = one(shape=1, orientation=0), one(shape=1, orientation=10)  # ellipse, 0 and ~92 degrees
    assert upright.sum().item() == pytest.approx(turned.sum().item(), rel=0.1)  # same area
    width = lambda img: img.any(0).sum().item()
    height = lambda img: img.any(1).sum().item()
    assert width(upright) > 1.5 * height(upright) and height(turned) > 1.5 * width(turned)
    # 0 and 2π are the same pose (up to a boundary pixel or two of float rounding)
    assert (one(shape=2, orientation=0) != one(shape=2, orientation=39)).sum() <= 3


def test_each_shape_differs():
    square, ellipse, heart = (one(shape=s) for s in range(3))
    assert not torch.equal(square, ellipse) and not torch.equal(ellipse, heart) and not torch.equal(square, heart)
    assert square.sum() > heart.sum() > ellipse.sum()


def test_fast_renderer_equals_the_exact_one_and_stays_inside():
    classes = sample_classes(3000, torch.Generator().manual_seed(1))
    assert torch.equal(render_sprites(classes), render_sprites_exact(classes))
    corners = torch.tensor(
        [[s, 5, o, x, y] for s in range(3) for o in range(0, 40, 3) for x in (0, 31) for y in (0, 31)]
    )
    images = render_sprites(corners)
    border = images[..., 0, :].sum() + images[..., -1, :].sum() + images[..., :, 0].sum() + images[..., :, -1].sum()
    assert border == 0 and (images.flatten(1).sum(1) > 0).all()


def test_procedural_dataset_samples_reproducibly():
    data = make_dataset("dsprites")
    a = data.sample(16, torch.Generator().manual_seed(3))
    b = data.sample(16, torch.Generator().manual_seed(3))
    assert a["x"].shape == (16, 1, 64, 64) and a["factors"].shape == (16, 5)
    assert torch.equal(a["x"], b["x"]) and set(a["x"].unique().tolist()) <= {0.0, 1.0}
    assert torch.equal(data.images(a["factors"]), a["x"])
    with pytest.raises(ValueError, match="unknown dataset 'mnist3d'; choose from"):
        make_dataset("mnist3d")


def write_npz_fixture(path, n=200, seed=0):
    """A small file with the official keys, dtypes and metadata layout of dSprites."""
    rng = np.random.default_rng(seed)
    index = rng.choice(NUM_IMAGES, size=n, replace=False)
    classes = index_to_classes(torch.from_numpy(index)).numpy()
    imgs = render_sprites(torch.from_numpy(classes)).squeeze(1).numpy().astype(np.uint8)
    latents_classes = np.concatenate([np.zeros((n, 1), np.int64), classes], 1)
    values = np.stack([factor_values(name).numpy()[classes[:, i]] for i, name in enumerate(FACTOR_NAMES)], 1)
    latents_values = np.concatenate([np.ones((n, 1)), values], 1)
    metadata = {
        "latents_names": ("color",) + FACTOR_NAMES,
        "latents_sizes": np.array((1,) + FACTOR_SIZES),
        "description": "fixture in the layout of dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz",
    }
    np.savez_compressed(
        path,
        imgs=imgs,
        latents_classes=latents_classes,
        latents_values=latents_values,
        metadata=np.array(metadata, dtype=object),
    )
    return classes, imgs


def test_npz_loader_reads_the_official_layout(tmp_path, monkeypatch):
    path = tmp_path / "dsprites_ndarray_co1sh3sc6or40x32y32_64x64.npz"
    classes, imgs = write_npz_fixture(path)
    monkeypatch.setenv("DSPRITES_NPZ", str(path))
    data = DSpritesNPZ()  # path from the environment variable
    assert data.imgs.dtype == np.uint8 and len(data) == 200
    assert data.metadata["latents_sizes"].tolist() == [1, 3, 6, 40, 32, 32]
    batch = data.sample(32, torch.Generator().manual_seed(0))
    assert batch["x"].shape == (32, 1, 64, 64)
    assert torch.equal(batch["x"], render_sprites(batch["factors"]))  # each image matches its factors
    assert torch.equal(data.images(torch.from_numpy(classes[:5])).squeeze(1).byte(), torch.from_numpy(imgs[:5]))
    missing = torch.tensor([[0, 0, 0, 0, 0]]) if 0 not in classes_to_index(torch.from_numpy(classes)) else None
    if missing is not None:
        with pytest.raises(ValueError, match="not in this dSprites file"):
            data.images(missing)


def test_npz_loader_errors(tmp_path, monkeypatch):
    monkeypatch.delenv("DSPRITES_NPZ", raising=False)
    with pytest.raises(ValueError, match="set DSPRITES_NPZ"):
        DSpritesNPZ()
    with pytest.raises(FileNotFoundError, match="not found"):
        DSpritesNPZ(tmp_path / "nope.npz")
    np.savez(tmp_path / "other.npz", images=np.zeros((2, 64, 64), np.uint8))
    with pytest.raises(ValueError, match="missing keys"):
        DSpritesNPZ(tmp_path / "other.npz")
