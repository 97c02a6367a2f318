"""What the train tab draws, as the long tables Gradio's plots take: the loss terms of the training
history (one row per step and term) and the KL of each latent at the end.

No maths here: the values are the model's own loss terms and ``Traversal.activity``; "active" is
``activity.is_active``.
"""

from __future__ import annotations

import pandas as pd

from ..activity import ACTIVE_KL, is_active

RECON_TERMS = {"recon": "reconstruction"}  # nats per image: hundreds, so on its own axis
KL_TERMS = {"kl": "KL", "C": "C(t)"}  # nats; C(t) only for the capacity objective
ACTIVE, OFF = f"active (KL > {ACTIVE_KL:g})", "off"


def curve_frame(history: list, terms: dict) -> pd.DataFrame:
    """``step, value, term`` rows for each logged row of ``history`` and each of ``terms`` it holds."""
    rows = [(row["step"], row[key], name) for row in history for key, name in terms.items() if key in row]
    frame = pd.DataFrame(rows, columns=["step", "value", "term"])
    return frame.astype({"step": "int64", "value": "float64", "term": "str"})  # numeric axes even when empty


def kl_bars(kl_per_latent) -> pd.DataFrame:
    """``latent, kl, state`` rows, one per latent, ``state`` saying whether it is active."""
    kl = [float(v) for v in kl_per_latent]
    states = [ACTIVE if on else OFF for on in is_active(kl_per_latent).tolist()]
    return pd.DataFrame({"latent": [f"z{d}" for d in range(len(kl))], "kl": kl, "state": states})
