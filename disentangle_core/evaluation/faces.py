"""Measuring a content-addition model on drawn faces, where the right answer is known exactly.

On held-out identities (the ``test`` split), for pairs (face a without the attribute, donor b with it):
- ``transfer_psnr`` / ``transfer_ssim``: D(E1(a), E2(b)) against the true drawing of a with b's attribute;
- ``identity_psnr``: the same, over the pixels outside the attribute's mask only (a's face must not change);
- ``removal_psnr``: D(E1(b), 0) against the true drawing of b without it;
- ``success_transfer`` / ``success_removal``: an attribute classifier, trained on the generator's labels,
  finds the attribute in the transfers / misses it in the removals (``classifier_accuracy``: on true drawings);
- ``leakage``: a logistic-regression probe's held-out accuracy at telling the domain from E1's code
  (0.5: E1 knows nothing of the attribute);
- ``unchanged_psnr``: the score of returning face a unchanged, the baseline every transfer must beat.

CelebA photos have no true transfer to compare with: ``evaluation/photos.py`` measures them.
"""

from __future__ import annotations

import os
from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import nn

from ..content import remove, transfer
from ..data.faces import ProceduralFaces, cache_dir, sample_attributes
from ..models.protocols import ContentTransfer
from . import Evaluation
from .counts import PAIRS, check_counts

CLASSIFIER_STEPS, CLASSIFIER_BATCH = 2000, 64
CLASSIFIER_VERSION = 2  # of AttributeClassifier's architecture: part of the cached file's name
BATCH = 250


class AttributeClassifier(nn.Sequential):
    """A small CNN: (B, 3, 64, 64) -> (B,) logit of "wears the attribute". The first layer keeps full
    resolution: a thin beard of a colour close to the skin is a few pixels of low contrast (a version
    that downsampled at once found 97.9% of the test drawings' beards, this one 99.0%)."""

    def __init__(self):
        super().__init__(
            nn.Conv2d(3, 32, 3, 1, 1),
            nn.ReLU(),
            nn.Conv2d(32, 32, 4, 2, 1),
            nn.ReLU(),
            nn.Conv2d(32, 64, 4, 2, 1),
            nn.ReLU(),
            nn.Conv2d(64, 64, 4, 2, 1),
            nn.ReLU(),
            nn.Conv2d(64, 64, 4, 2, 1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(64 * 4 * 4, 1),
        )

    def forward(self, x):
        return super().forward(x).squeeze(1)


def _soften(x: torch.Tensor) -> torch.Tensor:
    """A light blur (3x3 binomial): the classifier should judge the attribute, not the sharpness of the drawing."""
    k = torch.tensor([1.0, 2.0, 1.0], device=x.device)
    kernel = (k[:, None] * k[None, :] / 16).expand(x.shape[1], 1, 3, 3)
    return F.conv2d(F.pad(x, (1, 1, 1, 1), mode="replicate"), kernel, groups=x.shape[1])


@lru_cache(maxsize=4)
def attribute_classifier(attribute: str, seed: int = 0) -> tuple[AttributeClassifier, float]:
    """The attribute classifier and its accuracy on 1,000 true test drawings: trained once (about 10 minutes
    on one CPU core) and kept in ``faces.cache_dir()``, so every later evaluation reuses the same one."""
    from safetensors.torch import load_file, save_file

    path = cache_dir() / f"classifier{CLASSIFIER_VERSION}_{attribute}_seed{seed}_steps{CLASSIFIER_STEPS}.safetensors"
    classifier = AttributeClassifier()
    if path.is_file():
        try:
            weights = load_file(path)
            accuracy = float(weights.pop("accuracy"))
            classifier.load_state_dict(weights)
            return classifier.eval(), accuracy
        except Exception:  # a damaged cache file is trained again
            pass
    classifier, accuracy = train_attribute_classifier(attribute, seed)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    save_file({**classifier.state_dict(), "accuracy": torch.tensor(accuracy)}, str(tmp))
    os.replace(tmp, path)
    return classifier, accuracy


def train_attribute_classifier(attribute: str, seed: int = 0) -> tuple[AttributeClassifier, float]:
    """Train the attribute classifier on training identities drawn with and without the attribute (half of
    each batch softened); returns it (eval mode, CPU) and its accuracy on 1,000 true test drawings."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    train_faces, test_faces = ProceduralFaces(attribute, "train"), ProceduralFaces(attribute, "test")
    classifier = AttributeClassifier()
    optimizer = torch.optim.Adam(classifier.parameters(), lr=1e-3)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, CLASSIFIER_STEPS)
    half = CLASSIFIER_BATCH // 2
    labels = torch.cat([torch.ones(half), torch.zeros(half)])
    with torch.enable_grad():  # also when called under no_grad (``measure_faces``)
        for step in range(CLASSIFIER_STEPS):
            ids = train_faces.sample_identities(half, generator)  # the same faces with and without it
            x = torch.cat([train_faces.draw(ids, sample_attributes(attribute, half, generator)), train_faces.draw(ids)])
            if step % 2:
                x = _soften(x)
            loss = F.binary_cross_entropy_with_logits(classifier(x), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            schedule.step()
    classifier.eval()
    ids = test_faces.sample_identities(1000, generator)
    with torch.no_grad():
        x_with = test_faces.draw(ids[:500], sample_attributes(attribute, 500, generator))
        correct = (classifier(x_with) > 0).sum() + (classifier(test_faces.draw(ids[500:])) <= 0).sum()
    return classifier, float(correct) / 1000


@torch.no_grad()
def measure_faces(
    model: ContentTransfer, card: dict, *, counts: str = "standard", seed: int = 0, data_dir=None, device="cpu"
) -> dict:
    """Every content-addition score of ``model`` on held-out procedural faces (see the module docstring)."""
    from ..metrics import domain_probe_accuracy, mean_finite, psnr, ssim  # scikit-learn: when first measured

    check_counts(counts)
    if data_dir is not None:
        raise ValueError("procedural faces are measured on their own held-out identities; they take no --data-dir")
    attribute = card.get("data_options", {}).get("attribute", "glasses")
    classifier, classifier_accuracy = attribute_classifier(attribute, seed)
    model.eval().to(device)
    faces = ProceduralFaces(attribute, "test", device=device)
    generator = torch.Generator().manual_seed(1234 + seed)
    scores: dict[str, list] = {
        k: []
        for k in (
            "transfer_psnr",
            "transfer_ssim",
            "identity_psnr",
            "removal_psnr",
            "removal_ssim",
            "recon_psnr_a",
            "recon_psnr_b",
            "unchanged_psnr",
            "success_transfer",
            "success_removal",
            "mask_fraction",
        )
    }
    codes_a, codes_b = [], []
    n = PAIRS[counts]
    for start in range(0, n, BATCH):
        p = faces.transfer_pairs(min(BATCH, n - start), generator)
        moved, removed = transfer(model, p["x_a"], p["x_b"]), remove(model, p["x_b"])
        outside = ~p["mask_transfer"]
        scores["transfer_psnr"].append(psnr(moved, p["transfer"]))
        scores["transfer_ssim"].append(ssim(moved, p["transfer"]))
        scores["identity_psnr"].append(psnr(moved, p["transfer"], outside))
        scores["removal_psnr"].append(psnr(removed, p["removal"]))
        scores["removal_ssim"].append(ssim(removed, p["removal"]))
        scores["recon_psnr_a"].append(psnr(model.decode(model.content_encoder(p["x_a"])), p["x_a"]))
        scores["recon_psnr_b"].append(psnr(model.decode(*model.encode(p["x_b"])), p["x_b"]))
        scores["unchanged_psnr"].append(psnr(p["x_a"], p["transfer"]))
        scores["success_transfer"].append((classifier(moved.cpu()) > 0).float())
        scores["success_removal"].append((classifier(removed.cpu()) <= 0).float())
        scores["mask_fraction"].append(p["mask_transfer"].float().flatten(1).mean(1))
        codes_a.append(model.representation(p["x_a"]).cpu())
        codes_b.append(model.representation(p["x_b"]).cpu())
    result = {"data": f"{n} pairs of held-out procedural faces ({attribute})", "attribute": attribute}
    result.update({k: round(mean_finite(torch.cat(v).cpu()), 4) for k, v in scores.items()})
    result["classifier_accuracy"] = classifier_accuracy
    result["leakage"] = round(domain_probe_accuracy(torch.cat(codes_a).numpy(), torch.cat(codes_b).numpy(), seed), 4)
    return result


FACES = Evaluation(
    measure=measure_faces,
    headline=(
        "transfer_psnr",
        "transfer_ssim",
        "identity_psnr",
        "removal_psnr",
        "success_transfer",
        "success_removal",
        "leakage",
    ),
    card_keys=(
        "recon_psnr_a",
        "recon_psnr_b",
        "unchanged_psnr",
        "removal_ssim",
        "classifier_accuracy",
        "mask_fraction",
        "data",
    ),
    summary="faces: transfer and removal PSNR/SSIM against the true drawings, identity outside the mask, "
    "attribute-classifier success, domain leakage of the common code",
)
