"""``clustertags tag`` on bytes that are not UTF-8, and on UTF-8 that is hostile.

Nothing is lost: every input record gives exactly one output record, bad
ones an error record naming the source (and line), and the exit status is 1.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from clustertags import Tagger
from clustertags.cli import main

GOOD_TEXT = "部品が届かず、完成車工場のラインが止まった。\n\n欧州に販売会社を設立した。"

NOT_UTF8 = {
    "shift_jis": "部品が届かない。ソ".encode("cp932"),  # ソ ends in 0x5C, a backslash in ASCII
    "euc_jp": "部品が届かない。".encode("euc_jp"),
    "utf16": "部品が届かない。".encode("utf-16"),
    "latin1": "Café à Paris".encode("latin-1"),
    "truncated": "工場".encode()[:-1],
    "overlong": b"\xc0\xaf",
    "encoded surrogate": b"\xed\xa0\x80",
    "lone continuation": b"abc\x80def",
}


def rows(out: str) -> list[dict]:
    # JSON Lines are separated by \n only; str.splitlines() would also cut at
    # the raw U+2028, U+2029 and U+0085 that json.dumps(ensure_ascii=False) writes.
    return [json.loads(line) for line in out.split("\n") if line]


@pytest.mark.parametrize("kind", sorted(NOT_UTF8))
def test_text_files_that_are_not_utf8(kind: str, tmp_path: Path, capsys, tagger: Tagger) -> None:
    good, bad, also_good = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    good.write_text(GOOD_TEXT, encoding="utf-8")
    bad.write_bytes(NOT_UTF8[kind])
    also_good.write_text("工場の屋根に太陽光パネルを載せた。", encoding="utf-8")
    status = main(["tag", "--format", "jsonl", str(good), str(bad), str(also_good)])
    out, err = capsys.readouterr()
    assert status == 1
    a, b, c = rows(out)  # one output record per input, in order
    assert a["paragraphs"] == [p.to_dict() for p in tagger.tag(GOOD_TEXT)]
    assert b == {"error": {"line": None, "source": str(bad), "message": b["error"]["message"]}}
    assert b["error"]["message"].startswith("not valid UTF-8")
    assert c["text"] == "工場の屋根に太陽光パネルを載せた。" and len(c["paragraphs"]) == 1
    assert err.splitlines() == [f"clustertags: {bad}: {b['error']['message']}"]


@pytest.mark.parametrize("kind", sorted(NOT_UTF8))
def test_jsonl_lines_that_are_not_utf8(kind: str, tmp_path: Path, capsys) -> None:
    data = tmp_path / "in.jsonl"
    bad_line = b'{"id": "bad", "text": "' + NOT_UTF8[kind].replace(b"\n", b" ") + b'"}'
    lines = [
        '{"id": "n1", "text": "部品が届かない。"}'.encode(),
        bad_line,
        '{"id": "n3", "text": "電池工場を新設する。"}'.encode(),
    ]
    data.write_bytes(b"\n".join(lines) + b"\n")
    out_file = tmp_path / "out.jsonl"
    status = main(["tag", "--format", "jsonl", str(data), "-o", str(out_file)])
    err = capsys.readouterr().err
    assert status == 1
    first, second, third = rows(out_file.read_text(encoding="utf-8"))
    assert first["id"] == "n1" and third["id"] == "n3"
    assert second["error"]["line"] == 2 and second["error"]["source"] == str(data)
    assert second["error"]["message"].startswith("line is not valid UTF-8")
    assert err.splitlines() == [f"clustertags: {data}:2: {second['error']['message']}"]


@pytest.mark.parametrize("fmt", ["text", "jsonl", "csv"])
def test_stdin_that_is_not_utf8_as_a_program(fmt: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "clustertags.cli", "tag", "--format", fmt, "--input-format", "text"],
        input="部品が届かない。".encode("cp932"),
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.decode() == "clustertags: <stdin>: not valid UTF-8 (invalid start byte at byte 0)\n"
    assert "not valid UTF-8" in proc.stdout.decode()


def test_hostile_but_valid_utf8_is_tagged(tmp_path: Path, capsys, tagger: Tagger) -> None:
    # NUL, lone surrogates from JSON escapes, every newline style, RTL text,
    # emoji sequences and a BOM: all valid input, all tagged.
    texts = [
        "工場\x00停止。\x00\n\n部品不足。",
        "\ud800工場の\udfff部品",
        "a\r\nb\u2028c\rd\x85e\u2029f",
        "مرحبا 👨\u200d👩\u200d👧 🇯🇵 \u202e逆向き",
        "\ufeff部品が届かない。",
    ]
    data = tmp_path / "in.jsonl"
    data.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in enumerate(texts)), encoding="utf-8")
    for fmt in ("jsonl", "csv", "text"):
        assert main(["tag", "--format", fmt, str(data), "-o", str(tmp_path / f"out.{fmt}")]) == 0
    assert capsys.readouterr().err == ""
    out = rows((tmp_path / "out.jsonl").read_text(encoding="utf-8"))
    assert [r["text"] for r in out] == texts  # lone surrogates come back as the same JSON escapes
    for r, text in zip(out, texts, strict=True):
        assert r["paragraphs"] == [p.to_dict() for p in tagger.tag(text)]
        for p in r["paragraphs"]:
            assert text[p["start"] : p["end"]] == p["text"]
