"""The convolutional encoder and decoder of Burgess et al. (2018), used by every 64x64 model.

Encoder: 4 conv layers of 32 channels (4x4, stride 2) 64 -> 32 -> 16 -> 8 -> 4, then two FC of 256.
The decoder mirrors it with transposed convolutions and returns logits.
"""

from __future__ import annotations

from torch import nn


class ConvEncoder(nn.Module):
    def __init__(self, in_channels: int, out_dim: int, channels: int = 32, hidden: int = 256):
        super().__init__()
        conv = lambda cin: [nn.Conv2d(cin, channels, 4, stride=2, padding=1), nn.ReLU(inplace=True)]
        self.net = nn.Sequential(
            *conv(in_channels), *conv(channels), *conv(channels), *conv(channels),  # (B, 32, 4, 4)
            nn.Flatten(),
            nn.Linear(channels * 4 * 4, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, out_dim),
        )

    def forward(self, x):  # (B, C, 64, 64) -> (B, out_dim)
        return self.net(x)


class ConvDecoder(nn.Module):
    def __init__(self, latent_dim: int, out_channels: int, channels: int = 32, hidden: int = 256):
        super().__init__()
        deconv = lambda cout: nn.ConvTranspose2d(channels, cout, 4, stride=2, padding=1)
        self.net = nn.Sequential(
            nn.Linear(latent_dim, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, hidden), nn.ReLU(inplace=True),
            nn.Linear(hidden, channels * 4 * 4), nn.ReLU(inplace=True),
            nn.Unflatten(1, (channels, 4, 4)),
            deconv(channels), nn.ReLU(inplace=True),
            deconv(channels), nn.ReLU(inplace=True),
            deconv(channels), nn.ReLU(inplace=True),
            deconv(out_channels),  # (B, C, 64, 64) logits
        )

    def forward(self, z):  # (B, latent_dim) -> (B, C, 64, 64)
        return self.net(z)
