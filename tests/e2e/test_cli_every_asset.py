"""Every shipped asset through every CLI command: ``list``, ``info``, its family's figure command, the other
figure command (one sentence, exit 2) and ``evaluate --counts quick``.

What is checked is that each command works or refuses in one sentence, not the numbers: the evaluations run
their real code paths on smoke-sized sample counts (the ``quick`` level shrunk further here), so that the
whole walk stays within a couple of minutes on one CPU thread.
"""

import json

import pytest
from PIL import Image

from disentangle_core.checkpoints import available_assets, load_card
from disentangle_core.cli import main
from disentangle_core.evaluation import counts
from disentangle_core.evaluation import faces as faces_evaluation
from disentangle_core.families import FAMILIES, family_of

pytestmark = [
    pytest.mark.slow,  # smoke-sized counts leave scikit-learn few samples per class: it says so
    pytest.mark.filterwarnings("ignore:The number of unique classes:UserWarning"),
]

ASSETS = available_assets()
FIGURES = {"traverse": ["--steps", "3"], "transfer": ["--faces", "2", "--donors", "2"]}  # small figures


@pytest.fixture
def smoke_counts(monkeypatch, tmp_path):
    """``--counts quick`` at smoke size: every count table's quick entry made tiny, and a 5-step attribute
    classifier for the faces, cached in a temporary folder."""
    monkeypatch.setitem(
        counts.COUNTS,
        "quick",
        counts.SampleCounts(
            num_train=60, num_eval=30, batch_size=4, num_variance_estimate=60, boosting_stages=2, num_reconstruction=100
        ),
    )
    monkeypatch.setitem(counts.SWEEP_STARTS, "quick", 2)
    monkeypatch.setitem(counts.PAIRS, "quick", 8)
    monkeypatch.setitem(counts.CLASSIFIER_EPOCHS, "quick", 1)
    monkeypatch.setenv("DISENTANGLE_FACES_CACHE", str(tmp_path / "faces_cache"))
    monkeypatch.setattr(faces_evaluation, "CLASSIFIER_STEPS", 5)
    faces_evaluation.attribute_classifier.cache_clear()
    yield
    faces_evaluation.attribute_classifier.cache_clear()


def test_every_asset_belongs_to_a_family_and_every_figure_command_to_one():
    assert ASSETS
    for name in ASSETS:
        assert family_of(load_card(name)).name in FAMILIES, name
    assert {f.figure for f in FAMILIES.values()} - {""} == set(FIGURES)


def test_list_shows_each_asset_with_the_numbers_its_family_declares(capsys):
    assert main(["list"]) == 0
    lines = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert sorted(lines) == ASSETS
    for name in ASSETS:
        card = load_card(name)
        shown = [k for k in family_of(card).list_metrics if k in card["metrics"]]
        assert shown, f"{name}: list shows none of its family's numbers"
        for key in shown:
            assert f"{key}={card['metrics'][key]}" in lines[name], (name, key)


def _one_sentence(err: str) -> bool:
    err = err.strip()
    return err.startswith("error: ") and "\n" not in err and "Traceback" not in err


@pytest.mark.parametrize("name", ASSETS)
def test_every_command_works_or_refuses_in_one_sentence(name, smoke_counts, tmp_path, capsys, request):
    card = load_card(name)
    family = family_of(card)
    # a photo model's held-out faces are CelebA's, which only the real data holds (never shipped)
    data = ["--data-dir", str(request.getfixturevalue("shared_data"))] if card.get("dataset") == "celeba" else []

    assert main(["info", name]) == 0
    assert json.loads(capsys.readouterr().out.split("\n(training history")[0])["model"] == card["model"]

    for command, options in FIGURES.items():
        out = tmp_path / f"{command}.png"
        status = main([command, name, "--out", str(out), *options, *(data if command == "transfer" else [])])
        captured = capsys.readouterr()
        if command == family.figure:
            assert status == 0, captured.err
            assert Image.open(out).size[0] > 64
        else:  # another family's figure (or none, for GZSL): one sentence naming the command the family has
            assert status == 2 and _one_sentence(captured.err), captured.err
            assert family.name in captured.err and not out.exists()

    assert main(["evaluate", name, "--counts", "quick", "--json", "--device", "cpu", *data]) == 0
    result = json.loads(capsys.readouterr().out)
    listed = {k for k in family.list_metrics if k in card["metrics"]}
    assert listed <= set(result), f"{name}: evaluate gives none of {sorted(listed - set(result))}"
