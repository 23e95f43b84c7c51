"""Which defaults win: an ablation on IMDB and on short sentences, peers refitted.

Two parts, each in one run, every fit ``random_state=0``:

- ``imdb``: the protocol split (12,500 / 12,500). Each variant changes one
  thing of the previous main-job pipeline (``IntegerSequencer(num_words=
  10000)`` -> ``Padder(maxlen=500, padding='post')`` -> masked conv + LSTM(100),
  max+mean pooling, embedding dropout 0.2, ``linear_ngrams=2``, early
  stopping, at most 10 epochs), or of the winner so far: the n-gram
  head's naive Bayes prior, vocabulary, review length, dropout, early
  stopping. Peers of the same run: TF-IDF (1-2 grams) and NBSVM (binary
  1-3 grams weighted by their log-count ratios), each + logistic
  regression with ``C`` by 3-fold cross-validation.
- ``sentences``: the 8,530 Rotten Tomatoes sentences (``load_rotten_tomatoes``),
  ``StratifiedKFold(3, shuffle=True, random_state=0)``: the bare pipeline
  with the previous class defaults, with the current class defaults, and
  the variants, against TF-IDF + ``LogisticRegressionCV`` (the peer a new
  user picks) and NBSVM.

Each record: test accuracy, specificity, sensitivity, epochs run, best
epoch, fit wall and process time (this machine stalls: see both).

Run: python benchmarks/bench_defaults.py [--part imdb|sentences] [--only NAME ...]
[--stack VARIANT] [--quick] (``--stack``: a ``StackingClassifier`` of that
variant and NBSVM on the protocol split, 3-fold out-of-fold probabilities,
a logistic regression on top). Writes benchmarks/results/bench_defaults.json,
updated after every fit (``--quick``: 2,000 reviews, 1,500 sentences,
printed only).
"""

import argparse
import json

import numpy as np
from sklearn.ensemble import StackingClassifier
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
from sklearn.metrics import accuracy_score
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import make_pipeline

from _common import RESULTS_DIR, machine_info, timed
from skseq import IntegerSequencer, LogCountRatioTransformer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_imdb, load_rotten_tomatoes
from skseq.metrics import sensitivity_score, specificity_score

# The classifier's constructor defaults before this change (0.1.0).
PREVIOUS_DEFAULTS = dict(epochs=3, conv_filters=0, pooling="last", linear_ngrams=0,
                         early_stopping=False, embedding_dropout=0.0, ngram_prior=None)
# The main job's pipeline before this change.
MAIN_JOB = dict(conv_filters=32, pooling="max_mean", embedding_dropout=0.2,
                linear_ngrams=2, early_stopping=True, epochs=10, ngram_prior=None)
PRIOR = dict(MAIN_JOB, ngram_prior="log_count_ratio")

# name -> (IntegerSequencer params, Padder params, classifier params, what changes)
IMDB_VARIANTS = {
    "main_job": ({"num_words": 10000}, {"maxlen": 500, "padding": "post"}, MAIN_JOB,
                 "the previous main job"),
    "lstm_only": ({"num_words": 10000}, {"maxlen": 500, "padding": "post"},
                  dict(MAIN_JOB, linear_ngrams=0), "no n-gram head"),
    "prior": ({"num_words": 10000}, {"maxlen": 500, "padding": "post"}, PRIOR,
              "+ ngram_prior='log_count_ratio'"),
    "prior_all_words": ({}, {"maxlen": 500, "padding": "post"}, PRIOR,
                        "+ prior, every word (num_words=None)"),
    "prior_all_words_full": ({}, {}, PRIOR,
                             "+ prior, every word, whole reviews (maxlen=None)"),
    "prior_full": ({"num_words": 10000}, {}, PRIOR,
                   "+ prior, whole reviews (maxlen=None)"),
    "prior_dropout_0.5": ({"num_words": 10000}, {"maxlen": 500, "padding": "post"},
                          dict(PRIOR, embedding_dropout=0.5), "+ prior, embedding dropout 0.5"),
    "prior_patience_3": ({"num_words": 10000}, {"maxlen": 500, "padding": "post"},
                         dict(PRIOR, n_iter_no_change=3), "+ prior, patience 3"),
    "prior_units_64": ({"num_words": 10000}, {"maxlen": 500, "padding": "post"},
                       dict(PRIOR, units=64), "+ prior, LSTM(64)"),
    "prior_unigrams": ({"num_words": 10000}, {"maxlen": 500, "padding": "post"},
                       dict(PRIOR, linear_ngrams=1), "+ prior, words only (linear_ngrams=1)"),
    "all_words": ({}, {"maxlen": 500, "padding": "post"}, MAIN_JOB,
                  "every word (num_words=None), no prior"),
    "prior_all_words_trigrams": ({}, {"maxlen": 500, "padding": "post"},
                                 dict(PRIOR, linear_ngrams=3),
                                 "+ prior, every word, word triples (linear_ngrams=3)"),
    "prior_all_words_trigrams_full": ({}, {}, dict(PRIOR, linear_ngrams=3),
                                      "+ prior, every word, triples, whole reviews"),
    "prior_all_words_units_64": ({}, {"maxlen": 500, "padding": "post"},
                                 dict(PRIOR, units=64), "+ prior, every word, LSTM(64)"),
}
SENTENCE_VARIANTS = {
    "previous_defaults": ({}, {}, PREVIOUS_DEFAULTS,
                          "bare pipeline, the previous class defaults"),
    "main_job": ({}, {}, MAIN_JOB, "the previous main job's classifier"),
    "prior": ({}, {}, PRIOR, "+ ngram_prior='log_count_ratio'"),
    "defaults": ({}, {}, {}, "bare pipeline, the class defaults of this skseq"),
}

# the peers of PROTOCOL.md and bench_quality.py
TFIDF = [TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)]
NBSVM = [CountVectorizer(ngram_range=(1, 3), min_df=2, binary=True,
                         token_pattern=r"(?u)\b\w+\b|[!?]"),
         LogCountRatioTransformer()]


def scores(y_true, y_pred):
    return {"accuracy": accuracy_score(y_true, y_pred),
            "specificity": specificity_score(y_true, y_pred),
            "sensitivity": sensitivity_score(y_true, y_pred)}


def skseq_pipeline(variant, quick):
    seq, pad, clf, _ = variant
    params = {"random_state": 0, **clf, **({"epochs": 2} if quick else {})}
    return make_pipeline(IntegerSequencer(**seq), Padder(**pad),
                         LSTMSequenceClassifier(**params))


def fit_and_score(make, X_train, y_train, X_test, y_test):
    model = make()
    _, wall, cpu = timed(lambda: model.fit(X_train, y_train))
    record = {"test": scores(y_test, model.predict(X_test)), "fit_wall_s": wall,
              "fit_process_s": cpu}
    clf = model[-1] if hasattr(model, "steps") else model
    if isinstance(clf, LSTMSequenceClassifier):
        kept = clf.validation_scores_
        record.update(epochs=clf.n_iter_,
                      best_epoch=None if kept is None else int(np.argmax(kept)) + 1,
                      parameters=int(clf.model_.count_params()), validation_scores=kept)
    elif hasattr(model, "best_params_"):
        record["C"] = model.best_params_["logisticregression__C"]
    elif hasattr(clf, "C_"):
        record["C"] = float(np.ravel(clf.C_)[0])
    return model, record


def tuned(features, Cs):
    pipe = make_pipeline(*features, LogisticRegression(max_iter=1000))
    return lambda: GridSearchCV(pipe, {"logisticregression__C": Cs}, cv=3)


def protocol_split(quick):
    """The protocol split's reviews (2,000 of each half with ``quick``)."""
    X_train, y_train = load_imdb("train", return_X_y=True)
    X_test, y_test = load_imdb("test", return_X_y=True)
    if quick:
        return X_train[:2000], y_train[:2000], X_test[:2000], y_test[:2000]
    return X_train, y_train, X_test, y_test


def imdb_part(only, quick, save):
    X_train, y_train, X_test, y_test = protocol_split(quick)
    runs = {}
    peers = {"tfidf_lr": ("TF-IDF 1-2 grams + LogisticRegression, C by 3-fold CV",
                          tuned(TFIDF, [1, 3, 10, 30, 100])),
             "nbsvm": ("NBSVM: binary 1-3 grams x log-count ratio + LogisticRegression, "
                       "C by 3-fold CV", tuned(NBSVM, [0.1, 0.3, 1, 3]))}
    for name, (what, make) in peers.items():
        if only and name not in only:
            continue
        _, record = fit_and_score(make, X_train, y_train, X_test, y_test)
        runs[name] = {"model": what, **record}
        print(name, json.dumps(runs[name]), flush=True)
        save("imdb", runs)
    for name, variant in IMDB_VARIANTS.items():
        if only and name not in only:
            continue
        _, record = fit_and_score(lambda v=variant: skseq_pipeline(v, quick),
                                  X_train, y_train, X_test, y_test)
        runs[name] = {"change": variant[3], "sequencer": variant[0], "padder": variant[1],
                      "classifier": variant[2], **record}
        print(name, json.dumps(runs[name]), flush=True)
        save("imdb", runs)


def stack_part(name, quick, save):
    """A StackingClassifier of variant ``name`` and NBSVM, on the protocol split."""
    X_train, y_train, X_test, y_test = protocol_split(quick)
    nbsvm = make_pipeline(*NBSVM, LogisticRegression(C=1, max_iter=1000))
    variant = IMDB_VARIANTS.get(name) or SENTENCE_VARIANTS[name]
    stack = StackingClassifier(
        [("skseq", skseq_pipeline(variant, quick)), ("nbsvm", nbsvm)],
        final_estimator=LogisticRegression(),
        cv=StratifiedKFold(n_splits=3, shuffle=True, random_state=0),
        stack_method="predict_proba")
    _, wall, cpu = timed(lambda: stack.fit(X_train, y_train))
    final = stack.final_estimator_
    save("imdb", {f"stack_{name}": {
        "model": f"StackingClassifier of variant {name!r} and NBSVM (C=1, the value "
                 "its 3-fold CV chose), final LogisticRegression on their "
                 "P(positive), cv=StratifiedKFold(3, shuffle=True, random_state=0)",
        "final_coef": dict(zip(["skseq", "nbsvm"], final.coef_[0].tolist(), strict=True)),
        "test": scores(y_test, stack.predict(X_test)), "fit_wall_s": wall,
        "fit_process_s": cpu}})


def sentences_part(only, quick, save):
    X, y = load_rotten_tomatoes(return_X_y=True)
    X = np.asarray(X, dtype=object)
    if quick:  # the file holds one class, then the other
        rows = np.random.RandomState(0).permutation(len(X))[:1500]
        X, y = X[rows], y[rows]
    folds = list(StratifiedKFold(3, shuffle=True, random_state=0).split(X, y))
    makers = {"tfidf_lrcv": ("TF-IDF 1-2 grams + LogisticRegressionCV (5-fold C)",
                             lambda: make_pipeline(*TFIDF, LogisticRegressionCV(
                                 max_iter=1000)))}
    makers["nbsvm"] = ("NBSVM + LogisticRegression, C by 3-fold CV",
                       tuned(NBSVM, [0.1, 0.3, 1, 3]))
    for name, variant in SENTENCE_VARIANTS.items():
        makers[name] = (variant[3], lambda v=variant: skseq_pipeline(v, quick))
    runs = {}
    for name, (what, make) in makers.items():
        if only and name not in only:
            continue
        per_fold = [fit_and_score(make, X[tr].tolist(), y[tr], X[te].tolist(), y[te])[1]
                    for tr, te in folds]
        runs[name] = {"model": what, "folds": per_fold, **{
            f"mean_{m}": float(np.mean([f["test"][m] for f in per_fold]))
            for m in ("accuracy", "specificity", "sensitivity")},
            "mean_fit_wall_s": float(np.mean([f["fit_wall_s"] for f in per_fold]))}
        print(name, runs[name]["mean_accuracy"], flush=True)
        save("sentences", runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["imdb", "sentences"], action="append")
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--stack", metavar="VARIANT",
                        help="stack this variant with NBSVM (IMDB) instead of the parts")
    args = parser.parse_args()
    path = RESULTS_DIR / "bench_defaults.json"
    record = json.loads(path.read_text()) if path.exists() and not args.quick else {}
    record.update(benchmark="bench_defaults", machine=machine_info())

    def save(part, runs):
        # merged into earlier runs of other variants: one variant per key
        record.setdefault(part, {}).update(runs)
        if not args.quick:
            path.write_text(json.dumps(record, indent=2) + "\n")

    if args.stack:
        return stack_part(args.stack, args.quick, save)
    for part in args.part or ["imdb", "sentences"]:
        {"imdb": imdb_part, "sentences": sentences_part}[part](args.only, args.quick, save)


if __name__ == "__main__":
    main()
