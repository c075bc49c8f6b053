"""The fugashi analyzer: lemmas, POS filtering, normalisation, pickling, threads, hostile text."""

from __future__ import annotations

import pickle
import threading
from concurrent.futures import ThreadPoolExecutor

import joblib
import pytest
from sklearn.base import clone
from sklearn.feature_extraction.text import CountVectorizer

from clustertags.analyzer import (
    _COMPOUND_POS,
    MAX_CHUNK,
    NUMBER_TOKEN,
    STOP_LEMMAS,
    JapaneseAnalyzer,
    _chunks,
    _lemma,
    _mecab,
    morphemes,
    normalize_text,
    sanitize,
)


@pytest.fixture(scope="module")
def analyzer() -> JapaneseAnalyzer:
    return JapaneseAnalyzer()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("工場で部品を作った", ["工場", "部品", "作る"]),  # verbs become their lemma
        ("東京の工場", ["東京", "工場"]),  # proper noun keeps its written form, not トウキョウ
        ("ＥＶ用の電池", ["ev", "用", "ev用", "電池"]),  # NFKC + lower-case, compound kept
        ("2023年に３社が", ["<num>", "年", "<num>", "社"]),  # numbers collapsed, full width too
        ("できることはする", []),  # light verbs and formal nouns dropped
        ("美しい", ["美しい"]),  # adjectives kept
        ("", []),
    ],
)
def test_words(analyzer: JapaneseAnalyzer, text: str, expected: list[str]) -> None:
    assert analyzer.words(text) == expected


def test_compound_nouns_are_joined(analyzer: JapaneseAnalyzer) -> None:
    tokens = analyzer("半導体と自動車の供給網")
    for compound in ("半導体", "自動車", "供給網"):
        assert compound in tokens
    assert "導体" in tokens  # the short units stay too


def test_particles_and_auxiliaries_dropped(analyzer: JapaneseAnalyzer) -> None:
    tokens = analyzer("工場が止まりました。")
    assert "が" not in tokens and "ます" not in tokens and "。" not in tokens
    assert "止まる" in tokens


def test_unknown_word_keeps_surface(analyzer: JapaneseAnalyzer) -> None:
    assert "ｚｑｘｗ".lower() not in analyzer("ｚｑｘｗ")  # normalised first
    assert "zqxw" in analyzer("ｚｑｘｗ")


def test_bigrams(analyzer: JapaneseAnalyzer) -> None:
    tokens = JapaneseAnalyzer(ngram_range=(1, 2))("部品が不足した")
    assert tokens == ["部品", "不足", "部品 不足"]


def test_as_sklearn_analyzer() -> None:
    vec = CountVectorizer(analyzer=JapaneseAnalyzer())
    x = vec.fit_transform(["部品が不足した", "部品の調達"])
    assert "部品" in vec.vocabulary_ and x[:, vec.vocabulary_["部品"]].sum() == 2
    cloned = clone(vec)
    assert cloned.analyzer.get_params() == vec.analyzer.get_params()


def test_pickle_and_joblib_round_trip(tmp_path) -> None:
    a = JapaneseAnalyzer(ngram_range=(1, 2))
    a("一度使ってから")  # a live MeCab tagger exists now
    b = pickle.loads(pickle.dumps(a))
    joblib.dump(a, tmp_path / "a.joblib")
    c = joblib.load(tmp_path / "a.joblib")
    text = "トヨタ自動車は部品の在庫を積み増した"
    assert a(text) == b(text) == c(text)


def test_threads_give_serial_results(analyzer: JapaneseAnalyzer, train_records) -> None:
    texts = [r["text"] for r in train_records[:400]]
    serial = [analyzer(t) for t in texts]
    barrier = threading.Barrier(8)

    def work(offset: int) -> list[list[str]]:
        barrier.wait()
        order = texts[offset:] + texts[:offset]
        out = [analyzer(t) for t in order]
        return out[len(texts) - offset :] + out[: len(texts) - offset]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(0, 400, 50)))
    for r in results:
        assert r == serial


def test_user_dictionary_missing_is_clear() -> None:
    with pytest.raises(FileNotFoundError, match="user dictionary"):
        JapaneseAnalyzer(user_dic="/nonexistent/user.dic")("テスト")


def test_non_str_rejected(analyzer: JapaneseAnalyzer) -> None:
    with pytest.raises(TypeError, match="bytes"):
        analyzer(b"\xe5\xb7\xa5")  # type: ignore[arg-type]


# -- hostile text ------------------------------------------------------------
def test_nul_does_not_hide_the_rest(analyzer: JapaneseAnalyzer) -> None:
    assert "供給網" in analyzer("半導体\x00工場の供給網")


def test_lone_surrogate_does_not_raise(analyzer: JapaneseAnalyzer) -> None:
    assert "工場" in analyzer("工場\ud800の部品")


def test_very_long_text_without_breaks_is_chunked(analyzer: JapaneseAnalyzer) -> None:
    # One MeCab call on 200,000 ASCII letters kills the process; 1,000,000 here.
    tokens = analyzer("a" * 1_000_000 + " 部品")
    assert tokens[-1] == "部品"


def test_chunks_cover_text_and_respect_limit() -> None:
    text = ("部品が届かない。" * 700) + "x" * 5000
    pieces = list(_chunks(text))
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= MAX_CHUNK for _, p in pieces)
    assert all(text[o : o + len(p)] == p for o, p in pieces)
    assert pieces[0][1].endswith("。")  # cut after a sentence end


def test_sanitize_keeps_length() -> None:
    text = "a\x00b\ud800c\u2028d\r\n"
    assert len(sanitize(text)) == len(text)
    assert "\x00" not in sanitize(text)


def test_morphemes_slice_original_text() -> None:
    text = "ＥＶ用\x00電池を、東京で\r\n作る 😀 ｶﾀｶﾅ"
    ms = morphemes(text)
    assert all(text[m.start : m.end] == m.surface for m in ms)
    assert [m.surface for m in ms][:2] == ["ＥＶ", "用"]
    assert ms[0].pos1 == "名詞"


def test_normalize_text() -> None:
    assert normalize_text("ＡＢＣ１２３ｶﾞ") == "abc123ガ"


# -- the fast path against the plain one ----------------------------------------
def _mixed_long_texts(paragraphs: list[str]) -> list[str]:
    """Long texts joining paragraphs with every kind of gap, so MeCab sees several chunks."""
    gaps = ["", " ", "  ", "\n", "　", "\x00", "\t", " \u1680 ", "\r\n\r\n"]
    texts = []
    for i in range(0, 400, 40):
        parts = paragraphs[i : i + 40]
        texts.append("".join(p + gaps[k % len(gaps)] for k, p in enumerate(parts)))
    texts += [("半導体" * 400 + " ") * 6, "半導体" * 2000, " " * 5000 + "半導体工場", "\u1680" * 5000 + "工場"]
    return texts


def reference_words(a: JapaneseAnalyzer, doc: str) -> list[str]:
    """JapaneseAnalyzer.words written plainly, on MeCab's default output: the oracle for the fast path."""
    text = sanitize(normalize_text(doc))
    stops = STOP_LEMMAS if a.stop_lemmas else frozenset()
    tokens: list[str] = []
    run: list[str] = []

    def close_run() -> None:
        if len(run) > 1:
            tokens.append("".join(run))
        run.clear()

    at = 0  # where the previous word ended: a gap is whitespace, which ends a compound
    for fields in _mecab(a.user_dic).parse_lines(text):
        surface = fields[0]
        start = text.find(surface, at)
        if start != at:
            close_run()
        if start >= 0:
            at = start + len(surface)
        if len(fields) < 5:
            close_run()
            continue
        pos = fields[4]
        if a.compounds and pos.startswith(_COMPOUND_POS) and not pos.startswith("名詞-数詞"):
            run.append(surface)
        else:
            close_run()
        if not pos.startswith(tuple(a.keep_pos)):
            continue
        if pos.startswith("名詞-数詞"):
            token = NUMBER_TOKEN
        else:
            token = _lemma(fields)
            if token in stops:
                continue
        tokens.append(token)
    close_run()
    return tokens


@pytest.mark.parametrize(
    "params",
    [{}, {"compounds": False}, {"stop_lemmas": False}, {"keep_pos": ("名詞",)}, {"keep_pos": ("動詞", "名詞-普通名詞-サ変可能")}],
)
def test_fast_words_equal_reference_words(params: dict, train_records, dev_records) -> None:
    # words() reads a minimal MeCab output format; reference_words() is the
    # plain implementation on MeCab's default output.  Same tokens, same order.
    a = JapaneseAnalyzer(**params)
    texts = [r["text"] for r in train_records + dev_records]
    texts = texts + _mixed_long_texts(texts) if not params else texts[::5] + _mixed_long_texts(texts)[::3]
    texts += ["", " ", "ＥＶ用\x00電池を、東京で\r\n作る 😀 ｶﾀｶﾅ", "工場\ud800の部品", "半導体　工場", "* * *", "a" * 250_000 + " 部品"]
    for text in texts:
        assert a.words(text) == reference_words(a, text), text[:60]
