"""Multi-label classification and regression: real tiny fits on real text.

Every guarantee of the single-label path is checked for both target kinds
(``kind`` below): shapes and agreement of outputs, padding invariance,
determinism, round trips, transactional fits, explanations, searches.
"""

import pickle
import warnings

import joblib
import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.metrics import r2_score
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.utils.multiclass import type_of_target

from skseq import (
    IntegerSequencer,
    LSTMSequenceClassifier,
    LSTMSequenceRegressor,
    Padder,
    TrainingDivergedError,
    load,
    save,
)
from skseq.datasets import load_movie_titles, load_tweets
from skseq.experiments import SEED_ARCHITECTURE
from skseq.inspection import token_attributions
from skseq.metrics import SCORING

TINY = dict(SEED_ARCHITECTURE, embedding_dim=8, units=8, epochs=2, batch_size=32, random_state=0)


@pytest.fixture(scope="module")
def titles():
    """600 movie titles and their 7-genre indicator matrix (multi-label)."""
    X, Y = load_movie_titles(return_X_y=True)
    idx = np.random.RandomState(0).permutation(len(X))[:600]
    return [X[i] for i in idx], Y[idx]


@pytest.fixture(scope="module")
def tweets():
    """600 tweets and log1p of their retweet counts (regression)."""
    X, y = load_tweets(return_X_y=True)
    idx = np.random.RandomState(0).permutation(len(X))[:600]
    return [X[i] for i in idx], y[idx]


@pytest.fixture(scope="module", params=["multilabel", "regression"])
def case(request, titles, tweets):
    """(kind, estimator class, padded ids, targets) for each target kind."""
    X, y = titles if request.param == "multilabel" else tweets
    maxlen = 12 if request.param == "multilabel" else 40
    ids = Padder(maxlen=maxlen, padding="post").fit_transform(
        IntegerSequencer(num_words=2000).fit_transform(X))
    cls = LSTMSequenceClassifier if request.param == "multilabel" else LSTMSequenceRegressor
    return request.param, cls, ids, y


def outputs(est, X):
    return est.predict_proba(X) if is_classifier(est) else est.predict(X)


# --- shapes, ranges, agreement ----------------------------------------------

def test_multilabel_outputs_shapes_and_agreement(titles):
    X, Y = titles
    pipe = make_pipeline(IntegerSequencer(num_words=2000), Padder(maxlen=12),
                         LSTMSequenceClassifier(**{**TINY, "epochs": 3}))
    pipe.fit(X, Y)
    clf = pipe[-1]
    assert clf.classes_.tolist() == list(range(7))
    assert clf.n_outputs_ == clf.n_classes_ == 7
    assert clf.model_.output_shape == (None, 7)
    assert clf.model_.loss == "binary_crossentropy"
    proba = pipe.predict_proba(X[:200])
    assert proba.shape == (200, 7) and ((proba >= 0) & (proba <= 1)).all()
    pred = pipe.predict(X[:200])
    assert type_of_target(pred) == "multilabel-indicator"
    assert np.array_equal(pred, (proba > 0.5).astype(int))  # row for row
    # learned the frequent labels' base rates at least (Drama 37%, Comedy 29%)
    assert abs(proba[:, 3].mean() - Y[:, 3].mean()) < 0.1


def test_regressor_outputs_and_target_scaling(tweets):
    X, y = tweets
    pipe = make_pipeline(IntegerSequencer(num_words=2000), Padder(maxlen=40),
                         LSTMSequenceRegressor(**{**TINY, "epochs": 6}))
    pipe.fit(X, y)
    reg = pipe[-1]
    assert is_regressor(reg) and not is_classifier(reg)
    assert reg.n_outputs_ == 1 and reg.model_.output_shape == (None, 1)
    np.testing.assert_allclose(reg.target_mean_, [y.mean()])
    np.testing.assert_allclose(reg.target_scale_, [y.std()])
    pred = pipe.predict(X)
    assert pred.shape == (600,) and pred.dtype == np.float64
    assert pipe.score(X, y) == pytest.approx(r2_score(y, pred))
    # the wording carries the account's growth: well above the mean's R² of 0
    assert pipe.score(X, y) > 0.3
    # two target columns: a 2-D prediction, each column in its own units
    Y = np.column_stack([y, 100 * y])
    pred2 = clone(pipe).fit(X, Y).predict(X)
    assert pred2.shape == (600, 2)
    assert 50 < pred2[:, 1].mean() / pred2[:, 0].mean() < 200


@pytest.mark.parametrize("loss", ["squared_error", "absolute_error", "huber"])
def test_regressor_losses(case, loss):
    kind, cls, X, y = case
    if kind != "regression":
        pytest.skip("regressor losses")
    reg = LSTMSequenceRegressor(loss=loss, **TINY).fit(X, y)
    assert reg.model_.loss == {"squared_error": "mean_squared_error",
                               "absolute_error": "mean_absolute_error",
                               "huber": "huber"}[loss]
    assert np.isfinite(reg.predict(X)).all()


def test_unstandardised_targets(tweets):
    X, y = tweets
    ids = Padder(maxlen=40).fit_transform(IntegerSequencer(num_words=2000).fit_transform(X))
    reg = LSTMSequenceRegressor(standardize_target=False, **TINY).fit(ids, y)
    assert reg.target_mean_.tolist() == [0.0] and reg.target_scale_.tolist() == [1.0]


# --- every architecture: padding invariance, for both kinds ----------------

ARCHITECTURES = [
    dict(),
    dict(layer_type="gru", bidirectional=True),
    dict(n_layers=2, pooling="max_mean"),
    dict(conv_filters=4, pool_size=2, pooling="attention"),
    dict(layer_type="simple_rnn", pooling="mean", linear_ngrams=2, ngram_buckets=64),
]


@pytest.mark.parametrize("architecture", ARCHITECTURES, ids=str)
def test_padding_invariance(case, architecture):
    kind, cls, X, y = case
    est = cls(**{**TINY, "epochs": 1, **architecture}).fit(X[:300], y[:300])
    rows = [row[row != 0] for row in X[300:400]]
    post = Padder(maxlen=X.shape[1], padding="post").fit(rows).transform(rows)
    pre = Padder(maxlen=X.shape[1], padding="pre").fit(rows).transform(rows)
    wide = Padder(maxlen=X.shape[1] + 17, padding="pre").fit(rows).transform(rows)
    reference = outputs(est, post)
    assert np.array_equal(outputs(est, pre), reference)
    assert np.array_equal(outputs(est, wide), reference)
    assert reference.shape[0] == 100


def test_determinism(case):
    kind, cls, X, y = case
    a = cls(**TINY).fit(X, y)
    b = cls(**TINY).fit(X, y)
    assert np.array_equal(outputs(a, X), outputs(b, X))


# --- round trips ----------------------------------------------------------

def test_round_trips(case, tmp_path):
    kind, cls, X, y = case
    est = cls(**TINY).fit(X, y)
    expected = outputs(est, X)
    save(est, tmp_path / "m.skseq")
    loaded = load(tmp_path / "m.skseq")
    assert type(loaded) is cls and loaded.n_outputs_ == est.n_outputs_
    assert np.array_equal(outputs(loaded, X), expected)
    assert np.array_equal(outputs(pickle.loads(pickle.dumps(est)), X), expected)
    joblib.dump(est, tmp_path / "m.joblib")
    assert np.array_equal(outputs(joblib.load(tmp_path / "m.joblib"), X), expected)
    assert np.array_equal(outputs(clone(est).fit(X, y), X), expected)


# --- continuation: warm_start and partial_fit -----------------------------

def test_partial_fit_and_warm_start(case):
    kind, cls, X, y = case
    est = cls(**TINY).partial_fit(X[:300], y[:300]).partial_fit(X[300:], y[300:])
    assert est.n_iter_ == 2
    warm = cls(**{**TINY, "warm_start": True}).fit(X, y)
    before = outputs(warm, X)
    warm.fit(X, y)
    assert warm.n_iter_ == 4 and not np.array_equal(outputs(warm, X), before)


def test_changed_number_of_outputs_is_refused(case):
    kind, cls, X, y = case
    est = cls(**TINY).partial_fit(X, y)
    narrower = y[:, :3] if kind == "multilabel" else np.column_stack([y, y])
    with pytest.raises(ValueError, match="cannot change"):
        est.partial_fit(X, narrower)


# --- transactional fits ----------------------------------------------------

def test_failed_refit_keeps_the_working_model(case):
    kind, cls, X, y = case
    est = cls(**TINY).fit(X, y)
    expected = outputs(est, X)
    est.set_params(optimizer__learning_rate=1e30, optimizer="sgd")
    with pytest.raises(TrainingDivergedError):
        est.fit(X, y)
    assert np.array_equal(outputs(est, X), expected)
    bad = np.where(y == y.flat[0], np.nan, y) if kind == "regression" else y * 2
    with pytest.raises(ValueError):
        est.fit(X, bad)
    assert np.array_equal(outputs(est, X), expected)


# --- early stopping ----------------------------------------------------------

@pytest.mark.parametrize("scoring", ["loss", "other"])
def test_early_stopping(case, scoring):
    kind, cls, X, y = case
    scoring = scoring if scoring == "loss" else ("roc_auc" if kind == "multilabel" else "r2")
    est = cls(**{**TINY, "epochs": 5, "early_stopping": True}, n_iter_no_change=1,
              scoring=scoring).fit(X, y)
    assert 1 <= len(est.validation_scores_) <= 5
    assert np.isfinite(est.validation_scores_).all()
    assert est.best_validation_score_ == max(est.validation_scores_)


def test_multilabel_validation_split_keeps_every_label(titles):
    X, Y = titles
    ids = Padder(maxlen=12).fit_transform(IntegerSequencer().fit_transform(X))
    Y = Y.copy()
    Y[:, 1] = 0
    Y[:3, 1] = 1  # a rare label: 3 rows of 600
    clf = LSTMSequenceClassifier(**TINY)
    target = {"classes": np.arange(7), "multilabel": True}
    (_, y_train, _), (_, y_val) = clf._split_validation(ids, Y.astype(np.float32), None,
                                                        0.1, 0, target)
    assert y_val[:, 1].any() and y_train[:, 1].any()
    assert (y_val == 0).any(axis=0).all() and (y_val == 1).any(axis=0).all()


# --- refusals --------------------------------------------------------------

@pytest.mark.parametrize("y, message", [
    (np.array([[0, 1, 2]] * 600), "multiclass-multioutput"),
    (np.array([[0, 0.5]] * 300 + [[1, 0]] * 300), r"only 0 and 1; y\[0, 1\]"),
    (np.array([["a", "b"]] * 600), "multiclass-multioutput"),
])
def test_multilabel_refusals(titles, y, message):
    X, _ = titles
    ids = Padder(maxlen=12).fit_transform(IntegerSequencer().fit_transform(X))
    with pytest.raises(ValueError, match=message):
        LSTMSequenceClassifier(**TINY).fit(ids, y)


def test_multilabel_class_weight_and_absent_label(titles):
    X, Y = titles
    ids = Padder(maxlen=12).fit_transform(IntegerSequencer().fit_transform(X))
    with pytest.raises(ValueError, match="class_weight is not defined for multi-label"):
        LSTMSequenceClassifier(class_weight="balanced", **TINY).fit(ids, Y)
    Y = Y.copy()
    Y[:, 5] = 0
    with pytest.warns(UserWarning, match=r"Label\(s\) \[5\].*never present"):
        LSTMSequenceClassifier(**TINY).fit(ids, Y)
    with pytest.raises(ValueError, match="1-D labels"):
        LSTMSequenceClassifier(**TINY).partial_fit(ids, Y).partial_fit(ids, Y[:, 0])


@pytest.mark.parametrize("y, message", [
    (lambda y: np.where(np.arange(len(y)) == 7, np.nan, y), "NaN or infinity.*row 7"),
    (lambda y: np.where(np.arange(len(y)) == 3, np.inf, y), "NaN or infinity.*row 3"),
    (lambda y: np.array(["high"] * len(y)), "y must be numbers; row 0 holds 'high'"),
    (lambda y: np.array([1.0] * 3 + ["x"] * (len(y) - 3), dtype=object), "row 3"),
    (lambda y: y[:-1], "inconsistent numbers of samples"),
    (lambda y: y.reshape(-1, 1, 1), "must be 1-D"),
])
def test_regressor_refusals(tweets, y, message):
    X, target = tweets
    ids = Padder(maxlen=40).fit_transform(IntegerSequencer().fit_transform(X))
    with pytest.raises(ValueError, match=message):
        LSTMSequenceRegressor(**TINY).fit(ids, y(target))


def test_constant_target_warns(tweets):
    X, _ = tweets
    ids = Padder(maxlen=40).fit_transform(IntegerSequencer().fit_transform(X))
    with pytest.warns(UserWarning, match="constant"):
        reg = LSTMSequenceRegressor(**TINY).fit(ids, np.full(len(X), 3.5))
    np.testing.assert_allclose(reg.predict(ids), 3.5, atol=0.5)


def test_unknown_parameters_are_refused_at_fit(tweets):
    X, y = tweets
    ids = Padder(maxlen=40).fit_transform(IntegerSequencer().fit_transform(X[:50]))
    # the classifier's class_weight is not the regressor's; a misspelt name neither
    for est in [LSTMSequenceRegressor(class_weight="balanced", **TINY),
                LSTMSequenceClassifier(unitz=8, **TINY)]:
        with pytest.raises(TypeError, match="unexpected parameter"):
            est.fit(ids, y[:50] if is_regressor(est) else y[:50] > y.mean())


# --- explanations ----------------------------------------------------------

def test_explanations(case, titles, tweets):
    kind, cls, _, _ = case
    X, y = titles if kind == "multilabel" else tweets
    maxlen = 12 if kind == "multilabel" else 40
    pipe = make_pipeline(IntegerSequencer(num_words=2000), Padder(maxlen=maxlen,
                                                                  padding="post"),
                         cls(**{**TINY, "epochs": 3})).fit(X, y)
    texts = [t for t in X if len(t.split()) >= 3][:5]
    target = 3 if kind == "multilabel" else 0
    results = token_attributions(pipe, texts, target=target)
    full = outputs(pipe, texts)
    values = full[:, target] if full.ndim == 2 else full
    for value, result in zip(values, results, strict=True):
        assert result.target == target
        assert result.proba[target] == pytest.approx(value)
        # the occlusion score of a token: the value minus the value without it
        words = result.tokens
        without = outputs(pipe, [" ".join(words[1:])])
        without = without[0, target] if without.ndim == 2 else without[0]
        assert result.scores[0] == pytest.approx(value - without, abs=1e-6)
    gradients = token_attributions(pipe, texts, target=target, method="integrated_gradients",
                                   steps=64)
    for result in gradients:
        assert abs(result.completeness_gap) < 1e-2 * max(1.0, abs(result.proba[target]))


# --- model selection -------------------------------------------------------

def test_grid_search(case):
    kind, cls, X, y = case
    scoring = ({"f1": "f1_samples", "sensitivity": SCORING["sensitivity"],
                "specificity": SCORING["specificity"]} if kind == "multilabel"
               else {"mse": "neg_mean_squared_error"})
    refit = "f1" if kind == "multilabel" else "mse"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # undefined F1 / sensitivity of rare labels
        search = GridSearchCV(cls(**{**TINY, "epochs": 1}), {"units": [4, 8]}, cv=2,
                              scoring=scoring, refit=refit).fit(X, y)
    for name in scoring:
        scores = search.cv_results_[f"mean_test_{name}"]
        assert np.isfinite(scores).all()
    if kind == "multilabel":
        assert all(0 <= s <= 1 for s in search.cv_results_["mean_test_sensitivity"])


# --- the command line --------------------------------------------------------

def test_cli_predicts_and_explains_both_kinds(case, titles, tweets, tmp_path):
    import subprocess
    import sys

    kind, cls, _, _ = case
    X, y = titles if kind == "multilabel" else tweets
    pipe = make_pipeline(IntegerSequencer(num_words=2000), Padder(maxlen=20,
                                                                  padding="post"),
                         cls(**TINY)).fit(X, y)
    save(pipe, tmp_path / "m.skseq")
    texts = ["The Great Adventure", "Love in Paris"]

    def run(*args):
        result = subprocess.run([sys.executable, "-m", "skseq", *args], text=True,
                                capture_output=True, timeout=600)
        assert result.returncode == 0, result.stderr[-2000:]
        return result.stdout.strip().splitlines()

    lines = run("predict", str(tmp_path / "m.skseq"), *texts)
    if kind == "multilabel":
        assert lines[0] == "labels\tprobabilities\ttext"
        proba = pipe.predict_proba(texts)
        for line, row in zip(lines[1:], proba, strict=True):
            labels = line.split("\t")[0]
            on = [str(j) for j in np.flatnonzero(row > 0.5)]
            assert labels == (",".join(on) or "-")
    else:
        assert lines[0] == "value\ttext"
        values = [float(line.split("\t")[0]) for line in lines[1:]]
        np.testing.assert_allclose(values, pipe.predict(texts), atol=1e-4)
    explained = run("explain", str(tmp_path / "m.skseq"), "--top", "2", *texts)
    header = "label\tprobability" if kind == "multilabel" else "output\tvalue"
    assert explained[0] == f"{header}\ttop tokens (score)\ttext"
    assert len(explained) == 3
