"""Latent traversals as tensors: decode a code while one latent sweeps a range, the others held.

Rows are ranked by how much each latent is used (its average KL to the prior, or its variance for an
autoencoder), so inactive latents sink to the bottom.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

import torch


@dataclass
class Traversal:
    images: torch.Tensor  # (rows, steps, C, H, W) probabilities in [0, 1]
    dims: list  # the latent index shown in each row, most active first
    activity: torch.Tensor  # (D,) KL per latent (nats), or code variance for an autoencoder
    values: torch.Tensor  # (rows, steps) the latent values decoded
    activity_name: str = "KL"  # what ``activity`` measures: "KL" (nats) or "var" (autoencoder)


@torch.no_grad()
def rank_latents(model, x: torch.Tensor) -> tuple[list, torch.Tensor]:
    """Latent indices sorted by activity on ``x`` (most active first), and the activities (D,)."""
    activity = model.latent_activity(x).float().cpu()
    return activity.argsort(descending=True).tolist(), activity


@torch.no_grad()
def traversal_limits(model, x_ref: torch.Tensor, span: float = 2.0) -> tuple[torch.Tensor, torch.Tensor]:
    """(D,), (D,) lowest and highest value of each latent's sweep.

    Models with a N(0, 1) prior sweep [-span, span]; an autoencoder's codes have no fixed scale, so
    they sweep mean ± span · std of the codes of ``x_ref``.
    """
    if model.has_prior:
        d = model.representation(x_ref[:1]).shape[1]
        return torch.full((d,), -span), torch.full((d,), span)
    z = model.representation(x_ref).float().cpu()
    return z.mean(0) - span * z.std(0), z.mean(0) + span * z.std(0)


@torch.no_grad()
def decode_images(model, z: torch.Tensor) -> torch.Tensor:
    """(N, D) codes -> (N, C, H, W) images in [0, 1] (the decoder's Bernoulli means)."""
    return torch.sigmoid(model.decode(z)).clamp(0, 1)


@cache  # one pool per worker count, kept for the process's life
def _decoder_pool(workers: int) -> ThreadPoolExecutor:
    return ThreadPoolExecutor(workers, thread_name_prefix="decode")


def _decode_parts(model, z: torch.Tensor, workers: int) -> torch.Tensor:
    """``decode_images`` of ``z`` in ``workers`` slices on parallel threads (torch releases the GIL), for
    callers that keep torch to one thread per call, such as the app. The same images as one call."""

    def decode(part):
        with torch.inference_mode():  # grad mode is per thread
            return decode_images(model, part)

    parts = z.tensor_split(workers)
    return torch.cat(list(_decoder_pool(workers).map(decode, parts)))


@torch.no_grad()
def latent_traversal(model, z0: torch.Tensor, dims: list, values: torch.Tensor, workers: int = 1) -> torch.Tensor:
    """Sweep each latent in ``dims`` over its row of ``values`` (rows, steps), starting from ``z0`` (D,).
    ``workers`` > 1 decodes on that many threads at once (a CPU model; see ``_decode_parts``).

    Returns (rows, steps, C, H, W).
    """
    rows, steps = values.shape
    z = z0.expand(rows, steps, -1).clone()  # (rows, steps, D)
    for r, d in enumerate(dims):
        z[r, :, d] = values[r]
    z = z.reshape(rows * steps, -1).to(next(model.parameters()).device)
    images = _decode_parts(model, z, workers) if workers > 1 and z.device.type == "cpu" else decode_images(model, z)
    return images.reshape(rows, steps, *images.shape[1:]).cpu()


@torch.no_grad()
def sweep(
    model,
    z0: torch.Tensor,
    dims: list,
    activity: torch.Tensor,
    lo: torch.Tensor,
    hi: torch.Tensor,
    steps: int = 10,
    workers: int = 1,
) -> Traversal:
    """Sweep each latent in ``dims`` from ``lo[d]`` to ``hi[d]`` around the code ``z0`` (D,).

    The ranking (``dims``, ``activity``) and the limits come from ``rank_latents`` and
    ``traversal_limits``; the app computes them once per model and sweeps many codes (decoding on
    ``workers`` threads).
    """
    if steps < 2:
        raise ValueError(f"a traversal needs at least 2 steps, got {steps}")
    lo, hi = torch.as_tensor(lo, dtype=torch.float32), torch.as_tensor(hi, dtype=torch.float32)
    weights = torch.linspace(0, 1, steps)
    values = torch.stack([lo[d] + (hi[d] - lo[d]) * weights for d in dims])  # (rows, steps)
    images = latent_traversal(model, z0.float().cpu(), dims, values, workers)
    return Traversal(images, list(dims), activity, values, "KL" if model.has_prior else "var")


@torch.no_grad()
def traverse_codes(model, codes: torch.Tensor, x_ref: torch.Tensor, steps: int = 10, span: float = 2.0) -> list:
    """One traversal around each code of ``codes`` (N, D), all sharing one ranking of the latents (by
    activity on ``x_ref``) and one sweep range, so that their rows line up (the GIF shows them side by side)."""
    model.eval()
    dims, activity = rank_latents(model, x_ref)
    lo, hi = traversal_limits(model, x_ref, span)
    return [sweep(model, z0, dims, activity, lo, hi, steps) for z0 in codes]


@torch.no_grad()
def traverse_code(model, z0: torch.Tensor, x_ref: torch.Tensor, steps: int = 10, span: float = 2.0) -> Traversal:
    """The traversal of every latent around the code ``z0`` (D,), rows ranked by activity on ``x_ref``.

    The app uses it to sweep around a code the user has edited, which is no longer any image's code.
    """
    return traverse_codes(model, z0[None], x_ref, steps, span)[0]


@torch.no_grad()
def traverse(model, x_ref: torch.Tensor, steps: int = 10, span: float = 2.0, index: int = 0) -> Traversal:
    """The traversal of every latent around the code of ``x_ref[index]``, rows ranked by activity."""
    z0 = model.eval().representation(x_ref[index : index + 1])
    return traverse_codes(model, z0, x_ref, steps, span)[0]


@torch.no_grad()
def category_sweep(model, code: torch.Tensor, dims: list, steps: int = 10, span: float = 2.0) -> Traversal:
    """The InfoGAN paper's figure for a model with a categorical code (InfoGAN, JointVAE): row k draws
    ``code`` (code_dim,) with category k, and each continuous code in ``dims`` sweeps [-span, span] in
    turn (columns: ``steps`` for the first code, then ``steps`` for the next, ...)."""
    if steps < 2:
        raise ValueError(f"a traversal needs at least 2 steps, got {steps}")
    k, code_dim = model.config.num_categories, code.shape[-1]
    continuous, categorical = model.continuous_slice, model.categorical_slice
    values = torch.linspace(-span, span, steps)
    codes = code.float().cpu().expand(k, len(dims), steps, code_dim).clone()  # (K, blocks, steps, code_dim)
    codes[..., categorical] = torch.eye(k).view(k, 1, 1, k)
    for block, d in enumerate(dims):
        codes[:, block, :, continuous.start + d] = values
    images = decode_images(model.eval(), codes.reshape(-1, code_dim).to(next(model.parameters()).device))
    images = images.reshape(k, len(dims) * steps, *images.shape[1:]).cpu()
    return Traversal(images, list(range(k)), torch.zeros(k), values.repeat(len(dims)).expand(k, -1), "category")
