"""The classifier inside scikit-learn's model-selection machinery."""

import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.model_selection import (
    GridSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    check_cv,
    cross_val_predict,
    cross_val_score,
)
from sklearn.pipeline import Pipeline

from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.metrics import SCORING


def make_pipeline(memory=None, **clf_params):
    params = dict(embedding_dim=8, units=8, epochs=2, batch_size=32, random_state=0)
    return Pipeline(
        [("seq", IntegerSequencer(num_words=800)), ("pad", Padder(maxlen=25)),
         ("clf", LSTMSequenceClassifier(**{**params, **clf_params}))],
        memory=memory,
    )


@pytest.fixture(scope="module")
def data(rt_texts):
    X, y = rt_texts
    return X[:300], y[:300]


def test_cv_int_is_stratified(data):
    _, y = data
    assert isinstance(check_cv(3, y, classifier=is_classifier(make_pipeline())),
                      StratifiedKFold)


def test_grid_search_over_architecture_reports_sensitivity(data):
    X, y = data
    grid = {
        "clf__optimizer": ["adam", "rmsprop"],
        "clf__layer_type": ["lstm", "gru"],
        "clf__dropout": [0.0, 0.2],
        "pad__maxlen": [15, 25],
    }
    search = GridSearchCV(make_pipeline(), grid, scoring=SCORING,
                          refit="balanced_accuracy", cv=2, error_score="raise")
    search.fit(X, y)
    results = search.cv_results_
    assert len(results["params"]) == 16
    for name in SCORING:
        assert f"mean_test_{name}" in results and f"rank_test_{name}" in results
        assert np.isfinite(results[f"mean_test_{name}"]).all()
    assert ((results["mean_test_sensitivity"] >= 0)
            & (results["mean_test_sensitivity"] <= 1)).all()
    best = search.best_estimator_
    assert best.predict_proba(X[:5]).shape == (5, 2)


def test_randomized_search_over_every_named_setting(data):
    X, y = data
    space = {
        "seq__num_words": [300, 800],
        "pad__maxlen": [10, 20],
        "pad__padding": ["pre", "post"],
        "pad__truncating": ["pre", "post"],
        "clf__bidirectional": [True, False],
        "clf__n_layers": [1, 2],
        "clf__recurrent_dropout": [0.0, 0.1],
        "clf__units": [4, 8],
        "clf__optimizer__learning_rate": [1e-3, 5e-3],
    }
    search = RandomizedSearchCV(make_pipeline(epochs=1), space, n_iter=3, cv=2,
                                scoring=SCORING, refit="balanced_accuracy",
                                random_state=0, error_score="raise")
    search.fit(X, y)
    assert len(search.cv_results_["params"]) == 3


def test_pipeline_memory_does_not_refit_transformers(data, tmp_path):
    X, y = data
    search = GridSearchCV(make_pipeline(memory=str(tmp_path), epochs=1),
                          {"clf__units": [4, 8]}, cv=2)
    search.fit(X, y)
    cached = sorted(p.name for p in tmp_path.rglob("output.pkl"))
    # 2 folds + the refit, times 2 transformers, whatever the number of candidates
    assert len(cached) == 6
    search.fit(X, y)
    assert sorted(p.name for p in tmp_path.rglob("output.pkl")) == cached


def test_parallel_search_with_two_jobs(data):
    X, y = data
    search = GridSearchCV(make_pipeline(epochs=1), {"clf__units": [4, 8]}, cv=2,
                          n_jobs=2, scoring=SCORING, refit="accuracy")
    search.fit(X, y)
    serial = GridSearchCV(make_pipeline(epochs=1), {"clf__units": [4, 8]}, cv=2,
                          scoring=SCORING, refit="accuracy").fit(X, y)
    # seeded candidates give the same scores in worker processes
    np.testing.assert_allclose(search.cv_results_["mean_test_roc_auc"],
                               serial.cv_results_["mean_test_roc_auc"])


def test_meta_estimators(data):
    X, y = data
    tuned = TunedThresholdClassifierCV(make_pipeline(epochs=2), cv=2,
                                       scoring="balanced_accuracy").fit(X, y)
    assert 0 < tuned.best_threshold_ < 1
    assert set(tuned.predict(X[:20])) <= {0, 1}
    calibrated = CalibratedClassifierCV(make_pipeline(epochs=1), cv=2).fit(X, y)
    proba = calibrated.predict_proba(X[:10])
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    oof = cross_val_predict(make_pipeline(epochs=1), X, y, cv=2, method="predict_proba")
    assert oof.shape == (len(X), 2)
    auc = cross_val_score(make_pipeline(epochs=1), X, y, cv=2, scoring="roc_auc")
    assert ((auc > 0) & (auc < 1)).all()


def test_grid_search_on_a_dask_cluster(data):
    distributed = pytest.importorskip("distributed")
    import joblib

    X, y = data
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  host="127.0.0.1", dashboard_address=None) as cluster:
        with distributed.Client(cluster) as client:
            search = GridSearchCV(make_pipeline(epochs=1),
                                  {"clf__layer_type": ["lstm", "gru"]}, cv=2,
                                  scoring=SCORING, refit="balanced_accuracy")
            with joblib.parallel_backend("dask"):
                search.fit(X, y)
            workers = client.scheduler_info()["workers"]
    assert len(workers) == 2
    assert len(search.cv_results_["params"]) == 2
    assert np.isfinite(search.cv_results_["mean_test_sensitivity"]).all()
    assert search.best_estimator_.predict(X[:3]).shape == (3,)
