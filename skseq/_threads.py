"""TensorFlow's thread pools inside parallel workers.

scikit-learn's searches run fits in joblib worker processes, and joblib
tells the libraries in each worker how many threads they may use by setting
``OMP_NUM_THREADS`` (cores // n_jobs), which BLAS and OpenMP honour.
TensorFlow reads its own settings instead and would start a pool the size
of the whole machine in every worker, oversubscribing the cores.
"""

import multiprocessing
import os

__all__ = ["limit_threads_in_worker"]


def limit_threads_in_worker():
    """In a worker process, size TensorFlow's pools to ``OMP_NUM_THREADS``.

    Does nothing in the main process, when ``OMP_NUM_THREADS`` is unset or
    not a positive int, when TensorFlow's thread counts were already set
    (``TF_NUM_INTRAOP_THREADS`` / ``TF_NUM_INTEROP_THREADS``,
    ``tf.config.threading``, or an earlier call), or once TensorFlow has
    started its runtime in this process (the pools cannot be resized then).
    """
    if multiprocessing.parent_process() is None or any(
            name in os.environ for name in ("TF_NUM_INTRAOP_THREADS",
                                            "TF_NUM_INTEROP_THREADS")):
        return
    try:
        threads = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return
    if threads < 1:
        return
    import tensorflow as tf

    pools = tf.config.threading
    if pools.get_intra_op_parallelism_threads() or pools.get_inter_op_parallelism_threads():
        return
    try:
        pools.set_intra_op_parallelism_threads(threads)
        pools.set_inter_op_parallelism_threads(threads)
    except RuntimeError:  # the runtime already started (e.g. a model was unpickled)
        pass
