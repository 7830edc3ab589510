"""Templates that try to exhaust memory or time (issue 17, item 3): refused with the template's file
and line, within 5 s and 500 MB, each in a fresh process whose address space is capped at 2 GB.

The limits are set in engine/sandbox.py (MAX_VALUE, MAX_RANGE, MAX_RANGE_TOTAL, MAX_WIDTH,
MAX_INT_BITS, MAX_OUTPUT, MAX_SECONDS); SECURITY.md lists them.
"""
from __future__ import annotations

import pytest

from hardening_support import run_main
from test_resources import measure

ATTACKS = {
    # the issue's three
    "range-200M": ("{{ range(200000000)|list|length }}", "range() of 200,000,000 items"),
    "str-times-4G": ("{{ 'a' * 4000000000 }}", "'*' would build a value of more than 1,000,000"),
    "ten-to-the-1e8": ("{{ 10 ** 100000000 }}", "'**' would make a number of more than"),
    # and their cousins
    "nested-ranges": ("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                      "more than 1,000,000 items from range()"),
    "list-times": ("{{ ([1] * 100000000)|length }}", "'*' would build"),
    "str-chain": ("{{ 'a' * 1000 * 1000 * 1000 }}", "'*' would build"),
    "int-times": ("{% set x = 10 ** 6000 %}{{ x * x * x * x }}", "'*' would make a number"),
    "percent-width": ("{{ '%0999999999d' % 1 }}", "a width of 999,999,999"),
    "percent-star": ("{{ '%*d' % (999999999, 1) }}", "takes its width from its arguments"),
    "format-filter": ("{{ '%0999999999d'|format(1) }}", "a width of 999,999,999"),
    "str-format": ("{{ '{:>999999999}'.format(1) }}", "a width of 999,999,999"),
    "str-format-nested": ("{{ '{:>{w}}'.format(1, w=999999999) }}", "takes its width from its arguments"),
    "center": ("{{ 'a'|center(1000000000) }}", "a width or count of 1,000,000,000"),
    "method-center": ("{{ 'a'.center(1000000000) }}", "'center' of 'str' object is unsafe"),
    "zfill": ("{{ '1'.zfill(1000000000) }}", "'zfill' of 'str' object is unsafe"),
    "expandtabs": ("{{ ('\t' * 1000).expandtabs(1000000) }}", "'expandtabs' of 'str' object is unsafe"),
    "indent": ("{{ ('\\n' * 900000)|indent(1000) }}", "the filter 'indent' would build"),
    "wordwrap": ("{{ ('a' * 900000)|wordwrap(1, true, 'x' * 1000) }}", "the filter 'wordwrap' would build"),
    "replace": ("{{ ('a' * 900000)|replace('', 'bbbbbbbbbbbbbbb') }}", "the filter 'replace' would build"),
    "method-replace": ("{{ ('a' * 900000).replace('', 'bbbbbbbbbbbbbbb') }}", "replace() would build"),
    "join-separator": ("{{ range(100000)|join('x' * 900000) }}", "the filter 'join' would build"),
    "batch": ("{{ [1]|batch(1000000000, 0)|list|length }}", "a width or count of 1,000,000,000"),
    "repeat": ("{{ ('a' * 900000)|repeat(1000) }}", "the filter 'repeat' would build"),
    "macro-doubling": ("{% macro f(s, n) %}{{ f(s ~ s, n - 1) if n else s|length }}{% endmacro %}{{ f('ab', 40) }}",
                       "'~' would build"),
    "shared-lists-concat": ("{% set L = range(100000)|list %}{% set M = [L,L,L,L,L,L,L,L,L,L,L,L] %}{{ (M ~ '')|length }}",
                            "'~' would build"),
    "shared-lists-string": ("{% set L = range(100000)|list %}{{ [L,L,L,L,L,L,L,L,L,L,L,L]|string }}",
                            "the filter 'string' would build"),
    "shared-lists-tojson": ("{% set L = range(100000)|list %}{{ [L,L,L,L,L,L,L,L,L,L,L,L]|tojson }}",
                            "the filter 'tojson' would build"),
    "shared-lists-shown": ("{% set L = range(100000)|list %}{{ [L,L,L,L,L,L,L,L,L,L,L,L] }}",
                           "showing a value would build"),
    "long-page": ("{% for i in range(100000) %}{% for j in range(9) %}" + "x" * 200 + "{% endfor %}{% endfor %}",
                  "the page would be longer than 10,000,000 characters"),
    "loop-over-data": ("{% for a in big %}{% for b in big %}{% for c in big %}{% endfor %}{% endfor %}{% endfor %}",
                       "took more than 1 s of CPU time"),
    "macro-recursion": ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "call themselves too deeply"),
    "self-include": ("{% include 'evil.html.j2' %}", "call themselves too deeply"),
    "decimal-overflow": ("{{ d ** 1000000000 }}", "a calculation fails (Overflow)"),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_a_template_that_builds_too_much_is_refused_with_its_line(name, tmp_path):
    source, expected = ATTACKS[name]
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "evil.html.j2").write_text("<p>\n" + source + "\n</p>\n", encoding="utf-8")
    out = measure(f"""
        from decimal import Decimal
        from engine.render import environment
        from engine.sandbox import TemplateProblem, render
        try:
            page = render(environment({str(folder)!r}), "evil.html.j2",
                          {{"big": list(range(3000)), "d": Decimal("1.5")}})
            report("rendered " + page[:80])
        except TemplateProblem as exc:
            report("refused " + str(exc))
        """, tmp_path)["outcome"]
    assert out.startswith("refused templates/evil.html.j2:2: "), out
    assert expected in out, out


def test_what_a_document_needs_still_renders():
    """The limits leave room for real pages: every filter and method the bundled templates use."""
    from engine.render import environment
    from engine.sandbox import render
    from pathlib import Path
    import tempfile
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "ok.html.j2").write_text(
            "{% for i in range(3) %}{{ i }}{% endfor %}|{{ 'ab' * 3 }}|{{ '%05.1f' % 2.25 }}|{{ '{:>6}'.format('x') }}|"
            "{{ names|join(', ') }}|{{ 'a-b'.replace('-', '+') }}|{{ d.items()|list|length }}|{{ 2 ** 10 }}|"
            "{{ 'x'|center(5) }}|{{ text|wordwrap(20) }}|{{ ('★'|repeat(5)) }}|{{ names|map('upper')|join }}",
            encoding="utf-8")
        page = render(environment(folder), "ok.html.j2", {"names": ["a", "b"], "d": {"k": 1}, "text": "word " * 10})
    assert page.startswith("012|ababab|002.2|     x|a, b|a+b|1|1024|")
    assert "★★★★★" in page and "AB" in page


def test_render_through_the_cli_names_the_template_line(library, tmp_path, capsys):
    (library / "templates").mkdir()
    (library / "templates" / "evil.html.j2").write_text("<h1>x</h1>\n{{ range(200000000)|list|length }}\n",
                                                      encoding="utf-8")
    case = tmp_path / "c.yaml"
    case.write_text("as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\n", encoding="utf-8")
    code, out, err = run_main(["render", "evil", case, "--rulesets", library.parent, "--family", "LIB-LOANS"], capsys)
    assert (code, out) == (3, ""), (code, out, err)
    assert err == ("certrules: templates/evil.html.j2:2: refused by the sandbox: range() of 200,000,000 items: "
                   "at most 100,000 at once\n")


# The watchdog's exception may land in a garbage-collector callback (hypothesis installs one in this
# process), where Python ignores it and says so; it is raised again 50 ms later, which is the point.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_the_watchdog_never_fires_after_the_page(tmp_path):
    """A page that finishes just before its CPU budget leaves no exception pending in the thread."""
    import time
    from engine import sandbox
    from engine.render import environment
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "p.html.j2").write_text("{% for i in range(20000) %}{{ i }}{% endfor %}", encoding="utf-8")
    env = environment(folder)
    refused = 0
    for _ in range(20):
        try:
            sandbox.render(env, "p.html.j2", {}, seconds=0.01)
        except sandbox.TemplateProblem:
            refused += 1   # refused is fine; a leak is not
    start = time.thread_time()
    while time.thread_time() - start < 0.3:
        pass    # busy: a stray exception would be raised here
    assert 0 <= refused <= 20
