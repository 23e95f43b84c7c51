"""
Numbers from text: how widely a tweet spread
============================================

:class:`~skseq.LSTMSequenceRegressor` is the classifier's network with a
linear output: it predicts a number per text. Targets are standardised
inside ``fit`` and mapped back in ``predict``. The data: 20,761 real tweets
and the log of their retweet counts (see :func:`skseq.datasets.load_tweets`).
We compare it with the linear peer, TF-IDF + ``RidgeCV``, and plot the
predictions against the true values.
"""

# %%
# Data: a seeded 75/25 split.
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import RidgeCV
from sklearn.metrics import mean_absolute_error, r2_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skseq import IntegerSequencer, LSTMSequenceRegressor, Padder
from skseq.datasets import load_tweets
from skseq.inspection import token_attributions

QUICK = os.environ.get("SKSEQ_EXAMPLES_QUICK") == "1"
X, y = load_tweets(return_X_y=True)
if QUICK:
    X, y = X[:3000], y[:3000]
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.25, random_state=0)
print(f"{len(X_train)} training tweets; log1p(retweets) mean {y.mean():.2f}, "
      f"std {y.std():.2f}")

# %%
# The regressor: the default model's layout, squared error, early stopping
# scored by R² on a held-out 10%.
model = make_pipeline(
    IntegerSequencer(num_words=10000), Padder(maxlen=60, padding="post"),
    LSTMSequenceRegressor(conv_filters=32, units=100, pooling="max_mean",
                          embedding_dropout=0.2, linear_ngrams=2, early_stopping=True,
                          scoring="r2", epochs=2 if QUICK else 10, random_state=0),
)
model.fit(X_train, y_train)
peer = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True),
                     RidgeCV(alphas=np.logspace(-3, 3, 13))).fit(X_train, y_train)
for name, estimator in [("skseq", model), ("TF-IDF + RidgeCV", peer)]:
    pred = estimator.predict(X_test)
    print(f"{name}: R² {r2_score(y_test, pred):.3f}, "
          f"MAE {mean_absolute_error(y_test, pred):.3f}")

# %%
# Predicted against true values on the test tweets.
pred = model.predict(X_test)
fig, ax = plt.subplots(figsize=(5, 5), layout="constrained")
ax.scatter(y_test, pred, s=4, alpha=0.3)
low, high = float(y.min()), float(y.max())
ax.plot([low, high], [low, high], color="black", linewidth=1)
ax.set_xlabel("true log1p(retweets)")
ax.set_ylabel("predicted")
ax.set_title(f"LSTMSequenceRegressor, test R² {r2_score(y_test, pred):.3f}")

# %%
# Explanations: the change in the predicted value when each word is removed.
for result in token_attributions(model, X_test[:2]):
    print(f"predicted {result.proba[0]:.2f}:", result.top(4))
