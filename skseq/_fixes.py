"""Version shims and workarounds, each with a note on when it can go.

Everything skseq does to compensate for its dependencies lives here, so that
the rest of the package reads as if the dependencies were perfect.
"""

# scikit-learn's declarative parameter validation is private API, but stable
# since 1.2 and used across scikit-learn-contrib (imbalanced-learn does the
# same). Drop the shim if scikit-learn ever makes it public.
from sklearn.utils._param_validation import (  # noqa: F401
    Interval,
    Options,
    StrOptions,
)

__all__ = ["Interval", "Options", "StrOptions"]
