"""LogCountRatioTransformer: naive Bayes feature weights for a linear partner."""

from numbers import Real

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils import ClassifierTags
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import check_is_fitted, check_non_negative, validate_data

from ._fixes import Interval

__all__ = ["LogCountRatioTransformer"]


class LogCountRatioTransformer(TransformerMixin, BaseEstimator):
    """Scale count features by their naive Bayes log-count ratio.

    The features of NBSVM (Wang and Manning, 2012): each column ``j`` of a
    document-term matrix is (optionally binarised and) multiplied by

    .. math:: r_j = \\log \\frac{(\\alpha + p_j) / \\lVert \\alpha + p \\rVert_1}
                                {(\\alpha + q_j) / \\lVert \\alpha + q \\rVert_1}

    where ``p`` and ``q`` are the feature sums over the training documents
    of the positive (``classes_[1]``) and negative (``classes_[0]``) class.
    A linear classifier on these features starts from what naive Bayes
    knows about each n-gram and learns how far to trust it; on sentiment it
    is a stronger linear model than TF-IDF (the results page measures both),
    and therefore the linear partner to stack a skseq pipeline with.

    Place it between :class:`~sklearn.feature_extraction.text.CountVectorizer`
    and a linear model, e.g. :class:`~sklearn.linear_model.LogisticRegression`.
    Binary targets only: the ratio compares two classes.

    Parameters
    ----------
    alpha : float, default=1.0
        Additive smoothing of the per-class sums (> 0).
    binary : bool, default=True
        Count a feature once per document (``x > 0``) before weighting, as
        NBSVM does. ``False`` weights the counts as given.

    Attributes
    ----------
    classes_ : ndarray of shape (2,)
        The two class labels; ``classes_[1]`` is the positive class, whose
        features get positive weights.
    log_count_ratio_ : ndarray of shape (n_features,)
        The weight ``r`` of each feature.
    n_features_in_ : int
        Number of features seen during ``fit``.

    See Also
    --------
    sklearn.feature_extraction.text.TfidfTransformer : Unsupervised weights.

    References
    ----------
    S. Wang and C. D. Manning, "Baselines and Bigrams: Simple, Good Sentiment
    and Topic Classification", ACL 2012.

    Examples
    --------
    >>> from skseq import LogCountRatioTransformer
    >>> X = [[2, 0, 1], [1, 0, 1], [0, 3, 1]]
    >>> weights = LogCountRatioTransformer().fit(X, [1, 1, 0])
    >>> weights.log_count_ratio_.round(3)
    array([ 0.762, -1.03 ,  0.069])
    >>> weights.transform(X)[2].round(3)
    array([ 0.   , -1.03 ,  0.069])
    """

    _parameter_constraints = {
        "alpha": [Interval(Real, 0, None, closed="neither")],
        "binary": ["boolean"],
    }

    def __init__(self, *, alpha=1.0, binary=True):
        self.alpha = alpha
        self.binary = binary

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y):
        """Learn the log-count ratio of every feature.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Non-negative feature counts, e.g. from ``CountVectorizer``.
        y : array-like of shape (n_samples,)
            Binary class labels.

        Returns
        -------
        self : LogCountRatioTransformer
            The fitted transformer.
        """
        X, y = validate_data(self, X, y, accept_sparse=["csr", "csc"],
                             dtype=[np.float64, np.float32])
        check_non_negative(X, "LogCountRatioTransformer (X must hold counts)")
        check_classification_targets(y)
        classes = unique_labels(y)
        if len(classes) != 2:
            found = "one class" if len(classes) == 1 else f"{len(classes)} classes"
            raise ValueError(
                "LogCountRatioTransformer needs exactly 2 classes in y (the ratio "
                f"compares two classes); got {found}: {classes.tolist()[:10]}")
        X = self._binarised(X)
        positive = np.asarray(X[y == classes[1]].sum(axis=0)).ravel() + self.alpha
        negative = np.asarray(X[y == classes[0]].sum(axis=0)).ravel() + self.alpha
        self.classes_ = classes
        self.log_count_ratio_ = (np.log(positive / positive.sum())
                                 - np.log(negative / negative.sum()))
        return self

    def transform(self, X):
        """Weight each feature by its log-count ratio.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Non-negative feature counts, in the ``n_features_in_`` columns
            seen in ``fit``.

        Returns
        -------
        X_weighted : {ndarray, sparse matrix} of shape (n_samples, n_features)
            Sparse (CSR) when ``X`` is sparse.
        """
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse=["csr", "csc"],
                          dtype=[np.float64, np.float32], reset=False)
        check_non_negative(X, "LogCountRatioTransformer (X must hold counts)")
        X = self._binarised(X)
        if sp.issparse(X):
            return sp.csr_matrix(X.multiply(self.log_count_ratio_.astype(X.dtype)))
        return X * self.log_count_ratio_.astype(X.dtype)

    def _binarised(self, X):
        if not self.binary:
            return X
        if sp.issparse(X):
            X = X.copy()
            X.data = (X.data > 0).astype(X.dtype)
            return X
        return (X > 0).astype(X.dtype)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        tags.target_tags.required = True
        # binary targets only: scikit-learn's checks read this tag to
        # draw two-class targets (it is the classifiers' tag, and the only
        # way to say so for an estimator that needs y)
        tags.classifier_tags = ClassifierTags(multi_class=False)
        return tags
