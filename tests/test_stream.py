"""The record stream: nothing lost, input order, flat memory, the same output with --jobs 2."""

from __future__ import annotations

import functools
import json
import os
import select
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from clustertags.cli import main
from clustertags.io import InputRecord, tag_records
from clustertags.io.stream import _Pool, ordered_results, read_ahead
from clustertags.io.writers import output_object
from clustertags.parallel import _tag_batch, shipped
from clustertags.tagger import Tagger

EVENTS = [
    "部品が届かず、完成車工場のラインが三日間止まった。",
    "EV向けの電池工場を欧州に新設し、現地の自動車メーカーに供給する。",
    "国内の研究所が次世代の半導体露光技術を開発した。",
    "製鉄所は水素を使う炉に切り替え、二酸化炭素の排出を大きく減らす。",
    "物流の混乱で港に船が滞留し、輸出の納期が遅れている。",
    "東南アジアに販売会社を設立し、現地の顧客を開拓する。",
    "工場の屋根に太陽光パネルを並べ、使う電力の半分をまかなう。",
    "精密加工の技術を生かし、医療機器の部品に参入する。",
    "主要な原料を一社に頼らず、調達先を三か国に分散した。",
    "北米の工場を拡張し、現地生産の比率を高める。",
    "新素材の特許を取得し、量産に向けた試作を始めた。",
    "再生可能エネルギーの比率を二〇三〇年までに倍にする目標を掲げた。",
    "半導体の不足が続き、家電の生産計画を見直した。",
    "海外の大学と共同で電池材料の研究を進める。",
    "使用済み製品を回収して素材に戻す仕組みを整えた。",
    "為替の変動に備えて、海外拠点での調達を増やす。",
    "熟練工の技を数値にし、若手に伝える取り組みを始めた。",
    "在庫を積み増し、災害時にも供給を止めない体制にした。",
    "欧州の環境規制に合わせて、製品の設計を改めた。",
    "自社開発の制御ソフトを他社にも販売する。",
    "地方の協力工場と部品の共通化を進めている。",
    "インドに研究開発の拠点を置き、現地の技術者を採用した。",
    "省エネ型の新しい炉で、燃料の使用量を三割減らした。",
    "取引先の工場が火災に遭い、代わりの部品を急いで探している。",
    "人工知能を使った検査装置で不良品を見つける。",
]
FOLLOW_UPS = [
    "会社は来年度の業績への影響は小さいとみている。",
    "担当者は「顧客の期待に応えたい」と話した。",
    "投資額は約百億円になる見通しだ。",
    "業界団体も同様の動きを注視している。",
    "詳細は来月の説明会で公表する。",
    "地元の自治体も支援を検討している。",
    "株式市場では好意的に受け止められた。",
    "社内には慎重な意見もある。",
    "同業他社も追随する可能性がある。",
    "計画は三段階に分けて進める。",
    "稼働は二年後を予定している。",
    "従業員は約二百人を新たに雇う。",
    "専門家は効果を検証する必要があると指摘する。",
    "取材に対し、広報は詳細を明らかにしなかった。",
    "今期中に最初の成果を示すという。",
    "国の補助金も活用する方針だ。",
    "既存の設備も順次更新する。",
    "顧客からの問い合わせが増えている。",
    "一部の工程は外部に委託する。",
    "関連会社とも連携を深める。",
]
BIG_PARAGRAPH = "新しい電池工場では再生可能エネルギーを使い、部品の調達先を国内外に分散させる計画だ。" * 7700  # about 1 MB
N_LINES = 10_000
FAULT_EVERY = 300
FAULTS = ["bad_json", "missing_text", "invalid_utf8", "empty_text", "not_a_string", "not_an_object", "control_chars"]
BIG_AT = {4_321, 8_765}  # two 1 MB paragraphs (each takes about a second to tag)


def clean_text(i: int) -> str:
    event, follow = EVENTS[i % len(EVENTS)], FOLLOW_UPS[(i // len(EVENTS)) % len(FOLLOW_UPS)]
    return f"{event}\n\n{follow}" if i % 3 == 0 else event + follow


def build_line(i: int) -> tuple[bytes, str]:
    """Line ``i`` (1-based) of the stream and what kind of line it is."""
    if i in BIG_AT:
        return json.dumps({"id": i, "text": BIG_PARAGRAPH}, ensure_ascii=False).encode(), "big"
    if i % FAULT_EVERY == 0:
        kind = FAULTS[(i // FAULT_EVERY) % len(FAULTS)]
        line = {
            "bad_json": b'{"id": %d, "text": "\xe5\xb7\xa5\xe5\xa0\xb4' % i,
            "missing_text": json.dumps({"id": i, "body": "本文の欄名が違う。"}, ensure_ascii=False).encode(),
            "invalid_utf8": b'{"id": %d, "text": "\xff\xfe\x82\xa0"}' % i,
            "empty_text": json.dumps({"id": i, "text": ""}).encode(),
            "not_a_string": json.dumps({"id": i, "text": 12345}).encode(),
            "not_an_object": json.dumps(["工場", i], ensure_ascii=False).encode(),
            "control_chars": json.dumps({"id": i, "text": "制御文字\u0000を含む\u001b文。\ud800"}).encode(),
        }[kind]
        return line, kind
    return json.dumps({"id": i, "source_name": "テスト配信", "text": clean_text(i)}, ensure_ascii=False).encode(), "clean"


ERRORS = {
    "bad_json": "not valid JSON",
    "missing_text": "field 'text' is missing",
    "invalid_utf8": "line is not valid UTF-8",
    "not_a_string": "field 'text' must be a string, got int",
    "not_an_object": "expected a JSON object, got list",
}


@pytest.fixture(scope="module")
def faulty_stream(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    path = tmp_path_factory.mktemp("stream") / "news.jsonl"
    kinds = []
    with open(path, "wb") as fh:
        for i in range(1, N_LINES + 1):
            line, kind = build_line(i)
            fh.write(line + b"\n")
            kinds.append(kind)
    return path, kinds


@pytest.fixture(scope="module")
def serial_output(faulty_stream: tuple[Path, list[str]], tmp_path_factory: pytest.TempPathFactory) -> tuple[int, bytes]:
    out = tmp_path_factory.mktemp("out") / "serial.jsonl"
    status = main(["tag", "--format", "jsonl", "--quiet", str(faulty_stream[0]), "-o", str(out)])
    return status, out.read_bytes()


@pytest.mark.slow
def test_ten_thousand_lines_with_faults(faulty_stream, serial_output, tagger: Tagger, capsys: pytest.CaptureFixture[str]) -> None:
    path, kinds = faulty_stream
    status, output = serial_output
    lines = output.decode("utf-8").splitlines()
    assert status == 1
    assert len(lines) == N_LINES
    one_by_one: dict[str, list] = {}  # tagging each distinct text alone, once
    for i, (kind, line) in enumerate(zip(kinds, lines, strict=True), 1):
        got = json.loads(line)
        if kind in ERRORS:
            assert set(got) == {"error"}, (i, kind)
            assert got["error"]["line"] == i and got["error"]["source"] == str(path)
            assert got["error"]["message"].startswith(ERRORS[kind]), (i, got)
            if kind in ("missing_text", "not_a_string"):
                assert got["error"]["id"] == i
            continue
        source = json.loads(build_line(i)[0])
        text = source["text"]
        if text not in one_by_one:
            one_by_one[text] = tagger.tag(text)
        expected = output_object(InputRecord(str(path), i, fields=source, text=text), one_by_one[text], tagger.labels)
        assert got == json.loads(json.dumps(expected, ensure_ascii=False)), (i, kind)
        if kind == "empty_text":
            assert (got["themes"], got["paragraphs"]) == ([], [])
        if kind == "big":
            assert len(got["paragraphs"]) == 1 and got["paragraphs"][0]["end"] == len(BIG_PARAGRAPH)
    assert sum(k in ERRORS for k in kinds) == 24


@pytest.mark.slow
def test_jobs_2_gives_the_same_output(faulty_stream, serial_output, tmp_path: Path) -> None:
    out = tmp_path / "jobs2.jsonl"
    status = main(["tag", "--format", "jsonl", "--quiet", "--jobs", "2", "--batch-size", "128", str(faulty_stream[0]), "-o", str(out)])
    assert (status, out.read_bytes()) == serial_output


def test_stderr_names_each_bad_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "few.jsonl"
    lines = [build_line(1)[0], b'{"id": 2}', b'{"id": 3, "text": "\xff"}', b'{"id": 4, "text": "\xe5\xb7\xa5', build_line(5)[0]]
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert main(["tag", "--format", "jsonl", "--quiet", str(path)]) == 1
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 5
    assert captured.err.splitlines() == [
        f"clustertags: {path}:2: field 'text' is missing",
        f"clustertags: {path}:3: line is not valid UTF-8 (invalid start byte at byte 19)",
        f"clustertags: {path}:4: not valid JSON (Unterminated string starting at column 19)",
    ]


# -- streaming ---------------------------------------------------------------------
def _read_line(proc: subprocess.Popen, seconds: float) -> bytes:
    ready, _, _ = select.select([proc.stdout], [], [], seconds)
    assert ready, "no output line in time: output is not flushed record by record"
    return proc.stdout.readline()


@pytest.mark.slow
@pytest.mark.parametrize("jobs", ["1", "2"])
def test_each_record_is_answered_as_it_arrives(jobs: str) -> None:
    """Like `tail -f log | clustertags tag`: the input stays open, yet each record comes out."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "clustertags.cli", "tag", "--format", "jsonl", "--jobs", jobs],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        for i in (1, 2, 3):
            proc.stdin.write(build_line(i)[0] + b"\n")
            proc.stdin.flush()
            got = json.loads(_read_line(proc, 60))
            assert got["id"] == i and got["themes"]
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def test_read_ahead_is_bounded() -> None:
    pulled = 0

    def endless() -> Iterator[int]:
        nonlocal pulled
        while True:
            pulled += 1
            yield pulled

    batches = read_ahead(endless(), 10)
    assert next(batches) == list(range(1, 11))
    time.sleep(0.3)
    assert pulled <= 10 + 2 * 10 + 1  # one batch out, a queue of two batches, one record in hand
    batches.close()


def test_read_ahead_cuts_a_batch_when_the_input_pauses() -> None:
    gate = threading.Event()

    def slow() -> Iterator[str]:
        yield "一件目"
        gate.wait(5)
        yield "二件目"

    batches = read_ahead(slow(), 100, idle=0.05)
    assert next(batches) == ["一件目"]
    assert next(batches) == []  # still quiet: an empty batch lets results out
    gate.set()
    assert [b for b in batches if b] == [["二件目"]]


def test_read_ahead_raises_reader_errors_after_the_records_before() -> None:
    def failing() -> Iterator[str]:
        yield "正常な記録"
        raise OSError("ディスクの読み取りに失敗")

    batches = read_ahead(failing(), 10)
    assert next(batches) == ["正常な記録"]
    with pytest.raises(OSError, match="ディスク"):
        list(batches)


class FlakyTagger(Tagger):
    """Fails on any batch holding the text 故障, as a bug or a resource limit might."""

    def tag_many(self, texts):
        if "故障" in texts:
            raise MemoryError("simulated")
        return super().tag_many(texts)


def test_a_failing_batch_is_retried_record_by_record(tagger: Tagger) -> None:
    flaky = FlakyTagger(tagger.model)
    texts = [clean_text(1), "故障", clean_text(2)]
    records = [InputRecord("mem", i, text=t, fields={"text": t}) for i, t in enumerate(texts, 1)]
    out = list(tag_records(flaky, records, batch_size=3))
    assert [r.line for r, _ in out] == [1, 2, 3]
    assert out[0][1] == tagger.tag(texts[0]) and out[2][1] == tagger.tag(texts[2])
    assert out[1][1] is None and out[1][0].error == "tagging failed: MemoryError: simulated"


def _tag_or_die(path: str, texts: list[str]) -> list:
    if "停電" in texts:
        os._exit(1)  # a worker process dying, as on a segfault or the OOM killer
    return _tag_batch(path, texts)


@pytest.mark.slow
def test_a_dead_worker_costs_only_the_record_that_killed_it(tagger: Tagger) -> None:
    texts = [clean_text(i) for i in range(6)]
    texts[3] = "停電"
    records = [InputRecord("mem", i, text=t, fields={"text": t}) for i, t in enumerate(texts, 1)]
    with shipped(tagger) as path, _Pool(2) as pool:
        submit = functools.partial(pool.submit, _tag_or_die, path)
        out = list(ordered_results(tagger, iter([records[0:2], records[2:4], records[4:6]]), submit, window=0))
    assert [r.line for r, _ in out] == [1, 2, 3, 4, 5, 6]
    # Record 3 shared its batch with the culprit, record 4: retried alone, it survives.
    assert [p is None for _, p in out] == [False, False, False, True, False, False]
    assert out[3][0].error.startswith("a worker died while tagging this record (")
    assert out[2][1] == tagger.tag(texts[2])
    assert out[5][1] == tagger.tag(texts[5])  # a new pool took over


def test_tagger_pipe_with_two_jobs_keeps_order(tagger: Tagger) -> None:
    texts = [clean_text(i) for i in range(300)]
    assert list(tagger.pipe(texts, batch_size=32, n_jobs=2)) == tagger.tag_many(texts)
