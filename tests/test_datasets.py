import numpy as np
import pytest

from skseq.datasets import load_imdb, load_rotten_tomatoes


def test_imdb_all_is_the_full_balanced_set():
    data = load_imdb()
    assert len(data.data) == 25_000
    assert np.bincount(data.target).tolist() == [12_500, 12_500]
    assert data.target_names == ["neg", "pos"]
    assert "<br />" in " ".join(data.data[:50])  # raw text, markup kept
    assert "IMDB" in data.DESCR


def test_imdb_protocol_split_is_fixed_disjoint_and_stratified():
    X_train, y_train = load_imdb("train", return_X_y=True)
    X_test, y_test = load_imdb("test", return_X_y=True)
    assert len(X_train) == len(X_test) == 12_500
    assert y_train.sum() == y_test.sum() == 6_250
    X_all, _ = load_imdb(return_X_y=True)
    assert sorted(X_train + X_test) == sorted(X_all)
    again, _ = load_imdb("train", return_X_y=True)
    assert again == X_train


def test_returned_data_is_a_copy():
    X, y = load_rotten_tomatoes(return_X_y=True)
    X[0] = "changed"
    y[0] = 99
    X2, y2 = load_rotten_tomatoes(return_X_y=True)
    assert X2[0] != "changed" and y2[0] != 99


def test_rotten_tomatoes():
    data = load_rotten_tomatoes()
    assert len(data.data) == 8_530
    assert np.bincount(data.target).tolist() == [4_265, 4_265]


def test_bad_subset_names_the_parameter():
    with pytest.raises(ValueError, match="'subset' parameter of load_imdb"):
        load_imdb("validation")
