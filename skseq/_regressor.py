"""LSTMSequenceRegressor: numbers (one or several) per sequence."""

import warnings

import numpy as np
from sklearn.base import RegressorMixin
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score

from ._base import SequenceModel, with_base_parameters
from ._docstrings import fill_doc
from ._early_stopping import validation_scorer
from ._errors import UnsafeModelFileError
from ._fixes import StrOptions
from ._schema import check_float_list, check_int, field

__all__ = ["LSTMSequenceRegressor"]

# loss -> the Keras loss trained on (standardised) targets
_LOSSES = {"squared_error": "mean_squared_error", "absolute_error": "mean_absolute_error",
           "huber": "huber"}
# Early-stopping scores of a regressor, on the validation part in the
# target's own units (higher is better)
_SCORERS = {
    "r2": r2_score,
    "neg_mean_squared_error": lambda y, p: -mean_squared_error(y, p),
    "neg_mean_absolute_error": lambda y, p: -mean_absolute_error(y, p),
}
# Most target columns a saved regressor may have.
_MAX_OUTPUTS = 10_000


@fill_doc
class LSTMSequenceRegressor(RegressorMixin, SequenceModel):
    """Recurrent neural network regressor for padded integer sequences.

    The network of :class:`LSTMSequenceClassifier` (same parameters and
    defaults) with a linear output unit per target column: a rating, a
    delay or a price from a text. ``y`` may be 1-D or 2-D (several numbers
    per row). Targets are standardised inside ``fit`` (each column to mean
    0 and standard deviation 1 over the training rows; the network learns
    those) and mapped back in ``predict``, so the loss and the learning rate
    mean the same whatever the target's units.

    Put it after :class:`IntegerSequencer` and :class:`Padder` in a
    :class:`~sklearn.pipeline.Pipeline` to score raw text.

    Parameters
    ----------
%(architecture_parameters)s
    scoring : {'loss', 'r2', 'neg_mean_squared_error', \
'neg_mean_absolute_error'}, default='loss'
        Early-stopping score: ``'loss'`` (the negative validation loss, on
        the standardised targets) or a score of the predictions in the
        target's own units (R² averaged uniformly over columns, as
        :meth:`score`).
%(run_parameters)s
    loss : {'squared_error', 'absolute_error', 'huber'}, \
default='squared_error'
        Training loss: mean squared error, mean absolute error (a median
        regression, robust to outliers), or Huber's loss (squared within 1
        of the target and absolute beyond; with ``standardize_target`` that
        is one standard deviation).
    standardize_target : bool, default=True
        Standardise each target column with its training mean and standard
        deviation (kept in ``target_mean_`` and ``target_scale_``). A
        ``warm_start`` or ``partial_fit`` continuation keeps the first fit's
        values. ``False`` trains on ``y`` as it is.
    ngram_prior : None, default=None
        The classifier's fixed naive Bayes factors of the n-gram weights
        need class labels; for numeric targets every n-gram has the same
        step size (``'log_count_ratio'`` is refused at fit).

    Attributes
    ----------
%(attributes)s
    target_mean_ : ndarray of shape (n_outputs,)
        Subtracted from each target column before training (0 without
        ``standardize_target``).
    target_scale_ : ndarray of shape (n_outputs,)
        Each column divided by this after the mean (its standard deviation;
        1 without ``standardize_target`` or for a constant column).

    See Also
    --------
    LSTMSequenceClassifier : The same network for class labels.
    IntegerSequencer : Raw text to integer sequences.
    Padder : Sequences to a fixed-width array.

    Notes
    -----
%(notes)s

    A constant target column gets a ``UserWarning``: the network can only
    learn the constant and R² is undefined for it.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skseq import IntegerSequencer, Padder, LSTMSequenceRegressor
    >>> texts = ["awful", "bad", "fine", "good", "great", "superb"] * 8
    >>> stars = [1.0, 2.0, 3.0, 4.0, 4.5, 5.0] * 8
    >>> pipe = make_pipeline(
    ...     IntegerSequencer(), Padder(maxlen=2),
    ...     LSTMSequenceRegressor(units=8, epochs=60, batch_size=8,
    ...                           random_state=0))
    >>> pipe.fit(texts, stars).predict(["awful", "superb"]).round()
    array([1., 5.])
    """

    _parameter_constraints = {
        **SequenceModel._parameter_constraints,
        "scoring": [StrOptions({"loss", *_SCORERS})],
        "loss": [StrOptions(set(_LOSSES))],
        "standardize_target": ["boolean"],
    }

    @with_base_parameters
    def __init__(self, *, loss="squared_error", standardize_target=True, **params):
        super().__init__(**params)
        self.loss = loss
        self.standardize_target = standardize_target

    def partial_fit(self, X, y, sample_weight=None):
        """%(partial_fit)s The first call fixes ``target_mean_`` and
        ``target_scale_``.

        Parameters
        ----------
%(X_partial_fit)s
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : LSTMSequenceRegressor
            The regressor.
        """
        return self._fit(X, y, sample_weight, None, incremental=True)

    def predict(self, X):
        """Predict target values for padded integer sequences.

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values in the target's units; 1-D for one target
            column (as ``MLPRegressor``).
        """
        values = self._explained_outputs(X)
        return values[:, 0] if self.n_outputs_ == 1 else values

    def _explained_outputs(self, X):
        raw = self._raw_outputs(X).astype(np.float64)
        return raw * self.target_scale_ + self.target_mean_

    def _output_affine(self):
        return self.target_scale_, self.target_mean_

    # ------------------------------------------------------------------
    # target hooks (see skseq._base.SequenceModel)
    def _target_check(self, y):
        """``y`` as a float64 array of finite numbers, 1-D or 2-D."""
        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        y = np.asarray(y)
        if y.ndim not in (1, 2) or (y.ndim == 2 and y.shape[1] == 0):
            raise ValueError(f"y must be 1-D (one number per row) or 2-D (n_samples, "
                             f"n_outputs); got shape {y.shape}.")
        if y.size == 0:
            raise ValueError("y is empty: at least 2 samples are needed.")
        if y.dtype.kind == "c":
            raise ValueError("Complex data not supported: y must be real numbers.")
        if y.dtype.kind in "USO":
            flat = y.reshape(len(y), -1).tolist()  # Python values, for the message
            for row, values in enumerate(flat):
                for value in values:
                    if isinstance(value, (str, bytes)) or not _is_number(value):
                        raise ValueError(
                            f"y must be numbers; row {row} holds {value!r:.40}. "
                            f"{name} predicts numbers: use LSTMSequenceClassifier for "
                            "class labels.")
        if y.dtype.kind not in "biuf" and y.dtype != object:
            raise ValueError(f"y must be numbers; got dtype {y.dtype}.")
        y = y.astype(np.float64)
        bad = np.argwhere(~np.isfinite(y.reshape(len(y), -1)))
        if bad.size:
            row, col = (int(v) for v in bad[0])
            raise ValueError(f"y contains NaN or infinity (first at row {row}"
                             + (f", column {col}" if y.ndim == 2 else "") + ").")
        return y

    def _target_fit(self, y, classes):
        columns = y.reshape(len(y), -1)
        scale = columns.std(axis=0)
        constant = np.flatnonzero(scale == 0)
        if constant.size:
            warnings.warn(
                f"Target column(s) {constant.tolist()} of y are constant "
                f"({columns[0, constant[0]]!r} first): the network can only learn the "
                "constant, and R² is undefined for it.", UserWarning, stacklevel=4)
        if not self.standardize_target:
            return {"mean": np.zeros(columns.shape[1]), "scale": np.ones(columns.shape[1])}
        return {"mean": columns.mean(axis=0), "scale": np.where(scale > 0, scale, 1.0)}

    def _target_fitted(self):
        return {"mean": self.target_mean_, "scale": self.target_scale_}

    def _target_check_against(self, y, target, what, continuing):
        n_outputs = 1 if y.ndim == 1 else y.shape[1]
        if n_outputs != len(target["mean"]):
            raise ValueError(f"{what} has {n_outputs} target column(s) but the regressor "
                             f"has {len(target['mean'])} (n_outputs_); they cannot change "
                             "between fits that continue a model.")

    def _target_encode(self, y, target):
        columns = y.reshape(len(y), -1)
        return ((columns - target["mean"]) / target["scale"]).astype(np.float32)

    def _target_row_weights(self, y, sample_weight, target):
        return sample_weight

    def _model_outputs(self, target):
        return len(target["mean"])

    def _output_activation(self, target):
        return "linear"

    def _loss(self, target):
        return _LOSSES[self.loss]

    def _target_chance_loss(self, y, target):
        # the loss of predicting each column's mean (the median for MAE)
        centre = np.median(y, axis=0) if self.loss == "absolute_error" else y.mean(axis=0)
        error = np.abs(y - centre)
        if self.loss == "squared_error":
            loss = np.mean(error**2)
        elif self.loss == "absolute_error":
            loss = np.mean(error)
        else:
            loss = np.mean(np.where(error <= 1, 0.5 * error**2, error - 0.5))
        return float(loss) or None  # a constant target: nothing to compare with

    def _target_scorer(self, predict_validation, y_val, target):
        metric = _SCORERS.get(self.scoring)

        def truth_and_prediction():
            raw = predict_validation().astype(np.float64)
            return (y_val * target["scale"] + target["mean"],
                    raw * target["scale"] + target["mean"])

        if metric is None:
            return validation_scorer("loss", truth_and_prediction)
        return lambda logs: float(metric(*truth_and_prediction()))

    def _target_keep(self, target):
        self.target_mean_ = np.asarray(target["mean"], dtype=np.float64)
        self.target_scale_ = np.asarray(target["scale"], dtype=np.float64)
        self.n_outputs_ = len(self.target_mean_)

    def _target_to_saved(self):
        return {"n_outputs_": self.n_outputs_, "target_mean_": self.target_mean_.tolist(),
                "target_scale_": self.target_scale_.tolist()}

    @classmethod
    def _target_from_saved(cls, state, context, *, owner):
        n_outputs = check_int(field(state, "n_outputs_", int, owner=owner), "n_outputs_",
                              1, _MAX_OUTPUTS, owner=owner)
        mean = check_float_list(field(state, "target_mean_", list, owner=owner),
                                "target_mean_", n_outputs, owner=owner)
        scale = check_float_list(field(state, "target_scale_", list, owner=owner),
                                 "target_scale_", n_outputs, owner=owner)
        if len(mean) != n_outputs or len(scale) != n_outputs or min(scale) <= 0:
            raise UnsafeModelFileError(f"{owner}: target_mean_ and target_scale_ must "
                                       "give n_outputs_ values, the scales positive")
        return {"mean": np.array(mean), "scale": np.array(scale)}


def _is_number(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
