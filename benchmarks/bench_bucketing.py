"""Padding-masked, length-bucketed training and prediction vs fixed width.

The blog configuration (num_words 5000, maxlen 500, LSTM(100), adam, 3
epochs, batch 64) on the protocol split, trained twice side by side in one
run: ``mask_padding=False`` (every batch 500 steps wide, as the blog) and
``mask_padding=True`` (batches cut to their longest review). Reports fit and
predict time, their ratios and test accuracy.

Run: python benchmarks/bench_bucketing.py [--n-train 12500] [--epochs 3]
Writes benchmarks/results/bench_bucketing.json.
"""

import argparse
import time

import numpy as np

from _common import write_json
from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_imdb


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=12_500)
    parser.add_argument("--n-test", type=int, default=12_500)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--conv-filters", type=int, default=0)
    args = parser.parse_args()

    X_train, y_train = load_imdb("train", return_X_y=True)
    X_test, y_test = load_imdb("test", return_X_y=True)
    X_train, y_train = X_train[: args.n_train], y_train[: args.n_train]
    X_test, y_test = X_test[: args.n_test], y_test[: args.n_test]
    seq = IntegerSequencer(num_words=5000).fit(X_train)
    pad = Padder(maxlen=500)
    ids_train = pad.fit_transform(seq.transform(X_train))
    ids_test = pad.transform(seq.transform(X_test))
    lengths = (ids_train != 0).sum(axis=1)

    runs = {}
    for name, masked in [("fixed_width", False), ("masked_bucketed", True)]:
        clf = LSTMSequenceClassifier(units=100, embedding_dim=32, epochs=args.epochs,
                                     batch_size=64, conv_filters=args.conv_filters,
                                     mask_padding=masked, random_state=0, verbose=2)
        start = time.perf_counter()
        clf.fit(ids_train, y_train)
        fit_s = time.perf_counter() - start
        clf.predict_proba(ids_test[:64])  # warm-up
        start = time.perf_counter()
        proba = clf.predict_proba(ids_test)
        predict_s = time.perf_counter() - start
        accuracy = float(np.mean(clf.classes_[proba.argmax(axis=1)] == y_test))
        runs[name] = {"fit_s": fit_s, "fit_s_per_epoch": fit_s / args.epochs,
                      "predict_s": predict_s, "test_accuracy": accuracy}
        print(name, runs[name], flush=True)

    fixed, fast = runs["fixed_width"], runs["masked_bucketed"]
    write_json("bench_bucketing", {
        "config": {"num_words": 5000, "maxlen": 500, "units": 100, "epochs": args.epochs,
                   "batch_size": 64, "conv_filters": args.conv_filters,
                   "n_train": len(X_train), "n_test": len(X_test)},
        "mean_review_tokens_after_truncation": float(lengths.mean()),
        "runs": runs,
        "fit_speedup": fixed["fit_s"] / fast["fit_s"],
        "predict_speedup": fixed["predict_s"] / fast["predict_s"],
        "accuracy_difference_points": 100 * (fast["test_accuracy"] - fixed["test_accuracy"]),
    })


if __name__ == "__main__":
    main()
