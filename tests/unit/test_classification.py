"""Known-answer tests of the Hungarian categorical accuracy (oracle: brute force over all renamings)."""

import itertools

import numpy as np
import pytest
import torch

from disentangle_core.metrics import hungarian_accuracy


def test_permuted_perfect_assignment_scores_one_and_mapping_inverts_it():
    rng = np.random.RandomState(0)
    labels = rng.randint(10, size=2000)
    permutation = rng.permutation(10)  # category = permutation[label]
    out = hungarian_accuracy(permutation[labels], labels)
    assert out["accuracy"] == 1.0
    assert [out["mapping"][permutation[d]] for d in range(10)] == list(range(10))  # mapping inverts it
    confusion = np.array(out["confusion"])
    assert confusion.shape == (10, 10)
    assert np.array_equal(confusion, np.diag(np.bincount(labels, minlength=10)))  # rows true, columns mapped


def test_random_assignment_scores_about_one_in_ten():
    rng = np.random.RandomState(1)
    out = hungarian_accuracy(rng.randint(10, size=10000), rng.randint(10, size=10000))
    assert 0.08 <= out["accuracy"] <= 0.14
    assert np.array(out["confusion"]).sum() == 10000
    assert sorted(out["mapping"]) == list(range(10))  # one-to-one


def test_matches_brute_force_over_all_renamings():
    rng = np.random.RandomState(2)
    labels = rng.randint(4, size=300)
    noisy = np.where(rng.rand(300) < 0.6, (labels + 1) % 4, rng.randint(4, size=300))
    best = max(np.mean(np.array(p)[noisy] == labels) for p in itertools.permutations(range(4)))
    out = hungarian_accuracy(noisy, labels, num_classes=4)
    assert out["accuracy"] == pytest.approx(best)
    assert np.trace(np.array(out["confusion"])) / 300 == pytest.approx(best)
    assert np.mean(np.array(out["mapping"])[noisy] == labels) == pytest.approx(best)


def test_more_categories_than_labels_counts_the_unmatched_ones_as_errors():
    labels = np.array([0, 0, 1, 1, 1, 1])
    predicted = np.array([0, 0, 1, 1, 2, 2])  # label 1 split over categories 1 and 2
    out = hungarian_accuracy(predicted, labels)  # num_classes defaults to 3, the largest id + 1
    assert out["accuracy"] == pytest.approx(4 / 6)
    assert out["mapping"][0] == 0 and out["mapping"][1] in (1, 2)
    confusion = np.array(out["confusion"])
    assert confusion.shape == (3, 3) and confusion[2].sum() == 0  # label 2 never occurs
    assert confusion[1].tolist() == [0, 2, 2]  # label 1: 2 points matched, 2 in the category sent to label 2


def test_torch_tensors_and_fewer_categories_than_labels():
    labels = torch.tensor([0, 1, 2, 3])
    out = hungarian_accuracy(torch.tensor([5, 5, 5, 5]), labels, num_classes=6)
    assert out["accuracy"] == 0.25 and len(out["mapping"]) == 6


@pytest.mark.parametrize(
    "predicted, labels, num_classes, needle",
    [
        ([0, 1, 12], [0, 1, 2], 10, "num_classes=10"),
        ([0.0, 1.0], [0, 1], None, "integer"),
        ([[0, 1]], [0, 1], None, "1-D"),
        ([0, -1], [0, 1], None, "non-negative"),
        ([0, 1, 2], [0, 1], None, "same length"),
        (np.zeros(0, dtype=int), np.zeros(0, dtype=int), None, "non-empty"),
    ],
)
def test_bad_input_gets_one_sentence(predicted, labels, num_classes, needle):
    with pytest.raises(ValueError) as info:
        hungarian_accuracy(np.array(predicted), np.array(labels), num_classes)
    assert needle in str(info.value) and len(str(info.value).splitlines()) == 1
