"""A TF-IDF vectoriser that counts features faster than scikit-learn's, with identical output.

scikit-learn counts features in a Python loop: for character n-grams it
slices every n-gram out of the text as a new string and looks each one up in
a dict, which made the character block the slowest step of tagging.
:class:`FastTfidfVectorizer` is a :class:`~sklearn.feature_extraction.text.TfidfVectorizer`
whose ``transform`` counts differently and gives the same matrix, bit for bit:

* ``analyzer="char"`` with ``ngram_range`` within (1, 3): each character is its
  code point (21 bits), an n-gram of up to three of them one 64-bit integer,
  and the n-grams of a whole batch are looked up at once with NumPy in a
  sorted table built from ``vocabulary_``;
* a callable ``analyzer`` (:class:`~clustertags.analyzer.JapaneseAnalyzer`):
  the tokens are looked up with one ``dict.get`` each and counted with NumPy.

The TF-IDF weighting is ``TfidfTransformer``'s arithmetic, step for step,
without re-validating the count matrix built just before.  Fitting is
scikit-learn's own, so the vocabulary, the IDF and the fitted model are
exactly what ``TfidfVectorizer`` learns; any other configuration falls back
to scikit-learn's code.  This leans on a few private scikit-learn names
(``_count_vocab``, ``_tfidf``, ``_white_spaces``); ``tests/test_vectorizers.py``
checks the equality, so a change in scikit-learn shows there.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l1, inplace_csr_row_normalize_l2

__all__ = ["FastTfidfVectorizer"]

_BITS = 21  # every Unicode code point fits in 21 bits
_MAX_N = 3  # 3 x 21 bits + a tag bit = 64 bits


def _ngram_keys(cp: np.ndarray, n: int) -> np.ndarray:
    """Keys of the n-grams starting at ``cp[0], cp[1]...``: code points packed, plus a tag bit.

    The tag bit (bit ``21 * n``) makes keys of different lengths distinct even
    when code point 0 is involved.
    """
    m = len(cp) - n + 1
    key = np.full(max(m, 0), np.uint64(1) << np.uint64(_BITS * n), dtype=np.uint64)
    for k in range(n):
        key |= cp[k : k + m] << np.uint64(_BITS * (n - 1 - k))
    return key


def _code_points(text: str) -> np.ndarray:
    # surrogatepass: a lone surrogate is one code point, as it is one str character.
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)


def _as_configured(x: Any) -> Any:
    """``x`` in the sparse interface scikit-learn is configured to return (csr_matrix by default)."""
    try:
        from sklearn.utils._sparse import _align_api_if_sparse
    except ImportError:  # pragma: no cover - scikit-learn < 1.8 returns csr_matrix
        return sp.csr_matrix(x)
    return _align_api_if_sparse(x)


def _csr_counts(rows: np.ndarray, cols: np.ndarray, n_rows: int, n_cols: int, dtype: Any) -> Any:
    """Count (row, col) pairs into a CSR matrix built the way scikit-learn builds its own."""
    pair = rows.astype(np.int64) * n_cols + cols
    pair, counts = np.unique(pair, return_counts=True)
    indices = (pair % n_cols).astype(np.int32)
    indptr = np.searchsorted(pair // n_cols, np.arange(n_rows + 1)).astype(np.int32)
    x = sp.csr_array((counts.astype(np.intc), indices, indptr), shape=(n_rows, n_cols), dtype=dtype)
    x.sort_indices()
    return x


class FastTfidfVectorizer(TfidfVectorizer):
    """``TfidfVectorizer`` with a faster ``transform`` and the same result.

    Same parameters as :class:`~sklearn.feature_extraction.text.TfidfVectorizer`.
    """

    def _char_table(self) -> tuple[np.ndarray, np.ndarray]:
        """Sorted n-gram keys of ``vocabulary_`` and their columns, built once per vocabulary."""
        vocabulary = self.vocabulary_
        cached = self.__dict__.get("_table")
        if cached is not None and cached[0] is vocabulary:
            return cached[1], cached[2]
        low, high = self.ngram_range
        keys: list[np.ndarray] = []
        cols: list[np.ndarray] = []
        for n in range(low, high + 1):
            terms = [t for t in vocabulary if isinstance(t, str) and len(t) == n]
            if not terms:
                continue
            cp = _code_points("".join(terms)).reshape(len(terms), n)
            key = np.full(len(terms), np.uint64(1) << np.uint64(_BITS * n), dtype=np.uint64)
            for k in range(n):
                key |= cp[:, k] << np.uint64(_BITS * (n - 1 - k))
            keys.append(key)
            cols.append(np.fromiter((vocabulary[t] for t in terms), dtype=np.int64, count=len(terms)))
        all_keys = np.concatenate(keys) if keys else np.zeros(0, dtype=np.uint64)
        all_cols = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        order = np.argsort(all_keys)
        table = (vocabulary, all_keys[order], all_cols[order])
        self.__dict__["_table"] = table  # a cache; rebuilt after unpickling or refitting
        return table[1], table[2]

    def _char_counts(self, raw_documents: Iterable[Any]) -> Any:
        decode = self.decode
        preprocess = self.build_preprocessor()
        white = self._white_spaces  # scikit-learn's r"\s\s+", replaced by one space
        texts = [white.sub(" ", preprocess(decode(doc))) for doc in raw_documents]
        n_docs = len(texts)
        lengths = np.fromiter(map(len, texts), dtype=np.int64, count=n_docs)
        cp = _code_points("".join(texts))
        doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
        doc_end = np.cumsum(lengths)[doc_of]
        keys: list[np.ndarray] = []
        rows: list[np.ndarray] = []
        low, high = self.ngram_range
        for n in range(low, high + 1):
            key = _ngram_keys(cp, n)
            # only n-grams that end inside their own text
            inside = np.arange(len(key), dtype=np.int64) + n <= doc_end[: len(key)]
            keys.append(key[inside])
            rows.append(doc_of[: len(key)][inside])
        # Look up each distinct n-gram once: sorted needles make searchsorted cache-friendly.
        distinct, inverse = np.unique(np.concatenate(keys), return_inverse=True)
        table, table_cols = self._char_table()
        where = np.searchsorted(table, distinct)
        where[where == len(table)] = 0
        found = table[where] == distinct if len(table) else np.zeros(len(distinct), dtype=bool)
        cols = np.where(found, table_cols[where] if len(table) else -1, -1)[inverse.ravel()]
        hit = cols >= 0
        return _csr_counts(np.concatenate(rows)[hit], cols[hit], n_docs, len(self.vocabulary_), self.dtype)

    def _token_counts(self, raw_documents: Iterable[Any]) -> Any:
        analyze = self.build_analyzer()
        get = self.vocabulary_.get
        ids: list[int] = []
        per_doc: list[int] = []
        for doc in raw_documents:
            found = [i for i in map(get, analyze(doc)) if i is not None]
            ids.extend(found)
            per_doc.append(len(found))
        cols = np.asarray(ids, dtype=np.int64)
        rows = np.repeat(np.arange(len(per_doc), dtype=np.int64), per_doc)
        return _csr_counts(rows, cols, len(per_doc), len(self.vocabulary_), self.dtype)

    def _fast_counting(self) -> str | None:
        if callable(self.analyzer):
            return "tokens"
        low, high = self.ngram_range
        if self.analyzer == "char" and 1 <= low <= high <= _MAX_N:
            return "char"
        return None

    def _count_vocab(self, raw_documents: Any, fixed_vocab: bool) -> tuple[dict[str, int], Any]:
        # Only the counting of transform() is replaced: fitting stays scikit-learn's.
        how = self._fast_counting() if fixed_vocab else None
        if how is None:
            self.__dict__.pop("_table", None)
            return super()._count_vocab(raw_documents, fixed_vocab)
        counts = self._char_counts(raw_documents) if how == "char" else self._token_counts(raw_documents)
        return self.vocabulary_, _as_configured(counts)

    def transform(self, raw_documents: Iterable[Any]) -> Any:
        """Tf-idf-weighted document-term matrix, as ``TfidfVectorizer.transform`` gives it.

        The weighting is ``TfidfTransformer.transform``'s, step for step, minus
        its validation of a count matrix that was built just here: on a
        paragraph, that validation took longer than the counting.
        """
        tfidf = self.__dict__.get("_tfidf")
        how = self._fast_counting()
        if (
            how is None
            or tfidf is None
            or tfidf.norm not in ("l1", "l2", None)
            or np.dtype(self.dtype) not in (np.float32, np.float64)
        ):
            return super().transform(raw_documents)
        if isinstance(raw_documents, str):
            raise ValueError("Iterable over raw text documents expected, string object received.")
        docs = list(raw_documents)
        if not docs:
            return super().transform(docs)  # which refuses an empty batch, as scikit-learn does
        self._check_vocabulary()
        x = self._char_counts(docs) if how == "char" else self._token_counts(docs)
        if self.binary:
            x.data.fill(1)
        if tfidf.sublinear_tf:
            np.log(x.data, x.data)
            x.data += 1.0
        if hasattr(tfidf, "idf_"):
            x.data *= tfidf.idf_[x.indices]
        if tfidf.norm == "l2":
            inplace_csr_row_normalize_l2(x)
        elif tfidf.norm == "l1":
            inplace_csr_row_normalize_l1(x)
        return _as_configured(x)

    # -- pickling ------------------------------------------------------------
    # A vocabulary of 60,000 n-grams pickled as a dict took a quarter of a
    # second to unpickle with joblib's pure-Python unpickler, most of a model's
    # load time.  It is stored as one string, the term lengths and the columns,
    # and rebuilt in a few milliseconds.

    def __getstate__(self) -> dict[str, Any]:
        state = dict(super().__getstate__())  # which may be the live __dict__
        state.pop("_table", None)
        vocabulary = state.get("vocabulary_")
        if isinstance(vocabulary, dict) and all(type(t) is str for t in vocabulary):
            terms = list(vocabulary)
            state["vocabulary_"] = (  # all terms in one string, their lengths, their columns
                "".join(terms),
                np.fromiter(map(len, terms), dtype=np.int64, count=len(terms)),
                np.fromiter(vocabulary.values(), dtype=np.int64, count=len(terms)),
            )
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        packed = state.get("vocabulary_")
        if isinstance(packed, tuple) and len(packed) == 3:
            text, lengths, cols = packed
            ends = np.cumsum(lengths).tolist()
            starts = [0, *ends[:-1]]
            state["vocabulary_"] = dict(zip([text[a:b] for a, b in zip(starts, ends, strict=True)], cols.tolist(), strict=True))
        super().__setstate__(state)
