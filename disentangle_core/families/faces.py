"""Faces: content addition, putting the glasses or beard of one face on another (drawn faces and CelebA)."""

from ..evaluation.faces import FACES as DRAWN_FACES_EVALUATION
from ..evaluation.photos import PHOTOS as PHOTOS_EVALUATION
from ..models.protocols import ContentTransfer
from .family import Family

FACES = Family(
    name="faces",
    title="Content addition on faces",
    datasets=("faces", "celeba"),
    models=("content_ae", "masked_content_ae"),
    offers=ContentTransfer,
    # drawn faces have a true transfer to compare with; photographs are judged by an attribute classifier
    evaluations={"faces": DRAWN_FACES_EVALUATION, "celeba": PHOTOS_EVALUATION},
    list_metrics=("transfer_psnr", "identity_psnr", "success_transfer", "success_removal", "leakage"),
    figure="transfer",
    tabs=("faces_tab",),
    paper="Press et al. 2019 (ICLR), Mokady et al. 2020 (masked follow-up)",
    notebook="04_content_addition.ipynb",
)
