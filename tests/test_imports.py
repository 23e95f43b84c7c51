"""What importing skseq loads: TensorFlow only when the classifier is used.

Each case runs in a fresh interpreter and reads ``sys.modules`` (timings are
for benchmarks, not tests).
"""

import os
import subprocess
import sys

import pytest

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
HEAVY = ("tensorflow", "keras", "scikeras")


def loaded_after(code):
    probe = f"{code}\nimport sys\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True,
                            text=True, timeout=300, env=ENV)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()


@pytest.mark.parametrize("code", [
    "import skseq",
    "from skseq import IntegerSequencer, Padder, save, load, UnsafeModelFileError, "
    "TrainingDivergedError, PAD_INDEX, SAFE_TOKEN_PATTERNS",
    "import skseq.metrics",
    "import skseq.datasets",
    "import skseq.experiments",
    # word vectors are read and learnt without TensorFlow
    "import skseq, skseq.embeddings as e\n"
    "seq = skseq.IntegerSequencer().fit(['a good film', 'a bad film'] * 3)\n"
    "e.load_word_vectors({'good': [1.0, 0.0]}, seq)\n"
    "e.cooccurrence_vectors(seq, ['a good film', 'a bad film'] * 3, n_components=1)",
    # the NBSVM weights, fitted, are scikit-learn and numpy only
    "from skseq import LogCountRatioTransformer\n"
    "LogCountRatioTransformer().fit([[1, 0], [0, 2]], [0, 1]).transform([[1, 1]])",
    # a transformer pipeline end to end, pickled, and through the safe format
    "import io, pickle, skseq\n"
    "from sklearn.pipeline import make_pipeline\n"
    "pipe = make_pipeline(skseq.IntegerSequencer(), skseq.Padder()).fit(['a b', 'b c d'])\n"
    "pickle.loads(pickle.dumps(pipe)).transform(['a d'])\n"
    "buf = io.BytesIO(); skseq.save(pipe, buf); buf.seek(0); skseq.load(buf)",
])
def test_transformers_load_no_tensorflow(code):
    assert loaded_after(code) == []


def test_classifier_loads_tensorflow_on_first_use():
    assert loaded_after("import skseq\nskseq.LSTMSequenceClassifier") == list(HEAVY)
    assert loaded_after("from skseq import LSTMSequenceClassifier") == list(HEAVY)


def test_dir_and_unknown_names():
    import skseq

    assert set(skseq.__all__) <= set(dir(skseq))
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        skseq.Nope  # noqa: B018


def test_cli_help_loads_no_tensorflow():
    code = ("import contextlib, io, runpy, sys\nsys.argv = ['skseq', '--help']\n"
            "with contextlib.redirect_stdout(io.StringIO()) as help_text:\n"
            "    try:\n        runpy.run_module('skseq', run_name='__main__')\n"
            "    except SystemExit:\n        pass\n"
            "assert '--experiment' in help_text.getvalue()")
    assert loaded_after(code) == []


# a user script: fit and predict a masked model (oneDNN's first masked
# prediction logs too), then report the environment it leaves
USER_SCRIPT = """
import os
import numpy as np
from skseq import LSTMSequenceClassifier
X = np.random.RandomState(0).randint(1, 50, (32, 12)); X[:, 8:] = 0
clf = LSTMSequenceClassifier(units=4, epochs=1, conv_filters=2, pooling="max_mean",
                             linear_ngrams=2, ngram_buckets=64, random_state=0)
clf.fit(X, np.arange(32) % 2).predict(X)
print(os.environ.get("TF_CPP_MIN_LOG_LEVEL"))
"""


def test_user_scripts_fit_without_tensorflow_start_up_lines():
    plain_env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    quiet = subprocess.run([sys.executable, "-c", USER_SCRIPT], capture_output=True,
                           text=True, timeout=300, env=plain_env)
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    assert quiet.stderr == ""
    assert quiet.stdout.split() == ["None"]  # the variable is not left set
    # the user's own level stands: 0 shows TensorFlow's lines
    loud = subprocess.run([sys.executable, "-c", USER_SCRIPT], capture_output=True,
                          text=True, timeout=300,
                          env={**plain_env, "TF_CPP_MIN_LOG_LEVEL": "0"})
    assert loud.returncode == 0 and loud.stdout.split() == ["0"]
    assert loud.stderr != ""
