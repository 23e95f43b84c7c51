"""The HDF5 weights inside .skseq files: crafted and fuzzed members, legitimate loads.

Three parts, one record (``results/bench_weights_file.json``):

1. **Full-size crafted weights members** (the attacks of the weights-file
   issue, and variants), each loaded in a fresh process: outcome, reason,
   seconds of ``skseq.load``, the process's peak RSS (TensorFlow
   included; ``VmHWM``, which starts afresh at exec) and its RSS before the
   load, and whether a temporary file was
   left behind.
2. **Fuzzing the member**: mutated bytes (metadata and values) and structure
   (dtypes, shapes, layouts, filters, links, attributes, userblocks,
   truncation, trailing bytes): counts of refused, loaded with identical
   output, loaded with other output (only possible when weight values
   changed), and other outcomes (must be 0); worst time and RSS growth.
3. **Legitimate files**: load time of today's loader against the loader
   before the weights checks (commit ``--before``, imported from git as
   ``skseq_before`` in the same process), alternating over rounds, medians
   and minima, with probabilities compared bit for bit.

    python bench_weights_file.py [--cases 600] [--rounds 5] [--before 76bd706]
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import numpy as np  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from _common import import_before, rss_mib, write_json  # noqa: E402
from _crafted import (  # noqa: E402
    build_weights,
    mutate_weights,
    read_members,
    read_weights,
    replace_weights,
    rewrite_manifest,
    weights_tree,
)
from skseq import (  # noqa: E402
    IntegerSequencer,
    LSTMSequenceClassifier,
    Padder,
    UnsafeModelFileError,
    load,
    save,
)
from skseq._architectures import build_model  # noqa: E402
from skseq.datasets import load_rotten_tomatoes  # noqa: E402

_MiB = 1024**2
EMBEDDING = "layers/embedding/vars/0"

# Run by each full-size case in a fresh process: RSS before, load, peak RSS.
_CHILD = """
import json, os, sys, tempfile, time
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import skseq, skseq._classifier  # TensorFlow loaded before the baseline
def rss():
    with open("/proc/self/statm") as h:
        return int(h.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
def peak():  # VmHWM starts afresh at exec; ru_maxrss keeps the parent's
    with open("/proc/self/status") as h:
        line = next(x for x in h if x.startswith("VmHWM"))
    return int(line.split()[1]) / 1024
before_tmp = {d for d in os.listdir(tempfile.gettempdir()) if d.startswith("skseq-")}
base, start = rss(), time.perf_counter()
try:
    skseq.load(sys.argv[1])
    outcome, reason = "loaded", None
except skseq.UnsafeModelFileError as exc:
    outcome, reason = "refused", str(exc)[:200]
seconds = time.perf_counter() - start
left = {d for d in os.listdir(tempfile.gettempdir()) if d.startswith("skseq-")} - before_tmp
print(json.dumps({"outcome": outcome, "reason": reason, "seconds": seconds,
                  "rss_before_mib": base,
                  "peak_rss_mib": peak(),
                  "temporary_files_left": sorted(left)}))
"""


def in_fresh_process(path):
    out = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True,
                         text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _texts():
    X, y = load_rotten_tomatoes(return_X_y=True)
    idx = np.random.RandomState(0).permutation(len(X))[:400]
    return [X[i] for i in idx], y[idx]


def _pipeline(X, y, num_words, maxlen, **settings):
    return make_pipeline(IntegerSequencer(num_words=num_words),
                         Padder(maxlen=maxlen, padding="post"),
                         LSTMSequenceClassifier(epochs=1, random_state=0, **settings)
                         ).fit(X, y)


def full_size_attacks(small, tmp):
    """Each crafted member, small on disk, loaded in a fresh process."""
    groups, datasets = weights_tree(read_weights(small))
    shape = datasets[EMBEDDING].shape
    cases = {}

    def case(name, data=None, manifest=None):
        path = tmp / f"{name}.skseq"
        path.write_bytes(small.read_bytes())
        if manifest is not None:
            rewrite_manifest(path, manifest)
        if data is not None:
            replace_weights(path, data)
        cases[name] = {"file_bytes": path.stat().st_size, **in_fresh_process(path)}
        print(name, cases[name], flush=True)
        path.unlink()

    def declared(new_shape, **kwargs):
        return build_weights(groups, datasets, dataset_kwargs={
            EMBEDDING: {"shape": new_shape, "dtype": "<f4", **kwargs}})

    case("embedding_declares_3GiB_no_data", declared((3 * 2**30 // 4 // shape[1], shape[1])))

    def vocabulary(manifest, words=15_000_000):
        state = manifest["steps"][-1]["state"]
        state["vocab_size_"] = words
        state["architecture_"]["embedding_dim"] = 8
    case("manifest_vocabulary_15M_words", manifest=vocabulary)
    case("manifest_vocabulary_60M_words",
         manifest=lambda m: vocabulary(m, 60_000_000))
    big_chunk = (2**24 // shape[1], shape[1])  # one 64 MiB chunk of zeros, gzip
    case("embedding_one_64MiB_gzip_chunk", build_weights(
        groups, {**datasets, EMBEDDING: np.zeros(big_chunk, "<f4")},
        dataset_kwargs={EMBEDDING: {"chunks": big_chunk, "compression": "gzip"}}))
    case("userblock_1GiB", build_weights(groups, datasets, userblock_size=2**30))
    weights = read_weights(small)
    case("zeros_1.94GiB_after_the_file", weights + bytes(int(1.94 * 2**30)))
    sixteen = (2**32 // shape[1], shape[1])  # 16 GiB declared, chunked
    written = np.zeros((int(71.5 * _MiB) // 4 // shape[1], shape[1]), "<f4")

    def partly_written(handle):
        del handle[EMBEDDING]
        dset = handle.create_dataset(EMBEDDING, shape=sixteen, dtype="<f4",
                                     chunks=(len(written), shape[1]))
        dset[:len(written)] = written
    case("16GiB_declared_71.5MiB_stored", build_weights(groups, datasets,
                                                       edit=partly_written))
    for dtype in ("<f8", "<i8", "<f2", ">f4"):
        case(f"embedding_as_{dtype}", build_weights(
            groups, datasets, dataset_kwargs={EMBEDDING: {"dtype": dtype}}))
    case("embedding_as_S4", build_weights(groups, datasets, dataset_kwargs={
        EMBEDDING: {"shape": shape, "dtype": "S4"}}))
    # the worst refusal: a model just under the default bound, exactly
    # stored, with one NaN in its last weight value (found only after
    # all of it was inflated and checked)
    words = (2**28 - 2**24) // 20  # embedding (4) and unigram (1) floats per word
    def at_the_bound(manifest):
        manifest["steps"][-1]["state"]["vocab_size_"] = words
    huge = np.zeros((words, shape[1]), "<f4")
    huge[-1, -1] = np.nan
    path = tmp / "at_the_bound.skseq"
    path.write_bytes(small.read_bytes())
    rewrite_manifest(path, at_the_bound)
    unigrams = "layers/ngram_linear/vars/0"
    replace_weights(path, build_weights(groups, {
        **datasets, EMBEDDING: huge, unigrams: np.zeros((words, 1), "<f4")}))
    del huge
    cases["model_at_the_bound_one_nan"] = {"file_bytes": path.stat().st_size,
                                           **in_fresh_process(path)}
    print("model_at_the_bound_one_nan", cases["model_at_the_bound_one_nan"], flush=True)
    path.unlink()
    # the same with a large recurrent part instead of a large embedding: the
    # skeleton is built (bounded by max_weights_bytes) before the NaN is seen
    big = {"units": 1024, "n_layers": 3, "bidirectional": True}
    manifest = json.loads(read_members(small)["manifest.json"])
    state = manifest["steps"][-1]["state"]
    skeleton = build_model(vocab_size=state["vocab_size_"], n_outputs=1,
                           **{**state["architecture_"], **big})
    last = skeleton.weights[-3]
    values = np.array(last.numpy())
    values.flat[-1] = np.nan
    last.assign(values)
    skeleton.save_weights(tmp / "big.weights.h5")
    del skeleton, values
    path = tmp / "big_recurrent.skseq"
    path.write_bytes(small.read_bytes())
    rewrite_manifest(path, lambda m: m["steps"][-1]["state"]["architecture_"].update(big))
    replace_weights(path, (tmp / "big.weights.h5").read_bytes())
    (tmp / "big.weights.h5").unlink()
    cases["recurrent_model_at_the_bound_one_nan"] = {"file_bytes": path.stat().st_size,
                                                     **in_fresh_process(path)}
    print("recurrent_model_at_the_bound_one_nan",
          cases["recurrent_model_at_the_bound_one_nan"], flush=True)
    path.unlink()
    for value in ("nan", "inf"):
        bad = datasets[EMBEDDING].copy()
        bad[3, 1] = float(value)
        case(f"embedding_with_{value}", build_weights(groups, {**datasets, EMBEDDING: bad}))
    return cases


def fuzz(small, X, n_cases, rng):
    original, data = small.read_bytes(), read_weights(small)
    expected = load(small).predict_proba(X)
    counts = {"cases": 0, "refused": 0, "loaded_identical": 0,
              "loaded_other_weights": 0, "other": 0}
    worst = {"seconds": 0.0, "rss_growth_mib": 0.0}
    others = []
    path = small.with_name("fuzz.skseq")
    for case in range(n_cases):
        path.write_bytes(original)
        mutated, what = mutate_weights(data, rng)
        replace_weights(path, mutated)
        rss, start = rss_mib(), time.perf_counter()
        try:
            proba = load(path).predict_proba(X)
            if not np.isfinite(proba).all():
                raise AssertionError("non-finite probabilities")
            outcome = "loaded_identical" if np.array_equal(proba, expected) \
                else "loaded_other_weights"
        except UnsafeModelFileError:
            outcome = "refused"
        except Exception as exc:  # noqa: BLE001 - recorded, must stay 0
            outcome = "other"
            others.append(f"case {case} ({what}): {exc!r}"[:300])
        worst["seconds"] = max(worst["seconds"], time.perf_counter() - start)
        worst["rss_growth_mib"] = max(worst["rss_growth_mib"], rss_mib() - rss)
        counts["cases"] += 1
        counts[outcome] += 1
    return {**counts, "worst": worst, "other_cases": others}


def legitimate_loads(files, X, rounds, before):
    results = {}
    for name, path in files.items():
        now, then = [], []
        start = time.perf_counter()
        reference = before.load(path)
        first = {"before": time.perf_counter() - start}
        reference = reference.predict_proba(X)
        start = time.perf_counter()
        load(path)  # each loader's first call for an architecture also builds caches
        first["now"] = time.perf_counter() - start
        for _ in range(rounds):  # alternating
            for loader, times in ((load, now), (before.load, then)):
                wall, cpu = time.perf_counter(), time.process_time()
                loaded = loader(path)
                times.append((time.perf_counter() - wall, time.process_time() - cpu))
        identical = bool(np.array_equal(load(path).predict_proba(X), reference))
        med = {k: float(np.median([t[0] for t in v])) for k, v in
               (("now", now), ("before", then))}
        results[name] = {
            "file_mib": path.stat().st_size / _MiB,
            "load_seconds_median": med, "load_seconds_min": {
                "now": min(t[0] for t in now), "before": min(t[0] for t in then)},
            "load_cpu_seconds_median": {
                "now": float(np.median([t[1] for t in now])),
                "before": float(np.median([t[1] for t in then]))},
            "ratio_now_over_before_median": med["now"] / med["before"],
            "first_load_seconds": first,
            "probabilities_identical": identical,
        }
        print(name, results[name], flush=True)
        del loaded
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=600)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", default="76bd706")
    args = parser.parse_args()
    X, y = _texts()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        small = tmp / "small.skseq"
        save(_pipeline(X, y, 300, 20, units=4, embedding_dim=4, linear_ngrams=2,
                       ngram_buckets=256), small)
        attacks = full_size_attacks(small, tmp)
        fuzzed = fuzz(small, X[:40], args.cases, np.random.RandomState(0))
        print("fuzz", fuzzed, flush=True)
        files = {}
        for name, settings in {
            "main_job_model": dict(num_words=10000, maxlen=500, units=100,
                                   pooling="max_mean", linear_ngrams=2),
            "vocab_100k_dim_300": dict(num_words=None, maxlen=100, vocab_size=100_000,
                                       embedding_dim=300, units=32),
            "bidirectional_gru_attention_conv": dict(
                num_words=2000, maxlen=60, layer_type="gru", bidirectional=True,
                pooling="attention", conv_filters=16, units=16),
            "stacked_lstm_ngrams_1": dict(num_words=2000, maxlen=60, n_layers=2,
                                          units=16, linear_ngrams=1),
        }.items():
            num_words, maxlen = settings.pop("num_words"), settings.pop("maxlen")
            path = tmp / f"{name}.skseq"
            save(_pipeline(X, y, num_words, maxlen, **settings), path)
            files[name] = path
        legit = legitimate_loads(files, X[:200], args.rounds,
                                 import_before(args.before, tmp))
    write_json("bench_weights_file", {
        "command": "python bench_weights_file.py " + " ".join(sys.argv[1:]),
        "peak_rss_of_this_process_mib":
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "full_size_attacks": attacks,
        "worst_attack": {
            "peak_rss_mib": max(c["peak_rss_mib"] for c in attacks.values()),
            "seconds": max(c["seconds"] for c in attacks.values()),
            "all_refused": all(c["outcome"] == "refused" for c in attacks.values()),
            "temporary_files_left": sum(len(c["temporary_files_left"])
                                        for c in attacks.values())},
        "fuzz": fuzzed,
        "legitimate_loads": legit,
    })


if __name__ == "__main__":
    main()
