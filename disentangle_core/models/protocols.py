"""What a model offers a family, written down once: the capabilities the evaluation side, the CLI and the app use.

Every model is a ``GenerativeModel`` (``base.py``: ``encode``, ``decode``, ``forward``, ``loss``,
``representation``, ``has_prior``). The families need more, each through one of these protocols; code that
needs a capability asks ``isinstance(model, Protocol)``, never ``hasattr``, and ``tests/unit`` checks that
every model a family names offers what the family uses.

- ``LatentModel`` (dSprites: autoencoder, β-VAE, β-TCVAE, FactorVAE): a vector code to traverse;
- ``CategoricalCodeModel`` (digits: InfoGAN, JointVAE): a categorical code beside continuous ones;
- ``ContentTransfer`` (faces: the content auto-encoder and its masked follow-up): add, remove, rescale;
- ``TwoModalityModel`` (GZSL: CADA-VAE, the disentangled VAE): image and attribute latents.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import torch


@runtime_checkable
class LatentModel(Protocol):
    """A model with one vector code per image, which traversals sweep one latent at a time."""

    has_prior: bool  # True: latents follow N(0, 1) (sweeps span the prior, activity is a KL); False: data's range

    def representation(self, x: torch.Tensor) -> torch.Tensor: ...  # (B, C, H, W) -> (B, D) deterministic codes

    def latent_activity(self, x: torch.Tensor) -> torch.Tensor: ...  # (D,) how much each latent is used on x

    def decode(self, z: torch.Tensor) -> torch.Tensor: ...  # (B, D) -> (B, C, H, W) logits


@runtime_checkable
class CategoricalCodeModel(Protocol):
    """A code [continuous | one-hot categorical] that draws digits (InfoGAN's G, JointVAE's decoder)."""

    has_prior: bool  # True for a VAE (JointVAE): its reconstruction and KL are measured too
    continuous_slice: slice  # where the continuous codes sit in the code
    categorical_slice: slice  # where the one-hot category sits
    continuous_span: float  # sweeps of a continuous code cover [-span, span]

    def read(self, x: torch.Tensor) -> dict: ...  # images -> {"category_logits": (B, K), ...}

    def sample_code(self, n: int, generator: torch.Generator | None = None) -> dict: ...  # {"code": (n, code_dim)}

    def decode(self, code: torch.Tensor) -> torch.Tensor: ...  # (B, code_dim) -> (B, 1, 28, 28) logits


@runtime_checkable
class ContentTransfer(Protocol):
    """Content addition: a common code E1 of both domains and a specific code E2 that holds the attribute."""

    content_encoder: torch.nn.Module  # E1: (B, C, 64, 64) -> (B, C1, S, S)
    specific_encoder: torch.nn.Module  # E2: (B, C, 64, 64) -> (B, C2, S, S)

    def add(self, common: torch.Tensor, specific: torch.Tensor, onto: torch.Tensor) -> torch.Tensor: ...

    def remove(self, x: torch.Tensor) -> torch.Tensor: ...  # the attribute taken off x

    def rescale(self, x: torch.Tensor, amount: float) -> torch.Tensor: ...  # x with its attribute scaled


@runtime_checkable
class TwoModalityModel(Protocol):
    """GZSL: Gaussians of image features and of class attributes in one latent space."""

    classify_on: str  # the latent part the final softmax classifier reads ("z", or "t" of the disentangled VAE)

    def image_latents(self, x: torch.Tensor) -> dict: ...  # {part: (mu, logvar)} of image features

    def attribute_latents(self, c: torch.Tensor) -> dict: ...  # {part: (mu, logvar)} of attribute vectors


__all__ = ["CategoricalCodeModel", "ContentTransfer", "LatentModel", "TwoModalityModel"]
