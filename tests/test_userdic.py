"""A real MeCab user dictionary, compiled by mecab-dict-index (fugashi.build_dictionary) against unidic-lite."""

from __future__ import annotations

from pathlib import Path

import pytest

import clustertags
from clustertags import JapaneseAnalyzer
from clustertags.analyzer import morphemes
from clustertags.userdic import build_user_dictionary, proper_noun_entry

NAMES = "# invented company names\nナギサ電機,ナギサデンキ\n\nコバルト精工\n"
TEXT = "ナギサ電機とコバルト精工がベトナムに合弁工場を建てる。"


@pytest.fixture(scope="module")
def user_dic(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("userdic")
    (folder / "names.txt").write_text(NAMES, encoding="utf-8")
    return str(build_user_dictionary(folder / "names.txt", folder / "names.dic"))


def test_unidic_alone_splits_the_names() -> None:
    words = JapaneseAnalyzer(compounds=False).words(TEXT)
    assert "ナギサ電機" not in words and "コバルト精工" not in words


def test_the_user_dictionary_keeps_names_whole(user_dic: str) -> None:
    words = JapaneseAnalyzer(compounds=False, user_dic=user_dic).words(TEXT)
    assert words[:2] == ["ナギサ電機", "コバルト精工"]
    found = [m for m in morphemes(TEXT, user_dic=user_dic) if m.surface == "ナギサ電機"]
    assert len(found) == 1 and found[0].pos.startswith("名詞-固有名詞") and TEXT[found[0].start : found[0].end] == "ナギサ電機"


def test_a_model_trained_with_it_uses_it_after_loading(user_dic: str, small_records: list[dict], tmp_path: Path) -> None:
    second = "ナギサ電機はタイの工場を閉じ、生産をベトナムに移す。"
    records = small_records[:300] + [
        {"id": "x1", "text": TEXT, "labels": ["globalisation"]},
        {"id": "x2", "text": second, "labels": ["globalisation"]},
    ]
    model = clustertags.train(records, cv=3, progress=False, user_dic=user_dic)
    model.save(tmp_path / "m.joblib")
    tagger = clustertags.load(tmp_path / "m.joblib")
    vocabulary = tagger.model.pipeline.named_steps["features"].transformer_list[0][1].vocabulary_
    assert "ナギサ電機" in vocabulary and "ナギ" not in vocabulary
    assert tagger.predict([TEXT]) == model.predict([TEXT])


def test_the_spacy_tokenizer_uses_it(user_dic: str) -> None:
    spacy = pytest.importorskip("spacy")
    nlp = spacy.blank("ja", config={"nlp": {"tokenizer": {"@tokenizers": "clustertags.fugashi_tokenizer.v1", "user_dic": user_dic}}})
    assert [t.text for t in nlp(TEXT)][:3] == ["ナギサ電機", "と", "コバルト精工"]


def test_bad_entries_name_the_file_and_line(tmp_path: Path) -> None:
    src = tmp_path / "bad.txt"
    src.write_text("ナギサ電機\n名詞,固有名詞,一般\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.txt, line 2: 3 fields"):
        build_user_dictionary(src, tmp_path / "out.dic")
    src.write_text("# nothing\n\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no entries"):
        build_user_dictionary(src, tmp_path / "out.dic")
    with pytest.raises(ValueError, match="without commas"):
        proper_noun_entry("ナギサ 電機")
    assert not (tmp_path / "out.dic").exists()


def test_a_row_mecab_rejects_is_an_error_not_a_dead_process(tmp_path: Path) -> None:
    row = proper_noun_entry("ナギサ電機")
    row[7] = "謎の品詞"  # a part of speech UniDic does not define
    src = tmp_path / "rows.csv"
    src.write_text(",".join(row) + "\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="mecab-dict-index could not compile .*rows.csv: .*LEFT-ID"):
        build_user_dictionary(src, tmp_path / "out.dic")
    assert not (tmp_path / "out.dic").exists()
