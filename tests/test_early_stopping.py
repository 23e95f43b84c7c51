"""Early stopping the scikit-learn way, heads and regularisation settings."""

import json
import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.metrics import log_loss
from sklearn.model_selection import GridSearchCV

from _crafted import rewrite
from skseq import LSTMSequenceClassifier, load, save
from skseq._early_stopping import BestEpoch
from skseq.experiments import SEED_ARCHITECTURE

TINY = dict(SEED_ARCHITECTURE, embedding_dim=8, units=8, batch_size=32)


@pytest.fixture(scope="module")
def stopped(rt_post_padded):
    # a learnable slice and a high learning rate: the validation accuracy
    # peaks within a few epochs, then patience runs out
    X, y = rt_post_padded
    clf = LSTMSequenceClassifier(scoring="accuracy", epochs=30,
                                 n_iter_no_change=2, optimizer__learning_rate=0.02,
                                 random_state=0, **{**TINY, "early_stopping": True})
    return clf.fit(X[:450], y[:450], validation_data=(X[450:], y[450:]))


def test_stops_before_the_maximum_and_keeps_the_best_epoch(stopped, rt_post_padded):
    X, y = rt_post_padded
    clf = stopped
    assert 3 <= clf.n_iter_ < 30
    assert len(clf.validation_scores_) == clf.n_iter_ == len(clf.history_["loss"])
    assert clf.best_validation_score_ == max(clf.validation_scores_)
    # patience ran out: the last n_iter_no_change epochs did not improve
    best = int(np.argmax(clf.validation_scores_))
    assert best == clf.n_iter_ - 1 - 2
    # the weights kept are the best epoch's, not the last one's
    assert clf.score(X[450:], y[450:]) == pytest.approx(clf.best_validation_score_,
                                                        abs=1e-12)


def test_loss_scoring_restores_the_lowest_validation_loss(rt_post_padded):
    X, y = rt_post_padded
    clf = LSTMSequenceClassifier(epochs=12, optimizer__learning_rate=0.02, random_state=0,
                                 **{**TINY, "early_stopping": True})
    clf.fit(X[:450], y[:450], validation_data=(X[450:], y[450:]))
    assert clf.validation_scores_ == [-v for v in clf.history_["val_loss"]]
    restored_loss = log_loss(y[450:], clf.predict_proba(X[450:]))
    assert restored_loss == pytest.approx(-clf.best_validation_score_, rel=1e-4)


def _bag_of_embeddings():
    """A small compiled Keras model for driving the callback directly."""
    model = keras.Sequential([keras.Input((None,), dtype="int32"),
                              keras.layers.Embedding(1000, 4),
                              keras.layers.GlobalAveragePooling1D(),
                              keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def test_best_epoch_is_restored_when_the_maximum_is_reached(rt_post_padded):
    # Scores 1, 3, 2 with ample patience: training runs all three epochs and
    # ends with the second epoch's weights (Keras' EarlyStopping would keep
    # the third's).
    X, y = rt_post_padded
    model = _bag_of_embeddings()
    scores = iter([1.0, 3.0, 2.0])
    weights = []
    record = keras.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: weights.append(model.get_weights()))
    stopper = BestEpoch(lambda logs: next(scores), n_iter_no_change=10, tol=0.0)
    model.fit(X, y.astype("float32"), epochs=3, verbose=0, callbacks=[record, stopper])
    assert stopper.scores == [1.0, 3.0, 2.0] and stopper.best_epoch == 1
    assert not np.array_equal(weights[1][0], weights[2][0])
    stopper.restore_best()
    for kept, second in zip(model.get_weights(), weights[1], strict=True):
        np.testing.assert_array_equal(kept, second)


def test_tol_counts_small_improvements_as_none(rt_post_padded):
    X, y = rt_post_padded
    model = _bag_of_embeddings()
    scores = iter([1.0, 1.05, 1.08, 5.0])
    stopper = BestEpoch(lambda logs: next(scores), n_iter_no_change=2, tol=0.1)
    model.fit(X[:64], y[:64].astype("float32"), epochs=4, verbose=0, callbacks=[stopper])
    # 1.05 and 1.08 improve on the best, but by less than tol: stopped after
    # epoch 3, keeping epoch 3's weights (the best score seen)
    assert stopper.scores == [1.0, 1.05, 1.08] and stopper.best_epoch == 2


def test_held_out_fraction_defaults_and_no_early_stopping(rt_post_padded):
    X, y = rt_post_padded
    clf = LSTMSequenceClassifier(epochs=1, random_state=0, **{**TINY, "early_stopping": True})
    clf.fit(X, y)
    assert "val_loss" in clf.history_ and clf.n_iter_ == 1
    plain = LSTMSequenceClassifier(epochs=1, random_state=0, **TINY).fit(X, y)
    assert "val_loss" not in plain.history_
    assert plain.validation_scores_ is None and plain.best_validation_score_ is None
    assert plain.n_iter_ == 1


def test_partial_fit_never_stops_early_and_warm_start_counts_epochs(rt_post_padded):
    X, y = rt_post_padded
    clf = LSTMSequenceClassifier(random_state=0, **{**TINY, "early_stopping": True})
    for _ in range(3):
        clf.partial_fit(X, y, classes=[0, 1])
    assert clf.n_iter_ == 3 and clf.validation_scores_ is None
    assert "val_loss" not in clf.history_  # nothing held out by partial_fit
    clf.set_params(warm_start=True, epochs=2, n_iter_no_change=5).fit(X, y)
    assert clf.n_iter_ == 5 and len(clf.validation_scores_) == 2


def test_validation_split_is_deprecated_but_works(rt_post_padded):
    X, y = rt_post_padded
    clf = LSTMSequenceClassifier(validation_split=0.2, epochs=1, random_state=0, **TINY)
    with pytest.warns(FutureWarning, match="validation_fraction"):
        clf.fit(X, y)
    assert "val_loss" in clf.history_
    both = clone(clf).set_params(validation_fraction=0.2)
    with pytest.warns(FutureWarning), pytest.raises(ValueError, match="validation_fraction"):
        both.fit(X, y)


@pytest.mark.parametrize("params, match", [
    ({"scoring": "f1"}, "'scoring' parameter"),
    ({"validation_fraction": 1.0}, "'validation_fraction' parameter"),
    ({"n_iter_no_change": 0}, "'n_iter_no_change' parameter"),
    ({"tol": -1.0}, "'tol' parameter"),
    ({"pooling": "sum"}, "'pooling' parameter"),
    ({"embedding_dropout": 1.0}, "'embedding_dropout' parameter"),
])
def test_bad_settings_are_named(rt_post_padded, params, match):
    X, y = rt_post_padded
    with pytest.raises(ValueError, match=match):
        LSTMSequenceClassifier(**{**TINY, **params}).fit(X, y)


def test_fitted_attributes_survive_clone_pickle_and_skseq(stopped, rt_post_padded, tmp_path):
    X, _ = rt_post_padded
    assert clone(stopped).get_params() == stopped.get_params()
    save(stopped, tmp_path / "m.skseq")
    for restored in (pickle.loads(pickle.dumps(stopped)), load(tmp_path / "m.skseq")):
        assert restored.n_iter_ == stopped.n_iter_
        assert restored.validation_scores_ == stopped.validation_scores_
        assert restored.best_validation_score_ == stopped.best_validation_score_
        np.testing.assert_array_equal(restored.predict_proba(X), stopped.predict_proba(X))


@pytest.mark.parametrize("version", [2, 3, 4, 5])
def test_older_format_files_still_load(stopped, rt_post_padded, tmp_path, version):
    # a file written by skseq 0.1 (format 2) lacks pooling, embedding_dropout
    # and the early-stopping scores; one of format 3 lacks the n-gram head;
    # every one before 6 lacks ngram_prior: each loads as the model it
    # holds, with the settings it was trained with (the defaults of 0.1,
    # not those of today, for what it lacks)
    X, _ = rt_post_padded
    plain = LSTMSequenceClassifier(epochs=1, random_state=0, **TINY).fit(X, rt_post_padded[1])
    path = tmp_path / "old.skseq"
    save(plain, path)

    def as_older_version(members):
        manifest = json.loads(members["manifest.json"])
        manifest["format_version"] = version
        step = manifest["steps"][0]
        absent = ["ngram_prior"] + (["linear_ngrams", "ngram_buckets"] if version < 4 else [])
        if version == 2:
            absent += ["pooling", "embedding_dropout", "early_stopping",
                       "validation_fraction", "n_iter_no_change", "tol", "scoring"]
            step["params"]["validation_split"] = 0.0
            del step["state"]["validation_scores_"]
        for name in absent:
            del step["params"][name]
            step["state"]["architecture_"].pop(name, None)
        members["manifest.json"] = json.dumps(manifest).encode()

    rewrite(path, as_older_version)
    loaded = load(path)
    assert loaded.architecture_["pooling"] == "last"
    assert loaded.architecture_["linear_ngrams"] == 0
    assert loaded.architecture_["ngram_prior"] is None
    assert loaded.validation_scores_ is None and loaded.n_iter_ == 1
    settings = loaded.get_params()
    assert (settings["pooling"], settings["linear_ngrams"], settings["ngram_prior"]) == \
        ("last", 0, None)
    if version == 2:  # the 0.1 defaults, where today's differ
        assert (settings["early_stopping"], settings["embedding_dropout"]) == (False, 0.0)
    np.testing.assert_array_equal(loaded.predict_proba(X), plain.predict_proba(X))


def test_grid_search_with_early_stopping_stops_per_fold(rt_post_padded):
    X, y = rt_post_padded
    search = GridSearchCV(
        LSTMSequenceClassifier(epochs=6, random_state=0, **{**TINY, "early_stopping": True}),
        {"pooling": ["last", "max_mean"]}, cv=2, error_score="raise").fit(X, y)
    best = search.best_estimator_
    assert best.validation_scores_ is not None and 1 <= best.n_iter_ <= 6
    assert search.cv_results_["mean_test_score"].min() > 0.5


@pytest.mark.parametrize("pooling", ["max", "mean", "max_mean", "attention"])
def test_poolings_learn_real_text_and_load_from_skseq(rt_post_padded, pooling, tmp_path):
    X, y = rt_post_padded
    clf = LSTMSequenceClassifier(epochs=3, optimizer__learning_rate=0.01, random_state=0,
                                 **{**TINY, "pooling": pooling, "embedding_dropout": 0.1})
    clf.fit(X[:450], y[:450])
    layers = {type(layer).__name__ for layer in clf.model_.layers}
    assert {"SequencePooling", "SpatialDropout1D"} <= layers
    assert clf.score(X[450:], y[450:]) > 0.55
    save(clf, tmp_path / "m.skseq")  # the safe loader rebuilds every head
    np.testing.assert_array_equal(load(tmp_path / "m.skseq").predict_proba(X),
                                  clf.predict_proba(X))


def test_adamw_weight_decay_is_routed(rt_post_padded):
    X, y = rt_post_padded
    clf = LSTMSequenceClassifier(optimizer="adamw", optimizer__weight_decay=0.05,
                                 epochs=1, random_state=0, **TINY).fit(X, y)
    assert type(clf.model_.optimizer).__name__ == "AdamW"
    assert clf.model_.optimizer.weight_decay == pytest.approx(0.05)
