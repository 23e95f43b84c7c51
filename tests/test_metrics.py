import numpy as np
import pytest
from sklearn.dummy import DummyClassifier
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.metrics import recall_score

from skseq.metrics import (
    SCORING,
    evaluation_report,
    format_report,
    sensitivity_score,
    specificity_score,
)

rng = np.random.RandomState(0)
Y_TRUE = rng.randint(0, 2, 200)
Y_PRED = np.where(rng.rand(200) < 0.8, Y_TRUE, 1 - Y_TRUE)


def test_binary_against_recall_score():
    assert sensitivity_score(Y_TRUE, Y_PRED) == pytest.approx(recall_score(Y_TRUE, Y_PRED))
    assert specificity_score(Y_TRUE, Y_PRED) == pytest.approx(
        recall_score(Y_TRUE, Y_PRED, pos_label=0))
    # by hand from the confusion counts
    tn = np.sum((Y_TRUE == 0) & (Y_PRED == 0))
    fp = np.sum((Y_TRUE == 0) & (Y_PRED == 1))
    assert specificity_score(Y_TRUE, Y_PRED) == pytest.approx(tn / (tn + fp))


def test_string_labels_and_pos_label():
    yt = np.where(Y_TRUE == 1, "pos", "neg")
    yp = np.where(Y_PRED == 1, "pos", "neg")
    assert sensitivity_score(yt, yp, pos_label="pos") == pytest.approx(
        sensitivity_score(Y_TRUE, Y_PRED))
    # the specificity of "neg" is the recall of every other class: "pos"
    assert specificity_score(yt, yp, pos_label="neg") == pytest.approx(
        sensitivity_score(Y_TRUE, Y_PRED, pos_label=1))


def test_sample_weight():
    w = rng.rand(200)
    assert sensitivity_score(Y_TRUE, Y_PRED, sample_weight=w) == pytest.approx(
        recall_score(Y_TRUE, Y_PRED, sample_weight=w))


def test_multiclass_averages():
    yt = rng.randint(0, 3, 300)
    yp = np.where(rng.rand(300) < 0.7, yt, rng.randint(0, 3, 300))
    per_class = sensitivity_score(yt, yp, average=None)
    np.testing.assert_allclose(per_class, recall_score(yt, yp, average=None))
    assert sensitivity_score(yt, yp, average="macro") == pytest.approx(per_class.mean())
    assert sensitivity_score(yt, yp, average="weighted") == pytest.approx(
        recall_score(yt, yp, average="weighted"))
    spec = specificity_score(yt, yp, average=None)
    for k in range(3):
        negatives = yt != k
        assert spec[k] == pytest.approx(np.mean(yp[negatives] != k))
    assert specificity_score(yt, yp, average="macro") == pytest.approx(spec.mean())


@pytest.mark.parametrize(
    "args, kwargs, match",
    [
        (([0, 1], [0, 1]), {"pos_label": 2}, "pos_label=2 is not a valid label"),
        (([], []), {}, "empty"),
        (([0, 1, 1], [0, 1]), {}, "different lengths"),
        (([0, 1, 2], [0, 1, 2]), {}, "multiclass .* average='binary'"),
        (([0, 1], [0, 1]), {"average": "micro"}, "'average' parameter"),
    ],
)
def test_bad_input(args, kwargs, match):
    for metric in (sensitivity_score, specificity_score):
        with pytest.raises(ValueError, match=match):
            metric(*args, **kwargs)


def test_undefined_warns_and_returns_zero():
    with pytest.warns(UndefinedMetricWarning):
        assert sensitivity_score([0, 0], [0, 1]) == 0.0


def test_scoring_uses_last_class_as_positive():
    X = np.zeros((6, 1))
    y = np.array(["neg", "neg", "neg", "pos", "pos", "pos"])
    always_pos = DummyClassifier(strategy="constant", constant="pos").fit(X, y)
    assert SCORING["sensitivity"](always_pos, X, y) == 1.0
    assert SCORING["specificity"](always_pos, X, y) == 0.0
    assert set(SCORING) >= {"accuracy", "balanced_accuracy", "sensitivity",
                            "specificity", "roc_auc", "neg_log_loss"}


def test_evaluation_report_rows_and_table():
    X = np.zeros((4, 1))
    y = np.array([0, 0, 1, 1])
    prior = DummyClassifier(strategy="prior").fit(X, y)
    const = DummyClassifier(strategy="constant", constant=1).fit(X, y)
    report = evaluation_report({"prior": prior, "const": const},
                               {"train": (X, y), "test": (X[:3], y[:3])}, as_frame=True)
    rows = report.to_dict("records")
    assert evaluation_report({"prior": prior, "const": const},
                             {"train": (X, y), "test": (X[:3], y[:3])}) == rows
    assert [(r["model"], r["data"]) for r in rows] == [
        ("prior", "train"), ("prior", "test"), ("const", "train"), ("const", "test")]
    assert list(report.columns[:6]) == ["model", "data", "loss", "accuracy",
                                        "specificity", "sensitivity"]
    const_train = rows[2]
    assert const_train["sensitivity"] == 1.0 and const_train["specificity"] == 0.0
    assert const_train["confusion_matrix"] == [[0, 2], [0, 2]]
    assert rows[0]["loss"] == pytest.approx(np.log(2))
    text = format_report(report)
    assert text.splitlines()[0].split()[:6] == ["model", "data", "loss", "accuracy",
                                                "specificity", "sensitivity"]
    assert len(text.splitlines()) == 5


def test_evaluation_report_threshold():
    X = np.zeros((4, 1))
    y = np.array([0, 0, 1, 1])
    prior = DummyClassifier(strategy="prior").fit(X, y)  # p(pos) = 0.5
    strict = evaluation_report([prior], {"d": (X, y)}, threshold=0.6, as_frame=True)
    assert strict.loc[0, "sensitivity"] == 0.0 and strict.loc[0, "model"] == "model 1"
