"""GZSL scores: known answers for per-class accuracy, H and calibrated stacking, and the evaluation on a toy folder."""

import numpy as np
import pytest

from disentangle_core.metrics.gzsl import (
    attribute_compatibility_scores,
    calibrated_stacking,
    gzsl_scores,
    harmonic_mean,
    per_class_accuracy,
)


def test_per_class_accuracy_averages_over_classes_not_images():
    labels = np.array([0] * 9 + [1])  # a large class and a small one
    predictions = np.array([0] * 9 + [0])  # all of class 0 right, the one image of class 1 wrong
    assert per_class_accuracy(predictions, labels) == 0.5  # per image it would be 0.9
    assert per_class_accuracy(labels, labels) == 1.0
    with pytest.raises(ValueError, match="at least one"):
        per_class_accuracy([], [])


def test_harmonic_mean_is_high_only_when_both_are():
    assert harmonic_mean(60.0, 60.0) == 60.0
    assert harmonic_mean(0.0, 90.0) == 0.0 and harmonic_mean(0.0, 0.0) == 0.0
    assert harmonic_mean(40.0, 80.0) == pytest.approx(53.333, abs=1e-3)


def test_calibrated_stacking_moves_borderline_seen_images_to_unseen_classes():
    seen = [0, 1]
    scores_seen = np.array([[2.0, 0.0, 1.5], [0.0, 2.0, 0.0]])  # seen images; class 2 is unseen
    scores_unseen = np.array([[1.0, 0.0, 0.8], [0.0, 0.0, 1.0]])
    plain = gzsl_scores(scores_seen, [0, 1], scores_unseen, [2, 2], seen)
    assert (plain["s"], plain["u"], plain["seen_to_unseen"]) == (100.0, 50.0, 0.0)
    shifted = gzsl_scores(scores_seen, [0, 1], scores_unseen, [2, 2], seen, calibration=0.3)
    assert (shifted["s"], shifted["u"]) == (100.0, 100.0) and shifted["h"] == 100.0
    too_far = gzsl_scores(scores_seen, [0, 1], scores_unseen, [2, 2], seen, calibration=1.0)
    assert too_far["s"] == 50.0 and too_far["seen_to_unseen"] == 50.0
    assert calibrated_stacking(scores_seen, seen, 1.0)[0].tolist() == [1.0, -1.0, 1.5]


def test_the_attribute_baseline_recognises_an_unseen_combination_of_seen_attributes():
    rng = np.random.default_rng(0)
    att = np.vstack([np.eye(4), [1.0, 1.0, 0.0, 0.0]])  # classes 0-3 have one attribute each; class 4 two
    mixing = rng.normal(size=(4, 16))  # features are a linear function of the attributes
    labels = np.repeat(np.arange(4), 50)
    x = att[labels] @ mixing + 0.01 * rng.normal(size=(200, 16))
    scores = attribute_compatibility_scores(x, labels, att, att[[4, 4, 0]] @ mixing, alpha=1e-3)
    assert scores.shape == (3, 5) and scores.argmax(1).tolist() == [4, 4, 0]
    assert scores[0, 4] == pytest.approx(1.0, abs=1e-3) and scores[0, 0] == pytest.approx(2**-0.5, abs=1e-3)


def test_the_registered_evaluation_measures_a_model_on_its_folder(tmp_path):
    from test_gzsl_models import TINY

    from disentangle_core.data import GZSLFeatures
    from disentangle_core.families import evaluation_for
    from disentangle_core.models import build_model
    from gzsl_fixtures import write_xlsa17

    folder = write_xlsa17(tmp_path / "toy")
    data = GZSLFeatures(folder)
    model = build_model("dvae", **data.dimensions, **TINY)
    card = {"dataset": "xlsa17", "data_options": {"data_dir": str(folder)}}
    evaluation = evaluation_for(card)
    result = evaluation.measure(model, card, counts="quick", seed=0, data_dir=None, device="cpu")
    assert {"u", "s", "h", "seen_to_unseen", "h_calibrated", "probe_t", "probe_p", "baseline_h"} <= set(result)
    assert result["h"] == pytest.approx(harmonic_mean(result["u"], result["s"]), abs=0.01)
    assert "calibrated stacking" in evaluation.format(result)
    wrong = build_model("dvae", **{**data.dimensions, "feature_dim": 9}, **TINY)
    with pytest.raises(ValueError, match="the model reads 9 features and 4 attributes, but the data"):
        evaluation.measure(wrong, card, counts="quick", seed=0, data_dir=None, device="cpu")
