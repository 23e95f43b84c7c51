import numpy as np
import pytest

pytest.importorskip("matplotlib")

from skseq import LSTMSequenceClassifier  # noqa: E402
from skseq.experiments import SEED_ARCHITECTURE
from skseq.plotting import plot_confusion_matrix, plot_history  # noqa: E402


def test_plot_history_from_fitted_estimator(tmp_path):
    rng = np.random.RandomState(0)
    X, y = rng.randint(1, 30, (64, 8)), np.tile([0, 1], 32)
    clf = LSTMSequenceClassifier(**SEED_ARCHITECTURE, units=4, epochs=2, validation_fraction=0.25,
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


LONG = ("skseq default: masked Conv1D(32, 3) + MaxPooling1D(2) + LSTM(100), max+mean "
        "pooling, plus linear word and word-pair terms, early stopping")


def overhang(fig):
    """Inches by which the drawn artists (ticks outside the view left out,
    as when saved) reach past each side of the canvas: 0 when all fit."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # the layout as saved
    drawn, page = fig.get_tightbbox(canvas.get_renderer()), fig.bbox_inches
    return max(page.x0 - drawn.x0, drawn.x1 - page.x1, page.y0 - drawn.y0,
               drawn.y1 - page.y1, 0.0)


def test_every_figure_fits_its_canvas():
    import numpy as np

    from skseq.inspection import TokenAttribution
    from skseq.plotting import plot_token_attributions, plot_top_tokens

    history = {"loss": [0.6, 0.4], "accuracy": [0.7, 0.8],
               "val_loss": [0.5, 0.45], "val_accuracy": [0.75, 0.8]}
    clause = "https://example.org/reviews/2026/12/a-very-long-path" * 2  # one token
    attribution = TokenAttribution(tokens=["a", "dull", clause], oov=np.zeros(3, bool),
                                   scores=np.array([0.01, 0.3, -0.02]),
                                   proba=np.array([0.8, 0.2]), target=LONG)
    from skseq.inspection import StepAttribution
    from skseq.plotting import plot_step_attributions

    steps = np.cumsum(np.random.RandomState(0).standard_normal((80, 3)), axis=0)
    step_attribution = StepAttribution(
        steps=steps, step_scores=np.sin(np.arange(80) / 5) / 10,
        feature_scores=np.array([0.2, -0.1, 0.05]), baseline=steps.mean(axis=0),
        proba=np.array([0.7, 0.2, 0.1]), target=LONG)
    figures = {
        "steps": plot_step_attributions(step_attribution,
                                        feature_names=["accelerometer x", "y", clause]),
        "history": plot_history(history, title=LONG),
        "confusion": plot_confusion_matrix([[5688, 562], [676, 5574]], title=LONG),
        "attributions": plot_token_attributions(attribution),
        "top tokens": plot_top_tokens({LONG: [(clause, 0.3, 4)], 1: [("moving", 0.2, 3)]}),
    }
    for name, fig in figures.items():
        assert overhang(fig) < 0.01, name
    # the title is kept whole, only broken over lines
    title = figures["history"].get_suptitle()
    assert "\n" in title and " ".join(title.split()) == LONG


def test_an_unfitted_title_would_leave_the_canvas():
    # the check above can fail: the same title set after the fitting runs off
    fig = plot_history({"loss": [0.6, 0.4], "accuracy": [0.7, 0.8]})
    fig.suptitle(LONG)
    assert overhang(fig) > 1.0
