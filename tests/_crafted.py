"""Crafting ``.skseq`` archives the way an attacker would.

Every rewrite recomputes ``checksums.json`` (which always gets past the
checksum check): what stops a crafted file must be the loader's other
checks. Shared by the tests and ``benchmarks/bench_untrusted.py``.
"""

import copy
import hashlib
import io
import json
import zipfile

__all__ = ["read_members", "write_members", "rewrite", "rewrite_manifest",
           "rewrite_inner", "rewrite_keras_config", "mutate_json", "flip_bytes",
           "read_weights", "weights_tree", "build_weights", "replace_weights",
           "mutate_weights"]


def read_members(path):
    with zipfile.ZipFile(path) as archive:
        return {n: archive.read(n) for n in archive.namelist()}


def write_members(path, members, *, checksums=True, compression=zipfile.ZIP_DEFLATED):
    """Write ``members`` as an archive, with fresh checksums unless told not to."""
    members = dict(members)
    if checksums:
        members.pop("checksums.json", None)
        members.pop("signature.json", None)
        sums = {k: hashlib.sha256(v).hexdigest() for k, v in members.items()}
        members["checksums.json"] = json.dumps(sums).encode()
    with zipfile.ZipFile(path, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def rewrite(path, mutate):
    """Rewrite the archive with ``mutate(members)``, checksums updated."""
    members = read_members(path)
    mutate(members)
    write_members(path, members)


def rewrite_manifest(path, mutate):
    """Rewrite manifest.json with ``mutate(manifest)`` (in place or returned)."""
    def change(members):
        manifest = json.loads(members["manifest.json"])
        result = mutate(manifest)
        members["manifest.json"] = json.dumps(
            manifest if result is None else result).encode()

    rewrite(path, change)


def rewrite_inner(path, mutate_parts):
    """Rewrite the inner model.keras with ``mutate_parts(parts)``."""
    def change(members):
        with zipfile.ZipFile(io.BytesIO(members["model.keras"])) as inner:
            parts = {n: inner.read(n) for n in inner.namelist()}
        mutate_parts(parts)
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as inner:
            for name, data in parts.items():
                inner.writestr(name, data)
        members["model.keras"] = out.getvalue()

    rewrite(path, change)


def rewrite_keras_config(path, mutate_config):
    """Rewrite the inner model.keras' config.json with ``mutate_config(config)``."""
    def change(parts):
        config = json.loads(parts["config.json"])
        mutate_config(config)
        parts["config.json"] = json.dumps(config).encode()

    rewrite_inner(path, change)


_REPLACEMENTS = [
    None, True, False, 0, -1, 1, 2, 3, 2**31, 2**63, -(2**40), 1e300, -0.5, 0.5, "",
    "x", "adam", "pre", "post", "lstm", "int8", "<U100000000", "(?:\\w+\\s?)+$",
    [], [1], ["a", "b"], {}, {"a": 1}, {"__pairs__": [[1, 2]]},
]


def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node[:50]):
            yield from _paths(value, prefix + (i,))


def mutate_json(document, rng):
    """One random mutation of a JSON document: a value, a type, a key or depth.

    Parameters
    ----------
    document : dict or list
        Parsed JSON; not modified.
    rng : numpy.random.RandomState

    Returns
    -------
    mutated : object
        A mutated deep copy.
    description : str
        What was changed, for failure messages.
    """
    doc = copy.deepcopy(document)
    paths = [p for p in _paths(doc) if p]
    path = paths[rng.randint(len(paths))]
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    last = path[-1]
    action = rng.choice(["replace", "replace", "replace", "delete", "add", "nest",
                         "scale"])
    if action == "delete" and isinstance(parent, dict):
        del parent[last]
    elif action == "add" and isinstance(parent, dict):
        parent[f"extra{rng.randint(1000)}"] = _REPLACEMENTS[rng.randint(len(_REPLACEMENTS))]
    elif action == "nest":
        value = parent[last]
        for _ in range(int(rng.choice([2, 70, 500]))):  # json.dumps recurses
            value = [value]
        parent[last] = value
    elif action == "scale" and isinstance(parent[last], (int, float)) \
            and not isinstance(parent[last], bool):
        parent[last] = parent[last] * float(rng.choice([-1, 0, 1e6, 1e12]))
    else:
        parent[last] = copy.deepcopy(_REPLACEMENTS[rng.randint(len(_REPLACEMENTS))])
    return doc, f"{action} at {'/'.join(map(str, path))}"


def flip_bytes(data, rng, n_flips=None):
    """Random byte flips (1 to 8 unless told), no checksum repaired."""
    data = bytearray(data)
    for _ in range(n_flips or rng.randint(1, 9)):
        data[rng.randint(len(data))] ^= rng.randint(1, 256)
    return bytes(data)


# --- the HDF5 weights member ------------------------------------------------
def read_weights(path):
    """The ``model.weights.h5`` bytes inside a saved file."""
    with zipfile.ZipFile(io.BytesIO(read_members(path)["model.keras"])) as inner:
        return inner.read("model.weights.h5")


def weights_tree(data):
    """A weights file's groups (path -> attributes) and datasets (path -> array)."""
    import h5py

    groups, datasets = {}, {}

    def visit(name, obj):
        if isinstance(obj, h5py.Dataset):
            datasets[name] = obj[()]
        else:
            groups[name] = dict(obj.attrs)

    with h5py.File(io.BytesIO(data), "r") as handle:
        handle.visititems(visit)
    return groups, datasets


def build_weights(groups, datasets, *, dataset_kwargs=None, edit=None, **file_kwargs):
    """Write a weights file with h5py, in memory, and return its bytes.

    ``dataset_kwargs`` maps a dataset path to ``create_dataset`` keywords
    (dtype, chunks, compression, external, ...); ``edit(handle)`` may change
    the open file before it is closed.
    """
    import h5py

    buffer = io.BytesIO()
    with h5py.File(buffer, "w", **file_kwargs) as handle:
        for path, attrs in groups.items():
            handle.require_group(path).attrs.update(attrs)
        for path, array in datasets.items():
            kwargs = (dataset_kwargs or {}).get(path, {})
            if "shape" in kwargs:  # declared, not written
                handle.create_dataset(path, **kwargs)
            else:
                handle.create_dataset(path, data=array, **kwargs)
        if edit is not None:
            edit(handle)
    return buffer.getvalue()


def replace_weights(path, data):
    """Put ``data`` in place of the file's weights member (checksums updated)."""
    rewrite_inner(path, lambda parts: parts.update({"model.weights.h5": data}))


def _value_ranges(data):
    import h5py

    ranges = []
    with h5py.File(io.BytesIO(data), "r") as handle:
        def visit(name, obj):
            if isinstance(obj, h5py.Dataset):
                ranges.append((obj.id.get_offset(), obj.id.get_offset() + obj.nbytes))
        handle.visititems(visit)
    return ranges


def mutate_weights(data, rng):
    """One random mutation of a weights file: its bytes or its structure.

    Returns ``(mutated bytes, description)``. Byte flips land in the HDF5
    metadata (headers, symbol tables, heaps, B-trees) unless the case says
    ``values``; structural cases rebuild the file with h5py, changing one
    dtype, shape, storage layout, filter, link, attribute or object.
    """
    import h5py
    import numpy as np

    kind = rng.choice(["metadata_flips", "metadata_flips", "values_flips", "structure",
                       "structure", "truncate", "append"])
    if kind == "metadata_flips":
        ranges = _value_ranges(data)
        positions = [p for p in rng.randint(0, len(data), 64)
                     if not any(a <= p < b for a, b in ranges)][:rng.randint(1, 9)]
        out = bytearray(data)
        for p in positions:
            out[p] ^= rng.randint(1, 256)
        return bytes(out), f"metadata flips at {positions}"
    if kind == "values_flips":
        return flip_bytes(data, rng), "flips anywhere"
    if kind == "truncate":
        cut = rng.randint(1, len(data))
        return data[:cut], f"truncated to {cut}"
    if kind == "append":
        extra = int(rng.choice([1, 8, 4096]))
        return data + bytes(rng.randint(0, 256, extra).astype("u1")), f"{extra} appended"
    groups, datasets = weights_tree(data)
    names = sorted(datasets)
    target = names[rng.randint(len(names))]
    shape = datasets[target].shape
    change = rng.choice(["dtype", "shape", "chunks", "gzip", "drop", "add", "attribute",
                         "soft_link", "group_to_dataset", "userblock", "latest"])
    kwargs, edit, file_kwargs = {}, None, {}
    if change == "dtype":
        kwargs = {target: {"dtype": str(rng.choice(["<f8", "<f2", "<i4", ">f4", "<u4"]))}}
    elif change == "shape":
        new = tuple(max(1, d + int(rng.choice([-1, 1, 1000]))) for d in shape)
        kwargs = {target: {"shape": new, "dtype": "<f4"}}
    elif change == "chunks":
        kwargs = {target: {"chunks": tuple(max(1, d // 2) for d in shape)}}
    elif change == "gzip":
        kwargs = {target: {"chunks": shape, "compression": "gzip"}}
    elif change == "drop":
        datasets = {k: v for k, v in datasets.items() if k != target}
    elif change == "add":
        datasets = {**datasets, target.rsplit("/", 1)[0] + "/99": np.zeros(3, "<f4")}
    elif change == "attribute":
        group = sorted(groups)[rng.randint(len(groups))]
        groups = {**groups, group: {**groups[group],
                                    "x": np.zeros(int(rng.choice([1, 300, 7000])))}}
    elif change == "soft_link":
        def edit(handle):
            del handle[target]
            handle[target] = h5py.SoftLink("/" + names[0])
    elif change == "group_to_dataset":
        group = sorted(g for g in groups if not g.endswith("vars") or not any(
            d.startswith(g + "/") for d in datasets))[0]

        def edit(handle):
            del handle[group]
            handle.create_dataset(group, data=np.zeros(2, "<f4"))
    elif change == "userblock":
        file_kwargs = {"userblock_size": 512}
    else:
        file_kwargs = {"libver": "latest"}  # a legitimate variant
    return (build_weights(groups, datasets, dataset_kwargs=kwargs, edit=edit,
                          **file_kwargs), f"{change} of {target}")
