"""How many samples each evaluation draws, for each of ``--counts quick``, ``standard`` and ``full``.

Every hand-kept count lives here, so that one look shows what each level costs and a new level or a new
family's count is added in one place:

- ``COUNTS``: the dSprites scores' ``SampleCounts`` (disentanglement_lib's definitions);
- ``SWEEP_STARTS``: random codes each continuous digits code is swept from;
- ``PAIRS``: (face a, donor b) pairs of a faces evaluation;
- ``CLASSIFIER_EPOCHS``: epochs of the GZSL final softmax classifier;
- ``TRAIN_DIGITS``: training digits a digits model's step and seed are chosen on (``--split train``);
- ``PHOTO_CLASSIFIER_STEPS`` / ``PHOTO_JUDGED``: training steps of the CelebA attribute classifier and the
  held-out photos of each domain its accuracy is measured on.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SampleCounts:
    num_train: int  # points to fit each classifier (BetaVAE samples, FactorVAE votes, MIG/DCI/SAP codes)
    num_eval: int  # points to score them (BetaVAE, FactorVAE, DCI and SAP test sets)
    batch_size: int  # images per BetaVAE sample (pairs) and per FactorVAE vote
    num_variance_estimate: int  # random images for the FactorVAE score's global variances
    boosting_stages: int  # trees per class in DCI's gradient boosting
    num_votes_train: int | None = None  # BetaVAE / FactorVAE training points, when not num_train
    num_votes_eval: int | None = None  # BetaVAE / FactorVAE scoring points, when not num_eval
    num_reconstruction: int = 5000  # fresh images for the reconstruction NLL, the KL and the active latents


# disentanglement_lib's published settings (unsupervised_study_v1): 2,905,000 images encoded (all but
# 25,000 of them for the BetaVAE and FactorVAE scores) and 11,300 boosted trees for DCI on dSprites;
# about half an hour on one CPU thread (0.5 ms per image and 6 minutes of trees, measured).
FULL = SampleCounts(num_train=10_000, num_eval=5_000, batch_size=64, num_variance_estimate=10_000, boosting_stages=100)
# A few seconds on a CPU, for tests and notebooks: the same definitions on ~8,000 images and 10
# boosting stages; the numbers are indicative only (noisier, and biased: e.g. MIG's MI estimates).
QUICK = SampleCounts(num_train=200, num_eval=100, batch_size=8, num_variance_estimate=500, boosting_stages=10)
# What the asset cards report, sized for a CPU (about 2 minutes a model on one core): MIG, SAP and the
# MI matrix exactly as FULL (10,000 + 5,000 codes); the BetaVAE and FactorVAE scores on 500 + 250
# points of 64 images instead of 10,000 + 5,000; DCI with 10 boosting stages instead of 100.
STANDARD = SampleCounts(
    num_train=10_000,
    num_eval=5_000,
    batch_size=64,
    num_variance_estimate=10_000,
    boosting_stages=10,
    num_votes_train=500,
    num_votes_eval=250,
)
COUNTS = {"quick": QUICK, "standard": STANDARD, "full": FULL}

SWEEP_STARTS = {"quick": 20, "standard": 200, "full": 1000}  # digits: random codes each continuous code is swept from
# digits: the first N digits of a training pair, read to choose a step or a seed (their labels are unused in
# training, so the test digits stay unread until the choice is made)
TRAIN_DIGITS = {"quick": 500, "standard": 10_000, "full": 60_000}
PAIRS = {"quick": 128, "standard": 1000, "full": 4000}  # faces: (a, b) pairs per evaluation
# GZSL: epochs of the final softmax classifier; 29 is the official value for AWA2 (chosen there on the val split)
CLASSIFIER_EPOCHS = {"quick": 3, "standard": 29, "full": 29}
# CelebA: steps of 64 photos (half of each domain) for the attribute classifier (standard: a few minutes on
# one CPU thread), and at most this many photos of each domain to measure its accuracy on
PHOTO_CLASSIFIER_STEPS = {"quick": 20, "standard": 4000, "full": 4000}
PHOTO_JUDGED = {"quick": 100, "standard": 5000, "full": 50_000}


def check_counts(counts: str) -> str:
    """``counts`` itself when it names a level, else one sentence naming the levels."""
    if counts not in COUNTS:
        raise ValueError(f"unknown sample counts {counts!r}; choose from: {', '.join(COUNTS)}")
    return counts
