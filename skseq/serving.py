"""Serve a fitted pipeline anywhere: one Keras model on raw strings, and a SavedModel.

:func:`to_keras` rebuilds a fitted pipeline (``IntegerSequencer``,
``Padder``, an estimator; or ``Padder`` and an estimator for numeric
sequences) as one Keras model made of TensorFlow ops: markup stripping,
lowercasing, tokenising, the vocabulary and its out-of-vocabulary id,
truncation and padding, the network, and ``predict_proba`` (or
``predict``) on its outputs. :func:`export_saved_model` writes it as a
TensorFlow SavedModel that TensorFlow loads and serves alone (TensorFlow
Serving, a Java or Go service), without skseq, scikit-learn or scikeras.

Text is read by the rules this Python uses (:mod:`skseq._unicode_tables`:
``re``'s Unicode ``\\w`` and ``\\s``, ``str.lower`` with its final sigma,
skseq's character clusters), carried as tables, not by TensorFlow's own
ASCII-only regular expressions or ICU's case mapping; and the network is
fed in the in-process predictor's chunk layout. So the served model gives
the pipeline's outputs on every UTF-8 text: to the bit on the machine that
exported it (measured), within :data:`MAX_EXPORT_DIFFERENCE` (checked at
every export). What cannot be rebuilt exactly is refused with a
``ValueError`` naming the setting: a callable ``tokenizer``, the named
segmenters, Unicode ``normalization``, token patterns outside
:data:`skseq.SAFE_TOKEN_PATTERNS`.
"""

import math
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

from ._tensorflow import import_tensorflow_quietly

import_tensorflow_quietly()

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.utils.validation import check_is_fitted  # noqa: E402

from ._base import SequenceModel  # noqa: E402
from ._batching import BUCKET_STEP, input_signature  # noqa: E402
from ._classifier import _THRESHOLD  # noqa: E402
from ._padding import Padder  # noqa: E402
from ._predictor import _PREDICT_CHUNK, _SMALL_CHUNK, width_multiple  # noqa: E402
from ._sequencer import (  # noqa: E402
    _MARKUP,
    OOV_INDEX,
    SAFE_TOKEN_PATTERNS,
    WORD_BOUNDARY,
    IntegerSequencer,
)
from ._unicode_tables import (  # noqa: E402
    FINAL_SIGMA,
    SEPARATOR,
    SIGMA,
    lowercase_tables,
    re2_class,
    re2_cluster_pattern,
    re2_token_pattern,
)

__all__ = ["to_keras", "export_saved_model", "CHECK_TEXTS", "MAX_EXPORT_DIFFERENCE"]

#: The largest absolute difference :func:`export_saved_model` accepts
#: between the written SavedModel and the pipeline on its check inputs.
MAX_EXPORT_DIFFERENCE = 1e-6

_SIGMA, _FINAL_SIGMA = ord(SIGMA), ord(FINAL_SIGMA)

#: Texts every export is checked on (the written SavedModel against the
#: pipeline): empty, blank, markup, accents, scripts, emoji, control
#: characters, case rules (final sigma, dotted I), very long.
CHECK_TEXTS = (
    "", " ", "\t\n \r\n", "a", "A great movie, truly GREAT!",
    "It was <br /><br />bad.<b>Really</b> <i>bad</i>", "<>< not markup > <",
    "Café crème brûlée naïve résumé", "e\u0301te\u0301 déjà",
    "ΟΔΥΣΣΕΥΣ ΣΟΦΟΣ Σ σ. ΣΑ'Σ", "İstanbul İİ ıi", "ǅungla ﬁne ß ẞ",
    "Москва́ — ЗДРАВСТВУЙ мир", "שלום עולם مرحبا بالعالم", "好书，很好看！ 東京タワー",
    "สวัสดีครับ नमस्ते दुनिया",
    "👍🏽 👨‍👩‍👧 🇫🇷🇩🇪 ❤️ 🏴\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",
    "tab\there\nnew line\x00nul\x1funit", "don't won't ''quoted'' o'clock rock'n'roll",
    "___ __init__ 42 4.2 ٣٤ Ⅻ ²",
    " ".join(["the best and the worst film ever made"] * 120),
)


def to_keras(pipeline):
    """A fitted pipeline as one Keras model on raw strings.

    The model reads a batch of raw texts (a 1-D NumPy array of ``str``, a
    list, or a ``tf.string`` tensor) and returns exactly what the pipeline
    returns for them: ``predict_proba`` for a classifier (multi-label
    included), ``predict`` for a regressor, as float64. Everything the
    pipeline does is rebuilt from its fitted state with TensorFlow ops, and
    the network is a copy: fitting the pipeline again leaves the model as
    it is. For a numeric-sequence pipeline (``Padder`` and an estimator) the
    model reads ``(steps, lengths)``: float steps of shape ``(n, t, f)``,
    row ``i``'s real steps first, and the number of real steps per row.

    Parameters
    ----------
    pipeline : Pipeline
        A fitted ``Pipeline`` of :class:`~skseq.IntegerSequencer`,
        :class:`~skseq.Padder` and :class:`~skseq.LSTMSequenceClassifier`
        (or :class:`~skseq.LSTMSequenceRegressor`); or of ``Padder`` and an
        estimator fitted on numeric sequences.

    Returns
    -------
    model : keras.Model
        The served model. Its ``export(path)`` writes the SavedModel that
        :func:`export_saved_model` writes.

    Raises
    ------
    ValueError
        For a pipeline of other steps, and for settings no TensorFlow op
        reproduces exactly (a callable ``tokenizer``, a named segmenter,
        ``normalization``, a token pattern outside
        :data:`skseq.SAFE_TOKEN_PATTERNS`, a padding ``value`` other than
        0 for token ids); the message names the setting.

    See Also
    --------
    export_saved_model : Writes the model as a SavedModel.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
    >>> from skseq.serving import to_keras
    >>> texts, y = ["a good film", "a bad film", "good", "bad"] * 4, [1, 0, 1, 0] * 4
    >>> pipe = make_pipeline(IntegerSequencer(), Padder(maxlen=5),
    ...     LSTMSequenceClassifier(units=2, embedding_dim=2, epochs=1,
    ...                            random_state=0)).fit(texts, y)
    >>> served = to_keras(pipe)
    >>> out = served(["A GOOD film!", ""]).numpy()
    >>> bool(abs(out - pipe.predict_proba(["A GOOD film!", ""])).max() < 1e-6)
    True
    """
    reader, estimator = _plan(pipeline)
    network = keras.models.clone_model(estimator.model_)
    network.set_weights(estimator.model_.get_weights())
    return _ServedPipeline(reader, _Chunks(estimator, reader.place), network,
                           _output_head(estimator))


def export_saved_model(pipeline, directory, *, overwrite=False):
    """Write a fitted pipeline as a TensorFlow SavedModel that reads raw strings.

    The SavedModel's ``serving_default`` (also ``serve``) signature takes
    ``texts``, a 1-D ``tf.string`` tensor (for numeric sequences ``steps``,
    float32 ``(n, t, f)``, and ``lengths``, int32 ``(n,)``), and returns
    ``probabilities`` and the predicted ``label`` (``labels``, the 0/1
    indicator matrix, for multi-label targets), or ``predictions`` for a
    regressor. TensorFlow loads and serves it alone.

    Before the directory is put in place, the written model is loaded back
    and checked against the pipeline on :data:`CHECK_TEXTS` (texts of every
    kind; random steps of every length for numeric sequences). The model
    is written to a temporary directory beside ``directory`` and renamed
    into place: a failed export leaves nothing behind, and an existing
    directory that is replaced stays whole until the new one is complete.

    Parameters
    ----------
    pipeline : Pipeline
        A fitted pipeline (see :func:`to_keras`).
    directory : str or path-like
        Where to write the SavedModel. Must not exist, or be empty.
    overwrite : bool, default=False
        Replace a non-empty existing directory.

    Returns
    -------
    difference : float
        The largest absolute difference between the written model's outputs
        and the pipeline's on the check inputs (at most
        :data:`MAX_EXPORT_DIFFERENCE`).

    Raises
    ------
    FileExistsError
        If ``directory`` is a non-empty directory and ``overwrite`` is
        False, or is a file.
    RuntimeError
        If the written model differs from the pipeline by more than
        :data:`MAX_EXPORT_DIFFERENCE` (nothing is written).

    See Also
    --------
    to_keras : The same model in this process.

    Examples
    --------
    >>> import tempfile
    >>> import tensorflow as tf
    >>> from sklearn.pipeline import make_pipeline
    >>> from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
    >>> from skseq.serving import export_saved_model
    >>> texts, y = ["a good film", "a bad film", "good", "bad"] * 4, [1, 0, 1, 0] * 4
    >>> pipe = make_pipeline(IntegerSequencer(), Padder(maxlen=5),
    ...     LSTMSequenceClassifier(units=2, embedding_dim=2, epochs=1,
    ...                            random_state=0)).fit(texts, y)
    >>> folder = tempfile.mkdtemp()
    >>> export_saved_model(pipe, f"{folder}/served") <= 1e-6
    True
    >>> serve = tf.saved_model.load(f"{folder}/served").signatures["serving_default"]
    >>> sorted(serve(texts=tf.constant(["a GOOD film"])))
    ['label', 'probabilities']
    """
    directory = Path(directory)
    check_export_target(directory, overwrite)
    served = to_keras(pipeline)
    parent = directory.absolute().parent
    parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=parent, prefix=f".{directory.name}.export-"))
    try:
        written = staging / "model"
        served._write_saved_model(written)
        difference = _check_saved_model(written, pipeline, served._reader)
        if not difference <= MAX_EXPORT_DIFFERENCE:
            raise RuntimeError(
                f"The exported model differs from the pipeline by {difference:.3g} on "
                f"the check inputs (more than {MAX_EXPORT_DIFFERENCE:g}); nothing was "
                "written. Please report this with the pipeline's settings.")
        old = None
        if directory.is_dir():
            old = staging / "replaced"
            os.replace(directory, old)
        try:
            os.replace(written, directory)
        except BaseException:
            if old is not None:
                os.replace(old, directory)
            raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return difference


def check_export_target(directory, overwrite):
    """Refuse a file, or a non-empty directory unless ``overwrite``: checked
    before anything is loaded or built (the command line calls it first)."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise FileExistsError(f"{str(directory)!r} exists and is not a directory.")
    if directory.is_dir() and any(directory.iterdir()) and not overwrite:
        raise FileExistsError(f"{str(directory)!r} is not empty; pass overwrite=True "
                              "(--force on the command line) to replace it.")


# ----------------------------------------------------------------------
# the plan: what to rebuild, checked
def _plan(pipeline):
    """The pipeline's reader and estimator, every setting checked."""
    if not isinstance(pipeline, Pipeline):
        raise ValueError(f"to_keras takes a fitted sklearn Pipeline; got "
                         f"{type(pipeline).__name__}.")
    steps = [step for _, step in pipeline.steps if step not in (None, "passthrough")]
    roles = [_role(step) for step in steps]
    if roles not in (["IntegerSequencer", "Padder", "estimator"], ["Padder", "estimator"]):
        raise ValueError(
            "to_keras rebuilds pipelines of IntegerSequencer, Padder and a skseq "
            "estimator (or Padder and an estimator, for numeric sequences); this "
            f"pipeline has {[type(step).__name__ for step in steps]}.")
    for step in steps:
        check_is_fitted(step)
    estimator, padder = steps[-1], steps[-2]
    architecture = estimator.architecture_
    features = architecture.get("step_features", 0)
    if len(steps) == 3:
        if features:
            raise ValueError("The estimator was fitted on numeric steps, but the "
                             "pipeline starts with an IntegerSequencer.")
        return _TextReader(steps[0], padder, estimator), estimator
    if not features:
        raise ValueError("A pipeline without an IntegerSequencer serves numeric "
                         "sequences; this estimator was fitted on token ids. Put the "
                         "IntegerSequencer that made its ids first.")
    return _StepReader(padder, estimator), estimator


def _role(step):
    for kind in (IntegerSequencer, Padder):
        if isinstance(step, kind):
            return kind.__name__
    return "estimator" if isinstance(step, SequenceModel) else type(step).__name__


def _check_sequencer(seq):
    name = "IntegerSequencer"
    if callable(seq.tokenizer):
        raise ValueError(f"{name}(tokenizer=<callable>) runs Python code, which a "
                         "TensorFlow model cannot hold; to_keras rebuilds token_pattern "
                         "and the character analyzers only.")
    if seq.tokenizer is not None:
        raise ValueError(
            f"{name}(tokenizer={seq.tokenizer!r}) splits words with a dictionary "
            "segmenter that has no TensorFlow ops, so no exported model can split "
            "them exactly; analyzer='char' (or 'char_wb') serves the same languages.")
    if seq.normalization is not None:
        raise ValueError(
            f"{name}(normalization={seq.normalization!r}): TensorFlow has no Unicode "
            "normalisation op (only the tensorflow-text add-on, which TensorFlow "
            "Serving lacks), so it cannot be rebuilt exactly; normalise texts before "
            "serving them, or fit with normalization=None.")
    if seq.analyzer == "word" and re2_token_pattern(seq.token_pattern) is None:
        raise ValueError(
            f"{name}(token_pattern={seq.token_pattern!r:.80}): to_keras rebuilds "
            "exactly the patterns of skseq.SAFE_TOKEN_PATTERNS "
            f"({', '.join(map(repr, SAFE_TOKEN_PATTERNS))}); Python and TensorFlow "
            "regular expressions differ elsewhere.")


def _check_padder(padder, estimator, ids):
    architecture = estimator.architecture_
    if ids and padder.value not in (None, 0):
        raise ValueError(f"Padder(value={padder.value!r}): the model reads id 0 as "
                         "padding, so to_keras rebuilds value=None (or 0) only.")
    if not architecture["mask_padding"] and architecture["conv_filters"] \
            and padder.maxlen_ < architecture["pool_size"]:
        raise ValueError(f"Padder's width {padder.maxlen_} is below the model's "
                         f"pool_size={architecture['pool_size']}; the pipeline cannot "
                         "predict either.")


# ----------------------------------------------------------------------
# TensorFlow pieces
_BMP = 0x10000


class _CodePointTable(tf.Module):
    """A function of code points given as a table: a dense array for the
    Basic Multilingual Plane (a gather, much faster than a hash lookup on
    every character), a hash table for the few entries beyond it.

    ``default`` None maps every other code point to itself.
    """

    def __init__(self, mapping, default=None):
        super().__init__()
        self.identity = default is None
        dense = np.arange(_BMP, dtype=np.int64) if self.identity \
            else np.full(_BMP, default, np.int64)
        beyond = {k: v for k, v in mapping.items() if k >= _BMP}
        for k, v in mapping.items():
            if k < _BMP:
                dense[k] = v
        # stored small (the SavedModel's graph holds it): int8 for flags
        small = np.int8 if dense.min() >= -1 and dense.max() <= 1 else np.int32
        self.dense = tf.constant(dense.astype(small))
        self.default = -1 if self.identity else default
        self.beyond = tf.lookup.StaticHashTable(tf.lookup.KeyValueTensorInitializer(
            tf.constant(list(beyond), tf.int64), tf.constant(list(beyond.values()),
                                                             tf.int64)),
            self.default) if beyond else None

    def __call__(self, values):
        inside = values < _BMP
        out = tf.cast(tf.gather(self.dense, tf.where(inside, values, 0)), tf.int64)
        fallback = values if self.identity else tf.fill(tf.shape(values), np.int64(
            self.default))
        out = tf.where(inside, out, fallback)
        if self.beyond is None:
            return out
        at = tf.where(~inside)
        found = self.beyond.lookup(tf.gather_nd(values, at))
        if self.identity:
            found = tf.where(found < 0, tf.gather_nd(values, at), found)
        return tf.tensor_scatter_nd_update(out, at, found)


class _Placement:
    """Padder's truncation and padding in TF ops, in the layout the model reads.

    A masked model reads rows left-aligned (tokens first), widened to whole
    pooling windows, as the in-process predictor feeds it; an unmasked one
    reads ``Padder``'s output as it is.
    """

    def __init__(self, padder, architecture):
        self.maxlen = int(padder.maxlen_)
        self.keep_end = padder.truncating == "pre"
        self.masked = bool(architecture["mask_padding"])
        self.pad_start = padder.padding == "pre" and not self.masked
        multiple = width_multiple(architecture)
        self.width = self.maxlen + (-self.maxlen % multiple if self.masked else 0)

    def __call__(self, gather, lengths, fill, trailing_shape=()):
        """Each row's kept items in place, and how many each row keeps.

        ``gather(rows, positions)`` gives the items at ``positions`` within
        their ``rows``.
        """
        lengths = tf.cast(lengths, tf.int64)
        n = tf.shape(lengths, out_type=tf.int64)[0]
        kept = tf.minimum(lengths, self.maxlen)
        skip = lengths - kept if self.keep_end else tf.zeros_like(kept)
        offset = self.width - kept if self.pad_start else tf.zeros_like(kept)
        positions = tf.ragged.range(kept)
        rows = positions.value_rowids()
        within = positions.flat_values
        items = gather(rows, tf.gather(skip, rows) + within)
        where = tf.stack([rows, tf.gather(offset, rows) + within], axis=1)
        shape = tf.concat([tf.stack([n, tf.constant(self.width, tf.int64)]),
                           tf.constant(trailing_shape, tf.int64)], axis=0)
        return tf.tensor_scatter_nd_update(tf.fill(shape, fill), where, items), kept


class _Chunks:
    """The in-process predictor's layout (``skseq._predictor``) in TF ops:
    rows sorted by length for a masked model, fixed-size chunks (64 rows,
    or 16 for the last few where this model's probe allowed it) padded with
    empty rows, each chunk of a masked model cut to its longest row on the
    bucket grid. CPU kernels round differently for other batch sizes and
    widths; on the same layout the served outputs are the pipeline's bits.
    """

    def __init__(self, estimator, placement):
        architecture = estimator.architecture_
        self.masked = placement.masked
        self.width = placement.width
        self.step = math.lcm(BUCKET_STEP, width_multiple(architecture))
        self.small = bool(estimator._predict_fn.small_chunks)
        self.outputs = int(estimator.model_.outputs[0].shape[-1])

    def __call__(self, network, x, kept, fill):
        n = tf.shape(kept, out_type=tf.int64)[0]
        if self.masked:
            order = tf.argsort(kept, stable=True)
            x, kept = tf.gather(x, order), tf.gather(kept, order)
        large, small = np.int64(_PREDICT_CHUNK), np.int64(_SMALL_CHUNK)
        if self.small:  # up to three small chunks end the batch
            n_large = tf.maximum((n - 3 * small + large - 1) // large, 0)
            n_small = (tf.maximum(n - n_large * large, 0) + small - 1) // small
        else:
            n_large, n_small = (n + large - 1) // large, tf.constant(0, tf.int64)
        total = n_large * large + n_small * small
        filler = tf.fill(tf.concat([[total - tf.minimum(total, n)],
                                    tf.shape(x, out_type=tf.int64)[1:]], 0), fill)
        x = tf.concat([x, tf.cast(filler, x.dtype)], axis=0)
        n_chunks = n_large + n_small

        def body(i, start, outputs):
            size = tf.where(i < n_large, large, small)
            chunk = x[start:start + size]
            if self.masked:
                longest = tf.reduce_max(tf.concat([kept[start:start + size], [1]], 0))
                chunk = chunk[:, :tf.minimum((longest + self.step - 1) // self.step
                                             * self.step, self.width)]
            raw = tf.cast(network(chunk), tf.float32)
            return i + 1, start + size, outputs.write(tf.cast(i, tf.int32), raw)

        # one more element, empty, so that an empty batch concatenates too
        outputs = tf.TensorArray(tf.float32, size=tf.cast(n_chunks + 1, tf.int32),
                                 infer_shape=False, element_shape=[None, self.outputs])
        outputs = outputs.write(tf.cast(n_chunks, tf.int32), tf.zeros([0, self.outputs]))
        _, _, outputs = tf.while_loop(
            lambda i, start, outputs: i < n_chunks, body,
            (tf.constant(0, tf.int64), tf.constant(0, tf.int64), outputs))
        out = outputs.concat()[:n]
        if self.masked:
            out = tf.scatter_nd(tf.expand_dims(order, 1), out, tf.shape(out))
        return out


class _TextReader(tf.Module):
    """IntegerSequencer and Padder as TensorFlow ops: strings to padded ids
    (and the number of ids each row keeps)."""

    kind = "text"
    fill = 0

    def __init__(self, seq, padder, estimator):
        super().__init__(name="text_reader")
        _check_sequencer(seq)
        _check_padder(padder, estimator, ids=True)
        self.strip_markup = bool(seq.strip_markup)
        self.lowercase = bool(seq.lowercase)
        self.analyzer = seq.analyzer
        if seq.analyzer == "word":
            self.token = re2_token_pattern(seq.token_pattern)
        else:
            self.space, self.cluster = re2_class(r"\s"), re2_cluster_pattern()
        self.vocab_size = int(estimator.vocab_size_)
        self.place = _Placement(padder, estimator.architecture_)
        # tokens as UTF-8 bytes; a token no UTF-8 text can give (a lone
        # surrogate) keeps its bytes and is never looked up; SEPARATOR is no
        # token, so the table is never empty
        words = list(seq.vocabulary_) + [SEPARATOR]
        keys = np.array([w.encode("utf-8", "surrogatepass") for w in words], object)
        ids = np.array(list(seq.vocabulary_.values()) + [OOV_INDEX], np.int64)
        self.vocabulary = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(tf.constant(keys), tf.constant(ids)),
            OOV_INDEX)
        if self.lowercase:
            mapping, cased, ignorable = lowercase_tables()
            longest = max(map(len, mapping.values()))
            # the first code point each one lowercases to, then the second...
            self.lower = [_CodePointTable({k: v[0] for k, v in mapping.items()})] + [
                _CodePointTable({k: v[i] for k, v in mapping.items() if len(v) > i}, -1)
                for i in range(1, longest)]
            self.cased = _CodePointTable(dict.fromkeys(cased, 1), 0)
            self.ignorable = _CodePointTable(dict.fromkeys(ignorable, 1), 0)

    def signature(self):
        return [tf.TensorSpec([None], tf.string, name="texts")]

    def check_inputs(self):
        return (list(CHECK_TEXTS),)

    def __call__(self, texts):
        texts = tf.reshape(tf.convert_to_tensor(texts, tf.string), [-1])
        if self.strip_markup:
            texts = tf.strings.regex_replace(texts, _MARKUP.pattern, " ")
        tokens = self._tokens(self._lowercase(texts))
        ids = self.vocabulary.lookup(tokens.flat_values)
        # ids beyond the network's embedding read as out of vocabulary (map_oov)
        ids = tf.where(ids >= self.vocab_size, tf.constant(OOV_INDEX, tf.int64), ids)
        starts = tokens.row_starts()
        ids, kept = self.place(
            lambda rows, at: tf.gather(ids, tf.gather(starts, rows) + at),
            tokens.row_lengths(), tf.constant(0, tf.int64))
        return tf.cast(ids, tf.int32), kept

    def _tokens(self, texts):
        """The token strings of each text, as ``IntegerSequencer`` reads them."""
        if self.analyzer == "word":
            # Each token between two separators: the pieces between them
            # alternate, text between tokens then a token. SEPARATOR is
            # whitespace to Python, in no token, so blanking it changes none.
            texts = tf.strings.regex_replace(texts, SEPARATOR, " ")
            pieces = tf.strings.split(tf.strings.regex_replace(
                texts, self.token, SEPARATOR + r"\0" + SEPARATOR), sep=SEPARATOR)
            odd = tf.math.floormod(tf.ragged.range(pieces.row_lengths()), 2) == 1
            return tf.ragged.boolean_mask(pieces, odd)
        space = self.space
        texts = tf.strings.regex_replace(texts, f"^{space}+|{space}+$", "")
        if self.analyzer == "char":
            texts = tf.strings.regex_replace(texts, f"{space}+", " ")
        else:  # each word between two boundaries
            boundary = WORD_BOUNDARY
            texts = tf.strings.regex_replace(texts, f"{space}+", boundary * 2)
            texts = tf.where(tf.equal(texts, ""), texts,
                             tf.strings.join([boundary, texts, boundary]))
        # every character is in a cluster, so the pieces are the clusters
        # and an empty one after the last
        pieces = tf.strings.split(tf.strings.regex_replace(
            texts, self.cluster, r"\0" + SEPARATOR), sep=SEPARATOR)
        return tf.ragged.boolean_mask(pieces, tf.strings.length(pieces) > 0)

    def _lowercase(self, texts):
        """Texts lowercased as ``str.lower`` does (and invalid UTF-8 read as
        U+FFFD): ASCII texts by TensorFlow's ASCII op, the others code
        point by code point from this Python's tables."""
        ascii_ = tf.strings.regex_full_match(texts, "[\\x00-\\x7f]*")
        plain_at = tf.cast(tf.where(ascii_)[:, 0], tf.int32)
        other_at = tf.cast(tf.where(~ascii_)[:, 0], tf.int32)
        plain, other = tf.gather(texts, plain_at), tf.gather(texts, other_at)
        code_points = tf.strings.unicode_decode(other, "UTF-8", errors="replace")
        if self.lowercase:
            plain = tf.strings.lower(plain)
            code_points = self._lower(code_points)
        other = tf.strings.unicode_encode(code_points, "UTF-8")
        return tf.dynamic_stitch([plain_at, other_at], [plain, other])

    def _lower(self, code_points):
        """``str.lower`` on code points: the tables, then the final sigma."""
        values = tf.cast(code_points.flat_values, tf.int64)
        first = self.lower[0](values)
        first = tf.cond(tf.reduce_any(tf.equal(values, _SIGMA)),
                        lambda: tf.where(self._final_sigma(code_points, values),
                                         tf.constant(_FINAL_SIGMA, tf.int64), first),
                        lambda: first)
        more = [table(values) for table in self.lower[1:]]
        if not more:
            return code_points.with_flat_values(tf.cast(first, tf.int32))
        stacked = tf.stack([first, *more], axis=1)
        keep = stacked >= 0
        counts = code_points.with_flat_values(tf.reduce_sum(tf.cast(keep, tf.int64), 1))
        return tf.RaggedTensor.from_row_lengths(
            tf.cast(tf.boolean_mask(stacked, keep), tf.int32),
            tf.reduce_sum(counts, axis=1))

    def _final_sigma(self, code_points, values):
        """Where U+03A3 lowercases to U+03C2: the nearest code point before it
        that is not case-ignorable is cased, and the nearest after it is
        not (or there is none), within the same text (CPython's rule)."""
        rows = code_points.value_rowids()
        start = tf.gather(code_points.row_starts(), rows)
        limit = tf.gather(code_points.row_limits(), rows)
        solid = tf.equal(self.ignorable(values), 0)
        cased = tf.concat([tf.equal(self.cased(values), 1), [False]], 0)
        count = tf.size(values, out_type=tf.int64)
        # positions of the code points that are not case-ignorable, then a
        # sentinel past the end
        at = tf.concat([tf.where(solid)[:, 0], tf.reshape(count, [1])], 0)
        before = tf.cumsum(tf.cast(solid, tf.int64), exclusive=True)
        previous = tf.gather(at, tf.maximum(before - 1, 0))
        previous_cased = (before > 0) & (previous >= start) & tf.gather(cased, previous)
        following = tf.gather(at, before + tf.cast(solid, tf.int64))
        following_cased = (following < limit) & tf.gather(cased, following)
        return tf.equal(values, _SIGMA) & previous_cased & ~following_cased


class _StepReader(tf.Module):
    """Padder on numeric sequences as TensorFlow ops: steps and lengths to
    NaN-padded steps (and the steps each row keeps), every real value
    checked to be finite."""

    kind = "steps"
    fill = np.nan

    def __init__(self, padder, estimator):
        super().__init__(name="step_reader")
        _check_padder(padder, estimator, ids=False)
        self.features = int(estimator.architecture_["step_features"])
        self.place = _Placement(padder, estimator.architecture_)

    def signature(self):
        return [tf.TensorSpec([None, None, self.features], tf.float32, name="steps"),
                tf.TensorSpec([None], tf.int32, name="lengths")]

    def check_inputs(self):
        rng = np.random.RandomState(0)
        lengths = np.array([1, 2, 3, 5, 8, 13, 40, 3 * self.place.maxlen + 1], np.int32)
        steps = rng.standard_normal((len(lengths), lengths.max(), self.features))
        return steps.astype(np.float32), lengths

    def rows(self, steps, lengths):
        """The pipeline's input for the same sequences: one array per row."""
        return [steps[i, :n] for i, n in enumerate(lengths)]

    def __call__(self, steps, lengths):
        steps = tf.convert_to_tensor(steps, tf.float32)
        lengths = tf.cast(tf.reshape(lengths, [-1]), tf.int64)
        tf.debugging.assert_equal(tf.shape(steps, out_type=tf.int64)[0],
                                  tf.shape(lengths, out_type=tf.int64)[0],
                                  message="steps and lengths must have one row each")
        tf.debugging.assert_positive(
            lengths, message="every numeric sequence needs at least one step (a "
                             "length of 0 or below)")
        tf.debugging.assert_less_equal(lengths, tf.shape(steps, out_type=tf.int64)[1],
                                       message="a length exceeds the steps given")

        def gather(rows, at):
            items = tf.gather_nd(steps, tf.stack([rows, at], axis=1))
            return tf.debugging.assert_all_finite(
                items, "every real step must hold finite values (NaN marks padding)")

        return self.place(gather, lengths, tf.constant(np.nan, tf.float32),
                          (self.features,))


def _output_head(estimator):
    """The network's outputs to what the estimator returns, in float64:
    ``(name, function)`` pairs for the SavedModel's outputs, the first the
    Keras model's output."""
    if not hasattr(estimator, "classes_"):  # a regressor
        scale = tf.constant(np.asarray(estimator.target_scale_, np.float64))
        mean = tf.constant(np.asarray(estimator.target_mean_, np.float64))
        squeeze = estimator.n_outputs_ == 1

        def predictions(raw):
            values = tf.cast(raw, tf.float64) * scale + mean
            return values[:, 0] if squeeze else values

        return [("predictions", predictions)]
    if estimator.n_outputs_ > 1:  # multi-label
        def probabilities(raw):
            return tf.cast(raw, tf.float64)

        def labels(proba):
            return tf.cast(proba > _THRESHOLD, tf.int64)
    else:
        sigmoid = estimator.model_.outputs[0].shape[-1] == 1

        def probabilities(raw):
            raw = tf.cast(raw, tf.float64)
            if sigmoid:  # one sigmoid unit
                return tf.concat([1.0 - raw, raw], axis=1)
            return raw / tf.reduce_sum(raw, axis=1, keepdims=True)

        classes = np.asarray(estimator.classes_)
        names = tf.constant(classes if classes.dtype.kind in "iub"
                            else classes.astype(str))

        def labels(proba):
            return tf.gather(names, tf.argmax(proba, axis=1))

    return [("probabilities", probabilities),
            ("labels" if estimator.n_outputs_ > 1 else "label", labels)]


class _ServedPipeline(keras.Model):
    """A fitted pipeline as one Keras model (built by :func:`to_keras`)."""

    def __init__(self, reader, chunks, network, head):
        super().__init__(name="skseq_served_pipeline")
        self._reader = reader
        self._chunks = chunks
        self.network = network
        self._head = head
        # compiled once, as the in-process predictor calls it (eager Keras
        # calls round differently from graphs)
        self._network_fn = tf.function(
            lambda x: network(x, training=False), reduce_retracing=True,
            input_signature=[input_signature(network.inputs[0].shape[-1]
                                             if reader.kind == "steps" else 0)])

    def __call__(self, inputs, *args, **kwargs):
        if self._reader.kind == "text" and not tf.is_tensor(inputs):
            inputs = _texts_tensor(inputs)  # one input, not one per text
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        x, kept = self._reader(*inputs) if self._reader.kind == "steps" \
            else self._reader(inputs)
        # eagerly, the compiled call; in a graph (a SavedModel), the layers
        network = self._network_fn if tf.executing_eagerly() \
            else lambda chunk: self.network(chunk, training=False)
        return self._head[0][1](self._chunks(network, x, kept, self._reader.fill))

    def _outputs(self, *inputs):
        """The SavedModel's outputs: the model's, then the labels."""
        first = self.call(inputs if self._reader.kind == "steps" else inputs[0])
        outputs = {self._head[0][0]: first}
        for name, fn in self._head[1:]:
            outputs[name] = fn(first)
        return outputs

    def _write_saved_model(self, path):
        module = tf.Module()
        module.reader = self._reader  # its lookup tables
        # every variable, seed generators' states included (the dropout
        # layers' ops capture them even when not training)
        module.weights = [v.value for v in self.network.variables]
        module.serve = tf.function(self._outputs, input_signature=self._reader.signature())
        concrete = module.serve.get_concrete_function()
        tf.saved_model.save(module, str(path), signatures={"serving_default": concrete,
                                                          "serve": concrete})

    def export(self, filepath, format="tf_saved_model", **kwargs):
        """Write this model as a SavedModel (what :func:`export_saved_model`
        writes, without its check against the pipeline).

        Parameters
        ----------
        filepath : str or path-like
            The directory to write.
        format : {"tf_saved_model"}
            The only format the served pipeline exports.
        **kwargs
            Not accepted.
        """
        if format != "tf_saved_model" or kwargs:
            raise ValueError("A served skseq pipeline exports as format='tf_saved_model' "
                             "only, with no other options.")
        self._write_saved_model(filepath)


def _texts_tensor(texts):
    """Texts (a list or array of ``str``) as one ``tf.string`` tensor."""
    if isinstance(texts, str):
        raise TypeError("The served pipeline takes a batch of texts (a list or 1-D "
                        "array of str); got one str. Wrap it in a list.")
    texts = list(np.asarray(texts, dtype=object).reshape(-1))
    for i, text in enumerate(texts):
        if not isinstance(text, (str, bytes)):
            raise TypeError(f"Text {i} is a {type(text).__name__}, not a str.")
        if isinstance(text, str) and not text.isascii():
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:
                raise ValueError(f"Text {i} holds a lone surrogate, which UTF-8 (and "
                                 "so a tf.string) cannot carry.") from None
    return tf.constant(texts, tf.string)


def _check_saved_model(path, pipeline, reader):
    """The largest difference between the SavedModel and the pipeline."""
    loaded = tf.saved_model.load(str(path))
    serve = loaded.signatures["serving_default"]
    inputs = reader.check_inputs()
    if reader.kind == "steps":
        steps, lengths = inputs
        served = serve(steps=tf.constant(steps), lengths=tf.constant(lengths))
        rows = reader.rows(steps, lengths)
    else:
        served = serve(texts=tf.constant(inputs[0]))
        rows = inputs[0]
    estimator = pipeline.steps[-1][1]
    if hasattr(estimator, "classes_"):
        expected, got = pipeline.predict_proba(rows), served["probabilities"]
    else:
        expected, got = pipeline.predict(rows), served["predictions"]
    return float(np.max(np.abs(np.asarray(got) - expected), initial=0.0))
