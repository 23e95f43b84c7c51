"""Multi-label and numeric targets: skseq against the linear peer, same run.

- Multi-label: 58,788 IMDB movie titles and their 7 genres
  (:func:`skseq.datasets.load_movie_titles`), a seeded 75/25 split. Peer:
  one-vs-rest TF-IDF (word 1-2 grams, sublinear) + logistic regression,
  ``C`` (1 to 100) chosen by 3-fold cross-validation on the training
  titles (samples F1). skseq: the default pipeline's classifier settings
  (``skseq.experiments.DEFAULT_MODEL``) on titles padded to 20 tokens.
  Both predict a label when its probability exceeds 0.5. Reported: F1
  averaged over samples and over labels (macro), subset accuracy, ROC AUC
  (macro: threshold-free), and each label's sensitivity and specificity;
  for skseq both with the default early stopping (on the validation loss)
  and trained 3 epochs without it.
- Regression: 20,761 tweets and ``log1p`` of their retweet counts
  (:func:`skseq.datasets.load_tweets`), a seeded 75/25 split. Peer: the
  same TF-IDF + ``RidgeCV`` (alpha from 1e-3 to 1e3 by 3-fold
  cross-validation). skseq:
  ``LSTMSequenceRegressor`` with the default pipeline's settings, tweets
  padded to 60 tokens. Reported: R² and mean absolute error.

Every fit is seeded (``random_state=0``); wall and process time per fit.

Run: python benchmarks/bench_targets.py [--quick]
Writes benchmarks/results/bench_targets.json (``--quick``: 3,000 rows per
task and 2 epochs, printed only: a check of the script).
"""

import argparse
import json

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, RidgeCV
from sklearn.metrics import (
    accuracy_score,
    f1_score,
    make_scorer,
    mean_absolute_error,
    r2_score,
    roc_auc_score,
)
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

from _common import timed, write_json
from skseq import IntegerSequencer, LSTMSequenceClassifier, LSTMSequenceRegressor, Padder
from skseq.datasets import load_movie_titles, load_tweets
from skseq.experiments import DEFAULT_MODEL
from skseq.metrics import sensitivity_score, specificity_score


def tfidf():
    return TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)


def skseq_pipeline(estimator_class, maxlen, epochs):
    params = {**DEFAULT_MODEL.classifier_params, "epochs": epochs, "random_state": 0}
    return make_pipeline(IntegerSequencer(num_words=DEFAULT_MODEL.num_words),
                         Padder(maxlen=maxlen, padding="post"), estimator_class(**params))


def multilabel_scores(Y, pred, proba, names):
    return {
        "roc_auc_macro": float(roc_auc_score(Y, proba, average="macro")),
        "f1_samples": float(f1_score(Y, pred, average="samples", zero_division=0)),
        "f1_macro": float(f1_score(Y, pred, average="macro", zero_division=0)),
        "subset_accuracy": float(accuracy_score(Y, pred)),
        "per_label": {name: {"sensitivity": float(sensitivity_score(Y[:, j], pred[:, j])),
                             "specificity": float(specificity_score(Y[:, j], pred[:, j]))}
                      for j, name in enumerate(names)},
    }


def run_multilabel(n, epochs):
    data = load_movie_titles()
    X, Y = data.data, data.target
    if n:
        X, Y = X[:n], Y[:n]
    X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.25,
                                                        random_state=0)
    peer = GridSearchCV(
        make_pipeline(tfidf(), OneVsRestClassifier(LogisticRegression(max_iter=1000))),
        {"onevsrestclassifier__estimator__C": [1, 3, 10, 30, 100]}, cv=3,
        scoring=make_scorer(f1_score, average="samples", zero_division=0))
    results = {"n_train": len(X_train), "n_test": len(X_test),
               "labels": data.target_names,
               "label_frequency": Y.mean(axis=0).round(4).tolist()}
    _, wall, cpu = timed(lambda: peer.fit(X_train, Y_train))
    results["tfidf_ovr_logistic"] = {
        **multilabel_scores(Y_test, peer.predict(X_test), peer.predict_proba(X_test),
                            data.target_names),
        "C": peer.best_params_["onevsrestclassifier__estimator__C"],
        "fit_wall_s": wall, "fit_cpu_s": cpu}
    # the default settings (early stopping on the validation loss), and the
    # same network trained for 3 epochs without early stopping
    for name, settings in [("skseq", {}),
                           ("skseq_3_epochs", {"early_stopping": False, "epochs": 3})]:
        ours = skseq_pipeline(LSTMSequenceClassifier, 20, epochs)
        ours.set_params(**{f"lstmsequenceclassifier__{k}": v for k, v in settings.items()})
        _, wall, cpu = timed(lambda ours=ours: ours.fit(X_train, Y_train))
        results[name] = {
            **multilabel_scores(Y_test, ours.predict(X_test), ours.predict_proba(X_test),
                                data.target_names),
            "epochs_run": ours[-1].n_iter_, "best_epoch": _best_epoch(ours[-1]),
            "fit_wall_s": wall, "fit_cpu_s": cpu}
    return results


def _best_epoch(estimator):
    scores = estimator.validation_scores_
    return None if scores is None else int(np.argmax(scores)) + 1


def run_regression(n, epochs):
    X, y = load_tweets(return_X_y=True)
    if n:
        X, y = X[:n], y[:n]
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25,
                                                        random_state=0)
    results = {"n_train": len(X_train), "n_test": len(X_test),
               "target_mean": float(y.mean()), "target_std": float(y.std())}
    peer = make_pipeline(tfidf(), RidgeCV(alphas=np.logspace(-3, 3, 13), cv=3))
    _, wall, cpu = timed(lambda: peer.fit(X_train, y_train))
    pred = peer.predict(X_test)
    results["tfidf_ridge"] = {"r2": float(r2_score(y_test, pred)),
                              "mae": float(mean_absolute_error(y_test, pred)),
                              "alpha": float(peer[-1].alpha_),
                              "fit_wall_s": wall, "fit_cpu_s": cpu}
    ours = skseq_pipeline(LSTMSequenceRegressor, 60, epochs)
    _, wall, cpu = timed(lambda: ours.fit(X_train, y_train))
    pred = ours.predict(X_test)
    results["skseq"] = {"r2": float(r2_score(y_test, pred)),
                        "mae": float(mean_absolute_error(y_test, pred)),
                        "epochs_run": ours[-1].n_iter_, "best_epoch": _best_epoch(ours[-1]),
                        "fit_wall_s": wall, "fit_cpu_s": cpu}
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    n, epochs = (3000, 2) if args.quick else (None, DEFAULT_MODEL.classifier_params["epochs"])
    payload = {"multilabel": run_multilabel(n, epochs),
               "regression": run_regression(n, epochs)}
    if args.quick:
        print(json.dumps(payload, indent=2))
    else:
        write_json("bench_targets", payload)


if __name__ == "__main__":
    main()
