"""Numeric sequences: skseq against 1-NN DTW and MiniRocket on archive sets.

Archive train/test splits of the UCR/UEA sets that ship in aeon, every
model refitted in the same run, each fit timed (wall and process time):

- classification (accuracy): JapaneseVowels (12 features, 7-29 steps),
  OSULeaf (univariate, 427 steps), BasicMotions (6 features, 100 steps),
  GunPoint (univariate, 150 steps). Peers: aeon's
  ``KNeighborsTimeSeriesClassifier`` (1-NN, full-window DTW, the archive's
  classic baseline) and ``MiniRocketClassifier``; skseq as
  ``make_pipeline(Padder(), LSTMSequenceClassifier(...))`` with its bare
  defaults and with the time-series recipe (``RECIPE``).
- regression (R², RMSE): Covid3Month (univariate, 84 steps) and
  CardanoSentiment (2 features, 24 steps). Peers: ``RidgeCV`` on the
  flattened series and aeon's ``MiniRocketRegressor``.

The recipe was chosen once, before any test-set run, by 3-fold
cross-validation on the training splits of the four classification sets
(batch 16 for 100 or 200 epochs, pooling 2 or 4): small archive sets give
the default batch size of 64 one or two gradient steps an epoch, and early
stopping on a 10% hold-out of 40-200 series scores on 4-20 of them.
MiniRocket needs equal lengths: unequal series are padded at the end with
their last value for it (1-NN DTW reads them as they are).

    python benchmarks/bench_timeseries.py [--sets GunPoint,...] [--seeds 3]
"""

import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from sklearn.linear_model import RidgeCV  # noqa: E402
from sklearn.metrics import mean_squared_error, r2_score  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402

from _common import timed, write_json  # noqa: E402
from skseq import LSTMSequenceClassifier, LSTMSequenceRegressor, Padder  # noqa: E402
from skseq.datasets import TIME_SERIES, load_time_series  # noqa: E402

#: skseq's settings for small archive sets (see the module docstring).
RECIPE = dict(batch_size=16, epochs=200, early_stopping=False)
CLASSIFICATION = ["JapaneseVowels", "OSULeaf", "BasicMotions", "GunPoint"]
REGRESSION = ["Covid3Month", "CardanoSentiment"]


def channels_first(rows, pad_to=None):
    """aeon's layout: a list of (channels, t_i), or one 3-D array if equal."""
    if pad_to is not None:
        rows = [np.pad(r, ((0, pad_to - len(r)), (0, 0)), mode="edge") for r in rows]
    if len({len(r) for r in rows}) == 1:
        return np.stack([r.T for r in rows])
    return [r.T for r in rows]


def run_set(name, seeds):
    """Every model on one set: the variants alternate within each seed's round."""
    from aeon.classification.convolution_based import MiniRocketClassifier
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier
    from aeon.regression.convolution_based import MiniRocketRegressor

    X_train, y_train = load_time_series(name, "train", return_X_y=True)
    X_test, y_test = load_time_series(name, "test", return_X_y=True)
    if TIME_SERIES[name]["task"] == "classification":
        skseq_model, rocket_model = LSTMSequenceClassifier, MiniRocketClassifier
        # MiniRocket needs one length; 1-NN DTW reads the series as they are
        longest = max(len(r) for r in X_train + X_test)
        peer = ("1-NN DTW", KNeighborsTimeSeriesClassifier(distance="dtw"),
                channels_first(X_train), channels_first(X_test))

        def scores(predicted):
            return {"accuracy": float(np.mean(np.asarray(predicted) == y_test))}
    else:
        skseq_model, rocket_model, longest = LSTMSequenceRegressor, MiniRocketRegressor, None
        peer = ("RidgeCV (flattened)", RidgeCV(alphas=np.logspace(-3, 3, 13)),
                np.stack([r.ravel() for r in X_train]),
                np.stack([r.ravel() for r in X_test]))

        def scores(predicted):
            return {"r2": float(r2_score(y_test, predicted)),
                    "rmse": float(np.sqrt(mean_squared_error(y_test, predicted)))}
    results = []

    def record(label, seed, model, train, test):
        _, fit_wall, fit_cpu = timed(lambda: model.fit(train, y_train))
        predicted, predict_wall, predict_cpu = timed(lambda: model.predict(test))
        results.append(dict(set=name, model=label, seed=seed, **scores(predicted),
                            fit_s=fit_wall, fit_cpu_s=fit_cpu, predict_s=predict_wall,
                            predict_cpu_s=predict_cpu))
        print(results[-1], flush=True)

    for seed in range(seeds):
        for label, settings in (("skseq recipe", RECIPE), ("skseq defaults", {})):
            pipe = make_pipeline(Padder(), skseq_model(random_state=seed, **settings))
            record(label, seed, pipe, X_train, X_test)
        record("MiniRocket", seed, rocket_model(random_state=seed),
               channels_first(X_train, longest), channels_first(X_test, longest))
        if seed == 0:  # deterministic
            record(peer[0], 0, *peer[1:])
    return results


def summarise(results, metric):
    table = {}
    for row in results:
        table.setdefault(row["set"], {}).setdefault(row["model"], []).append(row)
    out = {}
    for name, models in table.items():
        out[name] = {model: {f"{metric}_median": float(np.median([r[metric] for r in rows])),
                             f"{metric}_min": float(np.min([r[metric] for r in rows])),
                             "fit_s_median": float(np.median([r["fit_s"] for r in rows])),
                             "fit_cpu_s_median": float(np.median([r["fit_cpu_s"]
                                                                  for r in rows])),
                             "predict_s_median": float(np.median([r["predict_s"]
                                                                  for r in rows])),
                             "runs": len(rows)}
                     for model, rows in models.items()}
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sets", default=",".join(CLASSIFICATION + REGRESSION))
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    names = args.sets.split(",")
    unknown = [n for n in names if n not in TIME_SERIES]
    if unknown:
        parser.error(f"unknown sets {unknown}")
    classification, regression = [], []
    for name in names:
        task = TIME_SERIES[name]["task"]
        (classification if task == "classification" else regression).extend(
            run_set(name, args.seeds))
    write_json("bench_timeseries", {
        "recipe": RECIPE, "seeds": args.seeds,
        "classification": summarise(classification, "accuracy") if classification else {},
        "regression": summarise(regression, "r2") if regression else {},
        "runs": classification + regression,
    })


if __name__ == "__main__":
    main()
