"""Where records come from: files, standard input and URLs, in any input format."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from typing import IO

from .readers import InputRecord, maybe_gunzip, read_jsonl, read_text

__all__ = ["iter_inputs", "guess_format"]


def guess_format(head: bytes, name: str = "") -> str:
    """Guess ``jsonl``, ``feed``, ``html`` or ``text`` from a name and the first bytes."""
    lower = name.lower().removesuffix(".gz")
    if lower.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if lower.endswith((".rss", ".atom", ".rdf")):
        return "feed"
    if lower.endswith((".html", ".htm")):
        return "html"
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:512].lower()
    if start.startswith(b"{"):
        return "jsonl"
    if start.startswith(b"<?xml") or b"<rss" in start or b"<feed" in start or b"<rdf:rdf" in start:
        return "feed" if (b"<rss" in head.lower() or b"<feed" in head.lower() or b"<rdf:rdf" in head.lower()) else "html"
    if start.startswith((b"<!doctype html", b"<html")) or b"<body" in start:
        return "html"
    return "text"


def _read_stream(
    stream: IO[bytes], name: str, input_format: str, text_field: str, id_field: str
) -> Iterator[InputRecord]:
    stream = maybe_gunzip(stream)
    fmt = input_format
    if fmt == "auto":
        fmt = guess_format(stream.peek(4096)[:4096] if hasattr(stream, "peek") else b"", name)  # type: ignore[attr-defined]
    if fmt == "jsonl":
        yield from read_jsonl(stream, source=name, text_field=text_field, id_field=id_field)
    elif fmt == "text":
        yield from read_text(stream, source=name)
    elif fmt == "feed":
        from .feeds import read_feed_bytes

        yield from read_feed_bytes(stream.read(), source=name)
    elif fmt == "html":
        from .html import read_html_bytes

        yield from read_html_bytes(stream.read(), source=name)
    else:
        raise ValueError(f"unknown input format {input_format!r}; expected auto, text, jsonl, feed or html")


def iter_inputs(
    inputs: Sequence[str],
    *,
    input_format: str = "auto",
    text_field: str = "text",
    id_field: str = "id",
    timeout: float = 20.0,
    state_path: str | None = None,
) -> Iterator[InputRecord]:
    """Records from each input in turn; an input that cannot be read becomes an error record."""
    state = None
    if state_path is not None:
        from .state import PollState

        state = PollState.load(state_path)
    try:
        for name in inputs or ["-"]:
            if name.startswith(("http://", "https://")):
                from .fetch import read_url

                yield from read_url(name, input_format=input_format, timeout=timeout, state=state, text_field=text_field, id_field=id_field)
                continue
            if name == "-":
                yield from _read_stream(sys.stdin.buffer, "<stdin>", input_format, text_field, id_field)
                continue
            try:
                fh = open(name, "rb")
            except OSError as exc:
                yield InputRecord(name, None, fields={"source": name}, error=f"cannot open: {exc.strerror}")
                continue
            with fh:
                if state is not None and input_format in ("feed", "auto"):
                    from .feeds import filter_seen

                    yield from filter_seen(_read_stream(fh, name, input_format, text_field, id_field), state, name)
                else:
                    yield from _read_stream(fh, name, input_format, text_field, id_field)
    finally:
        if state is not None:
            state.save()
