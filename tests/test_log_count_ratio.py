"""LogCountRatioTransformer: NBSVM weights, exact on counts written by hand."""

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils.estimator_checks import parametrize_with_checks

from skseq import LogCountRatioTransformer

X = np.array([[2, 0, 1, 0], [1, 0, 1, 0], [0, 3, 1, 1], [0, 1, 0, 5]])
Y = np.array(["pos", "pos", "neg", "neg"])


@parametrize_with_checks([LogCountRatioTransformer(),
                          LogCountRatioTransformer(alpha=0.5, binary=False)])
def test_sklearn_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("binary", [True, False])
def test_ratio_matches_the_formula(binary):
    counts = (X > 0) if binary else X
    p = counts[Y == "pos"].sum(axis=0) + 1.0
    q = counts[Y == "neg"].sum(axis=0) + 1.0
    expected = np.log(p / p.sum()) - np.log(q / q.sum())
    weights = LogCountRatioTransformer(binary=binary).fit(X, Y)
    assert weights.classes_.tolist() == ["neg", "pos"]  # classes_[1] is positive
    np.testing.assert_allclose(weights.log_count_ratio_, expected, rtol=1e-12)
    np.testing.assert_allclose(weights.transform(X), counts * expected, rtol=1e-12)


def test_sparse_input_gives_the_dense_result_as_csr():
    weights = LogCountRatioTransformer().fit(sp.csc_matrix(X), Y)
    np.testing.assert_allclose(weights.log_count_ratio_,
                               LogCountRatioTransformer().fit(X, Y).log_count_ratio_)
    out = weights.transform(sp.csr_matrix(X))
    assert sp.issparse(out) and out.format == "csr"
    np.testing.assert_allclose(out.toarray(), weights.transform(X))


def test_input_is_not_changed():
    sparse = sp.csr_matrix(X.astype(float))
    LogCountRatioTransformer().fit(sparse, Y).transform(sparse)
    np.testing.assert_array_equal(sparse.toarray(), X)


def test_clear_errors():
    with pytest.raises(ValueError, match="exactly 2 classes in y.*got 3 classes"):
        LogCountRatioTransformer().fit(X[:3], [0, 1, 2])
    with pytest.raises(ValueError, match="Negative values.*must hold counts"):
        LogCountRatioTransformer().fit(-X, Y)
    with pytest.raises(ValueError, match="alpha"):
        LogCountRatioTransformer(alpha=0).fit(X, Y)
    fitted = LogCountRatioTransformer().fit(X, Y)
    with pytest.raises(ValueError, match="4 features"):
        fitted.transform(X[:, :3])


def test_nbsvm_pipeline_learns_review_sentiment(rt_texts):
    texts, y = rt_texts
    pipe = make_pipeline(CountVectorizer(ngram_range=(1, 2), binary=True),
                         LogCountRatioTransformer(), LogisticRegression())
    pipe.fit(texts[:450], y[:450])
    weights = pipe[1]
    vocab = pipe[0].vocabulary_
    # words of praise weigh toward the positive class, words of blame away
    assert weights.log_count_ratio_[vocab["best"]] > 0 > weights.log_count_ratio_[vocab["bad"]]
    assert pipe.score(texts[450:], y[450:]) > 0.6
