"""Which recurrent path Keras takes on a GPU for skseq's masked model, and how fast.

skseq trains on TensorFlow. The GPU machines this project is sometimes lent
carry PyTorch and JAX but no TensorFlow (its wheel and CUDA 12 libraries
are far larger than what can be carried there), so this benchmark asks the
question with the backends that are there. It needs no skseq classifier
(skseq's classifier imports TensorFlow): it builds the blog's model
(``Embedding(5000, 32)`` + ``LSTM(100)`` + ``Dense(1)``) in plain Keras, and
skseq's own :class:`~skseq._layers.SplitMaskedRNN` (pure Keras), on data
written beforehand with skseq (``--prepare``, on the TensorFlow machine:
4,096 protocol training reviews drawn at random, post padding).

Variants, each trained one warm-up epoch and prediction pass (tracing),
then timed over ``--rounds`` epochs and prediction passes, the variants in
alternating order (medians and minima reported):

- ``fixed_width``: no mask, every batch 500 steps wide (the blog);
- ``masked_bucketed``: ``mask_zero=True``, rows padded post and batches cut
  to their longest row (what skseq's ``mask_padding=True`` feeds), Keras'
  masked ``LSTM``;
- ``split_bucketed``: the same batches through ``SplitMaskedRNN`` (an
  unmasked pass over the steps every row has, then a masked pass).

For every variant the record says whether Keras took its fused kernel
(cuDNN on a GPU, the backend's native LSTM on a CPU): the number of times
the backend's fused ``lstm`` returned and the number of times it declined
(``NotImplementedError``: the generic step loop). Each backend runs in
its own process (``KERAS_BACKEND`` is read at import), on the GPU and on
the CPU.

Run (where a GPU is):
``python benchmarks/bench_gpu_backends.py --prepare`` (here, writes the npz),
then ``python benchmarks/bench_gpu_backends.py --data ids.npz --out DIR``.
Writes ``DIR/bench_gpu_backends.json`` (copied to benchmarks/results/).
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

import numpy as np

VARIANTS = ("fixed_width", "masked_bucketed", "split_bucketed")


def prepare(path, n_rows):
    """Blog-configuration ids of ``n_rows`` random protocol training reviews (skseq, TF)."""
    from skseq import IntegerSequencer, Padder
    from skseq.datasets import load_imdb

    X, y = load_imdb("train", return_X_y=True)
    rng = np.random.default_rng(0)
    rows = rng.permutation(len(X))[:n_rows]
    X, y = [X[i] for i in rows], np.asarray(y)[rows]
    ids = IntegerSequencer(num_words=5000).fit_transform(X)
    ids = Padder(maxlen=500, padding="post", truncating="pre").fit_transform(ids)
    np.savez_compressed(path, ids=ids.astype("int32"), y=(y == y.max()).astype("float32"))


def batches(ids, y, batch_size, bucket_step):
    """Batches in a fixed order; bucketed ones (``bucket_step`` > 0) cut to
    their longest row, rounded up to a multiple of ``bucket_step``."""
    lengths = (ids != 0).sum(axis=1)
    order = np.arange(len(ids))
    if bucket_step:  # sorted within pools of 32 batches, as skseq's _batching
        pool = 32 * batch_size
        order = np.concatenate([chunk[np.argsort(lengths[chunk], kind="stable")]
                                for chunk in np.split(order, range(pool, len(ids), pool))])
    out = []
    for start in range(0, len(ids), batch_size):
        rows = order[start:start + batch_size]
        width = ids.shape[1]
        if bucket_step:
            width = min(width, -(-max(int(lengths[rows].max()), 1) // bucket_step) * bucket_step)
        out.append((ids[rows, :width], y[rows]))
    return out


def run_backend(data, device, n_rows, rounds):
    """Child process: every variant on one backend and device; JSON to stdout."""
    import keras
    import keras.src.backend as kbackend

    backend = keras.backend.backend()
    fused = kbackend.lstm
    calls = {"fused": 0, "declined": 0}

    def counting_lstm(*args, **kwargs):
        try:
            out = fused(*args, **kwargs)
        except NotImplementedError:
            calls["declined"] += 1
            raise
        calls["fused"] += 1
        return out

    kbackend.lstm = counting_lstm  # the LSTM layer calls keras.src.backend.lstm

    loaded = np.load(data)
    ids, y = loaded["ids"][:n_rows], loaded["y"][:n_rows]
    # JAX compiles once per batch width: a coarser grid than skseq's 16 steps
    bucket_step = 64 if backend == "jax" else 16
    record = {"backend": backend, "device": device, "n_rows": len(ids), "rounds": rounds,
              "bucket_step": bucket_step, "keras": keras.__version__,
              "mean_tokens": float((ids != 0).sum(axis=1).mean())}
    if backend == "torch":
        import torch
        record.update(torch=torch.__version__, cuda_available=torch.cuda.is_available(),
                      cudnn_version=torch.backends.cudnn.version())
    elif backend == "jax":
        import jax
        record.update(jax=jax.__version__, jax_devices=[str(d) for d in jax.devices()])

    runs = {}
    for variant in VARIANTS:
        calls.update(fused=0, declined=0)
        try:  # build, then a warm-up epoch and prediction pass (tracing)
            runs[variant] = Variant(keras, variant, ids, y, bucket_step)
            runs[variant].epoch()
            runs[variant].predict()
            record[variant] = {"warmup_fused_lstm_calls": dict(calls)}
        except Exception as exc:  # e.g. a layer this backend cannot trace
            runs.pop(variant, None)
            record[variant] = {"error": f"{type(exc).__name__}: {str(exc)[:500]}"}
    times = {name: {"epoch_s": [], "epoch_process_s": [], "predict_s": []} for name in runs}
    counts = {name: {"fused": 0, "declined": 0} for name in runs}
    for round_ in range(rounds):  # alternating order: the machine's drift hits all
        for name in (list(runs) if round_ % 2 == 0 else list(runs)[::-1]):
            calls.update(fused=0, declined=0)
            wall, cpu = time.perf_counter(), time.process_time()
            runs[name].epoch()
            times[name]["epoch_s"].append(time.perf_counter() - wall)
            times[name]["epoch_process_s"].append(time.process_time() - cpu)
            wall = time.perf_counter()
            runs[name].predict()
            times[name]["predict_s"].append(time.perf_counter() - wall)
            for key in calls:
                counts[name][key] += calls[key]
    for name in runs:
        result = record[name]
        result.update(times[name], timed_fused_lstm_calls=counts[name])
        for what in ("epoch_s", "predict_s"):
            result[f"{what}_median"] = statistics.median(times[name][what])
            result[f"{what}_min"] = min(times[name][what])
        result["train_rows_per_s"] = len(ids) / result["epoch_s_median"]
        result["predict_rows_per_s"] = len(ids) / result["predict_s_median"]
        # traced backends (JAX) decide while tracing: count the warm-up too;
        # the fused kernel is cuDNN on a GPU, the backend's native LSTM on a CPU
        total = {key: result["warmup_fused_lstm_calls"][key] + counts[name][key]
                 for key in calls}
        result["fused_kernel_taken"] = total["fused"] > 0
        result["generic_loop_used"] = total["declined"] > 0
        print(name, json.dumps(result), file=sys.stderr, flush=True)
    json.dump(record, sys.stdout)


class Variant:
    """One variant's model and its fixed batches."""

    def __init__(self, keras, variant, ids, y, bucket_step):
        from skseq._layers import SplitMaskedRNN

        keras.utils.set_random_seed(0)
        masked = variant != "fixed_width"
        inputs = keras.Input((None,), dtype="int32")
        x = keras.layers.Embedding(5000, 32, mask_zero=masked)(inputs)
        lstm = keras.layers.LSTM(100)
        x = SplitMaskedRNN(lstm)(x) if variant == "split_bucketed" else lstm(x)
        self.model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(x))
        self.model.compile("adam", "binary_crossentropy")
        self.batches = batches(ids, y, 64, bucket_step if masked else 0)

    def epoch(self):
        for xb, yb in self.batches:
            self.model.train_on_batch(xb, yb)

    def predict(self):
        for xb, _ in self.batches:
            self.model.predict_on_batch(xb)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prepare", action="store_true")
    parser.add_argument("--data", default="bench_gpu_backends_ids.npz")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "results"))
    parser.add_argument("--backends", nargs="+", default=["torch", "jax"])
    parser.add_argument("--gpu-rows", type=int, default=1024)
    parser.add_argument("--cpu-rows", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--child", nargs=2, metavar=("DEVICE", "ROWS"))
    args = parser.parse_args()
    if args.prepare:
        return prepare(args.data, 4096)
    if args.child:
        return run_backend(args.data, args.child[0], int(args.child[1]), args.rounds)
    runs = []
    for backend in args.backends:
        for device, rows in (("gpu", args.gpu_rows), ("cpu", args.cpu_rows)):
            env = {**os.environ, "KERAS_BACKEND": backend}
            if device == "cpu":
                env.update(CUDA_VISIBLE_DEVICES="", JAX_PLATFORMS="cpu")
            start = time.perf_counter()
            try:
                proc = subprocess.run([sys.executable, __file__, "--data", args.data,
                                       "--rounds", str(args.rounds), "--child", device,
                                       str(rows)],
                                      env=env, capture_output=True, text=True,
                                      timeout=args.timeout)
                run = (json.loads(proc.stdout) if proc.returncode == 0 else
                       {"backend": backend, "device": device, "error": proc.stderr[-3000:]})
            except subprocess.TimeoutExpired as exc:
                run = {"backend": backend, "device": device,
                       "error": f"timed out after {args.timeout} s",
                       "stderr": (exc.stderr or b"")[-3000:].decode(errors="replace")}
            run["process_wall_s"] = time.perf_counter() - start
            runs.append(run)
            print(json.dumps(run)[:2000], flush=True)
            os.makedirs(args.out, exist_ok=True)
            with open(os.path.join(args.out, "bench_gpu_backends.json"), "w") as f:
                json.dump({"benchmark": "bench_gpu_backends",
                           "machine": {"platform": platform.platform(),
                                       "cpu_count": os.cpu_count(),
                                       "python": platform.python_version()},
                           "command": "python benchmarks/bench_gpu_backends.py "
                                      "--data ids.npz --out DIR",
                           "runs": runs}, f, indent=1)


if __name__ == "__main__":
    main()
