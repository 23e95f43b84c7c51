"""Start-up cost as a new user meets it: fresh interpreters, alternating.

Wall time and peak resident memory of a fresh ``python -c`` for:
``import skseq``; the transformers (``from skseq import IntegerSequencer,
Padder`` and one use); ``import skseq.metrics``; ``python -m skseq
--help``; the classifier (``from skseq import LSTMSequenceClassifier``); and
the peers ``import sklearn`` and ``import tensorflow``. Each run also
reports whether TensorFlow was loaded.

Run: python benchmarks/bench_import.py [--rounds 5]
Writes benchmarks/results/bench_import.json.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys

from _common import write_json

PROBE = """
import resource, sys, time
start = time.perf_counter()
{code}
took = time.perf_counter() - start
print(__import__("json").dumps({{"s": took, "tensorflow": "tensorflow" in sys.modules,
    "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""

CASES = {
    "import skseq": "import skseq",
    "transformers": "from skseq import IntegerSequencer, Padder\n"
                    "Padder().fit_transform(IntegerSequencer().fit_transform(['a b', 'c']))",
    "import skseq.metrics": "import skseq.metrics",
    "python -m skseq --help": "import contextlib, io, runpy\nsys.argv = ['skseq', '--help']\n"
                              "with contextlib.redirect_stdout(io.StringIO()):\n"
                              "    try:\n        runpy.run_module('skseq', run_name='__main__')\n"
                              "    except SystemExit:\n        pass",
    "classifier": "from skseq import LSTMSequenceClassifier",
    "peer: import sklearn": "import sklearn.base",
    "peer: import tensorflow": "import tensorflow",
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    runs = {name: [] for name in CASES}
    for _ in range(args.rounds):
        for name, code in CASES.items():
            out = subprocess.run([sys.executable, "-c", PROBE.format(code=code)],
                                 capture_output=True, text=True, env=env, check=True)
            runs[name].append(json.loads(out.stdout.strip().splitlines()[-1]))
    write_json("bench_import", {
        "rounds": args.rounds,
        "cases": {name: {
            "median_s": statistics.median(r["s"] for r in rs),
            "min_s": min(r["s"] for r in rs),
            "max_rss_mib": statistics.median(r["max_rss_mib"] for r in rs),
            "loads_tensorflow": rs[0]["tensorflow"],
        } for name, rs in runs.items()},
    })


if __name__ == "__main__":
    main()
