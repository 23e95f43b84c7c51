"""The classifier inside scikit-learn's model-selection machinery."""

import numpy as np
import pytest
from sklearn.base import is_classifier
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import StackingClassifier, VotingClassifier
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    RandomizedSearchCV,
    StratifiedKFold,
    TunedThresholdClassifierCV,
    check_cv,
    cross_val_predict,
    cross_val_score,
)
from sklearn.pipeline import Pipeline
from sklearn.pipeline import make_pipeline as make_plain_pipeline

from skseq import IntegerSequencer, LogCountRatioTransformer, LSTMSequenceClassifier, Padder
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


def test_halving_search_over_training_reviews(data):
    # the resource is the number of training reviews: 4 candidates on a
    # third of the data, the best 2 on all of it
    X, y = data
    search = HalvingGridSearchCV(
        make_pipeline(), {"clf__pooling": ["last", "max_mean"], "clf__units": [4, 8]},
        resource="n_samples", min_resources=90, factor=3, cv=2, random_state=0,
        error_score="raise").fit(X, y)
    assert search.n_candidates_ == [4, 2] and search.n_resources_ == [90, 270]
    assert search.best_estimator_.score(X, y) > 0.5


def test_halving_random_search_over_epochs(data):
    # the resource is the maximum of epochs (early stopping off)
    X, y = data
    search = HalvingRandomSearchCV(
        make_pipeline(), {"clf__dropout": [0.0, 0.1, 0.2], "clf__units": [4, 8]},
        n_candidates=3, resource="clf__epochs", min_resources=1, max_resources=3,
        factor=3, cv=2, random_state=0, error_score="raise").fit(X, y)
    assert search.n_resources_ == [1, 3]
    assert search.best_estimator_[-1].n_iter_ == 3


def test_soft_voting_with_a_linear_pipeline(data):
    X, y = data
    linear = make_plain_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2,
                                                 sublinear_tf=True),
                                 LogisticRegression(C=10))
    vote = VotingClassifier([("lstm", make_pipeline(epochs=3)), ("tfidf", linear)],
                            voting="soft").fit(X, y)
    lstm, tfidf = (est.predict_proba(X) for est in vote.estimators_)
    np.testing.assert_allclose(vote.predict_proba(X), (lstm + tfidf) / 2, rtol=1e-12)
    assert cross_val_score(vote, X, y, cv=2).mean() > 0.55


def test_stacking_with_an_nbsvm_pipeline(data):
    X, y = data
    linear = make_plain_pipeline(CountVectorizer(ngram_range=(1, 2), binary=True),
                                 LogCountRatioTransformer(), LogisticRegression())
    stack = StackingClassifier([("lstm", make_pipeline(epochs=2)), ("nb", linear)],
                               final_estimator=LogisticRegression(),
                               cv=StratifiedKFold(3, shuffle=True, random_state=0),
                               stack_method="predict_proba").fit(X[:200], y[:200])
    # the final model reads each pipeline's P(positive), refitted on all rows
    lstm, nb = (est.predict_proba(X[200:])[:, 1] for est in stack.estimators_)
    np.testing.assert_allclose(stack.transform(X[200:]), np.column_stack([lstm, nb]))
    assert stack.final_estimator_.coef_.shape == (1, 2)
    assert stack.score(X[200:], y[200:]) > 0.55


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


WORKER_SCRIPT = """
import os
import numpy as np
from joblib import Parallel, delayed
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline
from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_rotten_tomatoes
from skseq.experiments import SEED_ARCHITECTURE

def pools(_):
    import tensorflow as tf
    LSTMSequenceClassifier(**SEED_ARCHITECTURE,
                           units=2, embedding_dim=2, epochs=1, vocab_size=10).fit(
        np.array([[1, 2], [3, 4], [5, 6], [7, 8]]), [0, 1, 0, 1])
    threading = tf.config.threading
    return [os.environ.get("OMP_NUM_THREADS"), threading.get_intra_op_parallelism_threads(),
            threading.get_inter_op_parallelism_threads()]

X, y = load_rotten_tomatoes(return_X_y=True)
idx = np.random.RandomState(0).permutation(len(X))[:300]
X, y = [X[i] for i in idx], y[idx]
pipe = Pipeline([("seq", IntegerSequencer(num_words=800)), ("pad", Padder(maxlen=25)),
                 ("clf", LSTMSequenceClassifier(**SEED_ARCHITECTURE,
                                                embedding_dim=8, units=8, epochs=2,
                                                random_state=0))])
GridSearchCV(pipe, {"clf__mask_padding": [True, False]}, cv=3, n_jobs=2,
             scoring=["accuracy", "roc_auc"], refit=False).fit(X, y)
import tensorflow as tf
print("worker pools", Parallel(n_jobs=2)(delayed(pools)(i) for i in range(2)))
print("main pools", tf.config.threading.get_intra_op_parallelism_threads())
"""


def test_workers_do_not_oversubscribe_and_do_not_retrace():
    # A fresh process, so that its workers are fresh too and their standard
    # error (TensorFlow's retracing warnings) is captured here.
    import os
    import subprocess
    import sys

    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-c", WORKER_SCRIPT], capture_output=True,
                            text=True, timeout=600, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "retracing" not in result.stderr, result.stderr[-3000:]
    workers = eval(result.stdout.split("worker pools", 1)[1].splitlines()[0])
    for omp, intra, inter in workers:
        # joblib sets OMP_NUM_THREADS to cores // n_jobs in its workers
        assert omp is not None and intra == inter == int(omp)
    assert "main pools 0" in result.stdout  # the main process is left alone
