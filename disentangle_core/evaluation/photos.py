"""Measuring a content-addition model on CelebA photos, which have no true transfer to compare with.

A classifier trained on CelebA's own labels (``PhotoClassifier``, train partition) judges, for pairs of
held-out faces a without the attribute and donors b with it (``split``: test, or val while a recipe is
chosen): ``success_transfer`` / ``success_removal`` (it finds the attribute in D(E1(a), E2(b)), misses it in
b's removal); ``kept_psnr``, the transfer against face a, beside ``recon_psnr``, a's reconstruction;
``leakage``, the domain probe on E1's code as on drawn faces; ``classifier_accuracy`` on the split itself.
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
from ..data.faces import cache_dir
from ..models.protocols import ContentTransfer
from . import Evaluation
from .counts import PAIRS, PHOTO_CLASSIFIER_STEPS, PHOTO_JUDGED, check_counts
from .faces import BATCH, CLASSIFIER_BATCH

PHOTO_CLASSIFIER_VERSION = 1  # of PhotoClassifier and its training: part of the cached file's name
PHOTO_SIZE = 64  # the photos PhotoClassifier takes (CelebAFaces' default)
# the rows of each attribute's core on an aligned CelebA face, as fractions of the height: the lenses (the eyes
# at 0.51) and the chin; what ``attribute_contrast`` reads
ATTRIBUTE_ROWS = {"glasses": (0.44, 0.60), "beard": (0.69, 0.94)}
FACE_ROWS, FACE_COLUMNS = (0.25, 0.88), (0.19, 0.81)  # the face itself, without the background


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
    - ``leakage``: the domain probe on E1's code (0.5: E1 knows nothing of the attribute);
    - ``success_by_contrast``: ``success_transfer`` for each quarter of the pairs, from the donors whose
      attribute rows are lightest against their face to the darkest (``attribute_contrast``): clear thin
      frames at one end, sunglasses at the other; ``donors_found_by_contrast``: the classifier's reading of
      those donors themselves, the most a transfer can score in each quarter.
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
    codes_a, codes_b, contrast, donors_found = [], [], [], []
    rows_a, rows_b = photo_pairs(data, PAIRS[counts], generator)
    for start in range(0, len(rows_a), BATCH):
        x_a, x_b = data.images("a", rows_a[start : start + BATCH]), data.images("b", rows_b[start : start + BATCH])
        moved, removed = transfer(model, x_a, x_b), remove(model, x_b)
        reconstructed_a = model.decode(model.content_encoder(x_a))
        reconstructed_b = model.decode(*model.encode(x_b))
        scores["success_transfer"].append(_judge(classifier, moved))
        contrast.append(attribute_contrast(x_b, attribute))
        donors_found.append(_judge(classifier, x_b))
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
    quarters = torch.argsort(torch.cat(contrast).cpu(), stable=True).chunk(4)
    by_contrast = {"success_by_contrast": scores["success_transfer"], "donors_found_by_contrast": donors_found}
    for key, judged in by_contrast.items():
        judged = torch.cat(judged).cpu()
        result[key] = [round(float(judged[q].mean()), 4) for q in quarters]
    return result


def attribute_contrast(x: torch.Tensor, attribute: str) -> torch.Tensor:
    """(B, 3, S, S) aligned faces -> (B,): how much darker the attribute's rows (``ATTRIBUTE_ROWS``) are than
    the face around them, in [0, 1] units: high for sunglasses and dark beards, near 0 for clear frames."""
    size = x.shape[-1]

    def span(fractions):
        return slice(round(fractions[0] * size), round(fractions[1] * size))

    columns = span(FACE_COLUMNS)
    face = x[..., span(FACE_ROWS), columns].mean((1, 2, 3))
    return face - x[..., span(ATTRIBUTE_ROWS[attribute]), columns].mean((1, 2, 3))


PHOTOS = Evaluation(
    measure=measure_photos,
    splits=("test", "val"),
    headline=("classifier_accuracy", "success_transfer", "success_removal", "kept_psnr", "recon_psnr", "leakage"),
    card_keys=(
        "recon_psnr_b",
        "removal_change_psnr",
        "success_unchanged",
        "success_by_contrast",
        "donors_found_by_contrast",
        "classifier_found_a",
        "classifier_found_b",
        "split",
        "data",
    ),
    summary="CelebA: an attribute classifier trained on CelebA's labels judges transfers and removals; "
    "the transfer's PSNR against the face it kept beside that face's reconstruction; domain leakage",
)
