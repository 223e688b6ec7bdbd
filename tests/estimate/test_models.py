from __future__ import annotations

from refwatch.estimate.models import all_models, is_hierarchical, model_name


def test_four_lists_have_the_113_hierarchical_models_rcapture_searches() -> None:
    # Rcapture's closedpMS.t documentation: "By default, closedpMS.t fits the 113 models"
    assert len(all_models(4, 3)) == 113


def test_three_lists_have_eight_models_and_five_lists_6893() -> None:
    assert len(all_models(3, 2)) == 8
    assert len(all_models(5, 4)) == 6893


def test_every_enumerated_model_is_hierarchical_and_distinct() -> None:
    models = all_models(5, 4)
    assert all(is_hierarchical(m) for m in models)
    assert len(set(models)) == len(models)


def test_model_names_follow_rcapture() -> None:
    ab = 0b011
    abc = 0b111
    assert model_name((ab,), 3) == "[12,3]"
    assert model_name((0b0011, 0b0101, 0b0110, abc), 4) == "[123,4]"
    assert model_name((), 3) == "[1,2,3]"
