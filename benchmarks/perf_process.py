"""What a user of the command line sees: whole processes, timed and measured from outside.

Each run is one fresh child process.  Its wall time is taken around the
process (start-up, imports and model loading included), its CPU time and peak
resident memory come from ``os.wait4``'s resource usage of that child alone.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: A paragraph for the cold start: the README's example.
PARAGRAPH = "部品が届かず、完成車工場のラインが三日間止まった。"


@dataclass
class Proc:
    wall: float
    cpu: float
    peak_rss_mb: float  # ru_maxrss: the high-water mark of resident memory
    peak_anon_mb: float  # sampled every 20 ms: private memory (heap, arrays)
    peak_file_mb: float  # sampled: file-backed pages (mapped libraries, the MeCab dictionary)
    returncode: int
    stdout: str
    stderr: str


# The child is started by a small launcher process, not by this one: a child
# forked from a large process reports that process's memory as its own peak
# (Linux keeps the high-water mark across exec), and this process holds the
# benchmark texts.
_LAUNCHER = """
import json, os, subprocess, sys, time
cmd, stdin, err, out = json.loads(sys.argv[1])
fin = open(stdin, "rb") if stdin else subprocess.DEVNULL
peak = {"RssAnon": 0, "RssFile": 0}

def sample(pid):
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                key = line.split(":", 1)[0]
                if key in peak:
                    peak[key] = max(peak[key], int(line.split()[1]))
    except OSError:
        pass

with open(err, "wb") as ferr, open(out, "wb") if out else open(os.devnull, "wb") as fout:
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdin=fin, stdout=fout, stderr=ferr)
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            break
        sample(proc.pid)
        time.sleep(0.02)
    wall = time.perf_counter() - started
print(json.dumps({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kb": usage.ru_maxrss,
                  "anon_kb": peak["RssAnon"], "file_kb": peak["RssFile"], "returncode": os.waitstatus_to_exitcode(status)}))
"""


def run(cmd: list[str], stdin: Path | None = None, capture: bool = False) -> Proc:
    """Run ``cmd`` to completion; stdout is discarded unless ``capture``.

    Wall time is taken around the child alone (the launcher's own start-up is
    not counted); CPU time and peak RSS are the child's, from ``os.wait4``.
    """
    with tempfile.TemporaryDirectory(prefix="clustertags-run-") as tmp:
        err, out = Path(tmp) / "stderr", Path(tmp) / "stdout"
        spec = json.dumps([cmd, str(stdin) if stdin else None, str(err), str(out) if capture else None])
        launcher = subprocess.run([sys.executable, "-c", _LAUNCHER, spec], capture_output=True, text=True)
        if launcher.returncode != 0:
            raise RuntimeError(f"launcher failed: {launcher.stderr.strip()[-500:]}")
        r = json.loads(launcher.stdout.strip().splitlines()[-1])
        return Proc(
            wall=r["wall"],
            cpu=r["cpu"],
            peak_rss_mb=r["maxrss_kb"] / 1024,  # KiB on Linux
            peak_anon_mb=r["anon_kb"] / 1024,
            peak_file_mb=r["file_kb"] / 1024,
            returncode=r["returncode"],
            stdout=out.read_text(encoding="utf-8", errors="replace") if capture else "",
            stderr=err.read_text(encoding="utf-8", errors="replace"),
        )


def cli_command() -> list[str]:
    """The installed ``clustertags`` script next to this Python, else ``python -m clustertags.cli``."""
    script = shutil.which("clustertags", path=str(Path(sys.executable).parent))
    return [script] if script else [sys.executable, "-m", "clustertags.cli"]


def cli_tag(path: Path | None, *, jobs: int = 1, model: str | None = None, stdin: Path | None = None) -> Proc:
    """``clustertags tag --format jsonl`` on a JSON Lines file (or stdin), output discarded."""
    cmd = cli_command() + ["tag", "--format", "jsonl", "--input-format", "jsonl", "--quiet", "--jobs", str(jobs)]
    if model:
        cmd += ["--model", model]
    cmd.append(str(path) if path is not None else "-")
    proc = run(cmd, stdin=stdin)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} exited with {proc.returncode}: {proc.stderr.strip()[-500:]}")
    return proc


_COLD = """
import json, sys, time
{prelude}
t0 = time.perf_counter()
import clustertags
t1 = time.perf_counter()
tagger = clustertags.load({model!r})
t2 = time.perf_counter()
tagger.tag({paragraph!r})
t3 = time.perf_counter()
print(json.dumps({{"import": t1 - t0, "load": t2 - t1, "tag": t3 - t2}}))
"""

_IMPORT = """
import json, time
t0 = time.perf_counter()
import {modules}
print(json.dumps({{"import": time.perf_counter() - t0}}))
"""

#: The scikit-learn modules the pickled pipeline is made of: unpickling imports them.
MODEL_MODULES = "sklearn.pipeline, sklearn.feature_extraction.text, sklearn.linear_model, sklearn.multiclass"


@dataclass
class ColdStart:
    process: float  # whole process, from outside (median)
    imports: float
    load: float
    tag: float
    runs: list[float]
    floor_sklearn: float  # `import sklearn.base` alone, in-process (median)
    floor_model_modules: float  # the scikit-learn modules of the model, in-process (median)
    python: float  # `python -c pass` (median)
    without_pandas: float  # whole process when pandas and pyarrow cannot be imported (median)


def _median_json(code: str, repeats: int) -> tuple[list[float], list[dict]]:
    walls, outs = [], []
    for _ in range(repeats):
        p = run([sys.executable, "-c", code], capture=True)
        if p.returncode != 0:
            raise RuntimeError(p.stderr.strip()[-500:])
        walls.append(p.wall)
        outs.append(json.loads(p.stdout.strip().splitlines()[-1]))
    return walls, outs


def cold_start(model: str | None = None, repeats: int = 5) -> ColdStart:
    """Import, load the model and tag one paragraph in a fresh process; medians of ``repeats`` runs."""
    code = _COLD.format(model=model, paragraph=PARAGRAPH, prelude="")
    run([sys.executable, "-c", code])  # one unmeasured run: files in the page cache, bytecode compiled
    walls, outs = _median_json(code, repeats)
    # scikit-learn imports pandas (and pandas pyarrow) whenever they are installed;
    # here they come with the Dask extra.  An install without them:
    no_pandas = _COLD.format(model=model, paragraph=PARAGRAPH, prelude="sys.modules['pandas'] = sys.modules['pyarrow'] = None")
    bare, _ = _median_json(no_pandas, repeats)
    _, sk = _median_json(_IMPORT.format(modules="sklearn.base"), repeats)
    _, mods = _median_json(_IMPORT.format(modules=MODEL_MODULES), repeats)
    py = [run([sys.executable, "-c", "pass"]).wall for _ in range(repeats)]
    med = statistics.median
    return ColdStart(
        process=med(walls),
        imports=med(o["import"] for o in outs),
        load=med(o["load"] for o in outs),
        tag=med(o["tag"] for o in outs),
        runs=walls,
        floor_sklearn=med(o["import"] for o in sk),
        floor_model_modules=med(o["import"] for o in mods),
        python=med(py),
        without_pandas=med(bare),
    )


def memory_baselines(model: str | None, tmp: Path) -> dict[str, Proc]:
    """Peak memory of the fixed costs: scikit-learn's import (with and without pandas) and the CLI on one record."""
    one = tmp / "one.jsonl"
    one.write_text(json.dumps({"id": "1", "text": PARAGRAPH}, ensure_ascii=False) + "\n", encoding="utf-8")
    no_pandas = "import sys; sys.modules['pandas'] = sys.modules['pyarrow'] = None; "
    return {
        "import sklearn.base": run([sys.executable, "-c", "import sklearn.base"]),
        "import sklearn.base, pandas and pyarrow not importable": run([sys.executable, "-c", no_pandas + "import sklearn.base"]),
        "CLI on one record": cli_tag(one, model=model),
    }
