"""Content addition (Press et al. 2019): an auto-encoder whose code splits into a common and a specific part.

Domain A is faces without glasses, domain B faces with them; B holds all of A's information plus the
glasses. The content encoder E1 codes both domains, the specific encoder E2 codes B only (an image of A
gets a zero specific code), one decoder reads [E1(x), E2(x)]. A discriminator on E1's code makes it
domain-invariant, so the glasses can only travel through E2, and decoding [E1(a), E2(b)] puts b's glasses
on a's face.
  L_AE = ‖a - D(E1(a), 0)‖² + ‖b - D(E1(b), E2(b))‖² + λ · (BCE(d(E1(a)), B) + BCE(d(E1(b)), A))   (labels flipped)
  L_d  = BCE(d(E1(a)), A) + BCE(d(E1(b)), B)
Press, Galanti, Benaim, Wolf, "Emerging Disentanglement in Auto-Encoder Based Unsupervised Image Content
Transfer", ICLR 2019 (Sec. 3; λ, optimiser and clipping from the official code).

``mask=True`` is the same group's follow-up (Mokady, Benaim, Wolf, Bermano, "Mask Based Unsupervised
Content Transfer", ICLR 2020): the decoder D0 draws faces from E1's code alone, and a second decoder Dm
reads [E1, E2] and draws the attribute's colours c with a mask m, added onto an image y: y + m · (c - y).
A transfer adds onto face a itself, so everything outside the mask is a's own pixels; a removal replaces
b's masked pixels by D0(E1(b)); b is reconstructed by adding onto D0(E1(b)), so the attribute has to
travel through E2. Four changes to that code, each because it failed here on a CPU budget (``loss`` and
``forward`` say how): D0 learns from domain A alone; b's attribute is also added onto D0's drawing of b
as E1 reads it; the mask's area replaces the images added onto themselves; the mask is held open for
the first ``mask_hold`` steps. A fifth, ``blank`` (``blank_loss``), let beards transfer: E2 learns to read
nothing on domain A, and a removal must leave E2 nothing to read.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from .base import GenerativeModel, check_finite


@dataclass(frozen=True)
class ContentAEConfig:
    in_channels: int = 3
    width: int = 24  # channels of the first conv, doubled by the next two (the paper: 32, 64, ... at 128x128)
    code_channels: int = 128  # channels of the whole 4x4 code (the paper: 512 at 4x4 from 128x128)
    specific_channels: int = 8  # of which the specific code (the paper's "sep": 25 of 512)
    code_size: int = 4  # side of the code: 4 (the paper's) or 8 (one stride-2 layer fewer: sharper, sooner)
    discriminator_weight: float = 0.001  # λ; 0 is the ablation without domain confusion
    cycle: float = 0.0  # weight of the code-cycle term (beyond the paper; see ``loss``)
    lr: float = 2e-4  # Adam, betas (0.5, 0.999), both optimisers
    grad_clip: float = 5.0  # max gradient norm, both optimisers
    mask: bool = False  # the masked decoder of Mokady et al. 2020 (see the module docstring)
    mask_area: float = 0.05  # weight of the mask's mean area (``mask``; at 0.5 it closed over the glasses too)
    mask_hold: int = 1000  # steps for which the mask stays as it starts (open) while both decoders learn (``mask``)
    mask_warmup: int = 500  # steps after the hold over which the area's weight grows from 0 (``mask``)
    blank: float = 0.0  # weight of the blank term: E2 reads nothing on domain A nor on a removal (``mask``; see ``blank_loss``)


def _widths(width: int, code_size: int) -> tuple[int, ...]:
    """Channels of the hidden layers between a 64x64 image and a code_size x code_size code."""
    layers = {4: 3, 8: 2}.get(code_size)
    if layers is None:
        raise ValueError(f"code_size must be 4 or 8 (the side of the code of a 64x64 image), got {code_size}")
    return tuple(width * 2 ** i for i in range(layers))


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
        self.net = nn.Sequential(nn.Flatten(), nn.Linear(common_channels * code_size ** 2, hidden), nn.LeakyReLU(0.2, inplace=True),
                                 nn.Linear(hidden, hidden), nn.LeakyReLU(0.2, inplace=True), nn.Linear(hidden, 1))

    def forward(self, common):  # (B, C, S, S) -> (B,)
        return self.net(common.float()).squeeze(1)


class ContentAE(GenerativeModel):
    name = "content_ae"
    has_prior = False  # codes are points, not samples of a prior: no traversal from N(0, 1)
    inputs = ("x_a", "x_b")
    training_only = ("domain_discriminator",)

    def __init__(self, config: ContentAEConfig = ContentAEConfig()):
        super().__init__(config)
        if not 0 < config.specific_channels < config.code_channels:
            raise ValueError(f"specific_channels must be between 1 and code_channels - 1 ({config.code_channels - 1}), "
                             f"got {config.specific_channels}")
        if config.blank > 0 and not config.mask:
            raise ValueError("blank reads b's removal under the mask, so it needs mask=True")
        common = config.code_channels - config.specific_channels
        size = config.code_size
        self.content_encoder = conv_encoder(config.in_channels, config.width, common, size)  # E1
        self.specific_encoder = conv_encoder(config.in_channels, config.width, config.specific_channels, size)  # E2
        self.decoder = ConvImageDecoder(config.code_channels, config.width, config.in_channels, size)  # D (D0)
        if config.mask:  # Dm: one mask channel, then the attribute's colours
            self.attribute_decoder = ConvImageDecoder(config.code_channels, config.width, config.in_channels + 1, size)
            with torch.no_grad():  # the mask starts open (0.95) and is held so for ``mask_hold`` steps
                self.attribute_decoder[-2].bias[0] = 3.0
        self.domain_discriminator = DomainDiscriminator(common, code_size=size)

    def encode(self, x):  # (B, C, 64, 64) -> common (B, C1, S, S), specific (B, C2, S, S)
        return self.content_encoder(x), self.specific_encoder(x)

    def _zeros(self, common):
        return common.new_zeros(len(common), self.config.specific_channels, *common.shape[2:])

    def decode(self, common, specific=None):  # -> (B, C, 64, 64); no specific code means domain A (zeros)
        """The image the codes describe. With ``mask``: D0(common), with Dm's attribute added onto it."""
        if not self.config.mask:
            specific = self._zeros(common) if specific is None else specific.to(common.dtype)
            return self.decoder(torch.cat([common, specific], dim=1))
        base = self.decoder(torch.cat([common, self._zeros(common)], dim=1))
        return base if specific is None else self.add(common, specific, base)

    def attribute(self, common, specific):  # -> mask (B, 1, 64, 64), content (B, C, 64, 64); ``mask`` only
        out = self.attribute_decoder(torch.cat([common, specific.to(common.dtype)], dim=1))
        return out[:, :1], out[:, 1:]

    def add(self, common, specific, onto, hold_mask: bool = False):
        """The attribute of ``specific`` drawn onto the image ``onto`` (a transfer onto face a). Without
        ``mask`` the decoder draws the whole face from the codes and ``onto`` is not read."""
        if not self.config.mask:
            return self.decode(common, specific)
        mask, content = self.attribute(common, specific)
        return onto + (mask.detach() if hold_mask else mask) * (content - onto)

    def remove(self, x):
        """Face x without its attribute: D(E1(x), 0); with ``mask``, x with the masked pixels from D0(E1(x))."""
        return self._remove(x, *self.encode(x))

    def _remove(self, x, common, specific):
        base = self.decode(common)
        if not self.config.mask:
            return base
        mask, _ = self.attribute(common, specific)
        return x + mask * (base - x)

    def rescale(self, x, amount: float):
        """Face x with ``amount`` of its own attribute: D(E1(x), amount · E2(x)); with ``mask``, added onto
        x's removal. x is encoded once, and only a masked model draws the removal."""
        common, specific = self.encode(x)
        if not self.config.mask:
            return self.decode(common, amount * specific)
        return self.add(common, amount * specific, self._remove(x, common, specific))

    def forward(self, x_a, x_b, hold_mask: bool = False) -> dict:
        """Codes and drawings of a training batch. ``hold_mask``: no gradient reaches the mask (the first
        ``mask_hold`` steps). Left free from the start, it closed everywhere within 250 steps, before Dm drew
        anything better than D0 (neither drew glasses yet), and never reopened."""
        common_a = self.content_encoder(x_a)
        common_b, specific_b = self.encode(x_b)
        out = {"common_a": common_a, "common_b": common_b, "specific_b": specific_b, "x_a_hat": self.decode(common_a)}
        if not self.config.mask:
            return {**out, "x_b_hat": self.decode(common_b, specific_b)}
        mask_b, content_b = self.attribute(common_b, specific_b)
        # D0 learns from domain A alone, so it never draws the attribute (trained on b too, it drew the
        # glasses from E1's code and the mask closed within 500 steps)
        drawn_b = self.decode(common_b)
        base_b = drawn_b.detach()
        mask_a, _ = self.attribute(common_a, self._zeros(common_a))
        # b's attribute added back onto D0's drawing of b, whose E1 code is a domain-A one, as in a transfer
        mask_r, content_r = self.attribute(self.content_encoder(base_b), specific_b)
        if hold_mask:
            mask_a, mask_b, mask_r = mask_a.detach(), mask_b.detach(), mask_r.detach()
        out = {**out, "x_b_hat": base_b + mask_b * (content_b - base_b), "content_b": content_b,
               "mask_a": mask_a, "mask_b": mask_b, "x_b_readded": base_b + mask_r * (content_r - base_b)}
        if self.config.blank > 0:  # b's removal, with gradients into D0 and the mask
            out["removal_b"] = x_b + mask_b * (drawn_b - x_b)
        return out

    def loss(self, batch, out, step) -> dict:
        """The auto-encoder's objective: both reconstructions and the flipped-label domain loss that makes
        E1 fool the discriminator. The reconstructions are the official code's: the mean squared error of
        images scaled to [-1, 1], i.e. 4x the MSE of our [0, 1] images, so that λ = 0.001 weighs the same.

        ``cycle`` (beyond the paper): a transfer x_ab = D(E1(a), E2(b)) must encode back to the codes it was
        drawn from, E1(x_ab) = E1(a) and E2(x_ab) = E2(b), each as a mean L1 relative to the size of its code.
        The first keeps face a's background and skin (E1 codes them; a tint towards b's colours would move
        it), the second makes the donor's attribute appear (E2 must find it again). Without it the decoder
        of the paper's setting also reads b's background colour from E2(b) and tints face a with it, and
        it may draw little of the attribute on a face whose common code it knows is from domain A.
        """
        cfg = self.config
        confusion = self.domain_loss(out["common_a"], out["common_b"], flipped=True)
        if cfg.mask:  # L1 weighted 5, as the masked code's reconstructions
            recon_a = 5 * (out["x_a_hat"].float() - batch["x_a"]).abs().mean()
            recon_b = 5 * (out["x_b_hat"].float() - batch["x_b"]).abs().mean()
            # Dm's colours alone draw face b (beyond the masked code): its colours learn everywhere, not only
            # where the mask is already open, so the mask can open where they beat D0's drawing (the attribute)
            colours = 5 * (out["content_b"].float() - batch["x_b"]).abs().mean()
            # beyond both papers: b's attribute added onto D0's drawing of b, with E1 reading that drawing, must
            # give b. Dm sees there what it sees in a transfer, an E1 code of a face without the attribute, with
            # a drawing to match; without it Dm drew the attribute only when E1's code said "domain B" (the
            # discriminator never won) and no transfer showed glasses
            readd = 5 * (out["x_b_readded"].float() - batch["x_b"]).abs().mean()
            # the mask's area, for a (zero specific code: nothing to add) and b: where Dm draws no better than
            # D0 it closes (in place of the official code's images added onto themselves). Off while the mask is
            # held, then grown from 0 over ``mask_warmup`` steps
            area = out["mask_a"].float().mean() + out["mask_b"].float().mean()
            warmup = min(1.0, max(0.0, (step - cfg.mask_hold) / max(cfg.mask_warmup, 1)))
            total = (recon_a + recon_b + colours + readd + warmup * cfg.mask_area * area
                     + cfg.discriminator_weight * confusion)
            terms = {"recon_a": recon_a, "recon_b": recon_b, "colours": colours, "readd": readd, "area": area,
                     "confusion": confusion}
        else:
            recon_a = 4 * (out["x_a_hat"].float() - batch["x_a"]).pow(2).mean()
            recon_b = 4 * (out["x_b_hat"].float() - batch["x_b"]).pow(2).mean()
            total = recon_a + recon_b + cfg.discriminator_weight * confusion
            terms = {"recon_a": recon_a, "recon_b": recon_b, "confusion": confusion}
        if cfg.blank > 0:
            terms["blank"] = self.blank_loss(batch["x_a"], out["removal_b"], out["specific_b"])
            total = total + cfg.blank * terms["blank"]
        if cfg.cycle > 0:  # pairs a_i with b_i: two unrelated faces of the batch
            common_a, specific_b = out["common_a"].detach().float(), out["specific_b"].detach().float()
            hold = cfg.mask and step < cfg.mask_hold
            moved = self.add(out["common_a"], out["specific_b"], batch["x_a"], hold_mask=hold)
            common_ab, specific_ab = self.encode(moved)
            terms["cycle"] = ((common_ab.float() - common_a).abs().mean() / (common_a.abs().mean() + 1e-6)
                              + (specific_ab.float() - specific_b).abs().mean() / (specific_b.abs().mean() + 1e-6))
            total = total + cfg.cycle * terms["cycle"]
        return {"loss": total, **terms}

    def blank_loss(self, x_a, removal_b, specific_b) -> torch.Tensor:
        """The blank term (beyond both papers; ``mask`` only). E2 reads no attribute on a face of domain A,
        as the zero specific code the method gives it says: mean |E2(a)| / mean |E2(b)|, with the gradient
        through both, so E2 can lower it only by reading what b has and a has not (shrinking its code
        lowers both). And E2 reads no attribute on b's removal: mean |E2(removal of b)| / mean |E2(b)|, E2
        held fixed there (no gradient into its weights, so it cannot learn to overlook a removal), so the
        gradient moves the removal alone, through the mask and D0, towards where the attribute is still
        drawn. Without it, on beards D0 drew part of each beard from E1's leaky code, E2 read a and b alike,
        and the mask closed over the beard."""
        size_b = specific_b.float().abs().mean() + 1e-6
        return (self.specific_reading(x_a) / size_b
                + self.specific_reading(removal_b, critic=True) / size_b.detach())

    def specific_reading(self, x, critic: bool = False) -> torch.Tensor:
        """Mean |E2(x)|; ``critic``: with E2's weights held fixed, so the gradient reaches x alone."""
        if not critic:
            return self.specific_encoder(x).float().abs().mean()
        frozen = {name: p.detach() for name, p in self.specific_encoder.named_parameters()}
        return torch.func.functional_call(self.specific_encoder, frozen, (x,)).float().abs().mean()

    def domain_loss(self, common_a, common_b, flipped: bool = False) -> torch.Tensor:
        """BCE of the discriminator with A labelled 0 and B labelled 1 (``flipped``: the encoder's target)."""
        logits_a, logits_b = self.domain_discriminator(common_a), self.domain_discriminator(common_b)
        target_a, target_b = (1.0, 0.0) if flipped else (0.0, 1.0)
        return (F.binary_cross_entropy_with_logits(logits_a, torch.full_like(logits_a, target_a))
                + F.binary_cross_entropy_with_logits(logits_b, torch.full_like(logits_b, target_b)))

    def configure_optimizers(self) -> dict[str, torch.optim.Optimizer]:
        cfg = self.config
        autoencoder = [p for n, p in self.named_parameters() if not n.startswith("domain_discriminator.")]
        return {"autoencoder": torch.optim.Adam(autoencoder, lr=cfg.lr, betas=(0.5, 0.999)),
                "discriminator": torch.optim.Adam(self.domain_discriminator.parameters(), lr=cfg.lr, betas=(0.5, 0.999))}

    def training_step(self, batch: dict, step: int, optimizers: dict) -> dict:
        cfg = self.config

        # (1) update E1, E2 and the decoder: reconstruct both domains, fool the domain discriminator
        out = self(batch["x_a"], batch["x_b"], hold_mask=cfg.mask and step < cfg.mask_hold)
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
