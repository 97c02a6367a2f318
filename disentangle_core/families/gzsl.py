"""GZSL: recognising unseen classes from their attributes, through a latent space shared with images."""

from ..evaluation.gzsl import GZSL as GZSL_EVALUATION
from ..models.protocols import TwoModalityModel
from .family import Family

GZSL = Family(
    name="gzsl",
    title="Generalized zero-shot learning",
    datasets=("gzsl", "xlsa17"),
    models=("cada_vae", "dvae"),
    offers=TwoModalityModel,
    evaluations={"gzsl": GZSL_EVALUATION, "xlsa17": GZSL_EVALUATION},
    list_metrics=("u", "s", "h"),
    figure="",  # no figure command yet: the app's zero-shot tab maps the latents
    tabs=("gzsl_tab",),
    paper="CADA-VAE (Schönfeld et al. 2019), disentangled VAE (Li et al. 2021)",
    notebook="05_gzsl.ipynb",
)
