import torch
from PIL import Image

from disentangle_core.models import build_model
from disentangle_core.plotting import reconstructions, save_gif, traversal_frames, traversal_grid
from disentangle_core.traversal import rank_latents, traverse


def test_traversal_rows_are_ranked_by_kl(tiny_data):
    torch.manual_seed(0)
    model = build_model("beta_vae", latent_dim=4).eval()
    with torch.no_grad():  # make latent 2 the only informative one: its logvar is very negative
        model.encoder.net[-1].bias[4 + 2] = -6.0
        model.encoder.net[-1].weight[2] *= 30
    x = tiny_data.sample(64, torch.Generator().manual_seed(0))["x"]
    order, kl = rank_latents(model, x)
    assert order[0] == 2 and kl[2] == kl.max()
    tr = traverse(model, x, steps=7)
    assert tr.images.shape == (4, 7, 1, 64, 64) and tr.dims == order
    assert tr.values[0, 0] == -2.0 and tr.values[0, -1] == 2.0
    assert 0 <= tr.images.min() and tr.images.max() <= 1


def test_autoencoder_traverses_the_range_of_its_codes(tiny_data):
    model = build_model("autoencoder", latent_dim=3).eval()
    x = tiny_data.sample(32, torch.Generator().manual_seed(0))["x"]
    tr = traverse(model, x, steps=5)
    z = model.representation(x)
    assert tr.activity_name == "var"
    assert torch.allclose(tr.values[:, 2], z.mean(0)[tr.dims], atol=1e-5)  # centred on the codes' mean


def test_pictures(tiny_data, tmp_path):
    model = build_model("beta_vae", latent_dim=3).eval()
    x = tiny_data.sample(16, torch.Generator().manual_seed(0))["x"]
    grid = traversal_grid(traverse(model, x, steps=6))
    assert isinstance(grid, Image.Image) and grid.height == 3 * 66 + 2 and grid.width > 6 * 66
    frames = traversal_frames([traverse(model, x, steps=6, index=i) for i in range(2)])
    assert len(frames) == 6 + 4  # forth and back
    gif = save_gif(frames, tmp_path / "t.gif")
    with Image.open(gif) as im:
        assert im.format == "GIF" and im.n_frames == 10
    assert reconstructions(x[:4], x[:4]).size == (4 * 66 + 2, 2 * 66 + 2)
    assert model.training is False  # plotting never changes the mode


def test_a_sweep_decoded_on_parallel_threads_gives_the_same_images():
    from disentangle_core.traversal import sweep

    torch.manual_seed(0)
    model = build_model("beta_vae").eval()
    d = model.config.latent_dim
    args = (torch.randn(d), list(range(d)), torch.ones(d), torch.full((d,), -3.0), torch.full((d,), 3.0), 8)
    assert torch.equal(sweep(model, *args, workers=3).images, sweep(model, *args).images)


def test_the_greyscale_grid_has_the_pixels_of_torchvisions_make_grid():
    import numpy as np
    from torchvision.utils import make_grid

    from disentangle_core.plotting import PAD, to_pil

    images = torch.rand(12, 1, 64, 64)
    reference = (make_grid(images, nrow=4, padding=PAD, pad_value=0.35) * 255).round().byte()[0].numpy()
    grid = to_pil(images, nrow=4)
    assert grid.mode == "L" and np.array_equal(np.asarray(grid), reference)
