"""The family's shared base: one recurrent network over padded ids, many targets.

``LSTMSequenceClassifier`` and ``LSTMSequenceRegressor`` are the same
estimator around different targets, as scikit-learn's ``MLPClassifier`` and
``MLPRegressor`` share ``BaseMultilayerPerceptron``. :class:`SequenceModel`
owns everything but the target: the parameters and their validation, the
architecture, batching and bucketing, the transactional fit loop, early
stopping, divergence checks, persistence and pickling. A subclass supplies
the target hooks (the ``_target_*`` methods: how ``y`` is checked, encoded
for Keras, averaged for early stopping, saved) and its own ``predict``.
"""

import copy
import inspect
import math
import warnings
from numbers import Integral, Real

import keras
import numpy as np
import tensorflow as tf
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import train_test_split

from ._architectures import LAYER_TYPES, POOLINGS, build_model, count_parameters
from ._batching import make_dataset
from ._early_stopping import BestEpoch
from ._errors import TrainingDivergedError, UnsafeModelFileError
from ._fixes import Hidden, Interval, StrOptions, build_training_state
from ._keras_files import model_from_bytes, model_to_bytes
from ._ngram_prior import ngram_log_count_ratios
from ._predictor import compile_predictor, left_align_for, map_oov, width_multiple
from ._random import seed_from_random_state, seeded
from ._schema import (
    EMBEDDINGS_IN_WEIGHTS,
    check_float_list,
    check_int,
    field,
    params_from_file,
)
from ._scikeras import KerasWrapperCompat
from ._sequencer import OOV_INDEX
from ._threads import limit_threads_in_worker
from ._validation import check_id_matrix, check_step_matrix, is_numeric_rows
from ._weights_file import check_and_read, metadata_allowance, weights_layout

__all__ = ["SequenceModel", "ARCHITECTURE_PARAMS", "with_base_parameters"]

_ROUTABLE = ("optimizer", "callbacks")
# constructor arguments handed unchanged to build_model
ARCHITECTURE_PARAMS = ("embedding_dim", "units", "layer_type", "bidirectional",
                       "n_layers", "dropout", "embedding_dropout", "recurrent_dropout",
                       "conv_filters", "conv_kernel_size", "pool_size", "pooling",
                       "mask_padding", "linear_ngrams", "ngram_buckets", "ngram_prior")
# Architecture settings added after format version 2: the first format
# version that writes each, and the value that reads an older file as it
# was written.
_ADDED_ARCHITECTURE = {"embedding_dropout": (3, 0.0), "pooling": (3, "last"),
                       "linear_ngrams": (4, 0), "ngram_buckets": (4, 2**20),
                       "ngram_prior": (6, None), "step_features": (7, 0)}
# linear_ngrams='auto': the n-gram head for token ids, none for numeric steps
_AUTO_LINEAR_NGRAMS = 2
# Parameters that only mean something for token ids, each with its neutral
# value: numeric input with any other value is refused.
_ID_ONLY = {"vocab_size": None, "embeddings": None, "trainable_embeddings": True}
# The defaults of 0.1, which 0.2 changed. Every file of format 5 or older
# was written with them: a setting such a file lacks had this value.
_DEFAULTS_BEFORE_0_2 = {"embedding_dropout": 0.0, "conv_filters": 0, "pooling": "last",
                        "linear_ngrams": 0, "ngram_prior": None, "epochs": 3,
                        "early_stopping": False}
_FIRST_VERSION_WITH_0_2_DEFAULTS = 6
# Held out for early stopping when validation_fraction is None (as
# MLPClassifier and HistGradientBoostingClassifier).
_DEFAULT_VALIDATION_FRACTION = 0.1
# With vocab_size=None the embedding gets one row per id up to the largest
# seen; past this many rows a stray id (2e9 in one cell) is far likelier
# than a real vocabulary, so fit asks for an explicit vocab_size.
_MAX_INFERRED_VOCAB = 2**22
# A fit whose last epoch's training loss ends this many times above the
# chance-level loss (the loss of a constant prediction, scaled by the mean
# sample weight) did not learn: measured, learning rates of 1e3 to 1e30 end
# 150 to 1e29 times above it while every fit that learned anything ends below.
_DID_NOT_LEARN_FACTOR = 10.0
# Optimizers skseq.load accepts by name (no name is looked up in the
# process's registry of custom objects).
_BUILTIN_OPTIMIZERS = ("adam", "adamw", "adadelta", "adafactor", "adagrad", "adamax",
                       "ftrl", "lamb", "lion", "nadam", "rmsprop", "sgd")
# Bounds on an architecture read from a file (beyond these, building the
# model alone would take minutes).
_MAX_LOADED = {"embedding_dim": 4096, "units": 4096, "n_layers": 32,
               "conv_filters": 4096, "conv_kernel_size": 512, "pool_size": 512,
               "ngram_buckets": 2**26, "linear_ngrams": 5, "step_features": 4096}


def with_base_parameters(init):
    """Give a subclass ``__init__`` the full signature: the base's and its own.

    The subclass writes only its own keyword parameters and passes the rest
    on (``**params``); scikit-learn reads parameters from the signature, so
    the combined one is set as ``__signature__`` (``get_params``, ``clone``,
    ``help`` and the docs all see every parameter).

    Parameters
    ----------
    init : function
        ``__init__(self, *, own=..., **params)``.

    Returns
    -------
    init : function
        The same function, with ``__signature__`` set.
    """
    base = inspect.signature(SequenceModel.__init__).parameters.values()
    own = [p for p in inspect.signature(init).parameters.values()
           if p.kind is inspect.Parameter.KEYWORD_ONLY]
    # a subclass may list a base parameter again, with its own default
    mine = {p.name for p in own}
    kinds = [p for p in base if p.kind is not inspect.Parameter.VAR_KEYWORD
             and p.name not in mine]
    var = [p for p in base if p.kind is inspect.Parameter.VAR_KEYWORD]
    init.__signature__ = inspect.Signature(kinds + own + var)
    return init


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


class SequenceModel(KerasWrapperCompat):
    """Private base of the family: a recurrent network over padded token ids.

    Not for direct use: subclass it with a scikit-learn mixin listed first
    (``ClassifierMixin`` or ``RegressorMixin``) and the target hooks
    (``_target_*``, ``_loss``, ``_output_activation``), as
    :class:`~skseq.LSTMSequenceClassifier` and
    :class:`~skseq.LSTMSequenceRegressor` do.

    Parameters
    ----------
    **params : dict
        The parameters documented on the subclasses.
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
        "linear_ngrams": [Interval(Integral, 0, 5, closed="both"), StrOptions({"auto"})],
        "ngram_buckets": [Interval(Integral, 1, None, closed="left")],
        "ngram_prior": [StrOptions({"log_count_ratio"}), None],
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
        "validation_split": [Interval(Real, 0, 1, closed="left"),
                             Hidden(StrOptions({"deprecated"}))],
        "callbacks": [list, tuple, keras.callbacks.Callback, None],
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
        embedding_dropout=0.2,
        recurrent_dropout=0.0,
        conv_filters=32,
        conv_kernel_size=3,
        pool_size=2,
        pooling="max_mean",
        linear_ngrams="auto",
        ngram_buckets=2**20,
        ngram_prior=None,
        vocab_size=None,
        embeddings=None,
        trainable_embeddings=True,
        mask_padding=True,
        optimizer="adam",
        epochs=10,
        batch_size=64,
        early_stopping=True,
        validation_fraction=None,
        n_iter_no_change=2,
        tol=1e-4,
        scoring="loss",
        validation_split="deprecated",
        callbacks=None,
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
        self.ngram_prior = ngram_prior
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
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        vars(self).update(routed_params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    # ------------------------------------------------------------------
    # training: fit, partial_fit and initialize share one path, _fit
    def fit(self, X, y, sample_weight=None, *, validation_data=None):
        """Build a new model and train it on padded integer sequences.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
(n_samples, n_timesteps, n_features)
            Padded token ids (the output of :class:`Padder`), or padded
            numeric steps (Padder's output for numeric sequences: padding
            steps all NaN).
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets: class labels or a 0/1 label indicator matrix
            (classifier), numbers (regressor).
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights. Rows of weight 0 are left out of training.
        validation_data : tuple (X_val, y_val), default=None
            Explicit validation data (padded ids and targets), used instead
            of holding out ``validation_fraction``; with ``early_stopping``,
            the data the epochs are scored on.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, validation_data, incremental=False)

    def initialize(self, X, y):
        """Build the model for ``X`` and ``y`` without training it.

        The estimator is then fitted (it predicts with its initial weights);
        a later ``partial_fit``, or ``fit`` with ``warm_start=True``, trains
        it further.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
(n_samples, n_timesteps, n_features)
            Padded token ids (they fix the vocabulary size when
            ``vocab_size=None``), or padded numeric steps.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets, as in ``fit``.

        Returns
        -------
        self : object
            The initialised estimator.
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
        y = self._target_check(y)
        X, step_features = self._check_X(X)
        if len(y) != X.shape[0]:
            raise ValueError(
                f"X and y have inconsistent numbers of samples: {X.shape[0]} rows in "
                f"X, {len(y)} targets in y."
            )
        target = self._target_fitted() if continuing else self._target_fit(y, classes)
        self._target_check_against(y, target, "y", continuing)
        sample_weight = _check_sample_weight(sample_weight, len(y))
        if continuing:
            self._check_continuation()
            self._check_input_kind(step_features, "X")
            vocab_size, architecture = self.vocab_size_, self.architecture_
            X = map_oov(X, vocab_size)
        else:
            architecture = self._resolve_architecture(step_features)
            if step_features:
                embeddings, vocab_size = None, None
            else:
                embeddings = self._check_embeddings()
                vocab_size = self._fit_vocab_size(X, embeddings)
        self._check_width(X)
        if validation_data is not None:
            validation_data = self._check_validation_data(validation_data, target,
                                                          vocab_size, step_features)
        callbacks = self._make_callbacks()
        seed = seed_from_random_state(self.random_state)
        early_stopping = self.early_stopping and train and not incremental
        fraction = self._held_out_fraction(early_stopping)
        X, y, weights = _weighted_rows(X, self._target_encode(y, target),
                                       self._target_row_weights(y, sample_weight, target))
        if validation_data is None and fraction:
            (X, y, weights), validation_data = self._split_validation(
                X, y, weights, fraction, seed, target)
        history = {k: list(v) for k, v in self.history_.items()} if continuing else {}
        stopper = None
        prior = None
        # the standardisation of numeric steps: from the training rows' real
        # steps only (never the held-out part, never padding)
        statistics = step_statistics(X) if step_features and not continuing else None
        if not continuing and architecture["linear_ngrams"] and architecture["ngram_prior"]:
            # from the rows the model trains on: never the held-out part
            prior = ngram_log_count_ratios(
                X, self._target_indicator(y, target), weights, vocab_size=vocab_size,
                order=architecture["linear_ngrams"], buckets=architecture["ngram_buckets"])

        before = _Snapshot(self, with_model=continuing)
        try:
            with seeded(seed):
                if continuing:
                    model = self.model_
                    self._recompile_if_optimizer_changed(model, target)
                else:
                    model = build_model(vocab_size=vocab_size,
                                        n_outputs=self._model_outputs(target),
                                        output_activation=self._output_activation(target),
                                        **architecture)
                    if statistics is not None:
                        model.get_layer("numeric_steps").set_statistics(*statistics)
                    else:
                        layer = model.get_layer("embedding")
                        if embeddings is not None:
                            layer.set_weights([embeddings])
                        layer.trainable = self.trainable_embeddings
                    if prior is not None:
                        model.get_layer("linear_ngrams").set_prior(prior)
                    self._compile(model, target)
                if train:
                    epochs = 1 if incremental else self.epochs
                    new, stopper = self._train_model(
                        model, architecture, X, y, weights, validation_data,
                        callbacks=callbacks, seed=seed, epochs=epochs,
                        initial_epoch=len(history.get("loss", ())) if incremental else 0,
                        target=target, early_stopping=early_stopping)
                    for key, values in new.items():
                        history.setdefault(key, []).extend(float(v) for v in values)
            predictor = compile_predictor(model, architecture, vocab_size)
            if continuing:
                n_features_in = self.n_features_in_
            else:
                self._forget_fit()
                n_features_in = X.shape[1]
            self._keep(model, target, vocab_size, architecture, history, n_features_in,
                       predictor,
                       validation_scores=None if stopper is None else stopper.scores)
        except BaseException:
            before.restore(self)
            raise
        return self

    # -- validation (each input checked once, before anything changes)
    def _check_routed_params(self):
        # vars, not get_params: a misspelt name is not a parameter at all
        # (**routed_params takes any keyword; its names are checked here)
        names = set(inspect.signature(type(self).__init__).parameters)
        for key in vars(self):
            if key.startswith("_") or key.endswith("_") or key in names:
                continue
            if "__" not in key:
                raise TypeError(f"{type(self).__name__} got an unexpected parameter "
                                f"{key!r}.")
            if key.split("__")[0] not in _ROUTABLE:
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

    def _check_X(self, X):
        """X checked as padded ids (2-D) or numeric steps (3-D), and its features.

        Returns the array and its features per step (0 for ids).
        """
        owner = type(self).__name__
        steps = False
        if not isinstance(X, (str, bytes)) and not hasattr(X, "toarray"):
            try:
                X = np.asarray(X)  # once: the checks below take the array
                steps = X.ndim == 3
            except ValueError:  # ragged
                if is_numeric_rows(X):
                    raise ValueError(f"{owner} got numeric sequences of different "
                                     "lengths; pad them with Padder first (NaN padding "
                                     "steps are its mask).") from None
            # (otherwise the id check names the problem)
        if steps:
            X = check_step_matrix(X, owner=owner)
            return X, X.shape[2]
        return check_id_matrix(X, owner=owner), 0

    def _check_input_kind(self, step_features, name):
        """Refuse ids for a model of numeric steps, and the other way round."""
        fitted = self.architecture_.get("step_features", 0)
        if fitted == step_features:
            return
        if not fitted:
            raise ValueError(f"{name} holds numeric steps of {step_features} features, "
                             "but the model was fitted on token ids (a 2-D array).")
        if not step_features:
            raise ValueError(f"{name} holds token ids (a 2-D array), but the model was "
                             f"fitted on numeric steps of {fitted} features (a 3-D array "
                             "of shape (n_samples, time steps, features)).")
        raise ValueError(f"{name} has {step_features} features per step, but the model "
                         f"was fitted with {fitted}.")

    def _resolve_architecture(self, step_features):
        """The architecture to build: parameters with 'auto' resolved, checked."""
        architecture = {name: getattr(self, name) for name in ARCHITECTURE_PARAMS}
        if architecture["linear_ngrams"] == "auto":
            architecture["linear_ngrams"] = 0 if step_features else _AUTO_LINEAR_NGRAMS
        if step_features:
            wrong = [f"{name}={getattr(self, name)!r:.40}" for name, neutral in
                     _ID_ONLY.items() if getattr(self, name) is not neutral]
            if architecture["linear_ngrams"]:
                wrong.append(f"linear_ngrams={self.linear_ngrams!r}")
            if wrong:
                raise ValueError(
                    f"X holds numeric steps, but {', '.join(wrong)} only apply to "
                    "token ids (a vocabulary, word vectors, an n-gram head); leave "
                    "vocab_size=None, embeddings=None, trainable_embeddings=True and "
                    "linear_ngrams='auto' (or 0) for numeric sequences.")
        architecture["step_features"] = step_features
        return architecture

    def _check_validation_data(self, validation_data, target, vocab_size, step_features):
        X_val, y_val = validation_data
        X_val, val_features = self._check_X(X_val)
        if val_features != step_features:
            raise ValueError(f"validation_data's X_val has {val_features} features per "
                             f"step but X has {step_features} (0: token ids).")
        y_val = self._target_check(y_val)
        self._target_check_against(y_val, target, "y_val", True)
        if len(y_val) != X_val.shape[0]:
            raise ValueError(
                f"validation_data has {X_val.shape[0]} rows in X_val but {len(y_val)} "
                "targets in y_val."
            )
        return map_oov(X_val, vocab_size), self._target_encode(y_val, target)

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
        step_features = self.architecture_.get("step_features", 0)
        changed = [name for name in ARCHITECTURE_PARAMS
                   if getattr(self, name) != self.architecture_[name]
                   and not (name == "linear_ngrams" and self.linear_ngrams == "auto" and
                            self.architecture_[name] == (0 if step_features else
                                                         _AUTO_LINEAR_NGRAMS))]
        if self.vocab_size is not None and self.vocab_size != self.vocab_size_:
            changed.append("vocab_size")
        if changed:
            raise ValueError(
                f"{', '.join(changed)} changed since the model was built; a "
                "warm_start or partial_fit continuation keeps the model, so these "
                "cannot change. Set warm_start=False (or clone the estimator) to "
                "build a new model."
            )

    def _split_validation(self, X, y, weights, fraction, seed, target):
        """A shuffled validation part, stratified where the target allows."""
        indices = np.arange(len(X))
        strata = self._target_strata(y, target)
        try:
            train_idx, val_idx = train_test_split(indices, test_size=fraction,
                                                  stratify=strata, random_state=seed)
        except ValueError:
            warnings.warn(
                "A class has too few members for a stratified validation split; "
                "using a plain shuffled split.", UserWarning, stacklevel=5,
            )
            train_idx, val_idx = train_test_split(indices, test_size=fraction,
                                                  random_state=seed)
        train_idx, val_idx = self._target_mend_split(y, train_idx, val_idx, target)
        train_idx.sort()
        train_weights = None if weights is None else weights[train_idx]
        return (X[train_idx], y[train_idx], train_weights), (X[val_idx], y[val_idx])

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

    def _compile(self, model, target):
        model.compile(optimizer=self._make_optimizer(), loss=self._loss(target),
                      metrics=self._metrics())

    def _recompile_if_optimizer_changed(self, model, target):
        """Continuation: a changed optimizer or optimizer__* setting recompiles.

        The weights are kept; the new optimizer starts from a fresh state.
        """
        fresh = self._make_optimizer()
        current = model.optimizer

        def comparable(optimizer):
            return {k: v for k, v in optimizer.get_config().items() if k != "name"}

        if type(fresh) is not type(current) or comparable(fresh) != comparable(current):
            self._compile(model, target)

    # -- training
    def _train_model(self, model, architecture, X, y, weights, validation_data, *,
                     callbacks, seed, epochs, initial_epoch, target, early_stopping):
        """Run Keras' fit; return its per-epoch history and the early stopper.

        Raises on divergence. With ``early_stopping`` the model is left with
        the best epoch's weights; the stopper (else None) holds the scores.
        """
        guard = _StopOnNonFiniteLoss()
        y_val = None if validation_data is None else validation_data[1]
        if architecture["mask_padding"]:
            # padding is invisible to the model: train on length-bucketed
            # batches cut to their own width instead of computing it
            multiple = width_multiple(architecture)
            X, lengths = left_align_for(X, architecture)
            data = dict(x=make_dataset(X, y, weights, lengths, self.batch_size,
                                       seed=seed, shuffle=True, multiple_of=multiple),
                        shuffle=False)  # the dataset shuffles itself
            if validation_data is not None:
                X_val, val_lengths = left_align_for(validation_data[0], architecture)
                # Read shortest first: no score depends on the rows' order, and
                # in input order nearly every batch would hold a text as long
                # as the longest (and be cut at that width).
                order = np.argsort(val_lengths, kind="stable")
                y_val = validation_data[1][order]
                validation_data = make_dataset(X_val[order], y_val, None, val_lengths[order],
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
                return model.predict(val_x, verbose=0, **batching)

            stopper = BestEpoch(self._target_scorer(predict_validation, y_val, target),
                                self.n_iter_no_change, self.tol)
            callbacks = callbacks + [stopper]
        build_training_state(model, X[:1], y[:1], None if weights is None else weights[:1])
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
        chance = self._target_chance_loss(y, target)
        if chance:
            chance *= 1.0 if weights is None else max(float(np.mean(weights)), 1e-12)
        if chance and losses and losses[-1] > _DID_NOT_LEARN_FACTOR * chance:
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

    def _keep(self, model, target, vocab_size, architecture, history, n_features_in,
              predictor, *, validation_scores=None):
        """Set the fitted attributes (the last step of a fit or a load)."""
        self.model_ = model
        self._target_keep(target)
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
    # prediction: the model's outputs; subclasses turn them into targets
    def _raw_outputs(self, X):
        """The model's float32 outputs for padded ids, checked to be finite."""
        if not self.initialized_:
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' "
                "with appropriate arguments before using this estimator."
            )
        X, step_features = self._check_X(X)
        self._check_input_kind(step_features, "X")
        architecture = self.architecture_  # fit-time settings, whatever set_params did
        if architecture["conv_filters"] and not architecture["mask_padding"] \
                and X.shape[1] < architecture["pool_size"]:
            raise ValueError(
                f"X has {X.shape[1]} time steps, fewer than the model's pool_size="
                f"{architecture['pool_size']}; pad it to at least that width."
            )
        raw = self._predict_fn(map_oov(X, self.vocab_size_))
        bad = np.flatnonzero(~np.isfinite(raw).all(axis=1))
        if bad.size:
            raise FloatingPointError(
                f"{type(self).__name__} computed NaN or infinite outputs for "
                f"{bad.size} of {len(raw)} rows (first: row {bad[0]}); the model's "
                "weights are not finite or overflow. No predictions are returned.")
        return raw

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
        return {**self._target_to_saved(),
                "vocab_size_": self.vocab_size_,
                "n_features_in_": self.n_features_in_,
                "architecture_": self.architecture_,
                "history_": self.history_,
                "validation_scores_": self.validation_scores_}

    @classmethod
    def _from_saved_state(cls, params, state, context):
        """Rebuild a fitted estimator from a file's checked state.

        The model is built by skseq's ``build_model`` from the checked
        architecture; only its weights come from the file.
        """
        owner = cls.__name__
        embeddings_in_weights = isinstance(params, dict) and \
            params.get("embeddings") == EMBEDDINGS_IN_WEIGHTS
        if embeddings_in_weights:
            params = {**params, "embeddings": None}  # read back from the weights
        if isinstance(params, dict) and \
                context["format_version"] < _FIRST_VERSION_WITH_0_2_DEFAULTS:
            params = {**_DEFAULTS_BEFORE_0_2, **params}
        est = params_from_file(cls, params, routed_prefixes=("optimizer",))
        if not (isinstance(est.optimizer, str) and est.optimizer in _BUILTIN_OPTIMIZERS):
            raise UnsafeModelFileError(f"{owner}: optimizer must be one of "
                                       f"{', '.join(_BUILTIN_OPTIMIZERS)}")
        for key, value in params.items():
            if key.startswith("optimizer__") and not (
                    value is None or isinstance(value, (int, float))):
                raise UnsafeModelFileError(f"{owner}: {key} must be a number")
        if params.get("callbacks") is not None:
            raise UnsafeModelFileError(f"{owner}: saved callbacks must be null")
        target = cls._target_from_saved(state, context, owner=owner)
        n_features_in = check_int(field(state, "n_features_in_", int, owner=owner),
                                  "n_features_in_", 1, 2**31 - 1, owner=owner)
        architecture = field(state, "architecture_", dict, owner=owner)
        # an older file predates some settings; its model had their defaults
        architecture = {**{k: default for k, (added, default) in _ADDED_ARCHITECTURE.items()
                           if context["format_version"] < added}, **architecture}
        names = (*ARCHITECTURE_PARAMS, "step_features")
        if set(architecture) != set(names):
            raise UnsafeModelFileError(f"{owner}: architecture_ must give exactly "
                                       f"{', '.join(names)}")
        # same types and ranges as parameters
        params_from_file(cls, {k: v for k, v in architecture.items()
                               if k != "step_features"})
        for name, high in _MAX_LOADED.items():
            check_int(architecture[name], f"architecture_ {name}", 0, high, owner=owner)
        if architecture["step_features"]:
            if architecture["linear_ngrams"]:
                raise UnsafeModelFileError(f"{owner}: a model of numeric steps has no "
                                           "n-gram head")
            if state.get("vocab_size_") is not None:
                raise UnsafeModelFileError(f"{owner}: a model of numeric steps has "
                                           "vocab_size_ null")
            vocab_size = None
        else:
            vocab_size = check_int(field(state, "vocab_size_", int, owner=owner),
                                   "vocab_size_", OOV_INDEX + 1, 2**31 - 1, owner=owner)
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
        n_outputs = est._model_outputs(target)
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
        layout, shapes = weights_layout(architecture, n_outputs, vocab_size,
                                        est.trainable_embeddings, n_weights)
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
        model = build_model(vocab_size=vocab_size, n_outputs=n_outputs,
                            output_activation=est._output_activation(target),
                            **architecture)
        if not architecture["step_features"]:
            model.get_layer("embedding").trainable = est.trainable_embeddings
        try:
            est._compile(model, target)
        except (TypeError, ValueError) as exc:
            raise UnsafeModelFileError(f"{owner}: invalid optimizer settings: "
                                       f"{exc}") from None
        model.set_weights(arrays)
        if embeddings_in_weights:
            est.embeddings = model.get_layer("embedding").get_weights()[0]
        est._keep(model, target, vocab_size, architecture, history, n_features_in,
                  compile_predictor(model, architecture, vocab_size),
                  validation_scores=validation_scores)
        return est

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
            self._predict_fn = compile_predictor(self.model_, self.architecture_,
                                                 self.vocab_size_)

    # ------------------------------------------------------------------
    # explanations (skseq.inspection): the values explained, per target
    def _explained_targets(self):
        """The names of the explained output columns (``target`` values)."""
        return np.arange(self.n_outputs_)

    def _explained_outputs(self, X):
        """Per row, the explained values: one column per explained target."""
        raise NotImplementedError

    def _default_explained_column(self, outputs):
        """The column explained when no target is given (a regressor's first)."""
        return 0

    def _output_affine(self):
        """(scale, offset) per explained column: value = model output * scale + offset."""
        n = len(self._explained_targets())
        return np.ones(n), np.zeros(n)

    # ------------------------------------------------------------------
    # target hooks (the defaults suit any target; subclasses override)
    def _metrics(self):
        return []

    def _target_indicator(self, y, target):
        """0/1 membership of each row in each output's class (for ngram_prior)."""
        raise ValueError(
            f"ngram_prior={self.ngram_prior!r} weighs each n-gram by how well it tells "
            f"classes apart, so it needs class labels; {type(self).__name__} takes "
            "ngram_prior=None.")

    def _target_strata(self, y, target):
        """Labels to stratify the validation split by (None: plain shuffle)."""
        return None

    def _target_mend_split(self, y, train_idx, val_idx, target):
        """Adjust a validation split so that it can be scored (default: as is)."""
        return train_idx, val_idx


def step_statistics(X):
    """Per-feature mean and scale of the real (non-NaN) steps of padded X.

    A constant feature gets scale 1 (as ``StandardScaler``).
    """
    steps = X[~np.isnan(X[:, :, 0])].astype(np.float64)
    mean = steps.mean(axis=0)
    scale = steps.std(axis=0)
    scale[scale < 10 * np.finfo(np.float64).eps * np.maximum(np.abs(mean), 1.0)] = 1.0
    return mean.astype(np.float32), scale.astype(np.float32)


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
        self.metrics = estimator._metrics()
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
                                   metrics=self.metrics)
            saved = zip(self.optimizer.variables, self.optimizer_values, strict=True)
            for variable, value in saved:
                variable.assign(value)
