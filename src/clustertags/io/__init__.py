"""Inputs and outputs for tagging pipelines: readers, sources, writers and the record stream."""

from .readers import InputRecord, read_jsonl, read_text
from .sources import guess_format, iter_inputs
from .state import PollState
from .stream import tag_records
from .writers import CsvWriter, JsonlWriter, TextWriter, make_writer, output_object

__all__ = [
    "CsvWriter",
    "InputRecord",
    "JsonlWriter",
    "PollState",
    "TextWriter",
    "guess_format",
    "iter_inputs",
    "make_writer",
    "output_object",
    "read_jsonl",
    "read_text",
    "tag_records",
]
