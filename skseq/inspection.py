"""Why a prediction: per-token attributions by occlusion or integrated gradients,
and per-step and per-feature attributions of numeric sequences by occlusion.

skseq knows its own tokens, padding and masks, so it can explain a
prediction in the tokens the model read. Occlusion removes each token in
turn (removes it: the rest of the review closes up, so with
``mask_padding=True`` the model sees exactly the review without that word,
not a padding or out-of-vocabulary id in its place) and measures how much
the probability of the target class drops. All the variants of all the
texts go through one batched ``predict_proba`` call. Integrated gradients
(Sundararajan et al., 2017) integrate the gradient along a straight path
from the text with every word vector zeroed to the text itself; the scores
add up to the difference of the two probabilities.
"""

import html
import weakref
from dataclasses import dataclass, replace

import numpy as np
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

__all__ = ["TokenAttribution", "token_attributions", "top_tokens", "StepAttribution",
           "step_attributions"]

_METHODS = ("occlusion", "integrated_gradients")


@dataclass(frozen=True, eq=False)
class TokenAttribution:
    """The attribution of one prediction to the tokens the model read.

    Parameters
    ----------
    tokens : list of str
        The tokens as the model read them: the pipeline's
        ``IntegerSequencer`` tokens (lower-cased, markup stripped, as it was
        configured), after ``Padder`` truncation (tokens it cut are not
        listed: the model never saw them). For padded ids passed to a bare
        classifier, the ids as strings.
    scores : ndarray of shape (n_tokens,)
        Per token, the probability of ``target`` for the whole text minus
        its probability with that token removed: positive scores pushed the
        prediction toward ``target``, negative ones away from it.
    oov : ndarray of shape (n_tokens,), dtype bool
        Whether the token is out of the vocabulary (read as the OOV id).
    proba : ndarray of shape (n_classes,)
        The estimator's outputs for the whole text: a classifier's
        probabilities in the order of its ``classes_`` (one per label for a
        multi-label classifier), a regressor's predicted values (one per
        output).
    target : object
        The class (label index, regressor output) the scores are toward.
    baseline_score : float or None, default=None
        Integrated gradients only: the probability of ``target`` at the
        baseline (every token's word vector zero, padding unchanged). The
        scores sum to ``proba[target] - baseline_score``, up to the
        integral's discretisation error.
    completeness_gap : float or None, default=None
        Integrated gradients only: ``proba[target] - baseline_score -
        scores.sum()``, near 0 when ``steps`` suffice (a large gap asks for
        more steps).
    separator : str, default=" "
        What stands between two tokens when the text is shown: a space for
        words, nothing for character tokens (``analyzer="char"`` or
        ``"char_wb"``, whose spaces are tokens of their own).

        .. versionadded:: 0.2

    See Also
    --------
    token_attributions : Compute them.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.inspection import TokenAttribution
    >>> a = TokenAttribution(tokens=["a", "dull", "film"],
    ...                      scores=np.array([0.01, 0.3, -0.02]),
    ...                      oov=np.zeros(3, bool), proba=np.array([0.8, 0.2]),
    ...                      target=0)
    >>> a.top(2)
    [('dull', 0.3), ('film', -0.02)]
    """

    tokens: list
    scores: np.ndarray
    oov: np.ndarray
    proba: np.ndarray
    target: object
    baseline_score: float = None
    completeness_gap: float = None
    separator: str = " "

    def top(self, n=10):
        """The ``n`` tokens with the largest absolute scores.

        Parameters
        ----------
        n : int, default=10
            How many tokens.

        Returns
        -------
        top : list of (str, float)
            ``(token, score)`` pairs, largest absolute score first (ties in
            text order).
        """
        order = np.argsort(-np.abs(self.scores), kind="stable")[:n]
        return [(self.tokens[i], float(self.scores[i])) for i in order]

    def _repr_html_(self):
        # Tokens shaded by score: green toward the target, red away from it,
        # opacity relative to the largest absolute score of this text.
        scale = float(np.max(np.abs(self.scores))) or 1.0
        spans = []
        for token, score, oov in zip(self.tokens, self.scores, self.oov, strict=True):
            colour = "0,150,0" if score >= 0 else "200,0,0"
            alpha = abs(float(score)) / scale
            title = f"{score:+.4f}" + (" (out of vocabulary)" if oov else "")
            style = f"background-color: rgba({colour},{alpha:.2f})"
            if oov:
                style += "; text-decoration: underline dotted"
            spans.append(f'<span style="{style}" title="{title}">'
                         f"{html.escape(token)}</span>")
        header = (f"<b>toward {html.escape(str(self.target))}</b> "
                  f"(probabilities {np.round(self.proba, 3).tolist()}); "
                  '<span style="background-color: rgba(0,150,0,0.6)">toward</span> '
                  '<span style="background-color: rgba(200,0,0,0.6)">against</span>')
        return f"<div>{header}<br>{self.separator.join(spans)}</div>"


def token_attributions(estimator, X, *, method="occlusion", target=None, steps=32):
    """Attribute each prediction to the tokens the model read.

    Parameters
    ----------
    estimator : Pipeline, LSTMSequenceClassifier or LSTMSequenceRegressor
        A fitted pipeline ``IntegerSequencer -> Padder -> estimator`` (raw
        texts in), or a fitted estimator (padded ids in).
    X : list of str (or of token lists), or array of shape (n_samples, n_timesteps)
        The texts to explain (for a pipeline), or padded token ids (for a
        classifier; rows are re-padded on the side their padding is on).
    method : {'occlusion', 'integrated_gradients'}, default='occlusion'
        ``'occlusion'``: a token's score is the drop in the target class's
        probability when the token is removed from the sequence.
        ``'integrated_gradients'``: the token's word vector times the
        gradient of the target class's probability with respect to it,
        averaged along the straight path from the baseline (every token's
        vector zero; padding and the mask unchanged, so padding never gets
        a score) to the text. With ``linear_ngrams`` each token's weight in
        the n-gram part is scaled along the same path (0 at the baseline),
        and its gradient adds to the token's score.
    target : class label or int, default=None
        The class the scores are toward; ``None`` uses each text's predicted
        class. It must be one of the classifier's ``classes_``: for a
        multi-label classifier a label index (``None``: each text's most
        probable label), for a regressor an output column (``None``: 0).
        A regressor's scores are changes of the predicted value, in the
        target's units.
    steps : int, default=32
        Integrated gradients: points on the path (midpoint rule).

    Returns
    -------
    attributions : list of TokenAttribution
        One per text, in order.

    See Also
    --------
    TokenAttribution : One text's result, with ``top`` and an HTML rendering.

    Notes
    -----
    Occlusion scores are exact differences of the classifier's own
    probabilities: the score of token ``i`` equals ``predict_proba`` of the
    sequence minus ``predict_proba`` of the sequence without token ``i``,
    for the target class. They are not additive (the scores of a text need
    not sum to its probability), and a word the model reads together with
    another (``not good``) can score little alone.

    Integrated-gradient scores are additive: they sum to the target's
    probability minus its probability at the baseline
    (``baseline_score``) up to the midpoint rule's error, reported as each
    result's ``completeness_gap``: within 1e-3 with the default 32 steps on
    the smooth models tested. A saturated model whose probability jumps
    within a short stretch of the path needs many more steps (measured: a
    tiny model trained to 99% confidence jumped by 0.98 within 0.5% of the
    path, and 512 steps still left gaps of 0.5). They cost one gradient
    pass over ``steps + 2`` copies of each text, batched across texts.

    Examples
    --------
    >>> from skseq.inspection import token_attributions
    >>> attributions = token_attributions(pipe, ["a dull, lifeless film"])
    ... # doctest: +SKIP
    >>> attributions[0].top(3)  # doctest: +SKIP
    [('dull', 0.21), ('lifeless', 0.12), ('film', -0.01)]
    """
    _check_method(method, steps)
    clf, rows = _token_rows(estimator, X)
    targets = clf._explained_targets()
    if target is not None and not any(np.array_equal(target, c) for c in targets):
        raise ValueError(f"target={target!r} is not one of the estimator's targets "
                         f"{targets.tolist()} (classes_, or the output indices of a "
                         "regressor).")
    results = _attribute(clf, rows, method, target, steps)
    if _reads_characters(estimator):
        results = [replace(result, separator="") for result in results]
    return results


def _reads_characters(estimator):
    """Whether a pipeline's sequencer makes character tokens."""
    first = estimator.steps[0][1] if isinstance(estimator, Pipeline) else None
    return getattr(first, "analyzer", "word") != "word"


def _check_method(method, steps):
    if method not in _METHODS:
        raise ValueError(f"Unknown method {method!r}; choose one of {list(_METHODS)}.")
    if method == "integrated_gradients" and not (
            isinstance(steps, int) and not isinstance(steps, bool) and steps >= 1):
        raise ValueError(f"steps must be a positive int; got {steps!r}.")


def _attribute(clf, rows, method, target, steps):
    """Attributions of checked token rows (see token_attributions)."""
    if method == "integrated_gradients":
        return _integrated_gradients(clf, rows, target, steps)
    # per text: the whole sequence, then each one-token-removed variant;
    # starts[k] is text k's first row in the one batched call
    blocks = [pad([ids] + [np.delete(ids, i) for i in range(len(ids))])
              for ids, _, _, pad in rows]
    starts = np.cumsum([0] + [len(block) for block in blocks[:-1]])
    outputs = clf._explained_outputs(np.concatenate(blocks))
    targets = clf._explained_targets()
    results = []
    for (ids, tokens, oov, _), start in zip(rows, starts, strict=True):
        full = outputs[start]
        column = _target_column(clf, full, target)
        removed = outputs[start + 1:start + 1 + len(ids), column]
        results.append(TokenAttribution(tokens=tokens, scores=full[column] - removed,
                                        oov=oov, proba=full, target=targets[column]))
    return results


def _target_column(clf, outputs, target):
    """The explained column: ``target``'s, else the estimator's default for the row."""
    if target is not None:
        return int(np.flatnonzero(clf._explained_targets() == target)[0])
    return clf._default_explained_column(outputs)


def top_tokens(estimator, X, *, n=10, min_count=2, method="occlusion", steps=32):
    """The tokens that push predictions toward each class most, over many texts.

    Attributes every text toward every class (:func:`token_attributions`)
    and averages each token's score over its occurrences: a corpus-level
    view of what the model learned (sentiment words, or an artefact such as
    a name or a markup remnant).

    Parameters
    ----------
    estimator : Pipeline or LSTMSequenceClassifier
        As in :func:`token_attributions`.
    X : list of str, or array of shape (n_samples, n_timesteps)
        The texts (or padded ids) to average over.
    n : int, default=10
        Tokens per class.
    min_count : int, default=2
        Tokens occurring fewer times in ``X`` are left out (one occurrence
        is an anecdote, not a pattern).
    method : {'occlusion', 'integrated_gradients'}, default='occlusion'
        As in :func:`token_attributions`.
    steps : int, default=32
        As in :func:`token_attributions`.

    Returns
    -------
    top : dict
        Class label (a label index for a multi-label classifier, an output
        index for a regressor) -> list of ``(token, mean score, count)``,
        the largest mean score toward that class first.

    See Also
    --------
    token_attributions : Per-text scores.
    skseq.plotting.plot_top_tokens : Draw the result.

    Examples
    --------
    >>> from skseq.inspection import top_tokens
    >>> top_tokens(pipe, test_reviews, n=3)  # doctest: +SKIP
    {0: [('worst', 0.31, 12), ('waste', 0.27, 9), ('awful', 0.22, 7)],
     1: [('excellent', 0.24, 10), ('perfect', 0.2, 6), ('loved', 0.18, 5)]}
    """
    _check_method(method, steps)
    clf, rows = _token_rows(estimator, X)  # tokenised once, for every class
    top = {}
    for label in clf._explained_targets():
        totals, counts = {}, {}
        for result in _attribute(clf, rows, method, label, steps):
            for token, score in zip(result.tokens, result.scores, strict=True):
                totals[token] = totals.get(token, 0.0) + float(score)
                counts[token] = counts.get(token, 0) + 1
        means = [(token, totals[token] / counts[token], counts[token])
                 for token in totals if counts[token] >= min_count]
        means.sort(key=lambda item: (-item[1], item[0]))
        top[label.item() if hasattr(label, "item") else label] = means[:n]
    return top


# Rows (texts x path points) per compiled gradient call: large enough to
# fill the matrix kernels, small enough that the tape of a 500-step review
# stays in a few hundred MB.
_IG_ROWS = 256


# The compiled path-gradient function of each fitted Keras model, built on
# first use; weakly keyed, so it goes with the model.
_PATH_GRADIENTS = weakref.WeakKeyDictionary()


def _path_gradients(model, architecture, binary):
    """A compiled function: per row, the target's probability and gradient terms.

    It runs a copy of ``model`` whose embedding output is scaled per position
    (alpha on the text's tokens, 1 on padding; the mask comes from the ids,
    so it is the text's own at every point of the path). The copy is built
    and traced once per model; its weights are refreshed on every call, so
    a model trained further in place is explained as it is now.
    """
    import keras
    import tensorflow as tf

    if model not in _PATH_GRADIENTS:
        copy = keras.models.clone_model(model)
        embedding = copy.get_layer("embedding")
        lookup, seen = embedding.call, {}

        def scaled_lookup(inputs):
            vectors = lookup(inputs)
            seen["vectors"] = vectors
            seen["scaled"] = vectors * seen["scale"]
            return seen["scaled"]

        embedding.call = scaled_lookup
        # the n-gram part (linear_ngrams) reads ids, not vectors: its tokens
        # are scaled in along the same path through their presence
        if architecture.get("linear_ngrams"):
            ngrams = copy.get_layer("linear_ngrams")
            ngram_call = ngrams.call
            ngrams.call = lambda inputs: ngram_call(inputs, presence=seen["presence"])
        dtype = embedding.compute_dtype

        @tf.function(input_signature=[tf.TensorSpec((None, None), tf.int32),
                                      tf.TensorSpec((None, None, 1), dtype),
                                      tf.TensorSpec((None, None), dtype),
                                      tf.TensorSpec((None,), tf.int32)],
                     reduce_retracing=True)
        def path_gradients(ids, scale, presence, column):
            seen["scale"], seen["presence"] = scale, presence
            with tf.GradientTape() as tape:
                tape.watch(presence)
                out = copy(ids, training=False)
                proba = tf.concat([1.0 - out, out], axis=1) if binary else out
                score = tf.gather(proba, column, axis=1, batch_dims=1)
            by_vector, by_presence = tape.gradient(
                score, [seen["scaled"], presence],
                unconnected_gradients=tf.UnconnectedGradients.ZERO)
            # word vector times gradient (the path runs from 0 to the vector),
            # plus the n-gram part's presence gradient (its path runs 0 to 1)
            return score, tf.reduce_sum(seen["vectors"] * by_vector, axis=-1) + by_presence

        _PATH_GRADIENTS[model] = (copy, path_gradients, dtype)
    copy, path_gradients, dtype = _PATH_GRADIENTS[model]
    copy.set_weights(model.get_weights())
    return path_gradients, dtype


def _integrated_gradients(clf, rows, target, steps):
    import tensorflow as tf

    from ._batching import bucket_width
    from ._predictor import width_multiple

    targets = clf._explained_targets()
    binary = clf.model_.output_shape[-1] == 1 and len(targets) == 2
    path_gradients, dtype = _path_gradients(clf.model_, clf.architecture_, binary)
    padded = [pad([ids])[0] for ids, _, _, pad in rows]
    full = clf._explained_outputs(np.stack(padded))
    # a regressor's value is the model's output mapped back to the target's units
    unit, offset = clf._output_affine()
    columns = np.array([_target_column(clf, row, target) for row in full], dtype=np.int64)
    alphas = np.concatenate([(np.arange(steps) + 0.5) / steps, [1.0, 0.0]])
    points = steps + 2
    masked, multiple = clf.architecture_["mask_padding"], width_multiple(clf.architecture_)
    # texts of similar length share a call; a masked model reads them
    # left-aligned and cut to the group's longest (padding never changes
    # what it computes), an unmasked one exactly as padded
    order = np.argsort([len(ids) for ids, _, _, _ in rows], kind="stable")
    per_call = max(1, _IG_ROWS // points)
    results = [None] * len(rows)
    for group in np.array_split(order, -(-len(order) // per_call)):
        if masked:
            width = bucket_width(max(len(rows[i][0]) for i in group),
                                 -(-padded[0].size // multiple) * multiple, multiple)
            batch = np.zeros((len(group), width), np.int32)
            for k, i in enumerate(group):
                batch[k, :len(rows[i][0])] = rows[i][0]
        else:
            batch = np.stack([padded[i] for i in group]).astype(np.int32)
        real = batch != 0
        ids = np.repeat(batch, points, axis=0)
        scale = np.where(np.repeat(real, points, axis=0),
                         np.tile(alphas, len(group))[:, None], 1.0)[..., None]
        presence = np.broadcast_to(np.tile(alphas, len(group))[:, None], ids.shape)
        score, terms = path_gradients(
            tf.constant(ids), tf.constant(scale, dtype=dtype),
            tf.constant(presence, dtype=dtype),
            tf.constant(np.repeat(columns[group], points).astype(np.int32)))
        score = score.numpy().reshape(len(group), points)
        terms = terms.numpy().reshape(len(group), points, -1)
        for k, i in enumerate(group):
            _, tokens, oov, _ = rows[i]
            column = columns[i]
            scores = terms[k, :steps].mean(axis=0)[real[k]].astype(np.float64) * \
                unit[column]
            baseline = float(score[k, steps + 1]) * unit[column] + offset[column]
            results[i] = TokenAttribution(
                tokens=tokens, scores=scores, oov=oov, proba=full[i],
                target=targets[column], baseline_score=baseline,
                completeness_gap=float(full[i, column] - baseline - scores.sum()))
    return results


def _token_rows(estimator, X):
    """The estimator and, per text, (ids, tokens, oov, pad function)."""
    from ._base import SequenceModel
    from ._padding import Padder
    from ._sequencer import OOV_INDEX, PAD_INDEX, IntegerSequencer
    from ._validation import check_documents, check_id_matrix

    final = estimator.steps[-1][1] if isinstance(estimator, Pipeline) else estimator
    if isinstance(final, SequenceModel) and \
            getattr(final, "architecture_", {}).get("step_features"):
        raise TypeError("token_attributions explains models of token ids; this one "
                        "reads numeric steps: use step_attributions.")
    if isinstance(estimator, SequenceModel):
        check_is_fitted(estimator)
        X = check_id_matrix(X, owner="token_attributions")
        rows = []
        for i, row in enumerate(X):
            ids = row[row != PAD_INDEX]
            if ids.size == 0:
                raise ValueError(f"Row {i} of X is all padding: nothing to attribute.")
            side = "pre" if row[-1] != PAD_INDEX and row[0] == PAD_INDEX else "post"
            pad = Padder(maxlen=X.shape[1], padding=side).fit([ids]).transform
            rows.append((ids, [str(int(t)) for t in ids], ids == OOV_INDEX, pad))
        return estimator, rows

    steps = [step for _, step in estimator.steps] if isinstance(estimator, Pipeline) \
        else []
    if not (len(steps) == 3 and isinstance(steps[0], IntegerSequencer)
            and isinstance(steps[1], Padder)
            and isinstance(steps[2], SequenceModel)):
        raise TypeError(
            "token_attributions needs a pipeline IntegerSequencer -> Padder -> "
            "LSTMSequenceClassifier or LSTMSequenceRegressor (raw texts in) or such "
            f"an estimator (padded ids in); got {type(estimator).__name__}"
            + (f" with steps {[type(s).__name__ for s in steps]}" if steps else "") + ".")
    sequencer, padder, clf = steps
    for step in steps:
        check_is_fitted(step)
    tokenize = sequencer._make_tokenize()
    rows = []
    for i, doc in enumerate(check_documents(X, owner="token_attributions")):
        tokens = list(tokenize(doc))
        ids = sequencer._encode(tokens, np.array([len(tokens)]))[0]
        if len(ids) > padder.maxlen_:  # keep what Padder keeps
            keep = slice(-padder.maxlen_, None) if padder.truncating == "pre" \
                else slice(0, padder.maxlen_)
            ids, tokens = ids[keep], tokens[keep]
        if len(ids) == 0:
            raise ValueError(f"Text {i} has no tokens: nothing to attribute.")
        rows.append((ids, tokens, ids == OOV_INDEX, padder.transform))
    return clf, rows


# --- numeric sequences: occlusion of time steps and of features

@dataclass(frozen=True, eq=False)
class StepAttribution:
    """The attribution of one prediction on a numeric sequence.

    Parameters
    ----------
    steps : ndarray of shape (n_steps, n_features)
        The real time steps the model read (after ``Padder`` truncation),
        in order.
    step_scores : ndarray of shape (n_steps,)
        Per time step, the target's output for the whole sequence minus its
        output with that step (every feature of it) replaced by the
        baseline: positive scores pushed the prediction toward ``target``.
    feature_scores : ndarray of shape (n_features,)
        Per feature, the same difference with that feature replaced by its
        baseline value at every step.
    baseline : ndarray of shape (n_features,)
        The value each feature was replaced by: its mean over the training
        steps (the estimator's standardisation), which the model reads as 0.
    proba : ndarray of shape (n_outputs,)
        The estimator's outputs for the whole sequence (probabilities, or a
        regressor's values).
    target : object
        The class (label index, regressor output) the scores are toward.

    See Also
    --------
    step_attributions : Compute them.

    Examples
    --------
    >>> import numpy as np
    >>> from skseq.inspection import StepAttribution
    >>> a = StepAttribution(steps=np.zeros((3, 1)),
    ...                     step_scores=np.array([0.0, 0.4, -0.1]),
    ...                     feature_scores=np.array([0.3]), baseline=np.zeros(1),
    ...                     proba=np.array([0.9, 0.1]), target="walk")
    >>> a.top_steps(2)
    [(1, 0.4), (2, -0.1)]
    """

    steps: np.ndarray
    step_scores: np.ndarray
    feature_scores: np.ndarray
    baseline: np.ndarray
    proba: np.ndarray
    target: object

    def top_steps(self, n=10):
        """The ``n`` time steps with the largest absolute scores.

        Parameters
        ----------
        n : int, default=10
            How many steps.

        Returns
        -------
        top : list of (int, float)
            ``(step index, score)`` pairs, largest absolute score first.
        """
        order = np.argsort(-np.abs(self.step_scores), kind="stable")[:n]
        return [(int(i), float(self.step_scores[i])) for i in order]


def step_attributions(estimator, X, *, target=None, window=1):
    """Attribute predictions on numeric sequences to time steps and features.

    Occlusion: each time step (or window of steps) is replaced by the
    baseline, then each feature at every step is; the score is how much the
    target's output drops. The baseline is the training mean of each feature
    (the estimator's fitted standardisation), the value the model reads as
    0: an occluded step is an average step, not a removed one, so the
    timing of the rest is unchanged. All variants of all sequences go
    through one batched prediction.

    Parameters
    ----------
    estimator : Pipeline or LSTMSequenceClassifier or LSTMSequenceRegressor
        A fitted pipeline ``Padder -> estimator`` (numeric sequences in) or
        a fitted estimator (padded numeric steps in), fitted on numeric
        sequences.
    X : list of array-like of shape (t_i, n_features), or ndarray of shape \
(n_samples, n_timesteps, n_features)
        The sequences to explain (for a pipeline), or NaN-padded steps (for
        an estimator).
    target : class label or int, default=None
        As in :func:`token_attributions`: ``None`` explains each sequence's
        predicted class (a regressor's first output).
    window : int, default=1
        Time steps occluded together (the last window may be shorter); each
        step of a window gets the window's score. Long series explain
        faster and more smoothly with a wider window.

    Returns
    -------
    attributions : list of StepAttribution
        One per sequence, in order.

    See Also
    --------
    skseq.plotting.plot_step_attributions : Draw one.

    Examples
    --------
    >>> from skseq.inspection import step_attributions
    >>> a = step_attributions(pipe, X_test[:1])[0]  # doctest: +SKIP
    >>> a.top_steps(3)  # doctest: +SKIP
    [(12, 0.41), (13, 0.22), (4, -0.05)]
    """
    if not (isinstance(window, int) and not isinstance(window, bool) and window >= 1):
        raise ValueError(f"window must be a positive int; got {window!r}.")
    clf, rows = _step_rows(estimator, X)
    targets = clf._explained_targets()
    if target is not None and not any(np.array_equal(target, c) for c in targets):
        raise ValueError(f"target={target!r} is not one of the estimator's targets "
                         f"{targets.tolist()}.")
    baseline = clf.model_.get_layer("numeric_steps").mean.numpy()
    width = max(len(steps) for steps in rows)
    blocks = []
    for steps in rows:
        variants = [steps]
        for start in range(0, len(steps), window):
            occluded = steps.copy()
            occluded[start:start + window] = baseline
            variants.append(occluded)
        for feature in range(steps.shape[1]):
            occluded = steps.copy()
            occluded[:, feature] = baseline[feature]
            variants.append(occluded)
        block = np.full((len(variants), width, steps.shape[1]), np.nan, np.float32)
        for i, variant in enumerate(variants):
            block[i, :len(variant)] = variant  # left-aligned, as the model reads
        blocks.append(block)
    outputs = clf._explained_outputs(np.concatenate(blocks))
    results, start = [], 0
    for steps, block in zip(rows, blocks, strict=True):
        full = outputs[start]
        column = _target_column(clf, full, target)
        n_windows = -(-len(steps) // window)
        windows = full[column] - outputs[start + 1:start + 1 + n_windows, column]
        features = full[column] - outputs[start + 1 + n_windows:start + len(block), column]
        results.append(StepAttribution(
            steps=steps, step_scores=np.repeat(windows, window)[:len(steps)],
            feature_scores=features, baseline=baseline, proba=full,
            target=targets[column]))
        start += len(block)
    return results


def _step_rows(estimator, X):
    """The estimator and each sequence's real steps, as the model reads them."""
    from ._base import SequenceModel
    from ._padding import Padder

    if isinstance(estimator, Pipeline):
        steps = [step for _, step in estimator.steps]
        if not (len(steps) == 2 and isinstance(steps[0], Padder)
                and isinstance(steps[1], SequenceModel)):
            raise TypeError("step_attributions needs a pipeline Padder -> "
                            "LSTMSequenceClassifier or LSTMSequenceRegressor, or such "
                            f"an estimator; got steps {[type(s).__name__ for s in steps]}.")
        check_is_fitted(steps[0])
        X, estimator = steps[0].transform(X), steps[1]
    if not isinstance(estimator, SequenceModel):
        raise TypeError("step_attributions needs a fitted LSTMSequenceClassifier or "
                        f"LSTMSequenceRegressor; got {type(estimator).__name__}.")
    check_is_fitted(estimator)
    if not estimator.architecture_.get("step_features"):
        raise TypeError("step_attributions explains models of numeric sequences; this "
                        "one reads token ids: use token_attributions.")
    X, features = estimator._check_X(X)
    estimator._check_input_kind(features, "X")
    return estimator, [row[~np.isnan(row[:, 0])] for row in X]
