"""The defaults of 0.2: the bare estimators are the model ``python -m skseq`` trains."""

import inspect
import re
from pathlib import Path

import pytest
from sklearn.pipeline import make_pipeline

from skseq import IntegerSequencer, LSTMSequenceClassifier, LSTMSequenceRegressor, Padder
from skseq.experiments import DEFAULT_MODEL, REFERENCE_MODELS, SEED_ARCHITECTURE

# the values the docs and the changelog give, and those of 0.1
NEW_DEFAULTS = {"conv_filters": 32, "pooling": "max_mean", "embedding_dropout": 0.2,
                "linear_ngrams": "auto", "early_stopping": True, "epochs": 10}
OLD_DEFAULTS = {"conv_filters": 0, "pooling": "last", "embedding_dropout": 0.0,
                "linear_ngrams": 0, "early_stopping": False, "epochs": 3}
CHANGELOG = Path(__file__).parents[1] / "docs" / "changelog.rst"


@pytest.mark.parametrize("cls, prior", [(LSTMSequenceClassifier, "log_count_ratio"),
                                        (LSTMSequenceRegressor, None)])
def test_the_defaults_are_the_documented_values(cls, prior):
    params = cls().get_params()
    assert {k: params[k] for k in NEW_DEFAULTS} == NEW_DEFAULTS
    assert params["ngram_prior"] == prior
    doc = inspect.getdoc(cls)
    for name, value in {**NEW_DEFAULTS, "ngram_prior": prior}.items():
        assert re.search(rf"{name} : .*default={value!r}", doc.replace("\\\n", "")), name
    assert IntegerSequencer().num_words is None and Padder().maxlen is None
    # None: 0 and 'int32' for ids (0.1's values, the same output), NaN and
    # 'float32' for numeric steps
    assert Padder().value is None and Padder().dtype is None


def test_auto_n_gram_head_is_the_word_and_pair_head_for_token_ids():
    import numpy as np

    clf = LSTMSequenceClassifier(epochs=1, early_stopping=False, random_state=0)
    clf.fit(np.array([[1, 2, 3], [4, 5, 0], [2, 2, 0], [5, 1, 3]]), [0, 1, 0, 1])
    assert clf.architecture_["linear_ngrams"] == 2
    assert clf.architecture_["step_features"] == 0
    clf.set_params(warm_start=True).fit(np.array([[1, 2], [4, 5]]), [0, 1])  # same model
    with pytest.raises(ValueError, match="linear_ngrams changed"):
        clf.set_params(linear_ngrams=1).fit(np.array([[1, 2], [4, 5]]), [0, 1])


def test_the_changelog_lists_every_changed_default_with_its_old_value():
    text = CHANGELOG.read_text()
    section = text[text.index("Changed defaults"):text.index("New ``ngram_prior")]
    for name, old in OLD_DEFAULTS.items():
        row = next(line for line in section.splitlines() if f"``{name}``" in line)
        assert f"``{old!r}``" in row and f"``{NEW_DEFAULTS[name]!r}``" in row, name
    assert "ngram_prior" in section


def test_the_main_job_is_the_bare_pipeline():
    def settings(pipeline):
        return {k: v for k, v in pipeline.get_params().items()
                if not k.startswith("steps") and "__" in k}

    bare = make_pipeline(IntegerSequencer(), Padder(), LSTMSequenceClassifier())
    main_job = DEFAULT_MODEL.make_pipeline()
    rename = dict(zip(("integersequencer", "padder", "lstmsequenceclassifier"),
                      ("sequencer", "padder", "classifier"), strict=True))
    expected = {rename[k.split("__")[0]] + "__" + k.split("__", 1)[1]: v
                for k, v in settings(bare).items()}
    assert settings(main_job) == expected


def test_the_seed_reproductions_pin_their_own_settings():
    for model in REFERENCE_MODELS.values():
        clf = model.make_pipeline()[-1]
        params = clf.get_params()
        for name, value in SEED_ARCHITECTURE.items():
            if name != "conv_filters" or model.key != "M4":
                assert params[name] == value, (model.key, name)
        assert params["epochs"] == (10 if model.key.startswith("R") else 3)
