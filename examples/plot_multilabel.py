"""
Multi-label tags: movie genres from titles, read per label
==========================================================

A film can be a comedy *and* a romance. :class:`~skseq.LSTMSequenceClassifier`
takes a 0/1 label indicator matrix ``y`` (one column per label, as
``MLPClassifier`` does): one sigmoid output per label, binary
cross-entropy, ``predict`` returning the indicator matrix. The data: 58,788
real IMDB movie titles tagged with any of 7 genres (see
:func:`skseq.datasets.load_movie_titles`); titles are short, so the task is
hard. We compare it with the linear peer, one-vs-rest TF-IDF + logistic
regression, and read each label through sensitivity and specificity.
"""

# %%
# Data: a seeded 75/25 split of the titles.
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_movie_titles
from skseq.inspection import token_attributions
from skseq.metrics import sensitivity_score, specificity_score

QUICK = os.environ.get("SKSEQ_EXAMPLES_QUICK") == "1"
data = load_movie_titles()
X, Y = data.data, data.target
if QUICK:
    X, Y = X[:3000], Y[:3000]
X_train, X_test, Y_train, Y_test = train_test_split(X, Y, test_size=0.25, random_state=0)
print(f"{len(X_train)} training titles; labels {data.target_names}")
print(f"share of titles with each label: {Y.mean(axis=0).round(3).tolist()}")

# %%
# The skseq pipeline: the default model's layout, early stopping on a
# validation part that keeps every label present.
model = make_pipeline(
    IntegerSequencer(num_words=10000), Padder(maxlen=20, padding="post"),
    LSTMSequenceClassifier(conv_filters=32, units=100, pooling="max_mean",
                           embedding_dropout=0.2, linear_ngrams=2, early_stopping=True,
                           epochs=2 if QUICK else 10, random_state=0),
)
model.fit(X_train, Y_train)
peer = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                     OneVsRestClassifier(LogisticRegression(C=10, max_iter=1000)))
peer.fit(X_train, Y_train)
for name, estimator in [("skseq", model), ("TF-IDF + LR", peer)]:
    pred = estimator.predict(X_test)
    print(f"{name}: F1 samples {f1_score(Y_test, pred, average='samples', zero_division=0):.3f}"
          f", macro {f1_score(Y_test, pred, average='macro', zero_division=0):.3f}")

# %%
# Per label: sensitivity (titles with the genre that were tagged with it)
# and specificity (titles without it that were not).
pred = model.predict(X_test)
sens = [sensitivity_score(Y_test[:, j], pred[:, j]) for j in range(Y.shape[1])]
spec = [specificity_score(Y_test[:, j], pred[:, j]) for j in range(Y.shape[1])]
positions = np.arange(Y.shape[1])
fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
ax.bar(positions - 0.2, sens, 0.4, label="sensitivity")
ax.bar(positions + 0.2, spec, 0.4, label="specificity")
ax.set_xticks(positions, data.target_names)
ax.set_ylim(0, 1)
ax.set_title("LSTMSequenceClassifier on movie titles: per-genre recall")
ax.legend()

# %%
# Explanations per label: which words of a title push it toward "Comedy".
comedy = data.target_names.index("Comedy")
for result in token_attributions(model, ["Love and Death in the City",
                                         "The Funny Little Monster"], target=comedy):
    print(f"P(Comedy) = {result.proba[comedy]:.3f}:", result.top(3))
