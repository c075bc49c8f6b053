"""``clustertags tag``: formats, exit status, --strict, progress and pipes."""

from __future__ import annotations

import csv
import fcntl
import gzip
import io
import json
import os
import pty
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from clustertags.cli import main
from clustertags.tagger import Tagger

GOOD = [
    {"id": "n1", "text": "部品が届かず、完成車工場のラインが三日間止まった。"},
    {"id": "n2", "text": "EV向けの電池工場を欧州に新設する。\n\n工場の電力は再生可能エネルギーでまかなう。"},
]
BAD_LINE = b'{"id": "n3", "text": '
RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>速報</title><link>http://x.example.jp/</link><description>d</description>
<item><title>新工場</title><guid isPermaLink="false">r1</guid><description>電池の新工場が稼働した。</description></item>
</channel></rss>
"""
PAGE = """<!DOCTYPE html><html lang="ja"><head><meta charset="euc-jp"><title>記事</title></head><body>
<nav><a href="/">トップへ戻る</a></nav>
<article><h1>港の物流</h1><p>港の混雑が解消し、輸出の船積みが平常に戻った。</p>
<p>海運各社は運賃の引き下げを検討している。</p></article>
<footer>このサイトについて</footer></body></html>
"""


def jsonl(records: list[dict], *extra: bytes) -> bytes:
    return b"".join([*(json.dumps(r, ensure_ascii=False).encode() + b"\n" for r in records), *(e + b"\n" for e in extra)])


def run(args: list[str], stdin: bytes, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(stdin), encoding="utf-8"))
    status = main(["tag", *args])
    out, err = capsys.readouterr()
    return status, out, err


def test_jsonl_keeps_fields_and_adds_themes(monkeypatch, capsys, tagger: Tagger) -> None:
    status, out, err = run(["--format", "jsonl"], jsonl(GOOD), monkeypatch, capsys)
    assert (status, err) == (0, "")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["id"] for r in rows] == ["n1", "n2"] and [r["text"] for r in rows] == [g["text"] for g in GOOD]
    assert [len(r["paragraphs"]) for r in rows] == [1, 2]
    assert rows[0]["paragraphs"] == [p.to_dict() for p in tagger.tag(GOOD[0]["text"])]


def test_csv_has_one_row_per_paragraph_and_error_rows(monkeypatch, capsys, tagger: Tagger) -> None:
    status, out, err = run(["--format", "csv"], jsonl(GOOD, BAD_LINE), monkeypatch, capsys)
    assert status == 1
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["line"], r["id"], r["paragraph"]) for r in rows] == [("1", "n1", "0"), ("2", "n2", "0"), ("2", "n2", "1"), ("3", "", "")]
    assert rows[3]["error"].startswith("not valid JSON") and rows[0]["error"] == ""
    assert rows[2]["text"] == "工場の電力は再生可能エネルギーでまかなう。"
    assert set(tagger.labels) <= set(rows[0])


def test_text_format_is_for_people(monkeypatch, capsys) -> None:
    status, out, err = run([], jsonl(GOOD[:1], BAD_LINE), monkeypatch, capsys)
    assert status == 1
    assert out.startswith("== <stdin>:1 [n1]  themes: supply_chain\n")
    assert "== <stdin>:2\nERROR: not valid JSON" in out
    assert err == "clustertags: <stdin>:2: not valid JSON (Expecting value at column 22)\n"


def test_text_format_keeps_one_line_per_item_whatever_the_text_holds(monkeypatch, capsys) -> None:
    # U+2028, U+0085, \r and \v break lines for str.splitlines, editors and terminals.
    text = "部品が届かず\u2028ラインが止まった。\r在庫は\x85三日分、\v調達先を探す。"
    status, out, err = run([], jsonl([{"id": "n\u20281", "text": text}]), monkeypatch, capsys)
    assert status == 0
    lines = out.splitlines()
    assert lines == out.split("\n")[:-1]  # no line break other than \n
    assert lines[0].startswith("== <stdin>:1 [n 1]  themes: supply_chain")
    snippets = [line.strip() for line in lines if line.startswith("     ")]
    assert "".join(snippets).replace(" ", "") == "部品が届かずラインが止まった。在庫は三日分、調達先を探す。"
    assert "部品が届かず ラインが止まった。" in snippets[0]


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_strict_stops_at_the_first_bad_record(jobs: str, monkeypatch, capsys) -> None:
    stdin = jsonl(GOOD, BAD_LINE) + jsonl(GOOD * 300)
    status, out, err = run(["--format", "jsonl", "--strict", "--jobs", jobs, "--batch-size", "2"], stdin, monkeypatch, capsys)
    assert status == 1
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["n1", "n2"]
    assert err == "clustertags: <stdin>:3: not valid JSON (Expecting value at column 22) (stopped by --strict)\n"


def test_gzip_on_stdin_and_missing_files(monkeypatch, capsys, tmp_path: Path) -> None:
    missing = str(tmp_path / "nowhere.jsonl")
    status, out, err = run(["--format", "jsonl", "-", missing], gzip.compress(jsonl(GOOD)), monkeypatch, capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert status == 1 and [r.get("id") for r in rows] == ["n1", "n2", None]
    assert rows[2] == {"error": {"line": None, "source": missing, "message": "cannot open: No such file or directory"}}


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("feed.xml", RSS.encode(), [("r1", "電池の新工場が稼働した。")]),
        ("page", PAGE.encode("euc_jp"), [(None, "港の混雑が解消し、輸出の船積みが平常に戻った。\n\n海運各社は運賃の引き下げを検討している。")]),
        ("notes.txt", "一つ目の段落。\n\n二つ目の段落。".encode(), [(None, "一つ目の段落。\n\n二つ目の段落。")]),
    ],
)
def test_input_format_is_guessed(name: str, data: bytes, expected: list, tmp_path: Path, capsys) -> None:
    (tmp_path / name).write_bytes(data)
    assert main(["tag", "--format", "jsonl", str(tmp_path / name)]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r.get("id"), r["text"]) for r in rows] == expected


def test_output_file(tmp_path: Path, monkeypatch, capsys) -> None:
    out = tmp_path / "tagged.jsonl"
    status, stdout, _ = run(["--format", "jsonl", "-o", str(out)], jsonl(GOOD), monkeypatch, capsys)
    assert (status, stdout) == (0, "")
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["n1", "n2"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--jobs", "2", "--scheduler", "tcp://127.0.0.1:8786"], "--jobs and --scheduler do not mix"),
        (["--jobs", "0"], "--jobs must be at least 1"),
        (["--batch-size", "0"], "--batch-size must be at least 1"),
    ],
)
def test_usage_errors_are_one_line(args: list[str], message: str, monkeypatch, capsys) -> None:
    status, out, err = run(args, b"", monkeypatch, capsys)
    assert status == 1 and out == ""
    assert err.startswith(f"clustertags: error: {message}") and err.count("\n") == 1


def test_bad_state_file_is_a_one_line_error(tmp_path: Path, monkeypatch, capsys) -> None:
    state = tmp_path / "state.json"
    state.write_text("壊れた状態", encoding="utf-8")
    status, out, err = run(["--state", str(state)], jsonl(GOOD), monkeypatch, capsys)
    assert status == 1 and "delete it to start afresh" in err and err.count("\n") == 1


# -- as a program: terminals and pipes -------------------------------------------
def _program(*args: str) -> list[str]:
    return [sys.executable, "-m", "clustertags.cli", "tag", *args]


@pytest.mark.slow
@pytest.mark.parametrize(("quiet", "bar"), [(False, True), (True, False)])
def test_progress_bar_only_on_a_terminal(tmp_path: Path, quiet: bool, bar: bool) -> None:
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl(GOOD * 20))
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))  # a new pty is 0 columns wide
    try:
        args = ["--format", "jsonl", str(data), *(["--quiet"] if quiet else [])]
        proc = subprocess.run(_program(*args), stdout=subprocess.PIPE, stderr=follower, timeout=120)
        os.close(follower)
        follower = -1
        chunks = []
        while True:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not chunk:
                break
            chunks.append(chunk)
    finally:
        os.close(leader)
        if follower != -1:
            os.close(follower)
    assert proc.returncode == 0 and len(proc.stdout.splitlines()) == 40
    assert ("records" in b"".join(chunks).decode(errors="replace")) is bar


@pytest.mark.slow
def test_no_progress_bar_when_stderr_is_a_pipe(tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl(GOOD))
    proc = subprocess.run(_program("--format", "jsonl", str(data)), capture_output=True, timeout=120)
    assert (proc.returncode, proc.stderr) == (0, b"")


@pytest.mark.slow
def test_a_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    data = tmp_path / "in.jsonl"
    data.write_bytes(jsonl(GOOD * 2000))
    proc = subprocess.Popen(_program("--format", "jsonl", str(data)), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    first = proc.stdout.readline()
    proc.stdout.close()  # like `| head -1`
    assert proc.wait(timeout=120) == 0
    assert json.loads(first)["id"] == "n1"
    assert proc.stderr.read() == b""
    proc.stderr.close()
