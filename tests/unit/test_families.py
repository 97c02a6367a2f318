"""Each family's declaration holds together: its datasets, models, evaluations, list columns and figure."""

import pytest

from disentangle_core.data import DATASETS
from disentangle_core.families import DATASET_FAMILY, EVALUATIONS, FAMILIES, evaluation_for, family_of
from disentangle_core.models import MODELS
from disentangle_core.models.protocols import CategoricalCodeModel, ContentTransfer, LatentModel, TwoModalityModel


@pytest.mark.parametrize("family", FAMILIES.values(), ids=list(FAMILIES))
def test_a_family_names_registered_things_and_lists_what_it_measures(family):
    assert family.datasets[0] in DATASETS and set(family.models) <= set(MODELS)  # the first: the offline default
    assert family.figure in ("traverse", "transfer", "")
    written = {k for evaluation in family.evaluations.values() for k in evaluation.headline}
    listed = set(family.list_metrics) - written
    assert not listed, f"{family.name} lists {sorted(listed)}, which none of its evaluations writes into cards"


@pytest.mark.parametrize("name", [m for f in FAMILIES.values() for m in f.models])
def test_every_model_offers_what_its_family_declares(name):
    family = next(f for f in FAMILIES.values() if name in f.models)
    model_cls, config_cls = MODELS[name]
    assert isinstance(model_cls(config_cls()), family.offers)


def test_the_protocols_tell_the_families_apart():
    """A probe that every model passed would declare nothing: each capability belongs to its own models."""
    built = {name: cls(config()) for name, (cls, config) in MODELS.items()}
    for protocol in (CategoricalCodeModel, ContentTransfer, TwoModalityModel):
        offered = {name for name, model in built.items() if isinstance(model, protocol)}
        family = next(f for f in FAMILIES.values() if f.offers is protocol)
        assert offered == set(family.models), protocol.__name__
    assert all(isinstance(built[name], LatentModel) for name in FAMILIES["dsprites"].models)


def test_the_registries_are_derived_from_the_families():
    assert set(EVALUATIONS) == set(DATASET_FAMILY) == {d for f in FAMILIES.values() for d in f.datasets}
    assert evaluation_for({"dataset": "celeba"}) is FAMILIES["faces"].evaluations["celeba"]
    assert family_of({"dataset": "xlsa17"}) is FAMILIES["gzsl"]
    with pytest.raises(ValueError, match="no family knows the dataset 'nope'"):
        family_of({"dataset": "nope"})
