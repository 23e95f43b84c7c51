"""Explanations: occlusion token attributions against the naive loop.

The default pipeline (trained for one epoch on 3,000 reviews: speed does not
depend on quality) explains IMDB test reviews two ways, in alternating
rounds (medians and minima, wall and process time):
- ``token_attributions(pipe, reviews)``: all one-token-removed variants of
  all reviews in one batched ``predict_proba`` call, and
- the naive loop a user would write: one ``pipe.predict_proba`` per removed
  token (the review's token list without that token).
Both give the same scores (checked). Integrated gradients (32 steps) run
in the same rounds, for their rate and completeness gap. Reviews are
truncated to --tokens tokens before any runs, so the naive loop stays
affordable.

Run: python benchmarks/bench_explain.py [--rounds 3] [--reviews 20] [--tokens 100]
Writes benchmarks/results/bench_explain.json.
"""

import argparse
import statistics

import numpy as np

from _common import timed, write_json
from skseq.datasets import load_imdb
from skseq.experiments import DEFAULT_MODEL
from skseq.inspection import token_attributions


def naive(pipe, token_lists):
    scores = []
    for tokens in token_lists:
        full = pipe.predict_proba([tokens])[0]
        column = int(np.argmax(full))
        scores.append(np.array([
            full[column] - pipe.predict_proba([tokens[:i] + tokens[i + 1:]])[0, column]
            for i in range(len(tokens))]))
    return scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--reviews", type=int, default=20)
    parser.add_argument("--tokens", type=int, default=100)
    args = parser.parse_args()
    X, y = load_imdb("train", return_X_y=True)
    X_test, _ = load_imdb("test", return_X_y=True)
    pipe = DEFAULT_MODEL.make_pipeline(epochs=1, random_state=0).fit(X[:3000], y[:3000])
    tokenize = pipe[0]._make_tokenize()
    token_lists = [tokenize(review)[:args.tokens] for review in X_test[:args.reviews]]
    variants = {"token_attributions": lambda: [r.scores for r in
                                               token_attributions(pipe, token_lists)],
                "naive_loop": lambda: naive(pipe, token_lists),
                "integrated_gradients_32": lambda: token_attributions(
                    pipe, token_lists, method="integrated_gradients", steps=32)}
    for func in variants.values():  # warm-up (traces)
        func()
    wall = {k: [] for k in variants}
    cpu = {k: [] for k in variants}
    results = {}
    for _ in range(args.rounds):
        for name, func in variants.items():
            results[name], w, c = timed(func)
            wall[name].append(w)
            cpu[name].append(c)
    same = all(np.allclose(a, b, atol=1e-6) for a, b in
               zip(results["token_attributions"], results["naive_loop"], strict=True))
    med = {k: statistics.median(v) for k, v in wall.items()}
    write_json("bench_explain", {
        "model": DEFAULT_MODEL.description + " (1 epoch, 3,000 reviews)",
        "reviews": args.reviews, "tokens_per_review": [len(t) for t in token_lists],
        "rounds": args.rounds,
        "wall_s": {k: {"median": statistics.median(v), "min": min(v)} for k, v in wall.items()},
        "process_time_s": {k: {"median": statistics.median(v), "min": min(v)}
                           for k, v in cpu.items()},
        "reviews_per_s_median": {k: args.reviews / v for k, v in med.items()},
        "speedup_over_naive_median": med["naive_loop"] / med["token_attributions"],
        "speedup_over_naive_min": min(wall["naive_loop"]) / min(wall["token_attributions"]),
        "integrated_gradients_completeness_gap_max": max(
            abs(r.completeness_gap) for r in results["integrated_gradients_32"]),
        "same_scores_atol_1e-6": bool(same),
    })


if __name__ == "__main__":
    main()
