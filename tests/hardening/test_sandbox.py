"""Sandbox: nothing in a rule set or a case reaches Python, runs code, or reads outside the rule set.

- expressions: names starting with '_' are refused at compile time; there is no attribute access
  on Python objects, only FEEL fields of FEEL values;
- check messages are filled by engine/elements.py `fill`, which substitutes `{name}` for known names
  and nothing else: no str.format, so `{0.__class__}` stays text;
- templates render in jinja2's immutable sandbox (engine/render.py), made strict;
- paths written in rule files (case_schema, a test's base) and symbolic links stay inside the folder
  (the corpus entries rs-case-schema-*, rs-symlink-*, rs-test-base-outside show the messages).
"""
from __future__ import annotations

import json

import pytest

from hardening_support import run_main

from engine.feel import FeelError, compile_expr
from engine.ruleset import function_registry

ESCAPES = [
    "__class__", "__import__('os')", "x.__class__", '"abc".__class__', '"abc".__class__.__mro__',
    'date("2026-01-01").__class__', "{a: 1}.__dict__", "{__class__: 1}.__class__", "_secret",
    '[1,2].__len__', '"{0.__class__}"', "x.__globals__", '"abc".upper', '"abc".format',
    'date("2026-01-01").replace', "x._private", "(@\"P1D\").__class__", "eval", "exec(\"1\")",
    "__builtins__", "getattr(x, \"__class__\")", "open(\"/etc/passwd\")", "import os",
]


@pytest.mark.parametrize("text", ESCAPES)
def test_expressions_cannot_reach_python(text):
    try:
        ce = compile_expr(text, names={"x": None}, functions=function_registry())
    except FeelError:
        return  # refused at compile time: the usual outcome
    # whatever compiles is a plain FEEL value: text, number, null, never a Python object
    value = ce.evaluate({"x": {"a": 1}}, [])
    assert value is None or isinstance(value, (str, bool, int, float)) or type(value).__module__.startswith(
        ("decimal", "engine")), (text, value)
    assert "class" not in repr(value) or value == "{0.__class__}", (text, value)


@pytest.mark.parametrize("message", ["{0.__class__}", "{__import__}", "{items_out.__class__.__mro__}",
                                     "{items_out!r:>{fill}}", "{items_out} {{items_out}} %s %(x)s ${items_out}"])
def test_check_messages_are_filled_without_format(message, library, tmp_path, capsys):
    policy = library / "policy.yaml"
    text = policy.read_text(encoding="utf-8")
    old = 'message: {zh: "借出 {items_out} 册，超过上限", en: "{items_out} items out, more than the limit"}'
    assert old in text
    policy.write_text(text.replace(old, "message: {en: " + json.dumps(message) + "}").replace(
        "assert: items_out <= loan_limits.max_items", "assert: items_out < 0"), encoding="utf-8")
    case = tmp_path / "c.yaml"
    case.write_text("as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\nloans: []\n",
                    encoding="utf-8")
    code, out, err = run_main(["eval", case, "--rulesets", library.parent, "--family", "LIB-LOANS",
                               "--format", "json", "--no-trace"], capsys)
    assert code == 0, err
    [finding] = [f for f in json.loads(out)["findings"] if f["id"] == "too_many_items"]
    shown = json.dumps(finding, ensure_ascii=False)
    assert "<class" not in shown and "object at 0x" not in shown and "builtin" not in shown, shown
    if message == "{0.__class__}" or message == "{__import__}":
        assert message in shown  # left as written: not a known name


def test_fill_only_substitutes_known_names():
    from engine.elements import fill
    assert fill("{a} {0.__class__} {__import__} {a.__class__} {b}", {"a": 1}) == \
        "1 {0.__class__} {__import__} {a.__class__} {b}"


TEMPLATE_ATTACKS = {
    "mro": "{{ ''.__class__.__mro__ }}",
    "subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "globals": "{{ range.__init__.__globals__ }}",
    "cycler": "{{ cycler.__init__.__globals__.os }}",
    "format": "{{ '{0.__class__}'.format(1) }}",
    "attr-filter": "{{ ''|attr('__class__') }}",
    "include-out": "{% include '../../../etc/passwd' %}",
    "include-abs": "{% include '/etc/passwd' %}",
    "mutate": "{% set d = dict() %}{{ d.update(a=1) }}",
}


@pytest.mark.parametrize("name", sorted(TEMPLATE_ATTACKS))
def test_templates_cannot_reach_python(name, tmp_path):
    from jinja2 import TemplateNotFound
    from jinja2.exceptions import SecurityError, UndefinedError
    from engine.render import environment
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "evil.html.j2").write_text(TEMPLATE_ATTACKS[name], encoding="utf-8")
    env = environment(folder)
    try:
        out = env.get_template("evil.html.j2").render()
    except (SecurityError, TemplateNotFound, UndefinedError):
        return
    assert "class" not in out and "root:" not in out and "module" not in out, out


def test_template_symlink_out_is_refused(tmp_path):
    from jinja2 import TemplateNotFound
    from engine.render import environment
    folder = tmp_path / "templates"
    folder.mkdir()
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    (folder / "evil.html.j2").symlink_to(tmp_path / "secret.txt")
    with pytest.raises(TemplateNotFound):
        environment(folder).get_template("evil.html.j2")


def test_render_refuses_a_hostile_template_through_the_cli(library, tmp_path, capsys):
    """`certrules render` of a rule set whose template tries to escape: a plain error, exit 3."""
    (library / "templates").mkdir()
    (library / "templates" / "evil.html.j2").write_text("{{ ''.__class__.__mro__[1].__subclasses__() }}",
                                                      encoding="utf-8")
    case = tmp_path / "c.yaml"
    case.write_text("as_of: 2026-03-01\nmember: {kind: student, joined_on: 2022-09-01}\n", encoding="utf-8")
    code, out, err = run_main(["render", "evil", case, "--rulesets", library.parent, "--family", "LIB-LOANS"], capsys)
    assert (code, out) == (3, ""), (code, out, err)
    assert "refused by the sandbox" in err and "Traceback" not in err and "internal error" not in err
