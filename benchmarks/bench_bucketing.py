"""Padding-masked, length-bucketed training and prediction vs fixed width.

The blog configuration (num_words 5000, maxlen 500, LSTM(100), adam, 3
epochs, batch 64) on the protocol split, trained side by side in one run:
``mask_padding=False`` (every batch 500 steps wide, as the blog) and
``mask_padding=True`` (batches cut to their longest review). This machine's
speed swings by up to 2x from minute to minute, so the two are fitted in
the order fixed, masked, masked, fixed (``--rounds 2``), every epoch is
timed, and ratios are taken of medians (and, as a check, of minima). The
first epoch (which traces the graphs) is reported apart from the
steady-state epochs. Prediction on the test split is timed 3 times per fit.

Run: python benchmarks/bench_bucketing.py [--n-train 12500] [--rounds 2]
Writes benchmarks/results/bench_bucketing.json.
"""

import argparse
import statistics
import time

import keras
import numpy as np

from _common import write_json
from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_imdb


class EpochTimer(keras.callbacks.Callback):
    """Wall time of every epoch."""

    def __init__(self):
        super().__init__()
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._start)


def run_once(masked, ids_train, y_train, ids_test, y_test, epochs):
    timer = EpochTimer()
    clf = LSTMSequenceClassifier(units=100, embedding_dim=32, epochs=epochs,
                                 batch_size=64, mask_padding=masked, random_state=0,
                                 callbacks=[timer])
    start = time.perf_counter()
    clf.fit(ids_train, y_train)
    fit_s = time.perf_counter() - start
    predict_s = []
    for _ in range(3):
        start = time.perf_counter()
        proba = clf.predict_proba(ids_test)
        predict_s.append(time.perf_counter() - start)
    accuracy = float(np.mean(clf.classes_[proba.argmax(axis=1)] == y_test))
    return {"fit_s": fit_s, "epoch_s": timer.seconds, "predict_s": predict_s,
            "test_accuracy": accuracy}


def summarise(runs):
    steady = [s for run in runs for s in run["epoch_s"][1:]]
    predict = [s for run in runs for s in run["predict_s"]]
    return {
        "fit_s_median": statistics.median(run["fit_s"] for run in runs),
        "first_epoch_s_median": statistics.median(run["epoch_s"][0] for run in runs),
        "steady_epoch_s_median": statistics.median(steady),
        "steady_epoch_s_min": min(steady),
        "predict_s_median": statistics.median(predict),
        "predict_s_min": min(predict),
        # same seed every round: the accuracies must agree (determinism)
        "test_accuracy": sorted({run["test_accuracy"] for run in runs}),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=12_500)
    parser.add_argument("--n-test", type=int, default=12_500)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=2)
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

    runs = {"fixed_width": [], "masked_bucketed": []}
    order = []
    for round_ in range(args.rounds):
        pair = [("fixed_width", False), ("masked_bucketed", True)]
        order += pair if round_ % 2 == 0 else pair[::-1]
    for name, masked in order:
        runs[name].append(run_once(masked, ids_train, y_train, ids_test, y_test,
                                   args.epochs))
        print(name, runs[name][-1], flush=True)

    fixed, fast = summarise(runs["fixed_width"]), summarise(runs["masked_bucketed"])
    write_json("bench_bucketing", {
        "config": {"num_words": 5000, "maxlen": 500, "units": 100, "epochs": args.epochs,
                   "batch_size": 64, "n_train": len(X_train), "n_test": len(X_test),
                   "order": [name for name, _ in order]},
        "mean_review_tokens_after_truncation": float(lengths.mean()),
        "runs": runs,
        "summary": {"fixed_width": fixed, "masked_bucketed": fast},
        "fit_speedup": fixed["fit_s_median"] / fast["fit_s_median"],
        "steady_epoch_speedup": fixed["steady_epoch_s_median"] / fast["steady_epoch_s_median"],
        "steady_epoch_speedup_of_minima": fixed["steady_epoch_s_min"] / fast["steady_epoch_s_min"],
        "predict_speedup": fixed["predict_s_median"] / fast["predict_s_median"],
        "predict_speedup_of_minima": fixed["predict_s_min"] / fast["predict_s_min"],
        "accuracy_difference_points": 100 * (fast["test_accuracy"][0]
                                             - fixed["test_accuracy"][0]),
    })


if __name__ == "__main__":
    main()
