"""Token attributions (occlusion, integrated gradients) on models trained on real text."""

import joblib
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder, load, save
from skseq.experiments import SEED_ARCHITECTURE
from skseq.inspection import TokenAttribution, token_attributions, top_tokens
from skseq.plotting import plot_token_attributions, plot_top_tokens

MARKER = "zqxmarker"


def _planted(texts, seed):
    """Real sentences whose label is decided by an invented marker word."""
    rng = np.random.RandomState(seed)
    labels = rng.randint(0, 2, len(texts))
    out = []
    for text, label in zip(texts, labels, strict=True):
        words = text.split()[:20]
        if label:
            words.insert(rng.randint(len(words) + 1), MARKER)
        out.append(" ".join(words))
    return out, np.where(labels == 1, "marked", "plain")


@pytest.fixture(scope="module")
def planted(rt_texts):
    texts, _ = rt_texts
    X, y = _planted(texts, seed=0)
    pipe = make_pipeline(
        IntegerSequencer(num_words=2000), Padder(maxlen=24, padding="post"),
        LSTMSequenceClassifier(**SEED_ARCHITECTURE,
                               embedding_dim=8, units=8, epochs=6, batch_size=32,
                               optimizer__learning_rate=0.01, random_state=0))
    pipe.fit(X[:500], y[:500])
    return pipe, X[500:], y[500:]


def test_planted_word_gets_the_largest_attribution(planted):
    pipe, X, y = planted
    marked = [x for x, label in zip(X, y, strict=True) if label == "marked"]
    assert np.mean(pipe.predict(marked) == "marked") > 0.9  # it learned the marker
    results = token_attributions(pipe, marked, target="marked")
    top = [r.top(1)[0][0] for r in results]
    assert np.mean([t == MARKER for t in top]) > 0.9
    assert all(r.target == "marked" for r in results)


def test_scores_equal_manual_removal_exactly(planted):
    pipe, X, _ = planted
    text = X[0]
    result = token_attributions(pipe, [X[1], text, X[2]])[1]  # batched with others
    tokens = IntegerSequencer(num_words=2000)._make_tokenize()(text)
    assert result.tokens == tokens  # all kept: shorter than maxlen
    full = pipe.predict_proba([text])[0]
    np.testing.assert_array_equal(result.proba, full)
    column = list(pipe.classes_).index(result.target)
    assert column == np.argmax(full)  # default target: the predicted class
    manual = [full[column] - pipe.predict_proba([tokens[:i] + tokens[i + 1:]])[0, column]
              for i in range(len(tokens))]
    np.testing.assert_array_equal(result.scores, manual)


def test_truncation_oov_and_padded_ids(planted):
    pipe, X, _ = planted
    sequencer, padder, clf = (step for _, step in pipe.steps)
    long_text = " ".join(X[:3]) + " qqqunseenword"
    (result,) = token_attributions(pipe, [long_text])
    tokens = sequencer._make_tokenize()(long_text)
    assert result.tokens == tokens[-padder.maxlen_:]  # Padder truncates "pre"
    assert result.oov[-1] and result.tokens[-1] == "qqqunseenword"
    # a bare classifier on padded ids, either side, gives the same scores
    for side in ("pre", "post"):
        ids = Padder(maxlen=30, padding=side).fit_transform(sequencer.transform([X[1]]))
        (by_ids,) = token_attributions(clf, ids)
        (by_text,) = token_attributions(pipe, [X[1]])
        np.testing.assert_allclose(by_ids.scores, by_text.scores, atol=1e-6)
        assert by_ids.tokens == [str(i) for i in sequencer.transform([X[1]])[0]]


def test_html_rendering_escapes_tokens():
    result = TokenAttribution(tokens=["<b>", "fine"], scores=np.array([0.5, -0.25]),
                              oov=np.array([True, False]), proba=np.array([0.3, 0.7]),
                              target="pos")
    page = result._repr_html_()
    assert "&lt;b&gt;" in page and "<b><" not in page
    assert "rgba(0,150,0,1.00)" in page and "rgba(200,0,0,0.50)" in page
    assert "out of vocabulary" in page


def test_clear_errors(planted, rt_texts):
    pipe, X, _ = planted
    with pytest.raises(ValueError, match="Unknown method 'lime'"):
        token_attributions(pipe, X[:1], method="lime")
    with pytest.raises(ValueError, match="steps must be a positive int"):
        token_attributions(pipe, X[:1], method="integrated_gradients", steps=0)
    with pytest.raises(ValueError, match="target='neg' is not one of"):
        token_attributions(pipe, X[:1], target="neg")
    with pytest.raises(ValueError, match="Text 1 has no tokens"):
        token_attributions(pipe, [X[0], "  !! "])
    with pytest.raises(TypeError, match="IntegerSequencer -> Padder"):
        token_attributions(make_pipeline(Padder(), pipe[-1]), X[:1])
    unfitted = make_pipeline(IntegerSequencer(), Padder(), LSTMSequenceClassifier())
    with pytest.raises(NotFittedError):
        token_attributions(unfitted, X[:1])
    with pytest.raises(ValueError, match="Row 0 of X is all padding"):
        token_attributions(pipe[-1], np.zeros((1, 5), dtype=np.int32))


def test_integrated_gradients_find_the_planted_word(planted):
    # this tiny model is saturated: its probability jumps by ~0.98 within
    # 0.5% of the path, which the midpoint rule needs many steps to follow
    pipe, X, y = planted
    marked = [x for x, label in zip(X, y, strict=True) if label == "marked"][:10]
    results = token_attributions(pipe, marked, method="integrated_gradients",
                                 target="marked", steps=512)
    assert np.mean([r.top(1)[0][0] == MARKER for r in results]) >= 0.9
    for text, r in zip(marked, results, strict=True):
        np.testing.assert_array_equal(r.proba, pipe.predict_proba([text])[0])
        assert r.completeness_gap == pytest.approx(
            r.proba[list(pipe.classes_).index("marked")] - r.baseline_score
            - r.scores.sum())
    assert token_attributions(pipe, marked[:1])[0].completeness_gap is None


@pytest.mark.parametrize("params", [
    dict(mask_padding=False, bidirectional=True),
    dict(layer_type="gru", conv_filters=4, pooling="attention"),
])
def test_other_architectures_multiclass_and_reloaded_pipelines(rt_texts, params, tmp_path):
    texts, _ = rt_texts
    y = np.arange(len(texts)) % 3  # three classes
    pipe = make_pipeline(IntegerSequencer(num_words=500), Padder(maxlen=20),
                         LSTMSequenceClassifier(**{**SEED_ARCHITECTURE, **params},
                                                embedding_dim=8, units=8, epochs=1,
                                                random_state=0))
    pipe.fit(texts[:200], y[:200])
    short = [t for t in texts[200:260] if 3 <= len(t.split()) <= 12][:4]
    for r in token_attributions(pipe, short, method="integrated_gradients", target=2):
        assert len(r.scores) == len(r.tokens) and r.target == 2
        # completeness: the scores add up to f(text) - f(baseline)
        assert abs(r.scores.sum() - (r.proba[2] - r.baseline_score)) <= 1e-3
    occlusion = token_attributions(pipe, short, target=2)
    tokens = occlusion[0].tokens
    manual = [occlusion[0].proba[2]
              - pipe.predict_proba([tokens[:i] + tokens[i + 1:]])[0, 2]
              for i in range(len(tokens))]
    np.testing.assert_allclose(occlusion[0].scores, manual, rtol=0, atol=1e-6)
    # a pipeline reloaded with joblib or skseq.load explains the same way
    joblib.dump(pipe, tmp_path / "m.joblib")
    save(pipe, tmp_path / "m.skseq")
    for reloaded in (joblib.load(tmp_path / "m.joblib"), load(tmp_path / "m.skseq")):
        for a, b in zip(token_attributions(reloaded, short, target=2), occlusion,
                        strict=True):
            np.testing.assert_array_equal(a.scores, b.scores)


def test_top_tokens_finds_the_marker_and_plots(planted):
    pipe, X, _ = planted
    top = top_tokens(pipe, X[:60], n=3)
    assert set(top) == {"marked", "plain"}
    token, score, count = top["marked"][0]
    assert token == MARKER and score > 0.1 and count >= 2
    assert all(c >= 2 for _, _, c in top["plain"])
    scores = [s for _, s, _ in top["marked"]]
    assert scores == sorted(scores, reverse=True)
    figure = plot_top_tokens(top)
    assert [ax.get_title() for ax in figure.axes] == ["toward marked", "toward plain"]
    (result,) = token_attributions(pipe, [X[0]])
    labels = [t.get_text() for t in
              plot_token_attributions(result, top=3).axes[0].get_yticklabels()]
    assert labels == [t + (" (oov)" if result.oov[result.tokens.index(t)] else "")
                      for t, _ in result.top(3)]


def _integrated(pipe, texts, **kwargs):
    return token_attributions(pipe, texts, method="integrated_gradients", steps=16,
                              **kwargs)


def test_integrated_gradients_batched_equal_one_text_at_a_time(planted):
    # texts of many lengths share compiled calls (grouped by length, cut to
    # the group's longest): each text's scores are those it gets alone
    pipe, X, _ = planted
    texts = X[:23]
    together = _integrated(pipe, texts)
    for text, batched in zip(texts, together, strict=True):
        alone = _integrated(pipe, [text])[0]
        assert alone.tokens == batched.tokens and alone.target == batched.target
        np.testing.assert_allclose(batched.scores, alone.scores, rtol=0, atol=1e-6)
        assert batched.baseline_score == pytest.approx(alone.baseline_score, abs=1e-6)
        np.testing.assert_array_equal(batched.proba, alone.proba)


def test_integrated_gradients_do_not_depend_on_padding(planted):
    pipe, X, _ = planted
    texts = X[:8]
    reference = _integrated(pipe, texts, target="marked")
    sequencer, classifier = pipe[0], pipe[-1]
    for padder in (Padder(maxlen=24, padding="pre"), Padder(maxlen=60, padding="post")):
        other = make_pipeline(sequencer, padder.fit([[2]]), classifier)
        for a, b in zip(_integrated(other, texts, target="marked"), reference,
                        strict=True):
            np.testing.assert_allclose(a.scores, b.scores, rtol=0, atol=1e-6)
