"""
A character-level task: the gender of a first name
==================================================

Names have no words to split: what carries the gender is in the letters
(``-a``, ``-o``, ``-ette``, each language's spelling). The data: 35,972
first names from many countries marked female or male
(:func:`skseq.datasets.load_first_names`, the dictionary of the
``gender-guesser`` package). ``analyzer="char_wb"`` reads each name as its
characters between two boundary tokens, so the n-gram head's character
1-5-grams (beside the LSTM) see where a name starts and ends. The
peer a user would pick: TF-IDF character n-grams within word boundaries
and logistic regression. Then: which letters decided a prediction, and a
round trip through the safe ``.skseq`` format.
"""

# %%
import os
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegressionCV
from sklearn.pipeline import make_pipeline

import skseq
from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_first_names
from skseq.inspection import token_attributions

QUICK = os.environ.get("SKSEQ_EXAMPLES_QUICK") == "1"
X_train, y_train = load_first_names("train", return_X_y=True)
X_test, y_test = load_first_names("test", return_X_y=True)
if QUICK:
    X_train, y_train, X_test, y_test = X_train[:2000], y_train[:2000], X_test[:500], y_test[:500]
print(f"{len(X_train)} training names, {len(X_test)} test; e.g. {X_train[:5]}")

# %%
model = make_pipeline(
    IntegerSequencer(analyzer="char_wb"), Padder(),
    LSTMSequenceClassifier(linear_ngrams=5, optimizer__learning_rate=3e-4,
                           epochs=1 if QUICK else 10, random_state=0))
start = time.perf_counter()
model.fit(X_train, y_train)
print(f"skseq characters: accuracy {model.score(X_test, y_test):.4f}, "
      f"fit {time.perf_counter() - start:.0f} s")

peer = make_pipeline(TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 4),
                                     sublinear_tf=True),
                     LogisticRegressionCV(max_iter=2000))
start = time.perf_counter()
peer.fit(X_train, y_train)
print(f"TF-IDF char_wb 1-4 + LR: accuracy {peer.score(X_test, y_test):.4f}, "
      f"fit {time.perf_counter() - start:.0f} s")

# %%
# The letters behind three predictions (toward the predicted gender).
for result, name in zip(token_attributions(model, ["Marietta", "Giovanni", "Kai"]),
                        ["Marietta", "Giovanni", "Kai"], strict=True):
    print(f"{name}: {result.target} ({result.proba.max():.2f}) "
          + " ".join(f"{t}{s:+.2f}" for t, s in zip(result.tokens, result.scores,
                                                     strict=True)))

# %%
# Character pipelines save to the safe format like word pipelines.
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / "names.skseq"
    skseq.save(model, path)
    again = skseq.load(path)
    same = np.array_equal(again.predict_proba(X_test[:100]), model.predict_proba(X_test[:100]))
    print(f"reloaded from {path.name}: identical probabilities: {same}")
