"""Reliability: any text, huge text, NULs, threads, fresh processes and reproducible training.

Every hostile-text test runs on the bundled default model.  The inputs MeCab
itself cannot take (200,000 ASCII letters in one call kill the process) are
tagged in a child process, so a crash shows as a failing return code instead
of taking pytest down with it.
"""

from __future__ import annotations

import json
import math
import os
import pickle
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clustertags import Tagger
from clustertags.analyzer import morphemes

from .conftest import LABELS

# -- arbitrary Unicode ----------------------------------------------------------

#: Pieces hostile to MeCab, to paragraph splitting or to offsets.
HOSTILE = [
    "\x00",  # ends MeCab's analysis
    "\ud800",  # lone surrogates: UTF-8 cannot encode them
    "\udfff",
    "\udc80",
    "\r\n",  # newline styles
    "\r",
    "\n",
    "\n\n",
    "\u2028",
    "\u2029",
    "\x85",
    "\x0b",
    "\x0c",
    "\x1c",
    "\x1f",
    "\x7f",
    "\x9f",
    "\t",
    "\u200b",  # zero-width space, joiner, non-joiner, BOM
    "\u200d",
    "\u200c",
    "\ufeff",
    "\u0301\u0301\u0301",  # combining marks with nothing to combine with
    "\u3099",
    "e\u0301",
    "\u202e",  # right-to-left override, marks and text
    "\u200f",
    "مرحبا بالعالم",
    "שלום עולם",
    "👨\u200d👩\u200d👧\u200d👦",  # emoji ZWJ sequence
    "🏳️\u200d🌈",
    "🇯🇵",
    "\U0010ffff",
    "\uffff",
    "\ufffd",
    "\u3000",
    "。",
    "「」",
    "！？",
    "㍿",  # NFKC turns it into 株式会社
    "\ufdfa",  # NFKC: 18 characters
    "ｶﾞｿﾘﾝ",
    "ＥＶ",
    "部品が届かず、完成車工場のラインが止まった。",
    "欧州に販売会社を設立した",
    "半導体",
]

_chars = st.one_of(
    st.characters(exclude_categories=()),  # everything but surrogates
    st.characters(categories=["Cs"]),  # lone surrogates
    st.characters(max_codepoint=0x9F),  # ASCII and C0/C1 controls
)
hostile_text = st.one_of(
    st.text(_chars, max_size=200),
    st.lists(st.one_of(st.sampled_from(HOSTILE), st.text(_chars, max_size=6)), max_size=40).map("".join),
)

FUZZ = settings(max_examples=200, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


def check_paragraphs(tagger: Tagger, text: str, paragraphs) -> None:
    """Everything a caller may rely on for the result of ``tagger.tag(text)``."""
    end = 0
    for p in paragraphs:
        assert end <= p.start < p.end <= len(text)
        end = p.end
        assert text[p.start : p.end] == p.text
        assert p.text.strip() == p.text and p.text[0] != "\x00" and p.text[-1] != "\x00"
        assert set(p.labels) <= set(tagger.labels)
        assert list(p.labels) == [lab for lab in tagger.labels if lab in p.labels]  # model order
        assert list(p.scores) == list(tagger.labels)
        for lab, score in p.scores.items():
            assert isinstance(score, float) and math.isfinite(score) and 0.0 <= score <= 1.0
            # Scores are rounded to 6 places; labels were decided on the exact ones.
            if lab in p.labels:
                assert score >= tagger.thresholds[lab] - 1e-6


@FUZZ
@given(text=hostile_text)
def test_tag_any_text(tagger: Tagger, text: str) -> None:
    paragraphs = tagger.tag(text)
    check_paragraphs(tagger, text, paragraphs)
    if any(ch.isprintable() and not ch.isspace() for ch in text):
        assert paragraphs  # visible text is never dropped


@FUZZ
@given(texts=st.lists(hostile_text, max_size=4))
def test_units_and_batches_of_any_text(tagger: Tagger, texts: list[str]) -> None:
    for row in tagger.predict_proba(texts):
        assert all(0.0 <= s <= 1.0 for s in row.values())
    assert all(set(labels) <= set(tagger.labels) for labels in tagger.predict(texts))
    assert tagger.tag_many(texts) == [tagger.tag(t) for t in texts]


@FUZZ
@given(text=hostile_text)
def test_morphemes_slice_any_text(text: str) -> None:
    for m in morphemes(text):
        assert text[m.start : m.end] == m.surface


# -- NUL, BOM and newline styles do not change tags -----------------------------------

PARAGRAPHS = [
    "部品が届かず、完成車工場のラインが三日間止まった。",
    "半導体\x00工場の供給網を見直し、調達先を東南アジアに広げる。",  # MeCab alone stops at the NUL
    "EV向けの電池工場を欧州に新設し、現地生産を始める。",
    "工場の屋根に太陽光パネルを設置し、電力の三割を再生可能エネルギーで賄う。",
    "独自の微細加工技術で、競合より二割薄いセンサーを量産する。",
    "週末は家族で映画を見に行った。",
]


def same_tags(a, b) -> bool:
    return [(p.labels, p.scores) for p in a] == [(p.labels, p.scores) for p in b]


@pytest.mark.parametrize("paragraph", PARAGRAPHS)
@pytest.mark.parametrize("before", ["\x00", "\x00\x00\x00", "\x00\n\n", "\ufeff", "\u200b", "\x00 \r\n"])
def test_nul_before_a_paragraph_changes_nothing(tagger: Tagger, paragraph: str, before: str) -> None:
    plain = tagger.tag(paragraph)
    prefixed = tagger.tag(before + paragraph)
    assert same_tags(prefixed, plain)
    assert [p.text for p in prefixed] == [p.text for p in plain]  # the NUL is not part of it
    assert [p.start for p in prefixed] == [p.start + len(before) for p in plain]
    assert same_tags(tagger.tag(paragraph + before), plain)


@pytest.mark.parametrize("paragraph", PARAGRAPHS)
def test_nul_inside_a_paragraph_weighs_as_a_space(tagger: Tagger, paragraph: str) -> None:
    for k in (1, len(paragraph) // 3, len(paragraph) // 2, len(paragraph) - 1):
        with_nul = tagger.tag(paragraph[:k] + "\x00" + paragraph[k:])
        with_space = tagger.tag(paragraph[:k] + " " + paragraph[k:])
        assert same_tags(with_nul, with_space), k


@settings(max_examples=60, deadline=None, database=None)
@given(data=st.data())
def test_nul_property_on_real_paragraphs(tagger: Tagger, dev_records, data) -> None:
    text = data.draw(st.sampled_from([r["text"] for r in dev_records]))
    k = data.draw(st.integers(0, len(text)))
    assert same_tags(tagger.tag("\x00" + text), tagger.tag(text))
    assert same_tags(tagger.tag(text[:k] + "\x00" + text[k:]), tagger.tag(text[:k] + " " + text[k:]))


DOC = (
    "半導体の新工場が\n来春に稼働する。\n\n部品の調達先を\n東南アジアに\n広げる。\n\n"
    "工場の屋根に太陽光パネルを載せた。"
)


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\u2028", "\u2029", "\x85"])
def test_newline_style_changes_nothing(tagger: Tagger, newline: str) -> None:
    plain = tagger.tag(DOC)
    assert len(plain) == 3
    text = DOC.replace("\n", newline)
    other = tagger.tag(text)
    assert same_tags(other, plain)
    check_paragraphs(tagger, text, other)


def test_mixed_newline_styles_in_one_document(tagger: Tagger) -> None:
    mixed = "半導体の新工場が\r\n来春に稼働する。\r\r部品の調達先を\u2028東南アジアに\n広げる。\n\r\n工場の屋根に太陽光パネルを載せた。"
    assert same_tags(tagger.tag(mixed), tagger.tag(DOC))


# -- text MeCab cannot take in one call: in a child process ------------------------

# The child counts what reaches MeCab: never more than MAX_CHUNK characters in
# one call, and never a NUL or a lone surrogate.
_CHILD = textwrap.dedent(
    """
    import json, sys
    import fugashi

    calls = {"longest": 0, "bad": 0, "n": 0}
    Real = fugashi.GenericTagger

    class Spy:
        def __init__(self, *args, **kwargs):
            self._tagger = Real(*args, **kwargs)

        def parse(self, text):
            calls["n"] += 1
            calls["longest"] = max(calls["longest"], len(text))
            calls["bad"] += "\\x00" in text or any("\\ud800" <= ch <= "\\udfff" for ch in text)
            return self._tagger.parse(text)

        def __getattr__(self, name):
            return getattr(self._tagger, name)

    fugashi.GenericTagger = Spy

    import clustertags
    from clustertags.analyzer import MAX_CHUNK

    text = eval(sys.argv[1])
    tagger = clustertags.load()
    paragraphs = tagger.tag(text)
    print(json.dumps({
        "spans": [[p.start, p.end] for p in paragraphs],
        "sliced": all(text[p.start:p.end] == p.text for p in paragraphs),
        "labels": [list(p.labels) for p in paragraphs],
        "scores_ok": all(0.0 <= s <= 1.0 for p in paragraphs for s in p.scores.values()),
        "n_chars": len(text),
        "max_chunk": MAX_CHUNK,
        **calls,
    }))
    """
)


def tag_in_child(expression: str, timeout: float = 600) -> dict:
    proc = subprocess.run([sys.executable, "-c", _CHILD, expression], capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, f"child exited with {proc.returncode} (negative: killed by that signal)\n{proc.stderr[-3000:]}"
    return json.loads(proc.stdout)


@pytest.mark.slow
@pytest.mark.parametrize(
    "expression",
    [
        '"a" * 250_000',  # one MeCab call on this segfaults
        '"abcdefghijklmnopqrstuvwxyz" * 10_000 + "部品が届かない。"',
    ],
)
def test_one_paragraph_of_250_000_ascii_letters(expression: str) -> None:
    out = tag_in_child(expression)
    assert out["spans"] == [[0, out["n_chars"]]] and out["sliced"] and out["scores_ok"]
    assert set(out["labels"][0]) <= set(LABELS)
    assert 0 < out["longest"] <= out["max_chunk"] and out["bad"] == 0


@pytest.mark.slow
def test_two_megabytes_without_a_line_break() -> None:
    # Japanese sentences, a 200,000-letter run, NULs, surrogates, RTL text and
    # emoji: 2 MB and not one line break, so one paragraph.
    expression = (
        '(("部品が届かず、完成車工場のラインが止まった。" * 20_000) + "x" * 200_000 + '
        '("欧州\\x00に\\ud800販売会社を設立した。مرحبا 👨\\u200d👩\\u200d👧 " * 60_000))[:2_000_000]'
    )
    out = tag_in_child(expression)
    assert out["n_chars"] == 2_000_000
    assert len(out["spans"]) == 1 and out["sliced"] and out["scores_ok"]
    start, end = out["spans"][0]
    assert start == 0 and end >= 1_999_990
    assert 0 < out["longest"] <= out["max_chunk"] and out["bad"] == 0
    assert out["n"] >= 2_000_000 // out["max_chunk"]


# -- threads and processes --------------------------------------------------------


@pytest.fixture(scope="module")
def long_documents(dev_records) -> list[str]:
    """40 documents of 3 to 30 paragraphs each, with hostile characters sprinkled in."""
    texts = [r["text"] for r in dev_records]
    docs = []
    for i in range(40):
        paras = texts[i * 17 : i * 17 + 3 + (i * 7) % 28]
        sep = ["\n\n", "\r\n\r\n", "\n\x00\n", "\u2029"][i % 4]
        docs.append(sep.join(paras) + ("\ud800" if i % 5 == 0 else ""))
    return docs


def test_tag_from_8_threads_equals_serial(tagger: Tagger, long_documents: list[str]) -> None:
    serial = [tagger.tag(d) for d in long_documents]
    assert sum(len(s) for s in serial) > 400
    barrier = threading.Barrier(8)
    n = len(long_documents)

    def work(offset: int) -> list:
        barrier.wait()  # all eight start at once
        order = list(range(offset, n)) + list(range(offset))
        out = {i: tagger.tag(long_documents[i]) for i in order}
        return [out[i] for i in range(n)]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(work, range(0, n, 5)))
    for result in results:
        assert result == serial


def test_tag_many_and_predict_from_threads(tagger: Tagger, long_documents: list[str]) -> None:
    serial_docs = tagger.tag_many(long_documents)
    units = [p.text for doc in serial_docs for p in doc]
    serial_proba = tagger.predict_proba(units)
    with ThreadPoolExecutor(8) as pool:
        docs = list(pool.map(lambda i: tagger.tag_many(long_documents[i::8]), range(8)))
        proba = list(pool.map(lambda i: tagger.predict_proba(units[i::8]), range(8)))
    for i in range(8):
        assert docs[i] == serial_docs[i::8]
        assert proba[i] == serial_proba[i::8]


def test_tagger_pickles_into_a_fresh_process(tagger: Tagger, long_documents: list[str], tmp_path: Path) -> None:
    docs = long_documents[:12]
    expected = [[p.to_dict() for p in tagger.tag(d)] for d in docs]
    (tmp_path / "tagger.pkl").write_bytes(pickle.dumps(tagger))
    # JSON cannot carry lone surrogates; pickle carries the documents too.
    (tmp_path / "docs.pkl").write_bytes(pickle.dumps(docs))
    code = textwrap.dedent(
        """
        import pickle, sys
        tagger = pickle.loads(open(sys.argv[1], "rb").read())
        docs = pickle.loads(open(sys.argv[2], "rb").read())
        out = [[p.to_dict() for p in tagger.tag(d)] for d in docs]
        open(sys.argv[3], "wb").write(pickle.dumps((out, tagger.labels, tagger.thresholds)))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "tagger.pkl"), str(tmp_path / "docs.pkl"), str(tmp_path / "out.pkl")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    out, labels, thresholds = pickle.loads((tmp_path / "out.pkl").read_bytes())
    assert out == expected
    assert labels == tagger.labels and thresholds == tagger.thresholds


# -- reproducible training ---------------------------------------------------------

_TRAIN = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    import clustertags

    corpus, out, dev, labels = sys.argv[1], sys.argv[2], sys.argv[3], json.loads(sys.argv[4])
    model = clustertags.train(corpus, labels=labels, seed=7, cv=3, progress=False)
    model.save(out)
    texts = [json.loads(line)["text"] for line in Path(dev).read_text(encoding="utf-8").split("\\n") if line]
    card = dict(model.card)
    card["training"] = {k: v for k, v in card["training"].items() if k != "seconds"}
    card.pop("created_with")  # the same libraries in both runs, by construction
    print(json.dumps({"proba": model.predict_proba(texts).tolist(), "predict": model.predict(texts), "card": card}))
    """
)


@pytest.mark.slow
def test_same_corpus_and_seed_in_two_processes_give_the_same_model(small_records, dev_records, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in small_records), encoding="utf-8")
    dev = tmp_path / "dev.jsonl"
    dev.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in dev_records[:150]), encoding="utf-8")
    procs = []
    for run, hash_seed in (("a", "1"), ("b", "2")):  # string hashing differs between the runs
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        args = [sys.executable, "-c", _TRAIN, str(corpus), str(tmp_path / f"{run}.joblib"), str(dev), json.dumps(LABELS)]
        procs.append(subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env))
    outputs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=600)
        assert proc.returncode == 0, stderr
        outputs.append(json.loads(stdout))
    a, b = outputs
    assert a["proba"] == b["proba"] and a["predict"] == b["predict"]
    assert a["card"]["metrics"] == b["card"]["metrics"]
    assert a["card"]["thresholds"] == b["card"]["thresholds"]
    assert a["card"]["model_sha256"] == b["card"]["model_sha256"]
    assert (tmp_path / "a.joblib").read_bytes() == (tmp_path / "b.joblib").read_bytes()
    a["card"].pop("model_file"), b["card"].pop("model_file")
    assert a["card"] == b["card"]
