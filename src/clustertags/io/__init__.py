"""Inputs and outputs for tagging pipelines: readers, writers and the record stream."""

from .readers import InputRecord, read_jsonl, read_text
from .stream import tag_records
from .writers import CsvWriter, JsonlWriter, TextWriter, make_writer

__all__ = [
    "CsvWriter",
    "InputRecord",
    "JsonlWriter",
    "TextWriter",
    "make_writer",
    "read_jsonl",
    "read_text",
    "tag_records",
]
