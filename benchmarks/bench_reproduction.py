"""Plain Keras and TF-IDF baselines for the reference models, on the protocol split.

The peer that skseq's reproductions are compared with: each reference model
written the way the source documents write it (TextVectorization tokenisation,
``keras.utils.pad_sequences``, ``keras.Sequential``, ``model.fit`` with
Keras' own validation split), seeded with ``keras.utils.set_random_seed(7)``,
plus TF-IDF (1-2 grams, min_df 2, sublinear tf) + LogisticRegression.

Run: python benchmarks/bench_reproduction.py [--models R1 R2 ...] [--quick]
Writes benchmarks/results/bench_reproduction.json. skseq's own numbers come
from ``python -m skseq --experiment r-book`` / ``--experiment blog``.
"""

import argparse
import time

import keras
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from _common import write_json
from skseq.datasets import load_imdb
from skseq.experiments import REFERENCE_MODELS
from skseq.metrics import sensitivity_score, specificity_score


def plain_keras_model(seed):
    """The seed's model as the documents write it (keras.Sequential)."""
    p = seed.classifier_params
    layers = [keras.Input(shape=(seed.maxlen,)),
              keras.layers.Embedding(seed.num_words, p.get("embedding_dim", 32))]
    if p.get("dropout"):
        layers.append(keras.layers.Dropout(p["dropout"]))
    if p.get("conv_filters"):
        layers += [keras.layers.Conv1D(p["conv_filters"], 3, padding="same",
                                       activation="relu"),
                   keras.layers.MaxPooling1D(2)]
    n_layers = p.get("n_layers", 1)
    for i in range(n_layers):
        lstm = keras.layers.LSTM(p["units"], return_sequences=i < n_layers - 1,
                                 dropout=p.get("recurrent_dropout", 0.0),
                                 recurrent_dropout=p.get("recurrent_dropout", 0.0))
        layers.append(keras.layers.Bidirectional(lstm) if p.get("bidirectional") else lstm)
    if p.get("dropout"):
        layers.append(keras.layers.Dropout(p["dropout"]))
    layers.append(keras.layers.Dense(1, activation="sigmoid"))
    model = keras.Sequential(layers)
    model.compile(optimizer=p["optimizer"], loss="binary_crossentropy",
                  metrics=["accuracy"])
    return model


def run_plain_keras(seed, data, epochs=None):
    X_train, y_train, X_test, y_test = data
    keras.utils.set_random_seed(7)
    # ragged output: one unpadded sequence per review, as keras' imdb data
    vectorize = keras.layers.TextVectorization(max_tokens=seed.num_words, ragged=True)
    vectorize.adapt(X_train, batch_size=1024)
    pad = lambda texts: keras.utils.pad_sequences(  # noqa: E731
        vectorize(texts).to_list(), maxlen=seed.maxlen)
    ids_train, ids_test = pad(X_train), pad(X_test)
    model = plain_keras_model(seed)
    p = seed.classifier_params
    start = time.perf_counter()
    model.fit(ids_train, y_train, epochs=epochs or p["epochs"], batch_size=p["batch_size"],
              validation_split=p.get("validation_fraction") or 0.0, verbose=2)
    fit_s = time.perf_counter() - start
    proba = model.predict(ids_test, verbose=0)[:, 0]
    pred = (proba >= 0.5).astype(int)
    loss = float(keras.losses.binary_crossentropy(y_test.astype("float32"), proba))
    return {"accuracy": float(np.mean(pred == y_test)),
            "specificity": specificity_score(y_test, pred),
            "sensitivity": sensitivity_score(y_test, pred),
            "loss": loss, "fit_s": fit_s, "parameter_count": model.count_params()}


def run_tfidf(data):
    X_train, y_train, X_test, y_test = data
    start = time.perf_counter()
    vec = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True)
    clf = LogisticRegression(max_iter=1000).fit(vec.fit_transform(X_train), y_train)
    fit_s = time.perf_counter() - start
    pred = clf.predict(vec.transform(X_test))
    return {"accuracy": float(np.mean(pred == y_test)),
            "specificity": specificity_score(y_test, pred),
            "sensitivity": sensitivity_score(y_test, pred), "fit_s": fit_s}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="*", default=list(REFERENCE_MODELS))
    parser.add_argument("--quick", action="store_true", help="2,000/1,000 reviews, 1 epoch")
    args = parser.parse_args()
    X_train, y_train = load_imdb("train", return_X_y=True)
    X_test, y_test = load_imdb("test", return_X_y=True)
    if args.quick:
        X_train, y_train = X_train[:2000], y_train[:2000]
        X_test, y_test = X_test[:1000], y_test[:1000]
    data = (X_train, y_train, X_test, y_test)
    results = {"tfidf_logreg": run_tfidf(data)}
    print("tfidf", results["tfidf_logreg"], flush=True)
    for key in args.models:
        results[key] = run_plain_keras(REFERENCE_MODELS[key], data,
                                       epochs=1 if args.quick else None)
        print(key, results[key], flush=True)
    write_json("bench_reproduction" + ("_quick" if args.quick else ""), {
        "protocol": "load_imdb train/test (12,500/12,500), keras.utils.set_random_seed(7)",
        "results": results,
    })


if __name__ == "__main__":
    main()
