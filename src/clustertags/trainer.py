"""Building and training the theme pipeline.

The pipeline is deliberately plain, because it has to be fast, small and
explainable: TF-IDF over UniDic lemmas (and their bigrams) from
:class:`~clustertags.analyzer.JapaneseAnalyzer`, TF-IDF over character
n-grams of the normalised text (robust to words the dictionary splits or
does not know), and a linear logistic-regression classifier, one-vs-rest for
multi-label corpora.  Decision thresholds are chosen per label on
out-of-fold scores of a cross-validation of the training data, never on test
data.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression, SGDClassifier
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import MultiLabelBinarizer

from .analyzer import JapaneseAnalyzer, dictionary_info, normalize_text, sanitize
from .corpus import Corpus, CorpusSource, read_corpus
from .errors import CorpusError
from .linear import FastOneVsRestClassifier
from .model import ThemeModel, library_versions
from .vectorizers import FastTfidfVectorizer

__all__ = ["build_pipeline", "train", "DEFAULT_PARAMS"]

#: Hyper-parameters of the default recipe (see docs/model.md for how they were chosen).
DEFAULT_PARAMS: dict[str, Any] = {
    "C": 10.0,
    "word_ngram_range": (1, 2),
    "char_ngram_range": (2, 3),
    "char_max_features": 60000,
    "class_weight": "balanced",
    "sgd_alpha": 1e-5,
    "word_min_df": 2,
    "none_prior": None,
}


def build_pipeline(
    *,
    multilabel: bool = True,
    C: float = DEFAULT_PARAMS["C"],
    word_ngram_range: tuple[int, int] = DEFAULT_PARAMS["word_ngram_range"],
    char_ngram_range: tuple[int, int] | None = DEFAULT_PARAMS["char_ngram_range"],
    char_max_features: int | None = DEFAULT_PARAMS["char_max_features"],
    class_weight: str | None = DEFAULT_PARAMS["class_weight"],
    sgd_alpha: float = DEFAULT_PARAMS["sgd_alpha"],
    word_min_df: int = DEFAULT_PARAMS["word_min_df"],
    user_dic: str | None = None,
    seed: int = 0,
) -> Pipeline:
    """An unfitted scikit-learn pipeline: word + character TF-IDF, then logistic regression.

    All parts are module-level classes without lambdas, so the pipeline
    pickles with joblib and ships to loky and Dask workers.  The vectorisers
    are scikit-learn's ``TfidfVectorizer`` with faster counting at transform
    time and the same features (:mod:`clustertags.vectorizers`); the
    classifier is scikit-learn's ``OneVsRestClassifier`` scoring all labels
    in one product, with the same probabilities (:mod:`clustertags.linear`).
    """
    features: list[tuple[str, Any]] = [
        (
            "words",
            FastTfidfVectorizer(
                analyzer=JapaneseAnalyzer(ngram_range=word_ngram_range, user_dic=user_dic),
                sublinear_tf=True,
                min_df=word_min_df,
                dtype=np.float32,
            ),
        )
    ]
    if char_ngram_range is not None:
        features.append(
            (
                "chars",
                FastTfidfVectorizer(
                    analyzer="char",
                    preprocessor=normalize_text,
                    ngram_range=char_ngram_range,
                    sublinear_tf=True,
                    min_df=2,
                    max_features=char_max_features,
                    dtype=np.float32,
                ),
            )
        )
    clf: Any
    if multilabel:
        # liblinear's logistic regression: well-calibrated scores on small
        # paragraph corpora, which the per-label thresholds rely on.  The dual
        # problem, since there are far more features than paragraphs: the same
        # solution 30 times faster (0.2 s against 6 s for four labels).
        clf = FastOneVsRestClassifier(
            LogisticRegression(
                C=C, class_weight=class_weight, solver="liblinear", dual=True, random_state=seed, max_iter=1000
            )
        )
    else:
        # Single-label corpora are often large document collections: SGD on the
        # log loss trains in seconds where lbfgs takes minutes (livedoor: 2.5 s
        # against 88 s per fit, at the same accuracy).
        clf = SGDClassifier(
            loss="log_loss", alpha=sgd_alpha, class_weight=class_weight, random_state=seed, max_iter=50, tol=1e-4
        )
    return Pipeline([("features", FeatureUnion(features)), ("clf", clf)])


def _progress(iterable: Any, total: int, desc: str, show: bool | None) -> Any:
    if show is None:
        show = sys.stderr.isatty()
    if not show:
        return iterable
    from tqdm.auto import tqdm

    return tqdm(iterable, total=total, desc=desc, file=sys.stderr)


def _fit_fold(clf: Any, x: Any, y: np.ndarray, train_idx: np.ndarray, test_idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    clf.fit(x[train_idx], y[train_idx])
    return test_idx, clf.predict_proba(x[test_idx])


def _assemble(blocks: list[Any], train_idx: np.ndarray | None = None, min_dfs: list[int] | None = None) -> Any:
    """Feature blocks stacked side by side.

    With ``train_idx``, each block first drops the columns that fewer than
    its ``min_df`` of those rows contain, and each row is rescaled to the norm
    it had (TF-IDF rows: 1), as a vectoriser fitted on those rows would give.
    """
    import scipy.sparse.linalg  # noqa: F401  (sparse.linalg.norm)
    from scipy import sparse
    from sklearn.preprocessing import normalize

    parts = []
    for k, block in enumerate(blocks):
        block = block.tocsr()
        if train_idx is not None and min_dfs is not None:
            df = np.diff((block[train_idx] != 0).tocsc().indptr)
            before = sparse.linalg.norm(block, axis=1)
            block = normalize(block @ sparse.diags((df >= min_dfs[k]).astype(block.dtype)))
            block = sparse.diags(before.astype(block.dtype)) @ block  # keep each row's original norm
        parts.append(block)
    return sparse.hstack(parts, format="csr")


def _weighted_f1(y: np.ndarray, pred: np.ndarray, w: np.ndarray) -> float:
    tp = float(np.sum(w * (y & pred)))
    fp = float(np.sum(w * (~y & pred)))
    fn = float(np.sum(w * (y & ~pred)))
    return 0.0 if tp == 0 else 2 * tp / (2 * tp + fp + fn)


#: Half-width, in steps of 0.01, of the moving average over the F1 curve.
SMOOTHING = 4


def choose_thresholds(y: np.ndarray, proba: np.ndarray, weights: np.ndarray | None = None) -> np.ndarray:
    """Per-label thresholds that maximise (weighted) F1 on out-of-fold scores.

    The F1 curve over thresholds 0.05-0.95 is flat and jagged near its top:
    its raw maximum moved by 0.02-0.05 between fold splits of the same
    corpus.  So the curve is first averaged over a window of +-0.04, which
    halves that spread for the least stable label (docs/model.md), and among
    equal maxima the middle one is taken.
    """
    grid = np.round(np.arange(0.05, 0.951, 0.01), 2)
    w = np.ones(len(y)) if weights is None else weights
    window = np.ones(2 * SMOOTHING + 1) / (2 * SMOOTHING + 1)
    out = np.empty(y.shape[1])
    for j in range(y.shape[1]):
        yj = y[:, j].astype(bool)
        scores = np.array([_weighted_f1(yj, proba[:, j] >= t, w) for t in grid])
        smooth = np.convolve(np.pad(scores, SMOOTHING, mode="edge"), window, mode="valid")
        best = np.flatnonzero(smooth >= smooth.max() - 1e-9)
        out[j] = grid[best[len(best) // 2]]
    return out


def _metrics(y: np.ndarray, pred: np.ndarray, labels: Sequence[str]) -> dict[str, Any]:
    from sklearn.metrics import f1_score, precision_recall_fscore_support

    p, r, f, s = precision_recall_fscore_support(y, pred, zero_division=0)
    per = {
        lab: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4), "f1": round(float(f[i]), 4), "support": int(s[i])}
        for i, lab in enumerate(labels)
    }
    return {
        "per_label": per,
        "macro_f1": round(float(f1_score(y, pred, average="macro", zero_division=0)), 4),
        "micro_f1": round(float(f1_score(y, pred, average="micro", zero_division=0)), 4),
    }


def train(
    corpus: CorpusSource,
    *,
    labels: Sequence[str] | None = None,
    multilabel: bool | None = None,
    seed: int = 0,
    cv: int = 5,
    n_jobs: int | None = None,
    progress: bool | None = None,
    none_prior: float | None = DEFAULT_PARAMS["none_prior"],
    text_field: str = "text",
    **params: Any,
) -> ThemeModel:
    """Train a theme model on a corpus and choose its thresholds by cross-validation.

    Parameters
    ----------
    corpus : path or iterable of records
        Anything :func:`clustertags.corpus.read_corpus` reads.
    labels : sequence of str, optional
        The label set and its order; by default the labels seen in the corpus.
    multilabel : bool, optional
        Force a multi- or single-label model; by default a corpus where every
        record has exactly one label trains a single-label model.
    seed : int
        Seeds the fold split and the solver: same corpus and seed, same model.
    cv : int
        Folds for threshold selection and the model card's metrics.
    n_jobs : int, optional
        Folds trained in parallel (joblib).
    none_prior : float, optional
        Share of unlabelled paragraphs expected in the text the model will
        see.  When set, unlabelled records are re-weighted to that share while
        choosing thresholds, which raises them when real text is mostly
        theme-free.
    text_field : str
        Field (JSONL) or column (CSV/TSV) holding the text.
    **params
        Passed to :func:`build_pipeline` (``C``, ``word_ngram_range``...).
    """
    from joblib import Parallel, delayed

    started = time.perf_counter()
    data: Corpus = read_corpus(corpus, labels=labels, multilabel=multilabel, text_field=text_field)
    # Prediction sanitises text (ThemeModel.predict_proba); training must see
    # the same characters.
    texts = [sanitize(t) for t in data.texts]
    label_set = data.labels
    if data.multilabel:
        y = MultiLabelBinarizer(classes=list(label_set)).fit_transform(data.targets)
        counts = y.sum(axis=0)
        for lab, c in zip(label_set, counts):
            if c < max(2, cv):
                raise CorpusError(
                    f"label {lab!r} has {int(c)} positive records; each label needs at least "
                    f"{max(2, cv)} (one per cross-validation fold): add examples or drop the label",
                    path=data.source,
                )
        strat = y.argmax(axis=1) + y.sum(axis=1) * len(label_set)
    else:
        index = {lab: i for i, lab in enumerate(label_set)}
        y = np.array([index[t[0]] for t in data.targets])
        counts = np.bincount(y, minlength=len(label_set))
        for lab, c in zip(label_set, counts):
            if c < cv:
                raise CorpusError(
                    f"label {lab!r} has {int(c)} records; each label needs at least {cv} for "
                    f"{cv}-fold cross-validation: add examples or lower cv",
                    path=data.source,
                )
        strat = y
    pipe = build_pipeline(multilabel=data.multilabel, seed=seed, **params)

    # The text is analysed once.  Each feature block is fitted on all training
    # texts (no labels involved); each fold then keeps only the columns its
    # own training rows support (as min_df would) and L2-normalises the rows
    # again, which is what a vectoriser fitted on the fold would give, up to
    # the IDF.  So out-of-fold scores, which choose the
    # thresholds, see unseen words the way new text will: not at all.
    features = pipe.named_steps["features"]
    blocks, min_dfs = [], []
    for _, vec in features.transformer_list:
        blocks.append(vec.fit_transform(texts).tocsc())
        min_dfs.append(vec.min_df if isinstance(vec.min_df, int) else 1)
    x = _assemble(blocks)
    counts_per_stratum = np.bincount(strat)
    if counts_per_stratum[counts_per_stratum > 0].min() >= cv:
        splitter: Any = StratifiedKFold(n_splits=cv, shuffle=True, random_state=seed)
    else:
        splitter = KFold(n_splits=cv, shuffle=True, random_state=seed)
    folds = list(splitter.split(texts, strat))
    clf = pipe.named_steps["clf"]
    jobs = Parallel(n_jobs=n_jobs, return_as="generator_unordered")(
        delayed(_fit_fold)(clone(clf), _assemble(blocks, tr, min_dfs), y, tr, te) for tr, te in folds
    )
    n_out = len(label_set)
    oof = np.zeros((len(texts), n_out))
    for test_idx, proba in _progress(jobs, len(folds), "cross-validation", progress):
        oof[test_idx] = proba

    if data.multilabel:
        yb = y.astype(bool)
        weights = None
        none_mask = ~yb.any(axis=1)
        if none_prior is not None and none_mask.any() and (~none_mask).any():
            if not 0.0 < none_prior < 1.0:
                raise ValueError(f"none_prior must be between 0 and 1, got {none_prior}")
            ratio = none_prior / (1 - none_prior) * (~none_mask).sum() / none_mask.sum()
            weights = np.where(none_mask, ratio, 1.0)
        thresholds = choose_thresholds(yb, oof, weights)
        pred = oof >= thresholds[None, :]
        cv_metrics = _metrics(yb, pred, label_set)
    else:
        thresholds = np.full(n_out, 0.5)
        pred_idx = oof.argmax(axis=1)
        yb = np.eye(n_out, dtype=bool)[y]
        pred = np.eye(n_out, dtype=bool)[pred_idx]
        cv_metrics = _metrics(yb, pred, label_set)
        cv_metrics["accuracy"] = round(float((pred_idx == y).mean()), 4)

    clf.fit(x, y)
    seconds = time.perf_counter() - started
    used = {k: (list(v) if isinstance(v, tuple) else v) for k, v in {**DEFAULT_PARAMS, **params, "none_prior": none_prior}.items()}
    card = {
        "created_with": library_versions(),
        "dictionary": dictionary_info(),
        "training": {
            "corpus": data.source,
            "n_records": len(data),
            "data_sha256": data.sha256,
            "label_counts": {lab: int(c) for lab, c in zip(label_set, counts)},
            "seed": seed,
            "cv_folds": cv,
            "params": used,
            "seconds": round(seconds, 2),
        },
        "metrics": {"cross_validation": cv_metrics},
    }
    return ThemeModel(pipe, label_set, multilabel=data.multilabel, thresholds=thresholds, card=card)
