"""write_corpus: the chunks travel as UTF-8 bytes and reach a UTF-8 file as they are; any other
stream gets the same text."""
from __future__ import annotations

import io
from pathlib import Path

from engine.corpus import generate_cases, write_corpus
from engine.corpus.generate import _raw
from engine.registry import load_cached

A2 = Path(__file__).resolve().parents[2] / "rulesets" / "ZBC-SC-2025-A2"


def test_the_same_corpus_to_a_file_to_a_text_buffer_and_from_generate_cases(tmp_path):
    rs = load_cached(A2)
    expected = "".join(generate_cases(rs, 230, 9))
    assert any(ord(c) > 127 for c in expected)      # Chinese names: the bytes are not the characters
    path = tmp_path / "c.jsonl"
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        fh.write("first line\n")                      # text written before is not overtaken
        assert _raw(fh) is not None
        assert write_corpus(rs, 230, 9, fh) == 230
        fh.write("last line\n")
    assert path.read_bytes() == ("first line\n" + expected + "last line\n").encode("utf-8")
    text = io.StringIO()
    assert _raw(text) is None
    assert write_corpus(rs, 230, 9, text) == 230
    assert text.getvalue() == expected


def test_a_stream_in_another_encoding_gets_text(tmp_path):
    with open(tmp_path / "x", "w", encoding="utf-16") as fh:
        assert _raw(fh) is None
