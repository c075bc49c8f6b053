"""Tagging on a real Dask cluster: two worker processes of two threads each, on 127.0.0.1."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

distributed = pytest.importorskip("distributed")
dd = pytest.importorskip("dask.dataframe")
db = pytest.importorskip("dask.bag")
pd = pytest.importorskip("pandas")

import clustertags.dask as ctd  # noqa: E402
from clustertags import JapaneseAnalyzer  # noqa: E402
from clustertags.cli import main  # noqa: E402
from clustertags.io import InputRecord, iter_inputs, tag_records  # noqa: E402
from clustertags.io.writers import output_object  # noqa: E402
from clustertags.tagger import Tagger  # noqa: E402

pytestmark = pytest.mark.slow

SUBJECTS = ["自動車メーカー", "電池メーカー", "製鉄所", "半導体工場", "部品の商社", "化学会社", "造船所", "精密機器の会社"]
ACTIONS = [
    "は調達先を東南アジアに広げ、部品の不足に備える。",
    "は再生可能エネルギーだけで工場を動かす計画を示した。",
    "は新しい加工技術の特許を取り、量産を始める。",
    "は北米に工場を建て、現地の需要に応える。",
    "は物流の遅れで出荷が止まり、在庫が減っている。",
    "は水素を燃料にする設備を導入し、排出を減らす。",
]


def texts(n: int) -> list[str]:
    return [
        f"{SUBJECTS[i % len(SUBJECTS)]}{ACTIONS[(i // len(SUBJECTS)) % len(ACTIONS)]}"
        + ("\n\n" + ACTIONS[i % len(ACTIONS)].lstrip("は") if i % 4 == 0 else "")
        for i in range(n)
    ]


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=2, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as c:
        yield c


def test_bag_on_two_processes_of_two_threads_matches_serial(client, tagger: Tagger) -> None:
    items = texts(600)
    got = ctd.tag_bag(db.from_sequence(items, npartitions=24), model=tagger, batch_size=8).compute()
    expected = [output_object(InputRecord("<bag>", None, fields={"text": t}, text=t), tagger.tag(t), tagger.labels) for t in items]
    assert got == expected


def test_tokens_are_right_in_worker_threads(client) -> None:
    """One MeCab tagger per thread: the same tokens on 2 x 2 worker threads as here."""
    analyzer = JapaneseAnalyzer(ngram_range=(1, 2))
    items = texts(200)
    futures = client.map(analyzer.analyze, items, pure=False)
    assert client.gather(futures) == [analyzer.analyze(t) for t in items]


def test_bag_of_dicts_keeps_fields_and_reports_bad_items(client, tagger: Tagger) -> None:
    items = [{"id": "a", "text": texts(1)[0], "媒体": "業界紙"}, {"id": "b"}, {"id": "c", "text": None}, "ただの文字列。", 42]
    got = ctd.tag_bag(db.from_sequence(items, npartitions=2), model=tagger).compute()
    assert got[0]["媒体"] == "業界紙" and got[0]["themes"] == [
        lab for lab in tagger.labels if any(lab in p.labels for p in tagger.tag(texts(1)[0]))
    ]
    assert got[1] == {"error": {"line": None, "source": "<bag>", "message": "field 'text' is missing", "id": "b"}}
    assert got[2]["error"]["message"] == "field 'text' must be a string, got NoneType"
    assert got[3]["text"] == "ただの文字列。" and "themes" in got[3]
    assert got[4]["error"]["message"] == "expected a str or a dict, got int"


class CountingTagger(Tagger):
    """Appends a line to a file each time it is unpickled, to count deliveries to workers."""

    def __init__(self, model, count_file: str) -> None:
        super().__init__(model)
        self.count_file = count_file

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        with open(self.count_file, "a", encoding="utf-8") as fh:
            fh.write(f"{os.getpid()}\n")


def test_bag_model_reaches_each_worker_once(client, tagger: Tagger, tmp_path: Path) -> None:
    count_file = tmp_path / "unpickled.txt"
    counting = CountingTagger(tagger.model, str(count_file))
    bag = db.from_sequence(texts(160), npartitions=16)
    results = ctd.tag_bag(bag, model=counting, batch_size=5).compute()
    assert len(results) == 160
    pids = count_file.read_text().split()
    assert len(set(pids)) == len(pids)  # never twice in one process: not once per task (16 tasks)
    workers = {str(pid) for pid in client.run(os.getpid).values()}
    assert 1 <= len(workers & set(pids)) <= 2 and set(pids) <= workers | {str(os.getpid())}


def test_cluster_stream_gives_one_result_per_record_in_order(client, tagger: Tagger, tmp_path: Path) -> None:
    count_file = tmp_path / "unpickled.txt"
    counting = CountingTagger(tagger.model, str(count_file))
    items = texts(300)
    records = [InputRecord("mem", i, fields={"text": t}, text=t) for i, t in enumerate(items, 1)]
    records[7] = InputRecord("mem", 8, error="not valid JSON (Expecting value at column 1)")
    got = list(ctd.tag_records_on_cluster(counting, records, scheduler=client, batch_size=10, window=3))
    assert [r.line for r, _ in got] == list(range(1, 301))
    assert got[7][1] is None
    assert [p for _, p in got] == [None if i == 7 else tagger.tag(t) for i, t in enumerate(items)]
    # Uploaded once to each of the two workers, loaded once by each: not once per batch (30 batches).
    workers = {str(pid) for pid in client.run(os.getpid).values()}
    assert sorted(count_file.read_text().split()) == sorted(workers)
    assert not any(name.startswith("clustertags-") for d in client.run(lambda dask_worker: os.listdir(dask_worker.local_directory)).values() for name in d)


def test_dataframe_columns(client, tagger: Tagger) -> None:
    items = texts(40)
    frame = pd.DataFrame({"記事id": range(42), "本文": [*items, None, ""]})
    ddf = dd.from_pandas(frame, npartitions=4)
    got = ctd.tag_dataframe(ddf, text_column="本文", model=tagger).compute()
    assert list(got.columns) == ["記事id", "本文", "themes", *(f"score_{lab}" for lab in tagger.labels), "tag_error"]
    for text, row in zip(items, got.iloc[:40].itertuples(index=False), strict=True):
        paragraphs = tagger.tag(text)
        assert row.themes == [lab for lab in tagger.labels if any(lab in p.labels for p in paragraphs)]
        assert row.score_supply_chain == max(p.scores["supply_chain"] for p in paragraphs)
        assert row.tag_error is None
    assert got.iloc[40]["tag_error"].startswith("column '本文' has no text")
    assert got.iloc[41]["themes"] == [] and pd.isna(got.iloc[41]["score_green_shift"]) and got.iloc[41]["tag_error"] is None


def test_dataframe_refuses_pandas_and_clashing_columns(tagger: Tagger) -> None:
    frame = pd.DataFrame({"text": ["工場が止まった。"], "themes": ["既存の列"]})
    with pytest.raises(TypeError, match="from_pandas"):
        ctd.tag_dataframe(frame, model=tagger)
    with pytest.raises(ValueError, match="already has column"):
        ctd.tag_dataframe(dd.from_pandas(frame, npartitions=1), model=tagger)
    with pytest.raises(KeyError, match="text_column="):
        ctd.tag_dataframe(dd.from_pandas(frame, npartitions=1), text_column="本文", model=tagger)


def test_archive_is_tagged_on_the_workers(client, tagger: Tagger, tmp_path: Path) -> None:
    lines = [json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts(50))]
    (tmp_path / "a.jsonl").write_text("\n".join(lines[:30]) + "\n", encoding="utf-8")
    (tmp_path / "b.jsonl.gz").write_bytes(gzip.compress(("\n".join(lines[30:]) + "\n{broken\n").encode()))
    paths = [str(tmp_path / "a.jsonl"), str(tmp_path / "b.jsonl.gz"), str(tmp_path / "missing.jsonl")]
    out = tmp_path / "tagged"
    out.mkdir()
    summaries = ctd.tag_files(paths, out, model=tagger, client=client)
    assert [(s["output"], s["records"], s["errors"]) for s in summaries] == [
        (str(out / "a.tagged.jsonl"), 30, 0),
        (str(out / "b.tagged.jsonl"), 21, 1),
        (str(out / "missing.tagged.jsonl"), 1, 1),
    ]
    for path, summary in zip(paths, summaries, strict=True):
        expected = [output_object(r, p, tagger.labels) for r, p in tag_records(tagger, iter_inputs([path]))]
        written = [json.loads(line) for line in Path(summary["output"]).read_text(encoding="utf-8").splitlines()]
        assert written == expected
    assert sorted(p.name for p in out.iterdir()) == ["a.tagged.jsonl", "b.tagged.jsonl", "missing.tagged.jsonl"]


def test_archive_refuses_clashing_outputs_and_missing_cluster(tagger: Tagger, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="several inputs would be written to"):
        ctd.tag_files(["x/news.jsonl", "y/news.jsonl.gz"], tmp_path, model=tagger)
    with pytest.raises(TypeError, match="wrap it in a list"):
        ctd.tag_files("news.jsonl", tmp_path, model=tagger)


def test_cli_scheduler_matches_one_process(client, tagger: Tagger, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "in.jsonl"
    rows = [json.dumps({"id": i, "text": t}, ensure_ascii=False).encode() for i, t in enumerate(texts(1500))]
    rows[100] = b'{"id": 100, "text": "\xff\xfe"}'
    rows[900] = b'{"id": 900'
    path.write_bytes(b"\n".join(rows) + b"\n")
    one, cluster = tmp_path / "one.jsonl", tmp_path / "cluster.jsonl"
    assert main(["tag", "--format", "jsonl", "--quiet", str(path), "-o", str(one)]) == 1
    address = client.scheduler.address
    assert main(["tag", "--format", "jsonl", "--quiet", "--batch-size", "64", "--scheduler", address, str(path), "-o", str(cluster)]) == 1
    capsys.readouterr()
    assert cluster.read_bytes() == one.read_bytes()
    assert len(one.read_bytes().splitlines()) == 1500


def test_missing_dask_says_how_to_install() -> None:
    with pytest.raises(ImportError, match=r'pip install "clustertags\[dask\]"'):
        ctd._require("dask_module_that_does_not_exist")


class DyingTagger(Tagger):
    """Kills the worker process that tags a batch holding 停電, as a segfault or the OOM killer would."""

    def tag_many(self, texts):
        if "停電" in texts:
            os._exit(1)
        return super().tag_many(texts)


def test_a_record_that_kills_its_workers_becomes_one_error_record_and_the_stream_goes_on(tagger: Tagger) -> None:
    items = texts(12)
    items[4] = "停電"
    records = [InputRecord("mem", i, fields={"text": t}, text=t) for i, t in enumerate(items, 1)]
    # Dask's default retries a task that killed its worker on three fresh ones
    # before giving up (KilledWorker); batches that were queued behind it on a
    # dying worker are retried and must come back tagged.
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=":0"
    ) as cluster, distributed.Client(cluster) as c:
        got = list(ctd.tag_records_on_cluster(DyingTagger(tagger.model), records, scheduler=c, batch_size=3, window=0))
    assert [r.line for r, _ in got] == list(range(1, 13))
    dead = [r for r, p in got if p is None]
    assert [r.line for r in dead] == [5]  # 停電 alone, not its batch nor the batch queued behind it
    assert dead[0].error.startswith("a worker died while tagging this record (KilledWorker")
    # The nanny's new workers loaded the model again and tagged everything else.
    assert [p for r, p in got if r.line != 5] == [tagger.tag(t) for i, t in enumerate(items) if i != 4]
