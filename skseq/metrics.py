"""Sensitivity, specificity, ready-made scorers and the R book's evaluation table.

Accuracy hides a model's bias toward one class; the R book's chapter reads
each model through sensitivity (recall of the positive class) and specificity
(recall of the negative class). These functions make that a scikit-learn
scoring choice.
"""

import warnings

import numpy as np
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    get_scorer,
    log_loss,
    multilabel_confusion_matrix,
)
from sklearn.utils.multiclass import unique_labels

__all__ = [
    "sensitivity_score",
    "specificity_score",
    "SCORING",
    "evaluation_report",
    "format_report",
]

_AVERAGES = (None, "binary", "macro", "weighted")


def _per_class_recall(y_true, y_pred, *, which, pos_label, average, sample_weight):
    if average not in _AVERAGES:
        raise ValueError(
            f"The 'average' parameter must be one of {_AVERAGES}. Got {average!r} "
            "instead."
        )
    y_true = np.asarray(y_true)
    y_pred = np.asarray(y_pred)
    if y_true.shape[:1] != y_pred.shape[:1]:
        raise ValueError(
            f"y_true and y_pred have different lengths: {y_true.shape[0]} and "
            f"{y_pred.shape[0]}."
        )
    if y_true.shape[0] == 0:
        raise ValueError("y_true and y_pred are empty: nothing to score.")
    if y_true.ndim == 2 and y_pred.ndim == 2:
        # multi-label indicator matrices: each label against its absence
        if y_true.shape != y_pred.shape:
            raise ValueError(f"y_true and y_pred have shapes {y_true.shape} and "
                             f"{y_pred.shape}; label indicator matrices must match.")
        if average == "binary":
            raise ValueError(
                "Target is multilabel-indicator but average='binary'. Please choose "
                "another average setting, one of [None, 'macro', 'weighted'].")
        labels = np.arange(y_true.shape[1])
        mcm = multilabel_confusion_matrix(y_true, y_pred, sample_weight=sample_weight)
    elif y_true.ndim != 1 or y_pred.ndim != 1:
        raise ValueError("y_true and y_pred must be 1-D arrays of labels (or both "
                         "label indicator matrices).")
    else:
        labels = unique_labels(y_true, y_pred)
        if average == "binary":
            if len(labels) > 2:
                raise ValueError(
                    f"Target is multiclass ({len(labels)} labels) but average='binary'. "
                    "Please choose another average setting, one of [None, 'macro', "
                    "'weighted']."
                )
            if pos_label not in labels:
                raise ValueError(
                    f"pos_label={pos_label!r} is not a valid label. It should be one of "
                    f"{labels.tolist()}."
                )
        # one confusion matrix per class, that class against the rest:
        # [[tn, fp], [fn, tp]]
        mcm = multilabel_confusion_matrix(y_true, y_pred, labels=labels,
                                          sample_weight=sample_weight)
    tn, fp, fn, tp = mcm[:, 0, 0], mcm[:, 0, 1], mcm[:, 1, 0], mcm[:, 1, 1]
    hit, total = (tp, tp + fn) if which == "sensitivity" else (tn, tn + fp)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.where(total > 0, hit / np.where(total > 0, total, 1), 0.0)
    if average == "binary":
        index = int(np.flatnonzero(labels == pos_label)[0])
        if total[index] == 0:
            warnings.warn(
                f"{which.capitalize()} is ill-defined: no "
                f"{'positive' if which == 'sensitivity' else 'negative'} samples in "
                "y_true; returning 0.0.", UndefinedMetricWarning, stacklevel=3,
            )
        return float(values[index])
    if average is None:
        return values
    weights = None if average == "macro" else tp + fn  # support of each class
    if weights is not None and weights.sum() == 0:
        return 0.0
    return float(np.average(values, weights=weights))


def sensitivity_score(y_true, y_pred, *, pos_label=1, average="binary",
                      sample_weight=None):
    """Sensitivity: the recall of the positive class, TP / (TP + FN).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels)
        True labels, or a 0/1 label indicator matrix (multi-label).
    y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        Predicted labels (an indicator matrix for multi-label targets).
    pos_label : int, str or other label, default=1
        The positive class when ``average='binary'``.
    average : {'binary', 'macro', 'weighted'} or None, default='binary'
        ``'binary'``: the value for ``pos_label``. Otherwise one value per
        class (that class against the rest), or per label for indicator
        matrices (the label's presence against its absence): ``None``
        returns them all, in sorted label order; ``'macro'`` their mean;
        ``'weighted'`` their mean weighted by support (rows with the class
        or label).
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float or ndarray of shape (n_classes,)
        Sensitivity in [0, 1].

    See Also
    --------
    specificity_score : Recall of the negative class.
    sklearn.metrics.recall_score : The same quantity under another name.

    Examples
    --------
    >>> from skseq.metrics import sensitivity_score
    >>> sensitivity_score([0, 0, 1, 1], [0, 1, 1, 1])
    1.0
    >>> sensitivity_score(["neg", "pos", "pos"], ["neg", "neg", "pos"],
    ...                   pos_label="pos")
    0.5
    """
    return _per_class_recall(y_true, y_pred, which="sensitivity", pos_label=pos_label,
                             average=average, sample_weight=sample_weight)


def specificity_score(y_true, y_pred, *, pos_label=1, average="binary",
                      sample_weight=None):
    """Specificity: the recall of the negative class, TN / (TN + FP).

    Parameters
    ----------
    y_true : array-like of shape (n_samples,) or (n_samples, n_labels)
        True labels, or a 0/1 label indicator matrix (multi-label).
    y_pred : array-like of shape (n_samples,) or (n_samples, n_labels)
        Predicted labels (an indicator matrix for multi-label targets).
    pos_label : int, str or other label, default=1
        The positive class when ``average='binary'``; every other label is
        negative.
    average : {'binary', 'macro', 'weighted'} or None, default='binary'
        As in :func:`sensitivity_score`; for one class, specificity counts
        all other classes as negatives.
    sample_weight : array-like of shape (n_samples,), default=None
        Sample weights.

    Returns
    -------
    score : float or ndarray of shape (n_classes,)
        Specificity in [0, 1].

    See Also
    --------
    sensitivity_score : Recall of the positive class.

    Examples
    --------
    >>> from skseq.metrics import specificity_score
    >>> specificity_score([0, 0, 1, 1], [0, 1, 1, 1])
    0.5
    """
    return _per_class_recall(y_true, y_pred, which="specificity", pos_label=pos_label,
                             average=average, sample_weight=sample_weight)


class _PositiveClassScorer:
    """Scorer whose positive class is the estimator's last class.

    For 0/1 labels that is 1; for ``'neg'``/``'pos'`` it is ``'pos'``. With
    more than two classes the macro average over classes is returned, and
    for multi-label targets the macro average over labels (each label's
    sensitivity or specificity, its presence being the positive class).
    """

    def __init__(self, metric):
        self.metric = metric

    def __call__(self, estimator, X, y_true, sample_weight=None):
        y_pred = estimator.predict(X)
        classes = estimator.classes_
        if len(classes) > 2 or np.ndim(y_pred) == 2:
            return self.metric(y_true, y_pred, average="macro", sample_weight=sample_weight)
        return self.metric(y_true, y_pred, pos_label=classes[-1],
                           sample_weight=sample_weight)

    def __repr__(self):
        return f"make_scorer({self.metric.__name__}, pos_label=classes_[-1])"


#: Scorers for ``GridSearchCV(scoring=SCORING, refit=...)`` and
#: ``cross_validate(scoring=SCORING)``: accuracy, balanced accuracy,
#: sensitivity, specificity, ROC AUC and negative log loss. Sensitivity and
#: specificity take the estimator's ``classes_[-1]`` as the positive class;
#: for more classes, and for multi-label classifiers (per label), they are
#: macro averages.
SCORING = {
    "accuracy": get_scorer("accuracy"),
    "balanced_accuracy": get_scorer("balanced_accuracy"),
    "sensitivity": _PositiveClassScorer(sensitivity_score),
    "specificity": _PositiveClassScorer(specificity_score),
    "roc_auc": get_scorer("roc_auc"),
    "neg_log_loss": get_scorer("neg_log_loss"),
}


def _as_named(items, kind):
    if isinstance(items, dict):
        return list(items.items())
    if isinstance(items, (list, tuple)) and kind == "estimator":
        return [(f"model {i + 1}", est) for i, est in enumerate(items)]
    raise TypeError(f"Pass the {kind}s as a dict of name -> {kind}.")


def evaluation_report(estimators, datasets, *, pos_label=None, threshold=0.5,
                      as_frame=False):
    """The R book's summary table: loss, accuracy, specificity, sensitivity.

    One row per (model, data set), with the confusion matrix.

    Parameters
    ----------
    estimators : dict of str to fitted estimator, or list of fitted estimators
        Binary classifiers with ``predict_proba`` (pipelines on raw text
        included).
    datasets : dict of str to tuple (X, y)
        Data sets to evaluate on, e.g. ``{"train": (X_train, y_train),
        "test": (X_test, y_test)}``.
    pos_label : label or None, default=None
        Positive class; ``None`` uses each estimator's ``classes_[-1]``.
    threshold : float, default=0.5
        Predict the positive class when its probability is at least this.
    as_frame : bool, default=False
        Return a pandas DataFrame (pandas must be installed) instead of a
        list of dicts.

    Returns
    -------
    report : list of dict or pandas.DataFrame
        One row per (model, data set) with the keys (columns) ``model``,
        ``data``, ``loss``, ``accuracy``, ``specificity``, ``sensitivity``,
        ``n``, ``confusion_matrix`` (rows: true negative, positive; columns:
        predicted negative, positive). A DataFrame with ``as_frame=True``.
        Print either with :func:`format_report`.

    See Also
    --------
    format_report : Render the report as a text table.

    Examples
    --------
    >>> from sklearn.dummy import DummyClassifier
    >>> from skseq.metrics import evaluation_report, format_report
    >>> X, y = [[0]] * 4, [0, 0, 1, 1]
    >>> dummy = DummyClassifier(strategy="constant", constant=1).fit(X, y)
    >>> rows = evaluation_report({"always pos": dummy}, {"train": (X, y)})
    >>> print(format_report(rows))  # doctest: +NORMALIZE_WHITESPACE
    model       data    loss    accuracy  specificity  sensitivity  n  confusion_matrix
    always pos  train   18.0218  0.5000    0.0000       1.0000       4  [[0, 2], [0, 2]]
    """
    rows = []
    for model_name, estimator in _as_named(estimators, "estimator"):
        classes = np.asarray(estimator.classes_)
        if len(classes) != 2:
            raise ValueError(
                f"evaluation_report needs binary classifiers; {model_name!r} has "
                f"{len(classes)} classes."
            )
        pos = classes[-1] if pos_label is None else pos_label
        if pos not in classes:
            raise ValueError(f"pos_label={pos!r} is not one of {classes.tolist()}.")
        neg = classes[classes != pos][0]
        pos_col = int(np.flatnonzero(classes == pos)[0])
        for data_name, (X, y) in _as_named(datasets, "dataset"):
            y = np.asarray(y)
            proba = estimator.predict_proba(X)
            y_pred = np.where(proba[:, pos_col] >= threshold, pos, neg)
            cm = confusion_matrix(y, y_pred, labels=[neg, pos])
            rows.append({
                "model": model_name,
                "data": data_name,
                "loss": float(log_loss(y, proba, labels=classes)),
                "accuracy": float(accuracy_score(y, y_pred)),
                "specificity": specificity_score(y, y_pred, pos_label=pos),
                "sensitivity": sensitivity_score(y, y_pred, pos_label=pos),
                "n": int(len(y)),
                "confusion_matrix": cm.tolist(),
            })
    if not as_frame:
        return rows
    try:
        import pandas as pd
    except ImportError:
        raise ImportError("evaluation_report(..., as_frame=True) needs pandas; "
                          "install it (pip install pandas) or leave as_frame=False "
                          "for a list of dicts.") from None
    return pd.DataFrame(rows)


def format_report(report, *, digits=4):
    """Render an :func:`evaluation_report` as a plain-text table.

    Parameters
    ----------
    report : pandas.DataFrame or list of dict
        The output of :func:`evaluation_report` (or any rows of dicts).
    digits : int, default=4
        Decimals shown for floats.

    Returns
    -------
    table : str
        The table, one line per row.

    See Also
    --------
    evaluation_report : Computes the rows.

    Examples
    --------
    >>> from skseq.metrics import format_report
    >>> print(format_report([{"model": "a", "accuracy": 0.5}]))
    model  accuracy
    a      0.5000
    """
    rows = report.to_dict("records") if hasattr(report, "to_dict") else list(report)
    if not rows:
        return ""
    columns = list(rows[0])

    def cell(value):
        if isinstance(value, (float, np.floating)):
            return f"{value:.{digits}f}"
        return str(value)

    table = [columns] + [[cell(row[c]) for c in columns] for row in rows]
    widths = [max(len(r[i]) for r in table) for i in range(len(columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip() for r in table]
    return "\n".join(lines)
