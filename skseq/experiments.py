"""The source documents' models as ready-made skseq pipelines.

Two source documents started skseq: a chapter of an R keras book (four
models, ``num_words=500``, ``maxlen=200``) and a Python Keras blog post (four
models, ``num_words=5000``, ``maxlen=500``), both on IMDB sentiment. Each
model is described once here, with the numbers the documents published and
the plain-Keras reference numbers on skseq's protocol split (the one
:func:`skseq.datasets.load_imdb` gives), so the command line, the examples and the
benchmarks all run the same definitions. They are called *reference
models* (``seed`` means a random seed everywhere else in skseq).
"""

import warnings
from dataclasses import dataclass, field

__all__ = ["ReferenceModel", "REFERENCE_MODELS", "EXPERIMENTS", "DEFAULT_MODEL",
           "SEED_ARCHITECTURE"]


@dataclass(frozen=True)
class ReferenceModel:
    """One model of a source document, as a skseq pipeline recipe.

    Parameters
    ----------
    key : str
        Short name (``'R1'`` ... ``'M4'``).
    description : str
        What the model is.
    num_words : int or None
        ``IntegerSequencer(num_words=...)``; None keeps every word.
    maxlen : int or None
        ``Padder(maxlen=...)``; truncation keeps the end of a review, as in
        the source documents. None pads to the longest training text.
    classifier_params : dict
        Arguments of :class:`~skseq.LSTMSequenceClassifier`.
    published_accuracy : float or None
        Test accuracy the document reports (25,000 / 25,000 split).
    reference : dict
        Plain Keras on skseq's protocol split (12,500 / 12,500):
        ``accuracy``, ``specificity``, ``sensitivity``, ``loss``.
    parameter_count : int or None
        Trainable parameters the document prints.
    padding : {'pre', 'post'}, default='pre'
        ``Padder(padding=...)``: ``'pre'`` as the source documents' unmasked
        models read it, ``'post'`` for masked models (the layout they read,
        so no row is moved; predictions are the same either way).

    See Also
    --------
    REFERENCE_MODELS : The eight reference models by key.

    Examples
    --------
    >>> from skseq.experiments import REFERENCE_MODELS
    >>> m4 = REFERENCE_MODELS["M4"]
    >>> m4.num_words, m4.maxlen, m4.classifier_params["conv_filters"]
    (5000, 500, 32)
    """

    key: str
    description: str
    num_words: int
    maxlen: int
    classifier_params: dict = field(default_factory=dict)
    published_accuracy: float = None
    reference: dict = field(default_factory=dict)
    parameter_count: int = None
    padding: str = "pre"

    def make_pipeline(self, **classifier_overrides):
        """Build the unfitted pipeline ``IntegerSequencer -> Padder -> classifier``.

        Parameters
        ----------
        **classifier_overrides : dict
            Replace classifier arguments (e.g. ``epochs=1``, ``verbose=2``).

        Returns
        -------
        pipeline : sklearn.pipeline.Pipeline
            Steps ``sequencer``, ``padder``, ``classifier``.

        Examples
        --------
        >>> from skseq.experiments import REFERENCE_MODELS
        >>> pipe = REFERENCE_MODELS["R1"].make_pipeline(epochs=1)
        >>> pipe.named_steps["classifier"].optimizer
        'rmsprop'
        """
        # imported here: the command line reads these recipes for --help
        from sklearn.pipeline import Pipeline

        from ._tensorflow import import_tensorflow_quietly

        import_tensorflow_quietly()
        from ._classifier import LSTMSequenceClassifier
        from ._padding import Padder
        from ._sequencer import IntegerSequencer

        params = {**self.classifier_params, **classifier_overrides}
        return Pipeline([
            ("sequencer", IntegerSequencer(num_words=self.num_words)),
            ("padder", Padder(maxlen=self.maxlen, padding=self.padding)),
            ("classifier", LSTMSequenceClassifier(**params)),
        ])


def _ref(accuracy, specificity, sensitivity, loss):
    return {"accuracy": accuracy, "specificity": specificity,
            "sensitivity": sensitivity, "loss": loss}


#: What the source documents' models share beyond their own settings: no
#: convolution, no n-gram head, the last recurrent state, no embedding
#: dropout, a fixed number of epochs (the classifier's defaults before
#: 0.2). The reference models pin them, so the reproductions do not follow
#: the classifier's defaults; tests build these small models for speed.
SEED_ARCHITECTURE = dict(conv_filters=0, pooling="last", linear_ngrams=0,
                         embedding_dropout=0.0, early_stopping=False)

# the documents mask nothing: mask_padding=False reproduces them as written
_R_BOOK = dict(SEED_ARCHITECTURE, embedding_dim=32, units=32, epochs=10, batch_size=128,
               validation_fraction=0.2, mask_padding=False)
_BLOG = dict(SEED_ARCHITECTURE, embedding_dim=32, units=100, epochs=3, batch_size=64,
             optimizer="adam", mask_padding=False)

REFERENCE_MODELS = {
    model.key: model
    for model in [
        ReferenceModel("R1", "R book model 1: LSTM(32), rmsprop", 500, 200,
                  dict(_R_BOOK, optimizer="rmsprop"), 0.819,
                  _ref(0.766, 0.606, 0.927, 0.485), 24_353),
        ReferenceModel("R2", "R book model 2: LSTM(32), adam", 500, 200,
                  dict(_R_BOOK, optimizer="adam"), 0.829,
                  _ref(0.777, 0.669, 0.885, 0.461), 24_353),
        ReferenceModel("R3", "R book model 3: two stacked LSTM(32), adam", 500, 200,
                  dict(_R_BOOK, optimizer="adam", n_layers=2), 0.837,
                  _ref(0.791, 0.684, 0.898, 0.445), 32_673),
        ReferenceModel("R4", "R book model 4: bidirectional LSTM(32), adam", 500, 200,
                  dict(_R_BOOK, optimizer="adam", bidirectional=True), 0.834,
                  _ref(0.796, 0.740, 0.852, 0.438), 32_705),
        ReferenceModel("M1", "blog model 1: LSTM(100)", 5000, 500, dict(_BLOG),
                  0.8679, _ref(0.863, 0.882, 0.843, 0.346), 213_301),
        ReferenceModel("M2", "blog model 2: Dropout(0.2) layers around LSTM(100)", 5000,
                  500, dict(_BLOG, dropout=0.2), 0.8556,
                  _ref(0.843, 0.931, 0.754, 0.409), 213_301),
        ReferenceModel("M3", "blog model 3: LSTM(100, dropout=0.2, recurrent_dropout=0.2)",
                  5000, 500, dict(_BLOG, recurrent_dropout=0.2), 0.8282,
                  _ref(0.840, 0.775, 0.905, 0.378), 213_301),
        ReferenceModel("M4", "blog model 4: Conv1D(32, 3) + MaxPooling1D(2) + LSTM(100)",
                  5000, 500, dict(_BLOG, conv_filters=32), 0.8636,
                  _ref(0.871, 0.899, 0.842, 0.337), 216_405),
    ]
}

#: skseq's default model for ``python -m skseq``: the bare pipeline,
#: ``IntegerSequencer()`` -> ``Padder()`` -> ``LSTMSequenceClassifier()``,
#: whose defaults are the measured best (the results page): every word, no
#: truncation, blog model 4's layout (masked Conv1D + MaxPooling1D +
#: LSTM(100)) with max + mean pooling, whole word vectors dropped at rate
#: 0.2, a linear model over the words and word pairs with naive Bayes step
#: sizes added to the LSTM's output (wide and deep), and early stopping on
#: a 10% stratified validation part (at most 10 epochs, patience 2, best
#: epoch kept).
DEFAULT_MODEL = ReferenceModel(
    "default", "skseq default: masked Conv1D(32, 3) + MaxPooling1D(2) + LSTM(100), "
               "max+mean pooling, plus linear word and word-pair terms with naive "
               "Bayes step sizes, early stopping",
    None, None, {},
)

#: Experiment name -> model keys, as the command line's ``--experiment``.
EXPERIMENTS = {
    "default": ["default"],
    "r-book": ["R1", "R2", "R3", "R4"],
    "blog": ["M1", "M2", "M3", "M4"],
}

_RENAMED = {"SeedModel": "ReferenceModel", "SEED_MODELS": "REFERENCE_MODELS"}


def __getattr__(name):
    # Deprecated in 0.2, to be removed in 0.4.
    if name in _RENAMED:
        warnings.warn(f"skseq.experiments.{name} was renamed {_RENAMED[name]} in 0.2 "
                      "and will be removed in 0.4.", FutureWarning, stacklevel=2)
        return globals()[_RENAMED[name]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
