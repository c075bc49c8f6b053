"""Corpus reading: JSONL, CSV/TSV, folders, gzip, and errors naming file, line and field."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from clustertags import CorpusError, read_corpus
from clustertags.corpus import read_records


def write_jsonl(path: Path, rows: list) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in rows), encoding="utf-8")
    return path


ROWS = [
    {"id": "a1", "text": "部品が届かず工場が止まった。", "labels": ["supply_chain"]},
    {"id": "a2", "text": "欧州に販売子会社を設立した。", "labels": ["globalisation"]},
    {"id": "a3", "text": "週末は海でサーフィンを楽しんだ。", "labels": []},
]


def test_jsonl(tmp_path: Path) -> None:
    c = read_corpus(write_jsonl(tmp_path / "c.jsonl", ROWS))
    assert len(c) == 3 and c.labels == ("supply_chain", "globalisation") and c.multilabel
    assert c.texts[0] == ROWS[0]["text"]


def test_gzip_detected_by_content(tmp_path: Path) -> None:
    plain = write_jsonl(tmp_path / "c.jsonl", ROWS)
    gz = tmp_path / "c.jsonl.gz"
    gz.write_bytes(gzip.compress(plain.read_bytes()))
    assert read_corpus(gz).sha256 == read_corpus(plain).sha256


def test_csv_and_tsv(tmp_path: Path) -> None:
    csv_path = tmp_path / "c.csv"
    csv_path.write_text('id,text,labels\n1,"部品不足で減産","supply_chain;globalisation"\n2,映画の感想,\n3,"電池の再利用",green_shift\n', encoding="utf-8")
    c = read_corpus(csv_path)
    assert c.targets == [["supply_chain", "globalisation"], [], ["green_shift"]]
    tsv_path = tmp_path / "c.tsv"
    tsv_path.write_text("text\tlabel\n部品不足\tsupply_chain\n海外進出\tglobalisation\n", encoding="utf-8")
    c2 = read_corpus(tsv_path)
    assert not c2.multilabel and c2.labels == ("supply_chain", "globalisation")


def test_folder_layout_is_single_label(tmp_path: Path) -> None:
    for label, texts in {"sports": ["試合に勝った", "新記録"], "movie": ["映画が公開", "主演俳優"]}.items():
        (tmp_path / label).mkdir()
        for i, t in enumerate(texts):
            (tmp_path / label / f"{i}.txt").write_text(t, encoding="utf-8")
    c = read_corpus(tmp_path)
    assert not c.multilabel and set(c.labels) == {"sports", "movie"} and len(c) == 4


def test_records_iterable() -> None:
    c = read_corpus(iter(ROWS))
    assert c.source == "<records>" and len(c) == 3


@pytest.mark.parametrize(
    ("row", "line", "field", "message"),
    [
        ('{"id": "x", "text": "abc", ', 2, None, "not valid JSON"),
        ({"id": "x", "labels": []}, 2, "text", "missing"),
        ({"id": "x", "text": 3, "labels": []}, 2, "text", "must be a string"),
        ({"id": "x", "text": "  ", "labels": []}, 2, "text", "is empty"),
        ({"id": "x", "text": "abc", "labels": "a;b"}, None, None, None),  # a bare string is one label: fine
        ({"id": "x", "text": "abc", "labels": [1]}, 2, "labels", "list of non-empty strings"),
        ({"id": "a1", "text": "abc", "labels": []}, 2, "id", "duplicate id"),
        ("[1, 2]", 2, None, "expected a JSON object"),
    ],
)
def test_bad_records_name_file_line_field(tmp_path: Path, row, line, field, message) -> None:
    path = write_jsonl(tmp_path / "bad.jsonl", [ROWS[0], row, ROWS[1]])
    if message is None:
        read_corpus(path)
        return
    with pytest.raises(CorpusError, match=message) as info:
        read_corpus(path)
    assert info.value.path == str(path) and info.value.line == line and info.value.field == field
    assert "bad.jsonl" in str(info.value) and f"line {line}" in str(info.value)


def test_empty_corpus(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="no records"):
        read_corpus(write_jsonl(tmp_path / "e.jsonl", []))


def test_single_label_corpus_is_refused(tmp_path: Path) -> None:
    rows = [{"id": str(i), "text": f"文{i}", "labels": ["a"]} for i in range(5)]
    with pytest.raises(CorpusError, match="at least two labels"):
        read_corpus(write_jsonl(tmp_path / "one.jsonl", rows))


def test_unknown_label_against_label_set(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="unknown label 'globalisation'") as info:
        read_corpus(write_jsonl(tmp_path / "c.jsonl", ROWS), labels=["supply_chain", "green_shift"])
    assert info.value.line == 2


def test_missing_path() -> None:
    with pytest.raises(CorpusError, match="no such file"):
        list(read_records("/nonexistent/corpus.jsonl"))


def test_csv_without_text_column(tmp_path: Path) -> None:
    p = tmp_path / "c.csv"
    p.write_text("body,labels\nabc,x\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="no 'text' column"):
        read_corpus(p)


def test_corpus_error_is_value_error() -> None:
    assert issubclass(CorpusError, ValueError)
