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

Run: python benchmarks/bench_search.py
Writes benchmarks/results/bench_search.json.
"""

import os
import time

import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from _common import write_json
from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_imdb
from skseq.metrics import SCORING


def search(n_jobs, X, y):
    pipe = Pipeline([("sequencer", IntegerSequencer(num_words=2000)),
                     ("padder", Padder(maxlen=200)),
                     ("classifier", LSTMSequenceClassifier(units=32, epochs=2,
                                                           batch_size=64, random_state=0))])
    grid = {"classifier__optimizer": ["adam", "rmsprop"],
            "classifier__layer_type": ["lstm", "gru"],
            "classifier__dropout": [0.0, 0.2]}
    start, cpu = time.perf_counter(), time.process_time()
    gs = GridSearchCV(pipe, grid, scoring=SCORING, refit=False, cv=3, n_jobs=n_jobs)
    gs.fit(X, y)
    return (time.perf_counter() - start, time.process_time() - cpu,
            gs.cv_results_["mean_test_balanced_accuracy"])


def main():
    X, y = load_imdb("train", return_X_y=True)
    X, y = X[:3000], y[:3000]
    serial_s, serial_cpu, serial_scores = search(1, X, y)
    print("n_jobs=1", serial_s, flush=True)
    parallel_s, _, parallel_scores = search(2, X, y)
    print("n_jobs=2", parallel_s, flush=True)
    cores = str(os.cpu_count())
    os.environ["TF_NUM_INTRAOP_THREADS"] = os.environ["TF_NUM_INTEROP_THREADS"] = cores
    oversubscribed_s, _, _ = search(2, X, y)  # new workers inherit the variables
    print("n_jobs=2 oversubscribed", oversubscribed_s, flush=True)
    write_json("bench_search", {
        "config": "8 candidates x 3 folds, 3,000 IMDB reviews, maxlen 200, LSTM/GRU 32, 2 epochs",
        "n_jobs_1_s": serial_s, "n_jobs_1_process_time_s": serial_cpu,
        "n_jobs_2_s": parallel_s,
        "n_jobs_2_oversubscribed_s": oversubscribed_s,
        "speedup_n_jobs_2": serial_s / parallel_s,
        "speedup_n_jobs_2_oversubscribed": serial_s / oversubscribed_s,
        "scores_identical": bool(np.allclose(serial_scores, parallel_scores)),
    })


if __name__ == "__main__":
    main()
