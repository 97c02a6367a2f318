"""Metrics as pure functions over arrays: no model, no dataset, each with known-answer tests.

Codes are (N, D) arrays, factors (N, K) integer classes. Definitions and sample counts follow
google-research/disentanglement_lib; each function's docstring says which. Measuring a trained model on
its dataset (encoding images, drawing samples) is the evaluation side's work (``evaluation/``).

- ``information``: the latent x factor mutual-information matrix and MIG;
- ``predictors``: DCI (gradient-boosted trees) and SAP (linear SVMs);
- ``interventions``: the BetaVAE and FactorVAE scores, which fix one factor and sample the rest
  (through a function from factor classes to codes);
- ``classification``: Hungarian accuracy of an unsupervised categorical code against labels;
- ``shape``: a drawn digit's slant (second moments) and ink (stroke thickness), read from its pixels;
- ``digits``: the within-sweep Spearman correlation of a code's value with such a property;
- ``transfer``: PSNR and SSIM of images against the true ones; ``faces``: the domain probe (leakage);
- ``gzsl``: per-class accuracy, U, S, H and the attribute-compatibility baseline.
"""

from .classification import hungarian_accuracy
from .digits import within_sweep_spearman
from .faces import domain_probe_accuracy
from .information import discrete_entropy, discretize, mig, mutual_info_matrix
from .interventions import (
    beta_vae_features,
    beta_vae_score,
    factor_vae_accuracy,
    factor_vae_score,
    factor_vae_votes,
)
from .predictors import dci, dci_completeness, dci_disentanglement, gbt_importance, sap, sap_matrix
from .shape import ink, slant
from .transfer import mean_finite, psnr, ssim

__all__ = [
    "hungarian_accuracy",
    "within_sweep_spearman",
    "domain_probe_accuracy",
    "discrete_entropy",
    "discretize",
    "mig",
    "mutual_info_matrix",
    "beta_vae_features",
    "beta_vae_score",
    "factor_vae_accuracy",
    "factor_vae_score",
    "factor_vae_votes",
    "dci",
    "dci_completeness",
    "dci_disentanglement",
    "gbt_importance",
    "sap",
    "sap_matrix",
    "ink",
    "slant",
    "mean_finite",
    "psnr",
    "ssim",
]
