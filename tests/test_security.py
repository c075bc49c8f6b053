"""Model files are code: what clustertags refuses to unpickle, and what it still loads.

Each planted file here sits beside a card that carries the file's *real*
sha256, as a malicious author who writes both files would make it.  The hash
check passes; the restricted unpickler must then refuse the file before any
of it runs.  Every planted file is also shown to be live: a plain
``joblib.load`` of it does write the marker file.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import shutil
import struct
import sys
from pathlib import Path

import joblib
import numpy as np
import pytest

import clustertags
from clustertags import ModelError, ModelIntegrityError, loading
from clustertags.cli import main
from clustertags.model import FORMAT_VERSION, card_path

from .conftest import LABELS


# -- building hostile files -----------------------------------------------------------
def _unicode(s: str) -> bytes:
    data = s.encode("utf-8")
    return b"X" + struct.pack("<I", len(data)) + data  # BINUNICODE


def global_pickle(module: str, name: str) -> bytes:
    """A pickle of the global ``module.name`` itself (protocol 4 STACK_GLOBAL)."""
    return b"\x80\x04" + _unicode(module) + _unicode(name) + b"\x93."


def call_pickle(module: str, name: str, arg: str | bytes) -> bytes:
    """A pickle that calls ``module.name(arg)`` when loaded."""
    argop = _unicode(arg) if isinstance(arg, str) else b"B" + struct.pack("<I", len(arg)) + arg
    return b"\x80\x04" + _unicode(module) + _unicode(name) + b"\x93" + argop + b"\x85R."


class WritesFile:
    """Unpickling this writes ``marker``: the classic malicious ``__reduce__``."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self):
        return (Path.write_text, (self.marker, "ran"))


def plant(path: Path, data: bytes, **card: object) -> Path:
    """Write ``data`` as a model file with a card whose sha256 is the file's real one."""
    import sklearn

    path.write_bytes(data)
    forged = {
        "format": "clustertags-model",
        "format_version": FORMAT_VERSION,
        "labels": ["forged"],
        "created_with": {"scikit-learn": sklearn.__version__},
        "model_sha256": hashlib.sha256(data).hexdigest(),
        **card,
    }
    card_path(path).write_text(json.dumps(forged), encoding="utf-8")
    return path


def joblib_bytes(obj: object, **kwargs) -> bytes:
    buf = io.BytesIO()
    joblib.dump(obj, buf, **kwargs)
    return buf.getvalue()


def payload(kind: str, marker: Path, small_model) -> bytes:
    """A model file that writes ``marker`` when unpickled without restriction."""
    if kind == "reduce to Path.write_text":
        return pickle.dumps(WritesFile(marker), protocol=5)
    if kind == "os.system":
        return call_pickle(os.system.__module__, "system", f"touch {marker}")
    if kind == "builtins.exec":
        return call_pickle("builtins", "exec", f"import pathlib; pathlib.Path({str(marker)!r}).write_text('ran')")
    if kind == "dotted name via an allowed module":
        # An attribute path through a module that is allowed: clustertags.model imports pickle.
        return call_pickle("clustertags.model", "pickle.loads", pickle.dumps(WritesFile(marker)))
    if kind == "array of Python objects":
        return joblib_bytes({"format": "clustertags-model", "model": np.array([WritesFile(marker)], dtype=object)})
    if kind == "real model with an extra key":
        return joblib_bytes({"format": "clustertags-model", "format_version": 1, "model": small_model, "x": WritesFile(marker)})
    if kind == "real model with a planted analyzer":
        trojan = pickle.loads(pickle.dumps(small_model))
        trojan.pipeline.named_steps["features"].transformer_list[0][1].analyzer = WritesFile(marker)
        return joblib_bytes({"format": "clustertags-model", "format_version": 1, "model": trojan})
    raise AssertionError(kind)


PAYLOADS = [
    "reduce to Path.write_text",
    "os.system",
    "builtins.exec",
    "dotted name via an allowed module",
    "array of Python objects",
    "real model with an extra key",
    "real model with a planted analyzer",
]


@pytest.mark.parametrize("kind", PAYLOADS)
def test_planted_pickle_with_a_matching_card_is_refused(kind: str, small_model, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    evil = plant(tmp_path / "evil.joblib", payload(kind, marker, small_model))
    with pytest.raises(ModelIntegrityError, match="asks to build .*refused before any of it ran") as info:
        clustertags.load(evil)
    assert str(evil) in str(info.value)
    assert not marker.exists()
    # The planted file is live: an unrestricted load runs it.
    try:
        joblib.load(evil)
    except Exception:
        pass
    assert marker.exists(), "the planted pickle should have written its marker when loaded without restriction"


def test_planted_pickle_refused_by_the_cli(small_model, tmp_path: Path, capsys) -> None:
    marker = tmp_path / "pwned"
    evil = plant(tmp_path / "evil.joblib", payload("os.system", marker, small_model))
    doc = tmp_path / "doc.txt"
    doc.write_text("部品が届かない。", encoding="utf-8")
    assert main(["tag", "--model", str(evil), str(doc)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("clustertags: error: model file") and f"{os.system.__module__}.system" in err
    assert err.count("\n") == 1
    assert not marker.exists()


@pytest.mark.parametrize(
    ("module", "name"),
    [
        ("os", "system"),
        ("posix", "system"),
        ("subprocess", "Popen"),
        ("builtins", "eval"),
        ("builtins", "exec"),
        ("builtins", "getattr"),
        ("builtins", "__import__"),
        ("builtins", "open"),
        ("pathlib", "Path"),
        ("pickle", "loads"),
        ("joblib", "load"),
        ("numpy", "load"),
        ("numpy", "testing"),
        ("numpy.testing._private.utils", "runstring"),
        ("numpy", "testing._private.utils.runstring"),  # protocol 4 attribute path
        ("sklearn.pipeline", "Pipeline.__init__"),
        ("sklearn.utils._testing", "assert_run_python_script_without_output"),
        ("sklearn.preprocessing", "FunctionTransformer"),  # an estimator, but not one clustertags builds
        ("sklearn.pipeline", "FeatureUnion.__reduce_ex__"),
        ("clustertags.model", "pickle"),
        ("clustertags.model", "_restricted_load"),
        ("clustertags.cli", "main"),
        ("copyreg", "_reconstructor"),
        ("functools", "partial"),
        ("operator", "attrgetter"),
    ],
)
def test_globals_outside_the_allowlist_are_refused(module: str, name: str, tmp_path: Path) -> None:
    path = plant(tmp_path / "g.joblib", global_pickle(module, name))
    with pytest.raises(ModelIntegrityError, match=f"asks to build {module}.{name}, which no clustertags model contains"):
        clustertags.load(path)


def test_refused_module_is_not_even_imported(tmp_path: Path, capsys) -> None:
    # Importing `this` prints the Zen of Python: an import alone runs code.
    already = "this" in sys.modules
    path = plant(tmp_path / "g.joblib", global_pickle("this", "s"))
    with pytest.raises(ModelIntegrityError, match="this.s"):
        clustertags.load(path)
    assert ("this" in sys.modules) == already
    assert "Beautiful is better than ugly" not in capsys.readouterr().out


def test_allowed_object_that_is_not_a_model(tmp_path: Path) -> None:
    path = plant(tmp_path / "g.joblib", global_pickle("sklearn.pipeline", "Pipeline"))
    with pytest.raises(ModelError, match="is not a clustertags model"):
        clustertags.load(path)


def test_vectoriser_reading_files_named_by_the_text_is_refused(small_model, tmp_path: Path) -> None:
    model = pickle.loads(pickle.dumps(small_model))
    model.pipeline.named_steps["features"].transformer_list[1][1].input = "filename"
    path = tmp_path / "m.joblib"
    model.save(path)
    with pytest.raises(ModelIntegrityError, match="not one clustertags builds"):
        clustertags.load(path)


def test_compressed_joblib_is_refused(small_model, tmp_path: Path) -> None:
    data = joblib_bytes({"format": "clustertags-model", "format_version": 1, "model": small_model}, compress=3)
    path = plant(tmp_path / "z.joblib", data)
    with pytest.raises(ModelError, match="not an uncompressed joblib file"):
        clustertags.load(path)


# -- real models still load ------------------------------------------------------------
def test_default_and_fresh_models_load(small_model, small_model_path: Path, tmp_path: Path, train_records) -> None:
    text = "部品が届かず、完成車工場のラインが止まった。"
    assert clustertags.load().labels == LABELS
    loaded = clustertags.load(small_model_path)
    assert loaded.predict_proba([text]) == clustertags.Tagger(small_model).predict_proba([text])
    single = [{"text": r["text"], "labels": r["labels"]} for r in train_records if len(r["labels"]) == 1][:150]
    model = clustertags.train(single, cv=3, progress=False)  # single-label: an SGDClassifier
    model.save(tmp_path / "single.joblib")
    again = clustertags.load(tmp_path / "single.joblib")
    assert again.predict_proba([text]) == clustertags.Tagger(model).predict_proba([text])


# -- the bundled model goes through the same checks ---------------------------------------
@pytest.fixture
def bundled_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the bundled model that clustertags.load() reads instead of the real one."""
    real = loading.default_model_path()
    copy = tmp_path / "default.joblib"
    shutil.copyfile(real, copy)
    shutil.copyfile(card_path(real), card_path(copy))
    monkeypatch.setattr(loading, "default_model_path", lambda: copy)
    monkeypatch.setattr(loading, "_DEFAULT", None)
    return copy


def test_bundled_copy_loads(bundled_copy: Path, tagger) -> None:
    text = "工場の屋根に太陽光パネルを設置した。\n\n欧州に販売会社を設立した。"
    assert clustertags.load().tag(text) == tagger.tag(text)


def test_tampered_bundled_model_is_refused(bundled_copy: Path) -> None:
    data = bytearray(bundled_copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bundled_copy.write_bytes(bytes(data))
    with pytest.raises(ModelIntegrityError, match="sha256") as info:
        clustertags.load()
    message = str(info.value)
    assert str(bundled_copy) in message
    assert hashlib.sha256(bytes(data)).hexdigest() in message
    assert json.loads(card_path(bundled_copy).read_text(encoding="utf-8"))["model_sha256"] in message


def test_bundled_model_without_card_is_refused(bundled_copy: Path) -> None:
    card_path(bundled_copy).unlink()
    with pytest.raises(ModelIntegrityError, match="card"):
        clustertags.load()


def test_planted_bundled_model_is_refused(bundled_copy: Path, small_model, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    plant(bundled_copy, payload("real model with an extra key", marker, small_model))
    with pytest.raises(ModelIntegrityError, match="asks to build"):
        clustertags.load()
    assert not marker.exists()
