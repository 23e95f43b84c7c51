"""Quality on the protocol split: skseq's models against the linear baseline.

One run measures, on the 12,500 / 12,500 protocol split:
- the baseline: TF-IDF (1-2 grams, min_df 2, sublinear) + logistic
  regression, its ``C`` chosen by 3-fold cross-validation on the training
  reviews;
- the main job's default pipeline (``skseq.experiments.DEFAULT_MODEL``, as
  ``python -m skseq`` trains it);
- a documented search over pipelines built only from skseq's estimators:
  ``GridSearchCV`` on one stratified 80/20 split of the training reviews
  (every candidate's validation accuracy, specificity and sensitivity),
  the best candidate refitted on all training reviews and scored on the
  test reviews once; candidates with word vectors use
  :func:`skseq.embeddings.cooccurrence_vectors` learnt from the training
  reviews (no download);
- soft votes of the searched skseq pipeline, and of the default one, with
  the baseline (``VotingClassifier`` over the fitted pipelines, frozen:
  nothing is refitted).

Every fit is seeded (``random_state=0``). Wall and process time are
reported per step.

Run: python benchmarks/bench_quality.py [--quick]
Writes benchmarks/results/bench_quality.json (``--quick``: 2,000 training
and test reviews, 2 epochs, printed only: a check of the script).
"""

import argparse
import json

import numpy as np
from sklearn.ensemble import VotingClassifier
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedShuffleSplit
from sklearn.pipeline import Pipeline, make_pipeline

from _common import timed, write_json
from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_imdb
from skseq.embeddings import cooccurrence_vectors
from skseq.experiments import DEFAULT_MODEL
from skseq.metrics import SCORING, sensitivity_score, specificity_score


def test_scores(model, X_test, y_test):
    pred = model.predict(X_test)
    return {"accuracy": accuracy_score(y_test, pred),
            "specificity": specificity_score(y_test, pred),
            "sensitivity": sensitivity_score(y_test, pred)}


def costed(func):
    """``func()``'s result and its wall and process time, as record fields."""
    result, wall, cpu = timed(func)
    return result, {"wall_s": wall, "process_s": cpu}


def baseline(X_train, y_train):
    pipe = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                         LogisticRegression(max_iter=1000))
    search = GridSearchCV(pipe, {"logisticregression__C": [1, 3, 10, 30, 100]}, cv=3)
    return search.fit(X_train, y_train)


def skseq_candidates(X_train, epochs):
    """The searched pipelines: word-vector size, pooling and regularisation."""
    # the sequencer is fitted once, on all training reviews, and frozen in
    # the pipeline: word vectors are aligned to its ids, which a refit on a
    # fold's part would renumber
    sequencer = IntegerSequencer(num_words=10000).fit(X_train)
    vectors = cooccurrence_vectors(sequencer, X_train, n_components=100, random_state=0)
    common = dict(conv_filters=32, units=100, epochs=epochs, early_stopping=True,
                  random_state=0)
    candidates = [
        dict(embedding_dim=32, pooling="max_mean", embedding_dropout=0.2),
        dict(embedding_dim=100, embeddings=vectors, pooling="max_mean",
             embedding_dropout=0.2),
        dict(embedding_dim=100, embeddings=vectors, pooling="max_mean",
             embedding_dropout=0.3, dropout=0.3, optimizer__learning_rate=5e-4,
             n_iter_no_change=3),
    ]
    pipe = Pipeline([("sequencer", FrozenEstimator(sequencer)),
                     ("padder", Padder(maxlen=500, padding="post")),
                     ("classifier", LSTMSequenceClassifier(**common))])
    grid = [{"classifier": [LSTMSequenceClassifier(**common, **c)]} for c in candidates]
    return pipe, grid, candidates


def describe(params):
    return {k: ("cooccurrence_vectors(100)" if k == "embeddings" else v)
            for k, v in params.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    X_train, y_train = load_imdb("train", return_X_y=True)
    X_test, y_test = load_imdb("test", return_X_y=True)
    epochs = 10
    if args.quick:
        X_train, y_train, X_test, y_test = X_train[:2000], y_train[:2000], \
            X_test[:2000], y_test[:2000]
        epochs = 2
    record = {"command": "python benchmarks/bench_quality.py" + (" --quick" * args.quick),
              "n_train": len(X_train), "n_test": len(X_test)}

    linear, cost = costed(lambda: baseline(X_train, y_train))
    record["baseline"] = {"model": "TF-IDF (1-2 grams, min_df 2, sublinear) + "
                                   "LogisticRegression",
                          "C": linear.best_params_["logisticregression__C"],
                          "cv_accuracy_per_C": dict(zip(
                              map(str, linear.cv_results_["param_logisticregression__C"]),
                              linear.cv_results_["mean_test_score"].tolist(), strict=True)),
                          "test": test_scores(linear, X_test, y_test), **cost}
    print(record["baseline"], flush=True)

    default = DEFAULT_MODEL.make_pipeline(random_state=0,
                                          **({"epochs": epochs} if args.quick else {}))
    _, cost = costed(lambda: default.fit(X_train, y_train))
    clf = default[-1]
    record["default"] = {"model": DEFAULT_MODEL.description,
                         "settings": {k: v for k, v in clf.get_params().items()
                                      if isinstance(v, (int, float, str, bool))},
                         "n_iter": clf.n_iter_,
                         "validation_scores": clf.validation_scores_,
                         "test": test_scores(default, X_test, y_test), **cost}
    print(record["default"], flush=True)

    pipe, grid, candidates = skseq_candidates(X_train, epochs)
    split = StratifiedShuffleSplit(n_splits=1, test_size=0.2, random_state=0)
    search = GridSearchCV(pipe, grid, cv=split, scoring=SCORING, refit="accuracy",
                          error_score="raise")
    _, cost = costed(lambda: search.fit(X_train, y_train))
    results = search.cv_results_
    record["search"] = {
        "method": "GridSearchCV, one stratified 80/20 split of the training reviews "
                  "(StratifiedShuffleSplit(1, test_size=0.2, random_state=0)), "
                  "refit='accuracy' on all training reviews",
        "common": {"num_words": 10000, "maxlen": 500, "conv_filters": 32, "units": 100,
                   "epochs (maximum)": epochs, "early_stopping": True},
        "candidates": [{"settings": describe(c),
                        "validation": {m: float(results[f"mean_test_{m}"][i])
                                       for m in ("accuracy", "specificity",
                                                 "sensitivity")},
                        "fit_s": float(results["mean_fit_time"][i])}
                       for i, c in enumerate(candidates)],
        "best": describe(candidates[search.best_index_]),
        "best_n_iter": search.best_estimator_[-1].n_iter_,
        "test": test_scores(search, X_test, y_test), **cost}
    print(record["search"], flush=True)

    for key, lstm, what in [("soft_vote", search.best_estimator_, "searched"),
                            ("soft_vote_default", default, "default")]:
        vote = VotingClassifier([("skseq", FrozenEstimator(lstm)),
                                 ("tfidf", FrozenEstimator(linear.best_estimator_))],
                                voting="soft").fit(X_train, y_train)
        record[key] = {"model": f"VotingClassifier(voting='soft') of the {what} skseq "
                                "pipeline and the baseline",
                       "test": test_scores(vote, X_test, y_test)}
    base = record["baseline"]["test"]["accuracy"]
    record["goals"] = {
        "default_at_least_0.880": record["default"]["test"]["accuracy"] >= 0.88,
        "default_balance_gap_points": 100 * abs(
            record["default"]["test"]["sensitivity"]
            - record["default"]["test"]["specificity"]),
        "searched_skseq_minus_baseline_points": 100 * (
            record["search"]["test"]["accuracy"] - base),
        "soft_vote_at_least_0.905": max(record[k]["test"]["accuracy"] for k in
                                        ("soft_vote", "soft_vote_default")) >= 0.905,
    }
    if args.quick:  # a check of the script, not a result
        print(json.dumps(record, indent=2, default=str))
    else:
        write_json("bench_quality", record)


if __name__ == "__main__":
    np.random.seed(0)
    main()
