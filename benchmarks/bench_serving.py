"""Serving: the exported SavedModel against the pipeline it came from.

Exactness: pipelines of many architectures (the default pipeline, every
layer type, bidirectional, stacked, conv, every pooling, the n-gram head of
orders 1-5, unmasked, multi-class, the character analyzer, a regressor),
each fitted for one epoch on the first 2,000 reviews of the IMDB protocol
training split, exported with ``skseq.export_saved_model`` and loaded back
with ``tf.saved_model.load``; the largest absolute difference between the
SavedModel's outputs and ``pipeline.predict_proba`` (``predict``) on all
12,500 protocol test reviews and on hostile texts (the export check texts
and 2,000 random strings of characters where Python's and TensorFlow's
text rules differ), and how many rows differ at all.

Speed and size (the default pipeline): reviews per second at batch 1 (100
reviews, one call each) and batch 256 (2,560 reviews), the SavedModel's
``serving_default`` against ``pipeline.predict_proba`` in the same process,
alternating over rounds after a warm-up (medians and minima, wall and
process time); the SavedModel's size on disk (and zipped, as one would ship
it) against the ``.skseq`` file (a deflated zip).

Run: python benchmarks/bench_serving.py [--rounds 5] [--train 2000]
Writes benchmarks/results/bench_serving.json.
"""

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import skseq
import skseq.serving
from _common import write_json
from skseq.datasets import load_imdb
from skseq.experiments import DEFAULT_MODEL

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))
from test_serving import _ALPHABET, fuzz_texts  # noqa: E402

ARCHITECTURES = {
    "default pipeline": {},
    "seed model (LSTM, last step)": dict(conv_filters=0, pooling="last",
                                         linear_ngrams=0),
    "gru": dict(layer_type="gru"),
    "simple_rnn": dict(layer_type="simple_rnn", conv_filters=0),
    "bidirectional": dict(bidirectional=True),
    "stacked (2 layers)": dict(n_layers=2),
    "max pooling": dict(pooling="max"),
    "mean pooling": dict(pooling="mean"),
    "max_mean pooling": dict(pooling="max_mean"),
    "attention pooling": dict(pooling="attention"),
    "unigram head": dict(linear_ngrams=1),
    "trigram head": dict(linear_ngrams=3),
    "unmasked, pre padding": dict(mask_padding=False),
    "recurrent dropout": dict(recurrent_dropout=0.2, conv_filters=0),
}


def tree_bytes(path):
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def exactness(name, pipe, folder, X_test, hostile, y_kind):
    import tensorflow as tf

    out = Path(folder) / name.replace(" ", "_").replace(",", "")
    start = time.perf_counter()
    skseq.export_saved_model(pipe, out)
    export_s = time.perf_counter() - start
    serve = tf.saved_model.load(str(out)).signatures["serving_default"]
    key = "predictions" if y_kind == "regression" else "probabilities"
    record = {"export_s": export_s}
    for subset, texts in (("test reviews", X_test), ("hostile texts", hostile)):
        served = np.concatenate([serve(texts=tf.constant(texts[i:i + 256]))[key].numpy()
                                 for i in range(0, len(texts), 256)])
        expected = pipe.predict(texts) if y_kind == "regression" \
            else pipe.predict_proba(texts)
        diff = np.abs(served - expected).reshape(len(texts), -1).max(axis=1)
        record[subset] = {"rows": len(texts), "max_abs_difference": float(diff.max()),
                          "rows_differing": int((diff > 0).sum())}
    print(f"{name}: {record}", flush=True)
    return record


def throughput(pipe, serve, texts, batch, rounds):
    import tensorflow as tf

    def run_pipeline():
        for i in range(0, len(texts), batch):
            pipe.predict_proba(texts[i:i + batch])

    def run_served():
        for i in range(0, len(texts), batch):
            serve(texts=tf.constant(texts[i:i + batch]))

    run_pipeline(), run_served()  # warm-up: every width traced
    samples = {"pipeline": [], "served": []}
    for r in range(rounds):
        order = [("pipeline", run_pipeline), ("served", run_served)]
        for name, fn in order if r % 2 == 0 else order[::-1]:
            wall, cpu = time.perf_counter(), time.process_time()
            fn()
            samples[name].append((time.perf_counter() - wall, time.process_time() - cpu))
    result = {}
    for name, runs in samples.items():
        walls = [w for w, _ in runs]
        result[name] = {
            "reviews_per_s_median": len(texts) / statistics.median(walls),
            "reviews_per_s_max": len(texts) / min(walls),
            "wall_s": walls, "process_s": [c for _, c in runs]}
    result["served_over_pipeline_median"] = (result["served"]["reviews_per_s_median"]
                                             / result["pipeline"]["reviews_per_s_median"])
    result["served_over_pipeline_best"] = (result["served"]["reviews_per_s_max"]
                                           / result["pipeline"]["reviews_per_s_max"])
    print(f"batch {batch}: served/pipeline {result['served_over_pipeline_median']:.2f} "
          f"(best {result['served_over_pipeline_best']:.2f})", flush=True)
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--train", type=int, default=2000)
    args = parser.parse_args()
    import tensorflow as tf

    X, y = load_imdb("train", return_X_y=True)
    X_test, _ = load_imdb("test", return_X_y=True)
    X, y = X[:args.train], y[:args.train]
    rng = random.Random(0)
    hostile = list(skseq.serving.CHECK_TEXTS) + fuzz_texts(2000, seed=3) + [
        "".join(rng.choice(_ALPHABET) for _ in range(3000)) for _ in range(20)]
    results, started = {}, time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        for name, params in ARCHITECTURES.items():
            pipe = DEFAULT_MODEL.make_pipeline(epochs=1, random_state=0)
            pipe.set_params(**{f"classifier__{k}": v
                               for k, v in params.items()})
            pipe.fit(X, y)
            results[name] = exactness(name, pipe, folder, X_test, hostile, "proba")
            if name == "default pipeline":
                default = pipe
        extra = {
            "multi-class (3 rating bands)": (
                DEFAULT_MODEL.make_pipeline(epochs=1, random_state=0),
                np.array(["low", "mid", "high"])[np.arange(len(X)) % 3], "proba"),
            "characters (analyzer='char', 5-gram head)": (
                DEFAULT_MODEL.make_pipeline(epochs=1, random_state=0).set_params(
                    sequencer__analyzer="char", padder__maxlen=1000,
                    classifier__linear_ngrams=5), y, "proba"),
            "regressor (review length in words)": (
                skseq_regressor_pipeline(), np.array([len(t.split()) for t in X], float),
                "regression"),
        }
        for name, (pipe, target, kind) in extra.items():
            pipe.fit(X, target)
            results[name] = exactness(name, pipe, folder, X_test, hostile, kind)
        model_file = Path(folder) / "default.skseq"
        skseq.save(default, model_file)
        skseq.export_saved_model(default, Path(folder) / "default_served")
        serve = tf.saved_model.load(str(Path(folder) / "default_served")) \
            .signatures["serving_default"]
        sizes = {"skseq_file_bytes": model_file.stat().st_size,
                 "saved_model_bytes": tree_bytes(Path(folder) / "default_served")}
        # the .skseq file is a deflated zip; the SavedModel as one would ship it
        archive = shutil.make_archive(str(Path(folder) / "served"), "zip",
                                      Path(folder) / "default_served")
        sizes["saved_model_zip_bytes"] = Path(archive).stat().st_size
        for key in ("saved_model_bytes", "saved_model_zip_bytes"):
            sizes[key.replace("bytes", "over_skseq")] = sizes[key] / sizes[
                "skseq_file_bytes"]
        speed = {"batch 1": throughput(default, serve, X_test[:100], 1, args.rounds),
                 "batch 256": throughput(default, serve, X_test[:2560], 256,
                                         args.rounds)}
    worst = max(r[s]["max_abs_difference"] for r in results.values()
                for s in ("test reviews", "hostile texts"))
    write_json("bench_serving", {
        "train_reviews": len(X), "rounds": args.rounds,
        "exactness": results, "max_abs_difference_overall": worst,
        "size": sizes, "throughput": speed,
        "total_time_s": time.perf_counter() - started})


def skseq_regressor_pipeline():
    from sklearn.pipeline import make_pipeline

    return make_pipeline(skseq.IntegerSequencer(), skseq.Padder(),
                         skseq.LSTMSequenceRegressor(epochs=1, random_state=0))


if __name__ == "__main__":
    main()
