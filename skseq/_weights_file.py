"""The HDF5 weights inside a ``.skseq`` file: checked object by object, read by skseq.

``skseq.load`` never hands this member to Keras. It holds the file's bytes in
memory, checks them against the *layout* of the model the manifest
describes (every group and dataset Keras writes for that model, with each
dataset's shape) and refuses anything else with
:class:`~skseq.UnsafeModelFileError` naming the object and the rule:

- the superblock is at byte 0 (no userblock), has no driver information or
  extension, and its end-of-file address is the member's length (nothing
  hidden after the file);
- every object is reached by a hard link and is a group or a dataset, each
  exactly once; no soft, external or user-defined links, no named
  datatypes; the groups and datasets are exactly the layout's;
- every dataset is little-endian IEEE float32 (the model's variable dtype;
  no references, strings, integers, half or double floats), has the
  layout's shape and no extensible dimension, and is stored contiguously
  with no filters and no external or virtual storage, its bytes wholly
  inside the file, allocated, and overlapping no other dataset's;
- at most a few small attributes per object (Keras writes one name).

h5py (libhdf5) parses only the metadata; the values are then read by skseq
from the checked byte ranges (a contiguous little-endian float32 dataset is
its C-order array), checked to be finite, and assigned to the model's
variables. Values are never cast.
"""

import functools
import io
import json
import math
import os
import struct
import tempfile

import numpy as np

from ._errors import UnsafeModelFileError
from ._sequencer import OOV_INDEX

__all__ = ["dataset_layout", "check_and_read", "metadata_allowance", "weights_layout"]

_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_UNDEFINED = 2**64 - 1
_FLOAT32 = np.dtype("<f4")
_MAX_ATTRIBUTES = 4
_MAX_ATTRIBUTE_BYTES = 1024
_MAX_NAME = 255


def metadata_allowance(n_objects):
    """Bytes of HDF5 metadata a file of ``n_objects`` groups and datasets may hold.

    Keras' files measure under 1 KiB per object (object headers, symbol
    tables, local heaps, one B-tree node per group); a file larger than its
    weights plus this allowance carries bytes that nothing reads.
    """
    return 64 * 1024 + 8 * 1024 * n_objects


def dataset_layout(model):
    """The groups and datasets Keras writes for ``model``'s weights.

    Keras names groups after layer classes and attributes, with counters, so
    the layout is read from a file Keras writes for this (small) model after
    each variable is filled with its own index: no naming rule is copied.

    Parameters
    ----------
    model : keras.Model
        A built model; its variables are overwritten.

    Returns
    -------
    layout : dict
        ``"groups"``: sorted group paths; ``"datasets"``: ``(dataset path,
        index in model.weights)`` pairs.
    """
    import h5py

    weights = model.weights
    for index, variable in enumerate(weights):
        variable.assign(np.full(variable.shape, index + 1, dtype=variable.dtype))
    with tempfile.TemporaryDirectory(prefix="skseq-layout-") as tmp:
        path = os.path.join(tmp, "layout.weights.h5")
        model.save_weights(path)
        groups, datasets = [], []

        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                values = np.unique(obj[()])
                if values.size != 1 or not 1 <= values[0] <= len(weights):
                    raise RuntimeError(f"cannot place dataset {name} of Keras' file")
                datasets.append((name, int(values[0]) - 1))
            else:
                groups.append(name)

        with h5py.File(path, "r") as handle:
            handle.visititems(visit)
    if sorted(index for _, index in datasets) != list(range(len(weights))):
        raise RuntimeError("Keras' weights file does not hold each variable once")
    return {"groups": sorted(groups), "datasets": sorted(datasets)}


def check_and_read(data, layout, shapes, *, owner):
    """Check the weights file against ``layout``; return its arrays.

    Parameters
    ----------
    data : bytes
        The ``model.weights.h5`` member.
    layout : dict
        From :func:`dataset_layout` for the described architecture.
    shapes : list of tuple
        The shape of each of ``model.weights``, by index.
    owner : str
        Named in error messages.

    Returns
    -------
    arrays : list of ndarray
        Read-only float32 views of ``data``, one per variable index.

    Raises
    ------
    UnsafeModelFileError
        Naming the object and the rule it broke.
    """
    _check_superblock(data, owner)
    import h5py

    try:
        with h5py.File(io.BytesIO(data), "r") as handle:
            if handle.id.get_create_plist().get_userblock() != 0:
                raise UnsafeModelFileError(f"{owner}: the weights file has a userblock")
            ranges = _check_tree(handle, layout, shapes, len(data), owner)
    except UnsafeModelFileError:
        raise
    except Exception as exc:  # noqa: BLE001 - anything libhdf5 rejects is a bad file
        raise UnsafeModelFileError(f"{owner}: the weights file is not valid HDF5: "
                                   f"{str(exc)[:200]}") from None
    spans = sorted((offset, offset + 4 * int(np.prod(shapes[index], dtype=np.int64)),
                    path) for path, (index, offset) in ranges.items())
    for (_, end, first), (start, _, second) in zip(spans, spans[1:], strict=False):
        if start < end:
            raise UnsafeModelFileError(f"{owner}: datasets {first} and {second} share "
                                       "stored bytes")
    arrays = [None] * len(shapes)
    for path, (index, offset) in ranges.items():
        shape = tuple(shapes[index])
        values = np.frombuffer(data, dtype=_FLOAT32, offset=offset,
                               count=int(np.prod(shape, dtype=np.int64))).reshape(shape)
        if not np.isfinite(values).all():
            raise UnsafeModelFileError(f"{owner}: dataset /{path} holds NaN or infinite "
                                       "weights")
        arrays[index] = values
    return arrays


def _check_superblock(data, owner):
    """Signature at 0, base address 0, no driver block or extension, exact EOF."""
    if data[:8] != _SIGNATURE:
        raise UnsafeModelFileError(f"{owner}: the weights file does not start with an "
                                   "HDF5 superblock (a userblock or not HDF5)")
    version = data[8] if len(data) > 8 else None
    size_at = {0: 13, 1: 13, 2: 9, 3: 9}.get(version)
    if size_at is None:
        raise UnsafeModelFileError(f"{owner}: unsupported HDF5 superblock version "
                                   f"{version}")
    if data[size_at] != 8:
        raise UnsafeModelFileError(f"{owner}: HDF5 addresses must be 8 bytes")
    # base, free-space (0/1) or extension (2/3), end-of-file, driver (0/1) or root
    start = {0: 24, 1: 28, 2: 12, 3: 12}[version]
    if len(data) < start + 32:
        raise UnsafeModelFileError(f"{owner}: the weights file is truncated")
    base, second, eof, fourth = struct.unpack_from("<QQQQ", data, start)
    if base != 0:
        raise UnsafeModelFileError(f"{owner}: HDF5 base address must be 0")
    if second != _UNDEFINED or (version < 2 and fourth != _UNDEFINED):
        raise UnsafeModelFileError(f"{owner}: the weights file declares a free-space "
                                   "manager, driver block or superblock extension")
    if eof != len(data):
        raise UnsafeModelFileError(
            f"{owner}: the weights file's end-of-file address is {eof:,} but it holds "
            f"{len(data):,} bytes (bytes hidden after the file, or truncated)")


def _check_tree(handle, layout, shapes, size, owner):
    """Walk every link from the root; return dataset path -> (index, byte offset)."""
    import h5py

    children = {"": set()}
    for path in layout["groups"]:
        children[path] = set()
    for path in list(layout["groups"]) + [p for p, _ in layout["datasets"]]:
        parent, _, name = path.rpartition("/")
        children[parent].add(name)
    expected = dict(layout["datasets"])
    seen, ranges = set(), {}
    stack = [("", handle)]
    while stack:
        path, group = stack.pop()
        _check_attributes(group, path or "/", owner)
        names = children[path]
        if not path and "optimizer" not in names and "optimizer" in group:
            raise UnsafeModelFileError(
                f"{owner}: the weights file carries optimizer state, as files saved "
                "by development versions of skseq 0.2 before the layers-only format "
                "did; load it with the skseq that wrote it and save it again")
        if len(group) != len(names):
            raise UnsafeModelFileError(
                f"{owner}: group /{path} has {len(group)} members, the model's file "
                f"has {len(names)}")
        for name in names:
            child_path = f"{path}/{name}" if path else name
            encoded = name.encode()
            if not group.id.links.exists(encoded):
                raise UnsafeModelFileError(f"{owner}: the weights file lacks /{child_path}")
            link_type = group.id.links.get_info(encoded).type
            if link_type != h5py.h5l.TYPE_HARD:
                kind = {h5py.h5l.TYPE_SOFT: "a soft link",
                        h5py.h5l.TYPE_EXTERNAL: "an external link"}.get(
                    link_type, "a user-defined link")
                raise UnsafeModelFileError(f"{owner}: /{child_path} is {kind}; only hard "
                                           "links are allowed")
            obj_type = h5py.h5o.get_info(group.id, encoded).type
            is_dataset = child_path in expected
            wanted = h5py.h5o.TYPE_DATASET if is_dataset else h5py.h5o.TYPE_GROUP
            if obj_type != wanted:
                raise UnsafeModelFileError(
                    f"{owner}: /{child_path} must be a "
                    f"{'dataset' if is_dataset else 'group'} (named datatypes and other "
                    "objects are refused)")
            obj = group[name]
            identity = hash(obj.id)
            if identity in seen:
                raise UnsafeModelFileError(f"{owner}: /{child_path} is an object already "
                                           "linked elsewhere in the file")
            seen.add(identity)
            if is_dataset:
                index = expected[child_path]
                offset = _check_dataset(obj, child_path, tuple(shapes[index]), size, owner)
                ranges[child_path] = (index, offset)
            else:
                stack.append((child_path, obj))
    return ranges


def _check_dataset(dataset, path, shape, size, owner):
    """One dataset's rules; return the byte offset of its values."""
    import h5py

    _check_attributes(dataset, path, owner)
    where = f"{owner}: dataset /{path}"
    dtype = dataset.id.get_type()
    if dtype.committed():
        raise UnsafeModelFileError(f"{where} uses a named datatype")
    if not dtype.equal(h5py.h5t.IEEE_F32LE):
        raise UnsafeModelFileError(f"{where} is stored as {dataset.dtype}, not the "
                                   "model's little-endian float32; values are never cast")
    space = dataset.id.get_space()
    if space.get_simple_extent_type() != h5py.h5s.SIMPLE or \
            space.shape != shape or space.get_simple_extent_dims(True) != shape:
        largest = tuple(None if d == h5py.h5s.UNLIMITED else d
                        for d in space.get_simple_extent_dims(True) or ())
        raise UnsafeModelFileError(f"{where} has shape {space.shape} (max {largest}); "
                                   f"the model needs {shape}")
    plist = dataset.id.get_create_plist()
    if plist.get_layout() != h5py.h5d.CONTIGUOUS:
        layout = {h5py.h5d.CHUNKED: "chunked", h5py.h5d.COMPACT: "compact",
                  h5py.h5d.VIRTUAL: "virtual"}.get(plist.get_layout(), "unknown")
        raise UnsafeModelFileError(f"{where} has {layout} storage; only contiguous "
                                   "storage (what Keras writes) is allowed")
    if plist.get_nfilters() or plist.get_external_count():
        raise UnsafeModelFileError(f"{where} has filters or external storage")
    nbytes = 4 * int(np.prod(shape, dtype=np.int64))
    offset = dataset.id.get_offset()
    if dataset.id.get_storage_size() != nbytes or offset is None or \
            not 0 < offset <= size - nbytes:
        raise UnsafeModelFileError(f"{where}: its {nbytes:,} bytes are not all stored "
                                   "inside the file (unallocated, fill value or out of "
                                   "bounds)")
    return offset


def _check_attributes(obj, path, owner):
    import h5py

    count = len(obj.attrs)
    if count > _MAX_ATTRIBUTES:
        raise UnsafeModelFileError(f"{owner}: /{path.lstrip('/')} has {count} "
                                   f"attributes (at most {_MAX_ATTRIBUTES})")
    for index in range(count):
        attribute = h5py.h5a.open(obj.id, index=index)
        dtype = attribute.get_type()
        kind = dtype.get_class()
        small = attribute.get_storage_size() <= _MAX_ATTRIBUTE_BYTES and \
            len(attribute.get_name()) <= _MAX_NAME and \
            attribute.get_space().get_simple_extent_npoints() <= 16
        if not small or dtype.committed() or kind not in (
                h5py.h5t.STRING, h5py.h5t.INTEGER, h5py.h5t.FLOAT):
            raise UnsafeModelFileError(
                f"{owner}: attribute {attribute.get_name()[:40]!r} of "
                f"/{path.lstrip('/')} is not a small string or number")


# Settings that size weights but never change which weights there are. The
# layout model takes the first values; every weight dimension is linear in
# these settings, so models with each one raised by 1 give the shapes of any
# size without building it.
_LAYOUT_SIZES = {"vocab_size": OOV_INDEX + 2, "embedding_dim": 2, "units": 2,
                 "conv_filters": 2, "ngram_buckets": 3, "step_features": 2}


@functools.lru_cache(maxsize=32)
def _layout_for(architecture_key, n_outputs, trainable_embeddings):
    """The layout of a tiny model of this structure, and its shape rules."""
    architecture = json.loads(architecture_key)
    # conv_filters=0 means no convolution, step_features=0 token ids:
    # structural choices, kept
    sizes = {k: v for k, v in _LAYOUT_SIZES.items()
             if k not in ("conv_filters", "step_features") or architecture.get(k)}

    def shapes_at(values):
        from ._architectures import build_model  # Keras only where a layout is made

        model = build_model(n_outputs=n_outputs, **{**architecture, **values})
        if not architecture.get("step_features"):
            model.get_layer("embedding").trainable = trainable_embeddings
        return model, [np.array(tuple(w.shape), dtype=np.int64) for w in model.weights]

    model, base = shapes_at(sizes)
    layout = dataset_layout(model)
    slopes = {name: [a - b for a, b in zip(shapes_at({**sizes, name: value + 1})[1], base,
                                           strict=True)]
              for name, value in sizes.items()}
    return layout, sizes, base, slopes


def weights_layout(architecture, n_outputs, vocab_size, trainable_embeddings,
                    n_weights):
    """The HDF5 layout of a saved model of this architecture, and each weight's shape.

    Nothing of the described size is built: the layout and the shape rules
    come from tiny models of the same structure (cached per architecture);
    the shapes' total is checked against ``n_weights`` (``count_parameters``).
    """
    layout, sizes, base, slopes = _layout_for(
        json.dumps(architecture, sort_keys=True), n_outputs, trainable_embeddings)
    actual = {**architecture, "vocab_size": sizes["vocab_size"] if vocab_size is None
              else vocab_size}
    shapes = []
    for index, shape in enumerate(base):
        for name, value in sizes.items():
            shape = shape + slopes[name][index] * (actual[name] - value)
        shapes.append(tuple(int(d) for d in shape))
    if sum(math.prod(shape) for shape in shapes) != n_weights:
        raise RuntimeError("skseq cannot compute this architecture's weight shapes")
    return layout, shapes
