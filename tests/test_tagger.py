"""Tagger: tag / predict / predict_proba / pipe / explain on the bundled default model."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

import clustertags
from clustertags import ParagraphTags, Tagger


def test_labels(tagger: Tagger) -> None:
    assert tagger.labels == ("core_technology", "supply_chain", "globalisation", "green_shift")


def test_tag_splits_and_keeps_offsets(tagger: Tagger) -> None:
    text = "\n部品が届かず、完成車工場のラインが止まった。\n\n週末は家族で映画を見に行った。\n"
    paras = tagger.tag(text)
    assert len(paras) == 2
    for p in paras:
        assert isinstance(p, ParagraphTags)
        assert text[p.start : p.end] == p.text
        assert set(p.scores) == set(tagger.labels)
        assert all(0.0 <= s <= 1.0 for s in p.scores.values())
        assert set(p.labels) <= set(tagger.labels)
        assert all(p.scores[lab] >= tagger.thresholds[lab] for lab in p.labels)


@pytest.mark.parametrize("text", ["", "   ", "\n\n\u3000\n"])
def test_empty_text_gives_no_paragraphs(tagger: Tagger, text: str) -> None:
    assert tagger.tag(text) == []


@pytest.mark.parametrize("bad", [None, 42, b"bytes", ["list"]])
def test_tag_type_error_names_type(tagger: Tagger, bad) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        tagger.tag(bad)


def test_predict_rejects_bare_string(tagger: Tagger) -> None:
    with pytest.raises(TypeError, match="single str"):
        tagger.predict("部品不足")
    with pytest.raises(TypeError, match="item 1 is int"):
        tagger.predict_proba(["部品不足", 3])


def test_predict_never_splits(tagger: Tagger) -> None:
    doc = "部品が届かず、完成車工場のラインが止まった。\n\n欧州に販売会社を設立した。"
    assert len(tagger.predict([doc])) == 1
    assert len(tagger.predict_proba([doc, doc])) == 2
    assert tagger.predict([]) == []


def test_other_languages_do_not_crash(tagger: Tagger) -> None:
    for text in ["The weather is nice today.", "오늘 날씨가 좋네요", "Привет, как дела?", "🙂🙂🙂", "1234567890"]:
        result = tagger.tag(text)
        assert len(result) == 1


def test_pipe_matches_tag_in_order(tagger: Tagger, dev_records) -> None:
    texts = [r["text"] for r in dev_records[:120]] + ["", "部品不足。\n\n海外進出。"]
    expected = [tagger.tag(t) for t in texts]
    assert list(tagger.pipe(texts, batch_size=7)) == expected
    assert list(tagger.pipe(iter(texts), batch_size=50, n_jobs=2)) == expected


def test_pipe_rejects_string(tagger: Tagger) -> None:
    with pytest.raises(TypeError):
        list(tagger.pipe("abc"))


def test_threads_give_serial_results(tagger: Tagger, dev_records) -> None:
    texts = [r["text"] for r in dev_records[:160]]
    serial = tagger.predict_proba(texts)
    chunks = [texts[i::8] for i in range(8)]
    with ThreadPoolExecutor(8) as pool:
        parts = list(pool.map(tagger.predict_proba, chunks))
    for i, part in enumerate(parts):
        assert part == serial[i::8]


def test_explain_lists_features(tagger: Tagger) -> None:
    info = tagger.explain("部品が届かず、完成車工場のラインが三日間止まった。")
    assert set(info) == set(tagger.labels)
    sc = info["supply_chain"]
    assert sc["up"] and all(w > 0 for _, w in sc["up"])
    assert any(name.startswith(("word:", "char:")) for name, _ in sc["up"])
    assert sc["score"] == pytest.approx(tagger.predict_proba(["部品が届かず、完成車工場のラインが三日間止まった。"])[0]["supply_chain"])


def test_load_default_is_shared_and_checked() -> None:
    a, b = clustertags.load(), clustertags.load()
    assert a.model is b.model
    assert a.card["model_sha256"]
