"""Readers turn input streams into :class:`InputRecord` objects, one per input record.

A reader never raises on bad data: a line that is not JSON, lacks its text or
is not UTF-8 becomes a record with ``error`` set, so the stream goes on and
the output keeps one record per input record.
"""

from __future__ import annotations

import codecs
import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, Any

__all__ = ["InputRecord", "read_jsonl", "read_text", "maybe_gunzip", "codecs_for", "decode_declared"]


@dataclass
class InputRecord:
    """One unit of input: the fields to echo, the text to tag, or an error."""

    source: str
    line: int | None
    fields: dict[str, Any] = field(default_factory=dict)
    text: str | None = None
    error: str | None = None
    id: Any = None

    def error_object(self) -> dict[str, Any]:
        err: dict[str, Any] = {"line": self.line, "source": self.source, "message": self.error}
        if self.id is not None:
            err["id"] = self.id
        return {"error": err}


def maybe_gunzip(stream: IO[bytes]) -> IO[bytes]:
    """Wrap a binary stream in a gzip reader when it starts with the gzip magic."""
    buffered = stream if hasattr(stream, "peek") else io.BufferedReader(stream)  # type: ignore[arg-type, type-var]
    head = buffered.peek(2)[:2]  # type: ignore[attr-defined]
    if head == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=buffered)  # type: ignore[return-value]
    return buffered


# Labels browsers accept that Python's codec registry does not know.
_LABELS = {
    "x-sjis": "shift_jis",
    "windows-31j": "shift_jis",
    "csshiftjis": "shift_jis",
    "ms_kanji": "shift_jis",
    "x-euc-jp": "euc_jp",
    "cseucpkdfmtjapanese": "euc_jp",
    "csiso2022jp": "iso2022_jp",
}

# Pages and feeds labelled Shift_JIS are nearly always Windows code page 932
# (with ①, ㈱, ～ and NEC/IBM kanji that strict Shift_JIS rejects); EUC-JP ones
# may use the JIS X 0213 additions.  Each label maps to the codecs to try.
_JAPANESE = {
    "shift_jis": ("cp932", "shift_jis_2004"),
    "cp932": ("cp932", "shift_jis_2004"),
    "shift_jis_2004": ("shift_jis_2004", "cp932"),
    "shift_jisx0213": ("shift_jis_2004", "cp932"),
    "euc_jp": ("euc_jp", "euc_jis_2004"),
    "euc_jis_2004": ("euc_jis_2004", "euc_jp"),
    "euc_jisx0213": ("euc_jis_2004", "euc_jp"),
    "iso2022_jp": ("iso2022_jp_ext", "iso2022_jp_2004"),
}


def codecs_for(label: str) -> tuple[str, ...]:
    """Python codecs that read text declared as ``label``, best first.

    Raises
    ------
    LookupError
        When ``label`` names no known character encoding.
    """
    clean = label.strip().strip("\"'").lower()
    name = codecs.lookup(_LABELS.get(clean, clean)).name.replace("-", "_")
    return _JAPANESE.get(name, (name,))


def decode_declared(data: bytes, label: str) -> str:
    """Decode ``data`` with the encoding it declares, the way browsers read it.

    Raises
    ------
    UnicodeDecodeError
        From the first codec tried, when no codec for ``label`` reads ``data``.
    LookupError
        When ``label`` names no known character encoding.
    """
    best, *others = codecs_for(label)
    try:
        return data.decode(best)
    except UnicodeDecodeError:
        for codec in others:
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                continue
        raise


def read_jsonl(
    stream: IO[bytes], *, source: str, text_field: str = "text", id_field: str = "id"
) -> Iterator[InputRecord]:
    """Records from a JSON Lines byte stream; blank lines are skipped."""
    for line_no, raw in enumerate(maybe_gunzip(stream), 1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield InputRecord(source, line_no, error=f"line is not valid UTF-8 ({exc.reason} at byte {exc.start})")
            continue
        try:
            obj = json.loads(line.rstrip("\r\n"))
        except json.JSONDecodeError as exc:
            reason = exc.msg.removesuffix(" at")  # "Invalid control character at"
            yield InputRecord(source, line_no, error=f"not valid JSON ({reason} at column {exc.colno})")
            continue
        if not isinstance(obj, dict):
            yield InputRecord(source, line_no, error=f"expected a JSON object, got {type(obj).__name__}")
            continue
        rid = obj.get(id_field)
        text = obj.get(text_field)
        if text_field not in obj:
            yield InputRecord(source, line_no, fields=obj, id=rid, error=f"field {text_field!r} is missing")
        elif not isinstance(text, str):
            yield InputRecord(source, line_no, fields=obj, id=rid, error=f"field {text_field!r} must be a string, got {type(text).__name__}")
        else:
            yield InputRecord(source, line_no, fields=obj, text=text, id=rid)


def read_text(stream: IO[bytes], *, source: str) -> Iterator[InputRecord]:
    """One record holding the whole (UTF-8) text of ``stream``: one document, split into paragraphs when tagged."""
    data = maybe_gunzip(stream).read()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        yield InputRecord(source, None, fields={"source": source}, error=f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
        return
    yield InputRecord(source, None, fields={"source": source, "text": text}, text=text)
