"""Plots of training histories, confusion matrices, token and step attributions.

Needs matplotlib.

Functions draw on a given ``Axes`` or create their own ``Figure`` without
touching pyplot's global state, so they work in scripts, notebooks and
headless servers alike. Install with ``pip install "skseq[plot]"``.
"""

import textwrap

import numpy as np

__all__ = ["plot_history", "plot_confusion_matrix", "plot_token_attributions",
           "plot_top_tokens", "plot_step_attributions"]


def _figure(width):
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            'skseq.plotting needs matplotlib: pip install "skseq[plot]"'
        ) from None
    return Figure(figsize=(width, 3.6), layout="constrained")


def _fit_titles(figure, titles):
    """Break each title over lines until it fits the width given with it.

    Constrained layout makes room above the axes for a title's lines but
    never narrows one: a long title would run off both sides of the canvas.
    ``titles`` holds ``(text, box)`` pairs, ``box`` the bounding box (of
    the figure or of an axes) the text must fit, both measured after the
    layout.
    """
    titles = [(text, box) for text, box in titles if text.get_text()]
    if not titles:
        return
    figure.draw_without_rendering()
    for text, box in titles:
        original = " ".join(text.get_text().split())
        width = len(original)
        while width > 8 and text.get_window_extent().width > 0.98 * box.width:
            ratio = text.get_window_extent().width / (0.98 * box.width)
            width = min(width - 1, int(width / max(ratio, 1.0)))
            text.set_text(textwrap.fill(original, max(width, 8)))


def _short(label, limit=32):
    # an unsplit clause or a long code is one token: keep its bar readable
    return label if len(label) <= limit else label[:limit - 1] + "\u2026"


def plot_history(history, *, title=None, axes=None):
    """Loss and accuracy per epoch, training vs validation (the R book's plot).

    Parameters
    ----------
    history : dict or fitted LSTMSequenceClassifier or Pipeline
        A ``history_`` dict (``loss``, ``accuracy``, optionally ``val_loss``,
        ``val_accuracy``), or an estimator / pipeline ending in one.
    title : str, default=None
        Figure title.
    axes : sequence of two matplotlib Axes, default=None
        Where to draw; a new Figure is created if None.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The figure (save it with ``figure.savefig(path)``).

    See Also
    --------
    plot_confusion_matrix : The confusion matrix of predictions.

    Examples
    --------
    >>> from skseq.plotting import plot_history
    >>> fig = plot_history({"loss": [0.6, 0.4], "accuracy": [0.7, 0.8],
    ...                     "val_loss": [0.5, 0.45], "val_accuracy": [0.75, 0.8]})
    >>> [ax.get_ylabel() for ax in fig.axes]
    ['loss', 'accuracy']
    """
    if hasattr(history, "steps"):
        history = history.steps[-1][1]
    if hasattr(history, "history_"):
        history = history.history_
    if axes is None:
        figure = _figure(9)
        axes = figure.subplots(1, 2)
    figure = axes[0].figure
    for ax, metric in zip(axes, ["loss", "accuracy"], strict=True):
        values = history.get(metric, [])
        epochs = np.arange(1, len(values) + 1)
        ax.plot(epochs, values, "o-", label="training")
        if f"val_{metric}" in history:
            ax.plot(epochs, history[f"val_{metric}"], "s--", label="validation")
        ax.set_xlabel("epoch")
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        _fit_titles(figure, [(figure.suptitle(title), figure.bbox)])
    return figure


def plot_confusion_matrix(matrix, *, labels=("negative", "positive"), title=None,
                          ax=None):
    """Draw a 2x2 (or larger) confusion matrix with counts and row rates.

    Parameters
    ----------
    matrix : array-like of shape (n_classes, n_classes)
        Counts; rows are true classes, columns predicted classes.
    labels : sequence of str, default=('negative', 'positive')
        Class names in matrix order.
    title : str, default=None
        Axes title.
    ax : matplotlib Axes, default=None
        Where to draw; a new Figure is created if None.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The figure.

    See Also
    --------
    skseq.metrics.evaluation_report : Computes the matrices.

    Examples
    --------
    >>> from skseq.plotting import plot_confusion_matrix
    >>> fig = plot_confusion_matrix([[40, 10], [5, 45]])
    >>> fig.axes[0].get_xlabel()
    'predicted'
    """
    matrix = np.asarray(matrix)
    if ax is None:
        figure = _figure(4.6)
        ax = figure.subplots()
    figure = ax.figure
    rates = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    ax.imshow(rates, cmap="Blues", vmin=0, vmax=1)
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, f"{count}\n{rates[i, j]:.1%}", ha="center", va="center",
                color="white" if rates[i, j] > 0.5 else "black")
    ticks = np.arange(len(labels))
    ax.set_xticks(ticks, labels)
    ax.set_yticks(ticks, labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("true")
    if title:
        _fit_titles(figure, [(ax.set_title(title), ax.bbox)])
    return figure


def _bars(ax, labels, scores, title):
    y = np.arange(len(labels))[::-1]
    colours = ["tab:green" if v >= 0 else "tab:red" for v in scores]
    ax.barh(y, scores, color=colours)
    ax.set_yticks(y, [_short(label) for label in labels])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_title(title)
    ax.grid(axis="x", alpha=0.3)


def plot_token_attributions(attribution, *, top=15, ax=None):
    """One prediction's most influential tokens as horizontal bars.

    Parameters
    ----------
    attribution : skseq.inspection.TokenAttribution
        One result of :func:`skseq.inspection.token_attributions`.
    top : int or None, default=15
        The tokens with the largest absolute scores, largest first; None
        shows every token in text order.
    ax : matplotlib Axes, default=None
        Where to draw; a new Figure is created if None.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Green bars pushed toward the target class, red bars away from it;
        out-of-vocabulary tokens are marked ``(oov)``.

    See Also
    --------
    plot_top_tokens : The corpus-level view.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.inspection import TokenAttribution
    >>> from skseq.plotting import plot_token_attributions
    >>> a = TokenAttribution(tokens=["a", "dull", "film"],
    ...                      scores=np.array([0.01, 0.3, -0.02]),
    ...                      oov=np.zeros(3, bool), proba=np.array([0.8, 0.2]),
    ...                      target=0)
    >>> fig = plot_token_attributions(a)
    >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
    ['dull', 'film', 'a']
    """
    if top is None:
        order = np.arange(len(attribution.tokens))
    else:
        order = np.argsort(-np.abs(attribution.scores), kind="stable")[:top]
    labels = [_shown(attribution.tokens[i]) + (" (oov)" if attribution.oov[i] else "")
              for i in order]
    if ax is None:
        ax = _figure(6).subplots()
    column = int(np.argmax(attribution.proba))
    _bars(ax, labels, attribution.scores[order],
          f"toward {attribution.target} (p = {attribution.proba[column]:.3f} for "
          f"the predicted class)")
    _fit_titles(ax.figure, [(ax.title, ax.bbox)])
    return ax.figure


def _shown(token):
    """A token as an axis label: whitespace (a character token, or the
    ``char_wb`` boundary) drawn as visible marks."""
    return token.replace(" ", "\u2423").replace("\n", "\u21b5") if token.isspace() \
        else token


def plot_top_tokens(top, *, axes=None):
    """The result of :func:`skseq.inspection.top_tokens`, one panel per class.

    Parameters
    ----------
    top : dict
        Class label -> list of ``(token, mean score, count)``.
    axes : sequence of matplotlib Axes, default=None
        One per class; a new Figure is created if None.

    Returns
    -------
    figure : matplotlib.figure.Figure

    See Also
    --------
    plot_token_attributions : One prediction.

    Examples
    --------
    >>> from skseq.plotting import plot_top_tokens
    >>> fig = plot_top_tokens({0: [("dull", 0.3, 4)], 1: [("moving", 0.2, 3)]})
    >>> [ax.get_title() for ax in fig.axes]
    ['toward 0', 'toward 1']
    """
    if axes is None:
        axes = _figure(4 * len(top)).subplots(1, len(top), squeeze=False)[0]
    for ax, (label, rows) in zip(axes, top.items(), strict=True):
        _bars(ax, [f"{_shown(token)} ({count})" for token, _, count in rows],
              [score for _, score, _ in rows], f"toward {label}")
        ax.set_xlabel("mean score")
    _fit_titles(axes[0].figure, [(ax.title, ax.bbox) for ax in axes])
    return axes[0].figure


def plot_step_attributions(attribution, *, feature_names=None, axes=None):
    """A numeric sequence with its per-step scores, and its per-feature scores.

    Parameters
    ----------
    attribution : skseq.inspection.StepAttribution
        One result of :func:`skseq.inspection.step_attributions`.
    feature_names : list of str or None, default=None
        Names of the features (default ``f0``, ``f1``, ...).
    axes : sequence of two matplotlib Axes, default=None
        Where to draw (series, features); a new Figure is created if None.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Left: each feature's values (standardised by the baseline and the
        series' own spread, so features share one scale) over time, above
        the score of each time step (green toward the target, red away).
        Right: one bar per feature.

    See Also
    --------
    plot_token_attributions : The same for a text.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.inspection import StepAttribution
    >>> from skseq.plotting import plot_step_attributions
    >>> a = StepAttribution(steps=np.array([[0.0], [2.0], [1.0]]),
    ...                     step_scores=np.array([0.0, 0.4, -0.1]),
    ...                     feature_scores=np.array([0.5]), baseline=np.zeros(1),
    ...                     proba=np.array([0.9, 0.1]), target="walk")
    >>> fig = plot_step_attributions(a)
    >>> len(fig.axes)
    3
    """
    steps = np.asarray(attribution.steps, dtype=np.float64)
    n_steps, n_features = steps.shape
    names = list(feature_names) if feature_names is not None else \
        [f"f{i}" for i in range(n_features)]
    if len(names) != n_features:
        raise ValueError(f"feature_names has {len(names)} names for {n_features} "
                         "features.")
    if axes is None:
        figure = _figure(9)
        grid = figure.add_gridspec(2, 2, width_ratios=(3, 1), height_ratios=(2, 1))
        series_ax = figure.add_subplot(grid[0, 0])
        scores_ax = figure.add_subplot(grid[1, 0], sharex=series_ax)
        features_ax = figure.add_subplot(grid[:, 1])
    else:
        series_ax, features_ax = axes
        scores_ax = series_ax.twinx()
    spread = steps.std(axis=0)
    spread[spread == 0] = 1.0
    time = np.arange(n_steps)
    for i in range(min(n_features, 12)):  # more lines than this read as noise
        series_ax.plot(time, (steps[:, i] - attribution.baseline[i]) / spread[i],
                       linewidth=1, label=_short(names[i], 16))
    series_ax.set_ylabel("value (scaled)")
    column = int(np.argmax(attribution.proba))
    series_ax.set_title(f"toward {attribution.target} (p = "
                        f"{attribution.proba[column]:.3f} for the predicted class)")
    if 1 < n_features <= 12:
        series_ax.legend(fontsize="small", ncols=min(n_features, 6))
    colours = ["tab:green" if v >= 0 else "tab:red" for v in attribution.step_scores]
    scores_ax.bar(time, attribution.step_scores, width=1.0, color=colours, alpha=0.6)
    scores_ax.axhline(0, color="black", linewidth=0.8)
    scores_ax.set_xlabel("time step")
    scores_ax.set_ylabel("step score")
    order = np.argsort(-np.abs(attribution.feature_scores), kind="stable")[:15]
    _bars(features_ax, [names[i] for i in order], attribution.feature_scores[order],
          "per feature")
    _fit_titles(series_ax.figure, [(series_ax.title, series_ax.bbox),
                                   (features_ax.title, features_ax.bbox)])
    return series_ax.figure
