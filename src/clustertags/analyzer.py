"""Japanese tokenisation with MeCab (fugashi + unidic-lite).

:class:`JapaneseAnalyzer` turns a paragraph into the content-word lemmas the
theme model is trained on, and is a drop-in ``analyzer`` for scikit-learn's
vectorisers.  :func:`morphemes` gives the same analysis with character
offsets into the original string, for the spaCy tokenizer.

Three MeCab facts shape this module (fugashi 1.5.2, unidic-lite 1.0.8):

* one MeCab tagger shared by threads returns wrong features for some words,
  so every thread gets its own tagger (``threading.local``);
* MeCab crashes the process on very long inputs without a break (about
  200,000 ASCII letters) and stops at a NUL character, so text is cut into
  chunks of at most :data:`MAX_CHUNK` characters and NULs, other control
  characters and lone surrogates are replaced, one character for one, before
  MeCab sees them;
* native handles cannot be pickled, so only the settings are pickled and the
  tagger is rebuilt on first use after unpickling (joblib, loky, Dask).

Speed: :meth:`JapaneseAnalyzer.words` asks MeCab for the four fields it needs
in a format of its own (``_WORD_FORMAT``) and reads the gaps that end
compound nouns from MeCab's output rather than searching the text; the tests
hold it against a plain implementation on MeCab's default output.

Preprocessing, exactly: the text is NFKC-normalised (full-width ASCII and
half-width katakana become their standard forms) and ASCII is lower-cased.
Each word is kept when its UniDic POS is a noun, verb, adjective, adjectival
noun or adverb.  Its token is the UniDic lemma (語彙素, so 出来る and できる
are one token), except for proper nouns, which keep their written form
(UniDic gives 東京 the katakana lemma トウキョウ, which would merge distinct
names), and for unknown words, which have no lemma and keep their surface.
Numbers become the single token ``<num>``.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sklearn.base import BaseEstimator

__all__ = [
    "JapaneseAnalyzer",
    "Morpheme",
    "MAX_CHUNK",
    "dictionary_info",
    "morphemes",
    "normalize_text",
    "sanitize",
]

#: Longest piece of text handed to MeCab in one call.
MAX_CHUNK = 2000

#: UniDic top-level POS kept as content words.
CONTENT_POS = ("名詞", "動詞", "形容詞", "形状詞", "副詞", "接尾辞-名詞的")

#: Lemmas of light verbs and formal nouns that carry no topic.
STOP_LEMMAS = frozenset(
    """為る 有る 居る 成る 出来る 言う 思う 見る 行く 来る 呉れる 貰う 遣る 得る 事 物 者 所 為 様 方 此れ 其れ 彼れ
    何 時 中 上 下 前 後 的 位 程 等 達 さん 氏 ら 様々""".split()
)

NUMBER_TOKEN = "<num>"

#: Parts of speech that join into compound-noun tokens (半+導体 -> 半導体).
_COMPOUND_POS = ("名詞", "接頭辞", "接尾辞-名詞的")

# Control characters, lone surrogates and line/paragraph separators become a
# space (surrogates become U+FFFD) so MeCab sees one character for each one.
_UNSAFE = re.compile("[\x00-\x1f\x7f\u0085\u2028\u2029]")
_SURROGATE = re.compile("[\ud800-\udfff]")
# Preferred places to cut a long text, best first.
_CUT_AFTER = re.compile(r"[。．！？!?\n]|\s")

# What JapaneseAnalyzer.words asks MeCab for, one word a line and nothing
# else: the whitespace MeCab skipped before the word (%pS, empty when there
# is none: a gap ends a compound), surface, lemma and POS.  Unknown words have
# no lemma, so their surface stands in, as in unidic-lite's own unk format.
# Compared with reading MeCab's default eight fields and finding each surface
# in the text to detect gaps (the reference in tests/test_analyzer.py), this made
# the analyzer about a quarter faster; MeCab itself is then most of its time.
_WORD_FORMAT = (
    r'-O "" -F "%pS\t%m\t%f[7]\t%F-[0,1,2,3]\n" -U "%pS\t%m\t%m\t%F-[0,1,2,3]\n" -E ""'
)

# Word classes, computed once per distinct POS string and keep_pos setting.
_JOINS, _KEPT, _NUMBER, _PROPER = 1, 2, 4, 8
_POS_CLASSES: dict[tuple[str, ...], dict[str, int]] = {}


def _pos_class(pos: str, keep: tuple[str, ...]) -> int:
    cls = 0
    if pos.startswith(_COMPOUND_POS) and not pos.startswith("名詞-数詞"):
        cls |= _JOINS
    if pos.startswith(keep):
        cls |= _KEPT
        if pos.startswith("名詞-数詞"):
            cls |= _NUMBER
    if pos.startswith("名詞-固有名詞"):
        cls |= _PROPER
    return cls


def sanitize(text: str) -> str:
    """Return ``text`` with characters MeCab mishandles replaced one for one.

    NUL and other control characters (including line breaks) become spaces and
    lone surrogates become U+FFFD, so offsets into the result are offsets
    into ``text``.
    """
    if not text.isprintable():
        text = _UNSAFE.sub(" ", text)
        text = _SURROGATE.sub("\ufffd", text)
    return text


# Both feature blocks of a model normalise the same paragraph objects, one
# block after the other, and NFKC was the costliest step after MeCab.  The
# latest results are remembered by object identity (the very same str object:
# an equal string read again from a stream is a new object and is normalised
# again), up to a budget of characters, then all forgotten at once.
_NORMALIZED: dict[int, tuple[str, str]] = {}
_NORMALIZED_BUDGET = 2_000_000  # characters of input remembered at most
_NORMALIZED_LONGEST = 50_000  # longer texts are not remembered
_normalized_chars = 0


def _forget_normalized() -> None:
    global _normalized_chars
    _NORMALIZED.clear()
    _normalized_chars = 0


def normalize_text(text: str) -> str:
    """NFKC-normalise and lower-case ``text``: the form every feature is read from."""
    global _normalized_chars
    done = _NORMALIZED.get(id(text))
    if done is not None and done[0] is text:
        return done[1]
    out = unicodedata.normalize("NFKC", text).lower()
    if type(text) is str and len(text) <= _NORMALIZED_LONGEST:
        if _normalized_chars > _NORMALIZED_BUDGET:
            _forget_normalized()
        _NORMALIZED[id(text)] = (text, out)  # holding text keeps its id from being reused
        _normalized_chars += len(text)
    return out


def _chunks(text: str, limit: int = MAX_CHUNK) -> Iterator[tuple[int, str]]:
    """Cut ``text`` into ``(offset, chunk)`` pieces of at most ``limit`` characters.

    Cuts fall after a sentence end or whitespace when one exists in the second
    half of the window, otherwise at the limit itself.
    """
    start = 0
    n = len(text)
    while n - start > limit:
        window = text[start : start + limit]
        cut = 0
        for m in _CUT_AFTER.finditer(window, limit // 2):
            cut = m.end()
        if cut == 0:
            cut = limit
        yield start, text[start : start + cut]
        start += cut
    if start < n:
        yield start, text[start:]


@dataclass(frozen=True, slots=True)
class Morpheme:
    """One MeCab word with its place in the original text."""

    surface: str
    lemma: str
    pos: str
    start: int
    end: int

    @property
    def pos1(self) -> str:
        """The top-level UniDic part of speech (名詞, 動詞...)."""
        return self.pos.split("-", 1)[0]


class _MeCab:
    """Per-thread MeCab taggers built from settings that pickle."""

    def __init__(self, user_dic: str | None) -> None:
        self.user_dic = user_dic
        self._local = threading.local()

    def __getstate__(self) -> dict[str, Any]:
        return {"user_dic": self.user_dic}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["user_dic"])  # type: ignore[misc]

    def tagger(self) -> Any:
        tagger = getattr(self._local, "tagger", None)
        if tagger is None:
            tagger = self._local.tagger = _new_tagger(self.user_dic)
        return tagger

    def word_tagger(self) -> Any:
        tagger = getattr(self._local, "word_tagger", None)
        if tagger is None:
            tagger = self._local.word_tagger = _new_tagger(self.user_dic, _WORD_FORMAT)
        return tagger

    def parse_lines(self, text: str) -> list[list[str]]:
        """Analyse ``text`` (already sanitised, any length) into field lists."""
        parse = self.tagger().parse
        rows: list[list[str]] = []
        for _, chunk in _chunks(text):
            if not chunk.strip():
                continue
            for line in parse(chunk).split("\n"):
                if line and line != "EOS":
                    rows.append(line.split("\t"))
        return rows


def _new_tagger(user_dic: str | None, output: str = "") -> Any:
    try:
        import fugashi
        import unidic_lite
    except ImportError as exc:  # pragma: no cover - both are hard dependencies
        raise ImportError(
            "clustertags needs fugashi and unidic-lite: pip install fugashi unidic-lite"
        ) from exc
    dicdir = Path(unidic_lite.DICDIR)
    args = f'-r "{dicdir / "mecabrc"}" -d "{dicdir}"'
    if user_dic is not None:
        path = Path(user_dic)
        if not path.is_file():
            raise FileNotFoundError(
                f"user dictionary {str(path)!r} not found; build one with "
                "clustertags.userdic.build_user_dictionary and pass its path"
            )
        args += f' -u "{path}"'
    # The default unidic-lite output is: surface, pronunciation, kana, lemma,
    # POS (joined by '-'), conjugation type, conjugation form, accent.
    # ``output`` replaces it (see _WORD_FORMAT).
    return fugashi.GenericTagger(f"{args} {output}" if output else args)


_SHARED: dict[str | None, _MeCab] = {}
_SHARED_LOCK = threading.Lock()


def _mecab(user_dic: str | None) -> _MeCab:
    with _SHARED_LOCK:
        mecab = _SHARED.get(user_dic)
        if mecab is None:
            mecab = _SHARED[user_dic] = _MeCab(user_dic)
        return mecab


def _lemma(fields: list[str]) -> str:
    surface = fields[0]
    if len(fields) < 5:
        return surface
    lemma = fields[3]
    if not lemma or lemma == "*" or fields[4].startswith("名詞-固有名詞"):
        return surface
    return lemma


def morphemes(text: str, *, user_dic: str | None = None) -> list[Morpheme]:
    """Analyse ``text`` as it is (no normalisation) into morphemes with offsets.

    ``text[m.start:m.end] == m.surface`` for every morpheme, whatever the
    input: control characters and surrogates are neutralised and long texts
    chunked before MeCab sees them.
    """
    if not isinstance(text, str):
        raise TypeError(f"text must be str, not {type(text).__name__}")
    safe = sanitize(text)
    out: list[Morpheme] = []
    pos = 0
    for fields in _mecab(user_dic).parse_lines(safe):
        surface = fields[0]
        start = safe.find(surface, pos)
        if start < 0:  # pragma: no cover - MeCab returns substrings in order
            continue
        end = start + len(surface)
        out.append(Morpheme(text[start:end], _lemma(fields), fields[4] if len(fields) > 4 else "", start, end))
        pos = end
    return out


def dictionary_info() -> dict[str, str]:
    """Name and version of the MeCab dictionary, for model cards."""
    import unidic_lite

    version_file = Path(unidic_lite.DICDIR) / "version"
    version = version_file.read_text(encoding="utf-8").strip() if version_file.exists() else "unknown"
    try:
        from importlib.metadata import version as pkg_version

        package = pkg_version("unidic-lite")
    except Exception:  # pragma: no cover
        package = "unknown"
    return {"name": "unidic-lite", "package_version": package, "dictionary_version": version}


class JapaneseAnalyzer(BaseEstimator):
    """Japanese text -> content-word tokens; a scikit-learn ``analyzer``.

    Parameters
    ----------
    ngram_range : (int, int), default=(1, 1)
        Word n-grams to emit, joined by a space, over the content words.
    user_dic : str or None
        Path of a compiled MeCab user dictionary to use besides unidic-lite.
    keep_pos : tuple of str
        UniDic top-level parts of speech kept as content words.
    stop_lemmas : bool, default=True
        Drop light verbs and formal nouns (為る, 事, 物...).
    compounds : bool, default=True
        Also emit each run of nouns, prefixes and noun suffixes as one
        token, because UniDic's short units split 半導体 into 半 + 導体 and
        自動車 into 自動 + 車.

    Examples
    --------
    >>> JapaneseAnalyzer()("東京の工場で半導体を生産した")
    ['東京', '工場', '半', '導体', '半導体', '生産']
    """

    def __init__(
        self,
        *,
        ngram_range: tuple[int, int] = (1, 1),
        user_dic: str | None = None,
        keep_pos: tuple[str, ...] = CONTENT_POS,
        stop_lemmas: bool = True,
        compounds: bool = True,
    ) -> None:
        self.ngram_range = ngram_range
        self.user_dic = user_dic
        self.keep_pos = keep_pos
        self.stop_lemmas = stop_lemmas
        self.compounds = compounds

    def __call__(self, doc: str) -> list[str]:
        return self.analyze(doc)

    def words(self, doc: str) -> list[str]:
        """The content-word tokens of ``doc``, in order, without n-grams."""
        if not isinstance(doc, str):
            raise TypeError(
                f"JapaneseAnalyzer expects str, got {type(doc).__name__}; "
                "decode bytes first"
            )
        text = sanitize(normalize_text(doc))
        keep = tuple(self.keep_pos)
        classes = _POS_CLASSES.setdefault(keep, {})
        joins = _JOINS if self.compounds else 0
        stops = STOP_LEMMAS if self.stop_lemmas else frozenset()
        parse = _mecab(self.user_dic).word_tagger().parse
        tokens: list[str] = []
        append = tokens.append
        run: list[str] = []  # surfaces of the current compound noun
        gap = False  # whitespace MeCab skipped between chunks, which ends a compound
        for _, chunk in _chunks(text):
            if not chunk.strip():
                gap = True
                continue
            parsed = parse(chunk)
            if not parsed:  # pragma: no cover - a chunk with a non-space character has words
                gap = True
                continue
            for line in parsed.split("\n"):
                space, surface, lemma, pos = line.split("\t")
                cls = classes.get(pos)
                if cls is None:
                    cls = classes[pos] = _pos_class(pos, keep)
                if space or gap:
                    gap = False
                    if len(run) > 1:
                        append("".join(run))
                    run = []
                if cls & joins:
                    run.append(surface)
                elif run:
                    if len(run) > 1:
                        append("".join(run))
                    run = []
                if cls & _KEPT:
                    if cls & _NUMBER:
                        append(NUMBER_TOKEN)
                        continue
                    if cls & _PROPER or not lemma or lemma == "*":
                        lemma = surface
                    if lemma not in stops:
                        append(lemma)
            if chunk[-1] == " ":  # MeCab's only whitespace once text is sanitised and normalised
                gap = True
        if len(run) > 1:
            append("".join(run))
        return tokens

    def analyze(self, doc: str) -> list[str]:
        """Tokens of ``doc`` with the configured word n-grams."""
        words = self.words(doc)
        low, high = self.ngram_range
        if (low, high) == (1, 1):
            return words
        if (low, high) == (1, 2):
            return words + [a + " " + b for a, b in zip(words, words[1:], strict=False)]
        out: list[str] = words[:] if low == 1 else []
        for n in range(max(low, 2), high + 1):
            out.extend(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
        return out
