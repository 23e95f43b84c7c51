"""Explanations: occlusion and integrated gradients against the naive loop and the last release.

Two workloads, each with the default pipeline's architecture trained for
one epoch (speed does not depend on quality):
- ``reviews``: 20 IMDB test reviews truncated to 100 tokens (model fitted
  on 3,000 training reviews, maxlen 500);
- ``sentences``: 20 Rotten Tomatoes sentences (model fitted on 3,000 other
  sentences, maxlen 60).

Variants, in alternating rounds after a warm-up (medians and minima, wall
and process time):
- ``occlusion``: ``token_attributions(pipe, texts)``, all one-token-removed
  variants of all texts in one batched ``predict_proba`` call;
- ``naive_loop``: what a user would write, one ``pipe.predict_proba`` per
  removed token (same scores, checked);
- ``integrated_gradients_32``: ``method="integrated_gradients", steps=32``;
- ``integrated_gradients_32_before``: the implementation of git revision
  ``--before`` (imported from git in the same process, fed the same
  token rows), for the speed-up of this change; scores compared.

Run: python benchmarks/bench_explain.py [--rounds 3] [--texts 20] [--before 76bd706]
Writes benchmarks/results/bench_explain.json.
"""

import argparse
import importlib
import statistics
import tempfile

import numpy as np

from _common import import_before, timed, write_json
from skseq.datasets import load_imdb, load_rotten_tomatoes
from skseq.experiments import DEFAULT_MODEL
from skseq.inspection import _token_rows, token_attributions


def naive(pipe, token_lists):
    scores = []
    for tokens in token_lists:
        full = pipe.predict_proba([tokens])[0]
        column = int(np.argmax(full))
        scores.append(np.array([
            full[column] - pipe.predict_proba([tokens[:i] + tokens[i + 1:]])[0, column]
            for i in range(len(tokens))]))
    return scores


def workloads(n_texts):
    X, y = load_imdb("train", return_X_y=True)
    X_test, _ = load_imdb("test", return_X_y=True)
    reviews = DEFAULT_MODEL.make_pipeline(epochs=1, random_state=0).fit(X[:3000], y[:3000])
    tokenize = reviews[0]._make_tokenize()
    yield "reviews", reviews, [tokenize(r)[:100] for r in X_test[:n_texts]]
    S, t = load_rotten_tomatoes(return_X_y=True)
    order = np.random.RandomState(0).permutation(len(S))
    train, test = order[:3000], order[3000:3000 + n_texts]
    sentences = DEFAULT_MODEL.make_pipeline(epochs=1, random_state=0)
    sentences.set_params(padder__maxlen=60)
    sentences.fit([S[i] for i in train], t[train])
    tokenize = sentences[0]._make_tokenize()
    yield "sentences", sentences, [tokenize(S[i]) for i in test]


def measure(name, pipe, token_lists, rounds, before):
    clf, rows = _token_rows(pipe, token_lists)
    variants = {
        "occlusion": lambda: [r.scores for r in token_attributions(pipe, token_lists)],
        "naive_loop": lambda: naive(pipe, token_lists),
        "integrated_gradients_32": lambda: token_attributions(
            pipe, token_lists, method="integrated_gradients", steps=32),
        "integrated_gradients_32_before": lambda: before(clf, rows, None, 32),
    }
    for func in variants.values():  # warm-up (traces)
        func()
    wall = {k: [] for k in variants}
    cpu = {k: [] for k in variants}
    results = {}
    for _ in range(rounds):
        for key, func in variants.items():
            results[key], w, c = timed(func)
            wall[key].append(w)
            cpu[key].append(c)
    med = {k: statistics.median(v) for k, v in wall.items()}
    low = {k: min(v) for k, v in wall.items()}
    now, then = results["integrated_gradients_32"], results["integrated_gradients_32_before"]
    return {
        "texts": len(token_lists), "tokens_per_text": [len(t) for t in token_lists],
        "wall_s": {k: {"median": med[k], "min": low[k]} for k in variants},
        "process_time_s": {k: {"median": statistics.median(v), "min": min(v)}
                           for k, v in cpu.items()},
        "texts_per_s_median": {k: len(token_lists) / v for k, v in med.items()},
        "occlusion_over_naive": {"median": med["naive_loop"] / med["occlusion"],
                                 "min": low["naive_loop"] / low["occlusion"]},
        "ig_speedup_over_before": {
            "median": med["integrated_gradients_32_before"] / med["integrated_gradients_32"],
            "min": low["integrated_gradients_32_before"] / low["integrated_gradients_32"]},
        "ig_time_over_occlusion": {
            "median": med["integrated_gradients_32"] / med["occlusion"],
            "min": low["integrated_gradients_32"] / low["occlusion"]},
        "ig_completeness_gap_max": max(abs(r.completeness_gap) for r in now),
        "ig_max_abs_difference_to_before": max(
            float(np.max(np.abs(a.scores - b.scores))) for a, b in zip(now, then,
                                                                        strict=True)),
        "occlusion_same_as_naive_atol_1e-6": bool(all(
            np.allclose(a, b, atol=1e-6) for a, b in
            zip(results["occlusion"], results["naive_loop"], strict=True))),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--texts", type=int, default=20)
    parser.add_argument("--before", default="76bd706")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        import_before(args.before, tmp)
        before = importlib.import_module("skseq_before.inspection")._integrated_gradients
        record = {}
        for name, pipe, token_lists in workloads(args.texts):
            record[name] = measure(name, pipe, token_lists, args.rounds, before)
            print(name, record[name], flush=True)
    write_json("bench_explain", {
        "model": DEFAULT_MODEL.description + " (1 epoch, 3,000 texts)",
        "command": "python bench_explain.py",
        "rounds": args.rounds, "before": args.before, **record,
    })


if __name__ == "__main__":
    main()
