"""spaCy integration: the MeCab tokenizer and the clustertags component (real spaCy, fugashi, bundled model)."""

from __future__ import annotations

import json
import pickle
import re
import shutil
import subprocess
import sys
import textwrap
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from spacy.tokens import Doc, DocBin

from clustertags import ModelError, ParagraphTags, Tagger
from clustertags.errors import InputError
from clustertags.spacy import ClusterTagsComponent, FugashiTokenizer

ROOT = Path(__file__).resolve().parents[1]
TOKENIZER = "clustertags.fugashi_tokenizer.v1"
CONFIG = {"nlp": {"tokenizer": {"@tokenizers": TOKENIZER}}}

ARTICLE = (
    "部品が届かず、完成車工場のラインが三日間止まった。\n\n"
    "週末は家族で映画を見に行った。\n"
    "EV向け電池工場を欧州に新設し、現地の自動車メーカーに供給する。"
)
DOCUMENTS = [
    ARTICLE,
    "　半導体の微細化技術で先行する。\r\n\r\n太陽光パネルの調達先をアジア各国に広げ、  脱炭素を急ぐ🌱\n",
    "ｻﾌﾟﾗｲﾁｪｰﾝの見直しが続く。\tＴＳＭＣの熊本工場が稼働した！",
    "",
    "  \n\u3000 ",
    "今日はいい天気ですね。",
]


@pytest.fixture(scope="module")
def tokenizer_nlp() -> spacy.Language:
    return spacy.blank("ja", config=CONFIG)


@pytest.fixture(scope="module")
def nlp() -> spacy.Language:
    nlp = spacy.blank("ja", config=CONFIG)
    nlp.add_pipe("clustertags")
    return nlp


def span_rows(doc: Doc) -> list[tuple[int, int, str]]:
    return [(s.start_char, s.end_char, s.label_) for s in doc.spans["clustertags"]]


def token_rows(doc: Doc) -> list[tuple[str, ...]]:
    return [(t.text, t.whitespace_, t.lemma_, t.norm_, t.pos_, t.tag_) for t in doc]


def outputs(doc: Doc) -> tuple:
    """Everything the tokenizer and the component set, for comparing docs."""
    return doc.text, token_rows(doc), doc.cats, span_rows(doc), doc._.clustertags


# -- registration ------------------------------------------------------------------


def test_entry_points_are_installed() -> None:
    tokenizers = {ep.name: ep.value for ep in entry_points(group="spacy_tokenizers")}
    factories = {ep.name: ep.value for ep in entry_points(group="spacy_factories")}
    assert tokenizers[TOKENIZER] == "clustertags.spacy:create_fugashi_tokenizer"
    assert factories["clustertags"] == "clustertags.spacy:make_clustertags"


def test_spacy_finds_both_without_importing_clustertags(tmp_path: Path) -> None:
    script = tmp_path / "check.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import json, sys
            import spacy
            before = "clustertags" in sys.modules
            nlp = spacy.blank("ja", config={CONFIG!r})
            nlp.add_pipe("clustertags")
            doc = nlp("部品が届かず、完成車工場のラインが止まった。")
            print(json.dumps([before, type(nlp.tokenizer).__name__, doc.spans["clustertags"][0].label_]))
            """
        ),
        encoding="utf-8",
    )
    out = subprocess.run([sys.executable, "-W", "error", str(script)], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout) == [False, "FugashiTokenizer", "supply_chain"]


def test_factory_declares_what_it_assigns(nlp: spacy.Language) -> None:
    meta = nlp.get_pipe_meta("clustertags")
    assert meta.assigns == ["doc.cats", "doc.spans", "doc._.clustertags"]
    assert meta.default_config == {"model": None}
    assert nlp.config["nlp"]["tokenizer"] == {"@tokenizers": TOKENIZER, "user_dic": None}


# -- the tokenizer: doc.text == text -----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "東京の工場で半導体を生産した。",
        "AI半導体のTSMCが熊本に新工場、ＥＶ向けﾊﾞｯﾃﾘｰも増産。",
        "新工場が稼働🎉👍🏽 家族👨‍👩‍👧で祝った",
        "ｻﾌﾟﾗｲﾁｪｰﾝの見直しｶﾞ進む",
        "一行目。\n二行目。\r\n三行目\u2028四行目\n\n\n五行目",
        "部品  不足   が 続く",
        "  \t先頭と末尾の空白\n\n",
        "　全角　スペース　　二つ　",
        "列1\t列2\t\t列3",
        "制御\x00文字\x07と\x1fも\x7f",
        "ゼロ幅\u200b空白\ufeffと\u00a0改行なし空白",
        "",
        " ",
        "\n",
        "\u3000",
        "部品不足で生産が止まった。" * 400,  # longer than MeCab's chunk
        "a" * 5000,  # a long run without a break
    ],
)
def test_tokens_reconstruct_text(tokenizer_nlp: spacy.Language, text: str) -> None:
    doc = tokenizer_nlp(text)
    assert doc.text == text
    assert all(t.text for t in doc)
    assert all(text[t.idx : t.idx + len(t)] == t.text for t in doc)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("東京 大阪", [("東京", " "), ("大阪", "")]),
        ("東京  大阪", [("東京", " "), (" ", ""), ("大阪", "")]),
        ("東京\n大阪", [("東京", ""), ("\n", ""), ("大阪", "")]),
        ("東京 \n大阪", [("東京", " "), ("\n", ""), ("大阪", "")]),
        ("東京　大阪", [("東京", ""), ("\u3000", ""), ("大阪", "")]),
        ("東京\t\u3000 大阪", [("東京", ""), ("\t\u3000 ", ""), ("大阪", "")]),
        (" 東京 ", [(" ", ""), ("東京", " ")]),
        ("\n\n", [("\n\n", "")]),
    ],
)
def test_whitespace_as_spacy_does_it(tokenizer_nlp: spacy.Language, text: str, expected: list[tuple[str, str]]) -> None:
    doc = tokenizer_nlp(text)
    assert [(t.text, t.whitespace_) for t in doc] == expected
    for token in doc:
        if token.is_space:
            assert (token.pos_, token.tag_) == ("SPACE", "空白")


def test_nul_is_a_token_of_its_own(tokenizer_nlp: spacy.Language) -> None:
    doc = tokenizer_nlp("部品\x00不足")
    assert [(t.text, t.pos_) for t in doc] == [("部品", "NOUN"), ("\x00", "X"), ("不足", "NOUN")]


_PROPERTY_NLP = spacy.blank("ja", config=CONFIG)  # hypothesis wants no function-scoped fixtures
_JAPANESE = st.text(
    alphabet=st.sampled_from(list("東京の工場で半導体を生産したｶﾀｶﾅﾞ　 \n\r\t😀👍🏽ＡＢＣabc123。、「」\x00\u200b\u2028\ufeff\u00a0")),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=100), _JAPANESE))
def test_any_text_round_trips(text: str) -> None:
    doc = _PROPERTY_NLP(text)
    assert doc.text == text
    assert all(t.text for t in doc)
    assert not any(t.is_space and t.whitespace_ for t in doc)


def test_lone_surrogate_is_refused_with_the_offset(tokenizer_nlp: spacy.Language) -> None:
    # spaCy keeps strings as UTF-8 and cannot store a lone surrogate, whatever the tokenizer.
    with pytest.raises(InputError, match=r"lone surrogate '\\udc80' at offset 2.*errors='replace'"):
        tokenizer_nlp("部品\udc80不足")
    with pytest.raises(ValueError):
        tokenizer_nlp("\ud800")


@pytest.mark.parametrize("bad", [None, 3, b"\xe6\x9d\xb1"])
def test_tokenizer_wants_str(tokenizer_nlp: spacy.Language, bad: object) -> None:
    with pytest.raises(TypeError, match=type(bad).__name__):
        tokenizer_nlp.tokenizer(bad)


# -- the tokenizer: lemma, norm, POS ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word", "lemma", "norm"),
    [
        ("工場で生産した", "し", "為る", "し"),
        ("東京に行った", "行っ", "行く", "行っ"),
        ("電池ができる", "できる", "出来る", "できる"),
        ("とても美しい花", "美しい", "美しい", "美しい"),
        ("東京都の工場", "東京", "東京", "東京"),  # proper nouns keep their written form, not トウキョウ
        ("ＥＶ向け電池", "ＥＶ", "ＥＶ", "ev"),
        ("ｻﾌﾟﾗｲﾁｪｰﾝの見直し", "ｻﾌﾟﾗｲﾁｪｰﾝ", "ｻﾌﾟﾗｲﾁｪｰﾝ", "サプライチェーン"),
    ],
)
def test_lemma_and_norm(tokenizer_nlp: spacy.Language, text: str, word: str, lemma: str, norm: str) -> None:
    token = next(t for t in tokenizer_nlp(text) if t.text == word)
    assert (token.lemma_, token.norm_) == (lemma, norm)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "東京の工場で生産している。",
            [
                ("東京", "PROPN", "名詞-固有名詞-地名-一般"),
                ("の", "ADP", "助詞-格助詞"),
                ("工場", "NOUN", "名詞-普通名詞-一般"),
                ("で", "ADP", "助詞-格助詞"),
                ("生産", "VERB", "名詞-普通名詞-サ変可能"),
                ("し", "AUX", "動詞-非自立可能"),
                ("て", "SCONJ", "助詞-接続助詞"),
                ("いる", "AUX", "動詞-非自立可能"),
                ("。", "PUNCT", "補助記号-句点"),
            ],
        ),
        ("本がある", [("本", "NOUN", "名詞-普通名詞-一般"), ("が", "ADP", "助詞-格助詞"), ("ある", "VERB", "動詞-非自立可能")]),
        ("この大きな家", [("この", "DET", "連体詞"), ("大きな", "ADJ", "連体詞"), ("家", "NOUN", "名詞-普通名詞-一般")]),
        ("とても美しい", [("とても", "ADV", "副詞"), ("美しい", "ADJ", "形容詞-一般")]),
        ("三つの", [("三", "NUM", "名詞-数詞"), ("つ", "NOUN", "接尾辞-名詞的-助数詞"), ("の", "ADP", "助詞-格助詞")]),
        (
            "しかし、彼は来ない。",
            [
                ("しかし", "CCONJ", "接続詞"),
                ("、", "PUNCT", "補助記号-読点"),
                ("彼", "PRON", "代名詞"),
                ("は", "ADP", "助詞-係助詞"),
                ("来", "VERB", "動詞-非自立可能"),
                ("ない", "AUX", "助動詞"),
                ("。", "PUNCT", "補助記号-句点"),
            ],
        ),
        ("「電池」を買いたい", [("「", "PUNCT", "補助記号-括弧開"), ("電池", "NOUN", "名詞-普通名詞-一般"), ("」", "PUNCT", "補助記号-括弧閉"), ("を", "ADP", "助詞-格助詞"), ("買い", "VERB", "動詞-一般"), ("たい", "AUX", "助動詞")]),
        ("稼働 🎉", [("稼働", "NOUN", "名詞-普通名詞-サ変可能"), ("🎉", "SYM", "補助記号-一般")]),
    ],
)
def test_pos_and_tag(tokenizer_nlp: spacy.Language, text: str, expected: list[tuple[str, str, str]]) -> None:
    assert [(t.text, t.pos_, t.tag_) for t in tokenizer_nlp(text)] == expected


# -- the tokenizer: pickling and serialisation --------------------------------------------------


def test_tokenizer_pickles(tokenizer_nlp: spacy.Language) -> None:
    tokenizer = pickle.loads(pickle.dumps(tokenizer_nlp.tokenizer))
    assert isinstance(tokenizer, FugashiTokenizer)
    for text in DOCUMENTS:
        assert token_rows(tokenizer(text)) == token_rows(tokenizer_nlp.make_doc(text))


def test_tokenizer_keeps_user_dic_through_bytes_and_disk(tmp_path: Path) -> None:
    nlp = spacy.blank("ja", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER, "user_dic": "/dics/user.dic"}}})
    assert nlp.tokenizer.user_dic == "/dics/user.dic"
    fresh = FugashiTokenizer(nlp.vocab)
    assert fresh.from_bytes(nlp.tokenizer.to_bytes()).user_dic == "/dics/user.dic"
    nlp.tokenizer.to_disk(tmp_path / "tokenizer")
    assert FugashiTokenizer(nlp.vocab).from_disk(tmp_path / "tokenizer").user_dic == "/dics/user.dic"
    assert pickle.loads(pickle.dumps(nlp.tokenizer)).user_dic == "/dics/user.dic"


def test_missing_user_dic_says_so(tmp_path: Path) -> None:
    nlp = spacy.blank("ja", config={"nlp": {"tokenizer": {"@tokenizers": TOKENIZER, "user_dic": str(tmp_path / "none.dic")}}})
    with pytest.raises(FileNotFoundError, match="user dictionary .*none.dic.* not found"):
        nlp("部品不足")


# -- the component ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", DOCUMENTS)
def test_component_matches_tagger(nlp: spacy.Language, tagger: Tagger, text: str) -> None:
    doc = nlp(text)
    paragraphs = tagger.tag(text)
    assert doc._.clustertags == [p.to_dict() for p in paragraphs]
    assert doc.cats == {lab: max((p.scores[lab] for p in paragraphs), default=0.0) for lab in tagger.labels}
    # Spans fall exactly on the paragraphs: the tokenizer puts token boundaries there.
    assert span_rows(doc) == [(p.start, p.end, ",".join(p.labels)) for p in paragraphs]
    assert [s.text for s in doc.spans["clustertags"]] == [p.text for p in paragraphs]


def test_cats_reach_threshold_exactly_when_a_span_has_the_label(nlp: spacy.Language, tagger: Tagger) -> None:
    for doc in nlp.pipe(DOCUMENTS):
        for label, threshold in tagger.thresholds.items():
            tagged = any(label in span.label_.split(",") for span in doc.spans["clustertags"])
            assert (doc.cats[label] >= threshold) == tagged


def test_paragraph_results_rebuild_paragraph_tags(nlp: spacy.Language, tagger: Tagger) -> None:
    doc = nlp(ARTICLE)
    rebuilt = [ParagraphTags(**{**d, "labels": tuple(d["labels"])}) for d in doc._.clustertags]
    assert rebuilt == tagger.tag(ARTICLE)


# spaCy 3.8's Japanese tokenizer calls a SudachiPy 0.7 method that warns; spaCy's to fix, not ours.
@pytest.mark.filterwarnings(r"ignore:Dictionary\.create\(\) is deprecated:DeprecationWarning")
def test_component_after_the_sudachi_tokenizer(tagger: Tagger) -> None:
    nlp = spacy.blank("ja")  # spaCy's own Japanese tokenizer, on SudachiPy
    nlp.add_pipe("clustertags")
    for text in DOCUMENTS:
        doc = nlp(text)
        paragraphs = tagger.tag(text)
        assert doc._.clustertags == [p.to_dict() for p in paragraphs]
        assert doc.cats == {lab: max((p.scores[lab] for p in paragraphs), default=0.0) for lab in tagger.labels}
        for span, p in zip(doc.spans["clustertags"], paragraphs, strict=True):
            assert span.start_char <= p.start < p.end <= span.end_char  # "expand": whole tokens around the paragraph
            assert span.label_ == ",".join(p.labels)


def test_other_cats_are_kept(nlp: spacy.Language) -> None:
    doc = nlp.make_doc(ARTICLE)
    doc.cats["sports"] = 0.25
    doc = nlp.get_pipe("clustertags")(doc)
    assert doc.cats["sports"] == 0.25 and "supply_chain" in doc.cats


def test_results_survive_doc_serialisation(nlp: spacy.Language) -> None:
    doc = nlp(ARTICLE)
    again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert outputs(again) == outputs(doc)
    docbin = DocBin(store_user_data=True, docs=[doc])
    (restored,) = DocBin().from_bytes(docbin.to_bytes()).get_docs(nlp.vocab)
    assert outputs(restored)[:4] == outputs(doc)[:4]
    # DocBin reads user data back with tuples for lists; the values are the same.
    assert json.loads(json.dumps(restored._.clustertags)) == doc._.clustertags


def test_pipe_sends_a_batch_of_docs_to_the_model_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    nlp = spacy.blank("ja", config=CONFIG)
    component = nlp.add_pipe("clustertags")
    assert isinstance(component, ClusterTagsComponent)
    batches: list[int] = []
    tag_many = component.tagger.tag_many

    def counting_tag_many(texts: list[str]) -> list[list[ParagraphTags]]:
        batches.append(len(texts))
        return tag_many(texts)

    monkeypatch.setattr(component.tagger, "tag_many", counting_tag_many)
    piped = [outputs(doc) for doc in nlp.pipe(DOCUMENTS * 2, batch_size=5)]
    assert batches == [5, 5, 2]
    monkeypatch.undo()
    assert piped == [outputs(nlp(text)) for text in DOCUMENTS * 2]


def test_pipe_honours_the_error_handler(monkeypatch: pytest.MonkeyPatch) -> None:
    nlp = spacy.blank("ja", config=CONFIG)
    component = nlp.add_pipe("clustertags")
    assert isinstance(component, ClusterTagsComponent)

    def broken(texts: list[str]) -> list[list[ParagraphTags]]:
        raise RuntimeError("model exploded")

    monkeypatch.setattr(component.tagger, "tag_many", broken)
    failures: list[tuple[str, int, str]] = []
    nlp.set_error_handler(lambda name, proc, docs, e: failures.append((name, len(docs), str(e))))
    assert list(nlp.pipe(DOCUMENTS, batch_size=4)) == []
    assert failures == [("clustertags", 4, "model exploded"), ("clustertags", 2, "model exploded")]


@pytest.mark.slow
def test_pipe_with_two_processes_equals_serial(nlp: spacy.Language) -> None:
    texts = DOCUMENTS * 3
    serial = [outputs(doc) for doc in nlp.pipe(texts)]
    assert [outputs(doc) for doc in nlp.pipe(texts, n_process=2, batch_size=4)] == serial


@pytest.mark.slow
def test_pipe_with_two_spawned_processes(tmp_path: Path) -> None:
    # "spawn" (macOS, Windows, and Linux from Python 3.14 on) pickles the pipeline into each worker.
    script = tmp_path / "spawned.py"
    script.write_text(
        textwrap.dedent(
            f"""
            import json, multiprocessing
            import spacy

            def rows(docs):
                return [[d.text, [t.lemma_ for t in d], d.cats, [s.label_ for s in d.spans["clustertags"]], d._.clustertags] for d in docs]

            if __name__ == "__main__":
                multiprocessing.set_start_method("spawn")
                nlp = spacy.blank("ja", config={CONFIG!r})
                nlp.add_pipe("clustertags")
                texts = {DOCUMENTS!r}
                print(json.dumps([rows(nlp.pipe(texts)), rows(nlp.pipe(texts, n_process=2, batch_size=2))]))
            """
        ),
        encoding="utf-8",
    )
    out = subprocess.run([sys.executable, "-W", "error", str(script)], capture_output=True, text=True, check=True, timeout=300)
    serial, parallel = json.loads(out.stdout)
    assert parallel == serial
    assert len(serial) == len(DOCUMENTS)


def test_whole_pipeline_pickles(nlp: spacy.Language) -> None:
    again = pickle.loads(pickle.dumps(nlp))
    assert [outputs(again(t)) for t in DOCUMENTS] == [outputs(nlp(t)) for t in DOCUMENTS]


# -- the component: saving and loading ----------------------------------------------------------


def test_to_disk_and_spacy_load_round_trip(nlp: spacy.Language, tmp_path: Path) -> None:
    nlp.to_disk(tmp_path / "pipeline")
    assert (tmp_path / "pipeline" / "clustertags" / "model.joblib").is_file()
    assert (tmp_path / "pipeline" / "clustertags" / "model.card.json").is_file()
    loaded = spacy.load(tmp_path / "pipeline")
    assert isinstance(loaded.tokenizer, FugashiTokenizer)
    assert loaded.pipe_names == ["clustertags"]
    assert [outputs(loaded(t)) for t in DOCUMENTS] == [outputs(nlp(t)) for t in DOCUMENTS]


def test_saved_pipeline_keeps_its_own_copy_of_the_model(small_model_path: Path, tagger: Tagger, tmp_path: Path) -> None:
    model = tmp_path / "mine.joblib"
    shutil.copy(small_model_path, model)
    shutil.copy(small_model_path.with_name("small.card.json"), tmp_path / "mine.card.json")
    nlp = spacy.blank("ja", config=CONFIG)
    nlp.add_pipe("clustertags", config={"model": str(model)})
    before = [outputs(nlp(t)) for t in DOCUMENTS]
    assert before != [outputs(spacy.blank("ja", config=CONFIG).add_pipe("clustertags")(nlp.make_doc(t))) for t in DOCUMENTS]
    nlp.to_disk(tmp_path / "pipeline")
    model.unlink()  # the pipeline must not need the original file any more
    loaded = spacy.load(tmp_path / "pipeline")
    assert loaded.config["components"]["clustertags"]["model"] == str(model)
    assert [outputs(loaded(t)) for t in DOCUMENTS] == before


def test_to_bytes_round_trip_carries_the_model(nlp: spacy.Language, tmp_path: Path) -> None:
    other = spacy.blank("ja", config=CONFIG)
    other.add_pipe("clustertags", config={"model": str(tmp_path / "gone.joblib")})
    other.from_bytes(nlp.to_bytes())
    assert [outputs(other(t)) for t in DOCUMENTS] == [outputs(nlp(t)) for t in DOCUMENTS]


def test_tampered_saved_model_is_refused(nlp: spacy.Language, tmp_path: Path) -> None:
    nlp.to_disk(tmp_path / "pipeline")
    with open(tmp_path / "pipeline" / "clustertags" / "model.joblib", "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="sha256"):
        spacy.load(tmp_path / "pipeline")


def test_bad_model_path_fails_at_initialize(tmp_path: Path) -> None:
    nlp = spacy.blank("ja", config=CONFIG)
    component = nlp.add_pipe("clustertags", config={"model": str(tmp_path / "missing.joblib")})
    assert isinstance(component, ClusterTagsComponent)
    assert component.labels == ()  # no card to read the labels from, and nothing loaded
    with pytest.raises(ModelError, match="missing.joblib.*not found"):
        nlp.initialize()


def test_labels_come_from_the_card_before_loading(tagger: Tagger) -> None:
    nlp = spacy.blank("ja", config=CONFIG)
    nlp.add_pipe("clustertags")
    assert nlp.pipe_labels == {"clustertags": list(tagger.labels)}


@pytest.mark.parametrize("bad", [3, ["model.joblib"]])
def test_model_setting_must_be_a_path(bad: object) -> None:
    with pytest.raises(TypeError, match="model must be a path or None"):
        ClusterTagsComponent(None, model=bad)  # type: ignore[arg-type]


# -- docs/spacy.md ------------------------------------------------------------------------------


def test_config_file_in_the_docs_loads(tmp_path: Path, tagger: Tagger) -> None:
    docs = (ROOT / "docs" / "spacy.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```ini\n(.+?)```", docs, flags=re.S)
    path = tmp_path / "clustertags.cfg"
    path.write_text(block, encoding="utf-8")
    nlp = spacy.util.load_model_from_config(spacy.util.load_config(path), auto_fill=True)
    assert isinstance(nlp.tokenizer, FugashiTokenizer)
    assert nlp.pipe_names == ["clustertags"]
    doc = nlp(ARTICLE)
    assert doc._.clustertags == [p.to_dict() for p in tagger.tag(ARTICLE)]
    nlp.to_disk(tmp_path / "pipeline")
    assert outputs(spacy.load(tmp_path / "pipeline")(ARTICLE)) == outputs(doc)


def test_nlp_evaluate_scores_with_each_labels_own_threshold(nlp: spacy.Language, tagger: Tagger, dev_records: list[dict]) -> None:
    from spacy.training import Example

    import clustertags

    records = dev_records[:300]
    examples = []
    for r in records:
        reference = nlp.make_doc(r["text"])
        reference.cats = {label: float(label in r["labels"]) for label in tagger.labels}
        examples.append(Example(nlp.make_doc(r["text"]), reference))
    scores = nlp.evaluate(examples)
    report = clustertags.evaluate(tagger, records)
    for label in tagger.labels:
        assert scores["cats_f_per_type"][label]["f"] == pytest.approx(report.per_label[label]["f1"], abs=5e-4), label
        assert scores["cats_f_per_type"][label]["p"] == pytest.approx(report.per_label[label]["precision"], abs=5e-4), label
    assert scores["cats_macro_f"] == pytest.approx(report.macro["f1"], abs=5e-4)
    # The AUC sees the model's own ranking: it is far above chance, and not the 0/1 of binarised scores.
    assert all(0.8 < auc < 1.0 for auc in scores["cats_auc_per_type"].values())


def test_half_scale_keeps_order_and_puts_the_threshold_on_one_half() -> None:
    from clustertags.spacy import _on_half_scale

    scores = [0.0, 0.1, 0.3, 0.48, 0.5, 0.9, 1.0]
    mapped = [_on_half_scale(s, 0.48, s >= 0.48) for s in scores]
    assert mapped == sorted(mapped) and mapped[0] == 0.0 and mapped[-1] == 1.0
    assert mapped[3] == 0.5 and mapped[2] < 0.5
    # A rounded score equal to the threshold, for a paragraph that was not tagged, stays below.
    assert _on_half_scale(0.48, 0.48, False) < 0.5
