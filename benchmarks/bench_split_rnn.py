"""Masked training with SplitMaskedRNN vs Keras' masked layer vs fixed width.

The blog configuration (num_words 5000, maxlen 500, LSTM(100), batch 64)
on the 12,500 protocol training reviews, three classifiers side by side:

- ``fixed_width``: ``mask_padding=False``, every batch 500 steps wide;
- ``masked_keras_layer``: ``mask_padding=True`` with the last LSTM left as
  Keras' masked layer (``SplitMaskedRNN`` patched out of ``build_model``);
- ``masked_split``: ``mask_padding=True`` as shipped (``SplitMaskedRNN``).

After one warm-up epoch each (tracing), every round trains each model one
more epoch (``warm_start``) and predicts the training reviews, in
alternating order; medians and minima over the rounds are reported with
ratios against the first variant (``fixed_width`` unless ``--variants``
says otherwise). This machine's speed swings by up to 2x, hence the rounds
and the minima.

Run: python benchmarks/bench_split_rnn.py [--rounds 4] [--variants ...]
Writes benchmarks/results/bench_split_rnn.json (or
bench_split_rnn_<variants>.json when ``--variants`` is given).
"""

import argparse
import contextlib
import statistics
import time
from unittest import mock

import skseq._architectures
from _common import write_json
from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_imdb

VARIANTS = ("fixed_width", "masked_keras_layer", "masked_split")


def keras_masked_layer(layer, bidirectional, name):
    """Stand-in for SplitMaskedRNN: leave the masked Keras layer as it is."""
    return layer


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--n-train", type=int, default=12_500)
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    args = parser.parse_args()
    X, y = load_imdb("train", return_X_y=True)
    X, y = X[: args.n_train], y[: args.n_train]
    ids = Padder(maxlen=500).fit_transform(IntegerSequencer(num_words=5000).fit_transform(X))

    models = {}
    for name in args.variants:
        clf = LSTMSequenceClassifier(units=100, epochs=1, batch_size=64,
                                     mask_padding=name != "fixed_width",
                                     warm_start=True, random_state=0)
        patch = (mock.patch.object(skseq._architectures, "SplitMaskedRNN",
                                   keras_masked_layer)
                 if name == "masked_keras_layer" else contextlib.nullcontext())
        with patch:
            clf.fit(ids, y)  # builds the model and traces: warm-up epoch
        models[name] = clf
    epoch_s = {name: [] for name in models}
    predict_s = {name: [] for name in models}
    for round_ in range(args.rounds):
        names = list(models) if round_ % 2 == 0 else list(models)[::-1]
        for name in names:
            start = time.perf_counter()
            models[name].fit(ids, y)
            epoch_s[name].append(time.perf_counter() - start)
            start = time.perf_counter()
            models[name].predict_proba(ids)
            predict_s[name].append(time.perf_counter() - start)
        print({n: round(v[-1], 2) for n, v in epoch_s.items()},
              {n: round(v[-1], 2) for n, v in predict_s.items()}, flush=True)

    summary = {}
    for name in models:
        summary[name] = {}
        for what, times in (("epoch", epoch_s[name]), ("predict", predict_s[name])):
            base = (epoch_s if what == "epoch" else predict_s)[args.variants[0]]
            for stat, func in (("median", statistics.median), ("min", min)):
                value = func(times)
                summary[name][f"{what}_s_{stat}"] = value
                summary[name][f"{what}_speedup_vs_{args.variants[0]}_{stat}"] = (
                    func(base) / value)
    name = "bench_split_rnn" + (
        "" if tuple(args.variants) == VARIANTS else "_" + "_vs_".join(args.variants))
    write_json(name, {
        "config": {"num_words": 5000, "maxlen": 500, "units": 100, "batch_size": 64,
                   "n_train": len(ids), "rounds": args.rounds,
                   "variants": args.variants},
        "epoch_s": epoch_s, "predict_s": predict_s, "summary": summary,
    })


if __name__ == "__main__":
    main()
