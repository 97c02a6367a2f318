"""What the two content-addition models share (``content_ae.py``, ``masked_content_ae.py``).

The conv encoders and decoders of a 64x64 face, the domain discriminator on the common code, and
``ContentModel``: the encoders E1 (``content_encoder``) and E2 (``specific_encoder``), the code-cycle term and
the two-optimiser training step of Press et al. 2019, which the masked follow-up keeps. A model of this kind
offers ``add``, ``remove`` and ``rescale``, which ``content.py`` (the CLI, the app, notebook 04) calls.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .base import GenerativeModel, check_finite


def _widths(width: int, code_size: int) -> tuple[int, ...]:
    """Channels of the hidden layers between a 64x64 image and a code_size x code_size code."""
    layers = {4: 3, 8: 2}.get(code_size)
    if layers is None:
        raise ValueError(f"code_size must be 4 or 8 (the side of the code of a 64x64 image), got {code_size}")
    return tuple(width * 2**i for i in range(layers))


def conv_encoder(in_channels: int, width: int, out_channels: int, code_size: int = 4) -> nn.Sequential:
    """(B, C, 64, 64) -> (B, out_channels, code_size, code_size): 4x4 stride-2 convs, LeakyReLU 0.2 between them."""
    layers, c = [], in_channels
    for w in _widths(width, code_size):
        layers += [nn.Conv2d(c, w, 4, stride=2, padding=1), nn.LeakyReLU(0.2, inplace=True)]
        c = w
    return nn.Sequential(*layers, nn.Conv2d(c, out_channels, 4, stride=2, padding=1))


class ConvImageDecoder(nn.Sequential):
    """(B, code_channels, S, S) -> (B, C, 64, 64) in [0, 1]: 4x4 stride-2 transposed convs."""

    def __init__(self, code_channels: int, width: int, out_channels: int, code_size: int = 4):
        layers, c = [], code_channels
        for w in reversed(_widths(width, code_size)):
            layers += [nn.ConvTranspose2d(c, w, 4, stride=2, padding=1), nn.ReLU(inplace=True)]
            c = w
        super().__init__(*layers, nn.ConvTranspose2d(c, out_channels, 4, stride=2, padding=1), nn.Sigmoid())


class DomainDiscriminator(nn.Module):
    """MLP on the flattened common code -> one logit: domain B (the one with the attribute) against A."""

    def __init__(self, common_channels: int, hidden: int = 512, code_size: int = 4):
        super().__init__()
        self.net = nn.Sequential(
            nn.Flatten(),
            nn.Linear(common_channels * code_size**2, hidden),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(hidden, hidden),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Linear(hidden, 1),
        )

    def forward(self, common):  # (B, C, S, S) -> (B,)
        return self.net(common.float()).squeeze(1)


class ContentModel(GenerativeModel):
    """Base of the content-addition models. A subclass builds ``content_encoder`` (E1), ``specific_encoder``
    (E2), its decoders and ``domain_discriminator``, and writes ``decode``, ``add``, ``remove``, ``rescale``,
    ``forward`` and ``loss``; this class gives the rest."""

    has_prior = False  # codes are points, not samples of a prior: no traversal from N(0, 1)
    inputs = ("x_a", "x_b")
    training_only = ("domain_discriminator",)

    def __init__(self, config):
        super().__init__(config)
        if not 0 < config.specific_channels < config.code_channels:
            raise ValueError(
                f"specific_channels must be between 1 and code_channels - 1 ({config.code_channels - 1}), "
                f"got {config.specific_channels}"
            )

    def encode(self, x):  # (B, C, 64, 64) -> common (B, C1, S, S), specific (B, C2, S, S)
        return self.content_encoder(x), self.specific_encoder(x)

    def _zeros(self, common):  # the specific code of domain A: (B, C2, S, S) zeros
        return common.new_zeros(len(common), self.config.specific_channels, *common.shape[2:])

    def cycle_loss(self, out: dict, moved: torch.Tensor) -> torch.Tensor:
        """The code-cycle term (beyond the paper): a transfer ``moved`` = x_ab drawn from E1(a) and E2(b) must
        encode back to them, E1(x_ab) = E1(a) and E2(x_ab) = E2(b), each as a mean L1 relative to the size of
        its code. The first keeps face a's background and skin (a tint towards b's colours would move E1's
        code), the second makes the donor's attribute appear (E2 must find it again)."""
        common_a, specific_b = out["common_a"].detach().float(), out["specific_b"].detach().float()
        common_ab, specific_ab = self.encode(moved)
        return (common_ab.float() - common_a).abs().mean() / (common_a.abs().mean() + 1e-6) + (
            specific_ab.float() - specific_b
        ).abs().mean() / (specific_b.abs().mean() + 1e-6)

    def domain_loss(self, common_a, common_b, flipped: bool = False) -> torch.Tensor:
        """BCE of the discriminator with A labelled 0 and B labelled 1 (``flipped``: the encoder's target)."""
        logits_a, logits_b = self.domain_discriminator(common_a), self.domain_discriminator(common_b)
        target_a, target_b = (1.0, 0.0) if flipped else (0.0, 1.0)
        return F.binary_cross_entropy_with_logits(
            logits_a, torch.full_like(logits_a, target_a)
        ) + F.binary_cross_entropy_with_logits(logits_b, torch.full_like(logits_b, target_b))

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.config
        autoencoder = [p for n, p in self.named_parameters() if not n.startswith("domain_discriminator.")]
        return {
            "autoencoder": torch.optim.Adam(autoencoder, lr=cfg.lr, betas=(0.5, 0.999)),
            "discriminator": torch.optim.Adam(self.domain_discriminator.parameters(), lr=cfg.lr, betas=(0.5, 0.999)),
        }

    def training_forward(self, batch: dict, step: int) -> dict:
        """The forward pass of a training step (the masked model holds its mask for the first steps)."""
        return self(batch["x_a"], batch["x_b"])

    def training_step(self, batch: dict, step: int, optimizers: dict) -> dict:
        cfg = self.config

        # (1) update E1, E2 and the decoders: reconstruct both domains, fool the domain discriminator
        out = self.training_forward(batch, step)
        terms = self.loss(batch, out, step)
        check_finite(terms, step)
        optimizers["autoencoder"].zero_grad(set_to_none=True)
        terms["loss"].backward()  # also leaves gradients in the discriminator; (2) clears them first
        params = optimizers["autoencoder"].param_groups[0]["params"]
        nn.utils.clip_grad_norm_(params, cfg.grad_clip)
        optimizers["autoencoder"].step()

        # (2) update the domain discriminator on the (detached) common codes
        discriminator = self.domain_loss(out["common_a"].detach(), out["common_b"].detach())
        check_finite({"discriminator": discriminator}, step)
        optimizers["discriminator"].zero_grad(set_to_none=True)
        discriminator.backward()
        nn.utils.clip_grad_norm_(self.domain_discriminator.parameters(), cfg.grad_clip)
        optimizers["discriminator"].step()

        return {**{k: v.detach() for k, v in terms.items()}, "discriminator": discriminator.detach()}

    @torch.no_grad()
    def representation(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C, 64, 64) -> (B, C1 * S * S): the flattened common code (what the leakage probe reads)."""
        return self.content_encoder(x).flatten(1).float()
