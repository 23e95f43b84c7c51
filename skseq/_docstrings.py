"""Docstring parts the estimators of the family share, written once.

``LSTMSequenceClassifier`` and ``LSTMSequenceRegressor`` take the same
architecture and training parameters; their docstrings name the shared
parts as ``%(name)s`` and :func:`fill_doc` fills them in at import.
"""

__all__ = ["DOCS", "fill_doc"]

#: Docstring parts shared by the estimators, filled in by :func:`fill_doc`.
DOCS = {
    "architecture_parameters": """\
    embedding_dim : int, default=32
        Size of the word vectors; for numeric sequences, the width of the
        learned ``Dense`` projection of each standardised step that takes
        the embedding's place.
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
    embedding_dropout : float in [0, 1), default=0.2
        Rate of ``SpatialDropout1D`` after the embedding: drops whole word
        vectors (every feature of a token at once) during training; for
        numeric sequences, whole channels of the step projection.
        *Changed in 0.2*: the default was 0.0.
    recurrent_dropout : float in [0, 1), default=0.0
        Dropout inside each recurrent layer, on its inputs and its recurrent
        state. Non-zero values disable the fused cuDNN kernel on GPUs.
    conv_filters : int, default=32
        If positive, a ``Conv1D(conv_filters, conv_kernel_size,
        padding='same', activation='relu')`` and ``MaxPooling1D(pool_size)``
        block runs before the recurrent layers; 0 leaves it out.
        *Changed in 0.2*: the default was 0.
    conv_kernel_size : int, default=3
        Width of the convolution.
    pool_size : int, default=2
        Width of the max pooling after the convolution.
    pooling : {'last', 'max', 'mean', 'max_mean', 'attention'}, \
default='max_mean'
        How the last recurrent layer's outputs become one vector: its final
        state (``'last'``), the maximum or mean over the time steps,
        both concatenated (``'max_mean'``), or an attention-weighted average
        (one learned score per step, softmax over the steps). With
        ``mask_padding`` padding never enters a maximum, a mean or an
        attention weight. *Changed in 0.2*: the default was ``'last'``.
    linear_ngrams : {0, 1, 2, 3, 4, 5} or 'auto', default='auto'
        ``'auto'``: 2 for token ids, 0 for numeric sequences (which have no
        n-grams; other values are refused for them). Add a linear model
        over the sequence's bag of n-grams to the network's output logits
        (wide and deep): 1 scores every token, 2 also every pair of
        adjacent tokens (hashed into ``ngram_buckets`` rows), 3 also every
        run of three (hashed into the same rows), 4 and 5 runs of four and
        five (character n-grams, ``IntegerSequencer(analyzer="char")``). Each n-gram has a learned
        weight per output, starting at 0; a sequence's weights are summed
        and divided by the square root of its length.
        The padding id 0 never counts, so the result does not depend on
        padding. Trained jointly with the network, at 40 times its step
        size (with Adam), each n-gram scaled by ``ngram_prior``; see the
        user guide. 0 (none) keeps the source documents' models.
        *Changed in 0.2*: the default was 0 (2 in development versions of
        0.2, which ``'auto'`` is for token ids).
    ngram_buckets : int, default=2**20
        Rows of the hashed weights with ``linear_ngrams`` 2 or 3: the pair
        of ids ``(a, b)`` uses row ``r = (a * vocab_size_ + b) %
        ngram_buckets``, the triple ``(a, b, c)`` row ``(r * vocab_size_ +
        c) % ngram_buckets``.
    vocab_size : int or None, default=None
        Embedding ``input_dim``. ``None`` infers it at fit as the largest id
        in ``X`` plus one (or takes it from ``embeddings``). Ids at or above
        it at predict time are read as the out-of-vocabulary id 1. Token
        ids only: numeric sequences refuse a set value.
    embeddings : array-like of shape (vocab_size, embedding_dim) or None, \
default=None
        Initial word vectors, row ``i`` for token id ``i`` (e.g.
        :func:`skseq.embeddings.load_word_vectors`); ``None`` starts from
        random vectors. It sets the vocabulary size; ``embedding_dim`` must
        equal its width. Stored once, in the model's weights: a model loaded
        from a ``.skseq`` file gets its embedding weights back as this
        parameter (the original vectors when they were frozen). Token ids
        only: numeric sequences refuse it.
    trainable_embeddings : bool, default=True
        Train the embedding (fine-tune ``embeddings``) or keep it frozen.
        Token ids only, like ``embeddings`` (numeric sequences refuse
        ``False``).
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
    epochs : int, default=10
        Passes over the training data (the maximum, with
        ``early_stopping``). *Changed in 0.2*: the default was 3.
    batch_size : int, default=64
        Training batch size.
    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the training data (or use
        ``validation_data``), score the model on it after every epoch, stop
        once ``n_iter_no_change`` epochs in a row have not improved the best
        score by more than ``tol``, and keep the best epoch's weights (also
        when ``epochs`` runs out first). ``partial_fit`` never stops early.
        ``False`` trains for ``epochs`` on all the data.
        *Changed in 0.2*: the default was False.
    validation_fraction : float in (0, 1) or None, default=None
        Fraction of the training data held out as validation data: a
        shuffled sample (deterministic under ``random_state``), not the
        last rows as in Keras; a classifier's is stratified by class, and a
        multi-label one keeps every label in both parts. Its loss (and a
        classifier's accuracy) are recorded in ``history_``. ``None`` holds
        out 0.1 with ``early_stopping`` and nothing otherwise. Ignored when
        ``validation_data`` is passed.
    n_iter_no_change : int, default=2
        Epochs without improvement before early stopping stops.
    tol : float, default=1e-4
        Improvement of the validation score smaller than this counts as
        none.""",
    "partial_fit": """Train the current model (or a new one) for a single epoch.

        ``early_stopping`` does not apply: each call trains one epoch and
        keeps its weights (nothing is held out unless ``validation_fraction``
        is set).""",
    "X_partial_fit": """\
        X : array-like of shape (n_samples, n_timesteps) or \
(n_samples, n_timesteps, n_features)
            Padded token ids, or padded numeric steps, as the model was
            fitted on.""",
    "X_predict": """\
        X : array-like of shape (n_samples, n_timesteps) or \
(n_samples, n_timesteps, n_features)
            Padded token ids, padding on either side; or, for a model fitted
            on numeric sequences, NaN-padded numeric steps
            (:class:`~skseq.Padder`'s output).""",
    "run_parameters": """\
    validation_split : float in [0, 1)
        Deprecated in 0.2, removed in 0.4: use ``validation_fraction``.
    callbacks : list of keras.callbacks.Callback or None, default=None
        Keras callbacks for training, e.g. ``ModelCheckpoint``. For early
        stopping prefer ``early_stopping``: Keras' ``EarlyStopping`` does not
        restore the best weights when ``epochs`` runs out first.
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
        in scikeras.""",
    "attributes": """\
    model_ : keras.Model
        The fitted Keras model.
    history_ : dict of str to list of float
        Loss (and a classifier's accuracy) per epoch run (``val_``-prefixed
        with validation data), including epochs after the best one with
        ``early_stopping``.
    n_iter_ : int
        Epochs the model has been trained, over all ``fit`` (with
        ``warm_start``) and ``partial_fit`` calls that continued it.
    validation_scores_ : list of float or None
        With ``early_stopping``, the validation score (``scoring``; the
        negative loss for ``'loss'``) after each epoch of the last ``fit``;
        otherwise None.
    best_validation_score_ : float or None
        The best of ``validation_scores_``: the score of the weights kept.
    n_outputs_ : int
        Number of targets: 1 for one label or one value per row, the
        number of labels (multi-label) or of columns of ``y`` (regression).
    vocab_size_ : int or None
        Embedding input dimension used; ``None`` for numeric sequences.
    architecture_ : dict
        The architecture settings (``embedding_dim``, ``units``,
        ``layer_type``, ``bidirectional``, ``n_layers``, ``dropout``,
        ``embedding_dropout``, ``recurrent_dropout``, ``conv_filters``,
        ``conv_kernel_size``, ``pool_size``, ``pooling``, ``mask_padding``,
        ``linear_ngrams`` (``'auto'`` resolved), ``ngram_buckets``,
        ``ngram_prior``) the model was built with, and ``step_features``:
        the features per step of numeric sequences (0 for token ids); they
        govern prediction until the next fit, whatever ``set_params`` does.
    n_features_in_ : int
        Width of ``X`` (time steps) at fit (the model accepts any width
        later).""",
    "notes": """\
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

    Numeric sequences: ``X`` of shape ``(n_samples, n_timesteps,
    n_features)``, as :class:`~skseq.Padder` makes from rows of shape
    ``(t_i, n_features)``, padding steps all NaN (every other value
    finite). The model standardises each feature with the mean and
    standard deviation of the real training steps (padding and the
    early-stopping rows excluded; stored in the model, so a pipeline needs
    no scaler), projects each step to ``embedding_dim`` features and goes
    on as for token ids: convolution, recurrent layers, pooling. The
    padding mask is exact (a real step of zeros is a real step), so with
    ``mask_padding`` the predictions do not depend on the padding side or
    width (tested to 1e-6, measured identical).""",
}


def fill_doc(cls):
    """Fill the shared parts into a class's docstring and its methods'.

    Each ``%(name)s`` is replaced by ``DOCS[name]``.

    Parameters
    ----------
    cls : type
        A class whose docstrings name shared parts.

    Returns
    -------
    cls : type
        The same class.
    """
    def filled(doc):
        for name, text in DOCS.items():
            doc = doc.replace(f"%({name})s", text)
        return doc

    cls.__doc__ = filled(cls.__doc__)
    for member in vars(cls).values():
        if callable(member) and member.__doc__ and "%(" in member.__doc__:
            member.__doc__ = filled(member.__doc__)
    return cls
