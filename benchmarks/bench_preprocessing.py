"""Preprocessing speed on the 25,000 IMDB reviews, against peers in one run.

- IntegerSequencer.fit_transform vs sklearn CountVectorizer.fit_transform and
  keras TextVectorization adapt + call (both tokenise and count, like ours).
- Padder.fit_transform vs keras.utils.pad_sequences (maxlen 500).

Run: python benchmarks/bench_preprocessing.py [--repeat 5]
Writes benchmarks/results/bench_preprocessing.json; ratios > 1 mean skseq
is faster than the peer.
"""

import argparse

import keras
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from _common import median_time, write_json
from skseq import IntegerSequencer, Padder
from skseq.datasets import load_imdb


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    texts, _ = load_imdb(return_X_y=True)
    sequences = IntegerSequencer(num_words=5000).fit_transform(texts)
    seq_lists = [s.tolist() for s in sequences]

    def text_vectorization():
        layer = keras.layers.TextVectorization(max_tokens=5000)
        layer.adapt(texts, batch_size=1024)
        return layer(texts)

    timings = {}
    for name, func in {
        "IntegerSequencer.fit_transform": lambda: IntegerSequencer(
            num_words=5000).fit_transform(texts),
        "CountVectorizer.fit_transform": lambda: CountVectorizer(
            max_features=5000).fit_transform(texts),
        "TextVectorization.adapt+call": text_vectorization,
        "Padder.fit_transform(arrays)": lambda: Padder(maxlen=500).fit_transform(
            sequences),
        "Padder.fit_transform(lists)": lambda: Padder(maxlen=500).fit_transform(
            seq_lists),
        "keras.pad_sequences(arrays)": lambda: keras.utils.pad_sequences(
            sequences, maxlen=500),
        "keras.pad_sequences(lists)": lambda: keras.utils.pad_sequences(
            seq_lists, maxlen=500),
    }.items():
        med, runs = median_time(func, repeat=args.repeat)
        timings[name] = {"median_s": med, "runs_s": runs}
        print(f"{name:35s} {med:8.3f} s")

    t = {k: v["median_s"] for k, v in timings.items()}
    ratios = {
        "CountVectorizer / IntegerSequencer": t["CountVectorizer.fit_transform"]
        / t["IntegerSequencer.fit_transform"],
        "TextVectorization / IntegerSequencer": t["TextVectorization.adapt+call"]
        / t["IntegerSequencer.fit_transform"],
        "pad_sequences / Padder (arrays)": t["keras.pad_sequences(arrays)"]
        / t["Padder.fit_transform(arrays)"],
        "pad_sequences / Padder (lists)": t["keras.pad_sequences(lists)"]
        / t["Padder.fit_transform(lists)"],
    }
    write_json("bench_preprocessing", {
        "data": "IMDB, 25,000 raw reviews (skseq.datasets.load_imdb)",
        "n_documents": len(texts),
        "mean_tokens": float(np.mean([len(s) for s in sequences])),
        "repeat": args.repeat,
        "timings": timings,
        "ratios_peer_over_skseq": ratios,
    })


if __name__ == "__main__":
    main()
