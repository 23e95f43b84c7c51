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


# --- the classifier: the full check suite on padded integer ids -----------
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from skseq import LSTMSequenceClassifier  # noqa: E402

_SCIKERAS_BASE = "inherited from scikeras' KerasClassifier, which skseq subclasses"
EXPECTED_FAILED_CHECKS = {
    "check_estimator_tags_renamed": (
        f"scikeras' BaseWrapper defines _more_tags ({_SCIKERAS_BASE}); skseq "
        "declares __sklearn_tags__ in its subclass"
    ),
    "check_mixin_order": (
        f"KerasClassifier lists ClassifierMixin after BaseEstimator ({_SCIKERAS_BASE}); "
        "the classifier tags are set explicitly instead"
    ),
    "check_do_not_raise_errors_in_init_or_set_params": (
        "**routed_params (optimizer__*, callbacks__*) is not itself a parameter"
    ),
    "check_n_features_in_after_fitting": (
        "by design the model accepts sequences padded to any width"
    ),
    "check_estimators_partial_fit_n_features": (
        "by design the model accepts sequences padded to any width"
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "feeds non-integer features; token ids must be integers"
    ),
    "check_class_weight_classifiers": (
        "feeds non-integer features; token ids must be integers"
    ),
    "check_dtype_object": (
        "object arrays of non-numbers get skseq's own error pointing to "
        "IntegerSequencer"
    ),
    "check_classifiers_one_label_sample_weights": (
        "Keras trains with zero sample weights; the zero-weighted class stays "
        "in classes_"
    ),
    "check_classifiers_train": (
        "a 1-epoch, 4-unit recurrent net on the check's 2-D blobs does not reach "
        "the 0.83 accuracy bar (real-text accuracy is tested in test_classifier)"
    ),
}


@parametrize_with_checks(
    [LSTMSequenceClassifier(units=4, embedding_dim=4, epochs=1, batch_size=32,
                            random_state=0)],
    expected_failed_checks=lambda est: EXPECTED_FAILED_CHECKS,
)
def test_classifier_sklearn_checks(estimator, check):
    check(estimator)
