"""
Numeric sequences: who is speaking, from 12 speech features per frame
=====================================================================

A sequence need not be words: here each step is a frame of 12 LPC cepstrum
coefficients of a Japanese vowel, and the class is which of nine speakers
said it (:func:`skseq.datasets.load_time_series`, ``'JapaneseVowels'``, 7
to 29 frames per utterance). :class:`~skseq.Padder` pads the
``(frames, 12)`` rows with all-NaN steps (the exact padding mask),
:class:`~skseq.LSTMSequenceClassifier` standardises each feature with the
training steps' statistics and reads the steps through its convolution and
LSTM. We compare it with 1-NN DTW, the archive's classic baseline, and ask
which frames and which coefficients a prediction rested on.
"""

# %%
# Data: the archive's own train/test split.
import os

import numpy as np
from sklearn.pipeline import make_pipeline

from skseq import LSTMSequenceClassifier, Padder
from skseq.datasets import load_time_series
from skseq.inspection import step_attributions
from skseq.plotting import plot_step_attributions

QUICK = os.environ.get("SKSEQ_EXAMPLES_QUICK") == "1"
X_train, y_train = load_time_series("JapaneseVowels", "train", return_X_y=True)
X_test, y_test = load_time_series("JapaneseVowels", "test", return_X_y=True)
print(f"{len(X_train)} training utterances, {len(X_test)} test; "
      f"{X_train[0].shape[1]} features per frame, "
      f"{min(map(len, X_train))}-{max(map(len, X_train))} frames")

# %%
# The model: the bare classifier with the time-series recipe of the
# results page (small sets need more, smaller batches: batch 16, 200 epochs
# without early stopping).
model = make_pipeline(
    Padder(),
    LSTMSequenceClassifier(batch_size=16, epochs=5 if QUICK else 200,
                           early_stopping=False, random_state=0),
)
model.fit(X_train, y_train)
print(f"skseq test accuracy: {model.score(X_test, y_test):.4f}")

# %%
# The peer, when aeon's estimators are importable (``skseq[timeseries]``
# installs aeon): 1-NN with dynamic time warping on the same rows, in aeon's
# channels-first layout.
try:
    from aeon.classification.distance_based import KNeighborsTimeSeriesClassifier
except ImportError:
    KNeighborsTimeSeriesClassifier = None
if KNeighborsTimeSeriesClassifier is not None and not QUICK:
    knn = KNeighborsTimeSeriesClassifier(distance="dtw")
    knn.fit([row.T for row in X_train], y_train)
    accuracy = np.mean(knn.predict([row.T for row in X_test]) == y_test)
    print(f"1-NN DTW test accuracy: {accuracy:.4f}")

# %%
# Why: each frame, then each coefficient, replaced by its training mean
# (the model reads it as 0); the drop in the predicted speaker's
# probability is its score.
attribution = step_attributions(model, X_test[:1])[0]
print("most influential frames:", attribution.top_steps(3))
fig = plot_step_attributions(attribution,
                             feature_names=[f"c{i + 1}" for i in range(12)])
