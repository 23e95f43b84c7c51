"""skseq: Keras recurrent text classifiers as scikit-learn estimators.

Importing skseq has no side effects: it seeds nothing, sets no environment
variable and changes no log level.
"""

from ._classifier import LSTMSequenceClassifier, TrainingDivergedError
from ._padding import Padder
from ._persistence import load, save
from ._schema import UnsafeModelFileError
from ._sequencer import OOV_INDEX, PAD_INDEX, SAFE_TOKEN_PATTERNS, IntegerSequencer

__version__ = "0.1.0"

__all__ = [
    "IntegerSequencer",
    "Padder",
    "LSTMSequenceClassifier",
    "TrainingDivergedError",
    "save",
    "load",
    "UnsafeModelFileError",
    "PAD_INDEX",
    "OOV_INDEX",
    "SAFE_TOKEN_PATTERNS",
    "__version__",
]
