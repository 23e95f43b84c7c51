"""
The R book's four LSTM models, and the bias accuracy hides
==========================================================

The R keras book trains four small recurrent networks on IMDB (the 500 most
frequent words, reviews cut to 200 tokens, 32-unit LSTMs, 10 epochs, batch
128, 20% validation) and compares them by loss, accuracy, specificity and
sensitivity: rmsprop, adam, two stacked LSTMs and a bidirectional LSTM. Here
each is one skseq pipeline from :mod:`skseq.experiments`.
"""

# %%
import os

import matplotlib.pyplot as plt

from skseq.datasets import load_imdb
from skseq.experiments import EXPERIMENTS, REFERENCE_MODELS
from skseq.metrics import evaluation_report, format_report
from skseq.plotting import plot_history

QUICK = os.environ.get("SKSEQ_EXAMPLES_QUICK") == "1"
X_train, y_train = load_imdb("train", return_X_y=True)
X_test, y_test = load_imdb("test", return_X_y=True)
if QUICK:
    X_train, y_train, X_test, y_test = X_train[:1500], y_train[:1500], X_test[:500], y_test[:500]

# %%
# Train the four models. ``REFERENCE_MODELS["R1"].make_pipeline()`` is
# ``IntegerSequencer(num_words=500) -> Padder(maxlen=200) ->
# LSTMSequenceClassifier(units=32, optimizer="rmsprop", epochs=10,
# batch_size=128, validation_split=0.2)``; the others change one setting.
models = {}
for key in EXPERIMENTS["r-book"]:
    reference = REFERENCE_MODELS[key]
    pipe = reference.make_pipeline(random_state=0, **({"epochs": 2} if QUICK else {}))
    models[key] = pipe.fit(X_train, y_train)
    print(f"{key}: {reference.description}, "
          f"{pipe.named_steps['classifier'].model_.count_params():,} parameters")

# %%
# The book's summary table, on the training and test reviews. The book's
# lesson: similar accuracies can hide very different specificity and
# sensitivity, i.e. a bias toward one class.
report = evaluation_report(models, {"train": (X_train, y_train), "test": (X_test, y_test)},
                           as_frame=True)
print(format_report(report.drop(columns="confusion_matrix")))
print("\npublished test accuracy (25k/25k split):",
      {k: REFERENCE_MODELS[k].published_accuracy for k in models})

# %%
# Training curves, training vs validation, as in the book.
fig = plt.figure(figsize=(10, 12), layout="constrained")
for row, (key, pipe) in zip(fig.subfigures(4, 1), models.items(), strict=True):
    plot_history(pipe, axes=row.subplots(1, 2))
    row.suptitle(REFERENCE_MODELS[key].description)
