import copy

import pytest
import torch
from torch import nn

from disentangle_core.models import build_model
from disentangle_core.models.nets import FoldedConvTranspose2d, for_cpu_inference


@pytest.mark.parametrize("channels_out, size, stride, padding", [(1, 4, 2, 1), (3, 4, 2, 1), (2, 3, 1, 0)])
def test_folded_transposed_convolution_matches_torch(channels_out, size, stride, padding):
    torch.manual_seed(0)
    layer = nn.ConvTranspose2d(8, channels_out, size, stride=stride, padding=padding)
    x = torch.randn(5, 8, 7, 9)
    assert torch.allclose(FoldedConvTranspose2d(layer)(x), layer(x), atol=1e-5)


def test_folding_refuses_what_it_cannot_compute():
    with pytest.raises(ValueError, match="only plain transposed convolutions"):
        FoldedConvTranspose2d(nn.ConvTranspose2d(4, 4, 3, stride=2, output_padding=1))


def test_cpu_inference_model_draws_the_same_images():
    torch.manual_seed(0)
    model = build_model("beta_vae").eval()
    fast = for_cpu_inference(copy.deepcopy(model))
    assert isinstance(fast.decoder.net[-1], FoldedConvTranspose2d)
    assert fast.state_dict().keys() == model.state_dict().keys()
    z, x = torch.randn(16, 10), torch.rand(4, 1, 64, 64)
    with torch.inference_mode():
        assert torch.allclose(fast.decode(z), model.decode(z), atol=1e-4)
        assert torch.allclose(fast.representation(x), model.representation(x), atol=1e-5)
