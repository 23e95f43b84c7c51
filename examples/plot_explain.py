"""
Why did it say that? The most confident mistakes, explained
===========================================================

Two models, the R book's first LSTM and skseq's default, each get the test
reviews they were most sure about and got wrong; token attributions show
which words drove each mistake, and the corpus view shows what each model
learned to read as negative and positive.
"""

# %%
# Data and the two models (a slice of the training reviews when the
# examples run as a quick check).
import os

import matplotlib.pyplot as plt
import numpy as np

from skseq.datasets import load_imdb
from skseq.experiments import DEFAULT_MODEL, REFERENCE_MODELS
from skseq.inspection import token_attributions, top_tokens
from skseq.plotting import plot_token_attributions, plot_top_tokens

QUICK = os.environ.get("SKSEQ_EXAMPLES_QUICK") == "1"
X_train, y_train = load_imdb("train", return_X_y=True)
X_test, y_test = load_imdb("test", return_X_y=True)
if QUICK:
    X_train, y_train = X_train[:1000], y_train[:1000]
X_test, y_test = X_test[:300], y_test[:300]
overrides = {"epochs": 1} if QUICK else {}
models = {"R book model 1": REFERENCE_MODELS["R1"].make_pipeline(random_state=0, **overrides),
          "skseq default": DEFAULT_MODEL.make_pipeline(random_state=0, **overrides)}
for model in models.values():
    model.fit(X_train, y_train)

# %%
# Each model's most confident mistake: the wrong prediction with the largest
# probability, with the tokens that pushed the model toward its answer.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
for ax, (name, model) in zip(axes, models.items(), strict=True):
    proba = model.predict_proba(X_test)
    wrong = np.flatnonzero(proba.argmax(axis=1) != y_test)
    if wrong.size == 0:
        ax.set_title(f"{name}: no mistakes")
        continue
    worst = wrong[np.argmax(proba[wrong].max(axis=1))]
    (result,) = token_attributions(model, [X_test[worst]])
    print(f"{name}: review {worst} (true label {y_test[worst]}), predicted "
          f"{result.target} with p = {result.proba.max():.3f}")
    print("   ", X_test[worst][:200], "...")
    print("    top tokens:", result.top(8))
    plot_token_attributions(result, top=12, ax=ax)
    ax.set_title(f"{name}:\n{ax.get_title()}", fontsize=9)

# %%
# What each model reads as negative (class 0) and positive (class 1): every
# token's mean occlusion score over the test reviews, tokens seen at least
# 5 times.
for name, model in models.items():
    top = top_tokens(model, X_test[:100], n=10, min_count=5)
    figure = plot_top_tokens(top, axes=plt.figure(figsize=(8, 3.6),
                                                  layout="constrained").subplots(1, 2))
    figure.suptitle(name)
    print(name, {label: [token for token, _, _ in rows[:5]] for label, rows in top.items()})
