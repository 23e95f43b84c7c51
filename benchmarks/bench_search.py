"""GridSearchCV with n_jobs=1 vs n_jobs=2 on a 2-core machine.

Eight candidates (optimizer x layer type x dropout) x 3 folds on 3,000 IMDB
reviews, maxlen 200; every search uses the same seeded candidates, so their
scores must agree. Variants:
- ``n_jobs=1``;
- ``n_jobs=2`` as a user runs it: skseq sizes TensorFlow's pools in each
  worker to joblib's ``OMP_NUM_THREADS`` (cores // n_jobs);
- ``n_jobs=2`` oversubscribed, as skseq 0.1 ran it: TensorFlow pools of
  the machine's size in every worker (``TF_NUM_INTRAOP_THREADS`` /
  ``TF_NUM_INTEROP_THREADS`` set to the core count, which skseq respects).

``--small``: 4 candidates (optimizer x layer type) x 3 folds on 2,400
reviews, one epoch, ``n_jobs=1`` and ``n_jobs=2`` in alternating order over
2 rounds. Both report the machine's ceiling: the serial search's process
time over its wall time is how many cores it keeps busy, and ``n_jobs=2``
cannot beat the core count divided by that.

Run: python benchmarks/bench_search.py [--small]
Writes benchmarks/results/bench_search.json (bench_search_small_fits.json
with ``--small``).
"""

import argparse
import os
import statistics
import time

import numpy as np
from sklearn.model_selection import GridSearchCV, ParameterGrid
from sklearn.pipeline import Pipeline

from _common import write_json
from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_imdb
from skseq.metrics import SCORING

FULL = {"n_reviews": 3000, "maxlen": 200, "epochs": 2, "rounds": 1,
        "grid": {"classifier__optimizer": ["adam", "rmsprop"],
                 "classifier__layer_type": ["lstm", "gru"],
                 "classifier__dropout": [0.0, 0.2]}}
# small fits: a few thousand reviews, one epoch, where a fit's fixed cost
# (building, tracing, validation) is a large part of its time
SMALL = {"n_reviews": 2400, "maxlen": 200, "epochs": 1, "rounds": 2,
         "grid": {"classifier__optimizer": ["adam", "rmsprop"],
                  "classifier__layer_type": ["lstm", "gru"]}}


def search(n_jobs, X, y, workload):
    pipe = Pipeline([("sequencer", IntegerSequencer(num_words=2000)),
                     ("padder", Padder(maxlen=workload["maxlen"])),
                     ("classifier", LSTMSequenceClassifier(units=32, epochs=workload["epochs"],
                                                           batch_size=64, random_state=0))])
    start, cpu = time.perf_counter(), time.process_time()
    gs = GridSearchCV(pipe, workload["grid"], scoring=SCORING, refit=False, cv=3,
                      n_jobs=n_jobs)
    gs.fit(X, y)
    return (time.perf_counter() - start, time.process_time() - cpu,
            gs.cv_results_["mean_test_balanced_accuracy"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true",
                        help="4 candidates x 3 folds on 2,400 reviews, 1 epoch, 2 rounds")
    args = parser.parse_args()
    workload = SMALL if args.small else FULL
    X, y = load_imdb("train", return_X_y=True)
    X, y = X[:workload["n_reviews"]], y[:workload["n_reviews"]]
    runs = {"n_jobs_1": [], "n_jobs_2": []}
    scores = []
    for round_ in range(workload["rounds"]):
        order = (1, 2) if round_ % 2 == 0 else (2, 1)
        for n_jobs in order:
            wall, cpu, result = search(n_jobs, X, y, workload)
            runs[f"n_jobs_{n_jobs}"].append({"wall_s": wall, "process_s": cpu})
            scores.append(result)
            print(f"n_jobs={n_jobs}", wall, cpu, flush=True)
    serial = [run["wall_s"] for run in runs["n_jobs_1"]]
    parallel = [run["wall_s"] for run in runs["n_jobs_2"]]
    serial_s, parallel_s = statistics.median(serial), statistics.median(parallel)
    serial_cpu = statistics.median(run["process_s"] for run in runs["n_jobs_1"])
    cores = os.cpu_count()
    record = {
        "config": (f"{len(ParameterGrid(workload['grid']))} candidates x 3 folds, "
                   f"{workload['n_reviews']:,} IMDB reviews, maxlen {workload['maxlen']}, "
                   f"LSTM/GRU 32, {workload['epochs']} epoch(s), {workload['rounds']} "
                   "alternating round(s)"),
        "runs": runs,
        "n_jobs_1_s": serial_s,
        "n_jobs_1_process_time_s": serial_cpu,
        "n_jobs_2_s": parallel_s,
        "speedup_n_jobs_2": serial_s / parallel_s,
        "speedup_n_jobs_2_of_minima": min(serial) / min(parallel),
        "serial_cores_busy": serial_cpu / serial_s,
        # The serial search keeps process_time / wall cores busy; if n_jobs=2
        # did the same CPU work with every core busy throughout, it would
        # take serial CPU / cores: the speed-up this machine allows at most.
        "speedup_ceiling": cores * serial_s / serial_cpu,
        "scores_identical": bool(all(np.allclose(scores[0], other) for other in scores)),
    }
    if not args.small:
        os.environ["TF_NUM_INTRAOP_THREADS"] = os.environ["TF_NUM_INTEROP_THREADS"] = str(cores)
        oversubscribed_s, _, _ = search(2, X, y, workload)  # new workers inherit them
        print("n_jobs=2 oversubscribed", oversubscribed_s, flush=True)
        record["n_jobs_2_oversubscribed_s"] = oversubscribed_s
        record["speedup_n_jobs_2_oversubscribed"] = serial_s / oversubscribed_s
    write_json("bench_search_small_fits" if args.small else "bench_search", record)


if __name__ == "__main__":
    main()
