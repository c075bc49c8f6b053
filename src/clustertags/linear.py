"""One-vs-rest logistic regression that scores all labels in one step, with scikit-learn's numbers.

scikit-learn's ``OneVsRestClassifier.predict_proba`` asks each label's
``LogisticRegression`` in turn, and each validates the feature matrix again:
on one paragraph (``Tagger.tag`` on a short document) the four validations
took longer than everything else the model does after MeCab.
:class:`FastOneVsRestClassifier` stacks the fitted coefficients once and
computes every label's probability from one sparse product, with the
arithmetic scikit-learn uses (``X @ coef.T + intercept``, then the logistic
function), so the probabilities are the same to the last bit
(``tests/test_linear.py`` checks it).  Fitting is scikit-learn's own;
anything but binary logistic regressions on a finite CSR matrix goes to
scikit-learn's ``predict_proba``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier

__all__ = ["FastOneVsRestClassifier"]


class FastOneVsRestClassifier(OneVsRestClassifier):
    """``OneVsRestClassifier`` with a faster ``predict_proba`` for multi-label logistic regression.

    Same parameters as :class:`~sklearn.multiclass.OneVsRestClassifier`.
    """

    def _stacked(self) -> tuple[np.ndarray, np.ndarray] | None:
        """Coefficients (features x labels) and intercepts of the fitted estimators, or None."""
        estimators = self.__dict__.get("estimators_")
        cached = self.__dict__.get("_stack")
        if cached is not None and cached[0] is estimators:
            return cached[1]
        stack = None
        if (
            estimators
            and len(estimators) > 1
            and getattr(self, "multilabel_", False)
            and all(
                type(e) is LogisticRegression
                and len(e.classes_) == 2
                and isinstance(e.coef_, np.ndarray)
                and e.coef_.shape[0] == 1
                and e.coef_.dtype == np.float64
                for e in estimators
            )
        ):
            stack = (
                np.ascontiguousarray(np.hstack([e.coef_.T for e in estimators])),
                np.concatenate([np.asarray(e.intercept_, dtype=np.float64) for e in estimators]),
            )
        self.__dict__["_stack"] = (estimators, stack)  # a cache; rebuilt after unpickling or refitting
        return stack

    def predict_proba(self, X: Any) -> np.ndarray:
        stack = self._stacked()
        if (
            stack is None
            or not sp.issparse(X)
            or X.format != "csr"
            or X.dtype not in (np.float32, np.float64)
            or X.shape[1] != stack[0].shape[0]
            or not np.isfinite(X.data).all()
        ):
            return super().predict_proba(X)
        coef, intercept = stack
        # LogisticRegression.decision_function: X @ coef.T + intercept_, per label;
        # one column per label here, each summed in the same order.
        scores = X @ coef + intercept
        return expit(scores, out=scores)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # which may be the live __dict__
        state.pop("_stack", None)
        return state
