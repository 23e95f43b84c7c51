"""Docstrings of every public name follow numpydoc and match the signatures."""

import inspect

import pytest

import skseq
from skseq import datasets, experiments, inspection, metrics, plotting

numpydoc_validate = pytest.importorskip("numpydoc.validate")

PUBLIC = [getattr(skseq, n) for n in skseq.__all__ if n[0] != "_" and n.isidentifier()
          and callable(getattr(skseq, n))]
PUBLIC += [getattr(m, n) for m in (datasets, inspection, metrics, plotting) for n in m.__all__
           if callable(getattr(m, n))]
PUBLIC += [experiments.ReferenceModel]
METHODS = ["fit", "transform", "fit_transform", "inverse_transform", "predict",
           "predict_proba", "partial_fit"]
# every public function and class: documented parameters, a See Also and an
# Examples section; methods: documented parameters and returns
OBJECT_CHECKS = {"GL08", "PR01", "PR02", "PR07", "RT01", "SA01", "EX01"}
METHOD_CHECKS = {"GL08", "PR01", "PR02", "PR07", "RT01"}


def _name(obj):
    return f"{obj.__module__}.{obj.__qualname__}"


def _targets():
    for obj in PUBLIC:
        if inspect.isclass(obj) and issubclass(obj, Exception):
            yield obj, {"GL08"}
            continue
        yield obj, OBJECT_CHECKS
        if inspect.isclass(obj):
            for method in METHODS:
                if method in vars(obj):
                    yield getattr(obj, method), METHOD_CHECKS


@pytest.mark.parametrize("obj, checks", list(_targets()),
                         ids=lambda x: _name(x) if callable(x) else "")
def test_docstring(obj, checks):
    result = numpydoc_validate.validate(_name(obj))
    errors = [f"{code}: {msg}" for code, msg in result["errors"] if code in checks]
    assert not errors, "\n".join(errors)

