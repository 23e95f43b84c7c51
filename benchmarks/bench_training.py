"""Training throughput of the seed configurations vs the machine's matmul peak.

For the R book (LSTM 32, maxlen 200, batch 128) and blog (LSTM 100, maxlen
500, batch 64) configurations, one epoch on the 12,500 protocol training
reviews after a warm-up epoch: samples per second and the achieved GFLOP/s of
the recurrent layer (forward + backward ~ 3x the forward multiply-adds), as a
fraction of a float32 matmul peak measured in the same run. The blog
configuration is also run with ``mask_padding=True`` (FLOPs then counted on
the real, unpadded steps).

Run: python benchmarks/bench_training.py
Writes benchmarks/results/bench_training.json.
"""

import time

import tensorflow as tf

from _common import median_time, write_json
from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_imdb


def matmul_peak_gflops(n=2048):
    a = tf.random.normal((n, n))
    b = tf.random.normal((n, n))
    matmul = tf.function(lambda: tf.matmul(a, b))
    seconds, _ = median_time(lambda: matmul().numpy(), repeat=10, warmup=2)
    return 2 * n**3 / seconds / 1e9


def lstm_flops_per_step(units, input_dim):
    return 2 * 4 * units * (input_dim + units)  # one forward step, one sample


def main():
    X, y = load_imdb("train", return_X_y=True)
    peak = matmul_peak_gflops()
    print(f"float32 matmul peak: {peak:.0f} GFLOP/s", flush=True)
    configs = {
        "r_book_R2": dict(num_words=500, maxlen=200, units=32, batch_size=128),
        "blog_M1": dict(num_words=5000, maxlen=500, units=100, batch_size=64),
        "blog_M1_masked": dict(num_words=5000, maxlen=500, units=100, batch_size=64,
                               mask_padding=True),
    }
    results = {}
    for name, cfg in configs.items():
        ids = Padder(maxlen=cfg["maxlen"]).fit_transform(
            IntegerSequencer(num_words=cfg["num_words"]).fit_transform(X))
        clf = LSTMSequenceClassifier(units=cfg["units"], embedding_dim=32, epochs=1,
                                     batch_size=cfg["batch_size"],
                                     mask_padding=cfg.get("mask_padding", False),
                                     warm_start=True)
        clf.fit(ids, y)  # warm-up epoch: builds and traces
        start = time.perf_counter()
        clf.fit(ids, y)  # warm_start: one more epoch on the same model
        seconds = time.perf_counter() - start
        steps = ((ids != 0).sum(axis=1).clip(1).sum() if cfg.get("mask_padding")
                 else ids.size)
        gflops = 3 * lstm_flops_per_step(cfg["units"], 32) * steps / seconds / 1e9
        results[name] = {**cfg, "epoch_s": seconds, "samples_per_s": len(ids) / seconds,
                         "recurrent_gflops": gflops, "fraction_of_matmul_peak": gflops / peak}
        print(name, results[name], flush=True)
    write_json("bench_training", {"matmul_peak_gflops": peak, "configs": results})


if __name__ == "__main__":
    main()
