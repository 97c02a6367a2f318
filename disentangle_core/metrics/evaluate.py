"""From a model and a ground-truth dataset to every disentanglement score.

The adapter ``code_function`` turns ``data.images`` and ``model.representation`` into a function of
factor classes; the metrics never see images or models. Any dataset with ``factor_names``,
``factor_sizes``, ``sample_factors(n, generator)`` and ``images(classes)`` works (dSprites here).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import torch

from .information import mig, mutual_info_matrix
from .interventions import beta_vae_features, beta_vae_score, factor_vae_score
from .predictors import dci, sap


@dataclass(frozen=True)
class SampleCounts:
    num_train: int  # points to fit each classifier (BetaVAE samples, FactorVAE votes, MIG/DCI/SAP codes)
    num_eval: int  # points to score them (BetaVAE, FactorVAE, DCI and SAP test sets)
    batch_size: int  # images per BetaVAE sample (pairs) and per FactorVAE vote
    num_variance_estimate: int  # random images for the FactorVAE score's global variances
    boosting_stages: int  # trees per class in DCI's gradient boosting
    num_votes_train: int | None = None  # BetaVAE / FactorVAE training points, when not num_train
    num_votes_eval: int | None = None  # BetaVAE / FactorVAE scoring points, when not num_eval


# disentanglement_lib's published settings (unsupervised_study_v1): 2,905,000 images encoded (all but
# 25,000 of them for the BetaVAE and FactorVAE scores) and 11,300 boosted trees for DCI on dSprites;
# about half an hour on one CPU thread (0.5 ms per image and 6 minutes of trees, measured).
FULL = SampleCounts(num_train=10_000, num_eval=5_000, batch_size=64, num_variance_estimate=10_000, boosting_stages=100)
# A few seconds on a CPU, for tests and notebooks: the same definitions on ~8,000 images and 10
# boosting stages; the numbers are indicative only (noisier, and biased: e.g. MIG's MI estimates).
QUICK = SampleCounts(num_train=200, num_eval=100, batch_size=8, num_variance_estimate=500, boosting_stages=10)
# What the asset cards report, sized for a CPU (about 4 minutes a model): MIG, SAP and the MI matrix
# exactly as FULL (10,000 + 5,000 codes); the BetaVAE and FactorVAE scores on 1,000 + 500 points of 64
# images instead of 10,000 + 5,000; DCI with 20 boosting stages instead of 100.
STANDARD = SampleCounts(num_train=10_000, num_eval=5_000, batch_size=64, num_variance_estimate=10_000,
                        boosting_stages=20, num_votes_train=1_000, num_votes_eval=500)
COUNTS = {"quick": QUICK, "standard": STANDARD, "full": FULL}


def _device(model) -> torch.device:
    parameter = next(iter(model.parameters()), None) if hasattr(model, "parameters") else None
    return parameter.device if parameter is not None else torch.device("cpu")


def code_function(model, data, batch_size: int = 1000):
    """A function (n, K) factor classes -> (n, D) float64 codes: render with ``data``, encode with ``model``.

    Codes are ``model.representation(x)`` (the encoder means); the model's mode is left as it is.
    """
    device = _device(model)

    def codes(classes: torch.Tensor) -> np.ndarray:
        chunks = [model.representation(data.images(chunk).to(device)).float().cpu()  # (chunk, D)
                  for chunk in classes.split(batch_size)]
        return torch.cat(chunks).double().numpy()

    return codes


def sample_codes(code_fn, sample_factors, n: int, generator: torch.Generator | None = None):
    """``n`` random points: codes (n, D) and their factor classes (n, K), both numpy."""
    factors = sample_factors(n, generator)
    return code_fn(factors), factors.cpu().numpy()


def evaluate_all(model, data, seed: int = 0, counts: str | SampleCounts = "full") -> dict:
    """Every score of ``model`` on ``data``, deterministic for a ``seed``.

    ``counts`` is ``"full"`` (disentanglement_lib's sample counts), ``"standard"`` (the asset cards'),
    ``"quick"`` (tests and notebooks), or a ``SampleCounts``. Keys: ``beta_vae``, ``factor_vae`` (eval accuracies) and their ``_train``
    accuracies, ``factor_vae_active_latents``, ``mig``, ``dci_disentanglement``, ``dci_completeness``,
    ``dci_informativeness`` (test accuracy) and ``_train``, ``sap``; plus ``mi_matrix`` (D x K nats,
    as nested lists), ``factor_names`` and ``sample_counts``. MIG, DCI, SAP and the MI matrix share
    one set of 10,000 train + 5,000 test codes (disentanglement_lib draws one per metric).
    """
    if isinstance(counts, str):
        if counts not in COUNTS:
            raise ValueError(f"unknown sample counts {counts!r}; choose from: {', '.join(COUNTS)}")
        counts = COUNTS[counts]
    votes_train = counts.num_votes_train or counts.num_train
    votes_eval = counts.num_votes_eval or counts.num_eval
    if hasattr(data, "to"):
        data.to(_device(model))
    code_fn = code_function(model, data)
    sample_factors, num_factors = data.sample_factors, len(data.factor_sizes)
    generator = torch.Generator().manual_seed(seed)

    train_codes, train_factors = sample_codes(code_fn, sample_factors, counts.num_train, generator)
    test_codes, test_factors = sample_codes(code_fn, sample_factors, counts.num_eval, generator)
    beta_vae = beta_vae_score(
        *beta_vae_features(code_fn, sample_factors, num_factors, votes_train, counts.batch_size, generator),
        *beta_vae_features(code_fn, sample_factors, num_factors, votes_eval, counts.batch_size, generator),
        random_state=seed)
    factor_vae = factor_vae_score(code_fn, sample_factors, num_factors, votes_train, votes_eval,
                                  counts.num_variance_estimate, counts.batch_size, generator)
    dci_scores = dci(train_codes, train_factors, test_codes, test_factors, seed, counts.boosting_stages)
    return {
        "beta_vae": beta_vae["eval_accuracy"], "beta_vae_train": beta_vae["train_accuracy"],
        "factor_vae": factor_vae["eval_accuracy"], "factor_vae_train": factor_vae["train_accuracy"],
        "factor_vae_active_latents": factor_vae["active_latents"],
        "mig": mig(train_codes, train_factors),
        "dci_disentanglement": dci_scores["disentanglement"], "dci_completeness": dci_scores["completeness"],
        "dci_informativeness": dci_scores["informativeness_test"],
        "dci_informativeness_train": dci_scores["informativeness_train"],
        "sap": sap(train_codes, train_factors, test_codes, test_factors, seed),
        "mi_matrix": mutual_info_matrix(train_codes, train_factors).round(4).tolist(),
        "factor_names": list(data.factor_names),
        "sample_counts": asdict(counts),
    }
