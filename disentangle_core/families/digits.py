"""Digits: a categorical code that finds the digit without labels, continuous codes for slant and ink."""

from ..evaluation.digits import DIGITS as DIGITS_EVALUATION
from ..models.protocols import CategoricalCodeModel
from .family import Family

DIGITS = Family(
    name="digits",
    title="InfoGAN and JointVAE on digits",
    datasets=("mnist", "digits"),
    models=("infogan", "joint_vae"),
    offers=CategoricalCodeModel,
    evaluations={"mnist": DIGITS_EVALUATION, "digits": DIGITS_EVALUATION},
    list_metrics=("categorical_accuracy", "slant_spearman", "ink_spearman"),
    figure="traverse",
    tabs=("digits_tab",),
    paper="InfoGAN (Chen et al. 2016), JointVAE (Dupont 2018)",
    notebook="03_infogan.ipynb",
)
