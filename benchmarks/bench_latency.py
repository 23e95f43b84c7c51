"""Prediction latency: one review through a fitted, reloaded pipeline.

Compares, after a warm-up, the median time of
- ``pipeline.predict_proba([review])`` on a pipeline reloaded with
  ``skseq.load`` (tokenise, pad, compiled model call), against
- ``model.predict(one_padded_row)`` on the same Keras model (Keras' own
  path, ~40 ms fixed cost per call), and
- batch throughput: reviews per second for 2,000 reviews both ways.

Run: python benchmarks/bench_latency.py [--repeat 50]
Writes benchmarks/results/bench_latency.json.
"""

import argparse
import os
import tempfile

import numpy as np

from _common import median_time, write_json
import skseq
from skseq._batching import left_align
from skseq.datasets import load_imdb
from skseq.experiments import DEFAULT_MODEL


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    X, y = load_imdb("train", return_X_y=True)
    X_test, _ = load_imdb("test", return_X_y=True)
    pipe = DEFAULT_MODEL.make_pipeline(epochs=1, random_state=0).fit(X[:3000], y[:3000])
    path = os.path.join(tempfile.mkdtemp(), "model.skseq")
    skseq.save(pipe, path)
    loaded = skseq.load(path)
    model = loaded[-1].model_
    review = X_test[0]
    row = loaded[:-1].transform([review])
    batch = X_test[:2000]
    ids = loaded[:-1].transform(batch)

    one_pipeline, _ = median_time(lambda: loaded.predict_proba([review]), repeat=args.repeat,
                                  warmup=3)
    one_keras, _ = median_time(lambda: model.predict(row, verbose=0), repeat=args.repeat,
                               warmup=3)
    batch_pipeline, _ = median_time(lambda: loaded.predict_proba(batch), repeat=3)
    batch_keras, _ = median_time(lambda: model.predict(ids, verbose=0), repeat=3)
    # the masked model reads left-aligned rows (padding last), as skseq feeds it
    aligned, _ = left_align(ids)
    same = np.allclose(loaded.predict_proba(batch)[:, 1],
                       model.predict(aligned, verbose=0)[:, 0], atol=1e-6)
    write_json("bench_latency", {
        "model": DEFAULT_MODEL.description,
        "one_review_pipeline_ms": 1000 * one_pipeline,
        "one_row_keras_predict_ms": 1000 * one_keras,
        "ratio_pipeline_over_keras_predict": one_pipeline / one_keras,
        "batch_2000_pipeline_reviews_per_s": len(batch) / batch_pipeline,
        "batch_2000_keras_predict_rows_per_s": len(batch) / batch_keras,
        "batch_includes_tokenisation_for_pipeline_only": True,
        "pipeline_equals_keras_predict_atol_1e-6": bool(same),
    })


if __name__ == "__main__":
    main()
