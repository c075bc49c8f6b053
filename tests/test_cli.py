"""The command line: tag, info, train, evaluate, explain, and user errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clustertags.cli import main


def run(*args: str, stdin: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "clustertags.cli", *args], input=stdin, capture_output=True)


def test_tag_text_file(tmp_path: Path) -> None:
    f = tmp_path / "article.txt"
    f.write_text("部品が届かず、完成車工場のラインが止まった。\n\n週末は映画を見た。\n", encoding="utf-8")
    out = run("tag", str(f))
    assert out.returncode == 0, out.stderr
    text = out.stdout.decode()
    assert "article.txt" in text and "部品が届かず" in text


def test_tag_jsonl_keeps_fields(tmp_path: Path) -> None:
    rows = [{"id": "n1", "url": "http://x", "body": "工場の屋根に太陽光パネルを載せた。\n\nお祭りが開かれた。"}]
    stdin = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
    out = run("tag", "--format", "jsonl", "--text-field", "body", stdin=stdin)
    assert out.returncode == 0, out.stderr
    obj = json.loads(out.stdout)
    assert obj["id"] == "n1" and obj["url"] == "http://x"
    assert len(obj["paragraphs"]) == 2
    assert obj["themes"] == sorted({lab for p in obj["paragraphs"] for lab in p["labels"]}, key=["core_technology", "supply_chain", "globalisation", "green_shift"].index)
    for p in obj["paragraphs"]:
        assert rows[0]["body"][p["start"] : p["end"]] == p["text"]


def test_info_prints_card() -> None:
    out = run("info")
    card = json.loads(out.stdout)
    assert card["labels"] == ["core_technology", "supply_chain", "globalisation", "green_shift"]


def test_train_evaluate_explain_round_trip(tmp_path: Path, small_records, dev_records, capsys) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in small_records), encoding="utf-8")
    test = tmp_path / "t.jsonl"
    test.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in dev_records[:80]), encoding="utf-8")
    model = tmp_path / "m.joblib"
    assert main(["train", str(corpus), "--out", str(model), "--cv", "3", "--quiet"]) == 0
    assert model.is_file() and (tmp_path / "m.card.json").is_file()
    assert main(["evaluate", str(model), str(test), "--format", "json", "--report", str(tmp_path / "rep")]) == 0
    report = json.loads(capsys.readouterr().out)
    assert set(report["per_label"]) == {"core_technology", "supply_chain", "globalisation", "green_shift"}
    md = (tmp_path / "rep" / "report.md").read_text(encoding="utf-8")
    assert "precision_recall.png" in md and (tmp_path / "rep" / "precision_recall.png").stat().st_size > 1000
    assert main(["explain", "--model", str(model), "部品が届かず工場が止まった。"]) == 0
    assert "supply_chain" in capsys.readouterr().out


def test_user_error_is_one_line_exit_1(tmp_path: Path) -> None:
    out = run("tag", "--model", str(tmp_path / "missing.joblib"), stdin=b"abc")
    assert out.returncode == 1
    lines = out.stderr.decode().strip().splitlines()
    assert len(lines) == 1 and "missing.joblib" in lines[0] and lines[0].startswith("clustertags: error:")
    verbose = run("tag", "--verbose", "--model", str(tmp_path / "missing.joblib"), stdin=b"abc")
    assert "Traceback" in verbose.stderr.decode()


def test_train_bad_corpus_names_line(tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": 1, "text": "a", "labels": []}\nnot json\n', encoding="utf-8")
    out = run("train", str(corpus), "--out", str(tmp_path / "m.joblib"))
    assert out.returncode == 1
    assert "c.jsonl, line 2" in out.stderr.decode()
    assert not (tmp_path / "m.joblib").exists()


@pytest.mark.parametrize("fmt", ["text", "jsonl", "csv"])
def test_bad_utf8_record_reported_not_fatal(fmt: str) -> None:
    stdin = '{"id": "ok", "text": "部品不足。"}\n'.encode() + b'{"id": "bad", "text": "\xff\xfe"}\n'
    out = run("tag", "--format", fmt, "--input-format", "jsonl", stdin=stdin)
    assert out.returncode == 1
    assert "line 2" in out.stderr.decode() or ":2:" in out.stderr.decode()
    if fmt == "jsonl":
        lines = out.stdout.decode().splitlines()
        assert len(lines) == 2 and "error" in json.loads(lines[1])


def test_jsonl_output_is_one_line_per_record_for_any_splitter() -> None:
    stdin = json.dumps({"id": "ls", "text": "部品不足。\u2028次の行\x85です。"}, ensure_ascii=False).encode() + b"\n"
    out = run("tag", "--format", "jsonl", stdin=stdin)
    text = out.stdout.decode()
    assert len(text.splitlines()) == 1
    assert json.loads(text)["text"] == "部品不足。\u2028次の行\x85です。"
