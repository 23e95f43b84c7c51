"""Resident memory over 30 consecutive fits in one process (as in a search).

Run: python benchmarks/bench_memory.py [--fits 30]
Writes benchmarks/results/bench_memory.json: RSS after each fit, growth from
fit 5 to the last (the first fits include one-time TensorFlow set-up).
"""

import argparse
import gc

import psutil

from _common import write_json
from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_rotten_tomatoes


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fits", type=int, default=30)
    args = parser.parse_args()
    X, y = load_rotten_tomatoes(return_X_y=True)
    ids = Padder(maxlen=40).fit_transform(IntegerSequencer(num_words=5000).fit_transform(X))
    process = psutil.Process()
    rss = []
    for i in range(args.fits):
        clf = LSTMSequenceClassifier(units=32, epochs=1, random_state=i % 2 or None)
        clf.fit(ids, y).predict_proba(ids[:100])
        del clf
        gc.collect()
        rss.append(process.memory_info().rss / 2**20)
        print(f"fit {i + 1}: RSS {rss[-1]:.0f} MiB", flush=True)
    write_json("bench_memory", {
        "fits": args.fits, "data": "Rotten Tomatoes, 8,530 sentences, maxlen 40",
        "rss_mib": rss,
        "growth_mib_fit5_to_last": rss[-1] - rss[4],
        "growth_mib_per_fit_after_fit5": (rss[-1] - rss[4]) / (args.fits - 5),
    })


if __name__ == "__main__":
    main()
