"""A JSON Lines corpus as byte spans the workers read themselves (impact.executors.spans): the
same records as reading it line by line, and the same report bytes as one worker."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.cli import main
from engine.corpus import generate_cases
from engine.corpus.sources import iter_records, span_records
from engine.impact import executors, impact
from engine.jsonout import dumps
from engine.registry import load_cached

REPO = Path(__file__).resolve().parents[2]
A1, A2 = REPO / "rulesets" / "ZBC-SC-2024-A1", REPO / "rulesets" / "ZBC-SC-2025-A2"


@pytest.fixture(scope="module")
def awkward(tmp_path_factory):
    """Generated cases with blank lines, a CRLF line, a stray CR inside a line and no final newline."""
    lines = list(generate_cases(load_cached(A2), 300, 11))
    lines.insert(0, "\n")
    lines.insert(40, "   \n")
    lines[50] = lines[50].rstrip("\n") + "\r\n"
    lines.insert(120, "\n")
    lines[-1] = lines[-1].rstrip("\n")
    path = tmp_path_factory.mktemp("spans") / "corpus.jsonl"
    path.write_bytes("".join(lines).encode("utf-8"))
    return path


def test_spans_shrink_toward_the_end(tmp_path):
    path = tmp_path / "big.jsonl"
    path.write_text("".join(generate_cases(load_cached(A2), 2000, 5)), encoding="utf-8")
    sizes = [s[2] for s in executors.spans(path, 100, 2)]
    assert len(sizes) > 10
    assert sizes[-1] < sizes[0] / 4


def test_not_a_jsonl_file_has_no_spans(tmp_path):
    p = tmp_path / "case.yaml"
    p.write_text("as_of: 2026-01-01\n", encoding="utf-8")
    assert executors.spans(p, 100, 2) is None
    assert executors.spans(tmp_path, 100, 2) is None


def test_two_workers_reading_spans_give_one_workers_bytes(awkward):
    one = dumps(impact(A1, A2, awkward, workers=1, progress=False))
    for chunk in (3, 100):
        assert dumps(impact(A1, A2, awkward, workers=2, progress=False, chunk=chunk)) == one
    assert '"affected"' in one


def test_a_bad_line_read_by_a_worker_is_named(tmp_path, capsys):
    bad = tmp_path / "bad.jsonl"
    # more than one chunk (100 cases): a corpus of one chunk is compared without workers
    good = [f'{{"id": "a{i}", "case": {{"as_of": "2026-01-01"}}}}\n' for i in range(131)]   # ids distinct
    bad.write_bytes(("".join(good[:130]) + '{"id": "b", "case": \n' + good[130]).encode() + b'{"id": "\xff"}\n')
    assert main(["diff", str(A2), str(A2), "--cases", str(bad), "--workers", "2"]) == 4
    err = capsys.readouterr().err
    assert f"{bad}:131:" in err and "Traceback" not in err
    bad.write_bytes("".join(good[:130]).encode() + b'{"id": "\xff"}\n')
    for workers in ("1", "2"):
        assert main(["diff", str(A2), str(A2), "--cases", str(bad), "--workers", workers]) == 4
        err = capsys.readouterr().err
        assert f"{bad}:131: the line is not UTF-8 text (bad byte at column 9)" in err and "Traceback" not in err


# ---------------------------------------------------------------- spans cut by seeking (impact.executors)


def _numbered(spans):
    """The records of impact's spans, each span numbered from its first line as a worker counts it."""
    out = []
    for name, offset, length in spans:
        with open(name, "rb") as fh:
            first = executors._Lines(fh).at(offset)
        out.extend(span_records((name, offset, length, first)))
    return out


@pytest.mark.parametrize("cases,parts", [(1, 1), (7, 2), (100, 2), (10_000, 3)])
def test_impact_spans_cover_the_file_and_give_its_records(awkward, cases, parts):
    spans = list(executors.spans(awkward, cases, parts))
    assert spans[0][1] == 0 and len(spans) >= (1 if cases == 10_000 else 2)
    for a, b in zip(spans, spans[1:]):
        assert a[1] + a[2] == b[1]                        # back to back, nothing skipped or read twice
    assert spans[-1][1] + spans[-1][2] == awkward.stat().st_size
    data = awkward.read_bytes()
    assert all(data[o + n - 1:o + n] == b"\n" for _, o, n in spans[:-1])    # cut at line ends
    assert _numbered(spans) == list(iter_records(awkward))


def test_line_numbers_are_counted_from_the_nearest_known_offset(awkward):
    data = awkward.read_bytes()
    with open(awkward, "rb") as fh:
        lines = executors._Lines(fh)
        ends = [i + 1 for i, b in enumerate(data) if b == 10][::37]
        for off in ends[::-1] + ends:                   # backwards, then forwards again
            assert lines.at(off) == data[:off].count(b"\n") + 1


@pytest.fixture(scope="module")
def no_ids(tmp_path_factory):
    """Cases with no id (named "line N" by their line number), over many spans."""
    import re
    lines = [re.sub(r',"id":"[^"]*"\}\s*$', "}\n", line) for line in generate_cases(load_cached(A2), 200, 13)]
    assert all('"id":"gen-' not in line for line in lines)
    lines.insert(3, "\n")
    path = tmp_path_factory.mktemp("noids") / "corpus.jsonl"
    path.write_text("".join(lines), encoding="utf-8")
    return path


def test_cases_without_ids_are_named_by_their_line_from_any_span(no_ids):
    one = dumps(impact(A1, A2, no_ids, workers=1, progress=False))
    assert '"line ' in one
    for chunk in (3, 40):
        assert dumps(impact(A1, A2, no_ids, workers=2, progress=False, chunk=chunk)) == one


def test_a_bad_line_far_into_the_file_is_named_with_two_workers(tmp_path, capsys):
    good = [f'{{"id": "a{i}", "case": {{"as_of": "2026-01-01"}}}}\n' for i in range(2000)]
    bad = tmp_path / "bad.jsonl"
    bad.write_bytes(("".join(good[:1500]) + '{"id": "b", "case": \n' + "".join(good[1500:])).encode())
    assert main(["diff", str(A2), str(A2), "--cases", str(bad), "--workers", "2"]) == 4
    err = capsys.readouterr().err
    assert f"{bad}:1501:" in err and "Traceback" not in err
    bad.write_bytes("".join(good[:1700]).encode() + b'{"id": "\xff"}\n' + "".join(good[1700:]).encode())
    assert main(["diff", str(A2), str(A2), "--cases", str(bad), "--workers", "2"]) == 4
    err = capsys.readouterr().err
    assert f"{bad}:1701: the line is not UTF-8 text (bad byte at column 9)" in err and "Traceback" not in err
