"""Disentanglement metrics as pure functions over arrays, plus one adapter from a model and a dataset.

Codes are (N, D) arrays, factors (N, K) integer classes. Definitions and sample counts follow
google-research/disentanglement_lib; each function's docstring says which.

- ``information``: the latent x factor mutual-information matrix and MIG;
- ``predictors``: DCI (gradient-boosted trees) and SAP (linear SVMs);
- ``classification``: Hungarian accuracy of an unsupervised categorical code against labels;
- ``shape``: a drawn digit's slant (second moments) and ink (stroke thickness), read from its pixels;
- ``interventions``: the BetaVAE and FactorVAE scores, which fix one factor and sample the rest;
- ``evaluate``: ``code_function`` (model + dataset -> codes of factor classes) and ``evaluate_all``.
"""

from .classification import hungarian_accuracy
from .evaluate import COUNTS, FULL, QUICK, STANDARD, SampleCounts, code_function, evaluate_all, sample_codes
from .information import discrete_entropy, discretize, mig, mutual_info_matrix
from .interventions import (
    beta_vae_features,
    beta_vae_score,
    factor_vae_accuracy,
    factor_vae_score,
    factor_vae_votes,
)
from .shape import ink, slant
from .predictors import dci, dci_completeness, dci_disentanglement, gbt_importance, sap, sap_matrix

__all__ = [
    "hungarian_accuracy",
    "COUNTS", "FULL", "QUICK", "STANDARD", "SampleCounts", "code_function", "evaluate_all", "sample_codes",
    "discrete_entropy", "discretize", "mig", "mutual_info_matrix",
    "beta_vae_features", "beta_vae_score", "factor_vae_accuracy", "factor_vae_score", "factor_vae_votes",
    "ink", "slant",
    "dci", "dci_completeness", "dci_disentanglement", "gbt_importance", "sap", "sap_matrix",
]
