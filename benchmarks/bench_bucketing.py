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
Process time is recorded beside wall time (this machine sometimes idles for
seconds inside a fit, spending no CPU time).

``--small`` is the small fit instead: 4,000 reviews, one epoch, 1,000 test
reviews, 4 rounds, where the fixed cost of a fit (building, tracing,
validation, the predictor's probe) weighs most; it also times the masked
fit with its training state left to Keras (``masked_two_traces``: Keras
then creates the optimizer's and metrics' variables inside the first trace
of its train function and traces it twice, as skseq did before).

Run: python benchmarks/bench_bucketing.py [--n-train 12500] [--rounds 2] [--small]
Writes benchmarks/results/bench_bucketing.json (bench_bucketing_small_fit.json
with ``--small``).
"""

import argparse
import contextlib
import statistics
import time
from unittest import mock

import keras
import numpy as np

import skseq._base
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


def run_once(masked, ids_train, y_train, ids_test, y_test, epochs, two_traces=False):
    timer = EpochTimer()
    clf = LSTMSequenceClassifier(units=100, embedding_dim=32, epochs=epochs,
                                 batch_size=64, mask_padding=masked, random_state=0,
                                 callbacks=[timer])
    # the training state left to Keras (built inside its first trace), as before
    earlier = mock.patch.object(skseq._base, "build_training_state",
                                lambda *args, **kwargs: None)
    with earlier if two_traces else contextlib.nullcontext():
        start, cpu = time.perf_counter(), time.process_time()
        clf.fit(ids_train, y_train)
        fit_s, fit_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    predict_s = []
    for _ in range(3):
        start = time.perf_counter()
        proba = clf.predict_proba(ids_test)
        predict_s.append(time.perf_counter() - start)
    accuracy = float(np.mean(clf.classes_[proba.argmax(axis=1)] == y_test))
    return {"fit_s": fit_s, "fit_process_s": fit_cpu_s, "epoch_s": timer.seconds,
            "predict_s": predict_s, "test_accuracy": accuracy}


def summarise(runs):
    steady = [s for run in runs for s in run["epoch_s"][1:]]
    predict = [s for run in runs for s in run["predict_s"]]
    return {
        "fit_s_median": statistics.median(run["fit_s"] for run in runs),
        "fit_s_min": min(run["fit_s"] for run in runs),
        "fit_process_s_median": statistics.median(run["fit_process_s"] for run in runs),
        "first_epoch_s_median": statistics.median(run["epoch_s"][0] for run in runs),
        "steady_epoch_s_median": statistics.median(steady) if steady else None,
        "steady_epoch_s_min": min(steady) if steady else None,
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
    parser.add_argument("--small", action="store_true",
                        help="the small fit: 4,000 reviews, 1 epoch, 1,000 test, 4 rounds")
    args = parser.parse_args()
    if args.small:
        args.n_train, args.n_test, args.epochs, args.rounds = 4000, 1000, 1, 4

    X_train, y_train = load_imdb("train", return_X_y=True)
    X_test, y_test = load_imdb("test", return_X_y=True)
    X_train, y_train = X_train[: args.n_train], y_train[: args.n_train]
    X_test, y_test = X_test[: args.n_test], y_test[: args.n_test]
    seq = IntegerSequencer(num_words=5000).fit(X_train)
    pad = Padder(maxlen=500)
    ids_train = pad.fit_transform(seq.transform(X_train))
    ids_test = pad.transform(seq.transform(X_test))
    lengths = (ids_train != 0).sum(axis=1)

    variants = [("fixed_width", False, False), ("masked_bucketed", True, False)]
    if args.small:
        variants.append(("masked_two_traces", True, True))
    runs = {name: [] for name, _, _ in variants}
    order = []
    for round_ in range(args.rounds):
        order += variants if round_ % 2 == 0 else variants[::-1]
    for name, masked, two_traces in order:
        runs[name].append(run_once(masked, ids_train, y_train, ids_test, y_test,
                                   args.epochs, two_traces))
        print(name, runs[name][-1], flush=True)

    summary = {name: summarise(runs[name]) for name in runs}
    fixed, fast = summary["fixed_width"], summary["masked_bucketed"]

    def ratio(a, b):
        return None if a is None or b is None else a / b

    record = {
        "config": {"num_words": 5000, "maxlen": 500, "units": 100, "epochs": args.epochs,
                   "batch_size": 64, "n_train": len(X_train), "n_test": len(X_test),
                   "order": [name for name, _, _ in order]},
        "mean_review_tokens_after_truncation": float(lengths.mean()),
        "runs": runs,
        "summary": summary,
        "fit_speedup": fixed["fit_s_median"] / fast["fit_s_median"],
        "fit_speedup_of_minima": fixed["fit_s_min"] / fast["fit_s_min"],
        "fit_process_time_ratio": fixed["fit_process_s_median"] / fast["fit_process_s_median"],
        "steady_epoch_speedup": ratio(fixed["steady_epoch_s_median"],
                                      fast["steady_epoch_s_median"]),
        "steady_epoch_speedup_of_minima": ratio(fixed["steady_epoch_s_min"],
                                                fast["steady_epoch_s_min"]),
        "predict_speedup": fixed["predict_s_median"] / fast["predict_s_median"],
        "predict_speedup_of_minima": fixed["predict_s_min"] / fast["predict_s_min"],
        "accuracy_difference_points": 100 * (fast["test_accuracy"][0]
                                             - fixed["test_accuracy"][0]),
    }
    if args.small:
        before = summary["masked_two_traces"]
        record["one_trace_fit_speedup"] = before["fit_s_median"] / fast["fit_s_median"]
        record["one_trace_fit_process_time_ratio"] = (before["fit_process_s_median"]
                                                      / fast["fit_process_s_median"])
    write_json("bench_bucketing_small_fit" if args.small else "bench_bucketing", record)


if __name__ == "__main__":
    main()
