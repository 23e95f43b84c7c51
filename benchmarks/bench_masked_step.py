"""Cost of one training batch: static vs dynamic width, masked vs unmasked.

20 batches of 64 rows, left-aligned lengths spread over the last 16 steps of
the width (as in a length-bucketed batch), through Embedding -> LSTM(100)
-> Dense, for four variants:

- ``unmasked_static``: plain LSTM on a NumPy array (Keras knows the width);
- ``unmasked``: plain LSTM fed through skseq's ``tf.data`` pipeline
  (``(None, None)`` signature, as for variable-width batches);
- ``keras_masked``: ``Embedding(mask_zero=True)`` + LSTM, same feed;
- ``split_masked``: the same masked model through ``SplitMaskedRNN``.

Each variant trains one epoch per round, in turn, for ``--rounds`` rounds;
per-batch medians and minima are reported with ratios against
``unmasked``. ``--threads 1`` pins TensorFlow to one thread.

Run: python benchmarks/bench_masked_step.py [--width 224] [--threads 1]
Writes benchmarks/results/bench_masked_step[_1thread].json.
"""

import argparse
import os
import statistics
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--width", type=int, default=224)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=0, help="0: TensorFlow's default")
    args = parser.parse_args()
    if args.threads:  # must be set before TensorFlow starts
        os.environ["TF_NUM_INTRAOP_THREADS"] = str(args.threads)
        os.environ["TF_NUM_INTEROP_THREADS"] = str(args.threads)
    import keras
    import numpy as np

    from _common import write_json
    from skseq._batching import make_dataset
    from skseq._layers import SplitMaskedRNN

    n_batches, batch = 20, 64
    rng = np.random.RandomState(0)
    X = rng.randint(1, 5000, (n_batches * batch, args.width)).astype("int32")
    lengths = rng.randint(args.width - 15, args.width + 1, len(X))
    X[np.arange(args.width) >= lengths[:, None]] = 0
    y = rng.randint(0, 2, len(X)).astype("float32")

    def dataset():
        # skseq's own pipeline, in input order (every batch is 'width' wide)
        return make_dataset(X, y, None, lengths, batch, seed=None, shuffle=False)

    def model(kind):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((None,), dtype="int32")
        masked = kind in ("keras_masked", "split_masked")
        x = keras.layers.Embedding(5000, 32, mask_zero=masked)(inputs)
        layer = keras.layers.LSTM(100)
        x = SplitMaskedRNN(layer)(x) if kind == "split_masked" else layer(x)
        out = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
        out.compile("adam", "binary_crossentropy")
        return out

    def epoch(kind, m):
        if kind == "unmasked_static":
            m.fit(X, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
        else:
            m.fit(dataset(), epochs=1, verbose=0)

    kinds = ("unmasked_static", "unmasked", "keras_masked", "split_masked")
    models = {kind: model(kind) for kind in kinds}
    for kind, m in models.items():
        epoch(kind, m)  # trace
    ms = {kind: [] for kind in models}
    for _ in range(args.rounds):
        for kind, m in models.items():
            start = time.perf_counter()
            epoch(kind, m)
            ms[kind].append(1000 * (time.perf_counter() - start) / n_batches)
        print({k: round(v[-1], 1) for k, v in ms.items()}, flush=True)
    summary = {}
    for kind, values in ms.items():
        summary[kind] = {}
        for stat, func in (("median", statistics.median), ("min", min)):
            summary[kind][f"ms_per_batch_{stat}"] = func(values)
            summary[kind][f"ratio_to_unmasked_{stat}"] = func(values) / func(ms["unmasked"])
    name = "bench_masked_step" + (f"_{args.threads}thread" if args.threads else "")
    write_json(name, {"config": {"width": args.width, "batch_size": batch, "units": 100,
                                 "rounds": args.rounds,
                                 "threads": args.threads or "default"},
                      "ms_per_batch": ms, "summary": summary})


if __name__ == "__main__":
    main()
