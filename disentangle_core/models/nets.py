"""The convolutional encoder and decoder of Burgess et al. (2018), used by every 64x64 model.

Encoder: 4 conv layers of 32 channels (4x4, stride 2) 64 -> 32 -> 16 -> 8 -> 4, then two FC of 256.
The decoder mirrors it with transposed convolutions and returns logits.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class Float32Linear(nn.Linear):
    """A linear layer computed in fp32 even under bf16 autocast, for the layers next to the latent code.

    bf16 keeps 8 bits of mantissa: rounding z (or the encoder's mu and logvar) moves it by ~0.4%, a noise
    of 5-10% of an active latent's posterior width. Measured on the β-VAE showcase, bf16 throughout ended
    0.6-1.2 nats lower in KL than fp32. These two layers are a negligible share of the arithmetic.
    """

    def forward(self, x):
        with torch.autocast(x.device.type, enabled=False):
            return super().forward(x.float())


class ConvEncoder(nn.Module):
    def __init__(self, in_channels: int, out_dim: int, channels: int = 32, hidden: int = 256):
        super().__init__()
        conv = lambda cin: [nn.Conv2d(cin, channels, 4, stride=2, padding=1), nn.ReLU(inplace=True)]
        self.net = nn.Sequential(
            *conv(in_channels),
            *conv(channels),
            *conv(channels),
            *conv(channels),  # (B, 32, 4, 4)
            nn.Flatten(),
            nn.Linear(channels * 4 * 4, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            Float32Linear(hidden, out_dim),  # (B, out_dim): mu and logvar
        )

    def forward(self, x):  # (B, C, 64, 64) -> (B, out_dim)
        return self.net(x)


class ConvDecoder(nn.Module):
    def __init__(self, latent_dim: int, out_channels: int, channels: int = 32, hidden: int = 256):
        super().__init__()
        deconv = lambda cout: nn.ConvTranspose2d(channels, cout, 4, stride=2, padding=1)
        self.net = nn.Sequential(
            Float32Linear(latent_dim, hidden),
            nn.ReLU(inplace=True),  # z read in fp32
            nn.Linear(hidden, hidden),
            nn.ReLU(inplace=True),
            nn.Linear(hidden, channels * 4 * 4),
            nn.ReLU(inplace=True),
            nn.Unflatten(1, (channels, 4, 4)),
            deconv(channels),
            nn.ReLU(inplace=True),
            deconv(channels),
            nn.ReLU(inplace=True),
            deconv(channels),
            nn.ReLU(inplace=True),
            deconv(out_channels),  # (B, C, 64, 64) logits
        )

    def forward(self, z):  # (B, latent_dim) -> (B, C, 64, 64)
        return self.net(z)


class FoldedConvTranspose2d(nn.Module):
    """An ``nn.ConvTranspose2d`` evaluated as one matmul and a col2im (``F.fold``): the same sums, in
    another order (outputs agree to ~1e-6). For inference with few output channels, where oneDNN's
    transposed convolution is slow on a CPU: the decoder's last layer (32 -> 1 channel, 32x32 -> 64x64)
    takes 6.8 ms instead of 17.5 ms for 80 images on one core. Shares the layer's weights.
    """

    def __init__(self, layer: nn.ConvTranspose2d):
        super().__init__()
        if layer.groups != 1 or layer.dilation != (1, 1) or layer.output_padding != (0, 0):
            raise ValueError("only plain transposed convolutions (groups 1, no dilation or output padding) fold")
        self.weight, self.bias = layer.weight, layer.bias  # (C_in, C_out, k, k), (C_out,)
        self.kernel_size, self.stride, self.padding = layer.kernel_size, layer.stride, layer.padding

    def forward(self, x):  # (B, C_in, H, W) -> (B, C_out, H', W')
        b, c, h, w = x.shape
        columns = self.weight.flatten(1).t() @ x.reshape(b, c, h * w)  # (B, C_out * k * k, H * W)
        size = tuple((n - 1) * s - 2 * p + k for n, s, p, k in zip((h, w), self.stride, self.padding, self.kernel_size))
        out = F.fold(columns, size, self.kernel_size, padding=self.padding, stride=self.stride)
        return out if self.bias is None else out + self.bias.view(1, -1, 1, 1)


def for_cpu_inference(model: nn.Module, max_folded_channels: int = 4) -> nn.Module:
    """Make ``model`` (in place) faster to evaluate on a CPU, with the same outputs: channels-last
    weights (oneDNN's fastest layout, 1.3-2x for the 32-channel layers) and transposed convolutions
    with at most ``max_folded_channels`` outputs folded. Not for training: returns ``model`` in eval mode.
    """
    for module in list(model.modules()):
        for name, child in module.named_children():
            if isinstance(child, nn.ConvTranspose2d) and child.out_channels <= max_folded_channels:
                setattr(module, name, FoldedConvTranspose2d(child))
    return model.to(memory_format=torch.channels_last).eval()


class GaussianMLP(nn.Module):
    """Two-layer MLP encoder of feature or attribute vectors: (B, in_dim) -> mu, logvar, each (B, out_dim).

    CADA-VAE's encoders (Schönfeld et al. 2019): Linear -> ReLU -> Linear to mu and logvar, weights
    Xavier-uniform and biases 0 as in the official code.
    """

    def __init__(self, in_dim: int, hidden: int, out_dim: int):
        super().__init__()
        self.net = nn.Sequential(nn.Linear(in_dim, hidden), nn.ReLU(), Float32Linear(hidden, 2 * out_dim))
        xavier_init(self)

    def forward(self, x):
        return self.net(x).chunk(2, dim=1)


class MLPDecoder(nn.Sequential):
    """Two-layer MLP decoder: (B, latent_dim) -> (B, out_dim), linear output (features are MinMax-scaled)."""

    def __init__(self, latent_dim: int, hidden: int, out_dim: int):
        super().__init__(nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, out_dim))
        xavier_init(self)


def xavier_init(module: nn.Module) -> None:
    for layer in module.modules():
        if isinstance(layer, nn.Linear):
            nn.init.xavier_uniform_(layer.weight, gain=0.5)
            nn.init.zeros_(layer.bias)
