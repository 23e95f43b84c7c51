"""Early stopping the scikit-learn way, as a Keras callback.

``MLPClassifier`` and ``HistGradientBoostingClassifier`` stop when the
validation score has not improved by at least ``tol`` for
``n_iter_no_change`` iterations, and keep the best iteration's model. Keras'
``EarlyStopping(restore_best_weights=True)`` does not restore when training
ends by reaching ``epochs``; this callback always can (``restore_best``).
"""

import math

import keras
import numpy as np
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    log_loss,
    roc_auc_score,
)

from .metrics import sensitivity_score, specificity_score

__all__ = ["BestEpoch", "VALIDATION_SCORERS", "validation_scorer"]


def _predicted(proba):
    return np.argmax(proba, axis=1)


def _per_label(metric):
    # multi-label (an indicator y): the mean over labels of each label's score
    def score(y, proba):
        return float(np.mean([metric(y[:, j], np.column_stack([1 - proba[:, j], proba[:, j]]))
                              for j in range(y.shape[1])]))
    return score


def _single_or_per_label(metric):
    def score(y, proba):
        return _per_label(metric)(y, proba) if y.ndim == 2 else metric(y, proba)
    return score


def _positive_class_recall(metric):
    # the positive class is the last one (classes_[-1]), as in skseq.metrics.SCORING
    def score(y, proba):
        n_classes = proba.shape[1]
        if n_classes > 2:
            return metric(y, _predicted(proba), average="macro")
        return metric(y, _predicted(proba), pos_label=n_classes - 1)
    return _single_or_per_label(score)


def _roc_auc(y, proba):
    if len(np.unique(y)) < 2:
        return 0.5  # a label absent from (or everywhere in) the validation part
    if proba.shape[1] == 2:
        return roc_auc_score(y, proba[:, 1])
    return roc_auc_score(y, proba, multi_class="ovr", labels=np.arange(proba.shape[1]))


def _accuracy(y, proba):
    if y.ndim == 2:  # subset accuracy, as sklearn.metrics.accuracy_score
        return accuracy_score(y, (proba > 0.5).astype(int))
    return accuracy_score(y, _predicted(proba))


#: Names accepted by ``scoring`` besides ``'loss'``: the scorers of
#: :data:`skseq.metrics.SCORING`, computed on the validation part's class
#: indices ``y`` and probabilities ``proba`` (higher is better). For a
#: multi-label indicator ``y`` (``proba`` one column per label), accuracy is
#: the subset accuracy and the others the mean of each label's score.
VALIDATION_SCORERS = {
    "accuracy": _accuracy,
    "balanced_accuracy": _single_or_per_label(
        lambda y, proba: balanced_accuracy_score(y, _predicted(proba))),
    "sensitivity": _positive_class_recall(sensitivity_score),
    "specificity": _positive_class_recall(specificity_score),
    "roc_auc": _single_or_per_label(_roc_auc),
    "neg_log_loss": _single_or_per_label(
        lambda y, proba: -log_loss(y, proba, labels=np.arange(proba.shape[1]))),
}


def validation_scorer(scoring, predict_validation):
    """A function of Keras' epoch logs giving the epoch's validation score.

    Parameters
    ----------
    scoring : str
        ``'loss'`` (the negative validation loss Keras computes anyway) or a
        key of :data:`VALIDATION_SCORERS`.
    predict_validation : callable
        ``predict_validation() -> (y, proba)``: the validation part's class
        indices and the current model's probabilities (called once per epoch,
        only for a scorer other than ``'loss'``).

    Returns
    -------
    score : callable
        ``score(logs) -> float``, higher is better.
    """
    if scoring == "loss":
        return lambda logs: -float(logs["val_loss"])
    metric = VALIDATION_SCORERS[scoring]

    def score(logs):
        return float(metric(*predict_validation()))
    return score


class BestEpoch(keras.callbacks.Callback):
    """Score every epoch, stop when it stops improving, remember the best.

    Training stops once ``n_iter_no_change`` consecutive epochs have not
    improved on the best score by more than ``tol`` (scikit-learn's rule); the
    weights of the best-scoring epoch are kept in memory and put back by
    :meth:`restore_best`, also when training ran to the last epoch.

    Parameters
    ----------
    score : callable
        ``score(logs) -> float`` for the epoch just ended, higher is better.
    n_iter_no_change : int
        Epochs without improvement before training stops.
    tol : float
        Minimum improvement that resets the count.
    """

    def __init__(self, score, n_iter_no_change, tol):
        super().__init__()
        self.score = score
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scores = []
        self.best_score = -math.inf
        self.best_epoch = None
        self._best_weights = None
        self._stale = 0

    def on_epoch_end(self, epoch, logs=None):
        score = self.score(logs or {})
        if not math.isfinite(score):
            score = -math.inf  # a diverged epoch is never the best
        self.scores.append(score)
        self._stale = self._stale + 1 if score <= self.best_score + self.tol else 0
        if score > self.best_score:
            self.best_score = score
            self.best_epoch = len(self.scores) - 1
            self._best_weights = [w.copy() for w in self.model.get_weights()]
        if self._stale >= self.n_iter_no_change:
            self.model.stop_training = True

    def restore_best(self):
        """Put the best epoch's weights back into the model (if it is not the last)."""
        if self._best_weights is not None and self.best_epoch != len(self.scores) - 1:
            self.model.set_weights(self._best_weights)
