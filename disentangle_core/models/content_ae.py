"""Content addition (Press et al. 2019): an auto-encoder whose code splits into a common and a specific part.

Domain A is faces without the attribute (glasses), domain B faces with it. The content encoder E1 codes both
domains, the specific encoder E2 codes B only (an image of A gets a zero specific code), one decoder D reads
[E1(x), E2(x)]; a discriminator d on E1's code makes it domain-invariant, so the attribute travels through E2
alone and D(E1(a), E2(b)) puts b's glasses on a's face. E1, E2, D fool d (labels flipped); d learns the truth:
  L_AE = ‖a - D(E1(a), 0)‖² + ‖b - D(E1(b), E2(b))‖² + λ · (BCE(d(E1(a)), B) + BCE(d(E1(b)), A))
Press, Galanti, Benaim, Wolf, "Emerging Disentanglement in Auto-Encoder Based Unsupervised Image Content
Transfer", ICLR 2019 (Sec. 3; λ, optimiser and clipping from the official code).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .content_nets import ContentModel, ConvImageDecoder, DomainDiscriminator, conv_encoder


@dataclass(frozen=True)
class ContentAEConfig:
    in_channels: int = 3
    width: int = 24  # channels of the first conv, doubled by the next two (the paper: 32, 64, ... at 128x128)
    code_channels: int = 128  # channels of the whole 4x4 code (the paper: 512 at 4x4 from 128x128)
    specific_channels: int = 8  # of which the specific code (the paper's "sep": 25 of 512)
    code_size: int = 4  # side of the code: 4 (the paper's) or 8 (one stride-2 layer fewer: sharper, sooner)
    discriminator_weight: float = 0.001  # λ; 0 is the ablation without domain confusion
    cycle: float = 0.0  # weight of the code-cycle term (beyond the paper; see ``ContentModel.cycle_loss``)
    lr: float = 2e-4  # Adam, betas (0.5, 0.999), both optimisers
    grad_clip: float = 5.0  # max gradient norm, both optimisers


class ContentAE(ContentModel):
    name = "content_ae"

    def __init__(self, config: ContentAEConfig = ContentAEConfig()):
        super().__init__(config)
        common = config.code_channels - config.specific_channels
        size = config.code_size
        self.content_encoder = conv_encoder(config.in_channels, config.width, common, size)  # E1
        self.specific_encoder = conv_encoder(config.in_channels, config.width, config.specific_channels, size)  # E2
        self.decoder = ConvImageDecoder(config.code_channels, config.width, config.in_channels, size)  # D
        self.domain_discriminator = DomainDiscriminator(common, code_size=size)  # d

    def decode(self, common, specific=None):  # -> (B, C, 64, 64); no specific code means domain A (zeros)
        """The image the codes describe: D(common, specific)."""
        specific = self._zeros(common) if specific is None else specific.to(common.dtype)
        return self.decoder(torch.cat([common, specific], dim=1))

    def add(self, common, specific, onto):
        """The attribute of ``specific`` on the face of ``common``: D(common, specific). The decoder draws the
        whole face from the codes, so ``onto`` (the image a masked model adds onto) is not read."""
        return self.decode(common, specific)

    def remove(self, x):
        """Face x without its attribute: D(E1(x), 0)."""
        return self.decode(self.content_encoder(x))

    def rescale(self, x, amount: float):
        """Face x with ``amount`` of its own attribute: D(E1(x), amount · E2(x))."""
        common, specific = self.encode(x)
        return self.decode(common, amount * specific)

    def forward(self, x_a, x_b) -> dict:
        """Codes and drawings of a training batch: a from its common code alone, b from both codes."""
        common_a = self.content_encoder(x_a)
        common_b, specific_b = self.encode(x_b)
        return {
            "common_a": common_a,
            "common_b": common_b,
            "specific_b": specific_b,
            "x_a_hat": self.decode(common_a),
            "x_b_hat": self.decode(common_b, specific_b),
        }

    def loss(self, batch, out, step) -> dict:
        """Both reconstructions and the flipped-label domain loss that makes E1 fool the discriminator. The
        reconstructions are the official code's: the mean squared error of images scaled to [-1, 1], i.e. 4x the
        MSE of our [0, 1] images, so that λ = 0.001 weighs the same. ``cycle``: see ``ContentModel.cycle_loss``."""
        cfg = self.config
        confusion = self.domain_loss(out["common_a"], out["common_b"], flipped=True)
        recon_a = 4 * (out["x_a_hat"].float() - batch["x_a"]).pow(2).mean()
        recon_b = 4 * (out["x_b_hat"].float() - batch["x_b"]).pow(2).mean()
        total = recon_a + recon_b + cfg.discriminator_weight * confusion
        terms = {"recon_a": recon_a, "recon_b": recon_b, "confusion": confusion}
        if cfg.cycle > 0:  # pairs a_i with b_i: two unrelated faces of the batch
            terms["cycle"] = self.cycle_loss(out, self.add(out["common_a"], out["specific_b"], batch["x_a"]))
            total = total + cfg.cycle * terms["cycle"]
        return {"loss": total, **terms}
