"""Preprocessing speed on the 25,000 IMDB reviews, against peers in one run.

Alternating rounds, every other one in reverse order (medians and minima,
wall time):
- ``IntegerSequencer`` ``fit(X).transform(X)``, ``fit_transform`` and
  ``transform`` alone against ``CountVectorizer`` (``fit_transform`` and
  ``transform``: it also tokenises and counts), and keras'
  ``TextVectorization`` adapt + call;
- ``Padder.fit_transform`` against ``keras.utils.pad_sequences``
  (maxlen 500) on the sequencer's output and on plain lists.

Also checks that the sequencer's fast ASCII tokeniser gives exactly the
regex's tokens on all 25,000 reviews.

Run: python benchmarks/bench_preprocessing.py [--rounds 3]
Writes benchmarks/results/bench_preprocessing.json; ratios > 1 mean skseq
is faster than the peer.
"""

import argparse
import re
import statistics
import time

import keras
import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from _common import write_json
from skseq import IntegerSequencer, Padder
from skseq.datasets import load_imdb


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    texts, _ = load_imdb(return_X_y=True)
    fitted = IntegerSequencer(num_words=5000).fit(texts)
    vectorizer = CountVectorizer(max_features=5000).fit(texts)
    sequences = fitted.transform(texts)
    seq_lists = [s.tolist() for s in sequences]
    regex = IntegerSequencer(num_words=5000,
                             tokenizer=re.compile(fitted.token_pattern).findall)
    exact = all(np.array_equal(a, b) for a, b in
                zip(regex.fit_transform(texts), IntegerSequencer(num_words=5000)
                    .fit_transform(texts), strict=True))

    def text_vectorization():
        layer = keras.layers.TextVectorization(max_tokens=5000)
        layer.adapt(texts, batch_size=1024)
        return layer(texts)

    variants = {
        "IntegerSequencer.fit+transform": lambda: IntegerSequencer(
            num_words=5000).fit(texts).transform(texts),
        "IntegerSequencer.fit_transform": lambda: IntegerSequencer(
            num_words=5000).fit_transform(texts),
        "CountVectorizer.fit_transform": lambda: CountVectorizer(
            max_features=5000).fit_transform(texts),
        "IntegerSequencer.transform": lambda: fitted.transform(texts),
        "CountVectorizer.transform": lambda: vectorizer.transform(texts),
        "TextVectorization.adapt+call": text_vectorization,
        "Padder.fit_transform(sequencer output)": lambda: Padder(
            maxlen=500).fit_transform(sequences),
        "keras.pad_sequences(sequencer output)": lambda: keras.utils.pad_sequences(
            sequences, maxlen=500),
        "Padder.fit_transform(lists)": lambda: Padder(maxlen=500).fit_transform(
            seq_lists),
        "keras.pad_sequences(lists)": lambda: keras.utils.pad_sequences(
            seq_lists, maxlen=500),
    }
    runs = {name: [] for name in variants}
    for func in variants.values():  # warm-up
        func()
    for round_ in range(args.rounds):
        # every other round in reverse, so that no variant always runs
        # right after the same one (NumPy work right after TensorFlow's
        # TextVectorization was seen to run slower)
        order = list(variants.items())
        for name, func in order if round_ % 2 == 0 else order[::-1]:
            start = time.perf_counter()
            func()
            runs[name].append(time.perf_counter() - start)
            print(f"{name:42s} {runs[name][-1]:8.3f} s", flush=True)
    med = {k: statistics.median(v) for k, v in runs.items()}
    low = {k: min(v) for k, v in runs.items()}

    def ratio(peer, ours):
        return {"median": med[peer] / med[ours], "min": low[peer] / low[ours]}

    write_json("bench_preprocessing", {
        "data": "IMDB, 25,000 raw reviews (skseq.datasets.load_imdb)",
        "n_documents": len(texts),
        "mean_tokens": float(np.mean([len(s) for s in sequences])),
        "rounds": args.rounds,
        "timings_s": {k: {"median": med[k], "min": low[k], "runs": runs[k]}
                      for k in variants},
        "ratios_peer_over_skseq": {
            "CountVectorizer.fit_transform / IntegerSequencer.fit+transform": ratio(
                "CountVectorizer.fit_transform", "IntegerSequencer.fit+transform"),
            "CountVectorizer.fit_transform / IntegerSequencer.fit_transform": ratio(
                "CountVectorizer.fit_transform", "IntegerSequencer.fit_transform"),
            "CountVectorizer.transform / IntegerSequencer.transform": ratio(
                "CountVectorizer.transform", "IntegerSequencer.transform"),
            "TextVectorization / IntegerSequencer.fit_transform": ratio(
                "TextVectorization.adapt+call", "IntegerSequencer.fit_transform"),
            "pad_sequences / Padder (sequencer output)": ratio(
                "keras.pad_sequences(sequencer output)",
                "Padder.fit_transform(sequencer output)"),
            "pad_sequences / Padder (lists)": ratio(
                "keras.pad_sequences(lists)", "Padder.fit_transform(lists)"),
        },
        "fast_tokenizer_equals_regex_on_all_reviews": bool(exact),
    })


if __name__ == "__main__":
    main()
