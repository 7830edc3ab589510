"""Regular expressions for matches(), replace() and split(): the XML Schema / XPath dialect that
DMN 1.5 prescribes (XQuery 1.0 and XPath 2.0 Functions and Operators, 7.6), run in linear time.

The pattern is translated by elementpath (a maintained XPath implementation: character class
subtraction [A-Z-[OI]], \\p{IsBasicLatin}, \\i \\c, `.` not matching a newline) and run on RE2,
whose matching time is linear in the input whatever the pattern: "^(a|a)*$" or "^((a+))+$" over
any input returns at once. The flags s m i x q are XPath's.

Back-references (\\1) are refused: no linear-time engine can match them, and a time bound would
make the result depend on the machine's speed. A pattern the dialect rejects is refused too;
both give a load error when the pattern is written in the rule, null with a diagnostic otherwise.
"""
from __future__ import annotations

import re
from functools import lru_cache

from .errors import FeelEvalError

MAX_PATTERN = 1000               # characters in a pattern
MAX_REGEX_INPUT = 1_000_000      # characters of input a pattern is applied to
_RE2_MEMORY = 8 << 20            # bytes RE2 may use for one compiled pattern
_FLAGS = set("smixq")


class PatternError(Exception):
    pass


def _strip_whitespace(pattern: str) -> str:
    """The x flag: whitespace is removed, except inside a character class (XPath F&O 7.6.1)."""
    out, depth, i = [], 0, 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\" and i + 1 < len(pattern) and pattern[i + 1] not in " \t\n\r":
            out.append(pattern[i:i + 2])       # an escaped bracket opens or closes nothing
            i += 2
            continue
        if c == "[":
            depth += 1
        elif c == "]" and depth:
            depth -= 1
        if depth or c not in " \t\n\r":
            out.append(c)
        i += 1
    return "".join(out)


@lru_cache(maxsize=512)
def compiled(pattern: str, flags: str = ""):
    """The RE2 program for an XPath pattern and flags; raises PatternError with a plain reason."""
    import re2
    from elementpath.regex import translate_pattern, RegexError

    if len(pattern) > MAX_PATTERN:
        raise PatternError(f"is longer than {MAX_PATTERN} characters")
    bad = set(flags) - _FLAGS
    if bad:
        raise PatternError(f"has unknown flag(s) {''.join(sorted(bad))!r} (the flags are s, m, i, x and q)")
    if "q" in flags:
        translated = re.escape(pattern)
        inline = "i" if "i" in flags else ""
    else:
        if "x" in flags:
            pattern = _strip_whitespace(pattern)
        if re.search(r"(?<!\\)(?:\\\\)*\\[1-9]", pattern):
            raise PatternError("uses a back-reference (\\1 ...), which cannot be matched in linear time and is "
                               "not supported")
        py_flags = (re.S if "s" in flags else 0) | (re.M if "m" in flags else 0) | (re.I if "i" in flags else 0)
        try:
            translated = translate_pattern(pattern, flags=py_flags)
        except RegexError as e:
            raise PatternError(f"is not a valid regular expression ({str(e).split(' at position')[0]})") from None
        except Exception as e:   # the translator's own limits: a reason, never a crash
            raise PatternError(f"is not a valid regular expression ({e})") from None
        # XPath's $ matches only at the very end (or a line end with m): RE2's $ already does, so the
        # translator's Python-specific look-arounds are dropped.
        translated = translated.replace(r"(?!\n\Z)", "").replace(r"(?<!\n\Z)", "")
        inline = "".join(f for f in "ism" if f in flags)
    options = re2.Options()
    options.log_errors = False
    options.max_mem = _RE2_MEMORY
    try:
        return re2.compile(f"(?{inline}){translated}" if inline else translated, options)
    except re2.error as e:
        reason = e.args[0].decode() if e.args and isinstance(e.args[0], bytes) else str(e)
        raise PatternError(f"is not a valid regular expression ({reason})") from None


def pattern_problem(pattern: str, flags: str = "") -> str | None:
    """Why a pattern written in a rule cannot be used, or None (for load-time checks)."""
    try:
        compiled(pattern, flags or "")
    except PatternError as e:
        return str(e)
    return None


def program(pattern: str, flags: str):
    try:
        return compiled(pattern, flags)
    except PatternError as e:
        raise FeelEvalError(f"the pattern {e}") from None


def check_input(s: str) -> str:
    if len(s) > MAX_REGEX_INPUT:
        raise FeelEvalError(f"regular expressions apply to at most {MAX_REGEX_INPUT} characters")
    return s


def matches(s: str, pattern: str, flags: str) -> bool:
    return program(pattern, flags).search(check_input(s)) is not None


def _template(replacement: str, groups: int, literal: bool):
    """The replacement as a list of text pieces and group numbers (F&O fn:replace: $N is a group,
    \\$ and \\\\ are escapes; any other \\ or a $ without digits is an error)."""
    if literal:
        return [replacement]
    parts: list = []
    i, n = 0, len(replacement)
    text = []
    while i < n:
        c = replacement[i]
        if c == "\\":
            if i + 1 < n and replacement[i + 1] in "\\$":
                text.append(replacement[i + 1])
                i += 2
                continue
            raise FeelEvalError("the replacement has a '\\' not followed by '\\' or '$'")
        if c == "$":
            j = i + 1
            if j >= n or not replacement[j].isdigit():
                raise FeelEvalError("the replacement has a '$' not followed by a group number")
            # the longest run of digits that names an existing group; further digits are text
            k = j + 1
            while k < n and replacement[k].isdigit() and int(replacement[j:k + 1]) <= groups:
                k += 1
            if text:
                parts.append("".join(text))
                text = []
            parts.append(int(replacement[j:k]))
            i = k
            continue
        text.append(c)
        i += 1
    if text:
        parts.append("".join(text))
    return parts


def replace(s: str, pattern: str, replacement: str, flags: str, budget=None, max_len: int = 10_000_000) -> str:
    prog = program(pattern, flags)
    check_input(s)
    if prog.search("") is not None and "q" not in flags:
        raise FeelEvalError("the pattern matches the empty string, which replace does not allow")
    if "q" in flags and not pattern:
        raise FeelEvalError("the pattern matches the empty string, which replace does not allow")
    parts = _template(replacement, prog.groups, "q" in flags)
    out: list[str] = []
    size, last = 0, 0
    for m in prog.finditer(s):
        pieces = [s[last:m.start()]]
        for p in parts:
            pieces.append(p if isinstance(p, str) else (m.group(p) or "" if p <= prog.groups else ""))
        for p in pieces:
            size += len(p)
        if size > max_len:
            raise FeelEvalError(f"the string would be longer than {max_len} characters")
        if budget is not None:
            budget.spend_chars(sum(len(p) for p in pieces))
        out.extend(pieces)
        last = m.end()
    out.append(s[last:])
    if budget is not None:
        budget.spend_chars(len(s) - last)
    return "".join(out)


def split(s: str, pattern: str, flags: str = "", budget=None) -> list[str]:
    prog = program(pattern, flags)
    check_input(s)
    if prog.search("") is not None:
        raise FeelEvalError("the delimiter pattern matches the empty string")
    out, last = [], 0
    for m in prog.finditer(s):
        out.append(s[last:m.start()])
        last = m.end()
        if budget is not None:
            budget.spend(1)
    out.append(s[last:])
    return out
