import json
import os
import subprocess
import sys
import textwrap
import zipfile

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from _crafted import rewrite, rewrite_keras_config
from skseq import (
    IntegerSequencer,
    LSTMSequenceClassifier,
    Padder,
    UnsafeModelFileError,
    load,
    save,
)
from skseq.experiments import SEED_ARCHITECTURE


@pytest.fixture(scope="module")
def fitted(rt_texts):
    X, y = rt_texts
    labels = np.where(y == 1, "pos", "neg")
    pipe = make_pipeline(
        IntegerSequencer(num_words=600), Padder(maxlen=25, padding="post"),
        LSTMSequenceClassifier(**SEED_ARCHITECTURE,
                               units=8, embedding_dim=8, epochs=1, random_state=0,
                               optimizer__learning_rate=0.01,
                               class_weight={"neg": 1.0, "pos": 2.0}),
    )
    return pipe.fit(X[:300], labels[:300]), X


@pytest.fixture()
def saved(fitted, tmp_path):
    pipe, _ = fitted
    path = tmp_path / "model.skseq"
    save(pipe, path)
    return path


def test_round_trip_predictions_equal(fitted, saved):
    pipe, X = fitted
    loaded = load(saved)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), pipe.predict(X))
    clf = loaded[-1]
    assert clf.classes_.tolist() == ["neg", "pos"]
    assert clf.get_params()["class_weight"] == {"neg": 1.0, "pos": 2.0}
    assert clf.get_params()["optimizer__learning_rate"] == 0.01
    assert loaded[1].padding == "post" and loaded[1].maxlen_ == 25


def test_loads_in_a_fresh_process(fitted, saved, tmp_path):
    pipe, X = fitted
    np.save(tmp_path / "expected.npy", pipe.predict_proba(X[:30]))
    script = textwrap.dedent(f"""
        import numpy as np, skseq
        pipe = skseq.load({str(saved)!r})
        got = pipe.predict_proba({X[:30]!r})
        np.testing.assert_array_equal(got, np.load({str(tmp_path / 'expected.npy')!r}))
        print("OK")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0 and "OK" in out.stdout, out.stderr[-2000:]


def test_stores_the_weights_and_no_optimizer_state(fitted, saved, tmp_path, rt_texts):
    h5py = pytest.importorskip("h5py")  # a Keras dependency
    pipe, X = fitted
    model = pipe[-1].model_
    assert len(model.optimizer.variables) > 0  # there is state that could be stored
    with zipfile.ZipFile(saved) as archive, \
            zipfile.ZipFile(archive.open("model.keras")) as inner:
        (tmp_path / "w.h5").write_bytes(inner.read("model.weights.h5"))
    stored = {}
    with h5py.File(tmp_path / "w.h5", "r") as weights:
        weights.visititems(lambda name, node: stored.__setitem__(name, node.size)
                           if isinstance(node, h5py.Dataset) else None)
    assert not [name for name in stored if name.startswith("optimizer")]
    assert sum(stored.values()) == model.count_params()
    # a warm start after loading continues from the loaded weights
    loaded = load(saved)
    labels = np.where(rt_texts[1] == 1, "pos", "neg")
    before = loaded.predict_proba(X[:50])
    loaded[-1].set_params(warm_start=True)
    loaded.fit(X[:300], labels[:300])
    assert loaded[-1].n_iter_ == 2 and len(loaded[-1].history_["loss"]) == 2
    assert not np.array_equal(loaded.predict_proba(X[:50]), before)


def test_single_transformer_round_trip(fitted, tmp_path):
    pipe, X = fitted
    save(pipe[0], tmp_path / "seq.skseq")
    seq = load(tmp_path / "seq.skseq")
    assert seq.vocabulary_ == pipe[0].vocabulary_


def test_refuses_foreign_estimators(tmp_path):
    with pytest.raises(TypeError, match="skseq's own steps"):
        save(make_pipeline(LogisticRegression()), tmp_path / "x.skseq")
    with pytest.raises(TypeError, match="callable"):
        save(IntegerSequencer(tokenizer=str.split).fit(["a b"]), tmp_path / "x.skseq")


def test_truncated_file(saved):
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnsafeModelFileError, match="truncated|corrupt"):
        load(saved)


def test_tampered_member_fails_checksum(saved):
    with zipfile.ZipFile(saved) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    manifest = json.loads(members["manifest.json"])
    manifest["steps"][1]["state"]["maxlen_"] = 3
    members["manifest.json"] = json.dumps(manifest).encode()
    with zipfile.ZipFile(saved, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(UnsafeModelFileError, match="checksum"):
        load(saved)


def test_foreign_step_type_is_refused(saved):
    def mutate(members):
        manifest = json.loads(members["manifest.json"])
        manifest["steps"][0]["type"] = "os.system"
        members["manifest.json"] = json.dumps(manifest).encode()

    rewrite(saved, mutate)
    with pytest.raises(UnsafeModelFileError, match="'os.system' is not one of skseq"):
        load(saved)


def test_smuggled_pickle_member_is_refused(saved, tmp_path):
    marker = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    import pickle

    def mutate(members):
        members["payload.pkl"] = pickle.dumps(Evil())

    rewrite(saved, mutate)
    with pytest.raises(UnsafeModelFileError, match="unexpected archive members"):
        load(saved)
    assert not marker.exists()


def test_smuggled_callable_in_params_is_refused(saved, tmp_path):
    def mutate(members):
        manifest = json.loads(members["manifest.json"])
        manifest["steps"][0]["params"]["tokenizer"] = ["os", "system"]
        members["manifest.json"] = json.dumps(manifest).encode()

    rewrite(saved, mutate)
    with pytest.raises(UnsafeModelFileError, match="not plain values"):
        load(saved)


def test_keras_lambda_layer_is_refused(saved, tmp_path):
    marker = tmp_path / "pwned-keras"

    def mutate_config(config):
        config["config"]["layers"][1]["module"] = "builtins"
        config["config"]["layers"][1]["class_name"] = "exec"

    rewrite_keras_config(saved, mutate_config)
    with pytest.raises(UnsafeModelFileError, match="outside Keras"):
        load(saved)
    assert not marker.exists()


def test_format_version_and_keras_version_checks(saved):
    def bump(members):
        manifest = json.loads(members["manifest.json"])
        manifest["versions"]["keras"] = "2.0.0"
        members["manifest.json"] = json.dumps(manifest).encode()

    rewrite(saved, bump)
    with pytest.warns(UserWarning, match="Keras 2.0.0"):
        load(saved)

    def future(members):
        manifest = json.loads(members["manifest.json"])
        manifest["format_version"] = 99
        members["manifest.json"] = json.dumps(manifest).encode()

    rewrite(saved, future)
    with pytest.raises(UnsafeModelFileError, match="format version 99"):
        load(saved)


def test_not_an_archive(tmp_path):
    path = tmp_path / "junk.skseq"
    path.write_text("hello")
    with pytest.raises(UnsafeModelFileError, match="not a skseq model archive"):
        load(path)


@pytest.mark.parametrize("module, registered", [
    ("skseq._layers", "skseq>NotOurLayer"),   # our module, another name
    ("skseq_evil", "skseq>SplitMaskedRNN"),   # our name, another module
])
def test_only_skseqs_own_layer_is_allowed(saved, module, registered):
    def mutate_config(config):
        split = [layer for layer in config["config"]["layers"]
                 if layer["class_name"] == "SplitMaskedRNN"]
        assert len(split) == 1  # masked models carry skseq's layer
        split[0]["module"], split[0]["registered_name"] = module, registered

    rewrite_keras_config(saved, mutate_config)
    with pytest.raises(UnsafeModelFileError, match="outside Keras|custom object"):
        load(saved)
