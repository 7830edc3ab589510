"""A corpus of one chunk is compared in the calling process, and a missing corpus is said before any
work starts (no workers forked, no second stages made ahead)."""
from __future__ import annotations

from pathlib import Path

import pytest

from engine.corpus import generate_cases
from engine.errors import CaseError
from engine.impact import executors, impact
from engine.jsonout import dumps
from engine.registry import load_cached

REPO = Path(__file__).resolve().parents[2]
A1, A2 = REPO / "rulesets" / "ZBC-SC-2024-A1", REPO / "rulesets" / "ZBC-SC-2025-A2"


@pytest.fixture
def seen(monkeypatch):
    calls = []
    real = executors.run_local

    def spy(old, new, chunks, workers, spans=None):
        calls.append(workers)
        return real(old, new, chunks, workers, spans)
    monkeypatch.setattr(executors, "run_local", spy)
    return calls


def test_a_corpus_of_one_chunk_needs_no_workers(tmp_path, seen):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text("".join(generate_cases(load_cached(A2), 30, 3)), encoding="utf-8")
    two = dumps(impact(A1, A2, corpus, workers=2, progress=False))
    one = dumps(impact(A1, A2, corpus, workers=1, progress=False))
    assert seen == [1, 1] and two == one
    dumps(impact(A1, A2, corpus, workers=2, progress=False, chunk=10))
    assert seen[-1] == 2                          # three chunks: the workers do the work


def test_a_missing_corpus_is_said_before_any_work(tmp_path, seen):
    with pytest.raises(CaseError):
        impact(A1, A2, tmp_path / "none.jsonl", workers=2, progress=False)
    assert seen == []
