"""Print pip constraints pinning each runtime dependency to its lower bound.

CI installs skseq with these constraints and runs a fast subset of the tests,
so the lower bounds declared in pyproject.toml stay true. Read from
pyproject.toml itself, so the pins cannot drift from what we declare. A
dependency without a lower bound (``>=`` or ``==``) is an error: we could
not say which oldest release we support.
"""

import re
import sys
from pathlib import Path

import tomllib

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*)$")


def lower_bound(requirement):
    """Return ``name==version`` for a requirement's lower bound."""
    name, _, specifiers = _REQUIREMENT.match(requirement.split(";")[0]).groups()
    for spec in specifiers.split(","):
        spec = spec.strip()
        for operator in ("==", ">="):
            if spec.startswith(operator):
                return f"{name}=={spec[len(operator):].strip()}"
    raise SystemExit(f"{requirement!r} in pyproject.toml declares no lower bound")


def main():
    pyproject = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())
    for requirement in pyproject["project"]["dependencies"]:
        print(lower_bound(requirement))


if __name__ == "__main__":
    sys.exit(main())
