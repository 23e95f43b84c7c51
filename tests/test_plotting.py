import numpy as np
import pytest

pytest.importorskip("matplotlib")

from skseq import LSTMSequenceClassifier  # noqa: E402
from skseq.plotting import plot_confusion_matrix, plot_history  # noqa: E402


def test_plot_history_from_fitted_estimator(tmp_path):
    rng = np.random.RandomState(0)
    X, y = rng.randint(1, 30, (64, 8)), np.tile([0, 1], 32)
    clf = LSTMSequenceClassifier(units=4, epochs=2, validation_fraction=0.25,
                                 random_state=0).fit(X, y)
    fig = plot_history(clf, title="tiny")
    loss_ax = fig.axes[0]
    assert [line.get_label() for line in loss_ax.get_lines()] == ["training", "validation"]
    assert list(loss_ax.get_lines()[0].get_ydata()) == clf.history_["loss"]
    fig.savefig(tmp_path / "h.png")
    assert (tmp_path / "h.png").stat().st_size > 1000


def test_confusion_matrix_counts_and_rates():
    fig = plot_confusion_matrix([[8, 2], [1, 9]], labels=("neg", "pos"), title="t")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["8\n80.0%", "2\n20.0%", "1\n10.0%", "9\n90.0%"]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["neg", "pos"]
