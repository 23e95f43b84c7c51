"""
Serving a pipeline with TensorFlow alone
========================================

A fitted skseq pipeline needs Python, scikit-learn and skseq. To serve it
from TensorFlow Serving or a Java or Go service, export it:
:func:`skseq.export_saved_model` rebuilds the whole pipeline (tokenising,
vocabulary, padding, the network and ``predict_proba``) as TensorFlow ops
and writes a SavedModel that reads raw strings. Here we fit a small
sentiment pipeline on Rotten Tomatoes sentences, export it, load it back
with TensorFlow only, and compare its outputs and speed with the pipeline's.
"""

# %%
# A pipeline fitted on 6,000 sentences.
import os
import tempfile
import time
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf
from sklearn.pipeline import make_pipeline

import skseq
from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_rotten_tomatoes

QUICK = os.environ.get("SKSEQ_EXAMPLES_QUICK") == "1"
X, y = load_rotten_tomatoes(return_X_y=True)
order = np.random.RandomState(0).permutation(len(X))
train, test = order[:6000], order[6000:]
if QUICK:
    train, test = train[:800], test[:600]
X_train, y_train = [X[i] for i in train], y[train]
X_test = [X[i] for i in test]
pipeline = make_pipeline(IntegerSequencer(), Padder(maxlen=60),
                         LSTMSequenceClassifier(epochs=1 if QUICK else 3, random_state=0))
pipeline.fit(X_train, y_train)

# %%
# Export: written beside the target, checked against the pipeline on texts
# of every kind, then renamed into place. The command line does the same:
# ``python -m skseq export model.skseq served/``.
folder = Path(tempfile.mkdtemp())
difference = skseq.export_saved_model(pipeline, folder / "served")
print(f"largest difference on the check texts: {difference}")

# %%
# Load it as a TensorFlow service would: nothing of skseq or scikit-learn
# is needed to run it. The signature takes raw strings.
serve = tf.saved_model.load(str(folder / "served")).signatures["serving_default"]
texts = ["A moving, funny film.", "Dull and far too long.", "", "ΤΈΛΕΙΟ! 👍🏽"]
out = serve(texts=tf.constant(texts))
for text, label, proba in zip(texts, out["label"].numpy(), out["probabilities"].numpy(),
                              strict=True):
    print(f"{label}  P(positive)={proba[1]:.3f}  {text!r}")

# %%
# The same numbers as the pipeline, on every test sentence.
served = np.concatenate([serve(texts=tf.constant(X_test[i:i + 256]))["probabilities"]
                         for i in range(0, len(X_test), 256)])
print(f"largest difference over {len(X_test)} test sentences: "
      f"{np.abs(served - pipeline.predict_proba(X_test)).max()}")

# %%
# Throughput at a few batch sizes (sentences per second, best of 3).
sizes, rates = [1, 16, 64, 256], {"pipeline": [], "SavedModel": []}
for size in sizes:
    batches = [X_test[i:i + size] for i in range(0, min(len(X_test), 40 * size), size)]
    for name, run in [("pipeline", pipeline.predict_proba),
                      ("SavedModel", lambda b: serve(texts=tf.constant(b)))]:
        run(batches[0])  # warm-up
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            for batch in batches:
                run(batch)
            best = min(best, time.perf_counter() - start)
        rates[name].append(sum(map(len, batches)) / best)
fig, ax = plt.subplots(figsize=(6, 4), layout="constrained")
for name, values in rates.items():
    ax.plot(sizes, values, marker="o", label=name)
ax.set(xscale="log", yscale="log", xlabel="batch size", ylabel="sentences per second",
       title="Prediction throughput")
ax.legend()
plt.show()
