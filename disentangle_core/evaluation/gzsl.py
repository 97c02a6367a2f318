"""Measuring a GZSL model on its data: U, S, H through the final softmax classifier, and the diagnostics.

CADA-VAE's protocol (Schönfeld et al. 2019, official code): draw latent samples, 200 per seen class from
the training images' q(z|x) and 400 per unseen class from q(z|c) of its attribute vector, train a
softmax classifier on them (Adam 1e-3, betas (0.5, 0.999), batch 32, 29 epochs: the official value for
AWA2, chosen there on the validation split), then classify every test image's posterior mean over
seen ∪ unseen. The disentangled VAE does the same with z^t (``model.classify_on``).
Diagnostics, from the start, since a naive disentangled VAE can collapse: a probe (logistic regression
on latent samples of the training images, scored on the seen test images) per latent part, the
share of seen test images sent to unseen classes, and calibrated stacking.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from ..data import make_dataset
from ..models.protocols import TwoModalityModel
from . import Evaluation, format_scores
from .counts import CLASSIFIER_EPOCHS, check_counts

SEEN_SAMPLES, UNSEEN_SAMPLES = 200, 400  # latent samples per class for the final classifier (CADA-VAE's code)
# calibrated stacking: the constants subtracted from the seen classes' log-probabilities
CALIBRATIONS = (-1.0, -0.5, -0.25, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0)


def _sample(mu, logvar, generator):
    return mu + torch.randn(mu.shape, generator=generator).to(mu.device) * (0.5 * logvar).exp()


@torch.no_grad()
def latent_training_set(model: TwoModalityModel, data, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """(M, d) latent samples and (M,) labels: 200 per seen class from images, 400 per unseen class from attributes."""
    key, zs, ys = model.classify_on, [], []
    train_labels = data.labels[data.train_idx].cpu()
    for k in data.seen_classes:
        rows = data.train_idx[train_labels == k]
        pick = rows[torch.randint(len(rows), (SEEN_SAMPLES,), generator=generator)].to(data.device)
        zs.append(_sample(*model.image_latents(data.features[pick])[key], generator))
        ys.append(torch.full((SEEN_SAMPLES,), int(k)))
    for k in data.unseen_classes:
        c = data.attributes[int(k)].expand(UNSEEN_SAMPLES, -1)
        zs.append(_sample(*model.attribute_latents(c)[key], generator))
        ys.append(torch.full((UNSEEN_SAMPLES,), int(k)))
    return torch.cat(zs).float().cpu(), torch.cat(ys)


def train_softmax(z, y, num_classes: int, epochs: int, generator: torch.Generator, lr: float = 1e-3) -> nn.Linear:
    """The final classifier: one linear layer and a softmax over all classes, trained with cross-entropy."""
    classifier = nn.Linear(z.shape[1], num_classes)
    optimizer = torch.optim.Adam(classifier.parameters(), lr=lr, betas=(0.5, 0.999))
    for _ in range(epochs):
        for batch in torch.randperm(len(z), generator=generator).split(32):
            loss = F.cross_entropy(classifier(z[batch]), y[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return classifier.eval()


@torch.no_grad()
def image_means(model, data, index) -> dict:
    """The posterior means of the images ``index`` for each latent part, as numpy (N, d) arrays."""
    parts = model.image_latents(data.features[index.to(data.device)])
    return {k: mu.float().cpu().numpy() for k, (mu, _) in parts.items()}


@torch.no_grad()
def latent_pca(model, data, points: int, generator: torch.Generator) -> dict:
    """{latent part: ((M, 2) PCA, (M,) labels)} of one sample of q(z|x) for ``points`` random test images.

    Samples, not posterior means, as for the probes: a part's means keep the classes apart whenever the
    features do, while its samples show how much of that the part actually passes on."""
    pick = torch.cat([data.test_seen_idx, data.test_unseen_idx])
    pick = pick[torch.randperm(len(pick), generator=generator)[:points]]
    labels = data.labels[pick].cpu().numpy()
    maps = {}
    for key, part in model.image_latents(data.features[pick.to(data.device)]).items():
        drawn = _sample(*part, generator).float().cpu().numpy()
        centred = drawn - drawn.mean(0)
        _, _, vt = np.linalg.svd(centred, full_matrices=False)  # PCA: the two directions of largest variance
        maps[key] = (centred @ vt[:2].T, labels)
    return maps


def probe_accuracies(model, data, generator: torch.Generator) -> dict:
    """Per-class accuracy (%) on the seen test images of a logistic regression on each latent part alone.

    ``probe_K`` reads samples of q(z^K|x), what the decoder and classifiers receive: it measures the class
    information a part carries. ``probe_K_mean`` reads the posterior means, a deterministic function of the
    features: it finds nearly all the class information the features hold in any part that is not
    constant (a probe on the raw features scores about as high), so it cannot tell the parts apart.
    """
    from sklearn.linear_model import LogisticRegression

    from ..metrics.gzsl import per_class_accuracy

    with torch.no_grad():
        train = model.image_latents(data.features[data.train_idx.to(data.device)])
        test = model.image_latents(data.features[data.test_seen_idx.to(data.device)])
    y_train, y_test = data.labels[data.train_idx].cpu().numpy(), data.labels[data.test_seen_idx].cpu().numpy()
    result = {}
    for key in train:
        readers = (
            (f"probe_{key}", lambda part: _sample(*part, generator)),
            (f"probe_{key}_mean", lambda part: part[0]),
        )
        for name, read in readers:
            inputs = read(train[key]).float().cpu().numpy(), read(test[key]).float().cpu().numpy()
            probe = LogisticRegression(max_iter=300).fit(inputs[0], y_train)
            result[name] = 100 * per_class_accuracy(probe.predict(inputs[1]), y_test)
    return result


def gzsl_result(model, data, *, seed: int = 0, counts: str = "standard") -> dict:
    """U, S, H (%), the calibrated-stacking sweep, the probes and the attribute baseline of one model."""
    from ..metrics.gzsl import gzsl_scores  # with scikit-learn: imported when a model is first measured

    model.eval()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)  # the classifier's initial weights
        generator = torch.Generator().manual_seed(seed)
        z, y = latent_training_set(model, data, generator)
        classifier = train_softmax(z, y, len(data.attributes), CLASSIFIER_EPOCHS[counts], generator)
    seen = data.seen_classes
    with torch.no_grad():
        scores = {
            split: F.log_softmax(
                classifier(torch.as_tensor(image_means(model, data, index)[model.classify_on])), 1
            ).numpy()
            for split, index in (("seen", data.test_seen_idx), ("unseen", data.test_unseen_idx))
        }
    labels = {
        split: data.labels[index].cpu().numpy()
        for split, index in (("seen", data.test_seen_idx), ("unseen", data.test_unseen_idx))
    }
    result = gzsl_scores(scores["seen"], labels["seen"], scores["unseen"], labels["unseen"], seen)
    sweep = [
        {"calibration": g, **gzsl_scores(scores["seen"], labels["seen"], scores["unseen"], labels["unseen"], seen, g)}
        for g in CALIBRATIONS
    ]
    best = max(sweep, key=lambda row: row["h"])
    result.update({"h_calibrated": best["h"], "calibration": best["calibration"], "calibration_sweep": sweep})
    result.update(probe_accuracies(model, data, torch.Generator().manual_seed(seed)))
    result.update(baseline_result(data))
    result.update({"split": data.split, "seen_classes": len(seen), "unseen_classes": len(data.unseen_classes)})
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in result.items()}


def baseline_result(data) -> dict:
    """U, S, H (%) of the attribute-compatibility baseline (ridge regression to attributes, cosine scores)."""
    from ..metrics.gzsl import attribute_compatibility_scores, gzsl_scores

    x = data.features.cpu().numpy()
    labels, att = data.labels.cpu().numpy(), data.attributes.cpu().numpy()
    indices = (data.train_idx, data.test_seen_idx, data.test_unseen_idx)
    train, seen_test, unseen_test = (i.cpu().numpy() for i in indices)
    scores = {
        k: attribute_compatibility_scores(x[train], labels[train], att, x[i])
        for k, i in (("seen", seen_test), ("unseen", unseen_test))
    }
    base = gzsl_scores(scores["seen"], labels[seen_test], scores["unseen"], labels[unseen_test], data.seen_classes)
    return {f"baseline_{k}": base[k] for k in ("u", "s", "h")}


def measure_gzsl(
    model: TwoModalityModel, card: dict, *, counts: str = "standard", seed: int = 0, data_dir=None, device="cpu"
) -> dict:
    """The GZSL evaluation: the model's data (procedural, or the xlsa17 folder) and ``gzsl_result``."""
    check_counts(counts)
    options = dict(card.get("data_options", {}))
    if data_dir is not None:
        options["data_dir"] = str(data_dir)
    data = make_dataset("gzsl", device=device, **options)
    expected = model.config.feature_dim, model.config.attribute_dim
    if (data.features.shape[1], data.attributes.shape[1]) != expected:
        raise ValueError(
            f"the model reads {expected[0]} features and {expected[1]} attributes, but the data at "
            f"{data.data_dir} has {data.features.shape[1]} and {data.attributes.shape[1]}"
        )
    return gzsl_result(model.to(device), data, seed=seed, counts=counts)


def format_gzsl(result: dict) -> str:
    """U, S, H and the diagnostics as a table, then the calibrated-stacking sweep."""
    lines = [
        format_scores({k: v for k, v in result.items() if k != "calibration_sweep"}),
        "",
        "calibrated stacking (constant subtracted from seen log-probabilities)",
        f"{'calibration':>12}{'U':>8}{'S':>8}{'H':>8}{'seen->unseen %':>16}",
    ]
    lines += [
        f"{r['calibration']:>12.2f}{r['u']:>8.1f}{r['s']:>8.1f}{r['h']:>8.1f}{r['seen_to_unseen']:>16.1f}"
        for r in result["calibration_sweep"]
    ]
    return "\n".join(lines)


GZSL = Evaluation(
    measure=measure_gzsl,
    headline=("u", "s", "h", "h_calibrated", "seen_to_unseen", "probe_t", "probe_p", "probe_z"),
    card_keys=("calibration", "calibration_sweep", "baseline_u", "baseline_s", "baseline_h"),
    format=format_gzsl,
    summary="GZSL: U, S, H over seen and unseen classes, calibrated stacking, latent probes, a baseline",
)
