"""What the zero-shot tab shows, prepared once per GZSL model: its data, its final classifier, the class
table, the scores of every test image and the 2-D maps of its latents.

The model and card come from the shipped assets; everything else is computed here on first use and
shared by every user (one lock), so the tab's callbacks only look things up.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..checkpoints import load_pretrained
from ..data import make_dataset
from ..data.gzsl_world import image_parameters, original_attributes
from ..families import FAMILIES
from .inputs import check_choice, check_number

GZSL_DATASETS = FAMILIES["gzsl"].datasets  # the datasets of the models these views are for
CALIBRATION_RANGE = (-2.0, 4.0)
TOP_K = 5
MAP_POINTS = 600  # test images drawn on each latent map


@dataclass
class GZSLView:
    name: str
    model: torch.nn.Module
    card: dict
    data: object  # GZSLFeatures
    classifier: torch.nn.Module
    scores: dict  # {"seen": (N_s, C), "unseen": (N_u, C)} log-probabilities of the test images
    labels: dict  # {"seen": (N_s,), "unseen": (N_u,)}
    maps: dict  # {latent part: (points (M, 2), labels (M,))} PCA of one sample of q(z|x) per test image

    @property
    def unseen(self) -> set:
        return {int(k) for k in self.data.unseen_classes}

    def check_image(self, split, index) -> tuple[str, int]:
        split = check_choice(split, ("seen", "unseen"), "test split")
        count = len(self.labels[split])
        return split, check_number(index, f"{split} test image number", 0, count - 1, integer=True)

    def top_classes(self, scores: np.ndarray, calibration: float = 0.0) -> list[list]:
        """Rows [rank, class, seen/unseen, probability %, attributes] of the ``TOP_K`` best classes."""
        scores = scores.astype(np.float64).copy()
        scores[self.data.seen_classes] -= calibration
        probs = np.exp(scores - scores.max())
        probs /= probs.sum()
        rows = []
        for rank, k in enumerate(np.argsort(-probs)[:TOP_K], 1):
            rows.append(
                [
                    rank,
                    self.data.class_names[k],
                    "unseen" if int(k) in self.unseen else "seen",
                    round(100 * float(probs[k]), 1),
                    describe(self.data, int(k)),
                ]
            )
        return rows

    def image_scores(self, split: str, index: int) -> np.ndarray:
        return self.scores[split][index]

    @torch.no_grad()
    def attribute_scores(self, vector) -> np.ndarray:
        """Class log-probabilities of an attribute vector, encoded with the attribute encoder (its mean)."""
        c = torch.tensor([vector], dtype=torch.float32)
        c = c / c.norm().clamp_min(1e-12) if self.data.attributes.norm(dim=1).sub(1).abs().max() < 1e-3 else c
        mu, _ = self.model.attribute_latents(c)[self.model.classify_on]
        return F.log_softmax(self.classifier(mu.float()), 1)[0].numpy()

    def ush(self, calibration: float) -> dict:
        """U, S, H (%) of the test set with ``calibration`` subtracted from the seen classes' scores."""
        from ..metrics.gzsl import gzsl_scores  # not at import: see build_view

        result = gzsl_scores(
            self.scores["seen"],
            self.labels["seen"],
            self.scores["unseen"],
            self.labels["unseen"],
            self.data.seen_classes,
            calibration,
        )
        return {k: round(v, 1) for k, v in result.items()}

    def image(self, split: str, index: int):
        """The test image itself (procedural benchmark only: re-rendered from its stored parameters), or None."""
        params = image_parameters(self.data.data_dir)
        if params is None:
            return None
        from ..data.gzsl_world import render

        row = (self.data.test_seen_idx if split == "seen" else self.data.test_unseen_idx)[index].item()
        att = original_attributes(self.data.data_dir)
        return render(att, params[row : row + 1], noise_seed=row)[0]


def describe(data, k: int, threshold: float = 0.5) -> str:
    """The attributes of class ``k`` that are on (over ``threshold`` of the class's largest value)."""
    row = data.attributes[k].cpu().numpy()
    on = [data.attribute_names[a] for a in np.flatnonzero(row >= threshold * row.max())]
    return ", ".join(on)


class GZSLViews:
    """The prepared views of the shipped GZSL models, by asset name (built on first use)."""

    def __init__(self, cache, counts: str = "standard"):
        self.cache, self.counts = cache, counts  # counts="quick": a 3-epoch final classifier (tests)
        self._views: dict = {}
        self._lock = threading.Lock()

    def names(self) -> list:
        return self.cache.names(GZSL_DATASETS)

    def get(self, name) -> GZSLView:
        check_choice(name, self.names(), "zero-shot model")
        with self._lock:
            if name not in self._views:
                self._views[name] = build_view(name, self.cache.assets_dir, self.counts)
            return self._views[name]


def build_view(name: str, assets_dir, counts: str = "standard") -> GZSLView:
    # the metrics package brings scikit-learn: imported here, so not before the app's page is up
    from ..evaluation.counts import CLASSIFIER_EPOCHS
    from ..evaluation.gzsl import image_means, latent_pca, latent_training_set, train_softmax

    model, card = load_pretrained(name, "cpu", assets_dir)
    data = make_dataset("gzsl", **card.get("data_options", {}))
    generator = torch.Generator().manual_seed(0)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        z, y = latent_training_set(model, data, generator)
        classifier = train_softmax(z, y, len(data.attributes), CLASSIFIER_EPOCHS[counts], generator)
    scores, labels = {}, {}
    for split, index in (("seen", data.test_seen_idx), ("unseen", data.test_unseen_idx)):
        means = torch.as_tensor(image_means(model, data, index)[model.classify_on])
        scores[split] = F.log_softmax(classifier(means), 1).detach().numpy()
        labels[split] = data.labels[index].cpu().numpy()
    return GZSLView(name, model, card, data, classifier, scores, labels, latent_pca(model, data, MAP_POINTS, generator))


def check_attribute_vector(values, length: int) -> list[float]:
    """A list of ``length`` finite numbers in [0, 1] (the checkboxes or an API client's list)."""
    if not isinstance(values, (list, tuple)) or len(values) != length:
        got = len(values) if isinstance(values, (list, tuple)) else type(values).__name__
        raise ValueError(f"the attribute vector must hold {length} numbers between 0 and 1, got {got}")
    return [check_number(v, f"attribute {i + 1}", 0.0, 1.0) for i, v in enumerate(values)]
