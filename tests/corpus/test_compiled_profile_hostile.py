"""A profile's text never becomes generated source: names, options and templates holding quotes,
backslashes, newlines, triple quotes, Unicode line separators and Python keywords are drawn by the
compiled function exactly as by the interpreted functions, and nothing in them runs."""
from __future__ import annotations

import ast
import shutil
from pathlib import Path

import yaml

from engine.corpus.profile import load_profile
from engine.registry import load_cached

from corpus_drawing import draw_cases

REPO = Path(__file__).resolve().parents[2]
HOSTILE = ["x'); import os; os._exit(3) #", 'a"b', "back\\slash", "new\nline", '"""', "'''", "sep\u2028ara\u2029tor",
           "class", "def", "None", "__import__('os')", "{brace}", "\x00nul"]


def _drawn(profile, draw, n=60):
    return draw_cases(profile, draw, 5, n)


def test_hostile_text_in_a_profile_is_data_in_the_compiled_draw(tmp_path):
    folder = tmp_path / "LIB"
    shutil.copytree(REPO / "tests" / "rulesets" / "LIB-LOANS-2026-R1", folder)
    profile = {
        "vars": {**{name: {"choice": {h: 1 for h in HOSTILE}} for name in HOSTILE},
                 "pick": {"choice": {h: i + 1 for i, h in enumerate(HOSTILE)}}},
        "fields": {
            "as_of": {"date": ["2026-01-01", "2026-06-30"]},
            "member": {"fields": {"kind": {"choice": {"student": 2, "staff": 1}},
                                  "joined_on": {"date": ["2020-01-01", "2025-12-31"]}}},
            "revision": {"template": '{a}"""{b}\\n{c}', "parts": {"a": {"copy": "$pick"}, "b": {"value": "'''\u2028"},
                                                              "c": {"choice": HOSTILE}}},
        },
    }
    (folder / "generate.yaml").write_text(yaml.safe_dump(profile, allow_unicode=True), encoding="utf-8")
    p = load_profile(load_cached(folder))
    compiled = _drawn(p, type(p).draw)
    assert compiled == _drawn(p, type(p).draw_interpreted)
    revisions = {c["revision"] for c in compiled}
    assert any('"""' in r and "\u2028" in r for r in revisions)
    assert all(any(r.startswith(h + '"""') for h in HOSTILE) for r in revisions)
    tree = ast.parse(p._draw.source)        # the profile's text is only ever string constants
    names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    assert not names & {"os", "__import__", "_exit", "eval", "exec"}, names
    strings = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
    assert set(HOSTILE) <= strings, set(HOSTILE) - strings
