"""scikeras 0.13's BaseWrapper, reduced to what skseq takes from it.

scikeras 0.13.0 (April 2024) is the last release. skseq keeps it as the base
for what it does well: the estimator skeleton, ``prefix__name`` parameter
routing (``optimizer__learning_rate``, ``callbacks__...``) in
``get_params``/``set_params``, and ``initialized_``. Training, prediction
and scoring are skseq's own (``skseq._base``, the classifier and the
regressor); scikeras' fit machinery (its input validation, label encoders,
``_initialize``, process-wide seeding) is never run, and neither of its
``KerasClassifier`` / ``KerasRegressor`` is used: scikit-learn's
``ClassifierMixin`` / ``RegressorMixin`` give the estimator types. Every way
in which skseq departs from or reaches into scikeras lives in this module.
"""

import keras
from scikeras._utils import route_params, unflatten_params
from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator

__all__ = ["KerasWrapperCompat"]


class KerasWrapperCompat(BaseWrapper):
    """scikeras' BaseWrapper as a scikit-learn >= 1.7 estimator skeleton.

    - Tags: scikeras predates ``__sklearn_tags__``; the input tags are set
      here, the estimator type by the scikit-learn mixin a subclass lists
      first.
    - Parameters: scikeras lists every attribute in ``__dict__`` as a
      parameter. Here parameters are the ``__init__`` signature (as in
      scikit-learn) plus routed ``prefix__name`` settings.
    - Fixed scikeras settings that skseq does not expose are class
      attributes, so they are not parameters.
    - Callbacks: scikeras builds them into an attribute during its fit;
      ``_make_callbacks`` returns them instead, with the same routing.
    """

    model = None
    build_fn = None
    loss = None
    metrics = None
    validation_batch_size = None
    shuffle = True
    run_eagerly = False

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
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

    def _make_callbacks(self):
        """The training callbacks, ``callbacks__*`` settings routed as in scikeras.

        Returns
        -------
        callbacks : list of keras.callbacks.Callback
        """
        params = self.get_params()
        if params.get("callbacks") is None:
            return []
        routed = route_params(params, destination="callbacks", pass_filter=set())
        callbacks = unflatten_params(items=params["callbacks"], params=routed)
        if isinstance(callbacks, keras.callbacks.Callback):
            callbacks = [callbacks]
        callbacks = list(callbacks)
        for i, callback in enumerate(callbacks):
            if not isinstance(callback, keras.callbacks.Callback):
                raise TypeError(
                    f"callbacks[{i}] is {callback!r}; callbacks must be Keras "
                    "callbacks (keras.callbacks.Callback instances or classes).")
        return callbacks
