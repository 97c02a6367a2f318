"""Scores that need to *intervene* on the data: fix one factor, let the others vary, look at the code.

Both follow google-research/disentanglement_lib (``beta_vae.py``, ``factor_vae.py``) and take
- ``code_fn(classes) -> codes``: (n, K) long factor classes -> (n, D) numpy codes (see ``code_function``);
- ``sample_factors(n, generator) -> (n, K)`` long classes, e.g. ``data.sample_factors``.
The classifiers themselves are pure functions of the arrays this produces.

BetaVAE score (Higgins et al., ICLR 2017): a sample is a batch of 64 pairs of images that share the
value of one random factor; its feature is the mean |z1 - z2| over the pairs, its label the factor.
A logistic regression is fit on 10,000 samples and scored on 5,000 more.
FactorVAE score (Kim & Mnih, ICML 2018): a vote is a batch of 64 images sharing one factor's value;
each latent's variance over the batch is divided by its variance over 10,000 random images, and
the vote goes to the factor and the latent with the smallest ratio. Latents whose global standard
deviation is below 0.05 (collapsed to the prior) are left out. A majority-vote classifier is built
from 10,000 votes and scored on 5,000 more.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
import torch.nn.functional as F
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

BATCH_SIZE = 64  # images per BetaVAE sample (pairs) and per FactorVAE vote
ACTIVE_STD = 0.05  # disentanglement_lib's prune_dims.threshold in the published study
SAMPLES_PER_CALL = 16  # BetaVAE samples or FactorVAE votes encoded together (speed only)


def _fixed_mask(which: torch.Tensor, num_factors: int, device) -> torch.Tensor:
    """(V,) factor indices -> (V, 1, K) boolean mask selecting that factor in each group."""
    return F.one_hot(which, num_factors).bool()[:, None, :].to(device)


def beta_vae_features(
    code_fn,
    sample_factors,
    num_factors: int,
    num_points: int,
    batch_size: int = BATCH_SIZE,
    generator: torch.Generator | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """(num_points, D) features mean|z1 - z2| and (num_points,) labels (the shared factor)."""
    labels = torch.randint(num_factors, (num_points,), generator=generator)
    features = []
    for which in labels.split(SAMPLES_PER_CALL):
        v = len(which)
        first = sample_factors(v * batch_size, generator).reshape(v, batch_size, -1)  # (V, B, K)
        second = sample_factors(v * batch_size, generator).reshape(v, batch_size, -1)
        second = torch.where(_fixed_mask(which, num_factors, first.device), first, second)  # pairs share a factor
        codes = code_fn(torch.cat([first, second]).flatten(0, 1)).reshape(2, v, batch_size, -1)  # (2, V, B, D)
        features.append(np.abs(codes[0] - codes[1]).mean(1))  # (V, D)
    return np.concatenate(features), labels.numpy()


def beta_vae_score(train_features, train_labels, eval_features, eval_labels, random_state: int = 0) -> dict:
    """Train and eval accuracy of scikit-learn's ``LogisticRegression`` predicting the shared factor."""
    classifier = LogisticRegression(random_state=random_state)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # lbfgs' 100 iterations, as in disentanglement_lib
        classifier.fit(train_features, train_labels)
    return {
        "train_accuracy": float(np.mean(classifier.predict(train_features) == train_labels)),
        "eval_accuracy": float(np.mean(classifier.predict(eval_features) == eval_labels)),
    }


def factor_vae_votes(
    code_fn,
    sample_factors,
    num_factors: int,
    num_votes: int,
    global_variances,
    batch_size: int = BATCH_SIZE,
    generator: torch.Generator | None = None,
) -> np.ndarray:
    """(K, D) vote counts: row = the factor held fixed, column = the latent of least normalised variance.

    disentanglement_lib numbers the columns among active latents only; here they are the latents'
    own indices, which gives the same accuracies and a readable matrix.
    """
    global_variances = np.asarray(global_variances, dtype=np.float64)
    active = np.flatnonzero(np.sqrt(global_variances) >= ACTIVE_STD)
    if len(active) == 0:
        raise ValueError(f"no latent has a standard deviation of at least {ACTIVE_STD}; the FactorVAE score needs one")
    votes = np.zeros((num_factors, len(global_variances)), dtype=np.int64)
    which_all = torch.randint(num_factors, (num_votes,), generator=generator)
    for which in which_all.split(SAMPLES_PER_CALL):
        v = len(which)
        factors = sample_factors(v * batch_size, generator).reshape(v, batch_size, -1)  # (V, B, K)
        factors = torch.where(_fixed_mask(which, num_factors, factors.device), factors[:, :1], factors)
        codes = code_fn(factors.flatten(0, 1)).reshape(v, batch_size, -1)  # (V, B, D)
        local = codes.var(axis=1, ddof=1)  # (V, D)
        latent = active[np.argmin(local[:, active] / global_variances[active], axis=1)]  # (V,)
        np.add.at(votes, (which.numpy(), latent), 1)
    return votes


def factor_vae_accuracy(train_votes, eval_votes) -> dict:
    """Each latent predicts the factor it got most training votes for; accuracy over all votes."""
    train_votes, eval_votes = np.asarray(train_votes), np.asarray(eval_votes)
    predicted = np.argmax(train_votes, axis=0)  # (D,) factor of each latent
    latents = np.arange(train_votes.shape[1])
    return {
        "train_accuracy": float(train_votes[predicted, latents].sum() / train_votes.sum()),
        "eval_accuracy": float(eval_votes[predicted, latents].sum() / eval_votes.sum()),
    }


def factor_vae_score(
    code_fn,
    sample_factors,
    num_factors: int,
    num_train: int = 10_000,
    num_eval: int = 5_000,
    num_variance_estimate: int = 10_000,
    batch_size: int = BATCH_SIZE,
    generator: torch.Generator | None = None,
) -> dict:
    """The whole FactorVAE score: global variances, votes, accuracies and the number of active latents.

    With no active latent (a constant code) both accuracies are 0, as in disentanglement_lib.
    """
    codes = code_fn(sample_factors(num_variance_estimate, generator))  # (N, D)
    global_variances = np.var(codes, axis=0, ddof=1)
    num_active = int((np.sqrt(global_variances) >= ACTIVE_STD).sum())
    if num_active == 0:
        return {"train_accuracy": 0.0, "eval_accuracy": 0.0, "active_latents": 0}
    votes = [
        factor_vae_votes(code_fn, sample_factors, num_factors, n, global_variances, batch_size, generator)
        for n in (num_train, num_eval)
    ]
    return {**factor_vae_accuracy(*votes), "active_latents": num_active}
