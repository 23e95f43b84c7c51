import itertools
import pickle

import keras
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from skseq import IntegerSequencer, LSTMSequenceClassifier, Padder
from skseq.experiments import SEED_ARCHITECTURE


@pytest.fixture(scope="module")
def real_sequences(imdb_texts):
    X, _ = imdb_texts
    return list(IntegerSequencer(num_words=1000).fit_transform(X))


@pytest.mark.parametrize(
    "padding, truncating, maxlen",
    list(itertools.product(["pre", "post"], ["pre", "post"], [1, 50, 200, 3000])),
)
@pytest.mark.parametrize("source", ["list", "sequencer output", "2-D array"])
def test_identical_to_keras_pad_sequences(imdb_texts, real_sequences, padding, truncating,
                                          maxlen, source):
    if source == "list":
        seqs = real_sequences + [[]]  # an empty sequence too
    elif source == "sequencer output":  # its flat ids are padded without joining rows
        seqs = IntegerSequencer(num_words=1000).fit_transform(imdb_texts[0])
    else:  # every row the same length
        seqs = np.arange(1, 1 + 300 * 120).reshape(300, 120)
    expected = keras.utils.pad_sequences(
        list(seqs), maxlen=maxlen, padding=padding, truncating=truncating
    )
    got = Padder(maxlen=maxlen, padding=padding, truncating=truncating).fit_transform(seqs)
    assert got.dtype == expected.dtype
    np.testing.assert_array_equal(got, expected)


def test_maxlen_none_learns_longest(real_sequences):
    padder = Padder().fit(real_sequences)
    assert padder.maxlen_ == max(map(len, real_sequences))
    expected = keras.utils.pad_sequences(real_sequences)
    np.testing.assert_array_equal(padder.transform(real_sequences), expected)
    # later data is cut to the learned width
    assert padder.transform([[1] * (padder.maxlen_ + 5)]).shape == (1, padder.maxlen_)


def test_value_and_dtype():
    out = Padder(maxlen=4, value=-1, dtype="float32").fit_transform([[1, 2]])
    assert out.dtype == np.float32
    assert out.tolist() == [[-1, -1, 1, 2]]


def test_accepts_object_array_and_2d_array():
    obj = np.empty(2, dtype=object)
    obj[0], obj[1] = np.array([1, 2]), np.array([3])
    assert Padder(maxlen=2).fit_transform(obj).tolist() == [[1, 2], [0, 3]]
    arr = np.array([[1, 2, 3], [4, 5, 6]])
    assert Padder(maxlen=2).fit_transform(arr).tolist() == [[2, 3], [5, 6]]
    assert Padder(maxlen=4, padding="post").fit_transform(arr).tolist() == [
        [1, 2, 3, 0], [4, 5, 6, 0]]


@pytest.mark.parametrize(
    "params, match",
    [
        ({"maxlen": 0}, "'maxlen' parameter of Padder must be an int in the range"),
        ({"maxlen": -3}, "'maxlen' parameter of Padder"),
        ({"padding": "middle"}, "'padding' parameter of Padder"),
        ({"truncating": "both"}, "'truncating' parameter of Padder"),
        ({"dtype": "not-a-dtype"}, "'dtype' parameter of Padder"),
    ],
)
def test_bad_parameters_fail_at_fit(params, match):
    padder = Padder(**params)  # no error at construction
    with pytest.raises(ValueError, match=match):
        padder.fit([[1, 2]])


@pytest.mark.parametrize(
    "X, error, match",
    [
        ("a string", TypeError, "IntegerSequencer"),
        ([[1, 2], "text"], TypeError, "Row 1 of X is a string"),
        ([[1, 2], None], ValueError, "Row 1 of X is missing"),
        ([[1, 2], ["a", "b"]], TypeError, "Row 1 of X has dtype"),
        ([[1], [[1, 2]]], ValueError, "Row 1 of X must be a 1-D"),
        (np.zeros((2, 2, 2, 2)), ValueError, "2-D array"),  # 3-D: numeric steps
        ([], ValueError, "0 sequences"),
    ],
)
def test_bad_sequences(X, error, match):
    with pytest.raises(error, match=match):
        Padder(maxlen=3).fit(X)


@pytest.mark.parametrize("padding, truncating", [("pre", "pre"), ("post", "post")])
def test_long_python_lists_are_padded_in_chunks_exactly(real_sequences, padding,
                                                        truncating):
    # 600 rows of Python ints span three chunks, the last one partial
    rows = [s.tolist() for s in real_sequences] * 3
    expected = keras.utils.pad_sequences(rows, maxlen=150, padding=padding,
                                         truncating=truncating)
    padder = Padder(maxlen=150, padding=padding, truncating=truncating)
    np.testing.assert_array_equal(padder.fit_transform(rows), expected)
    np.testing.assert_array_equal(padder.transform(tuple(rows)), expected)
    learned = Padder(padding=padding)
    np.testing.assert_array_equal(learned.fit_transform(rows),
                                  keras.utils.pad_sequences(rows, padding=padding))
    assert learned.maxlen_ == max(map(len, rows))


@pytest.mark.parametrize("n_rows", [60, 600])  # one chunk; three chunks
@pytest.mark.parametrize(
    "bad_row, error, match",
    [
        ("text", TypeError, "Row 55 of X is a string"),
        ([1, 2.5], ValueError, "Row 55 of X holds a non-integer value"),
        ([1, None], TypeError, "Row 55 of X"),
        (7, ValueError, "Row 55 of X must be a 1-D sequence"),
    ],
)
def test_bad_row_is_named_and_a_failed_fit_keeps_the_old_state(
        n_rows, bad_row, error, match):
    rows = [[1, 2, 3]] * n_rows
    bad = n_rows - 5  # row 55 or 595: in the last chunk
    match = match.replace("55", str(bad))
    X = rows[:bad] + [bad_row] + rows[bad + 1:]
    padder = Padder().fit([[1, 2]])
    with pytest.raises(error, match=match):
        padder.fit_transform(X)
    assert padder.maxlen_ == 2  # the failed fit left the fitted state alone
    with pytest.raises(error, match=match):
        padder.transform(X)


@pytest.mark.parametrize("n_rows", [60, 600])  # one chunk; three chunks
@pytest.mark.parametrize("truncating", ["pre", "post"])
@pytest.mark.parametrize(
    "bad_value, error, match",
    [
        (2.5, ValueError, "Row 55 of X holds a non-integer value"),
        ("3", TypeError, "Row 55 of X"),
        (2**40, ValueError, "Row 55 of X holds id 1099511627776"),
    ],
)
def test_bad_value_in_the_truncated_part_is_still_an_error(n_rows, truncating,
                                                           bad_value, error, match):
    # maxlen 3 drops the first (pre) or last (post) two ids of every row
    row = [1, 2, 3, 4, 5]
    bad = n_rows - 5
    X = [row] * n_rows
    X[bad] = [bad_value, 2, 3, 4, bad_value]
    with pytest.raises(error, match=match.replace("55", str(bad))):
        Padder(maxlen=3, truncating=truncating).fit_transform(X)


def test_whole_number_floats_and_int_arrays_pad_alike_in_short_and_long_lists():
    rows = [[1, 2, 3], [4.0, 5.0], np.array([6, 7], dtype=np.int8), []] * 150
    expected = keras.utils.pad_sequences(rows, maxlen=2)
    np.testing.assert_array_equal(Padder(maxlen=2).fit_transform(rows), expected)
    np.testing.assert_array_equal(Padder(maxlen=2).fit_transform(rows[:8]), expected[:8])


@pytest.mark.parametrize("row", [
    [1, 2, 3, 4, 5], (1, 2, 3, 4, 5), [True, 2, 3], [np.int64(4), 5, 6], [2**40, 1, 2, 3, 4],
    [-3, 1], np.array([1, 2, 3, 4, 5]), np.array([7, 8], np.uint8),
    np.array([2**40, 1, 2, 3, 4]), np.array([2**63, 1], np.uint64), np.array([]), [],
], ids=repr)
@pytest.mark.parametrize("settings", [
    {}, {"value": 7, "padding": "post", "truncating": "post"}, {"dtype": ">i4"},
    {"dtype": "uint16", "value": 9}, {"dtype": "int64"}, {"dtype": "uint64"},
], ids=repr)
def test_long_lists_pad_as_short_ones_do(row, settings):
    # long lists take the chunked fast path, six rows the general one; the
    # outputs, or the errors (naming row 1 in both), must be the same
    rows = [[1, 2], row, []] * 200

    def outcome(X):
        try:
            return Padder(maxlen=3, **settings).fit_transform(X)
        except (TypeError, ValueError) as exc:
            return type(exc), str(exc)

    short, long = outcome(rows[:6]), outcome(rows)
    if isinstance(short, tuple):
        assert long == short
    else:
        assert long.dtype == short.dtype
        np.testing.assert_array_equal(long, np.concatenate([short[:3]] * 200))


def test_big_64_bit_ids_stay_exact_or_are_an_error():
    # NumPy joins int lists and a uint64 array as float64, which rounds 2**63 + 1
    rows = [[1, 2], np.array([2**63 + 1, 1], np.uint64)]
    np.testing.assert_array_equal(Padder(dtype="uint64").fit_transform(rows),
                                  np.array([[1, 2], [2**63 + 1, 1]], np.uint64))
    with pytest.raises(ValueError, match="Row 1 of X holds id 9223372036854775809"):
        Padder(dtype="int64").fit_transform(rows)
    # no 64-bit dtype holds both -1 and 2**63 + 1; a whole float beyond 2**53
    # may already be rounded
    for X in ([[-1], rows[1]], [[1.0, 2.0**60]]):
        with pytest.raises(ValueError, match="as a float beyond 2\\*\\*53"):
            Padder(dtype="int64").fit_transform(X)


def test_transform_before_fit():
    with pytest.raises(NotFittedError):
        Padder().transform([[1]])


def test_clone_pickle_idempotent(real_sequences):
    padder = Padder(maxlen=100, padding="post")
    assert clone(padder).get_params() == padder.get_params()
    padder.fit(real_sequences)
    restored = pickle.loads(pickle.dumps(padder))
    np.testing.assert_array_equal(restored.transform(real_sequences),
                                  padder.transform(real_sequences))
    np.testing.assert_array_equal(padder.transform(real_sequences),
                                  padder.transform(real_sequences))


def test_pipeline_set_output_pandas(rt_texts):
    pd = pytest.importorskip("pandas")
    X, y = rt_texts
    pipe = make_pipeline(IntegerSequencer(num_words=300), Padder(maxlen=20),
                         LSTMSequenceClassifier(**SEED_ARCHITECTURE,
                                                units=4, embedding_dim=4, epochs=1,
                                                random_state=0))
    pipe.set_output(transform="pandas")
    pipe.fit(X[:200], y[:200])
    frame = pipe[:-1].transform(X[:5])
    assert isinstance(frame, pd.DataFrame) and list(frame.columns)[:2] == ["t0", "t1"]
    assert pipe.predict(X[:5]).shape == (5,)


def test_sequencer_output_is_padded_without_rejoining_and_edits_are_seen(rt_texts):
    # Padder reuses the sequencer's flat id array only for that very output,
    # unaltered; every edit must show in the result as for any other input.
    from skseq import IntegerSequencer
    from skseq._ragged import remembered_flat

    X = IntegerSequencer(num_words=300).fit_transform(rt_texts[0][:50])
    assert remembered_flat(X) is not None
    padder = Padder(maxlen=12).fit(X)

    def reference(Z):
        return Padder(maxlen=12).fit_transform([np.array(row) for row in Z])

    np.testing.assert_array_equal(padder.transform(X), reference(X))
    X[2][0] = 299  # in place, seen through the view
    np.testing.assert_array_equal(padder.transform(X), reference(X))
    X[3] = np.array([5, 6, 7], dtype=np.int32)  # a row replaced
    assert remembered_flat(X) is None
    np.testing.assert_array_equal(padder.transform(X), reference(X))
    Y = IntegerSequencer(num_words=300).fit_transform(rt_texts[0][:50])
    for altered in (Y[::-1], Y[5:], Y.copy()):
        assert remembered_flat(altered) is None
        np.testing.assert_array_equal(padder.transform(altered), reference(altered))
