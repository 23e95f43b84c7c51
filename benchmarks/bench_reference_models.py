"""Spread over random seeds of skseq's reference-model reproductions.

A single 3- or 10-epoch run of these small LSTMs varies by several accuracy
points with the seed (the R book's rmsprop model most). This trains the
chosen reference models with several ``random_state`` values on the protocol
split and reports test accuracy, specificity and sensitivity per seed, with
mean and range, so a single plain-Keras run can be placed within skseq's
spread.

Run: python benchmarks/bench_reference_models.py [--models R1 R2] [--seeds 0 1 2]
Writes benchmarks/results/bench_reference_models.json.
"""

import argparse

import numpy as np

from _common import write_json
from skseq.datasets import load_imdb
from skseq.experiments import REFERENCE_MODELS
from skseq.metrics import evaluation_report


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=["R1", "R2", "R3", "R4"])
    parser.add_argument("--seeds", nargs="*", type=int, default=[0, 1, 2])
    args = parser.parse_args()
    X_train, y_train = load_imdb("train", return_X_y=True)
    X_test, y_test = load_imdb("test", return_X_y=True)
    results = {}
    for key in args.models:
        runs = []
        for seed in args.seeds:
            pipe = REFERENCE_MODELS[key].make_pipeline(random_state=seed).fit(X_train, y_train)
            row = evaluation_report([pipe], {"test": (X_test, y_test)})[0]
            runs.append({"random_state": seed, "accuracy": float(row["accuracy"]),
                         "specificity": float(row["specificity"]),
                         "sensitivity": float(row["sensitivity"])})
            print(key, runs[-1], flush=True)
        acc = [r["accuracy"] for r in runs]
        results[key] = {"runs": runs, "mean_accuracy": float(np.mean(acc)),
                        "min_accuracy": float(min(acc)), "max_accuracy": float(max(acc))}
    write_json("bench_reference_models", {"protocol": "load_imdb train/test 12,500/12,500",
                               "results": results})


if __name__ == "__main__":
    main()
