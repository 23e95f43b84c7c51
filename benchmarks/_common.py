"""Helpers shared by the benchmarks: timing, machine facts, JSON output."""

import json
import os
import platform
import statistics
import time
from pathlib import Path

RESULTS_DIR = Path(__file__).parent / "results"


def median_time(func, *, repeat=5, warmup=1):
    """Median wall time of ``func()`` over ``repeat`` runs after a warm-up."""
    for _ in range(warmup):
        func()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), times


def timed(func):
    """``func()``'s result, wall time and process time (one call)."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def machine_info():
    """Machine, library versions and current load, for the JSON record."""
    import keras
    import numpy
    import sklearn
    import tensorflow

    import skseq

    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "versions": {
            "skseq": skseq.__version__,
            "keras": keras.__version__,
            "tensorflow": tensorflow.__version__,
            "scikit-learn": sklearn.__version__,
            "numpy": numpy.__version__,
        },
    }


def rss_mib():
    """This process's resident memory now, in MiB."""
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def write_json(name, payload):
    """Write ``payload`` (plus machine info) to benchmarks/results/NAME.json."""
    RESULTS_DIR.mkdir(exist_ok=True)
    payload = {"benchmark": name, "machine": machine_info(), **payload}
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps(payload, indent=2) + "\n")
    print(json.dumps(payload, indent=2))
    print(f"written to {path}")
    return path


def import_before(revision, folder):
    """skseq as it was at git ``revision``, importable as ``skseq_before``.

    For measuring a change against the code before it in the same process
    and run (the package's imports are relative, so the copy is separate).
    """
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    target = Path(folder) / "before" / "skseq_before"
    target.mkdir(parents=True)
    names = subprocess.run(["git", "ls-tree", "--name-only", revision, "skseq/"],
                           cwd=root, capture_output=True, text=True, check=True)
    for name in names.stdout.split():
        source = subprocess.run(["git", "show", f"{revision}:{name}"], cwd=root,
                                capture_output=True, check=True).stdout
        (target / Path(name).name).write_bytes(source)
    sys.path.insert(0, str(target.parent))
    import skseq_before

    return skseq_before
