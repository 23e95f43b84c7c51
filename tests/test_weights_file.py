"""The HDF5 weights member of a ``.skseq`` file: one crafted file per rule.

Each file is built with h5py here (small on disk) and put into a valid
archive with fresh checksums, as an attacker would; the loader must refuse
it with :class:`UnsafeModelFileError` naming the object and the rule.
"""

import copy
import io
import os
import struct
import tempfile

import h5py
import numpy as np
import pytest

from _crafted import (
    build_weights,
    mutate_weights,
    read_weights,
    replace_weights,
    rewrite_manifest,
    weights_tree,
)
from skseq import LSTMSequenceClassifier, load, save
from skseq import UnsafeModelFileError as Unsafe
from skseq.experiments import SEED_ARCHITECTURE

EMBEDDING = "layers/embedding/vars/0"
KERNEL = "layers/split_masked_rnn/forward_layer/cell/vars/0"
RECURRENT = "layers/split_masked_rnn/forward_layer/cell/vars/1"
EMPTY_GROUP = "layers/input_layer/vars"


@pytest.fixture()
def tree(small_file):
    return weights_tree(read_weights(small_file))


def _refused(path, match, **kwargs):
    with pytest.raises(Unsafe, match=match):
        load(path, **kwargs)


def _rebuilt(small_file, tree, **kwargs):
    replace_weights(small_file, build_weights(*tree, **kwargs))
    return small_file


# --- the rebuilt file itself is legitimate ------------------------------------
@pytest.mark.parametrize("libver", [None, "latest"])
def test_rebuilt_weights_load_identically(small_pipeline, small_file, tree, libver):
    kwargs = {} if libver is None else {"libver": libver}
    loaded = load(_rebuilt(small_file, tree, **kwargs))
    pipe, X = small_pipeline
    assert np.array_equal(loaded.predict_proba(X), pipe.predict_proba(X))


# --- links and object kinds -------------------------------------------------
def _relink(path, link):
    def edit(handle):
        del handle[path]
        handle[path] = link(handle)
    return edit


@pytest.mark.parametrize("link, match", [
    (lambda h: h5py.SoftLink("/" + RECURRENT), "soft link"),
    (lambda h: h5py.ExternalLink("/etc/passwd", "/x"), "external link"),
])
def test_soft_and_external_links_are_refused(small_file, tree, link, match):
    _refused(_rebuilt(small_file, tree, edit=_relink(KERNEL, link)), match)


def test_object_linked_twice_is_refused(small_file, tree):
    other = "layers/split_masked_rnn/vars"  # another empty group, same kind
    _refused(_rebuilt(small_file, tree, edit=_relink(EMPTY_GROUP, lambda h: h[other])),
             "already linked elsewhere")


def test_named_datatype_is_refused(small_file, tree):
    _refused(_rebuilt(small_file, tree, edit=_relink(EMPTY_GROUP, lambda h: np.dtype("<f4"))),
             "must be a group .*named datatypes")


def test_dataset_with_a_named_datatype_is_refused(small_file, tree):
    groups, datasets = tree

    def edit(handle):
        handle["layers/input_layer/vars/t"] = np.dtype("<f4")
        del handle[KERNEL]
        handle.create_dataset(KERNEL, data=datasets[KERNEL],
                              dtype=handle["layers/input_layer/vars/t"])
        del handle["layers/input_layer/vars/t"]  # unlinked, still committed
    _refused(_rebuilt(small_file, tree, edit=edit), "named datatype|members")


def test_virtual_dataset_is_refused(small_file, tree):
    shape = tree[1][KERNEL].shape

    def edit(handle):
        del handle[KERNEL]
        layout = h5py.VirtualLayout(shape=shape, dtype="<f4")
        layout[...] = h5py.VirtualSource(".", "/" + RECURRENT, shape=shape)
        handle.create_virtual_dataset(KERNEL, layout)
    _refused(_rebuilt(small_file, tree, edit=edit), "virtual storage")


def test_external_raw_storage_is_refused(small_file, tree, tmp_path):
    nbytes = tree[1][KERNEL].nbytes
    outside = str(tmp_path / "outside.bin")
    kwargs = {KERNEL: {"external": [(outside, 0, nbytes)]}}
    _refused(_rebuilt(small_file, tree, dataset_kwargs=kwargs), "external storage")


def test_extra_and_missing_objects_are_refused(small_file, tree):
    groups, datasets = tree
    _refused(_rebuilt(small_file, (groups, {**datasets, "layers/extra": np.zeros(2, "f4")})),
             "group /layers has")
    moved = {("layers/dense/vars/9" if k == "layers/dense/vars/1" else k): v
             for k, v in datasets.items()}
    _refused(_rebuilt(small_file, (groups, moved)), "lacks /layers/dense/vars/1")


# --- shapes, dtypes, storage ------------------------------------------------
def test_declared_three_gib_embedding_without_data_is_refused(small_file, tree):
    kwargs = {EMBEDDING: {"shape": (3 * 2**30 // 16, 4), "dtype": "<f4"}}
    _refused(_rebuilt(small_file, tree, dataset_kwargs=kwargs), "has shape .*needs \\(300, 4\\)")


def test_extensible_dataset_is_refused(small_file, tree):
    kwargs = {KERNEL: {"maxshape": (None, 16), "chunks": (4, 16)}}
    _refused(_rebuilt(small_file, tree, dataset_kwargs=kwargs), "max \\(None, 16\\)")


@pytest.mark.parametrize("dtype", ["<f8", "<i8", "<f2", ">f4", "S4", h5py.ref_dtype])
def test_other_dtypes_are_refused_not_cast(small_file, tree, dtype):
    shape = tree[1][KERNEL].shape
    kwargs = {KERNEL: {"shape": shape, "dtype": dtype}}
    _refused(_rebuilt(small_file, tree, dataset_kwargs=kwargs), "not the model's little-endian")


@pytest.mark.parametrize("kwargs, match", [
    ({"chunks": (300, 4), "compression": "gzip"}, "chunked storage"),
    ({"chunks": (1, 4)}, "chunked storage"),
    ({"compact": True}, "compact storage"),
])
def test_only_contiguous_unfiltered_storage(small_file, tree, kwargs, match):
    if kwargs.pop("compact", False):
        def edit(handle):
            del handle[EMBEDDING]
            dcpl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)
            dcpl.set_layout(h5py.h5d.COMPACT)
            space = h5py.h5s.create_simple((300, 4))
            h5py.h5d.create(handle["layers/embedding/vars"].id, b"0",
                            h5py.h5t.IEEE_F32LE, space, dcpl=dcpl)
        built = _rebuilt(small_file, tree, edit=edit)
    else:
        built = _rebuilt(small_file, tree, dataset_kwargs={EMBEDDING: kwargs})
    _refused(built, match)


@pytest.mark.parametrize("fillvalue", [None, 0.5])
def test_unallocated_and_fill_value_datasets_are_refused(small_file, tree, fillvalue):
    kwargs = {KERNEL: {"shape": tree[1][KERNEL].shape, "dtype": "<f4",
                       "fillvalue": fillvalue}}
    _refused(_rebuilt(small_file, tree, dataset_kwargs=kwargs), "not all stored")


def _patch_address(data, tree, path, new_offset):
    """Point ``path``'s layout message at ``new_offset`` (no checksum in v0)."""
    with h5py.File(io.BytesIO(data), "r") as handle:
        offset = handle[path].id.get_offset()
    nbytes = tree[1][path].nbytes
    old = struct.pack("<QQ", offset, nbytes)
    assert data.count(old) == 1
    return data.replace(old, struct.pack("<QQ", new_offset, nbytes))


def test_datasets_sharing_bytes_are_refused(small_file, tree):
    data = read_weights(small_file)
    with h5py.File(io.BytesIO(data), "r") as handle:
        kernel_at = handle[KERNEL].id.get_offset()
    replace_weights(small_file, _patch_address(data, tree, RECURRENT, kernel_at))
    _refused(small_file, "share stored bytes")


def test_dataset_outside_the_file_is_refused(small_file, tree):
    data = read_weights(small_file)
    replace_weights(small_file, _patch_address(data, tree, KERNEL, len(data) - 8))
    _refused(small_file, "not all stored inside the file|invalid dataset size")


# --- attributes ---------------------------------------------------------------
@pytest.mark.parametrize("attrs, match", [
    ({f"a{i}": 1 for i in range(5)}, "5 attributes"),
    ({"big": np.zeros(4096)}, "not a small string or number"),
    ({"empty": h5py.Empty("f4")}, "not valid HDF5"),  # libhdf5 has no size for it
])
def test_attributes_are_few_and_small(small_file, tree, attrs, match):
    groups, datasets = tree
    groups = {**groups, "layers": {**groups["layers"], **attrs}}
    _refused(_rebuilt(small_file, (groups, datasets)), match)


# --- the file's bytes ---------------------------------------------------------
def test_userblock_is_refused(small_file, tree):
    _refused(_rebuilt(small_file, tree, userblock_size=512), "does not start with an HDF5")


@pytest.mark.parametrize("extra", [16, 2**20])
def test_bytes_after_the_end_of_file_are_refused(small_file, extra):
    replace_weights(small_file, read_weights(small_file) + b"\0" * extra)
    _refused(small_file, "end-of-file address|file holds")


def test_not_hdf5_is_refused(small_file):
    replace_weights(small_file, b"\x89HDF\r\n\x1a\n" + b"\xff" * 4000)
    _refused(small_file, "superblock|not valid HDF5|file holds")


# --- non-finite weights -------------------------------------------------------
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused_at_load(small_file, tree, value):
    groups, datasets = tree
    bad = datasets[KERNEL].copy()
    bad[1, 2] = value
    _refused(_rebuilt(small_file, (groups, {**datasets, KERNEL: bad})),
             f"dataset /{KERNEL} holds NaN or infinite")


def _diverged(small_pipeline):
    pipe = copy.deepcopy(small_pipeline[0])
    kernel = pipe[-1].model_.get_layer("output").kernel
    kernel.assign(np.full(kernel.shape, np.nan, dtype="float32"))
    return pipe


def test_non_finite_model_is_refused_at_save(small_pipeline, tmp_path):
    with pytest.raises(ValueError, match="output/kernel holds NaN or infinite"):
        save(_diverged(small_pipeline), tmp_path / "bad.skseq")
    assert not (tmp_path / "bad.skseq").exists()


def test_non_finite_outputs_raise_at_predict(small_pipeline):
    pipe, X = _diverged(small_pipeline), small_pipeline[1]
    for method in (pipe.predict_proba, pipe.predict):
        with pytest.raises(FloatingPointError, match="NaN or infinite outputs for 40"):
            method(X)


# --- the size of the model a file may describe --------------------------------
def test_huge_vocabulary_is_refused_before_reading_weights(small_file):
    # the 21 kB file: 15 million words (480 MB of embedding) declared
    def grow(manifest):
        state = manifest["steps"][-1]["state"]
        state["vocab_size_"] = 15_000_000
        state["architecture_"]["embedding_dim"] = 8
    rewrite_manifest(small_file, grow)
    _refused(small_file, "over max_weights_bytes=268,435,456")


def test_max_weights_bytes_bounds_the_model(small_pipeline, small_file):
    _refused(small_file, "over max_weights_bytes=1,000", max_weights_bytes=1000)
    pipe, X = small_pipeline
    assert np.array_equal(load(small_file, max_weights_bytes=10**6).predict_proba(X),
                          pipe.predict_proba(X))
    for bad in (0, -1, 1.5, True, "1"):
        with pytest.raises(ValueError, match="max_weights_bytes must be a positive int"):
            load(small_file, max_weights_bytes=bad)


def test_weights_member_is_streamed_only_to_its_bound(small_file):
    replace_weights(small_file, read_weights(small_file) + b"\0" * (17 * 2**20))
    _refused(small_file, "inflates past its limit|too large", max_weights_bytes=10**5)


def test_loads_and_refusals_leave_no_temporary_files(small_pipeline, tmp_path, tree):
    def ours():
        return {d for d in os.listdir(tempfile.gettempdir()) if d.startswith("skseq-")}

    before = ours()
    good, bad = tmp_path / "good.skseq", tmp_path / "bad.skseq"
    save(small_pipeline[0], good)
    save(small_pipeline[0], bad)
    load(good)
    _refused(_rebuilt(bad, tree, userblock_size=512), "HDF5")
    assert ours() <= before


# --- fuzzing the member -------------------------------------------------------
def test_fuzz_weights_member(small_pipeline, small_file):
    """Mutated bytes and structure: refused, or a model that predicts."""
    pipe, X = small_pipeline
    original, data = small_file.read_bytes(), read_weights(small_file)
    expected = pipe.predict_proba(X)
    rng = np.random.RandomState(3)
    outcomes = []
    for case in range(80):
        small_file.write_bytes(original)
        mutated, what = mutate_weights(data, rng)
        replace_weights(small_file, mutated)
        try:
            proba = load(small_file).predict_proba(X)
        except Unsafe:
            outcomes.append("refused")
            continue
        except Exception as exc:  # pragma: no cover - the failure report
            raise AssertionError(f"case {case} ({what}): {exc!r}") from exc
        assert np.isfinite(proba).all(), what
        # only new weight values (flipped value bytes) may change predictions
        assert np.array_equal(proba, expected) or "flips" in what, what
        outcomes.append("loaded")
    assert outcomes.count("refused") > 40 and "loaded" in outcomes


# --- every architecture loads bit for bit -----------------------------------
ARCHITECTURES = [
    {"layer_type": "lstm"}, {"layer_type": "gru"}, {"layer_type": "simple_rnn"},
    {"bidirectional": True}, {"n_layers": 2}, {"conv_filters": 4},
    {"pooling": "max"}, {"pooling": "mean"}, {"pooling": "max_mean"},
    {"pooling": "attention", "bidirectional": True, "layer_type": "gru"},
    {"recurrent_dropout": 0.1, "dropout": 0.2, "embedding_dropout": 0.1},
    {"mask_padding": False, "conv_filters": 4},
    {"linear_ngrams": 1}, {"linear_ngrams": 2, "ngram_buckets": 256},
    {"trainable_embeddings": False, "embeddings": "vectors"},
    {"multiclass": True, "linear_ngrams": 2, "ngram_buckets": 64},
]


@pytest.mark.parametrize("settings", ARCHITECTURES, ids=lambda s: "-".join(
    f"{k}={v}" for k, v in s.items()))
def test_every_architecture_round_trips_bit_for_bit(rt_post_padded, tmp_path, settings):
    X, y = rt_post_padded
    X, y = X[:160], y[:160]
    settings = dict(settings)
    if settings.pop("multiclass", False):
        y = np.where(X[:, 0] % 3 == 0, "a", np.where(y == 1, "b", "c"))
    if settings.get("embeddings") == "vectors":
        settings["embeddings"] = np.random.RandomState(0).normal(
            size=(1000, 4)).astype("float32")
    clf = LSTMSequenceClassifier(**{**SEED_ARCHITECTURE, **settings},
                                 units=4, embedding_dim=4, epochs=1, batch_size=64,
                                 random_state=0).fit(X, y)
    save(clf, tmp_path / "clf.skseq")
    loaded = load(tmp_path / "clf.skseq")
    assert np.array_equal(loaded.predict_proba(X), clf.predict_proba(X))
    for mine, theirs in zip(loaded.model_.get_weights(), clf.model_.get_weights(),
                            strict=True):
        assert mine.dtype == theirs.dtype and np.array_equal(mine, theirs)


def test_optimizer_state_of_older_files_is_refused_with_advice(small_file, tree):
    groups, datasets = tree
    old = build_weights({**groups, "optimizer": {}, "optimizer/vars": {}},
                        {**datasets, "optimizer/vars/0": np.zeros(3, "<f4")})
    replace_weights(small_file, old)
    _refused(small_file, "optimizer state.*save it again", max_weights_bytes=10**6)
