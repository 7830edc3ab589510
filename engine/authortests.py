"""Rule-author tests: YAML files in a rule set's tests/ giving a case and the expected values and findings.

    base: fixtures/initial.yaml          # a case every test starts from (a file inside the rule set, or inline)
    tests:
      - name: a student may borrow 5 items
        clause: "1.1"
        set: {member.kind: student}                   # dotted paths into the case
        expect:
          values: {loan_limits: {max_items: 5}}
          findings: [some_check_id]                   # must be present (a subset)
          no_findings: [other_check_id]               # must be absent

`certrules test` runs them, and the pytest plugin (pytest_plugin.py) collects the same tests.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path

from .errors import CertrulesError
from .jsonout import dumps
from .folder import listed
from .i18n import BASE, Msg, Texts, texts_for
from .schemas import validate_document
from .yamlio import RefusedFile, YamlError, load_member


@dataclass
class AuthorTest:
    file: str
    line: int | None
    name: str
    clause: str | None
    case: dict | None
    expect: dict
    error: str | None = None      # a malformed test: reported as a failure with its file and line


@dataclass
class Outcome:
    test: AuthorTest
    failures: list = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.failures


def _set_path(case: dict, dotted: str, value) -> None:
    parts = dotted.split(".")
    node = case
    for part in parts[:-1]:
        if isinstance(node, list):
            node = node[int(part) - 1]
            continue
        if not isinstance(node.get(part), (dict, list)):
            node[part] = {}
        node = node[part]
    if isinstance(node, list):
        node[int(parts[-1]) - 1] = value
    else:
        node[parts[-1]] = value


def _case_from(root: Path, spec, rel: str, line) -> dict:
    if isinstance(spec, dict):
        return copy.deepcopy(spec)
    try:
        data = load_member(root, spec).data
    except RefusedFile as exc:
        raise ValueError(Msg("test_case_file_refused", file=spec, reason=exc.reason)) from None
    except YamlError as exc:
        raise ValueError(f"case file '{spec}': {exc.message}" + (f" (line {exc.line})" if exc.line else ""))
    if not isinstance(data, dict):
        raise ValueError(Msg("test_case_file_not_mapping", file=spec))
    return data


def collect(root: Path) -> list[AuthorTest]:
    root = Path(root)
    out: list[AuthorTest] = []
    from .loader import SourceFile
    files, refused = listed(root, "tests", suffixes=(".yaml",))
    for exc in refused:
        if "fixtures" not in exc.rel.split("/")[1:]:
            out.append(AuthorTest(exc.rel, None, exc.rel.rsplit("/", 1)[-1], None, None, {},
                                  error=Msg("test_file_refused", reason=exc.reason)))
    for rel in files:
        name = rel.rsplit("/", 1)[-1]
        if "fixtures" in rel.split("/")[1:-1]:
            continue
        try:
            doc = load_member(root, rel)
        except YamlError as exc:
            out.append(AuthorTest(rel, exc.line, name, None, None, {}, error=exc.message))
            continue
        problems = validate_document(SourceFile(rel, doc), "test_file") if isinstance(doc.data, dict) else []
        if not isinstance(doc.data, dict) or problems:
            p = problems[0] if problems else None
            out.append(AuthorTest(rel, p.line if p else 1, name, None, None, {},
                                  error=(f"{p.path}: {p.message}" if p else Msg("test_file_not_mapping"))))
            continue
        base = doc.data.get("base")
        try:
            base_case = _case_from(root, base, rel, 1) if base is not None else None
        except ValueError as exc:
            out.append(AuthorTest(rel, doc.mark(("base",))[0], name, None, None, {}, error=_said(exc)))
            continue
        for i, t in enumerate(doc.data["tests"]):
            line = doc.mark(("tests", i))[0]
            try:
                case = _case_from(root, t["case"], rel, line) if "case" in t else copy.deepcopy(base_case)
                if case is None:
                    raise ValueError(Msg("test_no_case"))
                for dotted, value in (t.get("set") or {}).items():
                    _set_path(case, dotted, value)
                out.append(AuthorTest(rel, line, t["name"], str(t["clause"]) if "clause" in t else None, case, t["expect"]))
            except (ValueError, IndexError, TypeError, AttributeError) as exc:
                out.append(AuthorTest(rel, line, t.get("name", f"test {i + 1}"), None, None, {}, error=_said(exc)))
    return out


def _same(expected, actual) -> bool:
    if isinstance(expected, bool) or isinstance(actual, bool):
        return expected is actual
    if isinstance(expected, (int, Decimal)) and isinstance(actual, (int, Decimal)):
        return Decimal(expected) == Decimal(actual)
    if isinstance(expected, date):
        return expected.isoformat() == actual
    if isinstance(expected, dict) and isinstance(actual, dict):
        return all(k in actual and _same(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list) and isinstance(actual, list):
        return len(expected) == len(actual) and all(_same(a, b) for a, b in zip(expected, actual))
    return expected == actual


def _said(exc: Exception):
    """What an exception says: its catalogue message when it carries one (a Msg), else its text."""
    return exc.args[0] if exc.args and isinstance(exc.args[0], Msg) else str(exc)


def check_outcome(test: AuthorTest, result: dict, t: Texts | None = None) -> list[str]:
    """How the result differs from what the test expects (Msg texts; findings' messages in t's language)."""
    t = t or Texts(BASE)
    failures = []
    values = result["values"]
    for key, want in (test.expect.get("values") or {}).items():
        if key not in values:
            failures.append(Msg("test_no_such_value", key=key))
            continue
        got = values[key]
        if isinstance(got, dict) and "state" in got and not isinstance(want, dict):
            got = got["state"]
        if not _same(want, got):
            trace = (result.get("trace") or {}).get(key, {})
            failures.append(Msg("test_value_differs", key=key, expected=_fmt(want), got=_fmt(got),
                                trace=Msg("test_trace", trace=_fmt(_slim(trace)))))
    found = {}
    for f in result["findings"]:
        found.setdefault(f["id"], []).append(f)
    for item in test.expect.get("findings") or []:
        fid = item if isinstance(item, str) else item["id"]
        sev = None if isinstance(item, str) else item.get("severity")
        hits = found.get(fid, [])
        if not hits or (sev and not any(h["severity"] == sev for h in hits)):
            have = ", ".join(sorted(found)) or Msg("test_no_findings")
            failures.append(Msg("test_finding_not_made_severity", id=fid, severity=sev, made=have) if sev
                            else Msg("test_finding_not_made", id=fid, made=have))
    for fid in test.expect.get("no_findings") or []:
        if fid in found:
            failures.append(Msg("test_finding_unexpected", id=fid, message=t.text(found[fid][0]["message"])))
    return failures


def _slim(trace: dict) -> dict:
    return {k: v for k, v in trace.items() if k in ("clause", "value", "inputs", "rows", "diagnostics", "interpretation")}


def _fmt(value) -> str:
    if isinstance(value, str):
        return repr(value)
    return dumps(value, indent=0).strip()


def run_one(ruleset, test: AuthorTest, t: Texts | None = None) -> Outcome:
    from .evaluation import evaluate
    t = t or texts_for(ruleset.manifest, BASE)
    if test.error:
        return Outcome(test, [Msg("test_malformed", error=test.error)])
    try:
        result = evaluate(ruleset, test.case, label=f"{test.file}:{test.line}")
    except CertrulesError as exc:
        return Outcome(test, [Msg("test_not_evaluated", error=t.error(exc))])
    return Outcome(test, check_outcome(test, result, t))


def run_tests(folder, verbose: bool = False, out=None, lang: str | None = None) -> bool:
    """Run a rule set's tests, writing a line per failure (every test with `verbose`) and a summary, in
    --lang, the locale's or the rule set's primary language."""
    import sys
    from .errors import RuleSetError
    from .ruleset import load_ruleset
    out = out or sys.stdout
    try:
        rs = load_ruleset(folder)
    except RuleSetError as exc:
        t = texts_for({"languages": list(exc.languages)}, lang)
        out.write(t("test_not_loaded", folder=folder) + f"\n{t.error(exc)}\n")
        return False
    t = texts_for(rs.manifest, lang)
    tests = collect(Path(folder))
    outcomes = [run_one(rs, test, t) for test in tests]
    failed = [o for o in outcomes if not o.passed]
    for o in outcomes:
        if verbose or not o.passed:
            mark = t("test_passed") if o.passed else t("test_failed")
            out.write(f"{mark} {o.test.file}:{o.test.line} {o.test.name}" + (f" [{o.test.clause}]" if o.test.clause else "") + "\n")
            out.writelines(f"    {t.say(f)}\n" for f in o.failures)
    out.write(t("test_summary", name=rs.name, passed=len(outcomes) - len(failed), failed=len(failed)) + "\n")
    return not failed and bool(outcomes)
