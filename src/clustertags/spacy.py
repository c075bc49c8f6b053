"""spaCy integration: a MeCab tokenizer and the ``clustertags`` pipeline component.

Both are registered through package entry points (``spacy_tokenizers`` and
``spacy_factories`` in pyproject.toml), so a pipeline or a config file can
name them without importing clustertags::

    nlp = spacy.blank("ja", config={"nlp": {"tokenizer": {"@tokenizers": "clustertags.fugashi_tokenizer.v1"}}})
    nlp.add_pipe("clustertags")

This is the only module of clustertags that imports spaCy.  See docs/spacy.md.
"""

import copy
import functools
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

try:
    import numpy as np
    import srsly
    from spacy.attrs import LEMMA, NORM, POS, TAG
    from spacy.language import Language
    from spacy.parts_of_speech import IDS as POS_IDS
    from spacy.pipeline import Pipe
    from spacy.scorer import Scorer
    from spacy.tokens import Doc
    from spacy.training import Example
    from spacy.util import minibatch, registry
    from spacy.vocab import Vocab
except ImportError as exc:  # pragma: no cover - exercised only without spaCy
    raise ImportError("clustertags.spacy needs spaCy: pip install 'clustertags[spacy]'") from exc

# clustertags.analyzer (scikit-learn) is imported on first use: spaCy imports
# this module in every process that builds a pipeline, through the
# spacy_factories entry point, whether or not the pipeline uses clustertags.
from .errors import InputError
from .loading import default_model_path, load
from .model import card_path, read_card
from .tagger import ParagraphTags, Tagger

__all__ = [
    "TOKENIZER",
    "FACTORY",
    "SPANS_KEY",
    "EXTENSION",
    "FugashiTokenizer",
    "ClusterTagsComponent",
    "create_fugashi_tokenizer",
    "make_clustertags",
    "universal_pos",
]

TOKENIZER = "clustertags.fugashi_tokenizer.v1"
FACTORY = "clustertags"
#: Key of the paragraph spans in ``doc.spans``.
SPANS_KEY = "clustertags"
#: Name of the Doc extension holding the paragraph results: ``doc._.clustertags``.
EXTENSION = "clustertags"
#: UniDic POS of whitespace tokens, as MeCab and spaCy's Japanese tokenizer use it.
SPACE_TAG = "空白"

# -- UniDic POS -> Universal POS ---------------------------------------------

# Most specific prefix first; the first prefix a UniDic POS starts with wins.
_UPOS_PREFIXES: tuple[tuple[str, str], ...] = (
    ("名詞-固有名詞", "PROPN"),
    ("名詞-数詞", "NUM"),
    ("名詞-助動詞語幹", "AUX"),
    ("名詞", "NOUN"),
    ("代名詞", "PRON"),
    ("動詞", "VERB"),
    ("形容詞", "ADJ"),
    ("形状詞-助動詞語幹", "AUX"),
    ("形状詞", "ADJ"),
    ("連体詞", "ADJ"),
    ("副詞", "ADV"),
    ("接続詞", "CCONJ"),
    ("感動詞", "INTJ"),
    ("助動詞", "AUX"),
    ("助詞-終助詞", "PART"),
    ("助詞-接続助詞", "SCONJ"),
    ("助詞-準体助詞", "SCONJ"),
    ("助詞", "ADP"),
    ("接頭辞", "NOUN"),
    ("接尾辞-名詞的", "NOUN"),
    ("接尾辞-形容詞的", "AUX"),
    ("接尾辞", "PART"),
    ("補助記号-句点", "PUNCT"),
    ("補助記号-読点", "PUNCT"),
    ("補助記号-括弧", "PUNCT"),
    ("補助記号", "SYM"),
    ("記号", "SYM"),
    (SPACE_TAG, "SPACE"),
)
# Demonstrative adnominals (この, その, あの, どの, かの, ある) are determiners
# in UD Japanese; other adnominals (大きな, いわゆる) are adjectives.
_DETERMINER_LEMMAS = frozenset({"此の", "其の", "彼の", "何の", "或る", "我が"})
# 動詞-非自立可能 (為る, 居る, 出来る, 成る...) and 形容詞-非自立可能 (無い, 良い...)
# are auxiliaries after a verb, an auxiliary, a te-form particle or a suru-noun
# (生産-し-て-いる), and content words elsewhere (本が-ある).
_AUX_CONTEXT = ("動詞", "助動詞", "助詞-接続助詞", "形容詞", "名詞-普通名詞-サ変", "接尾辞-名詞的-サ変可能")
_SURU_NOUNS = ("名詞-普通名詞-サ変", "接尾辞-名詞的-サ変可能")


@functools.lru_cache(maxsize=512)
def _pos_of_tag(tag: str) -> str:
    for prefix, upos in _UPOS_PREFIXES:
        if tag.startswith(prefix):
            return upos
    return "X"


def universal_pos(tags: Sequence[str], lemmas: Sequence[str]) -> list[str]:
    """Universal POS tags for a sentence of UniDic POS strings and lemmas.

    A table maps each UniDic POS to one Universal POS; three UD Japanese
    conventions need the neighbouring word: a non-independent verb or
    adjective is AUX after a verb, auxiliary, te-form or suru-noun (and the
    suru-noun before it is then VERB), demonstrative adnominals are DET.

    >>> universal_pos(["名詞-普通名詞-サ変可能", "動詞-非自立可能", "助動詞"], ["生産", "為る", "た"])
    ['VERB', 'AUX', 'AUX']
    """
    out = [_pos_of_tag(t) for t in tags]
    prev, prev_i = "", -1  # UniDic POS and index of the previous word that is not whitespace
    for i, tag in enumerate(tags):
        if tag == SPACE_TAG or not tag:
            continue
        if tag in ("動詞-非自立可能", "形容詞-非自立可能") and prev.startswith(_AUX_CONTEXT):
            out[i] = "AUX"
            if prev.startswith(_SURU_NOUNS) and out[prev_i] == "NOUN":
                out[prev_i] = "VERB"
        elif tag == "連体詞" and lemmas[i] in _DETERMINER_LEMMAS:
            out[i] = "DET"
        prev, prev_i = tag, i
    return out


# -- the tokenizer -------------------------------------------------------------

_RUNS = re.compile(r"\s+|\S+")
_SURROGATE = re.compile("[\ud800-\udfff]")


@functools.lru_cache(maxsize=1 << 16)
def _norm(word: str) -> str:
    from .analyzer import normalize_text

    return normalize_text(word)


class FugashiTokenizer:
    """A spaCy tokenizer on MeCab (fugashi + unidic-lite): text -> Doc.

    Tokens are MeCab's short-unit words with ``tag_`` the UniDic POS
    (名詞-普通名詞-一般), ``pos_`` its Universal POS (:func:`universal_pos`),
    ``lemma_`` the UniDic lemma (語彙素; proper nouns and unknown words keep
    their written form, as in the theme model's features) and ``norm_`` the
    NFKC-normalised, lower-cased text.  Whitespace follows spaCy: one ASCII
    space after a word is that token's ``whitespace_``, any other run of
    whitespace is a token of its own with POS SPACE and tag 空白, so
    ``doc.text == text`` always.

    Parameters
    ----------
    vocab : spacy.vocab.Vocab
        The pipeline's vocabulary.
    user_dic : str or None
        Path of a compiled MeCab user dictionary, as for
        :class:`~clustertags.JapaneseAnalyzer`.  The path is stored, not the
        file: it must exist where the pipeline is loaded.
    """

    def __init__(self, vocab: Vocab, user_dic: str | None = None) -> None:
        self.vocab = vocab
        self.user_dic = user_dic

    def __reduce__(self) -> tuple[Any, ...]:
        # Only settings travel; MeCab handles are per process and per thread.
        return (FugashiTokenizer, (self.vocab, self.user_dic))

    def __call__(self, text: str) -> Doc:
        if not isinstance(text, str):
            raise TypeError(f"FugashiTokenizer expects str, got {type(text).__name__}; decode bytes first")
        bad = _SURROGATE.search(text)
        if bad is not None:
            raise InputError(
                f"lone surrogate {bad.group()!r} at offset {bad.start()}: spaCy stores strings as UTF-8 and "
                "cannot hold it; decode the input with errors='replace' (or replace surrogates with U+FFFD) first"
            )
        from .analyzer import morphemes

        words: list[str] = []
        spaces: list[bool] = []
        tags: list[str] = []
        lemmas: list[str] = []

        def add_gap(gap: str) -> None:
            # Text MeCab skipped: whitespace becomes token whitespace or a
            # whitespace token; anything else (a NUL) becomes a token.
            for run in _RUNS.findall(gap):
                if not run.isspace():
                    words.append(run)
                    spaces.append(False)
                    tags.append("")
                    lemmas.append(run)
                    continue
                if run[0] == " " and words and not spaces[-1]:
                    spaces[-1] = True
                    run = run[1:]
                if run:
                    words.append(run)
                    spaces.append(False)
                    tags.append(SPACE_TAG)
                    lemmas.append(run)

        at = 0
        for m in morphemes(text, user_dic=self.user_dic):
            if m.surface.isspace():  # MeCab's 空白 words (U+3000) join the surrounding gap
                continue
            if m.start > at:
                add_gap(text[at : m.start])
            words.append(m.surface)
            spaces.append(False)
            tags.append(m.pos)
            lemmas.append(m.lemma)
            at = m.end
        if at < len(text):
            add_gap(text[at:])
        return self._doc(words, spaces, tags, lemmas)

    def _doc(self, words: list[str], spaces: list[bool], tags: list[str], lemmas: list[str]) -> Doc:
        doc = Doc(self.vocab, words=words, spaces=spaces)
        if not words:
            return doc
        add = self.vocab.strings.add
        upos = universal_pos(tags, lemmas)
        values: Any = np.empty((len(words), 4), dtype="uint64")
        values[:, 0] = [add(t) for t in tags]
        values[:, 1] = [POS_IDS[p] for p in upos]
        values[:, 2] = [add(lem) for lem in lemmas]
        values[:, 3] = [add(_norm(w)) for w in words]
        return doc.from_array([TAG, POS, LEMMA, NORM], values)

    def pipe(self, texts: Iterable[str], *, batch_size: int = 1000) -> Iterator[Doc]:
        for text in texts:
            yield self(text)

    # Serialisation: the settings only, as spaCy's own Japanese tokenizer does.
    def _config(self) -> dict[str, Any]:
        return {"user_dic": self.user_dic}

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return srsly.msgpack_dumps({"cfg": self._config()})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "FugashiTokenizer":
        self.user_dic = srsly.msgpack_loads(data)["cfg"].get("user_dic")
        return self

    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        srsly.write_json(folder / "cfg", self._config())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "FugashiTokenizer":
        self.user_dic = srsly.read_json(Path(path) / "cfg").get("user_dic")
        return self


@registry.tokenizers(TOKENIZER)
def create_fugashi_tokenizer(user_dic: str | None = None) -> Callable[[Language], FugashiTokenizer]:
    """The ``clustertags.fugashi_tokenizer.v1`` entry in spaCy's ``@tokenizers`` registry."""

    def make_tokenizer(nlp: Language) -> FugashiTokenizer:
        return FugashiTokenizer(nlp.vocab, user_dic=user_dic)

    return make_tokenizer


# -- the component -------------------------------------------------------------

_MODEL_FILE = "model.joblib"


class ClusterTagsComponent(Pipe):
    """Tags each paragraph of ``doc.text`` with themes and summarises the document.

    Sets, for each Doc:

    * ``doc.cats``: every label's document score, the **maximum** of its
      paragraph scores, so a label's score reaches its threshold exactly when
      at least one paragraph is tagged with it;
    * ``doc.spans["clustertags"]``: one Span per paragraph, its ``label_`` the
      comma-joined labels or "", expanded to token boundaries;
    * ``doc._.clustertags``: the paragraph results as plain dicts
      (:meth:`ParagraphTags.to_dict`), so they survive ``Doc.to_bytes``,
      ``DocBin`` and ``nlp.pipe(n_process=...)``.

    It reads ``doc.text`` only, so it works after any tokenizer.  The model is
    loaded on first use (or by ``initialize``/``from_disk``), and
    ``to_disk`` copies it and its model card into the pipeline's folder, so a
    saved pipeline does not depend on the original model path.
    """

    def __init__(self, nlp: Language | None = None, name: str = FACTORY, *, model: str | None = None) -> None:
        if model is not None and not isinstance(model, (str, Path)):
            raise TypeError(f"model must be a path or None, not {type(model).__name__}")
        self.name = name
        self.model = None if model is None else str(model)
        self._tagger: Tagger | None = None
        if not Doc.has_extension(EXTENSION):
            Doc.set_extension(EXTENSION, default=None)

    def __repr__(self) -> str:
        return f"ClusterTagsComponent(name={self.name!r}, model={self.model!r})"

    @property
    def tagger(self) -> Tagger:
        """The :class:`~clustertags.Tagger`, loaded from ``model`` on first use."""
        if self._tagger is None:
            self._tagger = load(self.model)
        return self._tagger

    @property
    def labels(self) -> tuple[str, ...]:
        """The model's labels, read from its card until the model is loaded.

        spaCy reads ``labels`` while it loads a pipeline, before ``from_disk``
        has put the saved model in place: that must not load ``model``.
        """
        if self._tagger is not None:
            return self._tagger.labels
        try:
            return tuple(read_card(self.model or default_model_path())["labels"])
        except (OSError, KeyError, TypeError):  # ModelError is an OSError
            return ()

    def initialize(self, get_examples: Callable[[], Iterable[Any]] | None = None, *, nlp: Language | None = None) -> None:
        """Load the model now (``nlp.initialize()``, ``spacy train``), so a bad path fails early."""
        _ = self.tagger

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations(doc, self.tagger.tag(doc.text))
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 128) -> Iterator[Doc]:
        """Tag docs in batches: all paragraphs of a batch go to the model in one call."""
        error_handler = self.get_error_handler()
        for docs in minibatch(stream, size=batch_size):
            try:
                results = self.tagger.tag_many([doc.text for doc in docs])
                for doc, paragraphs in zip(docs, results, strict=True):
                    self.set_annotations(doc, paragraphs)
                yield from docs
            except Exception as e:
                error_handler(self.name, self, docs, e)

    def set_annotations(self, doc: Doc, paragraphs: Sequence[ParagraphTags]) -> None:
        cats = dict.fromkeys(self.tagger.labels, 0.0)
        for p in paragraphs:
            for label, score in p.scores.items():
                cats[label] = max(cats[label], score)
        doc.cats.update(cats)
        spans = []
        for p in paragraphs:
            span = doc.char_span(p.start, p.end, label=",".join(p.labels), alignment_mode="expand")
            if span is None:  # pragma: no cover - "expand" finds tokens for any offsets into doc.text
                raise ValueError(f"no tokens for the paragraph at {p.start}:{p.end} of a {len(doc.text)}-character doc")
            spans.append(span)
        doc.spans[SPANS_KEY] = spans
        doc._.set(EXTENSION, [p.to_dict() for p in paragraphs])

    def score(self, examples: Iterable[Example], **kwargs: Any) -> dict[str, Any]:
        """Score ``doc.cats`` against the examples' reference cats (``nlp.evaluate``).

        spaCy's scorer applies one threshold to every label; this model has
        one per label.  So each predicted score is mapped, monotonically, to
        a scale on which 0.5 is its label's threshold, and a label counts as
        predicted exactly when a paragraph of the doc carries it.  The AUC,
        which depends only on the order of the scores, is unchanged.
        Returns spaCy's ``cats_*`` keys (``cats_macro_f``, ``cats_f_per_type``...).
        """
        thresholds = self.tagger.thresholds

        def getter(doc: Doc, attr: str) -> dict[str, float]:
            cats = dict(getattr(doc, attr))
            tagged = doc._.get(EXTENSION)
            if tagged is None:  # a reference doc: its gold cats as they are
                return cats
            carried = {label for p in tagged for label in p["labels"]}
            for label, score in cats.items():
                if label in thresholds:
                    cats[label] = _on_half_scale(score, thresholds[label], label in carried)
            return cats

        multi = self.tagger.model.multilabel
        return Scorer.score_cats(
            examples, "cats", getter=getter if multi else getattr, labels=self.labels, multi_label=multi, threshold=0.5
        )

    # Serialisation: the model file and its card, checked by sha256 on loading.
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        folder = Path(path)
        folder.mkdir(parents=True, exist_ok=True)
        # Save a shallow copy: ThemeModel.save rewrites the card of the object
        # it saves, and the default model is shared by every Tagger.
        copy.copy(self.tagger.model).save(folder / _MODEL_FILE)

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> "ClusterTagsComponent":
        self._tagger = load(Path(path) / _MODEL_FILE)
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        with tempfile.TemporaryDirectory(prefix="clustertags-") as tmp:
            self.to_disk(tmp)
            model = Path(tmp) / _MODEL_FILE
            return srsly.msgpack_dumps({"model": model.read_bytes(), "card": card_path(model).read_bytes()})

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "ClusterTagsComponent":
        files = srsly.msgpack_loads(data)
        with tempfile.TemporaryDirectory(prefix="clustertags-") as tmp:
            model = Path(tmp) / _MODEL_FILE
            model.write_bytes(files["model"])
            card_path(model).write_bytes(files["card"])
            return self.from_disk(tmp)


def _on_half_scale(score: float, threshold: float, tagged: bool) -> float:
    """Map ``score`` in [0, 1] so that ``threshold`` lands on 0.5, keeping the order."""
    if 0.0 < threshold < 1.0:
        scaled = 0.5 * score / threshold if score < threshold else 0.5 + 0.5 * (score - threshold) / (1.0 - threshold)
    else:  # pragma: no cover - thresholds are chosen strictly inside (0, 1)
        scaled = score
    # Paragraph decisions use unrounded scores; doc.cats holds rounded ones.
    return max(scaled, 0.5) if tagged else min(scaled, 0.4999999)


@Language.factory(
    FACTORY,
    assigns=["doc.cats", "doc.spans", f"doc._.{EXTENSION}"],
    default_config={"model": None},
    default_score_weights={"cats_macro_f": 1.0, "cats_micro_f": None, "cats_macro_auc": None},
)
def make_clustertags(nlp: Language, name: str, model: str | None) -> ClusterTagsComponent:
    """The ``clustertags`` factory: ``nlp.add_pipe("clustertags", config={"model": PATH})``."""
    return ClusterTagsComponent(nlp, name, model=model)
