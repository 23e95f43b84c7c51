"""LSTMSequenceClassifier: one label per sequence, or several (multi-label)."""

import math
import warnings
from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.exceptions import DataConversionWarning
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import type_of_target

from ._base import SequenceModel, with_base_parameters
from ._docstrings import fill_doc
from ._early_stopping import VALIDATION_SCORERS, validation_scorer
from ._errors import UnsafeModelFileError
from ._fixes import StrOptions
from ._schema import check_int, field, labels_from_saved, labels_to_saved

__all__ = ["LSTMSequenceClassifier"]

# A label is predicted for a row when its probability exceeds this.
_THRESHOLD = 0.5
# The first .skseq format version that records n_outputs_ (multi-label).
_N_OUTPUTS_SAVED_FROM = 5


@fill_doc
class LSTMSequenceClassifier(ClassifierMixin, SequenceModel):
    """Recurrent neural network classifier for padded integer sequences.

    A scikit-learn classifier (on scikeras' estimator skeleton) whose
    constructor arguments describe the Keras model: an embedding, optional
    dropout and convolution, one or more (bidirectional) LSTM / GRU /
    SimpleRNN layers and a dense output. Binary targets get one sigmoid unit
    and binary cross-entropy; more classes get softmax and sparse categorical
    cross-entropy. Labels can be any sortable values. A 0/1 label indicator
    matrix ``y`` of shape ``(n_samples, n_labels)`` (multi-label, as
    ``MLPClassifier`` takes it) gets one sigmoid unit per label and binary
    cross-entropy; ``predict`` then returns the indicator matrix, a label
    being predicted when its probability exceeds 0.5.

    Put it after :class:`IntegerSequencer` and :class:`Padder` in a
    :class:`~sklearn.pipeline.Pipeline` to classify raw text.

    Parameters
    ----------
%(architecture_parameters)s
    scoring : str, default='loss'
        Early-stopping score: ``'loss'`` (the negative validation loss) or
        one of ``'accuracy'``, ``'balanced_accuracy'``, ``'sensitivity'``,
        ``'specificity'``, ``'roc_auc'``, ``'neg_log_loss'`` (as in
        :data:`skseq.metrics.SCORING`; the positive class is
        ``classes_[-1]``). Multi-label: accuracy is the subset accuracy, the
        others are the mean over labels of each label's score.
%(run_parameters)s
    class_weight : dict, 'balanced' or None, default=None
        Weights per class, as in scikit-learn. Not defined for multi-label
        targets (refused; pass ``sample_weight``).
    ngram_prior : {'log_count_ratio'} or None, default='log_count_ratio'
        With ``linear_ngrams``, how strongly each n-gram's weight may move:
        ``'log_count_ratio'`` multiplies it by a fixed factor, the naive
        Bayes log-count ratio of the n-gram in the training rows (NBSVM's
        feature weight, Wang and Manning 2012; per class against the rest
        for several classes or labels, counted once per sequence, weighted
        by ``sample_weight`` and ``class_weight``; never from the held-out
        rows). The weights still start at 0, so the factor sets each
        n-gram's step size: n-grams that tell the classes apart learn fast,
        rare ones slowly, and the head memorises less (see the user
        guide's measurements). Computed by the fit that builds the model
        (the first ``partial_fit`` call's rows; a continuation keeps it).
        ``None``: every n-gram at the same step size.

    Attributes
    ----------
%(attributes)s
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted; for multi-label targets the label indices
        ``0 .. n_labels - 1`` (as ``MLPClassifier`` sets them).
    n_classes_ : int
        Number of classes (of labels, for multi-label targets).

    See Also
    --------
    LSTMSequenceRegressor : The same network for numeric targets.
    IntegerSequencer : Raw text to integer sequences.
    Padder : Sequences to a fixed-width array.

    Notes
    -----
%(notes)s

    Multi-label: a label that is never (or always) present in the training
    targets gets a ``UserWarning`` (its output can only learn the constant);
    ``classes`` of ``partial_fit`` must then be ``None`` or the label
    indices, and the number of labels cannot change between calls.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skseq import IntegerSequencer, Padder, LSTMSequenceClassifier
    >>> texts = ["a good film", "a bad film", "good acting", "bad acting"] * 8
    >>> labels = ["pos", "neg", "pos", "neg"] * 8
    >>> pipe = make_pipeline(
    ...     IntegerSequencer(), Padder(maxlen=4),
    ...     LSTMSequenceClassifier(units=8, epochs=30, batch_size=8,
    ...                            random_state=0))
    >>> pipe.fit(texts, labels).predict(["good film", "bad film"])
    array(['pos', 'neg'], dtype='<U3')
    """

    _parameter_constraints = {
        **SequenceModel._parameter_constraints,
        "scoring": [StrOptions({"loss", *VALIDATION_SCORERS})],
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

    @with_base_parameters
    def __init__(self, *, class_weight=None, ngram_prior="log_count_ratio", **params):
        super().__init__(ngram_prior=ngram_prior, **params)
        self.class_weight = class_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """%(partial_fit)s

        Parameters
        ----------
%(X_partial_fit)s
        y : array-like of shape (n_samples,) or (n_samples, n_labels)
            Class labels, or a 0/1 label indicator matrix.
        classes : array-like of shape (n_classes,), default=None
            All classes across calls; needed on the first call when ``y``
            does not contain every class. Multi-label: None or the label
            indices.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : LSTMSequenceClassifier
            The classifier.
        """
        return self._fit(X, y, sample_weight, None, incremental=True, classes=classes)

    # ------------------------------------------------------------------
    # prediction
    def predict_proba(self, X):
        """Class (or label) probabilities for padded integer sequences.

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; rows sum to 1. For
            multi-label targets each column is one label's probability.
        """
        raw = self._raw_outputs(X).astype(np.float64)
        if self.n_outputs_ > 1:
            return raw
        return _probabilities(raw)

    def predict(self, X):
        """Predict class labels (or the label indicator matrix).

        Parameters
        ----------
%(X_predict)s

        Returns
        -------
        y_pred : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted labels (from ``classes_``); for multi-label targets the
            0/1 indicator matrix, 1 where ``predict_proba`` exceeds 0.5.
        """
        proba = self.predict_proba(X)
        if self.n_outputs_ > 1:
            return (proba > _THRESHOLD).astype(np.int64)
        return self.classes_[np.argmax(proba, axis=1)]

    def _explained_targets(self):
        return self.classes_

    def _explained_outputs(self, X):
        return self.predict_proba(X)

    def _default_explained_column(self, outputs):
        return int(np.argmax(outputs))  # the predicted class, or most probable label

    # ------------------------------------------------------------------
    # target hooks (see skseq._base.SequenceModel)
    def _target_check(self, y):
        """``y`` as an array: 1-D labels or a 2-D 0/1 indicator matrix."""
        name = type(self).__name__
        if y is None:
            raise ValueError(f"{name} requires y to be passed, but the target y is None.")
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please "
                "change the shape of y to (n_samples,), for example using ravel().",
                DataConversionWarning, stacklevel=5,
            )
            y = y.ravel()
        if y.ndim not in (1, 2):
            raise ValueError(f"y must be 1-D (one label per row) or a 2-D label "
                             f"indicator matrix; got shape {y.shape}.")
        if y.size == 0:
            raise ValueError("y is empty: at least 2 samples of 2 classes are needed.")
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            where = np.argwhere(~np.isfinite(y.reshape(len(y), -1)))[0]
            raise ValueError(f"y contains NaN or infinity (first at row {int(where[0])}"
                             + (f", column {int(where[1])}" if y.ndim == 2 else "") + ").")
        if y.dtype == object:
            missing = [i for i, v in enumerate(y.reshape(len(y), -1))
                       if any(x is None or x != x for x in v)]
            if missing:
                raise ValueError(f"y contains missing labels (first at row {missing[0]}).")
        kind = type_of_target(y)
        if y.ndim == 2:
            return _check_indicator(y, kind, name)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {kind!r}. {name} needs class labels (binary or "
                "multiclass), or a 0/1 label indicator matrix (multi-label); use "
                "LSTMSequenceRegressor for numeric targets."
            )
        return y

    def _target_fit(self, y, classes):
        if y.ndim == 2:
            n_labels = y.shape[1]
            if classes is not None and not np.array_equal(np.asarray(classes),
                                                          np.arange(n_labels)):
                raise ValueError(f"classes must be None or the label indices 0..{n_labels - 1} "
                                 f"for a multi-label y of {n_labels} labels.")
            counts = y.sum(axis=0)
            constant = np.flatnonzero((counts == 0) | (counts == len(y)))
            if constant.size:
                warnings.warn(
                    f"Label(s) {constant.tolist()} of the multi-label y are "
                    f"{'never' if counts[constant[0]] == 0 else 'always'} present in "
                    "the training rows (first listed); their outputs can only learn "
                    "that constant.", UserWarning, stacklevel=4)
            return {"classes": np.arange(n_labels), "multilabel": True}
        known = np.unique(y if classes is None else np.asarray(classes))
        if known.size < 2:
            raise ValueError(f"y contains only one class ({np.unique(y)[0]!r}); a "
                             "classifier needs at least 2.")
        return {"classes": known, "multilabel": False}

    def _target_fitted(self):
        return {"classes": self.classes_, "multilabel": self.n_outputs_ > 1}

    def _target_check_against(self, y, target, what, continuing):
        classes = target["classes"]
        if target["multilabel"] != (y.ndim == 2):
            raise ValueError(
                f"{what} is {'a label indicator matrix' if y.ndim == 2 else '1-D labels'} "
                f"but the classifier was fitted on "
                f"{'a multi-label indicator matrix' if target['multilabel'] else '1-D labels'}.")
        if target["multilabel"]:
            if y.shape[1] != len(classes):
                raise ValueError(
                    f"{what} has {y.shape[1]} labels but the classifier has "
                    f"{len(classes)} (classes_); the number of labels cannot change "
                    "between fits that continue a model.")
            return
        unknown = np.setdiff1d(np.unique(y), classes)
        if unknown.size:
            source = ("classes_" if what == "y" else "the training classes") \
                if continuing else "classes"
            raise ValueError(
                f"{what} contains the class {unknown.tolist()[0]!r}, which is not in "
                f"{source} ({', '.join(map(repr, classes.tolist()))}).")

    def _target_encode(self, y, target):
        if target["multilabel"]:
            return y.astype(np.float32)
        return np.searchsorted(target["classes"], y).astype(np.float32).reshape(-1, 1)

    def _target_indicator(self, y, target):
        if target["multilabel"] or len(target["classes"]) == 2:
            return y  # the indicator columns; class 1's membership
        return np.eye(len(target["classes"]), dtype=np.float32)[y[:, 0].astype(int)]

    def _target_row_weights(self, y, sample_weight, target):
        """Per-row training weights: sample_weight times class_weight, or None."""
        if self.class_weight is None:
            return sample_weight
        if target["multilabel"]:
            raise ValueError(
                "class_weight is not defined for multi-label targets (a row has "
                "several labels); leave class_weight=None and pass sample_weight.")
        _check_class_weight(self.class_weight, target["classes"])
        class_weights = compute_sample_weight(class_weight=self.class_weight, y=y)
        return class_weights if sample_weight is None else sample_weight * class_weights

    def _model_outputs(self, target):
        n = len(target["classes"])
        return n if target["multilabel"] or n > 2 else 1

    def _output_activation(self, target):
        return "softmax" if self._model_outputs(target) > 1 and not target["multilabel"] \
            else "sigmoid"

    def _loss(self, target):
        return "sparse_categorical_crossentropy" if self._output_activation(target) == \
            "softmax" else "binary_crossentropy"

    def _metrics(self):
        return ["accuracy"]

    def _target_chance_loss(self, y, target):
        # the loss of predicting the uniform distribution (per label)
        return math.log(2 if target["multilabel"] else len(target["classes"]))

    def _target_strata(self, y, target):
        return None if target["multilabel"] else y.ravel()

    def _target_mend_split(self, y, train_idx, val_idx, target):
        """Multi-label: every label present, and absent, in both parts if it can be."""
        if not target["multilabel"]:
            return train_idx, val_idx
        train, val = list(train_idx), list(val_idx)
        for label in range(y.shape[1]):
            for value in (1, 0):
                if any(y[i, label] == value for i in val):
                    continue
                donors = [i for i in train if y[i, label] == value]
                if len(donors) < 2:
                    warnings.warn(
                        f"Label {label} has {len(donors)} training row(s) "
                        f"{'with' if value else 'without'} it: the validation part "
                        "cannot hold it as well, so its validation scores are "
                        "undefined for that label.", UserWarning, stacklevel=6)
                    continue
                train.remove(donors[-1])
                val.append(donors[-1])
        return np.array(train), np.array(val)

    def _target_scorer(self, predict_validation, y_val, target):
        multilabel = target["multilabel"]

        def truth_and_proba():
            raw = predict_validation().astype(np.float64)
            if multilabel:
                return y_val.astype(np.int64), raw
            return y_val.ravel().astype(np.int64), _probabilities(raw)

        return validation_scorer(self.scoring, truth_and_proba)

    def _target_keep(self, target):
        self.classes_ = target["classes"]
        self.n_classes_ = len(target["classes"])
        self.n_outputs_ = len(target["classes"]) if target["multilabel"] else 1

    def _target_to_saved(self):
        return {"classes_": labels_to_saved(self.classes_), "n_outputs_": self.n_outputs_}

    @classmethod
    def _target_from_saved(cls, state, context, *, owner):
        classes = labels_from_saved(field(state, "classes_", dict, owner=owner),
                                    owner=owner)
        if context["format_version"] < _N_OUTPUTS_SAVED_FROM:
            return {"classes": classes, "multilabel": False}
        n_outputs = check_int(field(state, "n_outputs_", int, owner=owner),
                              "n_outputs_", 1, len(classes), owner=owner)
        multilabel = n_outputs > 1
        if multilabel and not (n_outputs == len(classes) and
                               np.array_equal(classes, np.arange(n_outputs))):
            raise UnsafeModelFileError(f"{owner}: a multi-label classifier's classes_ "
                                       "must be its label indices")
        return {"classes": classes, "multilabel": multilabel}


def _check_indicator(y, kind, name):
    """A 2-D ``y`` must be a 0/1 label indicator matrix; say what it is otherwise."""
    # type_of_target calls any two-valued integer matrix an indicator ({0, 2} too)
    if kind == "multiclass-multioutput" and y.dtype.kind not in "fc":
        raise ValueError(
            f"y is a 2-D matrix of class labels (multiclass-multioutput, shape "
            f"{y.shape}); {name} takes one label per row (1-D) or a 0/1 label "
            "indicator matrix (multi-label). For several multi-class outputs fit one "
            "classifier per column (sklearn.multioutput.MultiOutputClassifier).")
    try:
        values = y.astype(np.float64)
    except (TypeError, ValueError):
        values = None
    if values is not None:
        bad = np.argwhere((values != 0) & (values != 1))
        if bad.size:
            row, col = (int(v) for v in bad[0])
            raise ValueError(
                f"A label indicator matrix y must hold only 0 and 1; y[{row}, {col}] "
                f"is {y[row, col]!r}. For several multi-class outputs fit one "
                "classifier per column (sklearn.multioutput.MultiOutputClassifier).")
        if kind == "multilabel-indicator":
            return values.astype(np.int64)
    raise ValueError(f"y of shape {y.shape} ({kind}) is not a 0/1 label indicator "
                     f"matrix; {name} takes 1-D labels or such a matrix.")


def _probabilities(raw):
    """Single-label outputs as (n_samples, n_classes) float64 probabilities."""
    raw = raw.astype(np.float64)
    if raw.shape[1] == 1:  # one sigmoid unit
        return np.column_stack([1.0 - raw[:, 0], raw[:, 0]])
    return raw / raw.sum(axis=1, keepdims=True)


def _check_class_weight(class_weight, classes):
    if not isinstance(class_weight, dict):
        return
    unknown = [k for k in class_weight if k not in set(classes.tolist())]
    if unknown:
        raise ValueError(f"class_weight names {unknown[0]!r}, which is not a class "
                         f"({', '.join(map(repr, classes.tolist()))}).")
    for label, weight in class_weight.items():
        if not isinstance(weight, Real) or not math.isfinite(weight) or weight < 0:
            raise ValueError(f"class_weight[{label!r}] must be a finite non-negative "
                             f"number; got {weight!r}.")
