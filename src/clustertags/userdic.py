"""Compile a MeCab user dictionary against unidic-lite (company and product names).

UniDic splits names it does not know: ナギサ電機 becomes ナギ + サ + 電機, and
the model sees three fragments instead of one company.  A user dictionary
keeps such names whole::

    from clustertags.userdic import build_user_dictionary
    build_user_dictionary("names.txt", "names.dic")
    clustertags.train("corpus.jsonl", user_dic="names.dic")

The compiler is MeCab's own ``mecab-dict-index``, which fugashi ships as
``fugashi.build_dictionary``.  It runs in a child process because MeCab ends
the process on a malformed entry.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from ._atomic import atomic_write_bytes

__all__ = ["build_user_dictionary", "proper_noun_entry"]

#: UniDic (unidic-lite 2.1.2) has 26 feature fields.
_UNIDIC_FIELDS = 26
_COMPILE = "import sys, fugashi; fugashi.build_dictionary(sys.argv[1])"


def proper_noun_entry(surface: str, reading: str | None = None, *, cost: int = 3000) -> list[str]:
    """One MeCab CSV row for ``surface`` as a proper noun (名詞-固有名詞-一般).

    ``reading`` is the katakana reading (the surface when omitted).  The left
    and right context ids are left empty: the compiler assigns them from the
    part of speech.  A lower ``cost`` makes MeCab prefer the entry more.
    """
    if not surface or any(c in surface for c in ',"\n\r\t \u3000'):
        raise ValueError(f"a user dictionary word must be non-empty, without commas, quotes or whitespace: {surface!r}")
    kana = reading or surface
    return [
        surface, "", "", str(int(cost)),
        "名詞", "固有名詞", "一般", "*", "*", "*",
        kana, surface, surface, kana, surface, kana, "固",
        "*", "*", "*", "*", kana, kana, kana, kana, "*", "*", "*", "*", "*",
    ]


def _rows(source: Path, cost: int) -> list[list[str]]:
    rows = []
    text = source.read_text(encoding="utf-8-sig")
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), 1):
        if not row or not "".join(row).strip() or row[0].startswith("#"):
            continue
        if len(row) <= 2:  # a word, or a word and its reading
            try:
                rows.append(proper_noun_entry(row[0].strip(), row[1].strip() if len(row) == 2 else None, cost=cost))
            except ValueError as exc:
                raise ValueError(f"{source}, line {lineno}: {exc}") from None
        elif len(row) == 4 + _UNIDIC_FIELDS:
            rows.append(row)
        else:
            raise ValueError(
                f"{source}, line {lineno}: {len(row)} fields; give a word, 'word,reading', or a full MeCab row "
                f"of {4 + _UNIDIC_FIELDS} fields (surface, left id, right id, cost and UniDic's {_UNIDIC_FIELDS} features)"
            )
    if not rows:
        raise ValueError(f"{source}: no entries (one word a line, or MeCab CSV rows)")
    return rows


def build_user_dictionary(source: str | os.PathLike[str], output: str | os.PathLike[str], *, cost: int = 3000) -> Path:
    """Compile ``source`` into the MeCab user dictionary ``output``; return its path.

    ``source`` is UTF-8 text, one entry a line: a word (``ナギサ電機``), which
    becomes a proper noun; ``word,reading`` (``ナギサ電機,ナギサデンキ``); or a
    full MeCab CSV row in UniDic's format for any other part of speech.
    Blank lines and lines starting with ``#`` are skipped.  Pass ``output``
    as ``user_dic`` to :class:`~clustertags.JapaneseAnalyzer`,
    :func:`clustertags.train` or the spaCy tokenizer.  A model trained with a
    user dictionary must find it at the same path when it is loaded.
    """
    import unidic_lite

    src, out = Path(source), Path(output)
    rows = _rows(src, cost)
    with tempfile.TemporaryDirectory(prefix="clustertags-userdic-") as tmp:
        staged = Path(tmp) / "entries.csv"
        with staged.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh, lineterminator="\n").writerows(rows)
        compiled = Path(tmp) / "user.dic"
        args = f'mecab-dict-index -d "{unidic_lite.DICDIR}" -u "{compiled}" -f utf8 -t utf8 "{staged}"'
        done = subprocess.run([sys.executable, "-c", _COMPILE, args], capture_output=True, text=True)
        if done.returncode != 0 or not compiled.is_file():
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise RuntimeError(f"mecab-dict-index could not compile {src}: {detail[-1] if detail else 'no message'}")
        atomic_write_bytes(out, compiled.read_bytes())
    return out
