"""Crafted and fuzzed .skseq files: outcome, time and memory of every load.

Runs the full-size attacks of the untrusted-files issue (a 64 KB file whose
inner config.json inflates to 4 GiB, 200 MiB asset members, a 1 GiB
whitespace-padded manifest) and many more fuzz cases than the test suite
(mutated manifest values, mutated inner Keras configurations, byte flips of
the archive and of the inner zip). Every case must end in a load that
predicts or in UnsafeModelFileError; the record gives the counts and the
largest time and memory any single load took.

    python bench_untrusted.py [--cases 600]
"""

import argparse
import io
import json
import os
import resource
import sys
import tempfile
import time
import tracemalloc
import zipfile
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

import numpy as np  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from _common import rss_mib, write_json  # noqa: E402
from _crafted import (  # noqa: E402
    flip_bytes,
    mutate_json,
    read_members,
    rewrite_keras_config,
    rewrite_manifest,
    write_members,
)
from skseq import (  # noqa: E402
    IntegerSequencer,
    LSTMSequenceClassifier,
    Padder,
    UnsafeModelFileError,
    load,
    save,
)
from skseq.datasets import load_rotten_tomatoes  # noqa: E402

_MiB = 1024**2


def measure(path, X):
    """Load one file; return outcome, seconds, Python peak and RSS growth (MiB)."""
    rss = rss_mib()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        loaded = load(path)
        if hasattr(loaded, "predict_proba"):
            proba = loaded.predict_proba(X)
            assert np.isfinite(proba).all()
        outcome = "loaded"
    except UnsafeModelFileError as exc:
        outcome = "refused"
        reason = str(exc)
    else:
        reason = None
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / _MiB
    tracemalloc.stop()
    return {"outcome": outcome, "reason": reason and reason[:160], "seconds": seconds,
            "python_peak_mib": peak, "rss_growth_mib": max(rss_mib() - rss, 0.0)}


def _streamed_member(path, name, size, chunk=b" " * _MiB):
    """Add ``name`` with ``size`` bytes of spaces, compressed as it streams."""
    with zipfile.ZipFile(path, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open(name, "w", force_zip64=True) as member:
            for _ in range(size // len(chunk)):
                member.write(chunk)


def full_size_attacks(original, tmp, X):
    cases = {}
    members = read_members(original)
    # 1. inner config.json inflating to 4 GiB
    inner_path = tmp / "inner.keras"
    with zipfile.ZipFile(io.BytesIO(members["model.keras"])) as inner, \
            zipfile.ZipFile(inner_path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        out.writestr("model.weights.h5", inner.read("model.weights.h5"))
    _streamed_member(inner_path, "config.json", 4 * 1024 * _MiB)
    bomb = tmp / "config_bomb.skseq"
    write_members(bomb, {**members, "model.keras": inner_path.read_bytes()})
    cases["inner_config_4GiB"] = {"file_bytes": bomb.stat().st_size, **measure(bomb, X)}
    # 1b. five 200 MiB asset members in the inner archive
    with zipfile.ZipFile(io.BytesIO(members["model.keras"])) as inner, \
            zipfile.ZipFile(inner_path, "w", compression=zipfile.ZIP_DEFLATED) as out:
        for name in inner.namelist():
            out.writestr(name, inner.read(name))
    for i in range(5):
        _streamed_member(inner_path, f"assets/blob{i}", 200 * _MiB)
    assets = tmp / "assets.skseq"
    write_members(assets, {**members, "model.keras": inner_path.read_bytes()})
    cases["inner_assets_5x200MiB"] = {"file_bytes": assets.stat().st_size,
                                      **measure(assets, X)}
    # 5. a 1 GiB whitespace-padded manifest
    padded = tmp / "padded.skseq"
    write_members(padded, {k: v for k, v in members.items() if k != "manifest.json"},
                  checksums=False)
    _streamed_member(padded, "manifest.json", 1024 * _MiB)
    cases["manifest_1GiB_whitespace"] = {"file_bytes": padded.stat().st_size,
                                         **measure(padded, X)}
    return cases


def fuzz(original, tmp, X, n_cases, rng):
    members = read_members(original)
    manifest = json.loads(members["manifest.json"])
    with zipfile.ZipFile(io.BytesIO(members["model.keras"])) as inner:
        config = json.loads(inner.read("config.json"))
    data = original.read_bytes()
    results = {"manifest": [], "keras_config": [], "archive_bytes": [],
               "inner_zip_bytes": []}
    path = tmp / "case.skseq"
    for case in range(n_cases):
        kind = list(results)[case % 4]
        path.write_bytes(data)
        if kind == "manifest":
            mutated, _ = mutate_json(manifest, rng)
            rewrite_manifest(path, lambda m, mutated=mutated: mutated)
        elif kind == "keras_config":
            mutated, _ = mutate_json(config, rng)
            rewrite_keras_config(path, lambda c, mutated=mutated: (c.clear(),
                                                                   c.update(mutated)))
        elif kind == "archive_bytes":
            path.write_bytes(flip_bytes(data, rng))
        else:
            inner = members["model.keras"]
            cut = rng.randint(len(inner))
            write_members(path, {**members, "model.keras": inner[:cut] + flip_bytes(
                inner[cut:cut + 64], rng) + inner[cut + 64:]})
        results[kind].append(measure(path, X))
    return results


def summary(cases):
    return {
        "cases": len(cases),
        "refused": sum(c["outcome"] == "refused" for c in cases),
        "loaded": sum(c["outcome"] == "loaded" for c in cases),
        "max_seconds": max(c["seconds"] for c in cases),
        "max_python_peak_mib": max(c["python_peak_mib"] for c in cases),
        "max_rss_growth_mib": max(c["rss_growth_mib"] for c in cases),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=600)
    args = parser.parse_args()
    X, y = load_rotten_tomatoes(return_X_y=True)
    idx = np.random.RandomState(0).permutation(len(X))[:300]  # both classes
    X, y = [X[i] for i in idx], y[idx]
    pipe = make_pipeline(IntegerSequencer(num_words=300), Padder(maxlen=20),
                         LSTMSequenceClassifier(units=4, embedding_dim=4, epochs=1,
                                                random_state=0)).fit(X, y)
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        original = tmp / "original.skseq"
        save(pipe, original)
        attacks = full_size_attacks(original, tmp, X[:20])
        fuzzed = fuzz(original, tmp, X[:20], args.cases, np.random.RandomState(0))
    every = [c for cases in fuzzed.values() for c in cases] + list(attacks.values())
    write_json("bench_untrusted", {
        "full_size_attacks": attacks,
        "fuzz": {kind: summary(cases) for kind, cases in fuzzed.items()},
        "all_cases": summary(every),
        "max_rss_mib_of_process": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "contract": "every case loads and predicts, or raises UnsafeModelFileError",
    })


if __name__ == "__main__":
    main()
