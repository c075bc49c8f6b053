"""FastOneVsRestClassifier gives scikit-learn's OneVsRestClassifier probabilities exactly."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.base import clone
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.multiclass import OneVsRestClassifier
from sklearn.preprocessing import MultiLabelBinarizer

from clustertags.analyzer import normalize_text
from clustertags.linear import FastOneVsRestClassifier

LABELS = ("core_technology", "supply_chain", "globalisation", "green_shift")


@pytest.fixture(scope="module")
def data(train_records, dev_records):
    vec = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), preprocessor=normalize_text, sublinear_tf=True, dtype=np.float32)
    x = vec.fit_transform([r["text"] for r in train_records])
    y = MultiLabelBinarizer(classes=list(LABELS)).fit_transform([r["labels"] for r in train_records])
    return x, y, vec.transform([r["text"] for r in dev_records])


def test_same_probabilities_as_sklearn(data) -> None:
    x, y, test = data
    base = LogisticRegression(C=10.0, class_weight="balanced", solver="liblinear", random_state=0, max_iter=1000)
    ours = FastOneVsRestClassifier(clone(base)).fit(x, y)
    theirs = OneVsRestClassifier(clone(base)).fit(x, y)
    assert np.array_equal(ours.predict_proba(test), theirs.predict_proba(test))  # bit for bit
    for i in range(20):  # one paragraph at a time, as Tagger.tag often sends them
        assert np.array_equal(ours.predict_proba(test[i : i + 1]), theirs.predict_proba(test[i : i + 1]))
    assert np.array_equal(ours.predict(test), theirs.predict(test))
    # Other inputs go to scikit-learn's own predict_proba.
    dense = test[:5].toarray()
    assert np.array_equal(ours.predict_proba(dense), theirs.predict_proba(dense))
    assert np.array_equal(ours.predict_proba(sp.csc_matrix(test[:5])), theirs.predict_proba(test[:5]))
    bad = test[:2].copy()
    bad.data[0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        ours.predict_proba(bad)


def test_other_estimators_fall_back(data) -> None:
    x, y, test = data
    ours = FastOneVsRestClassifier(SGDClassifier(loss="log_loss", random_state=0)).fit(x, y)
    theirs = OneVsRestClassifier(SGDClassifier(loss="log_loss", random_state=0)).fit(x, y)
    assert np.array_equal(ours.predict_proba(test), theirs.predict_proba(test))


def test_pickle_and_refit(data) -> None:
    x, y, test = data
    clf = FastOneVsRestClassifier(LogisticRegression(solver="liblinear")).fit(x, y)
    before = clf.predict_proba(test)
    again = pickle.loads(pickle.dumps(clf))
    assert "_stack" not in again.__dict__ and "_stack" in clf.__dict__
    assert np.array_equal(again.predict_proba(test), before)
    clf.fit(x[:500], y[:500])  # new estimators: the stacked coefficients follow them
    assert np.array_equal(clf.predict_proba(test), OneVsRestClassifier(LogisticRegression(solver="liblinear")).fit(x[:500], y[:500]).predict_proba(test))
