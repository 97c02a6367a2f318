"""Measuring a dSprites model: reconstruction, KL, active latents and every disentanglement score.

The adapter ``code_function`` turns ``data.images`` and ``model.representation`` into a function of
factor classes, so that the metrics (``metrics/``) never see images or models. Any ground-truth dataset
with ``factor_names``, ``factor_sizes``, ``sample_factors(n, generator)`` and ``images(classes)`` works.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import torch

from ..activity import is_active
from ..data import make_dataset
from ..losses import kl_per_latent, reconstruction
from . import Evaluation, format_scores
from .counts import COUNTS, SampleCounts, check_counts


def _device(model: torch.nn.Module) -> torch.device:
    parameter = next(iter(model.parameters()), None)
    return parameter.device if parameter is not None else torch.device("cpu")


@torch.no_grad()
def encode_dataset(model, data, n: int = 5000, batch_size: int = 500, seed: int = 1234):
    """Sample ``n`` (images, factors) from ``data`` with a fixed seed; yields (x, factors) batches."""
    generator = torch.Generator().manual_seed(seed)
    for start in range(0, n, batch_size):
        batch = data.sample(min(batch_size, n - start), generator)
        yield batch["x"], batch["factors"]


@torch.no_grad()
def reconstruction_metrics(model, data, n: int = 5000, seed: int = 1234) -> dict:
    """Reconstruction NLL (nats per image), KL (nats) and the count of active latents, on ``n`` fresh samples.

    The decoder is fed the encoder means, as at test time.
    """
    model.eval()
    data.to(_device(model))
    recon, kl, count = 0.0, None, 0
    for x, _ in encode_dataset(model, data, n, seed=seed):
        out = model(x)
        recon += reconstruction(out["x_logits"], x, model.config.recon).item() * len(x)
        if "logvar" in out:
            per_latent = kl_per_latent(out["mu"], out["logvar"]) * len(x)
            kl = per_latent if kl is None else kl + per_latent
        count += len(x)
    metrics = {"recon_nll": round(recon / count, 2)}
    if kl is not None:
        kl = kl / count
        metrics.update(kl=round(kl.sum().item(), 2), active_latents=int(is_active(kl).sum()))
    return metrics


def code_function(model: torch.nn.Module, data, batch_size: int = 1000):
    """A function (n, K) factor classes -> (n, D) float64 codes: render with ``data``, encode with ``model``.

    Codes are ``model.representation(x)`` (the encoder means); the model's mode is left as it is.
    """
    device = _device(model)

    def codes(classes: torch.Tensor) -> np.ndarray:
        chunks = [
            model.representation(data.images(chunk).to(device)).float().cpu()  # (chunk, D)
            for chunk in classes.split(batch_size)
        ]
        return torch.cat(chunks).double().numpy()

    return codes


def sample_codes(code_fn, sample_factors, n: int, generator: torch.Generator | None = None):
    """``n`` random points: codes (n, D) and their factor classes (n, K), both numpy."""
    factors = sample_factors(n, generator)
    return code_fn(factors), factors.cpu().numpy()


def evaluate_all(model, data, seed: int = 0, counts: str | SampleCounts = "full") -> dict:
    """Every score of ``model`` on ``data`` (already on the model's device), deterministic for a ``seed``.

    ``counts`` is ``"full"`` (disentanglement_lib's sample counts), ``"standard"`` (the asset cards'),
    ``"quick"`` (tests and notebooks), or a ``SampleCounts``. Keys: ``beta_vae``, ``factor_vae`` (eval
    accuracies) and their ``_train`` accuracies, ``factor_vae_active_latents``, ``mig``,
    ``dci_disentanglement``, ``dci_completeness``, ``dci_informativeness`` (test accuracy) and ``_train``,
    ``sap``; plus ``mi_matrix`` (D x K nats, as nested lists), ``factor_names`` and ``sample_counts``.
    MIG, DCI, SAP and the MI matrix share one set of 10,000 train + 5,000 test codes (disentanglement_lib
    draws one per metric).
    """
    # scikit-learn is imported with the metrics, when a model is first measured (not when the app starts)
    from ..metrics import beta_vae_features, beta_vae_score, dci, factor_vae_score, mig, mutual_info_matrix, sap

    if isinstance(counts, str):
        counts = COUNTS[check_counts(counts)]
    votes_train = counts.num_votes_train or counts.num_train
    votes_eval = counts.num_votes_eval or counts.num_eval
    code_fn = code_function(model, data)
    sample_factors, num_factors = data.sample_factors, len(data.factor_sizes)
    generator = torch.Generator().manual_seed(seed)

    train_codes, train_factors = sample_codes(code_fn, sample_factors, counts.num_train, generator)
    test_codes, test_factors = sample_codes(code_fn, sample_factors, counts.num_eval, generator)
    beta_vae = beta_vae_score(
        *beta_vae_features(code_fn, sample_factors, num_factors, votes_train, counts.batch_size, generator),
        *beta_vae_features(code_fn, sample_factors, num_factors, votes_eval, counts.batch_size, generator),
        random_state=seed,
    )
    factor_vae = factor_vae_score(
        code_fn,
        sample_factors,
        num_factors,
        votes_train,
        votes_eval,
        counts.num_variance_estimate,
        counts.batch_size,
        generator,
    )
    dci_scores = dci(train_codes, train_factors, test_codes, test_factors, seed, counts.boosting_stages)
    return {
        "beta_vae": beta_vae["eval_accuracy"],
        "beta_vae_train": beta_vae["train_accuracy"],
        "factor_vae": factor_vae["eval_accuracy"],
        "factor_vae_train": factor_vae["train_accuracy"],
        "factor_vae_active_latents": factor_vae["active_latents"],
        "mig": mig(train_codes, train_factors),
        "dci_disentanglement": dci_scores["disentanglement"],
        "dci_completeness": dci_scores["completeness"],
        "dci_informativeness": dci_scores["informativeness_test"],
        "dci_informativeness_train": dci_scores["informativeness_train"],
        "sap": sap(train_codes, train_factors, test_codes, test_factors, seed),
        "mi_matrix": mutual_info_matrix(train_codes, train_factors).round(4).tolist(),
        "factor_names": list(data.factor_names),
        "sample_counts": asdict(counts),
    }


def measure_dsprites(
    model, card: dict, *, counts: str = "standard", seed: int = 0, data_dir=None, device="cpu"
) -> dict:
    """Reconstruction, KL and every disentanglement score on dSprites (procedural, or the ``.npz`` at ``data_dir``)."""
    n = COUNTS[check_counts(counts)].num_reconstruction
    if data_dir is not None:
        data = make_dataset("dsprites_npz", path=data_dir, device=device)
    else:
        data = make_dataset(card.get("dataset", "dsprites"), device=device)
    recon = reconstruction_metrics(model, data, n)  # also moves the data to the model's device
    return {**recon, **evaluate_all(model, data, seed=seed, counts=counts)}


def format_metrics(result: dict) -> str:
    """The dSprites scores as an aligned table, then the latent x factor MI matrix and the sample counts."""
    matrix, names = result["mi_matrix"], result["factor_names"]
    lines = [
        format_scores(result),
        "",
        "mutual information (nats), latent x factor",
        "     " + "".join(f"{n:>12}" for n in names),
    ]
    lines += [f"z{d:<4}" + "".join(f"{v:>12.3f}" for v in row) for d, row in enumerate(matrix)]
    counts = ", ".join(f"{k}={v}" for k, v in result["sample_counts"].items())
    return "\n".join(lines + ["", f"sample counts: {counts}"])


DSPRITES = Evaluation(
    measure=measure_dsprites,
    headline=(
        "recon_nll",
        "kl",
        "active_latents",
        "mig",
        "factor_vae",
        "beta_vae",
        "dci_disentanglement",
        "dci_completeness",
        "dci_informativeness",
        "sap",
    ),
    card_keys=("mi_matrix", "factor_names"),
    format=format_metrics,
    summary="dSprites: reconstruction, KL, active latents, BetaVAE, FactorVAE, MIG, DCI, SAP and the MI matrix",
)
