"""The command line, end to end, as a user runs it (subprocesses)."""

import json
import os
import subprocess
import sys

import pytest

from skseq import load
from skseq._architectures import count_parameters

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}


def run(*args, stdin=None, timeout=600):
    return subprocess.run([sys.executable, "-m", "skseq", *args], input=stdin,
                          capture_output=True, text=True, timeout=timeout, env=ENV)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run")
    result = run("--quick", "--output-dir", str(out))
    return result, out


def test_quick_main_job(quick_run):
    result, out = quick_run
    assert result.returncode == 0, result.stderr[-3000:]
    for stage in ["[1/4] loading", "[2/4] vocabulary", "[3/4] training",
                  "[4/4] evaluating"]:
        assert stage in result.stdout
    assert "Epoch" in result.stdout or "step" in result.stdout  # per-epoch progress
    for header in ["loss", "accuracy", "specificity", "sensitivity"]:
        assert header in result.stdout
    assert "Traceback" not in result.stderr
    files = {p.name for p in out.iterdir()}
    assert {"model.skseq", "model.joblib", "history.png", "confusion_matrix.png",
            "results.json"} <= files
    assert not [f for f in files if f.endswith(".tmp")]
    record = json.loads((out / "results.json").read_text())
    assert {"experiment", "versions", "data", "models", "total_time_s",
            "command"} <= set(record)
    model = record["models"][0]
    assert {"settings", "results", "history", "timings_s", "parameter_count"} <= set(model)
    assert [r["data"] for r in model["results"]] == ["train", "test"]
    # the bare pipeline: every word, max+mean head, word and 2**20 word-pair
    # weights and as many fixed naive Bayes factors
    clf = load(out / "model.skseq")[-1]
    assert clf.architecture_["linear_ngrams"] == 2
    assert clf.architecture_["ngram_prior"] == "log_count_ratio"
    assert clf.vocab_size_ > 10_000  # every word of 2,000 reviews, not 10,000
    without_prior = count_parameters(vocab_size=clf.vocab_size_, n_outputs=1,
                                     **{**clf.architecture_, "ngram_prior": None})
    assert model["parameter_count"] == without_prior + clf.vocab_size_ + 2**20
    assert record["data"]["n_train"] == 2000


def test_predict_with_saved_model_in_fresh_process(quick_run):
    _, out = quick_run
    result = run("predict", str(out / "model.skseq"), "A wonderful, moving film.",
                 "Dull and far too long.")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "label\tprobability\ttext" and len(lines) == 3
    label, prob, _ = lines[1].split("\t")
    assert label in {"0", "1"} and 0.5 <= float(prob) <= 1.0
    piped = run("predict", str(out / "model.skseq"), stdin="good\nbad\n\n")
    assert piped.returncode == 0 and len(piped.stdout.strip().splitlines()) == 3


def test_max_weights_bytes_bounds_the_model_a_file_may_describe(quick_run):
    _, out = quick_run
    refused = run("predict", str(out / "model.skseq"), "A fine film.",
                  "--max-weights-bytes", "1000")
    assert refused.returncode != 0 and "Traceback" not in refused.stderr
    assert "over max_weights_bytes=1,000" in refused.stderr
    accepted = run("predict", str(out / "model.skseq"), "A fine film.",
                   "--max-weights-bytes", str(2**30))
    assert accepted.returncode == 0, accepted.stderr[-2000:]


def test_tensorflow_start_up_notices_are_quiet_unless_asked_for(quick_run):
    _, out = quick_run
    args = [sys.executable, "-m", "skseq", "predict", str(out / "model.skseq"), "Great."]
    quiet_env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    quiet = subprocess.run(args, capture_output=True, text=True, timeout=600,
                           env=quiet_env)
    assert quiet.returncode == 0, quiet.stderr[-2000:]
    assert quiet.stderr == ""
    # the user's own setting stands: level 0 shows TensorFlow's notices
    loud = subprocess.run(args, capture_output=True, text=True, timeout=600,
                          env={**quiet_env, "TF_CPP_MIN_LOG_LEVEL": "0"})
    assert loud.returncode == 0 and loud.stdout == quiet.stdout
    assert loud.stderr != ""


def test_explain_prints_top_tokens_and_writes_html(quick_run, tmp_path):
    _, out = quick_run
    page = tmp_path / "explained.html"
    result = run("explain", str(out / "model.skseq"), "--top", "3", "--html", str(page),
                 "A wonderful, moving <film>.", "Dull and far too long.")
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "label\tprobability\ttop tokens (score)\ttext"
    label, prob, top, text = lines[1].split("\t")
    assert label in {"0", "1"} and 0.5 <= float(prob) <= 1.0
    assert len(top.split(", ")) == 3 and text.startswith("A wonderful")
    assert {t.split(" (")[0] for t in lines[2].split("\t")[2].split(", ")} <= {
        "dull", "and", "far", "too", "long"}
    assert page.read_text(encoding="utf-8").count("<div>") == 2
    empty = run("explain", str(out / "model.skseq"), "!!!")
    assert empty.returncode == 2 and "has no tokens" in empty.stderr
    assert "Traceback" not in empty.stderr
    gradients = run("explain", str(out / "model.skseq"), "--method",
                    "integrated_gradients", "Dull and far too long.")
    assert gradients.returncode == 0, gradients.stderr[-2000:]
    assert {t.split(" (")[0] for t in gradients.stdout.splitlines()[1].split("\t")[2]
            .split(", ")} <= {"dull", "and", "far", "too", "long"}


def test_predict_with_joblib_warns(quick_run):
    _, out = quick_run
    result = run("predict", str(out / "model.joblib"), "fine")
    assert result.returncode == 0
    assert "only load files you trust" in result.stderr


@pytest.mark.parametrize(
    "args, message",
    [
        (["--experiment", "nope"], "invalid choice"),
        (["--epochs", "0"], "must be >= 1"),
        (["predict", "/no/such/model.skseq", "text"], "model file not found"),
        (["--output-dir", "/proc/cannot-write-here"], "cannot write to output directory"),
    ],
)
def test_bad_arguments_one_line_no_traceback(args, message):
    result = run(*args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_corrupt_model_file(tmp_path):
    bad = tmp_path / "bad.skseq"
    bad.write_bytes(b"not a model")
    result = run("predict", str(bad), "text")
    assert result.returncode == 2
    assert "cannot load model" in result.stderr and "Traceback" not in result.stderr
    result = run("predict", str(tmp_path / "bad.joblib"), "text")
    assert result.returncode == 2


def test_help():
    result = run("--help")
    assert result.returncode == 0
    for word in ["--experiment", "r-book", "blog", "--quick", "--output-dir", "predict",
                 "export"]:
        assert word in result.stdout
    result = run("predict", "--help")
    assert result.returncode == 0 and "standard" in result.stdout
    result = run("export", "--help")
    assert result.returncode == 0 and "--force" in result.stdout


def test_predict_hostile_text_input(quick_run):
    _, out = quick_run
    model = str(out / "model.skseq")
    garbage = subprocess.run([sys.executable, "-m", "skseq", "predict", model],
                             input=b"\xff\xfe\x00bad\n", capture_output=True,
                             timeout=600, env={**ENV, "PYTHONIOENCODING": "utf-8"})
    assert garbage.returncode == 2
    assert b"not valid UTF-8" in garbage.stderr and b"Traceback" not in garbage.stderr
    tabs = run("predict", model, "good\tfilm\nreally", "plain")
    assert tabs.returncode == 0, tabs.stderr[-2000:]
    lines = tabs.stdout.strip().splitlines()
    assert len(lines) == 3 and lines[1].split("\t")[2] == "good\\tfilm\\nreally"


@pytest.mark.parametrize("value", ["-1", str(2**32)])
def test_out_of_range_random_state_is_a_usage_error(value):
    result = run("--random-state", value, "--quick", timeout=120)
    assert result.returncode == 2 and "--random-state" in result.stderr
    assert "Traceback" not in result.stderr
