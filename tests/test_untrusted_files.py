"""Crafted and fuzzed ``.skseq`` files: each is refused with a reason, or loads.

Every crafted archive has its checksums recomputed (``_crafted``), as an
attacker would. Where the risk is code execution, the payload creates a
marker file, and the test checks it was never created.
"""

import io
import json
import marshal
import os
import tempfile
import tracemalloc
import zipfile

import keras
import numpy as np
import pytest

from _crafted import (
    flip_bytes,
    mutate_json,
    read_members,
    rewrite,
    rewrite_inner,
    rewrite_keras_config,
    rewrite_manifest,
    write_members,
)
from skseq import (
    SAFE_TOKEN_PATTERNS,
    IntegerSequencer,
    UnsafeModelFileError,
    load,
    save,
)
from skseq._persistence import LIMITS


def _dense(config):
    return next(layer for layer in config["config"]["layers"]
                if layer["class_name"] == "Dense")


def _leftover_temp_dirs():
    return {d for d in os.listdir(tempfile.gettempdir()) if d.startswith("skseq-")}


# --- 1. nested zip bombs -----------------------------------------------------
def test_inner_config_bomb_is_refused_with_bounded_memory(small_file):
    # 64 MiB of spaces compress to ~64 KB; the limit is 4 MiB
    rewrite_inner(small_file, lambda parts: parts.update(
        {"config.json": parts["config.json"] + b" " * (64 * 1024**2)}))
    assert small_file.stat().st_size < 1024**2
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeModelFileError, match="config.json .*(too large|limit)"):
            load(small_file)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 3 * LIMITS["model.keras/config.json"]


def test_inner_config_with_lying_size_header_is_refused(small_file):
    # a central directory that understates the inflated size must not let
    # more through (zipfile trusts it as the end of the member)
    members = read_members(small_file)
    data = bytearray(members["model.keras"])
    start = data.find(b"PK\x01\x02")
    while start != -1:
        name_length = int.from_bytes(data[start + 28:start + 30], "little")
        if data[start + 46:start + 46 + name_length] == b"config.json":
            data[start + 24:start + 28] = (1).to_bytes(4, "little")
        start = data.find(b"PK\x01\x02", start + 4)
    members["model.keras"] = bytes(data)
    write_members(small_file, members)
    with pytest.raises(UnsafeModelFileError, match="corrupt archive member config.json"):
        load(small_file)


def test_inner_asset_members_are_refused_before_inflating(small_file):
    before = _leftover_temp_dirs()
    rewrite_inner(small_file, lambda parts: parts.update(
        {f"assets/blob{i}": b"\0" * (8 * 1024**2) for i in range(4)}))
    with pytest.raises(UnsafeModelFileError, match="unexpected archive members in "
                                                   "model.keras"):
        load(small_file)
    assert _leftover_temp_dirs() == before


def test_outer_member_over_its_limit_is_refused(small_file):
    def pad(manifest):
        return json.dumps(manifest) + " " * (LIMITS["manifest.json"] + 1)

    def change(members):
        members["manifest.json"] = pad(json.loads(members["manifest.json"])).encode()

    rewrite(small_file, change)
    with pytest.raises(UnsafeModelFileError, match="manifest.json .*(too large|limit)"):
        load(small_file)


def test_duplicate_member_names_are_refused(small_file):
    members = read_members(small_file)
    with zipfile.ZipFile(small_file, "a") as archive:
        with pytest.warns(UserWarning, match="Duplicate name"):
            archive.writestr("manifest.json", members["manifest.json"])
    with pytest.raises(UnsafeModelFileError, match="duplicated names"):
        load(small_file)


# --- 2. code that would run with unsafe deserialization on -------------------
@pytest.fixture()
def unsafe_deserialization():
    from keras.src.saving import serialization_lib

    before = serialization_lib.in_safe_mode()
    keras.config.enable_unsafe_deserialization()
    yield
    keras.src.backend.common.global_state.set_global_attribute("safe_mode_saving", before)


def _lambda_payload(marker):
    code = compile(f"open({str(marker)!r}, 'w').close()", "<payload>", "exec")
    return {"module": "keras.layers", "class_name": "__lambda__",
            "config": {"code": marshal.dumps(code).hex(), "defaults": None,
                       "closure": None}, "registered_name": None}


def test_lambda_activation_refused_even_with_unsafe_deserialization(
        small_file, small_pipeline, tmp_path, unsafe_deserialization):
    marker = tmp_path / "pwned"
    rewrite_keras_config(small_file, lambda c: _dense(c)["config"].update(
        activation=_lambda_payload(marker)))
    with pytest.raises(UnsafeModelFileError, match="__lambda__.*allow-list"):
        load(small_file)
    assert not marker.exists()


def test_valid_file_loads_under_unsafe_deserialization_without_using_it(
        small_file, small_pipeline, unsafe_deserialization):
    from keras.src.saving import serialization_lib

    pipe, X = small_pipeline
    loaded = load(small_file)
    np.testing.assert_array_equal(loaded.predict_proba(X), pipe.predict_proba(X))
    assert serialization_lib.in_safe_mode() is False  # the user's setting is kept


def test_string_lookup_reading_a_local_file_is_refused(small_file, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("password\n")

    def change(config):
        config["config"]["layers"].insert(1, {
            "module": "keras.layers", "class_name": "StringLookup",
            "config": {"vocabulary": str(secret), "name": "leak"},
            "registered_name": None})

    rewrite_keras_config(small_file, change)
    with pytest.raises(UnsafeModelFileError, match="StringLookup.*allow-list"):
        load(small_file)


# --- 3. objects from the process's registry -----------------------------------
def test_registered_layer_is_never_instantiated(small_file, tmp_path):
    marker = tmp_path / "pwned-registered"

    @keras.saving.register_keras_serializable(package="third_party")
    class Marker(keras.layers.Layer):
        @classmethod
        def from_config(cls, config):
            marker.touch()
            return cls()

    def change(config):
        layer = _dense(config)
        layer.update(class_name="third_party>Marker", registered_name="third_party>Marker")

    rewrite_keras_config(small_file, change)
    with pytest.raises(UnsafeModelFileError, match="allow-list|custom object"):
        load(small_file)
    assert not marker.exists()


def test_registered_function_as_activation_is_refused(small_file, tmp_path):
    marker = tmp_path / "pwned-function"

    @keras.saving.register_keras_serializable(package="third_party")
    def touch_marker(x):
        marker.touch()
        return x

    rewrite_keras_config(small_file, lambda c: _dense(c)["config"].update(activation={
        "module": "keras", "class_name": "function",
        "config": "third_party>touch_marker", "registered_name": "function"}))
    with pytest.raises(UnsafeModelFileError, match="keras.function.*allow-list"):
        load(small_file)
    assert not marker.exists()


# --- 4. public Keras functions ------------------------------------------------
@pytest.mark.parametrize("module", [["keras.layers"], {"a": 1}, 3])
def test_non_string_module_names_are_refused(small_file, module):
    # found by benchmarks/bench_untrusted.py: a list module was unhashable
    rewrite_keras_config(small_file, lambda c: _dense(c).update(module=module))
    with pytest.raises(UnsafeModelFileError, match="allow-list"):
        load(small_file)


def test_public_keras_function_as_activation_is_refused(small_file):
    epsilon = keras.config.epsilon()
    rewrite_keras_config(small_file, lambda c: _dense(c)["config"].update(
        activation="config.set_epsilon"))
    with pytest.raises(UnsafeModelFileError, match="activation 'config.set_epsilon'"):
        load(small_file)
    assert keras.config.epsilon() == epsilon


# --- 5. denial of service through manifest values ------------------------------
def _step(manifest, type_name):
    return next(s for s in manifest["steps"] if s["type"] == type_name)


def test_catastrophic_token_pattern_is_refused_unless_trusted(small_file):
    pattern = r"(?:\w+\s?)+$"
    rewrite_manifest(small_file, lambda m: _step(m, "IntegerSequencer")["params"].update(
        token_pattern=pattern))
    with pytest.raises(UnsafeModelFileError, match="SAFE_TOKEN_PATTERNS"):
        load(small_file)
    assert load(small_file, trust_token_pattern=True)[0].token_pattern == pattern


@pytest.mark.parametrize("pattern", SAFE_TOKEN_PATTERNS)
def test_safe_token_patterns_load(small_file, pattern):
    rewrite_manifest(small_file, lambda m: _step(m, "IntegerSequencer")["params"].update(
        token_pattern=pattern))
    assert load(small_file)[0].token_pattern == pattern


def test_huge_label_dtype_is_refused(small_file):
    rewrite_manifest(small_file, lambda m: _step(m, "LSTMSequenceClassifier")["state"][
        "classes_"].update(dtype="<U100000000"))
    with pytest.raises(UnsafeModelFileError, match="exactly kind and values"):
        load(small_file)


def test_huge_maxlen_is_refused(small_file):
    rewrite_manifest(small_file, lambda m: _step(m, "Padder")["state"].update(
        maxlen_=300_000_000))
    with pytest.raises(UnsafeModelFileError, match=r"maxlen_ must be an int in \[1, "):
        load(small_file)


def test_whitespace_padded_manifest_is_bounded(small_file):
    # under the limit it is just JSON with spaces: it loads
    def change(members):
        members["manifest.json"] = members["manifest.json"] + b" " * (8 * 1024**2)

    rewrite(small_file, change)
    assert isinstance(load(small_file)[0], IntegerSequencer)


def test_architecture_larger_than_its_weights_is_refused_before_building(small_file):
    rewrite_manifest(small_file, lambda m: _step(m, "LSTMSequenceClassifier")["state"][
        "architecture_"].update(units=4096, n_layers=32))
    with pytest.raises(UnsafeModelFileError, match="architecture needs"):
        load(small_file)


# --- 6. malformed but plausible -----------------------------------------------
@pytest.mark.parametrize("mutate, message", [
    (lambda m: _step(m, "LSTMSequenceClassifier")["params"].update(predict=1),
     "'predict' is not a parameter"),
    (lambda m: m["steps"].reverse(), "in the order"),
    (lambda m: _step(m, "Padder")["state"].update(maxlen_=-3), "maxlen_ must be"),
    (lambda m: _step(m, "IntegerSequencer")["state"]["vocabulary_"].update(
        zzz=2**31), "vocabulary_ must number"),
    (lambda m: m.update(versions="1.0"), "'versions' must map"),
    (lambda m: _step(m, "LSTMSequenceClassifier")["state"]["classes_"].update(
        values=[0, 1, 2]), "the model needs|architecture needs"),
    (lambda m: _step(m, "LSTMSequenceClassifier")["params"].update(optimizer="evil>opt"),
     "optimizer must be one of"),
    (lambda m: _step(m, "Padder")["params"].update(dtype="<U100000000"),
     "integer or float dtype"),
    (lambda m: _step(m, "LSTMSequenceClassifier")["state"].update(vocab_size_=True),
     "'vocab_size_' must be int"),
    (lambda m: m["steps"].append(m["steps"][0]), "1 to 3 steps|in the order"),
])
def test_malformed_manifest_is_refused(small_file, mutate, message):
    rewrite_manifest(small_file, mutate)
    with pytest.raises(UnsafeModelFileError, match=message):
        load(small_file)


def test_classifier_without_model_member_is_refused(small_file):
    rewrite(small_file, lambda members: members.pop("model.keras"))
    with pytest.raises(UnsafeModelFileError, match="model.keras must be present"):
        load(small_file)


def test_deep_manifest_json_is_refused(small_file):
    def change(members):
        members["manifest.json"] = b"[" * 100_000 + b"]" * 100_000

    rewrite(small_file, change)
    with pytest.raises(UnsafeModelFileError, match="nested"):
        load(small_file)


def test_deep_inner_config_is_refused(small_file):
    rewrite_inner(small_file, lambda parts: parts.update(
        {"config.json": b'{"a":' * 5000 + b"1" + b"}" * 5000}))
    with pytest.raises(UnsafeModelFileError, match="nested"):
        load(small_file)


@pytest.mark.parametrize("source", [io.BytesIO(b"garbage"), io.BytesIO(b"")])
def test_garbage_file_objects(source):
    with pytest.raises(UnsafeModelFileError, match="not a skseq model archive"):
        load(source)


def test_file_object_round_trip(small_pipeline):
    pipe, X = small_pipeline
    buffer = io.BytesIO()
    save(pipe, buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(load(buffer).predict_proba(X), pipe.predict_proba(X))


def test_failed_loads_leave_no_temporary_files(small_file):
    before = _leftover_temp_dirs()
    rewrite_manifest(small_file, lambda m: _step(m, "Padder")["state"].update(maxlen_=-1))
    for _ in range(3):
        with pytest.raises(UnsafeModelFileError):
            load(small_file)
    assert _leftover_temp_dirs() == before


def test_keras_weights_with_extra_layer_group_still_load_only_described_model(small_file):
    # the inner config is checked but never used to build: a crafted config
    # that passes the allow-list changes nothing about the model built
    def change(config):
        _dense(config)["config"]["activation"] = "relu"

    rewrite_keras_config(small_file, change)
    clf = load(small_file)[-1]
    assert clf.model_.get_layer("output").activation.__name__ == "sigmoid"


# --- signing --------------------------------------------------------------------
def test_signed_archive(small_pipeline, tmp_path):
    pipe, X = small_pipeline
    path = tmp_path / "signed.skseq"
    save(pipe, path, key=b"secret")
    np.testing.assert_array_equal(load(path, key=b"secret").predict_proba(X),
                                  pipe.predict_proba(X))
    with pytest.raises(UnsafeModelFileError, match="signature does not match"):
        load(path, key=b"other")
    rewrite_manifest(path, lambda m: _step(m, "Padder")["params"].update(padding="pre"))
    with pytest.raises(UnsafeModelFileError, match="not signed"):
        load(path, key=b"secret")
    with pytest.raises(TypeError, match="non-empty bytes"):
        save(pipe, path, key="secret")


# --- fuzzing --------------------------------------------------------------------
def _loads_or_refuses(path, X):
    """The fuzz contract: UnsafeModelFileError, or a model that predicts."""
    try:
        loaded = load(path)
    except UnsafeModelFileError:
        return "refused"
    if hasattr(loaded, "predict_proba"):
        proba = loaded.predict_proba(X)
        assert proba.shape == (len(X), 2) and np.isfinite(proba).all()
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    return "loaded"


def test_fuzz_manifest_values(small_pipeline, tmp_path):
    pipe, X = small_pipeline
    original = tmp_path / "original.skseq"
    save(pipe, original)
    manifest = json.loads(read_members(original)["manifest.json"])
    rng = np.random.RandomState(0)
    outcomes = []
    for case in range(150):
        path = tmp_path / f"case{case}.skseq"
        path.write_bytes(original.read_bytes())
        mutated, what = mutate_json(manifest, rng)
        rewrite_manifest(path, lambda m, mutated=mutated: mutated)
        try:
            outcomes.append(_loads_or_refuses(path, X))
        except Exception as exc:  # pragma: no cover - the failure report
            raise AssertionError(f"case {case} ({what}): {exc!r}") from exc
        path.unlink()
    assert "refused" in outcomes and "loaded" in outcomes


def test_fuzz_inner_config_values(small_pipeline, tmp_path):
    pipe, X = small_pipeline
    original = tmp_path / "original.skseq"
    save(pipe, original)
    with zipfile.ZipFile(io.BytesIO(read_members(original)["model.keras"])) as inner:
        config = json.loads(inner.read("config.json"))
    rng = np.random.RandomState(1)
    for case in range(60):
        path = tmp_path / f"case{case}.skseq"
        path.write_bytes(original.read_bytes())
        mutated, what = mutate_json(config, rng)
        rewrite_keras_config(path, lambda c, mutated=mutated: (c.clear(),
                                                               c.update(mutated)))
        try:
            _loads_or_refuses(path, X)
        except Exception as exc:  # pragma: no cover - the failure report
            raise AssertionError(f"case {case} ({what}): {exc!r}") from exc


def test_fuzz_archive_bytes(small_pipeline, tmp_path):
    pipe, X = small_pipeline
    original = tmp_path / "original.skseq"
    save(pipe, original)
    data = original.read_bytes()
    rng = np.random.RandomState(2)
    for case in range(150):
        path = tmp_path / "case.skseq"
        if case % 2:  # damage: checksums stay as they were
            path.write_bytes(flip_bytes(data, rng))
        else:  # a crafted inner archive: damage inside, checksums repaired
            members = read_members(original)
            inner = members["model.keras"]
            # keep the flips out of the HDF5 weights' bytes, which are
            # legitimate content (any float is a weight); zip structure only
            members["model.keras"] = inner[:30] + flip_bytes(inner[30:60], rng) + \
                inner[60:] if case % 4 == 0 else flip_bytes(inner[-300:], rng).join(
                    [inner[:-300], b""])
            write_members(path, members)
        try:
            _loads_or_refuses(path, X)
        except Exception as exc:  # pragma: no cover - the failure report
            raise AssertionError(f"case {case}: {exc!r}") from exc
