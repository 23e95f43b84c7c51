"""Reader of the ``.ts`` time-series archive format (UCR/UEA, as aeon ships it).

A file is a header of ``@key value`` lines, then ``@data`` and one case per
line: each dimension's comma-separated values, dimensions separated by
``:``, the class label or numeric target last. ``?`` marks a missing value.
Only what the archive files use is read: no time stamps.
"""

import numpy as np

__all__ = ["read_ts"]


def read_ts(path):
    """Read a ``.ts`` file into ``(t, dimensions)`` rows and their targets.

    Parameters
    ----------
    path : path-like
        The file.

    Returns
    -------
    rows : list of ndarray of shape (t_i, n_dimensions), dtype float64
        One array per case, time along the first axis.
    target : ndarray
        Class labels (str) or numeric targets (float64).
    header : dict
        The header's ``@key value`` pairs, keys lower-cased.
    """
    header, rows, target = {}, [], []
    with open(path, encoding="utf-8") as file:
        in_data = False
        for number, line in enumerate(file, 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                key, _, value = line.partition(" ")
                if key.lower() == "@data":
                    in_data = True
                    if header.get("@timestamps", "false").lower() == "true":
                        raise ValueError(f"{path}: time-stamped .ts files are not read")
                else:
                    header[key.lower()] = value.strip()
                continue
            *dimensions, label = line.split(":")
            try:
                series = [np.array([float("nan") if v == "?" else float(v)
                                    for v in d.split(",")]) for d in dimensions]
            except ValueError:
                raise ValueError(f"{path}, line {number}: a value is not a number") \
                    from None
            if len({len(s) for s in series}) != 1:
                raise ValueError(f"{path}, line {number}: dimensions of unequal length")
            rows.append(np.stack(series, axis=1))
            target.append(label.strip())
    if "@classlabel" in header and header["@classlabel"].split()[0].lower() == "true":
        target = np.array(target, dtype=object).astype(str)
    else:
        target = np.array(target, dtype=np.float64)
    return rows, target, header
