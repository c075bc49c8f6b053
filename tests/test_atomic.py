"""Atomic writes: a model or output file is whole or absent, whatever stops the run.

Model files and ``clustertags tag -o FILE`` are written under a temporary
name beside the target and renamed at the end.  These tests stop the writing
at each step (an exception, Ctrl-C, SIGKILL) and look at what is left.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import joblib
import pytest

import clustertags
import clustertags.io
import clustertags.model
from clustertags import ModelError
from clustertags.cli import main
from clustertags.model import card_path

TEXTS = ["部品が届かず、完成車工場のラインが止まった。", "工場の屋根に太陽光パネルを載せた。"]
GOOD = [
    {"id": "n1", "text": "部品が届かず、完成車工場のラインが三日間止まった。"},
    {"id": "n2", "text": "EV向けの電池工場を欧州に新設する。\n\n工場の電力は再生可能エネルギーでまかなう。"},
]


def jsonl(records: list[dict]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


# -- ThemeModel.save -----------------------------------------------------------------
@pytest.fixture
def saved(small_model, tmp_path: Path) -> Path:
    """A folder holding one good model pair, ``m.joblib`` and ``m.card.json``."""
    small_model.save(tmp_path / "m.joblib")
    return tmp_path / "m.joblib"


def test_save_writes_the_pair_and_nothing_else(saved: Path) -> None:
    assert files(saved.parent) == ["m.card.json", "m.joblib"]
    # Readable as a file created with open() would be, not only by its owner.
    assert (saved.stat().st_mode & 0o777) == 0o666 & ~umask()
    assert (card_path(saved).stat().st_mode & 0o777) == 0o666 & ~umask()


def test_save_keeps_the_mode_of_the_file_it_replaces(small_model, saved: Path) -> None:
    saved.chmod(0o640)
    small_model.save(saved)
    assert (saved.stat().st_mode & 0o777) == 0o640


def test_failing_dump_leaves_nothing(small_model, tmp_path: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(joblib, "dump", broken)
    with pytest.raises(OSError, match="disk full"):
        small_model.save(tmp_path / "m.joblib")
    assert files(tmp_path) == []


@pytest.mark.parametrize("fail_at", ["stage card", "rename model", "rename card", "fsync"])
def test_failing_save_never_leaves_a_model_its_card_does_not_vouch_for(
    fail_at: str, small_model, saved: Path, monkeypatch
) -> None:
    before = saved.read_bytes(), card_path(saved).read_bytes()
    expected = clustertags.load(saved).predict_proba(TEXTS)
    calls = {"stage": 0, "commit": 0}
    real_stage, real_commit, real_fsync = clustertags.model.stage_bytes, clustertags.model.commit, os.fsync

    def stage(path, data):
        calls["stage"] += 1
        if fail_at == "stage card" and calls["stage"] == 2:
            raise OSError("disk full")
        return real_stage(path, data)

    def commit(tmp, path):
        calls["commit"] += 1
        if (fail_at, calls["commit"]) in (("rename model", 1), ("rename card", 2)):
            raise KeyboardInterrupt  # Ctrl-C at the worst moment
        return real_commit(tmp, path)

    def fsync(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(clustertags.model, "stage_bytes", stage)
    monkeypatch.setattr(clustertags.model, "commit", commit)
    if fail_at == "fsync":
        monkeypatch.setattr(os, "fsync", fsync)
    other = clustertags.train(
        [{"text": t, "labels": ["a"] if i % 2 else ["b"]} for i, t in enumerate(["部品", "工場", "電池", "欧州", "太陽光", "半導体"] * 3)],
        cv=3,
        progress=False,
    )
    with pytest.raises((OSError, KeyboardInterrupt)):
        other.save(saved)
    monkeypatch.setattr(os, "fsync", real_fsync)
    assert not [n for n in files(saved.parent) if n.endswith(".tmp")]
    if fail_at == "rename card":
        # The new model was in place, its card was not: the model is removed
        # rather than left beside a card that does not vouch for it.
        assert files(saved.parent) == ["m.card.json"]
        with pytest.raises(ModelError, match="not found"):
            clustertags.load(saved)
    else:
        assert (saved.read_bytes(), card_path(saved).read_bytes()) == before
        assert clustertags.load(saved).predict_proba(TEXTS) == expected


# -- an interrupted `clustertags train` ----------------------------------------------------
@pytest.fixture(scope="module")
def half_corpus(train_records, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The training corpus ten times over (ids made unique): tens of seconds of
    analysis and training, time enough to interrupt on any machine."""
    path = tmp_path_factory.mktemp("corpus") / "big.jsonl"
    rows = [{**r, "id": f"{r['id']}-{k}"} for k in range(10) for r in train_records]
    path.write_text(jsonl(rows), encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=lambda s: s.name)
def test_interrupted_train_leaves_no_model(sig: signal.Signals, half_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "models" / "m.joblib"
    proc = subprocess.Popen(
        [sys.executable, "-m", "clustertags.cli", "train", str(half_corpus), "--out", str(out), "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    time.sleep(5)  # imported, corpus read, analysing or in cross-validation
    assert proc.poll() is None, "training finished before it could be interrupted"
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == {signal.SIGINT: 130, signal.SIGTERM: -signal.SIGTERM, signal.SIGKILL: -signal.SIGKILL}[sig]
    if sig == signal.SIGINT:
        assert err.decode().strip().splitlines()[-1] == "clustertags: interrupted"
    assert not out.parent.exists() or files(out.parent) == []


_KILLED_WHILE_WRITING = textwrap.dedent(
    """
    import os, signal, sys
    import clustertags.model
    from clustertags.cli import main

    def power_cut(tmp, path):  # both files are staged; the first rename never happens
        os.kill(os.getpid(), signal.SIGKILL)

    clustertags.model.commit = power_cut
    main(["train", sys.argv[1], "--out", sys.argv[2], "--quiet", "--cv", "3"])
    """
)


@pytest.mark.slow
def test_train_killed_while_writing_leaves_no_model(small_records, tmp_path: Path) -> None:
    corpus = tmp_path / "c.jsonl"
    corpus.write_text(jsonl(small_records), encoding="utf-8")
    out = tmp_path / "models" / "m.joblib"
    proc = subprocess.run([sys.executable, "-c", _KILLED_WHILE_WRITING, str(corpus), str(out)], capture_output=True, timeout=300)
    assert proc.returncode == -signal.SIGKILL
    left = files(out.parent)
    # No model and no card under their names; only SIGKILL's leftovers, hidden
    # temporary files that no loader reads.
    assert "m.joblib" not in left and "m.card.json" not in left
    assert left and all(n.startswith((".m.joblib.", ".m.card.json.")) and n.endswith(".tmp") for n in left)
    with pytest.raises(ModelError, match="not found"):
        clustertags.load(out)


# -- clustertags tag -o FILE -------------------------------------------------------------
def test_output_file_is_written_whole(tmp_path: Path, capsys) -> None:
    data, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    data.write_text(jsonl(GOOD), encoding="utf-8")
    assert main(["tag", "--format", "jsonl", str(data), "-o", str(out)]) == 0
    assert files(tmp_path) == ["in.jsonl", "out.jsonl"]
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == ["n1", "n2"]
    assert (out.stat().st_mode & 0o777) == 0o666 & ~umask()


def test_output_file_may_be_the_input_file(tmp_path: Path) -> None:
    # open(FILE, "w") used to empty the input before it was read.
    data = tmp_path / "data.jsonl"
    data.write_text(jsonl(GOOD * 50), encoding="utf-8")
    assert main(["tag", "--format", "jsonl", str(data), "-o", str(data)]) == 0
    rows = [json.loads(line) for line in data.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 100 and all("paragraphs" in r for r in rows)


@pytest.mark.parametrize("exc", [KeyboardInterrupt, MemoryError])
def test_interrupted_tag_keeps_the_old_output_and_state(exc: type, tmp_path: Path, monkeypatch, capsys) -> None:
    data, out, state = tmp_path / "in.jsonl", tmp_path / "out.jsonl", tmp_path / "state.json"
    data.write_text(jsonl(GOOD * 10), encoding="utf-8")
    out.write_text("the previous run's output\n", encoding="utf-8")
    real = clustertags.io.tag_records

    def interrupted(*args, **kwargs):
        stream = real(*args, **kwargs)

        def gen():
            try:
                for i, item in enumerate(stream):
                    if i == 5:
                        raise exc()
                    yield item
            finally:
                stream.close()

        return gen()

    monkeypatch.setattr(clustertags.io, "tag_records", interrupted)
    if exc is KeyboardInterrupt:
        assert main(["tag", "--format", "jsonl", "--state", str(state), str(data), "-o", str(out)]) == 130
    else:
        with pytest.raises(MemoryError):
            main(["tag", "--format", "jsonl", "--state", str(state), str(data), "-o", str(out)])
    assert out.read_text(encoding="utf-8") == "the previous run's output\n"
    # The state would claim records as written that are in no output.
    assert files(tmp_path) == ["in.jsonl", "out.jsonl"]


@pytest.mark.slow
def test_ctrl_c_during_tag_leaves_the_old_output(tmp_path: Path) -> None:
    data, out = tmp_path / "in.jsonl", tmp_path / "out.jsonl"
    data.write_text(jsonl(GOOD * 20_000), encoding="utf-8")
    out.write_text("old\n", encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "clustertags.cli", "tag", "--format", "jsonl", str(data), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # until records are being written
        temps = [p for p in tmp_path.iterdir() if p.name.startswith(".out.jsonl.")]
        if temps and temps[0].stat().st_size > 10_000:
            break
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err.decode()
    assert out.read_text(encoding="utf-8") == "old\n"
    assert files(tmp_path) == ["in.jsonl", "out.jsonl"]
