"""Measuring a content-addition model: on drawn faces, where the right answer is known exactly, and on CelebA.

On held-out identities (the ``test`` split), for pairs (face a without the attribute, donor b with it):
- ``transfer_psnr`` / ``transfer_ssim``: D(E1(a), E2(b)) against the true drawing of a with b's attribute;
- ``identity_psnr``: the same, over the pixels outside the attribute's mask only (a's face must not change);
- ``removal_psnr``: D(E1(b), 0) against the true drawing of b without it;
- ``success_transfer`` / ``success_removal``: an attribute classifier, trained on the generator's labels,
  finds the attribute in the transfers / misses it in the removals (``classifier_accuracy``: on true drawings);
- ``leakage``: a logistic-regression probe's held-out accuracy at telling the domain from E1's code
  (0.5: E1 knows nothing of the attribute);
- ``unchanged_psnr``: the score of returning face a unchanged, the baseline every transfer must beat.

CelebA has no true transfer to compare with (``measure_photos``): a classifier trained on CelebA's own labels
(``PhotoClassifier``) judges the transfers and removals; ``kept_psnr`` compares the transfer with face a,
beside a's reconstruction, and the leakage is measured as on drawn faces.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

import torch
import torch.nn.functional as F
from torch import nn

from ..content import remove, transfer
from ..data.celeba import ATTRIBUTE_FILE, PARTITION_FILE, CelebAFaces
from ..data.faces import ProceduralFaces, cache_dir, sample_attributes
from ..models.protocols import ContentTransfer
from . import Evaluation
from .counts import PAIRS, PHOTO_CLASSIFIER_STEPS, PHOTO_JUDGED, check_counts

CLASSIFIER_STEPS, CLASSIFIER_BATCH = 2000, 64
CLASSIFIER_VERSION = 2  # of AttributeClassifier's architecture: part of the cached file's name
BATCH = 250
PHOTO_CLASSIFIER_VERSION = 1  # of PhotoClassifier and its training: part of the cached file's name
PHOTO_SIZE = 64  # the photos PhotoClassifier takes (CelebAFaces' default)


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


class PhotoClassifier(nn.Sequential):
    """A small CNN for photos: (B, 3, 64, 64) -> (B,) logit of "wears the attribute". Four strided
    convolutions with batch norm, cheap enough to train on CPU in a few minutes (glasses and beards are
    tens of pixels wide at 64x64: no full-resolution layer as for the drawn beards)."""

    def __init__(self):
        layers, width = [], 3
        for out in (16, 32, 64, 128):
            layers += [nn.Conv2d(width, out, 4, 2, 1), nn.BatchNorm2d(out), nn.ReLU()]
            width = out
        super().__init__(*layers, nn.Flatten(), nn.Dropout(0.2), nn.Linear(128 * 4 * 4, 1))

    def forward(self, x):
        if x.shape[-1] != PHOTO_SIZE:  # a model on larger photos: judged at the classifier's size
            x = F.interpolate(x, size=(PHOTO_SIZE, PHOTO_SIZE), mode="bilinear", antialias=True, align_corners=False)
        return super().forward(x).squeeze(1)


def _fingerprint(data: CelebAFaces) -> str:
    """8 hex digits naming the label files a classifier was trained with (a fixture and the real set differ)."""
    digest = hashlib.md5()
    for name in (ATTRIBUTE_FILE, PARTITION_FILE):
        digest.update((data.folder / name).read_bytes())
    return digest.hexdigest()[:8]


def photo_classifier(data_dir, attribute: str, seed: int = 0, counts: str = "standard") -> PhotoClassifier:
    """The CelebA attribute classifier trained on the train partition's labels: trained once (about 4 minutes
    on one CPU thread at standard counts) and kept in ``faces.cache_dir()``, keyed by attribute, seed,
    steps, version and the label files, so every later evaluation reuses the same one."""
    train = CelebAFaces(data_dir, attribute=attribute, split="train", image_size=PHOTO_SIZE)
    return _photo_classifier(str(train.folder), attribute, seed, PHOTO_CLASSIFIER_STEPS[check_counts(counts)])


@lru_cache(maxsize=4)
def _photo_classifier(folder: str, attribute: str, seed: int, steps: int) -> PhotoClassifier:
    from safetensors.torch import load_file, save_file

    train = CelebAFaces(folder, attribute=attribute, split="train", image_size=PHOTO_SIZE)
    name = f"photo_classifier{PHOTO_CLASSIFIER_VERSION}_{attribute}_seed{seed}_steps{steps}_{_fingerprint(train)}"
    path = cache_dir() / f"{name}.safetensors"
    classifier = PhotoClassifier()
    if path.is_file():
        try:
            classifier.load_state_dict(load_file(path))
            return classifier.eval()
        except Exception:  # a damaged cache file is trained again
            pass
    classifier = train_photo_classifier(train, seed, steps)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    save_file(classifier.state_dict(), str(tmp))
    os.replace(tmp, path)
    return classifier


def train_photo_classifier(train: CelebAFaces, seed: int, steps: int) -> PhotoClassifier:
    """Train on ``train``'s photos with their CelebA labels, each batch half domain B, half domain A
    (balanced although B is rare), half of the photos mirrored; returns it in eval mode, on the CPU."""
    generator = torch.Generator().manual_seed(seed)
    torch.manual_seed(seed)
    classifier = PhotoClassifier()
    optimizer = torch.optim.Adam(classifier.parameters(), lr=2e-3, weight_decay=1e-4)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=2e-3, total_steps=max(steps, 2))
    half = CLASSIFIER_BATCH // 2
    labels = torch.cat([torch.ones(half), torch.zeros(half)])
    train.to("cpu")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # on a busy machine two threads of this small net were far slower than one
    try:
        with torch.enable_grad():  # also when called under no_grad (``measure_photos``)
            classifier.train()
            for _ in range(steps):
                batch = train.sample(half, generator)
                x = torch.cat([batch["x_b"], batch["x_a"]])
                mirrored = torch.rand(len(x), generator=generator) < 0.5
                x = torch.where(mirrored[:, None, None, None], x.flip(-1), x)
                loss = F.binary_cross_entropy_with_logits(classifier(x), labels)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
                schedule.step()
    finally:
        torch.set_num_threads(threads)
    return classifier.eval()


def _judge(classifier: PhotoClassifier, x: torch.Tensor) -> torch.Tensor:
    """(B, 3, S, S) -> (B,) 1.0 where the classifier finds the attribute, else 0.0."""
    return (classifier(x.cpu()) > 0).float()


def photo_classifier_accuracy(classifier: PhotoClassifier, data: CelebAFaces, per_domain: int, seed: int = 0) -> dict:
    """The classifier's accuracy on up to ``per_domain`` photos of each domain of ``data`` (a held-out split):
    ``classifier_accuracy`` (balanced: the mean of the two domains'), ``classifier_found_b`` (photos with the
    attribute it finds) and ``classifier_found_a`` (photos without it where it finds it anyway)."""
    generator = torch.Generator().manual_seed(4321 + seed)
    found = {}
    for domain in ("a", "b"):
        rows = torch.randperm(data.counts[domain], generator=generator)[:per_domain]
        found[domain] = torch.cat(
            [_judge(classifier, data.images(domain, rows[i : i + BATCH])) for i in range(0, len(rows), BATCH)]
        )
    accuracy = (found["b"].mean() + (1 - found["a"]).mean()) / 2
    return {
        "classifier_accuracy": round(float(accuracy), 4),
        "classifier_found_b": round(float(found["b"].mean()), 4),
        "classifier_found_a": round(float(found["a"].mean()), 4),
    }


def photo_pairs(data: CelebAFaces, n: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Rows of ``n`` (face a, donor b) pairs: faces a each used once while there are enough, donors b
    cycling through the whole domain B in a random order (every donor used, none twice more than another)."""

    def rows(count: int) -> torch.Tensor:
        order = torch.cat([torch.randperm(count, generator=generator) for _ in range(-(-n // count))])
        return order[:n]

    return rows(data.counts["a"]), rows(data.counts["b"])


@torch.no_grad()
def measure_photos(
    model: ContentTransfer,
    card: dict,
    *,
    counts: str = "standard",
    seed: int = 0,
    data_dir=None,
    device="cpu",
    split: str = "test",
) -> dict:
    """A content-addition model on CelebA, which has no true transfer to compare with: an attribute classifier
    trained on CelebA's labels (train partition) judges the transfers and removals of held-out pairs of
    ``split`` ("test"; "val" while recipes are chosen):

    - ``classifier_accuracy``: its balanced accuracy on the split's photos (``classifier_found_a`` / ``_b``);
    - ``success_transfer``: it finds the attribute in D(E1(a), E2(b)), for faces a without it and donors b
      with it; ``success_unchanged``: in a's reconstruction, the rate a transfer that does nothing scores;
    - ``success_removal``: it misses the attribute in b's removal;
    - ``kept_psnr``: the transfer against face a, beside ``recon_psnr`` (a's reconstruction, the most a
      transfer can keep) and ``recon_psnr_b``; ``removal_change_psnr``: b's removal against b's
      reconstruction (low: the removal changes much);
    - ``leakage``: the domain probe on E1's code (0.5: E1 knows nothing of the attribute).
    """
    from ..metrics import domain_probe_accuracy, mean_finite, psnr

    check_counts(counts)
    options = card.get("data_options", {})
    data_dir = data_dir or options.get("data_dir")
    if data_dir is None:
        raise ValueError(
            "this CelebA model's card names no data folder; pass --data-dir with the folder holding celeba/"
        )
    attribute = options.get("attribute", "glasses")
    image_size = int(options.get("image_size", PHOTO_SIZE))
    data = CelebAFaces(data_dir, attribute=attribute, split=split, image_size=image_size, device=device)
    classifier = photo_classifier(data_dir, attribute, seed, counts)
    result = {
        "data": f"{PAIRS[counts]} pairs of {split} CelebA photos ({attribute}): {data.counts['a']} faces without, "
        f"{data.counts['b']} donors with",
        "attribute": attribute,
        "split": split,
        **photo_classifier_accuracy(classifier, data, PHOTO_JUDGED[counts], seed),
    }
    model.eval().to(device)
    generator = torch.Generator().manual_seed(1234 + seed)
    keys = ("success_transfer", "success_removal", "success_unchanged", "kept_psnr", "recon_psnr", "recon_psnr_b")
    scores: dict[str, list] = {k: [] for k in (*keys, "removal_change_psnr")}
    codes_a, codes_b = [], []
    rows_a, rows_b = photo_pairs(data, PAIRS[counts], generator)
    for start in range(0, len(rows_a), BATCH):
        x_a, x_b = data.images("a", rows_a[start : start + BATCH]), data.images("b", rows_b[start : start + BATCH])
        moved, removed = transfer(model, x_a, x_b), remove(model, x_b)
        reconstructed_a = model.decode(model.content_encoder(x_a))
        reconstructed_b = model.decode(*model.encode(x_b))
        scores["success_transfer"].append(_judge(classifier, moved))
        scores["success_removal"].append(1 - _judge(classifier, removed))
        scores["success_unchanged"].append(_judge(classifier, reconstructed_a))
        scores["kept_psnr"].append(psnr(moved, x_a))
        scores["recon_psnr"].append(psnr(reconstructed_a, x_a))
        scores["recon_psnr_b"].append(psnr(reconstructed_b, x_b))
        scores["removal_change_psnr"].append(psnr(removed, reconstructed_b))
        codes_a.append(model.representation(x_a).cpu())
        codes_b.append(model.representation(x_b).cpu())
    result.update({k: round(mean_finite(torch.cat(v).cpu()), 4) for k, v in scores.items()})
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

PHOTOS = Evaluation(
    measure=measure_photos,
    splits=("test", "val"),
    headline=("classifier_accuracy", "success_transfer", "success_removal", "kept_psnr", "recon_psnr", "leakage"),
    card_keys=(
        "recon_psnr_b",
        "removal_change_psnr",
        "success_unchanged",
        "classifier_found_a",
        "classifier_found_b",
        "split",
        "data",
    ),
    summary="CelebA: an attribute classifier trained on CelebA's labels judges transfers and removals; "
    "the transfer's PSNR against the face it kept beside that face's reconstruction; domain leakage",
)
