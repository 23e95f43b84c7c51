"""
Quick start: raw reviews to a saved, reloaded classifier
=========================================================

A :class:`~sklearn.pipeline.Pipeline` of :class:`~skseq.IntegerSequencer`,
:class:`~skseq.Padder` and :class:`~skseq.LSTMSequenceClassifier` learns
from raw IMDB reviews, is evaluated with the R book's table, and survives a
round trip through ``joblib`` and through skseq's code-free ``.skseq``
format.
"""

# %%
# Data: the protocol split of the 25,000 real IMDB reviews (no download).
import os
import tempfile

import joblib
import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

import skseq
from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_imdb
from skseq.metrics import evaluation_report, format_report
from skseq.plotting import plot_history

QUICK = os.environ.get("SKSEQ_EXAMPLES_QUICK") == "1"
X_train, y_train = load_imdb("train", return_X_y=True)
X_test, y_test = load_imdb("test", return_X_y=True)
if QUICK:
    X_train, y_train, X_test, y_test = X_train[:1500], y_train[:1500], X_test[:500], y_test[:500]
print(f"{len(X_train)} training reviews, e.g.: {X_train[0][:120]}...")

# %%
# The pipeline: skseq's defaults are its recommended model (the one
# ``python -m skseq`` trains): every word, whole reviews, a convolution +
# LSTM network with max + mean pooling and a linear word and word-pair
# head with naive Bayes step sizes, stopping early: at most 10 epochs,
# scored on a held-out 10% of the training reviews, the best epoch kept.
model = make_pipeline(
    IntegerSequencer(),
    Padder(),
    LSTMSequenceClassifier(epochs=2 if QUICK else 10, random_state=0, verbose=2),
)
model.fit(X_train, y_train)
clf = model[-1]
print(f"stopped after {clf.n_iter_} epochs; kept the best, validation loss "
      f"{-clf.best_validation_score_:.3f}")

# %%
# Evaluate: loss, accuracy, specificity (recall of negative reviews) and
# sensitivity (recall of positive reviews) on both sets.
report = evaluation_report({"conv+LSTM": model},
                           {"train": (X_train, y_train), "test": (X_test, y_test)})
print(format_report(report))
plot_history(model, axes=plt.figure(figsize=(9, 3.6), layout="constrained").subplots(1, 2))

# %%
# Persistence. ``joblib`` works (only load pickles you trust: loading one
# runs code); ``skseq.save`` writes a format that runs no code on load.
folder = tempfile.mkdtemp()
joblib.dump(model, os.path.join(folder, "model.joblib"))
skseq.save(model, os.path.join(folder, "model.skseq"))
for name, loaded in [("joblib", joblib.load(os.path.join(folder, "model.joblib"))),
                     ("skseq", skseq.load(os.path.join(folder, "model.skseq")))]:
    same = np.array_equal(loaded.predict_proba(X_test[:100]),
                          model.predict_proba(X_test[:100]))
    print(f"{name}: reloaded predictions identical: {same}")

print(loaded.predict(["A moving, beautifully acted film.", "Two hours I will never get back."]))
