"""The template sandbox: Jinja2's immutable sandbox, made strict and bounded.

A rule set's templates are written by whoever sent the rule set. They render here, where:

- names are loaded only from one folder, through folder.py (no '..', no absolute path, no link out);
- touching an unsafe attribute is an error, not an empty string; of text, numbers, dates, mappings
  and lists only the plain read-only methods may be called (no `center`, `zfill`, `expandtabs`,
  `format_map`, ... that build text of any size from a number);
- globals are `range` (our own, capped) and `dict` only;
- everything that builds a value in one step is checked *before* it runs: `*`, `**`, `+`, `%`, `~`
  (concatenation), calls of macros and methods, filters (with estimates for `replace`, `join`,
  `indent`, `wordwrap`, `center`, `batch`, `slice`, `format`), and the text of every `{{ }}`; a value
  may weigh at most MAX_VALUE (characters of text plus items of lists and mappings);
- a page is at most MAX_OUTPUT characters, takes at most MAX_RANGE_TOTAL items from `range`, and at
  most MAX_SECONDS of CPU time (a loop over data has no other bound: the watchdog stops it).

Whatever a template does wrong ends as TemplateProblem: one sentence with the template's file and
line (the line Jinja2 maps the failing frame to), never a traceback.
"""
from __future__ import annotations

import contextvars
import ctypes
import math
import string
import threading
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from jinja2 import BaseLoader, TemplateError, TemplateNotFound, TemplateSyntaxError
from jinja2.environment import Template
from jinja2.runtime import markup_join, str_join
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

MAX_VALUE = 1_000_000          # characters + items of one value a template builds, passes or shows
MAX_RANGE = 100_000            # items of one range(...)
MAX_RANGE_TOTAL = 1_000_000    # items of all range(...) calls of one page
MAX_WIDTH = 1_000              # a width, a count of columns or of slices given to a filter
MAX_INT_DIGITS = 6_145         # whole numbers up to 10**6145, the range of FEEL's decimal128 numbers
MAX_OUTPUT = 10_000_000        # characters of one rendered page
MAX_SECONDS = 1.0              # CPU time of one page (a real document takes a few milliseconds)
MAX_TEMPLATE_BYTES = 1 << 20   # one template file (Python compiles its code in one step no watchdog stops)


class TemplateLimit(SecurityError):
    """A template tried to build more than the sandbox allows."""


class TemplateRefused(TemplateNotFound):
    """A template name that would leave the templates folder (.., absolute, or a link pointing out)."""


class TemplateProblem(Exception):
    """What went wrong in a template, located: `where` is 'templates/NAME:LINE'."""

    def __init__(self, where: str, message: str, limit: bool = False):
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message
        self.limit = limit          # a value over MAX_VALUE: render.py asks whether the case holds it


# ---------------------------------------------------------------- loading

class FolderLoader(BaseLoader):
    """Loads templates from one folder only, every name through folder.member."""

    def __init__(self, root: Path, label: str = "templates"):
        self.root = Path(root)
        self.label = label

    def get_source(self, environment, template):
        from .folder import RefusedPath, check_name, member, read_member
        from .yamlio import YamlError, decode
        try:
            check_name(template)
        except RefusedPath:
            raise TemplateRefused(template, f"template name '{template}' is refused: templates are named relative "
                                            "to their folder, without '..' or absolute paths") from None
        if not (self.root / template).exists() and not (self.root / template).is_symlink():
            raise TemplateNotFound(template)
        try:
            path = member(self.root, template)
            mtime = path.stat().st_mtime_ns
            text = decode(read_member(self.root, template, MAX_TEMPLATE_BYTES))
        except RefusedPath as exc:
            raise TemplateRefused(template, f"template '{template}' is refused: it {exc.reason}") from None
        except YamlError as exc:
            raise TemplateRefused(template, f"template '{template}' is refused: {exc.message}") from None

        def uptodate() -> bool:
            try:
                return member(self.root, template).stat().st_mtime_ns == mtime
            except (RefusedPath, OSError):
                return False
        return text, f"{self.label}/{template}", uptodate

    def list_templates(self):
        from .folder import listed
        return listed(self.root)[0]


# ---------------------------------------------------------------- what a value weighs

def weight(value, limit: int = MAX_VALUE) -> int:
    """Characters of text plus items of lists and mappings, as showing the value would make them
    (a list repeated inside another counts each time); stops counting once past `limit`."""
    total = 0
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            total += len(v)
        elif isinstance(v, dict):
            total += 1 + len(v)
            stack.extend(v.values())
        elif isinstance(v, (list, tuple)):
            total += 1
            stack.extend(v)
        elif isinstance(v, range):
            total += 1 + len(v) * 7
        elif isinstance(v, bool) or v is None:
            total += 1
        elif isinstance(v, int):
            total += 1 + v.bit_length() // 3
        elif isinstance(v, Decimal):
            total += 2 + (len(v.as_tuple().digits) + abs(v.adjusted()) if v.is_finite() else 0)
        else:
            total += 1
        if total > limit:
            return total
    return total


def _too_big(what: str, size: int) -> TemplateLimit:
    return TemplateLimit(f"{what} would build a value of more than {MAX_VALUE:,} characters or items "
                         f"(about {size:,})")


def _check(value, what: str):
    size = weight(value)
    if size > MAX_VALUE:
        raise _too_big(what, size)
    return value


# ---------------------------------------------------------------- the per-page budget

_PAGE: contextvars.ContextVar = contextvars.ContextVar("certrules_template_page", default=None)


class _Page:
    def __init__(self):
        self.range_items = 0


def capped_range(*args) -> range:
    """range(), refusing more than MAX_RANGE items at once or MAX_RANGE_TOTAL in one page."""
    if not all(isinstance(a, int) for a in args):
        raise TemplateLimit("range() takes whole numbers")
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise TemplateLimit(f"range() of {len(rng):,} items: at most {MAX_RANGE:,} at once")
    page = _PAGE.get()
    if page is not None:
        page.range_items += len(rng)
        if page.range_items > MAX_RANGE_TOTAL:
            raise TemplateLimit(f"the page takes more than {MAX_RANGE_TOTAL:,} items from range()")
    return rng


# ---------------------------------------------------------------- operators, calls and filters

MAX_INT_BITS = math.ceil(MAX_INT_DIGITS * math.log2(10))


def _int_bits(value) -> int:
    return value.bit_length() if isinstance(value, int) and not isinstance(value, bool) else 0


def _format_widths(fmt: str) -> int:
    """The largest width or precision a %-format or {}-format string asks for."""
    import re
    widest = 0
    if re.search(r"%[-+ #0]*(\*|\d*\.\*)", fmt):
        raise TemplateLimit("a format takes its width from its arguments ('*'): write the width out")
    for m in re.finditer(r"%[-+ #0]*(\d*)(?:\.(\d+))?", fmt):
        widest = max(widest, int(m.group(1) or 0) if len(m.group(1) or "") < 13 else 10 ** 12,
                     int(m.group(2) or 0) if len(m.group(2) or "") < 13 else 10 ** 12)
    try:
        for _, _, spec, _ in string.Formatter().parse(fmt):
            if spec and "{" in spec:
                raise TemplateLimit("a format takes its width from its arguments ('{:{w}}'): write the width out")
            for digits in re.findall(r"\d+", spec or ""):
                widest = max(widest, int(digits) if len(digits) < 13 else 10 ** 12)
    except ValueError:
        pass  # a malformed {}-format: Python says so when it runs
    return widest


def _check_format(fmt: str, args) -> None:
    widest = _format_widths(fmt)
    if widest > MAX_WIDTH:
        raise TemplateLimit(f"a format asks for a width of {widest:,}: at most {MAX_WIDTH:,}")
    _check([fmt, args], "formatting")


def _binop_check(op: str, left, right) -> None:
    seqs = (str, list, tuple)
    if op == "*":
        if isinstance(left, seqs) and isinstance(right, int) or isinstance(right, seqs) and isinstance(left, int):
            seq, n = (left, right) if isinstance(left, seqs) else (right, left)
            size = weight(seq) * max(n, 0)
            if size > MAX_VALUE:
                raise _too_big("'*'", size)
        elif _int_bits(left) + _int_bits(right) > MAX_INT_BITS:
            raise TemplateLimit(f"'*' would make a number of more than {MAX_INT_DIGITS:,} digits")
    elif op == "**":
        if isinstance(left, int) and isinstance(right, int) and abs(left) > 1 and right > 0:
            if right * math.log2(abs(left)) > MAX_INT_BITS:
                raise TemplateLimit(f"'**' would make a number of more than {MAX_INT_DIGITS:,} digits")
    elif op == "+":
        if isinstance(left, seqs) and isinstance(right, seqs):
            size = weight(left) + weight(right)
            if size > MAX_VALUE:
                raise _too_big("'+'", size)
    elif op == "%":
        if isinstance(left, str):
            _check_format(left, right)


def _estimate_replace(value, old, new, count=-1) -> int:
    value, old, new = str(value), str(old), str(new)
    hits = (len(value) + 1) if old == "" else value.count(old)
    if isinstance(count, int) and count >= 0:
        hits = min(hits, count)
    return len(value) + hits * max(len(new) - len(old), 0)


def _estimate_join(items, sep="", *rest) -> int:
    items = list(items) if isinstance(items, (list, tuple, dict, range)) else items
    n = len(items) if hasattr(items, "__len__") else 0
    return weight(items) + len(str(sep)) * max(n - 1, 0)


def _lines(value) -> int:
    return str(value).count("\n") + 1


def _estimate_indent(value, width=4, first=False, blank=False) -> int:
    pad = len(width) if isinstance(width, str) else _width(width)
    return len(str(value)) + _lines(value) * pad


def _estimate_wordwrap(value, width=79, break_long_words=True, wrapstring=None, break_on_hyphens=True) -> int:
    text = str(value)
    return len(text) + (len(text) // max(_width(width), 1) + 1) * (len(str(wrapstring)) if wrapstring else 2)


def _width(n) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, Decimal)):
        return 0
    if abs(n) > MAX_WIDTH:
        raise TemplateLimit(f"a width or count of {n:,}: at most {MAX_WIDTH:,}")
    return int(n)


def _estimate_width_first(value, width=80, *rest, **kw) -> int:
    """center(width), batch(count), slice(count): the value plus at most `width` characters or items."""
    return weight(value) + _width(width)


# Filters that build more than they are given, and how much they may build, from their arguments.
ESTIMATES = {
    "replace": lambda value, old="", new="", count=None, *r: _estimate_replace(value, old, new,
                                                                               -1 if count is None else count),
    "join": _estimate_join,
    "indent": _estimate_indent,
    "wordwrap": _estimate_wordwrap,
    "center": _estimate_width_first,
    "batch": _estimate_width_first,
    "slice": _estimate_width_first,
    "repeat": lambda value, n=1, *r: weight(str(value)) * (n if isinstance(n, int) and n > 0 else 0),
    "format": lambda value, *args, **kw: (_check_format(str(value), [args, kw]), weight([value, args, kw]))[1],
}
# Filters that have no place in a document: nondeterministic, or printing Python's view of objects.
REMOVED_FILTERS = ("random", "pprint")

STR_METHODS = frozenset({
    "capitalize", "casefold", "count", "endswith", "find", "format", "index", "isalnum", "isalpha",
    "isdecimal", "isdigit", "islower", "isnumeric", "isspace", "istitle", "isupper", "join", "lower",
    "lstrip", "partition", "removeprefix", "removesuffix", "replace", "rfind", "rindex", "rpartition",
    "rsplit", "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper",
    "striptags", "unescape"})
MAPPING_METHODS = frozenset({"get", "items", "keys", "values"})
SEQUENCE_METHODS = frozenset({"count", "index"})
DATE_METHODS = frozenset({"isoformat", "isoweekday", "weekday", "strftime"})


def _guard_filter(name: str, fn):
    estimate = ESTIMATES.get(name)

    def guarded(*args, **kwargs):
        lead = 1 if getattr(fn, "jinja_pass_arg", None) is not None else 0
        given, kw = args[lead:], kwargs
        _check([list(given), kw], f"the filter '{name}'")
        if estimate is not None and given:
            size = estimate(*given, **kw)
            if size > MAX_VALUE:
                raise _too_big(f"the filter '{name}'", size)
        result = fn(*args, **kwargs)
        if isinstance(result, (str, list, tuple, dict)):
            _check(result, f"the filter '{name}'")
        return result

    guarded.__name__ = getattr(fn, "__name__", name)
    if hasattr(fn, "jinja_pass_arg"):
        guarded.jinja_pass_arg = fn.jinja_pass_arg
    return guarded


def _bounded_join(join):
    def bounded(seq):
        seq = list(seq)
        _check(seq, "'~'")
        return join(seq)
    return bounded


class BoundedTemplate(Template):
    """A template whose `~` (compiled to markup_join/str_join) checks what it joins."""

    @classmethod
    def _from_namespace(cls, environment, namespace, globals):
        namespace["markup_join"] = _bounded_join(markup_join)
        namespace["str_join"] = _bounded_join(str_join)
        return super()._from_namespace(environment, namespace, globals)


class Sandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, made strict and bounded (see the module's doc)."""

    template_class = BoundedTemplate
    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def getattr(self, obj, attribute):
        # Templates read data: `result.values` is the result's values, not the mapping's method of
        # that name (Jinja2 tries the attribute first, which printed a dash for a typo-free template).
        if isinstance(obj, dict) and isinstance(attribute, str) and attribute in obj:
            return obj[attribute]
        return super().getattr(obj, attribute)

    def unsafe_undefined(self, obj, attribute):
        raise SecurityError(f"access to attribute {attribute!r} of {type(obj).__name__!r} object is unsafe")

    def is_safe_attribute(self, obj, attr, value) -> bool:
        if not super().is_safe_attribute(obj, attr, value):
            return False
        if not callable(value):
            return True
        if isinstance(obj, str):
            return attr in STR_METHODS
        if isinstance(obj, dict):
            return attr in MAPPING_METHODS
        if isinstance(obj, (list, tuple)):
            return attr in SEQUENCE_METHODS
        if isinstance(obj, date):
            return attr in DATE_METHODS
        if isinstance(obj, (int, float, Decimal)):
            return False
        return True

    def wrap_str_format(self, value):
        """str.format and str.format_map, sandboxed by Jinja2, and checked first for widths and size."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def checked(*args, **kwargs):
            _check_format(fmt, [list(args), kwargs])
            return wrapped(*args, **kwargs)
        return checked

    def call_binop(self, context, operator, left, right):
        _binop_check(operator, left, right)
        return super().call_binop(context, operator, left, right)

    def call(__self, __context, __obj, *args, **kwargs):  # noqa: N805 - Jinja2's signature
        _check([list(args), kwargs], "a call")
        owner = getattr(__obj, "__self__", None)
        name = getattr(__obj, "__name__", "")
        if isinstance(owner, str) and name == "replace" and len(args) >= 2:
            size = _estimate_replace(owner, *args[:3])
            if size > MAX_VALUE:
                raise _too_big("replace()", size)
        elif isinstance(owner, str) and name == "join" and args:
            size = _estimate_join(args[0], owner)
            if size > MAX_VALUE:
                raise _too_big("join()", size)
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, (str, list, tuple, dict)):
            _check(result, "a call")
        return result


def environment(folder: Path, filters: dict, finalize=None, label: str = "templates", **options) -> Sandbox:
    """A sandbox over one templates folder, with the given filters (each guarded) and nothing else."""
    def bounded_finalize(value):
        _check(value, "showing a value")
        return finalize(value) if finalize is not None else value

    env = Sandbox(loader=FolderLoader(folder, label), finalize=bounded_finalize, **options)
    for name in REMOVED_FILTERS:
        env.filters.pop(name, None)
    env.filters.update(filters)
    env.filters = {name: _guard_filter(name, fn) for name, fn in env.filters.items()}
    env.tests.pop("sameas", None)   # identity of Python objects: not a document's business
    env.globals.clear()
    env.globals.update(range=capped_range, dict=dict)
    return env


# ---------------------------------------------------------------- rendering, bounded and located

class _Timeout(BaseException):
    """Raised into a rendering thread by the watchdog (a BaseException: no template code catches it)."""


class _Watchdog(threading.Thread):
    """Stops a rendering thread that has used more than `seconds` of CPU time, by raising _Timeout
    in it (again every 50 ms: one raised where Python ignores it, in a garbage-collector callback or
    a __del__, must not let the page run on)."""

    def __init__(self, target_ident: int, seconds: float):
        super().__init__(daemon=True, name="certrules-template-watchdog")
        self.target = target_ident
        self.seconds = seconds
        self.done = False
        self.wake = threading.Event()
        try:
            self.clock = time.pthread_getcpuclockid(target_ident)
        except (AttributeError, OSError):   # no per-thread CPU clock here: wall time instead
            self.clock = None
        self.start_time = self._now()

    def _now(self) -> float:
        return time.clock_gettime(self.clock) if self.clock is not None else time.monotonic()

    def run(self):
        while not self.wake.wait(0.05):
            if not self.done and self._now() - self.start_time > self.seconds:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.target), ctypes.py_object(_Timeout))

    def stop(self):
        """Called by the rendering thread: once this returns, no _Timeout is pending or will come."""
        while True:
            try:
                self.done = True
                self.wake.set()
                if self.is_alive():
                    self.join()
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.target), None)
                return
            except _Timeout:   # one that arrived while stopping
                continue


def _template_line(tb, label: str):
    """The template file and line of the innermost template frame of a traceback. Jinja2 rewrites
    the frames of an Exception to template lines; those of the watchdog's BaseException are mapped here."""
    where = None
    while tb is not None:
        name = tb.tb_frame.f_code.co_filename
        if name.startswith(label + "/"):
            template = tb.tb_frame.f_globals.get("__jinja_template__")
            line = template.get_corresponding_lineno(tb.tb_lineno) if template is not None else tb.tb_lineno
            where = f"{name}:{line}"
        tb = tb.tb_next
    return where


def render(env: Sandbox, name: str, context: dict, seconds: float | None = MAX_SECONDS) -> str:
    """Render one template of the sandbox's folder; TemplateProblem (located) for anything it does wrong."""
    label = env.loader.label
    token = _PAGE.set(_Page())
    watchdog = _Watchdog(threading.get_ident(), seconds) if seconds else None
    chunks: list[str] = []
    where = f"{label}/{name}"
    try:
        if watchdog is not None:
            watchdog.start()
        try:
            template = env.get_template(name)
            size = 0
            stream = template.generate(**context)
            for chunk in stream:
                size += len(chunk)
                if size > MAX_OUTPUT:
                    frame = getattr(stream, "gi_frame", None)
                    line = template.get_corresponding_lineno(frame.f_lineno) if frame is not None else None
                    raise TemplateProblem(f"{where}:{line}" if line else where,
                                          f"refused by the sandbox: the page would be longer than {MAX_OUTPUT:,} characters")
                chunks.append(chunk)
        finally:
            if watchdog is not None:
                watchdog.stop()
    except TemplateProblem:
        raise
    except _Timeout as exc:
        raise TemplateProblem(_template_line(exc.__traceback__, label) or where,
                              f"refused by the sandbox: the page took more than {seconds:g} s of CPU time "
                              "(a loop over too much?)") from None
    except TemplateSyntaxError as exc:
        raise TemplateProblem(f"{label}/{exc.name or name}" + (f":{exc.lineno}" if exc.lineno else ""),
                              f"template syntax error: {exc.message}") from None
    except TemplateRefused as exc:
        raise TemplateProblem(_template_line(exc.__traceback__, label) or where, exc.message) from None
    except TemplateNotFound as exc:
        raise TemplateProblem(_template_line(exc.__traceback__, label) or where,
                              f"no template '{exc.name}' in the templates folder") from None
    except SecurityError as exc:
        raise TemplateProblem(_template_line(exc.__traceback__, label) or where,
                              f"refused by the sandbox: {exc}", limit=isinstance(exc, TemplateLimit)) from None
    except RecursionError as exc:
        raise TemplateProblem(_template_line(exc.__traceback__, label) or where,
                              "templates call themselves too deeply (a macro or an include without end?)") from None
    except MemoryError as exc:
        raise TemplateProblem(_template_line(exc.__traceback__, label) or where,
                              "refused: the template needs more memory than there is") from None
    except TemplateError as exc:
        raise TemplateProblem(_template_line(exc.__traceback__, label) or where, exc.message or str(exc)) from None
    except ArithmeticError as exc:   # 1/0, a Decimal overflow
        raise TemplateProblem(_template_line(exc.__traceback__, label) or where,
                              f"a calculation fails ({type(exc).__name__}): division by zero or a number out of range") \
            from None
    except Exception as exc:   # a Python error raised by the template's own doing (a bad argument, ...)
        raise TemplateProblem(_template_line(exc.__traceback__, label) or where,
                              f"the template fails: {type(exc).__name__}: {exc}") from None
    finally:
        _PAGE.reset(token)
    return "".join(chunks)
