"""The VAE family on dSprites: which latent holds which factor, and how β trades it against reconstruction."""

from ..evaluation.dsprites import DSPRITES as DSPRITES_EVALUATION
from ..models.protocols import LatentModel
from .family import Family

DSPRITES = Family(
    name="dsprites",
    title="VAE family on dSprites",
    datasets=("dsprites", "dsprites_npz"),
    models=("autoencoder", "beta_vae", "beta_tcvae", "factor_vae"),
    offers=LatentModel,
    evaluations={"dsprites": DSPRITES_EVALUATION, "dsprites_npz": DSPRITES_EVALUATION},
    list_metrics=("recon_nll", "kl", "mig", "factor_vae"),
    figure="traverse",
    tabs=("dsprites_tab", "dsprites_beta_tab"),
    paper="β-VAE (Higgins et al. 2017), capacity annealing (Burgess et al. 2018), β-TCVAE (Chen et al. 2018), "
    "FactorVAE (Kim & Mnih 2018)",
    notebook="01_entanglement.ipynb, 02_beta_vae.ipynb",
)
