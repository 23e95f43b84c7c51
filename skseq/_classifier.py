"""LSTMSequenceClassifier: a configurable Keras recurrent text classifier."""

import copy
import functools
import json
import math
import warnings
from numbers import Integral, Real

import keras
import numpy as np
import tensorflow as tf
from sklearn.exceptions import DataConversionWarning, NotFittedError
from sklearn.metrics import accuracy_score
from sklearn.model_selection import train_test_split
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import type_of_target

from ._architectures import LAYER_TYPES, POOLINGS, build_model, count_parameters
from ._batching import bucket_width, left_align, make_dataset
from ._early_stopping import VALIDATION_SCORERS, BestEpoch, validation_scorer
from ._errors import TrainingDivergedError, UnsafeModelFileError
from ._fixes import Hidden, Interval, StrOptions
from ._keras_files import model_from_bytes, model_to_bytes
from ._random import seed_from_random_state, seeded
from ._schema import (
    EMBEDDINGS_IN_WEIGHTS,
    check_float_list,
    check_int,
    field,
    labels_from_saved,
    labels_to_saved,
    params_from_file,
)
from ._scikeras import KerasClassifierCompat
from ._sequencer import OOV_INDEX
from ._threads import limit_threads_in_worker
from ._validation import check_id_matrix
from ._weights_file import check_and_read, dataset_layout, metadata_allowance

__all__ = ["LSTMSequenceClassifier"]

# Rows per call of the compiled prediction function. A call gets exactly
# _PREDICT_CHUNK rows, or _SMALL_CHUNK for a few rows (chunks are padded with
# empty rows). 64 rows amortise the per-call cost (1.5x the throughput of
# 32); 16 cost a third as much for one review. The float result of a row must
# never depend on the rows predicted with it, and CPU matrix kernels may
# round differently for different batch sizes (measured: 1 to 8 rows differ
# from 64 by ~1e-7; 16 matched on every architecture tried), so each model
# checks on a probe batch that 16-row and 64-row chunks agree bit for bit,
# and uses 64-row chunks only if they do not.
_PREDICT_CHUNK = 64
_SMALL_CHUNK = 16
_ROUTABLE = ("optimizer", "callbacks")
# constructor arguments handed unchanged to build_model
_ARCHITECTURE_PARAMS = ("embedding_dim", "units", "layer_type", "bidirectional",
                        "n_layers", "dropout", "embedding_dropout", "recurrent_dropout",
                        "conv_filters", "conv_kernel_size", "pool_size", "pooling",
                        "mask_padding", "linear_ngrams", "ngram_buckets")
# Architecture settings added after format version 2: the first format
# version that writes each, and the value that reads an older file as it
# was written.
_ADDED_ARCHITECTURE = {"embedding_dropout": (3, 0.0), "pooling": (3, "last"),
                       "linear_ngrams": (4, 0), "ngram_buckets": (4, 2**20)}
# Held out for early stopping when validation_fraction is None (as
# MLPClassifier and HistGradientBoostingClassifier).
_DEFAULT_VALIDATION_FRACTION = 0.1
# With vocab_size=None the embedding gets one row per id up to the largest
# seen; past this many rows a stray id (2e9 in one cell) is far likelier
# than a real vocabulary, so fit asks for an explicit vocab_size.
_MAX_INFERRED_VOCAB = 2**22
# A fit whose last epoch's training loss ends this many times above the
# chance-level loss (log n_classes, scaled by the mean sample weight) did
# not learn: measured, learning rates of 1e3 to 1e30 end 150 to 1e29 times
# above it while every fit that learned anything ends below it.
_DID_NOT_LEARN_FACTOR = 10.0
# Optimizers skseq.load accepts by name (no name is looked up in the
# process's registry of custom objects).
_BUILTIN_OPTIMIZERS = ("adam", "adamw", "adadelta", "adafactor", "adagrad", "adamax",
                       "ftrl", "lamb", "lion", "nadam", "rmsprop", "sgd")
# Bounds on an architecture read from a file (beyond these, building the
# model alone would take minutes).
_MAX_LOADED = {"embedding_dim": 4096, "units": 4096, "n_layers": 32,
               "conv_filters": 4096, "conv_kernel_size": 512, "pool_size": 512,
               "ngram_buckets": 2**26}


class _StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Stop training at the first batch whose loss is NaN or infinite."""

    def __init__(self):
        super().__init__()
        self.diverged = False

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            self.diverged = True
            self.model.stop_training = True


class LSTMSequenceClassifier(KerasClassifierCompat):
    """Recurrent neural network classifier for padded integer sequences.

    A scikit-learn classifier (built on scikeras' ``KerasClassifier``) whose
    constructor arguments describe the Keras model: an embedding, optional
    dropout and convolution, one or more (bidirectional) LSTM / GRU /
    SimpleRNN layers and a dense output. Binary targets get one sigmoid unit
    and binary cross-entropy; more classes get softmax and sparse categorical
    cross-entropy. Labels can be any sortable values.

    Put it after :class:`IntegerSequencer` and :class:`Padder` in a
    :class:`~sklearn.pipeline.Pipeline` to classify raw text.

    Parameters
    ----------
    embedding_dim : int, default=32
        Size of the word vectors.
    units : int, default=100
        Units per recurrent layer.
    layer_type : {'lstm', 'gru', 'simple_rnn'}, default='lstm'
        Recurrent layer class.
    bidirectional : bool, default=False
        Wrap every recurrent layer in ``Bidirectional``.
    n_layers : int, default=1
        Stacked recurrent layers; all but the last return sequences.
    dropout : float in [0, 1), default=0.0
        Rate of ``Dropout`` layers after the embedding and after the
        recurrent block.
    embedding_dropout : float in [0, 1), default=0.0
        Rate of ``SpatialDropout1D`` after the embedding: drops whole word
        vectors (every feature of a token at once) during training.
    recurrent_dropout : float in [0, 1), default=0.0
        Dropout inside each recurrent layer, on its inputs and its recurrent
        state. Non-zero values disable the fused cuDNN kernel on GPUs.
    conv_filters : int, default=0
        If positive, a ``Conv1D(conv_filters, conv_kernel_size,
        padding='same', activation='relu')`` and ``MaxPooling1D(pool_size)``
        block runs before the recurrent layers.
    conv_kernel_size : int, default=3
        Width of the convolution.
    pool_size : int, default=2
        Width of the max pooling after the convolution.
    pooling : {'last', 'max', 'mean', 'max_mean', 'attention'}, default='last'
        How the last recurrent layer's outputs become one vector: its final
        state (``'last'``), the maximum or mean over the time steps,
        both concatenated (``'max_mean'``), or an attention-weighted average
        (one learned score per step, softmax over the steps). With
        ``mask_padding`` padding never enters a maximum, a mean or an
        attention weight.
    linear_ngrams : {0, 1, 2}, default=0
        Add a linear model over the sequence's bag of n-grams to the
        network's output logits (wide and deep): 1 scores every token, 2
        also every pair of adjacent tokens (hashed into ``ngram_buckets``
        rows). Each n-gram has a learned weight per output, starting at 0;
        a sequence's weights are summed and divided by the square root of
        its length. The padding id 0 never counts, so the result does not
        depend on padding. Trained jointly with the network, at 40 times its
        step size (with Adam); see the user guide. 0 (none) keeps the
        source documents' models.
    ngram_buckets : int, default=2**20
        Rows of the pair weights with ``linear_ngrams=2``: the pair of ids
        ``(a, b)`` uses row ``(a * vocab_size_ + b) % ngram_buckets``.
    vocab_size : int or None, default=None
        Embedding ``input_dim``. ``None`` infers it at fit as the largest id
        in ``X`` plus one (or takes it from ``embeddings``). Ids at or above
        it at predict time are read as the out-of-vocabulary id 1.
    embeddings : array-like of shape (vocab_size, embedding_dim) or None, \
default=None
        Initial word vectors, row ``i`` for token id ``i`` (e.g.
        :func:`skseq.embeddings.load_word_vectors`); ``None`` starts from
        random vectors. It sets the vocabulary size; ``embedding_dim`` must
        equal its width. Stored once, in the model's weights: a model loaded
        from a ``.skseq`` file gets its embedding weights back as this
        parameter (the original vectors when they were frozen).
    trainable_embeddings : bool, default=True
        Train the embedding (fine-tune ``embeddings``) or keep it frozen.
        Applies when a model is built; a ``warm_start`` or ``partial_fit``
        continuation keeps the built model's setting.
    mask_padding : bool, default=True
        Mask the padding id 0 through the model (embedding, convolution,
        recurrent layers), so that predictions do not depend on how much
        padding surrounds a sequence nor on which side. Every 0 counts as
        padding (IntegerSequencer never produces it otherwise). Training and
        prediction then run on length-bucketed batches, each cut to its own
        longest sequence: much less work when many sequences are shorter
        than ``maxlen``. The last recurrent layer runs unmasked over the
        steps every row of a batch fills and masked only over the rest
        (same result, bit for bit; not with ``recurrent_dropout``, which
        keeps the plain masked layer). ``False`` reproduces the source
        documents' unmasked models exactly; see the user guide for measured
        speed and accuracy of both.
    optimizer : str, keras.optimizers.Optimizer class or instance, \
default='adam'
        Optimizer. Its settings are routed with the ``optimizer__`` prefix,
        e.g. ``optimizer__learning_rate=1e-3``; an instance is copied at each
        fit, never trained in place.
    epochs : int, default=3
        Passes over the training data (the maximum, with
        ``early_stopping``).
    batch_size : int, default=64
        Training batch size.
    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data (or use
        ``validation_data``), score the model on it after every epoch, stop
        once ``n_iter_no_change`` epochs in a row have not improved the best
        score by more than ``tol``, and keep the best epoch's weights (also
        when ``epochs`` runs out first). ``partial_fit`` never stops early.
    validation_fraction : float in (0, 1) or None, default=None
        Fraction of the training data held out as validation data: a
        shuffled, stratified sample (deterministic under ``random_state``),
        not the last rows as in Keras. Its loss and accuracy are recorded in
        ``history_``. ``None`` holds out 0.1 with ``early_stopping`` and
        nothing otherwise. Ignored when ``validation_data`` is passed.
    n_iter_no_change : int, default=2
        Epochs without improvement before early stopping stops.
    tol : float, default=1e-4
        Improvement of the validation score smaller than this counts as
        none.
    scoring : str, default='loss'
        Early-stopping score: ``'loss'`` (the negative validation loss) or
        one of ``'accuracy'``, ``'balanced_accuracy'``, ``'sensitivity'``,
        ``'specificity'``, ``'roc_auc'``, ``'neg_log_loss'`` (as in
        :data:`skseq.metrics.SCORING`; the positive class is
        ``classes_[-1]``).
    validation_split : float in [0, 1)
        Deprecated in 0.2, removed in 0.4: use ``validation_fraction``.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Keras callbacks for training, e.g. ``ModelCheckpoint``. For early
        stopping prefer ``early_stopping``: Keras' ``EarlyStopping`` does not
        restore the best weights when ``epochs`` runs out first.
    class_weight : dict, 'balanced' or None, default=None
        Weights per class, as in scikit-learn.
    random_state : int, RandomState instance or None, default=None
        Seed for weight initialisation, dropout, shuffling and the
        validation split. An int makes fits repeatable: TensorFlow's
        deterministic ops are switched on for the duration of ``fit`` only,
        and the global random states are restored afterwards. The seeding is
        process-wide: seeded fits running at once in threads of one process
        are not reproducible (use processes, joblib's default backend).
    verbose : int, default=0
        Keras verbosity during ``fit``: 0 silent, 1 progress bar, 2 one line
        per epoch.
    warm_start : bool, default=False
        Keep training the existing model on the next ``fit`` instead of
        building a new one. New callbacks and optimizer settings apply
        (a changed optimizer restarts its state); changed architecture
        settings raise ``ValueError``.
    **routed_params : dict
        ``optimizer__<name>`` and ``callbacks__<name>`` settings, routed as
        in scikeras.

    Attributes
    ----------
    model_ : keras.Model
        The fitted Keras model.
    history_ : dict of str to list of float
        Loss and accuracy per epoch run (``val_``-prefixed with validation
        data), including epochs after the best one with ``early_stopping``.
    n_iter_ : int
        Epochs the model has been trained, over all ``fit`` (with
        ``warm_start``) and ``partial_fit`` calls that continued it.
    validation_scores_ : list of float or None
        With ``early_stopping``, the validation score (``scoring``; the
        negative loss for ``'loss'``) after each epoch of the last ``fit``;
        otherwise None.
    best_validation_score_ : float or None
        The best of ``validation_scores_``: the score of the weights kept.
    classes_ : ndarray of shape (n_classes,)
        Class labels, sorted.
    n_classes_ : int
        Number of classes.
    vocab_size_ : int
        Embedding input dimension used.
    architecture_ : dict
        The architecture settings (``embedding_dim``, ``units``,
        ``layer_type``, ``bidirectional``, ``n_layers``, ``dropout``,
        ``embedding_dropout``, ``recurrent_dropout``, ``conv_filters``,
        ``conv_kernel_size``, ``pool_size``, ``pooling``, ``mask_padding``,
        ``linear_ngrams``, ``ngram_buckets``) the model was built with; they
        govern prediction until the next fit, whatever ``set_params`` does.
    n_features_in_ : int
        Width of ``X`` at fit (the model accepts any width later).

    See Also
    --------
    IntegerSequencer : Raw text to integer sequences.
    Padder : Sequences to a fixed-width array.

    Notes
    -----
    Determinism: with an int ``random_state``, two fits on the same data,
    machine and library versions give bit-identical predictions. Results can
    differ across machines (CPU instruction sets, GPU vs CPU) and library
    versions.

    Padding layout: ``fit`` and ``predict`` accept padding on either side.
    A masked model (``architecture_['mask_padding']``) reads rows
    left-aligned, tokens first and padding last, which is what
    ``Padder(padding='post')`` produces: such rows are used as they are,
    other rows are left-aligned first. Call ``model_`` directly with that
    layout. An unmasked model reads the rows exactly as given.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skseq import IntegerSequencer, Padder, LSTMSequenceClassifier
    >>> texts = ["a good film", "a bad film", "good acting", "bad acting"] * 8
    >>> labels = ["pos", "neg", "pos", "neg"] * 8
    >>> pipe = make_pipeline(
    ...     IntegerSequencer(), Padder(maxlen=4),
    ...     LSTMSequenceClassifier(units=8, epochs=30, batch_size=8,
    ...                            random_state=0))
    >>> pipe.fit(texts, labels).predict(["good film", "bad film"])
    array(['pos', 'neg'], dtype='<U3')
    """

    _parameter_constraints = {
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "units": [Interval(Integral, 1, None, closed="left")],
        "layer_type": [StrOptions(set(LAYER_TYPES))],
        "bidirectional": ["boolean"],
        "n_layers": [Interval(Integral, 1, None, closed="left")],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "conv_filters": [Interval(Integral, 0, None, closed="left")],
        "conv_kernel_size": [Interval(Integral, 1, None, closed="left")],
        "pool_size": [Interval(Integral, 1, None, closed="left")],
        "pooling": [StrOptions(set(POOLINGS))],
        "linear_ngrams": [Interval(Integral, 0, 2, closed="both")],
        "ngram_buckets": [Interval(Integral, 1, None, closed="left")],
        "embedding_dropout": [Interval(Real, 0, 1, closed="left")],
        "vocab_size": [Interval(Integral, 2, None, closed="left"), None],
        "embeddings": ["array-like", None],
        "trainable_embeddings": ["boolean"],
        "mask_padding": ["boolean"],
        "optimizer": [str, keras.optimizers.Optimizer, type],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "scoring": [StrOptions({"loss", *VALIDATION_SCORERS})],
        "validation_split": [Interval(Real, 0, 1, closed="left"),
                             Hidden(StrOptions({"deprecated"}))],
        "callbacks": [list, tuple, keras.callbacks.Callback, None],
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }

    def __init__(
        self,
        *,
        embedding_dim=32,
        units=100,
        layer_type="lstm",
        bidirectional=False,
        n_layers=1,
        dropout=0.0,
        embedding_dropout=0.0,
        recurrent_dropout=0.0,
        conv_filters=0,
        conv_kernel_size=3,
        pool_size=2,
        pooling="last",
        linear_ngrams=0,
        ngram_buckets=2**20,
        vocab_size=None,
        embeddings=None,
        trainable_embeddings=True,
        mask_padding=True,
        optimizer="adam",
        epochs=3,
        batch_size=64,
        early_stopping=False,
        validation_fraction=None,
        n_iter_no_change=2,
        tol=1e-4,
        scoring="loss",
        validation_split="deprecated",
        callbacks=None,
        class_weight=None,
        random_state=None,
        verbose=0,
        warm_start=False,
        **routed_params,
    ):
        self.embedding_dim = embedding_dim
        self.units = units
        self.layer_type = layer_type
        self.bidirectional = bidirectional
        self.n_layers = n_layers
        self.dropout = dropout
        self.embedding_dropout = embedding_dropout
        self.recurrent_dropout = recurrent_dropout
        self.conv_filters = conv_filters
        self.conv_kernel_size = conv_kernel_size
        self.pool_size = pool_size
        self.pooling = pooling
        self.linear_ngrams = linear_ngrams
        self.ngram_buckets = ngram_buckets
        self.vocab_size = vocab_size
        self.embeddings = embeddings
        self.trainable_embeddings = trainable_embeddings
        self.mask_padding = mask_padding
        self.optimizer = optimizer
        self.epochs = epochs
        self.batch_size = batch_size
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.scoring = scoring
        self.validation_split = validation_split
        self.callbacks = callbacks
        self.class_weight = class_weight
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        vars(self).update(routed_params)

    # ------------------------------------------------------------------
    # training: fit, partial_fit and initialize share one path, _fit
    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Build a new model and train it on padded integer sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps)
            Padded token ids (the output of :class:`Padder`).
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights. Rows of weight 0 are left out of training.
        validation_data : tuple (X_val, y_val), default=None
            Explicit validation data (padded ids and labels), used instead of
            holding out ``validation_fraction``; with ``early_stopping``, the
            data the epochs are scored on.

        Returns
        -------
        self : LSTMSequenceClassifier
            The fitted classifier.
        """
        return self._fit(X, y, sample_weight, validation_data, incremental=False)

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """Train the current model (or a new one) for a single epoch.

        ``early_stopping`` does not apply: each call trains one epoch and
        keeps its weights (nothing is held out unless ``validation_fraction``
        is set).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps)
            Padded token ids.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All classes across calls; needed on the first call when ``y``
            does not contain every class.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : LSTMSequenceClassifier
            The classifier.
        """
        return self._fit(X, y, sample_weight, None, incremental=True, classes=classes)

    def initialize(self, X, y):
        """Build the model for ``X`` and ``y`` without training it.

        The estimator is then fitted (it predicts with its initial weights);
        a later ``partial_fit``, or ``fit`` with ``warm_start=True``, trains
        it further.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps)
            Padded token ids (they fix the vocabulary size when
            ``vocab_size=None``).
        y : array-like of shape (n_samples,)
            Class labels.

        Returns
        -------
        self : LSTMSequenceClassifier
            The initialised classifier.
        """
        return self._fit(X, y, None, None, incremental=False, train=False)

    def _fit(self, X, y, sample_weight, validation_data, *, incremental, classes=None,
             train=True):
        # Validate once, prepare the data as values, build or reuse the
        # model, train, and only then keep the fitted attributes. Whatever
        # goes wrong (bad input, a user callback raising, divergence,
        # Ctrl-C, out of memory), the estimator is left as it was before
        # the call, model weights included.
        limit_threads_in_worker()
        self._validate_params()
        self._check_routed_params()
        continuing = self.initialized_ and (incremental or self.warm_start)
        X, y, classes = self._check_training_data(X, y, classes, continuing)
        sample_weight = _check_sample_weight(sample_weight, len(y))
        _check_class_weight(self.class_weight, classes)
        if continuing:
            self._check_continuation()
            vocab_size, architecture = self.vocab_size_, self.architecture_
            X = _map_oov(X, vocab_size)
        else:
            embeddings = self._check_embeddings()
            vocab_size = self._fit_vocab_size(X, embeddings)
            architecture = {name: getattr(self, name) for name in _ARCHITECTURE_PARAMS}
        self._check_width(X)
        if validation_data is not None:
            validation_data = self._check_validation_data(validation_data, classes,
                                                          vocab_size)
        callbacks = self._make_callbacks()
        seed = seed_from_random_state(self.random_state)
        early_stopping = self.early_stopping and train and not incremental
        fraction = self._held_out_fraction(early_stopping)
        X, y, weights = _weighted_rows(X, _encode(y, classes), self._row_weights(
            y, sample_weight))
        if validation_data is None and fraction:
            (X, y, weights), validation_data = _split_validation(
                X, y, weights, fraction, seed)
        history = {k: list(v) for k, v in self.history_.items()} if continuing else {}
        stopper = None

        before = _Snapshot(self, with_model=continuing)
        try:
            with seeded(seed):
                if continuing:
                    model = self.model_
                    self._recompile_if_optimizer_changed(model, len(classes))
                else:
                    model = build_model(vocab_size=vocab_size,
                                        n_outputs=_n_outputs(len(classes)), **architecture)
                    layer = model.get_layer("embedding")
                    if embeddings is not None:
                        layer.set_weights([embeddings])
                    layer.trainable = self.trainable_embeddings
                    self._compile(model, len(classes))
                if train:
                    epochs = 1 if incremental else self.epochs
                    new, stopper = self._train_model(
                        model, architecture, X, y, weights, validation_data,
                        callbacks=callbacks, seed=seed, epochs=epochs,
                        initial_epoch=len(history.get("loss", ())) if incremental else 0,
                        n_classes=len(classes), early_stopping=early_stopping)
                    for key, values in new.items():
                        history.setdefault(key, []).extend(float(v) for v in values)
            predictor = _compile_predictor(model, architecture, vocab_size)
            if continuing:
                n_features_in = self.n_features_in_
            else:
                self._forget_fit()
                n_features_in = X.shape[1]
            self._keep(model, classes, vocab_size, architecture, history, n_features_in,
                       predictor,
                       validation_scores=None if stopper is None else stopper.scores)
        except BaseException:
            before.restore(self)
            raise
        return self

    # -- validation (each input checked once, before anything changes)
    def _check_routed_params(self):
        # vars, not get_params: a misspelt prefix is not a parameter at all
        for key in vars(self):
            if "__" in key and not key.startswith("_") and key.split("__")[0] not in _ROUTABLE:
                raise ValueError(
                    f"Unknown routed parameter {key!r} for {type(self).__name__}; "
                    f"only the prefixes {', '.join(p + '__' for p in _ROUTABLE)} "
                    "are routed."
                )

    def _held_out_fraction(self, early_stopping):
        """The fraction of the training data to hold out (None: nothing)."""
        fraction = self.validation_fraction
        if not (isinstance(self.validation_split, str) and
                self.validation_split == "deprecated"):
            warnings.warn(
                "validation_split was renamed validation_fraction in 0.2 and will "
                "be removed in 0.4; set validation_fraction instead.",
                FutureWarning, stacklevel=4)
            if fraction is not None:
                raise ValueError("Set validation_fraction only: validation_split is "
                                 "its deprecated name.")
            fraction = self.validation_split or None
        if fraction is None and early_stopping:
            fraction = _DEFAULT_VALIDATION_FRACTION
        return fraction

    def _check_training_data(self, X, y, classes, continuing):
        """Check X and y; return them with the sorted classes of the fit."""
        y = self._check_targets(y, known_classes=classes)
        X = check_id_matrix(X, owner=type(self).__name__)
        if len(y) != X.shape[0]:
            raise ValueError(
                f"X and y have inconsistent numbers of samples: {X.shape[0]} rows in "
                f"X, {len(y)} labels in y."
            )
        if continuing:
            known = self.classes_
        else:
            known = np.unique(y if classes is None else np.asarray(classes))
        _check_labels_known(y, known, "classes_" if continuing else "classes")
        return X, y, known

    def _check_validation_data(self, validation_data, classes, vocab_size):
        X_val, y_val = validation_data
        X_val = check_id_matrix(X_val, owner=type(self).__name__)
        y_val = self._check_targets(y_val, known_classes=classes)
        _check_labels_known(y_val, classes, "the training classes")
        if len(y_val) != X_val.shape[0]:
            raise ValueError(
                f"validation_data has {X_val.shape[0]} rows in X_val but {len(y_val)} "
                "labels in y_val."
            )
        return _map_oov(X_val, vocab_size), _encode(y_val, classes)

    def _check_targets(self, y, known_classes=None):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            warnings.warn(
                "A column-vector y was passed when a 1d array was expected. Please "
                "change the shape of y to (n_samples,), for example using ravel().",
                DataConversionWarning, stacklevel=4,
            )
            y = y.ravel()
        if y.ndim != 1:
            raise ValueError(f"y must be 1-D (one label per row); got shape {y.shape}.")
        if y.size == 0:
            raise ValueError("y is empty: at least 2 samples of 2 classes are needed.")
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise ValueError(
                f"y contains NaN or infinity (first at row "
                f"{int(np.flatnonzero(~np.isfinite(y))[0])})."
            )
        if y.dtype == object:
            missing = [i for i, v in enumerate(y) if v is None or v != v]
            if missing:
                raise ValueError(f"y contains missing labels (first at row {missing[0]}).")
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass"):
            raise ValueError(
                f"Unknown label type: {kind!r}. {type(self).__name__} needs class "
                "labels (binary or multiclass)."
            )
        n_classes = np.unique(y if known_classes is None else known_classes).size
        if n_classes < 2:
            raise ValueError(
                f"y contains only one class ({np.unique(y)[0]!r}); a classifier needs "
                "at least 2."
            )
        return y

    def _check_embeddings(self):
        """The ``embeddings`` matrix as float32, checked against the settings."""
        if self.embeddings is None:
            return None
        try:
            matrix = np.asarray(self.embeddings, dtype=np.float32)
        except (TypeError, ValueError):
            raise ValueError("embeddings must be a numeric matrix (one row per token "
                             "id), e.g. skseq.embeddings.load_word_vectors(...)"
                             ".matrix.") from None
        if matrix.ndim != 2 or matrix.shape[0] < OOV_INDEX + 1 or matrix.shape[1] < 1:
            raise ValueError(f"embeddings must be a matrix of shape (vocabulary size, "
                             f"embedding_dim) with at least 2 rows; got shape "
                             f"{matrix.shape}.")
        if not np.isfinite(matrix).all():
            row = int(np.flatnonzero(~np.isfinite(matrix).all(axis=1))[0])
            raise ValueError(f"embeddings contains NaN or infinity (row {row}).")
        if matrix.shape[1] != self.embedding_dim:
            raise ValueError(f"embeddings has vectors of size {matrix.shape[1]} but "
                             f"embedding_dim={self.embedding_dim}; set "
                             f"embedding_dim={matrix.shape[1]}.")
        if self.vocab_size is not None and self.vocab_size != matrix.shape[0]:
            raise ValueError(f"embeddings has {matrix.shape[0]} rows but vocab_size="
                             f"{self.vocab_size}; leave vocab_size=None (the matrix "
                             "sets it) or make them agree.")
        return matrix

    def _fit_vocab_size(self, X, embeddings):
        if embeddings is not None:
            if X.max() >= embeddings.shape[0]:
                raise ValueError(
                    f"X contains token id {int(X.max())} but embeddings has "
                    f"{embeddings.shape[0]} rows; build the matrix from the same "
                    "fitted IntegerSequencer as X.")
            return embeddings.shape[0]
        if self.vocab_size is not None:
            if X.max() >= self.vocab_size:
                raise ValueError(
                    f"X contains token id {int(X.max())} but vocab_size="
                    f"{self.vocab_size}; ids must be smaller than vocab_size "
                    "(match it to the IntegerSequencer's num_words, or leave it None)."
                )
            return self.vocab_size
        inferred = max(int(X.max()) + 1, OOV_INDEX + 1)
        if inferred > _MAX_INFERRED_VOCAB:
            row = int(np.argwhere(X == X.max())[0, 0])
            raise ValueError(
                f"X contains token id {int(X.max())} (row {row}): vocab_size=None "
                f"would build an embedding of {inferred:,} rows. Check the ids, or "
                "set vocab_size explicitly (e.g. the IntegerSequencer's num_words)."
            )
        return inferred

    def _check_width(self, X):
        # An unmasked model pools the full width, which must hold one window;
        # a masked model pads narrow input itself (exact: padding is masked).
        if self.conv_filters and not self.mask_padding and X.shape[1] < self.pool_size:
            raise ValueError(
                f"X has {X.shape[1]} time steps, fewer than pool_size="
                f"{self.pool_size}: the convolution block needs at least pool_size "
                "steps (pad to a larger maxlen, or use mask_padding=True)."
            )

    def _check_continuation(self):
        """Refuse settings a warm_start / partial_fit continuation cannot honour."""
        changed = [name for name in _ARCHITECTURE_PARAMS
                   if getattr(self, name) != self.architecture_[name]]
        if self.vocab_size is not None and self.vocab_size != self.vocab_size_:
            changed.append("vocab_size")
        if changed:
            raise ValueError(
                f"{', '.join(changed)} changed since the model was built; a "
                "warm_start or partial_fit continuation keeps the model, so these "
                "cannot change. Set warm_start=False (or clone the estimator) to "
                "build a new model."
            )

    def _row_weights(self, y, sample_weight):
        """Per-row training weights: sample_weight times class_weight, or None."""
        if self.class_weight is not None:
            class_weights = compute_sample_weight(class_weight=self.class_weight, y=y)
            sample_weight = class_weights if sample_weight is None else \
                sample_weight * class_weights
        return sample_weight

    # -- building
    def _make_optimizer(self):
        settings = {
            k.split("__", 1)[1]: v
            for k, v in self.get_params(deep=False).items()
            if k.startswith("optimizer__")
        }
        optimizer = self.optimizer
        if isinstance(optimizer, str):
            try:
                optimizer = type(keras.optimizers.get(optimizer))
            except ValueError:
                raise ValueError(
                    f"The 'optimizer' parameter of {type(self).__name__} names no "
                    f"Keras optimizer: {self.optimizer!r}. Use e.g. 'adam', "
                    "'rmsprop', 'sgd' or an optimizer instance."
                ) from None
        if isinstance(settings.get("learning_rate"), Integral):
            # Keras refuses an int rate (optimizer__learning_rate=1)
            settings["learning_rate"] = float(settings["learning_rate"])
        if isinstance(optimizer, keras.optimizers.Optimizer):
            # copy: fitting twice must not continue the same optimizer state
            return type(optimizer).from_config({**optimizer.get_config(), **settings})
        if isinstance(optimizer, type) and issubclass(optimizer, keras.optimizers.Optimizer):
            try:
                return optimizer(**settings)
            except TypeError as exc:
                raise ValueError(
                    f"Bad optimizer__ setting for {optimizer.__name__}: {exc}") from None
        raise ValueError(
            f"The 'optimizer' parameter of {type(self).__name__} must be a name, a "
            f"Keras optimizer class or instance. Got {self.optimizer!r} instead."
        )

    def _compile(self, model, n_classes):
        loss = "binary_crossentropy" if n_classes == 2 else "sparse_categorical_crossentropy"
        model.compile(optimizer=self._make_optimizer(), loss=loss, metrics=["accuracy"])

    def _recompile_if_optimizer_changed(self, model, n_classes):
        """Continuation: a changed optimizer or optimizer__* setting recompiles.

        The weights are kept; the new optimizer starts from a fresh state.
        """
        fresh = self._make_optimizer()
        current = model.optimizer

        def comparable(optimizer):
            return {k: v for k, v in optimizer.get_config().items() if k != "name"}

        if type(fresh) is not type(current) or comparable(fresh) != comparable(current):
            self._compile(model, n_classes)

    # -- training
    def _train_model(self, model, architecture, X, y, weights, validation_data, *,
                     callbacks, seed, epochs, initial_epoch, n_classes, early_stopping):
        """Run Keras' fit; return its per-epoch history and the early stopper.

        Raises on divergence. With ``early_stopping`` the model is left with
        the best epoch's weights; the stopper (else None) holds the scores.
        """
        guard = _StopOnNonFiniteLoss()
        y_val = None if validation_data is None else validation_data[1]
        if architecture["mask_padding"]:
            # padding is invisible to the model: train on length-bucketed
            # batches cut to their own width instead of computing it
            multiple = _width_multiple(architecture)
            X, lengths = _left_align(X, architecture)
            data = dict(x=make_dataset(X, y, weights, lengths, self.batch_size,
                                       seed=seed, shuffle=True, multiple_of=multiple),
                        shuffle=False)  # the dataset shuffles itself
            if validation_data is not None:
                X_val, val_lengths = _left_align(validation_data[0], architecture)
                validation_data = make_dataset(X_val, validation_data[1], None, val_lengths,
                                               self.batch_size, seed=None, shuffle=False,
                                               multiple_of=multiple)
        else:
            data = dict(x=X, y=y, sample_weight=weights, batch_size=self.batch_size,
                        shuffle=True)
        stopper = None
        if early_stopping:
            val_x = validation_data if architecture["mask_padding"] else validation_data[0]

            def predict_validation():
                # the validation rows come back in their order (not shuffled)
                batching = {} if architecture["mask_padding"] else \
                    {"batch_size": self.batch_size}
                raw = model.predict(val_x, verbose=0, **batching)
                return y_val.ravel().astype(np.int64), _probabilities(raw)

            stopper = BestEpoch(validation_scorer(self.scoring, predict_validation),
                                self.n_iter_no_change, self.tol)
            callbacks = callbacks + [stopper]
        try:
            history = model.fit(**data, epochs=initial_epoch + epochs,
                                initial_epoch=initial_epoch, verbose=self.verbose,
                                callbacks=callbacks + [guard],
                                validation_data=validation_data).history
        except tf.errors.InvalidArgumentError as exc:
            # With weights already NaN or infinite, some TensorFlow kernels
            # fail outright instead (measured: RMSprop's sparse embedding
            # update on AMD CPUs at learning_rate=1e30)
            if _weights_finite(model):
                raise
            raise TrainingDivergedError(
                "Training diverged: the weights became NaN or infinite and "
                f"TensorFlow stopped ({type(exc).__name__}). The learning rate is "
                f"the likely cause ({self._learning_rate_text(model)}; try a smaller "
                "one). The estimator is left as it was before this fit.") from None
        if guard.diverged or not _weights_finite(model):
            raise TrainingDivergedError(
                "Training diverged: the loss became NaN or infinite. The learning "
                f"rate is the likely cause ({self._learning_rate_text(model)}; try a "
                "smaller one), or the inputs/sample weights contain extreme values. "
                "The estimator is left as it was before this fit."
            )
        losses = history.get("loss", [])
        chance = math.log(n_classes) * (
            1.0 if weights is None else max(float(np.mean(weights)), 1e-12))
        if losses and losses[-1] > _DID_NOT_LEARN_FACTOR * chance:
            raise TrainingDivergedError(
                f"Training did not learn: the last epoch's training loss "
                f"({losses[-1]:.3g}) is more than {_DID_NOT_LEARN_FACTOR:g}x the "
                f"chance-level loss ({chance:.3g}), so the outputs are saturated "
                f"garbage. The learning rate is the likely cause "
                f"({self._learning_rate_text(model)}; try a smaller one). The "
                "estimator is left as it was before this fit."
            )
        if stopper is not None:
            stopper.restore_best()
        return history, stopper

    def _learning_rate_text(self, model):
        rate = getattr(self, "optimizer__learning_rate", None)
        if rate is None:
            rate = float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))
        return f"optimizer__learning_rate={rate:g}"

    def _keep(self, model, classes, vocab_size, architecture, history, n_features_in,
              predictor, *, validation_scores=None):
        """Set the fitted attributes (the last step of a fit or a load)."""
        self.model_ = model
        self.classes_ = classes
        self.n_classes_ = len(classes)
        self.vocab_size_ = vocab_size
        self.architecture_ = architecture
        self.history_ = history
        self.n_iter_ = len(history.get("loss", ()))
        self.validation_scores_ = validation_scores
        self.best_validation_score_ = max(validation_scores) if validation_scores \
            else None
        self.n_features_in_ = n_features_in
        self._predict_fn = predictor

    def _forget_fit(self):
        for key in [k for k in vars(self) if k.endswith("_") and not k.startswith("_")]:
            delattr(self, key)
        vars(self).pop("_predict_fn", None)

    # ------------------------------------------------------------------
    # prediction
    def predict_proba(self, X):
        """Class probabilities for padded integer sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps)
            Padded token ids, padding on either side.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities in the order of ``classes_``; rows sum to 1.
        """
        if not self.initialized_:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' "
                "with appropriate arguments before using this estimator."
            )
        X = check_id_matrix(X, owner=type(self).__name__)
        architecture = self.architecture_  # fit-time settings, whatever set_params did
        if architecture["conv_filters"] and not architecture["mask_padding"] \
                and X.shape[1] < architecture["pool_size"]:
            raise ValueError(
                f"X has {X.shape[1]} time steps, fewer than the model's pool_size="
                f"{architecture['pool_size']}; pad it to at least that width."
            )
        raw = self._predict_fn(_map_oov(X, self.vocab_size_))
        bad = np.flatnonzero(~np.isfinite(raw).all(axis=1))
        if bad.size:
            raise FloatingPointError(
                f"{type(self).__name__} computed NaN or infinite outputs for "
                f"{bad.size} of {len(raw)} rows (first: row {bad[0]}); the model's "
                "weights are not finite or overflow. No probabilities are returned.")
        return _probabilities(raw)

    def predict(self, X):
        """Predict class labels for padded integer sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps)
            Padded token ids, padding on either side.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels (from ``classes_``).
        """
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def score(self, X, y, sample_weight=None):
        """Mean accuracy on padded integer sequences and their labels.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps)
            Padded token ids.
        y : array-like of shape (n_samples,)
            True labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        score : float
            Accuracy of ``predict(X)`` against ``y``.
        """
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)

    # ------------------------------------------------------------------
    # persistence: pickles carry the Keras model as native .keras bytes; the
    # safe format stores the fitted state below and the weights
    def _to_saved_state(self):
        if not self.initialized_:
            raise NotFittedError(f"This {type(self).__name__} instance is not fitted "
                                 "yet; only fitted estimators can be saved.")
        bad = _non_finite_weight(self.model_)
        if bad is not None:
            raise ValueError(f"{type(self).__name__}: weight {bad} holds NaN or infinite "
                             "values (a diverged fit?); refusing to save a model that "
                             "cannot predict. Refit it.")
        return {"classes_": labels_to_saved(self.classes_),
                "vocab_size_": self.vocab_size_,
                "n_features_in_": self.n_features_in_,
                "architecture_": self.architecture_,
                "history_": self.history_,
                "validation_scores_": self.validation_scores_}

    @classmethod
    def _from_saved_state(cls, params, state, context):
        """Rebuild a fitted classifier from a file's checked state.

        The model is built by skseq's ``build_model`` from the checked
        architecture; only its weights come from the file.
        """
        owner = cls.__name__
        embeddings_in_weights = isinstance(params, dict) and \
            params.get("embeddings") == EMBEDDINGS_IN_WEIGHTS
        if embeddings_in_weights:
            params = {**params, "embeddings": None}  # read back from the weights
        clf = params_from_file(cls, params, routed_prefixes=("optimizer",))
        if not (isinstance(clf.optimizer, str) and clf.optimizer in _BUILTIN_OPTIMIZERS):
            raise UnsafeModelFileError(f"{owner}: optimizer must be one of "
                                       f"{', '.join(_BUILTIN_OPTIMIZERS)}")
        for key, value in params.items():
            if key.startswith("optimizer__") and not (
                    value is None or isinstance(value, (int, float))):
                raise UnsafeModelFileError(f"{owner}: {key} must be a number")
        if params.get("callbacks") is not None:
            raise UnsafeModelFileError(f"{owner}: saved callbacks must be null")
        classes = labels_from_saved(field(state, "classes_", dict, owner=owner),
                                    owner=owner)
        vocab_size = check_int(field(state, "vocab_size_", int, owner=owner),
                               "vocab_size_", OOV_INDEX + 1, 2**31 - 1, owner=owner)
        n_features_in = check_int(field(state, "n_features_in_", int, owner=owner),
                                  "n_features_in_", 1, 2**31 - 1, owner=owner)
        architecture = field(state, "architecture_", dict, owner=owner)
        # an older file predates some settings; its model had their defaults
        architecture = {**{k: default for k, (added, default) in _ADDED_ARCHITECTURE.items()
                           if context["format_version"] < added}, **architecture}
        if set(architecture) != set(_ARCHITECTURE_PARAMS):
            raise UnsafeModelFileError(f"{owner}: architecture_ must give exactly "
                                       f"{', '.join(_ARCHITECTURE_PARAMS)}")
        params_from_file(cls, architecture)  # same types and ranges as parameters
        for name, high in _MAX_LOADED.items():
            check_int(architecture[name], f"architecture_ {name}", 0, high, owner=owner)
        history = field(state, "history_", dict, owner=owner)
        if len(history) > 16 or not all(isinstance(k, str) and len(k) <= 64
                                        for k in history):
            raise UnsafeModelFileError(f"{owner}: history_ must map at most 16 short "
                                       "names to lists")
        history = {k: check_float_list(v, f"history_[{k!r}]", 1_000_000, owner=owner)
                   for k, v in history.items()}
        validation_scores = state.get("validation_scores_")
        if validation_scores is not None:
            validation_scores = check_float_list(validation_scores, "validation_scores_",
                                                 1_000_000, owner=owner)
        n_outputs = 1 if len(classes) == 2 else len(classes)
        # the model's size is bounded, and the file must hold exactly its
        # weights, before anything is allocated for them
        n_weights = count_parameters(vocab_size=vocab_size, n_outputs=n_outputs,
                                     **architecture)
        weights = context["weights"]
        if 4 * n_weights > context["max_weights_bytes"]:
            raise UnsafeModelFileError(
                f"{owner}: the architecture needs {n_weights:,} weights "
                f"({4 * n_weights:,} bytes), over max_weights_bytes="
                f"{context['max_weights_bytes']:,}; pass a larger max_weights_bytes to "
                "skseq.load only for a file you expect to hold a model that large")
        layout, shapes = _weights_layout(architecture, n_outputs, vocab_size,
                                         clf.trainable_embeddings, n_weights)
        n_objects = len(layout["groups"]) + len(layout["datasets"])
        if not 4 * n_weights <= len(weights) <= 4 * n_weights + metadata_allowance(
                n_objects):
            raise UnsafeModelFileError(
                f"{owner}: the architecture needs {n_weights:,} weights "
                f"({4 * n_weights:,} bytes) but the file holds {len(weights):,} bytes "
                "of weights (files saved by development versions of skseq 0.2 before "
                "the layers-only format also hold optimizer state: load those with the "
                "skseq that wrote them and save them again)")
        arrays = check_and_read(weights, layout, shapes, owner=owner)
        model = build_model(vocab_size=vocab_size, n_outputs=n_outputs, **architecture)
        model.get_layer("embedding").trainable = clf.trainable_embeddings
        try:
            clf._compile(model, len(classes))
        except (TypeError, ValueError) as exc:
            raise UnsafeModelFileError(f"{owner}: invalid optimizer settings: "
                                       f"{exc}") from None
        model.set_weights(arrays)
        if embeddings_in_weights:
            clf.embeddings = model.get_layer("embedding").get_weights()[0]
        clf._keep(model, classes, vocab_size, architecture, history, n_features_in,
                  _compile_predictor(model, architecture, vocab_size),
                  validation_scores=validation_scores)
        return clf

    def __getstate__(self):
        state = self.__dict__.copy()
        state.pop("_predict_fn", None)
        if "model_" in state:
            state["model_"] = model_to_bytes(state["model_"])
        return state

    def __setstate__(self, state):
        if "model_" in state:
            state = dict(state, model_=model_from_bytes(state["model_"]))
        self.__dict__.update(state)
        if "model_" in state:
            self._predict_fn = _compile_predictor(self.model_, self.architecture_,
                                                  self.vocab_size_)


class _Predictor:
    """A fitted model's prediction, run as a compiled call on row chunks.

    ``model.predict`` costs ~40 ms per call; a compiled direct call on a
    fixed-size chunk costs a few ms, and every row gets the same computation
    whatever the rows around it. A masked model reads left-aligned rows
    sorted by length, each chunk cut to its own (bucket-rounded) width;
    outputs come back in input order.

    Parameters
    ----------
    fn : tf.function
        The compiled model call, any batch size and width.
    architecture : dict
        The model's architecture settings (``mask_padding``, pooling).
    small_chunks : bool
        Whether 16-row chunks agree bit for bit with 64-row ones.
    """

    def __init__(self, fn, architecture, small_chunks):
        self.fn = fn
        self.architecture = architecture
        self.small_chunks = small_chunks

    def chunk_bounds(self, n):
        """(start, stop) of each chunk for n rows; the last may pass n."""
        bounds, start = [], 0
        while start < n:
            left = n - start
            # up to three small chunks cost less than one large (measured)
            size = _SMALL_CHUNK if self.small_chunks and left <= 3 * _SMALL_CHUNK \
                else _PREDICT_CHUNK
            bounds.append((start, start + size))
            start += size
        return bounds

    def __call__(self, X):
        """Model outputs for checked ids (OOV already mapped), in input order."""
        n = X.shape[0]
        masked = self.architecture["mask_padding"]
        if masked:
            X, lengths = _left_align(X, self.architecture)
            order = np.argsort(lengths, kind="stable")
            X, lengths = X[order], lengths[order]
        width = X.shape[1]
        bounds = self.chunk_bounds(n)
        short = bounds[-1][1] - n if bounds else 0
        if short:
            X = np.concatenate([X, np.zeros((short, width), np.int32)])
        outputs = []
        for start, stop in bounds:
            chunk = X[start:stop]
            if masked:
                longest = lengths[start:stop].max(initial=1)
                chunk = chunk[:, :bucket_width(longest, width,
                                               _width_multiple(self.architecture))]
            outputs.append(self.fn(tf.constant(chunk)).numpy())
        out = np.concatenate(outputs, axis=0)[:n]
        if masked:
            restored = np.empty_like(out)
            restored[order] = out
            out = restored
        return out


def _compile_predictor(model, architecture, vocab_size):
    @tf.function(input_signature=[tf.TensorSpec((None, None), tf.int32)],
                 reduce_retracing=True)
    def predict_fn(x):
        return model(x, training=False)

    return _Predictor(predict_fn, architecture,
                      _small_chunk_agrees(predict_fn, architecture, vocab_size))


def _small_chunk_agrees(fn, architecture, vocab_size):
    """Whether 16-row chunks give the same bits as 64-row chunks here."""
    rng = np.random.RandomState(0)
    width = 2 * math.lcm(16, _width_multiple(architecture))
    X = rng.randint(0, vocab_size, size=(_PREDICT_CHUNK, width)).astype(np.int32)
    # rows of every length, padding last (as the masked model is fed)
    X[np.arange(width) >= rng.randint(1, width + 1, size=(_PREDICT_CHUNK, 1))] = 0
    whole = fn(tf.constant(X)).numpy()
    parts = np.concatenate([fn(tf.constant(X[i:i + _SMALL_CHUNK])).numpy()
                            for i in range(0, _PREDICT_CHUNK, _SMALL_CHUNK)])
    return bool(np.array_equal(whole, parts))


def _width_multiple(architecture):
    return architecture["pool_size"] if architecture["conv_filters"] else 1


def _left_align(X, architecture):
    """Left-align rows for the masked model; widen to whole pooling windows.

    Extra columns are padding, which the masked model ignores, so any input
    width works and no real step is lost to a partial window.
    """
    X, lengths = left_align(X)
    short = -X.shape[1] % _width_multiple(architecture)
    if short:
        X = np.pad(X, ((0, 0), (0, short)))
    return X, lengths


def _map_oov(X, vocab_size):
    """Ids at or above the embedding's size read as the out-of-vocabulary id."""
    if X.size and X.max() >= vocab_size:
        X = np.where(X >= vocab_size, OOV_INDEX, X).astype(np.int32)
    return X


def _probabilities(raw):
    """The model's outputs as (n_samples, n_classes) float64 probabilities."""
    raw = raw.astype(np.float64)
    if raw.shape[1] == 1:  # one sigmoid unit
        return np.column_stack([1.0 - raw[:, 0], raw[:, 0]])
    return raw / raw.sum(axis=1, keepdims=True)


def _n_outputs(n_classes):
    return 1 if n_classes == 2 else n_classes


def _encode(y, classes):
    """Labels as the model's float32 column of class indices."""
    return np.searchsorted(classes, y).astype(np.float32).reshape(-1, 1)


def _weighted_rows(X, y, weights):
    """Drop rows of weight 0 (as scikit-learn's estimators ignore them)."""
    if weights is None:
        return X, y, None
    weights = weights.astype(np.float32)
    if not weights.any():
        raise ValueError("Every row has sample weight zero (with class_weight "
                         "applied): there is nothing to train on.")
    keep = weights != 0
    if keep.all():
        return X, y, weights
    return X[keep], y[keep], weights[keep]


def _split_validation(X, y, weights, fraction, seed):
    """A stratified, shuffled validation part (Keras takes the last rows)."""
    indices = np.arange(len(X))
    try:
        train_idx, val_idx = train_test_split(indices, test_size=fraction,
                                              stratify=y.ravel(), random_state=seed)
    except ValueError:
        warnings.warn(
            "A class has too few members for a stratified validation split; "
            "using a plain shuffled split.", UserWarning, stacklevel=4,
        )
        train_idx, val_idx = train_test_split(indices, test_size=fraction,
                                              random_state=seed)
    train_idx.sort()
    train_weights = None if weights is None else weights[train_idx]
    return (X[train_idx], y[train_idx], train_weights), (X[val_idx], y[val_idx])


def _check_labels_known(y, known, what):
    unknown = np.setdiff1d(np.unique(y), known)
    if unknown.size:
        raise ValueError(f"y contains the class {unknown.tolist()[0]!r}, which is not in {what} "
                         f"({', '.join(map(repr, known.tolist()))}).")


def _check_sample_weight(sample_weight, n_samples):
    if sample_weight is None:
        return None
    try:
        weights = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("sample_weight must be numbers, one per sample.") from None
    if weights.ndim == 0:
        weights = np.full(n_samples, float(weights))
    if weights.shape != (n_samples,):
        raise ValueError(f"sample_weight has shape {weights.shape}; expected "
                         f"({n_samples},), one weight per sample.")
    bad = ~np.isfinite(weights) | (weights < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(f"sample_weight must be finite and non-negative; row {row} "
                         f"is {weights[row]!r}.")
    return weights


def _check_class_weight(class_weight, classes):
    if not isinstance(class_weight, dict):
        return
    unknown = [k for k in class_weight if k not in set(classes.tolist())]
    if unknown:
        raise ValueError(f"class_weight names {unknown[0]!r}, which is not a class "
                         f"({', '.join(map(repr, classes.tolist()))}).")
    for label, weight in class_weight.items():
        if not isinstance(weight, Real) or not math.isfinite(weight) or weight < 0:
            raise ValueError(f"class_weight[{label!r}] must be a finite non-negative "
                             f"number; got {weight!r}.")


# Settings that size weights but never change which weights there are. The
# layout model takes the first values; every weight dimension is linear in
# these settings, so models with each one raised by 1 give the shapes of any
# size without building it.
_LAYOUT_SIZES = {"vocab_size": OOV_INDEX + 2, "embedding_dim": 2, "units": 2,
                 "conv_filters": 2, "ngram_buckets": 3}


@functools.lru_cache(maxsize=32)
def _layout_for(architecture_key, n_outputs, trainable_embeddings):
    """The layout of a tiny model of this structure, and its shape rules."""
    architecture = json.loads(architecture_key)
    # conv_filters=0 means no convolution: a structural choice, kept
    sizes = {k: v for k, v in _LAYOUT_SIZES.items()
             if k != "conv_filters" or architecture["conv_filters"]}

    def shapes_at(values):
        model = build_model(n_outputs=n_outputs, **{**architecture, **values})
        model.get_layer("embedding").trainable = trainable_embeddings
        return model, [np.array(tuple(w.shape), dtype=np.int64) for w in model.weights]

    model, base = shapes_at(sizes)
    layout = dataset_layout(model)
    slopes = {name: [a - b for a, b in zip(shapes_at({**sizes, name: value + 1})[1], base,
                                           strict=True)]
              for name, value in sizes.items()}
    return layout, sizes, base, slopes


def _weights_layout(architecture, n_outputs, vocab_size, trainable_embeddings,
                    n_weights):
    """The HDF5 layout of a saved model of this architecture, and each weight's shape.

    Nothing of the described size is built: the layout and the shape rules
    come from tiny models of the same structure (cached per architecture);
    the shapes' total is checked against ``n_weights`` (``count_parameters``).
    """
    layout, sizes, base, slopes = _layout_for(
        json.dumps(architecture, sort_keys=True), n_outputs, trainable_embeddings)
    actual = {**architecture, "vocab_size": vocab_size}
    shapes = []
    for index, shape in enumerate(base):
        for name, value in sizes.items():
            shape = shape + slopes[name][index] * (actual[name] - value)
        shapes.append(tuple(int(d) for d in shape))
    if sum(math.prod(shape) for shape in shapes) != n_weights:
        raise RuntimeError("skseq cannot compute this architecture's weight shapes")
    return layout, shapes


def _non_finite_weight(model):
    """The path of the first weight holding NaN or infinity, or None."""
    for weight in model.weights:
        if not np.isfinite(keras.ops.convert_to_numpy(weight)).all():
            return getattr(weight, "path", weight.name)
    return None


def _weights_finite(model):
    return _non_finite_weight(model) is None


class _Snapshot:
    """The estimator's state before a fit, to put back if the fit fails.

    A new fit builds a new model, so the attributes suffice; a continuation
    trains ``model_`` in place, so its weights and optimizer state are
    copied too.
    """

    def __init__(self, estimator, *, with_model):
        self.attributes = dict(vars(estimator))
        self.history = copy.deepcopy(self.attributes.get("history_"))
        model = self.attributes.get("model_") if with_model else None
        self.model = model
        if model is not None:
            self.weights = [w.copy() for w in model.get_weights()]
            self.optimizer = model.optimizer
            self.optimizer_values = [v.numpy() for v in model.optimizer.variables]

    def restore(self, estimator):
        vars(estimator).clear()
        vars(estimator).update(self.attributes)
        if self.history is not None:
            estimator.history_ = self.history
        if self.model is not None:
            self.model.set_weights(self.weights)
            if self.model.optimizer is not self.optimizer:
                self.model.compile(optimizer=self.optimizer, loss=self.model.loss,
                                   metrics=["accuracy"])
            saved = zip(self.optimizer.variables, self.optimizer_values, strict=True)
            for variable, value in saved:
                variable.assign(value)
