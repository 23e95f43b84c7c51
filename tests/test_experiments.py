import pytest

from skseq import experiments
from skseq.experiments import DEFAULT_MODEL, REFERENCE_MODELS


def test_padding_follows_what_the_model_reads():
    # the masked default reads any padding (the bare Padder's 'pre'); the
    # documents' unmasked models keep their 'pre' padding, which changes
    # what they learn
    default = DEFAULT_MODEL.make_pipeline()
    assert default.named_steps["padder"].padding == "pre"
    assert default.named_steps["classifier"].mask_padding
    for model in REFERENCE_MODELS.values():
        assert not model.classifier_params["mask_padding"]
        assert model.make_pipeline().named_steps["padder"].padding == "pre"


def test_old_names_of_the_reference_models_warn_and_still_work():
    with pytest.warns(FutureWarning, match="renamed REFERENCE_MODELS"):
        assert experiments.SEED_MODELS is experiments.REFERENCE_MODELS
    with pytest.warns(FutureWarning, match="renamed ReferenceModel"):
        assert experiments.SeedModel is experiments.ReferenceModel
    with pytest.raises(AttributeError):
        experiments.NO_SUCH_NAME  # noqa: B018
