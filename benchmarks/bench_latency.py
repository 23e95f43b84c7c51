"""Prediction latency: one review (or sentence) through a fitted, reloaded pipeline.

Two workloads: ``reviews`` (the default pipeline fitted for one epoch on
3,000 IMDB reviews, one test review; batches of 2,000 reviews) and
``sentences`` (the same settings with maxlen 60 fitted on 3,000 Rotten
Tomatoes sentences, one other sentence; batches of 2,000 sentences). Each
compares, in alternating rounds after a warm-up (medians and minima, wall
and process time):
- ``pipeline.predict_proba([review])`` on a pipeline reloaded with
  ``skseq.load`` (tokenise, pad, compiled model call on a 16-row chunk),
- the same with 64-row chunks only (skseq 0.1's path, forced),
- ``model.predict(one_padded_row)`` on the same Keras model (Keras' own
  path, ~40 ms fixed cost per call), and
- batch throughput: reviews per second for 2,000 reviews, all three ways.

Run: python benchmarks/bench_latency.py [--rounds 5] [--repeat 20]
Writes benchmarks/results/bench_latency.json.
"""

import argparse
import os
import statistics
import tempfile
import time

import numpy as np

import skseq
from _common import write_json
from skseq._batching import left_align
from skseq.datasets import load_imdb, load_rotten_tomatoes
from skseq.experiments import DEFAULT_MODEL


def timed(func, repeat):
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        func()
        wall.append(time.perf_counter() - w)
        cpu.append(time.process_time() - c)
    return wall, cpu


def summary(samples):
    return {"median_ms": 1000 * statistics.median(samples), "min_ms": 1000 * min(samples)}


def workloads():
    X, y = load_imdb("train", return_X_y=True)
    X_test, _ = load_imdb("test", return_X_y=True)
    pipe = DEFAULT_MODEL.make_pipeline(epochs=1, random_state=0).fit(X[:3000], y[:3000])
    yield "reviews", pipe, X_test[0], X_test[:2000]
    S, t = load_rotten_tomatoes(return_X_y=True)
    order = np.random.RandomState(0).permutation(len(S))
    pipe = DEFAULT_MODEL.make_pipeline(epochs=1, random_state=0)
    pipe.set_params(padder__maxlen=60)
    pipe.fit([S[i] for i in order[:3000]], t[order[:3000]])
    yield "sentences", pipe, S[order[3000]], [S[i] for i in order[3001:5001]]


def measure(pipe, review, batch, args):
    path = os.path.join(tempfile.mkdtemp(), "model.skseq")
    skseq.save(pipe, path)
    loaded = skseq.load(path)
    clf = loaded[-1]
    model = clf.model_
    small_chunks = clf._predict_fn.small_chunks
    row = loaded[:-1].transform([review])
    ids = loaded[:-1].transform(batch)

    def set_small(flag):
        clf._predict_fn.small_chunks = flag and small_chunks

    variants = {
        "pipeline": (lambda: (set_small(True), loaded.predict_proba([review])),
                     lambda: (set_small(True), loaded.predict_proba(batch))),
        "pipeline_64_row_chunks_only": (
            lambda: (set_small(False), loaded.predict_proba([review])),
            lambda: (set_small(False), loaded.predict_proba(batch))),
        "keras_predict": (lambda: model.predict(row, verbose=0),
                          lambda: model.predict(ids, verbose=0)),
    }
    one = {k: ([], []) for k in variants}
    many = {k: ([], []) for k in variants}
    for one_review, whole_batch in variants.values():  # warm-up (traces)
        for _ in range(3):
            one_review()
        whole_batch()
    for _ in range(args.rounds):
        for name, (one_review, whole_batch) in variants.items():
            wall, cpu = timed(one_review, args.repeat)
            one[name][0].extend(wall)
            one[name][1].extend(cpu)
            wall, cpu = timed(whole_batch, 1)
            many[name][0].extend(wall)
            many[name][1].extend(cpu)
    set_small(True)
    # the masked model reads left-aligned rows (padding last), as skseq feeds it
    aligned, _ = left_align(ids)
    same = np.allclose(loaded.predict_proba(batch)[:, 1],
                       model.predict(aligned, verbose=0)[:, 0], atol=1e-6)
    singles = np.vstack([loaded.predict_proba(batch[i:i + 1]) for i in range(0, 2000, 97)])
    one_med = {k: statistics.median(v[0]) for k, v in one.items()}
    return {
        "review_tokens": int((row != 0).sum()),
        "small_chunks_used": bool(small_chunks),
        "one_review_wall": {k: summary(v[0]) for k, v in one.items()},
        "one_review_process_time": {k: summary(v[1]) for k, v in one.items()},
        "ratio_pipeline_over_keras_predict_median": one_med["pipeline"] / one_med["keras_predict"],
        "ratio_pipeline_over_keras_predict_min":
            min(one["pipeline"][0]) / min(one["keras_predict"][0]),
        "ratio_pipeline_over_64_row_chunks_median":
            one_med["pipeline"] / one_med["pipeline_64_row_chunks_only"],
        "batch_2000_reviews_per_s_median": {
            k: len(batch) / statistics.median(v[0]) for k, v in many.items()},
        "batch_2000_reviews_per_s_best": {k: len(batch) / min(v[0]) for k, v in many.items()},
        "batch_includes_tokenisation_for_pipeline_only": True,
        "pipeline_equals_keras_predict_atol_1e-6": bool(same),
        "single_rows_bit_identical_to_batch": bool(np.array_equal(
            singles, loaded.predict_proba(batch)[0:2000:97])),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    record = {name: measure(pipe, text, batch, args)
              for name, pipe, text, batch in workloads()}
    write_json("bench_latency", {"model": DEFAULT_MODEL.description,
                                 "rounds": args.rounds, "repeat_per_round": args.repeat,
                                 **record})




if __name__ == "__main__":
    main()
