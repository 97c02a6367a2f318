"""Known-answer tests of the disentanglement metrics (oracles: scikit-learn and scipy), and the CLI."""

import json

import numpy as np
import pytest
import scipy.stats
import torch
from sklearn.metrics import mutual_info_score

from disentangle_core import metrics
from disentangle_core.checkpoints import save_model
from disentangle_core.cli import main
from disentangle_core.data.dsprites import FACTOR_SIZES
from disentangle_core.evaluation import dsprites as dsprites_evaluation
from disentangle_core.evaluation.dsprites import format_metrics
from disentangle_core.models import build_model

TOY_SIZES = (3, 6, 10, 8, 8)  # at most 20 classes, so a perfect code survives MIG's 20 bins


def toy_factors(n, seed=0, sizes=TOY_SIZES):
    rng = np.random.RandomState(seed)
    return np.stack([rng.randint(size, size=n) for size in sizes], axis=1)  # (n, K)


class ToyData:
    """A ground-truth 'dataset' whose images are its factor classes: (n, K) floats."""

    factor_names = ("shape", "scale", "orientation", "posX", "posY")
    factor_sizes = TOY_SIZES

    def sample_factors(self, n, generator=None):
        return torch.stack([torch.randint(s, (n,), generator=generator) for s in self.factor_sizes], dim=1)

    def images(self, classes):
        return classes.double()


class LinearCode(torch.nn.Module):
    """representation(x) = x @ matrix: the identity, a rotation, a duplication or a constant code."""

    def __init__(self, matrix):
        super().__init__()
        self.matrix = torch.as_tensor(matrix, dtype=torch.float64)

    def representation(self, x):
        return x.double() @ self.matrix


def split(codes, factors, n_train):
    return codes[:n_train], factors[:n_train], codes[n_train:], factors[n_train:]


def random_rotation(d, seed=0):
    q, r = np.linalg.qr(np.random.RandomState(seed).randn(d, d))
    return q * np.sign(np.diag(r))


# ---- the mutual-information matrix against scikit-learn and scipy ----------------------------------


def test_mi_matrix_matches_sklearn_on_binned_codes():
    rng = np.random.RandomState(1)
    factors = toy_factors(3000, seed=1)
    codes = factors @ rng.randn(5, 4) + rng.randn(3000, 4)  # (N, 4) noisy mixtures
    got = metrics.mutual_info_matrix(codes, factors)
    for d in range(4):
        edges = np.linspace(codes[:, d].min(), codes[:, d].max(), 21)[:-1]  # 20 equal-width bins
        bins = np.digitize(codes[:, d], edges)
        for k in range(5):
            assert got[d, k] == pytest.approx(mutual_info_score(factors[:, k], bins), abs=1e-12)


def test_mi_of_a_factor_with_itself_is_its_entropy():
    factors = toy_factors(5000, seed=2)
    mi = metrics.mutual_info_matrix(factors.astype(float), factors)
    for k in range(5):
        entropy = scipy.stats.entropy(np.bincount(factors[:, k]))  # nats, the plug-in estimate
        assert mi[k, k] == pytest.approx(entropy, rel=1e-9)
        assert metrics.discrete_entropy(factors)[k] == pytest.approx(entropy, rel=1e-9)


# ---- known answers: identity, constant, duplicated, rotated codes ----------------------------------


def test_identity_code_scores_high():
    factors = toy_factors(1500)
    codes = factors.astype(float)
    assert metrics.mig(codes, factors) > 0.9
    scores = metrics.dci(*split(codes, factors, 1000), boosting_stages=20)
    assert scores["disentanglement"] > 0.9 and scores["completeness"] > 0.9
    assert scores["informativeness_test"] > 0.95
    assert metrics.sap(*split(codes, factors, 1000)) > 0.2


def test_identity_code_of_dsprites_is_capped_by_the_20_bins():
    # orientation (40 classes) and posX/posY (32) share bins, so even a perfect code loses information
    factors = toy_factors(10_000, sizes=FACTOR_SIZES)
    assert 0.85 < metrics.mig(factors.astype(float), factors) < 0.92


def test_constant_code_scores_zero():
    factors = toy_factors(1000)
    codes = np.full((1000, 5), 0.3)
    assert metrics.mig(codes, factors) == pytest.approx(0.0, abs=1e-12)
    scores = metrics.dci(*split(codes, factors, 700), boosting_stages=5)
    assert scores["disentanglement"] == pytest.approx(0.0, abs=1e-6)
    assert scores["completeness"] == pytest.approx(0.0, abs=1e-6)
    assert metrics.sap(*split(codes, factors, 700)) == pytest.approx(0.0)


def test_duplicating_latents_drives_mig_to_zero():
    factors = toy_factors(2000)
    codes = factors.astype(float)
    one_copy = np.concatenate([codes, codes[:, :1]], axis=1)  # factor 0 now has two equal latents
    all_copies = np.concatenate([codes, codes], axis=1)
    full = metrics.mig(codes, factors)
    assert metrics.mig(one_copy, factors) == pytest.approx(full - 1 / 5, abs=0.02)
    assert metrics.mig(all_copies, factors) == pytest.approx(0.0, abs=1e-12)


def test_rotation_lowers_mig_but_keeps_dci_informativeness():
    # 3 x 4 x 5 factor combinations: the trees see every one, so a mixed code stays fully informative
    factors = toy_factors(1500, sizes=(3, 4, 5))
    codes = (factors - factors.mean(0)) / factors.std(0)  # standardised perfect code
    rotated = codes @ random_rotation(3)
    assert metrics.mig(codes, factors) > 0.95
    assert metrics.mig(rotated, factors) < 0.5
    perfect = metrics.dci(*split(codes, factors, 1000), boosting_stages=20)
    mixed = metrics.dci(*split(rotated, factors, 1000), boosting_stages=20)
    assert mixed["informativeness_test"] > 0.95
    assert mixed["disentanglement"] < perfect["disentanglement"] - 0.5


# ---- the intervention scores through the adapter ----------------------------------------------------


def identity_code_fn():
    return dsprites_evaluation.code_function(LinearCode(np.eye(5)), ToyData())


def test_beta_vae_score_identity_and_constant():
    data, generator = ToyData(), torch.Generator().manual_seed(0)
    for matrix, low, high in [(np.eye(5), 0.99, 1.0), (np.zeros((5, 3)), 0.0, 0.4)]:  # chance is 1/5
        code_fn = dsprites_evaluation.code_function(LinearCode(matrix), data)
        train = metrics.beta_vae_features(code_fn, data.sample_factors, 5, 200, 16, generator)
        evaluation = metrics.beta_vae_features(code_fn, data.sample_factors, 5, 100, 16, generator)
        assert train[0].shape == (200, matrix.shape[1]) and train[1].shape == (200,)
        assert low <= metrics.beta_vae_score(*train, *evaluation)["eval_accuracy"] <= high


def test_factor_vae_score_identity_constant_and_votes():
    data = ToyData()
    score = metrics.factor_vae_score(
        identity_code_fn(), data.sample_factors, 5, 200, 100, 1000, 32, torch.Generator().manual_seed(0)
    )
    assert score["eval_accuracy"] > 0.95 and score["active_latents"] == 5
    constant = dsprites_evaluation.code_function(LinearCode(np.zeros((5, 4))), data)
    assert metrics.factor_vae_score(constant, data.sample_factors, 5, 50, 50, 500, 16)["eval_accuracy"] == 0.0
    votes = np.array([[9, 1, 0], [1, 8, 0]])  # latent 2 never voted: it predicts factor 0
    assert metrics.factor_vae_accuracy(votes, votes)["train_accuracy"] == pytest.approx(17 / 19)
    with pytest.raises(ValueError, match="standard deviation"):
        metrics.factor_vae_votes(constant, data.sample_factors, 5, 10, np.zeros(4))


def test_evaluate_all_is_deterministic_for_a_seed_and_scores_identity_high():
    first = dsprites_evaluation.evaluate_all(LinearCode(np.eye(5)), ToyData(), seed=3, counts="quick")
    second = dsprites_evaluation.evaluate_all(LinearCode(np.eye(5)), ToyData(), seed=3, counts="quick")
    assert first == second
    assert first["beta_vae"] > 0.95 and first["factor_vae"] > 0.9 and first["dci_informativeness"] > 0.9
    assert np.asarray(first["mi_matrix"]).shape == (5, 5) and first["factor_names"][0] == "shape"
    json.dumps(first)  # every value is plain JSON


def test_bad_shapes_and_constant_factors_are_one_sentence_errors():
    with pytest.raises(ValueError, match="same N"):
        metrics.mig(np.zeros((10, 3)), np.zeros((9, 2), dtype=int))
    with pytest.raises(ValueError, match="single value"):
        metrics.mig(np.random.randn(10, 3), np.zeros((10, 2), dtype=int))
    with pytest.raises(ValueError, match="at least 2"):
        metrics.mig(np.random.randn(10, 1), toy_factors(10))


# ---- the CLI on a tiny saved model --------------------------------------------------------------------


@pytest.fixture(scope="module")
def evaluated(tmp_path_factory):
    torch.manual_seed(0)
    path = tmp_path_factory.mktemp("evaluate") / "model.safetensors"
    save_model(path, build_model("beta_vae", latent_dim=3), {"dataset": "dsprites"})
    return path


def test_cli_evaluate_prints_json_and_a_table(evaluated, capsys):
    assert main(["evaluate", str(evaluated), "--counts", "quick", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in (
        "beta_vae",
        "factor_vae",
        "mig",
        "dci_disentanglement",
        "dci_completeness",
        "dci_informativeness",
        "sap",
        "mi_matrix",
    ):
        assert key in result
    assert np.asarray(result["mi_matrix"]).shape == (3, 5)
    table = format_metrics(result)
    assert "mig" in table and "posX" in table and len(table.splitlines()) > 12


def test_cli_evaluate_errors_are_one_line(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "missing.safetensors"), "--counts", "quick"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and len(err.splitlines()) == 1
