"""Which latents a model uses: the one rule for "active" in the kit (cards, plots, the app, evaluation).

A leaf module (it imports only torch), so that plotting, the app and the evaluation side share the rule
without importing each other.
"""

from __future__ import annotations

import torch

ACTIVE_KL = 0.1  # nats: a latent at or below this carries (almost) no information about x


def is_active(kl_per_latent) -> torch.Tensor:
    """Which latents are in use: True where the average KL to the prior is above ``ACTIVE_KL`` nats.

    Takes a number, a list, an array or a tensor of KLs in nats and returns a bool tensor of the same shape.
    """
    return torch.as_tensor(kl_per_latent) > ACTIVE_KL  # compared in the KL's own precision
