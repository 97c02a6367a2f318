"""Masked content transfer (Mokady et al. 2020): content addition that redraws only the attribute's pixels.

The encoders, discriminator and code cycle of Press et al. (``content_ae.py``). The decoder D0 draws faces from
E1's code alone; a second decoder Dm reads [E1, E2] and draws a mask m and the attribute's colours c, added
onto an image y as y + m · (c - y): a transfer adds onto face a itself, a removal puts D0(E1(b)) under b's mask.
  L = 5‖a - D0(E1(a))‖₁ + 5‖b - (y_b + m_b · (c_b - y_b))‖₁ + λ · confusion + w · mean(m),  y_b = D0(E1(b))
Mokady, Benaim, Wolf, Bermano, "Mask Based Unsupervised Content Transfer", ICLR 2020 (``loss`` names the terms
beyond it, and ``blank_loss`` the kit's own term, in neither paper).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .content_ae import ContentAEConfig
from .content_nets import ContentModel, ConvImageDecoder, DomainDiscriminator, conv_encoder


@dataclass(frozen=True)
class MaskedContentAEConfig(ContentAEConfig):  # the networks, λ, cycle and optimisers of Press et al., plus:
    mask_area: float = 0.05  # w, weight of the mask's mean area (at 0.5 it closed over the glasses too)
    mask_hold: int = 1000  # steps for which the mask stays as it starts (open) while both decoders learn
    mask_warmup: int = 500  # steps after the hold over which the area's weight grows from 0
    blank: float = 0.0  # weight of the blank term: E2 reads nothing on domain A nor on a removal (``blank_loss``)
    # the band of rows, as fractions of the height from the top, where the mask may open (``region``): on
    # aligned photos the attribute's own rows (the eyes for glasses); (0, 1), the whole image, is the papers'
    mask_top: float = 0.0
    mask_bottom: float = 1.0

    def __post_init__(self):
        if not 0.0 <= self.mask_top < self.mask_bottom <= 1.0:
            raise ValueError(
                f"the mask's rows must satisfy 0 <= mask_top < mask_bottom <= 1, "
                f"got mask_top={self.mask_top} and mask_bottom={self.mask_bottom}"
            )


class MaskedContentAE(ContentModel):
    name = "masked_content_ae"

    def __init__(self, config: MaskedContentAEConfig = MaskedContentAEConfig()):
        super().__init__(config)
        common = config.code_channels - config.specific_channels
        size = config.code_size
        self.content_encoder = conv_encoder(config.in_channels, config.width, common, size)  # E1
        self.specific_encoder = conv_encoder(config.in_channels, config.width, config.specific_channels, size)  # E2
        self.decoder = ConvImageDecoder(config.code_channels, config.width, config.in_channels, size)  # D0
        # Dm: one mask channel, then the attribute's colours
        self.attribute_decoder = ConvImageDecoder(config.code_channels, config.width, config.in_channels + 1, size)
        with torch.no_grad():  # the mask starts open (0.95) and is held so for ``mask_hold`` steps
            self.attribute_decoder[-2].bias[0] = 3.0
        self.domain_discriminator = DomainDiscriminator(common, code_size=size)  # d

    def decode(self, common, specific=None):  # -> (B, C, 64, 64); no specific code means domain A
        """The image the codes describe: D0(common), with Dm's attribute added onto it."""
        base = self.decoder(torch.cat([common, self._zeros(common)], dim=1))
        return base if specific is None else self.add(common, specific, base)

    def attribute(self, common, specific):  # -> mask (B, 1, 64, 64), colours (B, C, 64, 64)
        out = self.attribute_decoder(torch.cat([common, specific.to(common.dtype)], dim=1))
        return out[:, :1] * self.region(out.shape[-2], out), out[:, 1:]

    def region(self, height: int, like: torch.Tensor) -> torch.Tensor | float:
        """Where the mask may open: 1 on the rows from ``mask_top`` to ``mask_bottom``, 0 elsewhere, with a
        two-row ramp at each edge; 1 (no band) for the whole image. -> (height, 1), or 1.0."""
        top, bottom = self.config.mask_top, self.config.mask_bottom
        if top <= 0.0 and bottom >= 1.0:
            return 1.0
        rows = (torch.arange(height, device=like.device, dtype=like.dtype) + 0.5) / height
        inside = torch.minimum(rows - top, bottom - rows) * height / 2 + 0.5  # 2-row ramps centred on the edges
        return inside.clamp(0.0, 1.0).unsqueeze(1)

    def add(self, common, specific, onto, hold_mask: bool = False):
        """The attribute of ``specific`` drawn onto the image ``onto`` (a transfer onto face a): onto + m · (c - onto).
        ``hold_mask``: no gradient reaches the mask."""
        mask, content = self.attribute(common, specific)
        return onto + (mask.detach() if hold_mask else mask) * (content - onto)

    def remove(self, x):
        """Face x without its attribute: x with the masked pixels from D0(E1(x))."""
        return self._remove(x, *self.encode(x))

    def _remove(self, x, common, specific):
        base = self.decode(common)
        mask, _ = self.attribute(common, specific)
        return x + mask * (base - x)

    def rescale(self, x, amount: float):
        """Face x with ``amount`` of its own attribute: amount · E2(x) added onto x's removal (x encoded once)."""
        common, specific = self.encode(x)
        return self.add(common, amount * specific, self._remove(x, common, specific))

    def training_forward(self, batch: dict, step: int) -> dict:
        return self(batch["x_a"], batch["x_b"], hold_mask=step < self.config.mask_hold)

    def forward(self, x_a, x_b, hold_mask: bool = False) -> dict:
        """Codes and drawings of a training batch. ``hold_mask``: no gradient reaches the mask (the first
        ``mask_hold`` steps; left free from the start, it closed before Dm drew anything)."""
        common_a = self.content_encoder(x_a)
        common_b, specific_b = self.encode(x_b)
        out = {"common_a": common_a, "common_b": common_b, "specific_b": specific_b, "x_a_hat": self.decode(common_a)}
        mask_b, content_b = self.attribute(common_b, specific_b)
        # D0 learns from domain A alone, so it never draws the attribute (b's drawing is detached)
        drawn_b = self.decode(common_b)
        base_b = drawn_b.detach()
        mask_a, _ = self.attribute(common_a, self._zeros(common_a))
        # b's attribute added back onto D0's drawing of b, whose E1 code is a domain-A one, as in a transfer
        mask_r, content_r = self.attribute(self.content_encoder(base_b), specific_b)
        if hold_mask:
            mask_a, mask_b, mask_r = mask_a.detach(), mask_b.detach(), mask_r.detach()
        out = {
            **out,
            "x_b_hat": base_b + mask_b * (content_b - base_b),
            "content_b": content_b,
            "mask_a": mask_a,
            "mask_b": mask_b,
            "x_b_readded": base_b + mask_r * (content_r - base_b),
        }
        if self.config.blank > 0:  # b's removal, with gradients into D0 and the mask
            out["removal_b"] = x_b + mask_b * (drawn_b - x_b)
        return out

    def loss(self, batch, out, step) -> dict:
        """Both reconstructions (L1 weighted 5, as the masked code's), three terms beyond the paper (colours,
        readd, area), the flipped-label domain loss, and the ``blank`` and ``cycle`` terms when weighted. What each
        change to the paper's code replaced, and why: docs/experiments/content-addition.md."""
        cfg = self.config
        confusion = self.domain_loss(out["common_a"], out["common_b"], flipped=True)
        recon_a = 5 * (out["x_a_hat"].float() - batch["x_a"]).abs().mean()
        recon_b = 5 * (out["x_b_hat"].float() - batch["x_b"]).abs().mean()
        # Dm's colours alone draw face b: they learn everywhere, not only where the mask is already open, so
        # the mask can open where they beat D0's drawing (the attribute)
        colours = 5 * (out["content_b"].float() - batch["x_b"]).abs().mean()
        # b's attribute added onto D0's drawing of b, with E1 reading that drawing, must give b: Dm sees there
        # what it sees in a transfer, an E1 code of a face without the attribute, with a drawing to match
        readd = 5 * (out["x_b_readded"].float() - batch["x_b"]).abs().mean()
        # the mask's area, for a (zero specific code: nothing to add) and b: where Dm draws no better than D0 it
        # closes. Off while the mask is held, then grown from 0 over ``mask_warmup`` steps
        area = out["mask_a"].float().mean() + out["mask_b"].float().mean()
        warmup = min(1.0, max(0.0, (step - cfg.mask_hold) / max(cfg.mask_warmup, 1)))
        total = (
            recon_a + recon_b + colours + readd + warmup * cfg.mask_area * area + cfg.discriminator_weight * confusion
        )
        terms = {
            "recon_a": recon_a,
            "recon_b": recon_b,
            "colours": colours,
            "readd": readd,
            "area": area,
            "confusion": confusion,
        }
        if cfg.blank > 0:
            terms["blank"] = self.blank_loss(batch["x_a"], out["removal_b"], out["specific_b"])
            total = total + cfg.blank * terms["blank"]
        if cfg.cycle > 0:  # pairs a_i with b_i: two unrelated faces of the batch
            moved = self.add(out["common_a"], out["specific_b"], batch["x_a"], hold_mask=step < cfg.mask_hold)
            terms["cycle"] = self.cycle_loss(out, moved)
            total = total + cfg.cycle * terms["cycle"]
        return {"loss": total, **terms}

    def blank_loss(self, x_a, removal_b, specific_b) -> torch.Tensor:
        """The blank term (beyond both papers). E2 reads no attribute on a face of domain A, as the zero specific
        code the method gives it says: mean |E2(a)| / mean |E2(b)|, with the gradient through both, so E2 can
        lower it only by reading what b has and a has not (shrinking its code lowers both). And E2 reads no
        attribute on b's removal: mean |E2(removal of b)| / mean |E2(b)|, E2 held fixed there (so it cannot learn
        to overlook a removal): the gradient moves the removal alone, through the mask and D0, towards where the
        attribute is still drawn. It is what let beards transfer."""
        size_b = specific_b.float().abs().mean() + 1e-6
        return self.specific_reading(x_a) / size_b + self.specific_reading(removal_b, critic=True) / size_b.detach()

    def specific_reading(self, x, critic: bool = False) -> torch.Tensor:
        """Mean |E2(x)|; ``critic``: with E2's weights held fixed, so the gradient reaches x alone."""
        if not critic:
            return self.specific_encoder(x).float().abs().mean()
        frozen = {name: p.detach() for name, p in self.specific_encoder.named_parameters()}
        return torch.func.functional_call(self.specific_encoder, frozen, (x,)).float().abs().mean()
