"""What a content-addition model does with faces: transfer, removal, amount, swap and the transfer grid.

One small module used alike by the CLI (``transfer``), the app's "Glasses / beard transfer" tab and
notebook 04. Every function takes and returns image tensors (B, 3, 64, 64) in [0, 1]; pictures are made
by ``plotting.transfer_grid_image``.
"""

from __future__ import annotations

import torch


def _check_amount(amount: float) -> float:
    amount = float(amount)
    if not 0.0 <= amount <= 1.0:
        raise ValueError(f"amount must be between 0 and 1, got {amount}")
    return amount


@torch.no_grad()
def transfer(model, x_a: torch.Tensor, x_b: torch.Tensor, amount: float = 1.0) -> torch.Tensor:
    """Face a wearing donor b's attribute: D(E1(a), amount · E2(b)) (a masked model adds it onto a itself).
    ``x_a`` and ``x_b`` are (B, 3, 64, 64)."""
    model.eval()
    return transfer_code(model, x_a, model.specific_encoder(x_b), amount)


@torch.no_grad()
def transfer_code(model, x_a: torch.Tensor, specific: torch.Tensor, amount: float = 1.0) -> torch.Tensor:
    """Face a wearing the attribute a specific code describes: D(E1(a), amount · specific), ``specific`` being
    E2 of some donor, (B, C, S, S) or one code for every face (1, C, S, S)."""
    model.eval()
    specific = specific.to(x_a.dtype).expand(len(x_a), *specific.shape[1:])
    return model.add(model.content_encoder(x_a), _check_amount(amount) * specific, x_a)


@torch.no_grad()
def remove(model, x_b: torch.Tensor) -> torch.Tensor:
    """Face b without its attribute: D(E1(b), 0), the decoder's domain-A drawing of b (a masked model
    redraws only the masked pixels)."""
    model.eval()
    return model.remove(x_b)


@torch.no_grad()
def with_amount(model, x: torch.Tensor, amount: float) -> torch.Tensor:
    """Face x with its own attribute scaled: D(E1(x), amount · E2(x)) (0: removed, 1: reconstructed); a
    masked model adds it onto x's removal."""
    model.eval()
    return model.rescale(x, _check_amount(amount))


@torch.no_grad()
def swap(model, x_1: torch.Tensor, x_2: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Two faces that both wear the attribute exchange it: (D(E1(x1), E2(x2)), D(E1(x2), E2(x1)))."""
    return transfer(model, x_1, x_2), transfer(model, x_2, x_1)


@torch.no_grad()
def transfer_table(model, faces: torch.Tensor, donors: torch.Tensor, amount: float = 1.0) -> torch.Tensor:
    """The paper's figure as a tensor: (F, D, 3, 64, 64), cell (i, j) = face i with donor j's attribute."""
    model.eval()
    common = model.content_encoder(faces)  # (F, C1, S, S)
    specific = _check_amount(amount) * model.specific_encoder(donors)  # (D, C2, S, S)
    f, d = len(faces), len(donors)
    cells = model.add(
        common.repeat_interleave(d, 0), specific.repeat(f, 1, 1, 1), faces.repeat_interleave(d, 0)
    )  # (F * D, 3, 64, 64)
    return cells.view(f, d, *cells.shape[1:])
