"""FastTfidfVectorizer gives scikit-learn's TfidfVectorizer features exactly, faster."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer

from clustertags.analyzer import JapaneseAnalyzer, normalize_text
from clustertags.vectorizers import FastTfidfVectorizer

HOSTILE = [
    "",
    "a",
    "ab",
    "  \t\n x",
    "\x00\x00工場",
    "工場\ud800の部品",
    "😀😀😀x",
    "ＥＶ用　　の電池\r\n\r\n次",
    "\u1680 \u3000z",
]


def assert_same_matrix(a, b) -> None:
    assert type(a) is type(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert a.indices.dtype == b.indices.dtype and a.indptr.dtype == b.indptr.dtype
    assert np.array_equal(a.indptr, b.indptr)
    assert np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)  # bit for bit, not approximately


@pytest.fixture(scope="module")
def texts(train_records, dev_records) -> tuple[list[str], list[str]]:
    return [r["text"] for r in train_records[::3]], [r["text"] for r in dev_records] + HOSTILE


@pytest.mark.parametrize("ngram_range", [(2, 3), (1, 3), (1, 1), (2, 2), (3, 3)])
@pytest.mark.parametrize("params", [{"preprocessor": normalize_text}, {"lowercase": True}, {"norm": "l1", "use_idf": False}])
def test_char_ngrams_equal_sklearn(texts, ngram_range, params) -> None:
    fit_texts, test_texts = texts
    kw = dict(analyzer="char", ngram_range=ngram_range, sublinear_tf=True, min_df=2, max_features=20000, dtype=np.float32, **params)
    ours = FastTfidfVectorizer(**kw).fit(fit_texts + HOSTILE)
    theirs = TfidfVectorizer(**kw).fit(fit_texts + HOSTILE)
    assert ours.vocabulary_ == theirs.vocabulary_
    assert_same_matrix(ours.transform(test_texts), theirs.transform(test_texts))
    assert_same_matrix(ours.transform(test_texts[:1]), theirs.transform(test_texts[:1]))
    for vec in (ours, theirs):
        with pytest.raises(ValueError, match="0 sample"):
            vec.transform([])


def test_words_equal_sklearn(texts) -> None:
    fit_texts, test_texts = texts
    kw = dict(analyzer=JapaneseAnalyzer(ngram_range=(1, 2)), sublinear_tf=True, min_df=2, dtype=np.float32)
    ours = FastTfidfVectorizer(**kw).fit(fit_texts)
    theirs = TfidfVectorizer(**kw).fit(fit_texts)
    assert_same_matrix(ours.transform(test_texts), theirs.transform(test_texts))
    assert_same_matrix(ours.fit_transform(fit_texts[:300]), theirs.fit_transform(fit_texts[:300]))


def test_other_settings_fall_back_to_sklearn(texts) -> None:
    fit_texts, test_texts = texts
    for kw in ({"analyzer": "char_wb", "ngram_range": (2, 3)}, {"analyzer": "char", "ngram_range": (2, 5)}, {"analyzer": "word"}):
        ours = FastTfidfVectorizer(**kw).fit(fit_texts[:200])
        theirs = TfidfVectorizer(**kw).fit(fit_texts[:200])
        assert_same_matrix(ours.transform(test_texts), theirs.transform(test_texts))


def test_pickle_clone_and_errors(texts) -> None:
    fit_texts, test_texts = texts
    vec = FastTfidfVectorizer(analyzer="char", ngram_range=(2, 3), preprocessor=normalize_text).fit(fit_texts)
    before = vec.transform(test_texts)
    again = pickle.loads(pickle.dumps(vec))
    assert again.vocabulary_ == vec.vocabulary_
    assert "vocabulary_" in vec.__dict__ and isinstance(vec.vocabulary_, dict)  # pickling left it alone
    assert_same_matrix(again.transform(test_texts), before)
    assert clone(vec).get_params() == vec.get_params()
    with pytest.raises(ValueError, match="string object received"):
        vec.transform("工場")
    with pytest.raises(Exception, match="not fitted"):
        FastTfidfVectorizer(analyzer="char").transform(["工場"])
