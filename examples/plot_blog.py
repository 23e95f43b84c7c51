"""
The blog's four LSTM models: plain, dropout, recurrent dropout, conv + LSTM
===========================================================================

The Python Keras blog post trains an LSTM(100) on IMDB (the 5,000 most
frequent words, reviews padded to 500 tokens, 3 epochs, batch 64, adam),
then adds dropout layers, recurrent dropout, and a convolution + max pooling
front end. Each variant is one constructor argument of
:class:`~skseq.LSTMSequenceClassifier`.
"""

# %%
import os
import time

import matplotlib.pyplot as plt
import numpy as np

from skseq.datasets import load_imdb
from skseq.experiments import EXPERIMENTS, REFERENCE_MODELS
from skseq.metrics import evaluation_report, format_report

QUICK = os.environ.get("SKSEQ_EXAMPLES_QUICK") == "1"
X_train, y_train = load_imdb("train", return_X_y=True)
X_test, y_test = load_imdb("test", return_X_y=True)
if QUICK:
    X_train, y_train, X_test, y_test = X_train[:1000], y_train[:1000], X_test[:400], y_test[:400]

# %%
# M1 plain; M2 ``dropout=0.2``; M3 ``recurrent_dropout=0.2``; M4
# ``conv_filters=32`` (Conv1D(32, 3) + MaxPooling1D(2) before the LSTM).
models, seconds = {}, {}
for key in EXPERIMENTS["blog"]:
    pipe = REFERENCE_MODELS[key].make_pipeline(random_state=0, **({"epochs": 1} if QUICK else {}))
    start = time.perf_counter()
    models[key] = pipe.fit(X_train, y_train)
    seconds[key] = time.perf_counter() - start

# %%
# Test results beside the published accuracies (which used twice the
# training data) and the time each model took to train.
report = evaluation_report(models, {"test": (X_test, y_test)}, as_frame=True)
report["published"] = [REFERENCE_MODELS[k].published_accuracy for k in report["model"]]
report["fit s"] = [seconds[k] for k in report["model"]]
print(format_report(report.drop(columns="confusion_matrix"), digits=3))

# %%
# Accuracy vs training time: the convolution halves the sequence the LSTM
# reads, so M4 is the fastest and (on the full data) the most accurate.
fig, ax = plt.subplots(figsize=(5, 3.6), layout="constrained")
ax.scatter(report["fit s"], report["accuracy"])
for _, row in report.iterrows():
    ax.annotate(row["model"], (row["fit s"], row["accuracy"]), textcoords="offset points",
                xytext=(4, 4))
ax.set_xlabel("training time (s)")
ax.set_ylabel("test accuracy")
ax.set_ylim(np.min(report["accuracy"]) - 0.02, np.max(report["accuracy"]) + 0.02)
