"""scikeras 0.13's KerasClassifier, made a scikit-learn >= 1.6 citizen.

scikeras 0.13.0 (April 2024) is the last release. Every way in which skseq
departs from it lives in this module, so the base could later be swapped for
Keras' own scikit-learn wrappers. Remove each override when scikeras
releases the corresponding fix.
"""

from scikeras.wrappers import KerasClassifier
from sklearn.base import BaseEstimator
from sklearn.utils import ClassifierTags

__all__ = ["KerasClassifierCompat"]


class KerasClassifierCompat(KerasClassifier):
    """scikeras' KerasClassifier, made a scikit-learn >= 1.6 citizen.

    - Tags: scikeras predates ``__sklearn_tags__``; without it
      ``is_classifier`` is False, ``cv=5`` is not stratified and
      meta-estimators refuse the estimator.
    - Parameters: scikeras lists every attribute in ``__dict__`` as a
      parameter. Here parameters are the ``__init__`` signature (as in
      scikit-learn) plus routed ``prefix__name`` settings.
    - Fixed scikeras settings that skseq does not expose are class
      attributes, so they are not parameters.
    - ``random_state``: scikeras turns TensorFlow op determinism on for the
      whole process (and a later unseeded fit then fails with "Random ops
      require a seed"). Subclasses seed in their own scoped context, so
      scikeras must never see a seed: see ``_initialize``.
    """

    model = None
    build_fn = None
    loss = None
    metrics = None
    validation_batch_size = None
    shuffle = True
    run_eagerly = False

    def __sklearn_tags__(self):
        tags = BaseEstimator.__sklearn_tags__(self)
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags()
        tags.target_tags.required = True
        tags.input_tags.two_d_array = True
        tags.input_tags.sparse = False
        # token ids are categorical, non-negative integers
        tags.input_tags.categorical = True
        tags.input_tags.positive_only = True
        tags.non_deterministic = self.random_state is None
        return tags

    def _get_param_names(self):
        names = set(BaseEstimator._get_param_names.__func__(type(self)))
        names.discard("routed_params")
        routed = (
            k for k in vars(self)
            if "__" in k and k.split("__")[0] in self._routing_prefixes
        )
        return sorted(names.union(routed))

    def _initialize(self, X, y=None):
        seed = self.random_state
        self.random_state = None  # scikeras must not seed (see class notes)
        try:
            return super()._initialize(X, y)
        finally:
            self.random_state = seed
