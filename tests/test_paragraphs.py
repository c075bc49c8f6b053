"""Paragraph splitting with offsets into the original string."""

from __future__ import annotations

import pytest

from clustertags.paragraphs import paragraph_spans, split_paragraphs


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("  \n\n\u3000 ", []),
        ("一行だけ", ["一行だけ"]),
        ("第一段落。\n\n第二段落。", ["第一段落。", "第二段落。"]),
        ("文が終わる。\n次の段落。", ["文が終わる。", "次の段落。"]),  # line break after a sentence end
        ("途中で折り返した\n文の続き。", ["途中で折り返した\n文の続き。"]),  # hard wrap joins
        ("「そうだ。」\n次。", ["「そうだ。」", "次。"]),  # closing bracket after 。
        ("Windows改行。\r\n\r\n次。", ["Windows改行。", "次。"]),
        ("古いMac改行。\r次。", ["古いMac改行。", "次。"]),
        ("区切り。\u2028次。", ["区切り。", "次。"]),
        ("  前後の空白。  \n\n", ["前後の空白。"]),
        ("見出し\n\n本文です。", ["見出し", "本文です。"]),
    ],
)
def test_split(text: str, expected: list[str]) -> None:
    assert split_paragraphs(text) == expected


def test_offsets_slice_the_original() -> None:
    text = "\n  工場が止まった。\r\n\r\n部品が\n足りない！\n\n\n  最後 "
    spans = list(paragraph_spans(text))
    assert [text[s:e] for s, e in spans] == ["工場が止まった。", "部品が\n足りない！", "最後"]
    for s, e in spans:
        assert not text[s].isspace() and not text[e - 1].isspace()


def test_type_error() -> None:
    with pytest.raises(TypeError, match="bytes"):
        split_paragraphs(b"abc")  # type: ignore[arg-type]
