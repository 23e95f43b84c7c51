"""scikit-learn estimator checks shared by all skseq estimators.

The transformers take ragged sequences or raw text, so most of
``check_estimator`` (which feeds 2-D float arrays) does not apply to them;
the data-free checks are called by name, and text versions of the others
live in the per-module tests.
"""

import pytest
from sklearn.utils import estimator_checks as ec

from skseq import IntegerSequencer, Padder

DATA_FREE_CHECKS = [
    ec.check_no_attributes_set_in_init,
    ec.check_get_params_invariance,
    ec.check_set_params,
    ec.check_parameters_default_constructible,
    ec.check_estimator_repr,
    ec.check_estimator_cloneable,
    ec.check_valid_tag_types,
    ec.check_estimator_tags_renamed,
    ec.check_mixin_order,
]


@pytest.mark.parametrize("estimator", [IntegerSequencer(), Padder()], ids=repr)
@pytest.mark.parametrize("check", DATA_FREE_CHECKS, ids=lambda c: c.__name__)
def test_data_free_checks(estimator, check):
    check(type(estimator).__name__, estimator)
