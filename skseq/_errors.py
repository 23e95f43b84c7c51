"""skseq's exceptions (importable without TensorFlow)."""

__all__ = ["UnsafeModelFileError", "TrainingDivergedError"]


class UnsafeModelFileError(ValueError):
    """The file is not a valid skseq model archive, or it is unsafe to load.

    Raised by :func:`skseq.load` for every kind of bad file: not an archive,
    truncated, altered, over a size or nesting limit, naming anything outside
    skseq's allow-list, or holding fitted state that is inconsistent.
    """


class TrainingDivergedError(FloatingPointError):
    """Raised when training diverges or does not learn.

    That is: the loss or a weight becomes NaN or infinite, or the last
    epoch's training loss ends far above the chance-level loss. The
    estimator is left as it was before the failed fit.
    """
