"""
Models worth searching: early stopping, word vectors, n-grams, and a stack
==========================================================================

A search over skseq pipelines that each stop early on their own training
part; word vectors learnt from the training reviews themselves (nothing is
downloaded); a linear head over words and word pairs trained with the LSTM
(``linear_ngrams=2``, the default pipeline's); the best skseq pipeline
compared with a TF-IDF + logistic regression pipeline, and stacked with an
NBSVM pipeline (naive Bayes weighted n-grams + logistic regression) through
scikit-learn's ``StackingClassifier``. ``benchmarks/bench_quality.py`` runs
the same study on the full protocol split; the results page has its
numbers.
"""

# %%
# Data: the protocol split of the real IMDB reviews (a slice when the
# examples run as a quick check).
import os
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.ensemble import StackingClassifier
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.frozen import FrozenEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, StratifiedShuffleSplit
from sklearn.pipeline import Pipeline, make_pipeline

from skseq import IntegerSequencer, LogCountRatioTransformer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_imdb
from skseq.embeddings import cooccurrence_vectors
from skseq.metrics import SCORING, evaluation_report, format_report

QUICK = os.environ.get("SKSEQ_EXAMPLES_QUICK") == "1"
X_train, y_train = load_imdb("train", return_X_y=True)
X_test, y_test = load_imdb("test", return_X_y=True)
if QUICK:
    X_train, y_train, X_test, y_test = X_train[:800], y_train[:800], X_test[:400], y_test[:400]

# %%
# Word vectors from co-occurrence: positive pointwise mutual information of
# words within 5 tokens of each other, factorised to 100 dimensions. The
# sequencer is fitted once and frozen inside the pipeline, so the ids the
# vectors are aligned to stay the same in every fold of the search.
sequencer = IntegerSequencer(num_words=10000).fit(X_train)
vectors = cooccurrence_vectors(sequencer, X_train, n_components=100, random_state=0)
vocab = sequencer.vocabulary_
for word in ("great", "awful"):
    if word in vocab:
        similarity = vectors[2:] @ vectors[vocab[word]]
        nearest = [w for w, _ in sorted(vocab.items(),
                                        key=lambda item: -similarity[item[1] - 2])[1:6]]
        print(f"nearest to {word!r}: {', '.join(nearest)}")

# %%
# The search: three recurrent pipelines (max + mean pooling alone, with
# word vectors, with the linear word and word-pair head), each with early
# stopping (at most 10 epochs, patience 2, best epoch kept), on one
# stratified 80/20 split of the training reviews, scored with accuracy,
# specificity and sensitivity.
common = dict(epochs=2 if QUICK else 10, random_state=0)
candidates = {
    "max+mean pooling": dict(linear_ngrams=0),
    "+ word vectors": dict(linear_ngrams=0, embeddings=vectors, embedding_dim=100),
    "+ linear words and pairs (the default)": dict(),
}
pipe = Pipeline([("sequencer", FrozenEstimator(sequencer)),
                 ("padder", Padder(maxlen=500, padding="post")),
                 ("classifier", LSTMSequenceClassifier(**common))])
grid = [{"classifier": [LSTMSequenceClassifier(**common, **c)]} for c in candidates.values()]
start = time.perf_counter()
search = GridSearchCV(pipe, grid, scoring=SCORING, refit="accuracy",
                      cv=StratifiedShuffleSplit(n_splits=1, test_size=0.2, random_state=0))
search.fit(X_train, y_train)
print(f"search: {time.perf_counter() - start:.0f} s")
results = search.cv_results_
for i, name in enumerate(candidates):
    print(f"{name:30s} validation accuracy {results['mean_test_accuracy'][i]:.3f}, "
          f"specificity {results['mean_test_specificity'][i]:.3f}, "
          f"sensitivity {results['mean_test_sensitivity'][i]:.3f}")

# %%
# The linear baseline, its ``C`` chosen by cross-validation.
linear = GridSearchCV(make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2,
                                                    sublinear_tf=True),
                                    LogisticRegression(max_iter=1000)),
                      {"logisticregression__C": [1, 10]}, cv=3).fit(X_train, y_train)

# %%
# A stack: the best skseq pipeline and NBSVM (binary 1-3 gram counts
# scaled by their naive Bayes log-count ratio, then a logistic regression),
# combined by a logistic regression learnt from 3-fold out-of-fold
# probabilities. The stack refits both pipelines on each fold and on all
# training reviews (FrozenEstimator would skip the refit, but then the
# final model would learn from the LSTM's predictions on its own training
# data).
nbsvm = make_pipeline(CountVectorizer(ngram_range=(1, 3), min_df=2, binary=True,
                                      token_pattern=r"(?u)\b\w+\b|[!?]"),
                      LogCountRatioTransformer(), LogisticRegression(C=1, max_iter=1000))
stack = StackingClassifier([("lstm", search.best_estimator_), ("nbsvm", nbsvm)],
                           final_estimator=LogisticRegression(),
                           cv=StratifiedKFold(3, shuffle=True, random_state=0),
                           stack_method="predict_proba").fit(X_train, y_train)
print("stack weights (LSTM, NBSVM):", stack.final_estimator_.coef_.round(2))
report = evaluation_report({"best skseq": search.best_estimator_,
                            "TF-IDF + LR": linear.best_estimator_,
                            "NBSVM": stack.named_estimators_["nbsvm"], "stack": stack},
                           {"test": (X_test, y_test)})
print(format_report([{k: v for k, v in r.items() if k != "confusion_matrix"}
                     for r in report]))

# %%
# The picture: accuracy, specificity and sensitivity on the test reviews.
fig, ax = plt.subplots(figsize=(7, 3.2), layout="constrained")
metrics = ["accuracy", "specificity", "sensitivity"]
for i, row in enumerate(report):
    ax.bar(np.arange(3) + 0.2 * (i - 1.5), [row[m] for m in metrics], width=0.19,
           label=row["model"])
ax.set_xticks(range(3), metrics)
ax.set_ylim(0.5, 1.0)
ax.legend(loc="lower right")
ax.set_title("test reviews")
