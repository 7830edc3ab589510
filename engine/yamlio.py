"""Reading YAML (and JSON) the way rule authors need it.

- safe YAML only: no tags that build Python objects;
- duplicate keys are an error (PyYAML would silently keep the last one, and a rule would vanish);
- numbers keep their exact text: `2.5` becomes Decimal("2.5"), never a float; a number beyond
  what FEEL's decimal128 holds is refused where it is read (numbers.py);
- only plain words that are numbers, true/false or null in YAML 1.2 are read as such; everything
  YAML 1.1 would turn into a surprise (`1:20` -> 80, `017` -> 15, `0x1F`, `1_000`, `yes`, `=`) is text;
- dates stay ISO strings; the schema says which strings are dates, for YAML and JSON alike;
- every node's line and column are kept, keyed by its path in the document;
- bounded: file size, nesting depth and the size that aliases expand to.
"""
from __future__ import annotations

import contextvars
import json
from _thread import get_ident as _get_ident
import marshal
import re
from contextlib import contextmanager
from decimal import Decimal, InvalidOperation
from pathlib import Path


class _LazyPattern:
    """A regular expression compiled when first used. PyYAML compiles, at import, a pattern of every
    printable Unicode range (its pure-Python reader's) and those of its implicit resolvers, timestamps
    and so on: together they cost more than the rest of `import yaml`, which a cold `certrules eval`
    pays. libyaml's parser with this module's resolver (the reader used here) needs none of them;
    whatever does (the pure-Python fallback, yaml.dump's resolver) compiles each at its first use."""

    def __init__(self, pattern, flags=0):
        self._args = (pattern, flags)
        self._compiled = None

    def __getattr__(self, name):
        if self._compiled is None:
            self._compiled = _compile(*self._args)
        return getattr(self._compiled, name)


def _import_yaml():
    """`import yaml`, the patterns its own modules compile made lazy (_LazyPattern): PyYAML only ever
    calls methods of its patterns (`.match`, `.search`), which a _LazyPattern forwards. A module of
    anyone else first imported meanwhile gets its patterns as always."""
    import sys
    if "yaml" in sys.modules:
        return

    def compile_lazily(pattern, flags=0):
        if sys._getframe(1).f_globals.get("__name__", "").partition(".")[0] == "yaml":
            return _LazyPattern(pattern, flags)
        return _compile(pattern, flags)
    re.compile = compile_lazily
    try:
        import yaml  # noqa: F401
    finally:
        re.compile = _compile


_compile = re.compile
_import_yaml()

import yaml  # noqa: E402
from yaml.composer import Composer  # noqa: E402
from yaml.nodes import MappingNode, ScalarNode, SequenceNode  # noqa: E402
from yaml.parser import Parser  # noqa: E402
from yaml.reader import Reader  # noqa: E402
from yaml.resolver import BaseResolver  # noqa: E402
from yaml.scanner import Scanner  # noqa: E402

from . import numbers  # noqa: E402
from .i18n import Msg  # noqa: E402

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 100_000     # values in one document, aliases expanded (the largest real rule file has ~2,000);
                        # it also bounds the time a hostile 10 MB file can take (~1 s, not ~1 min)
MAX_RULESET_NODES = 200_000   # values in all the files of one rule set together (A/2: about 20,000), so
                              # twenty files each under MAX_NODES cannot take twenty times as long

# [values left] while the files of one rule set are read (see `shared_values`), else None
_SHARED = contextvars.ContextVar("certrules_shared_values", default=None)


@contextmanager
def shared_values(values: int = MAX_RULESET_NODES):
    """The YAML documents parsed inside share one budget of `values`: once a rule set's files have
    used it, the next value read is an error with its file and line, and later files stop at once."""
    token = _SHARED.set([values])
    try:
        yield
    finally:
        _SHARED.reset(token)

Path_ = tuple  # a path in a document: keys and list indexes


class YamlError(Exception):
    """A document that cannot be read; carries the 1-based line and column, and the path in the
    document (keys and indexes), when known."""

    def __init__(self, message: str, line: int | None = None, col: int | None = None, path: tuple = ()):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.path = tuple(path)

    def where_in_document(self) -> str:
        """The path as a case writer reads it: evaluation.scores[2].value."""
        out = ""
        for part in self.path:
            out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
        return out


class RefusedFile(YamlError):
    """A file of a rule set that is not read (see folder.member); `reason` completes "the file ..."."""

    def __init__(self, reason: str):
        super().__init__(f"the file {reason}")
        self.reason = reason


class Document:
    """A document's data, and the line and column of each of its nodes: `marks` (path tuple -> (line,
    col), 1-based, of the node's value) and `key_marks` (of the mapping key that names it).

    Pickled (a rule set in the cache: engine/codegen/cache.py), the marks travel as one marshal blob,
    made dicts again only when a location is asked for: an evaluation never asks, and they are a
    third of what a cached rule set would otherwise unpickle."""

    __slots__ = ("data", "_marks", "_key_marks", "_packed")

    def __init__(self, data, marks: dict, key_marks: dict):
        self.data = data
        self._marks = marks
        self._key_marks = key_marks
        self._packed = None

    def __reduce__(self):
        return _packed_document, (self.data, self._packed or marshal.dumps((self.marks, self.key_marks)))

    def _unpack(self):
        self._marks, self._key_marks = marshal.loads(self._packed)
        self._packed = None

    @property
    def marks(self) -> dict:
        if self._packed is not None:
            self._unpack()
        return self._marks

    @property
    def key_marks(self) -> dict:
        if self._packed is not None:
            self._unpack()
        return self._key_marks

    def mark(self, path) -> tuple[int | None, int | None]:
        marks = self.marks
        path = tuple(path)
        while path:
            if path in marks:
                return marks[path]
            path = path[:-1]
        return marks.get((), (None, None))


def _packed_document(data, packed: bytes) -> Document:
    doc = Document(data, None, None)
    doc._packed = packed
    return doc


class _DepthLimit:
    """A composer that refuses documents nested deeper than MAX_DEPTH."""
    _depth = 0
    _nodes = 0

    def compose_node(self, parent, index):
        self._depth += 1
        self._nodes += 1
        try:
            if self._nodes > MAX_NODES:
                mark = self.peek_event().start_mark
                raise YamlError(Msg("yaml_too_many_values", n=f"{MAX_NODES:,}"), mark.line + 1, mark.column + 1)
            shared = _SHARED.get()
            if shared is not None and self._nodes > shared[0]:
                mark = self.peek_event().start_mark
                raise YamlError(Msg("yaml_ruleset_too_many_values", n=f"{MAX_RULESET_NODES:,}"),
                                mark.line + 1, mark.column + 1)
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlError(Msg("yaml_too_deep", n=MAX_DEPTH),
                                mark.line + 1, mark.column + 1)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Resolver(BaseResolver):
    """Which plain scalars are not text: YAML 1.2's core schema, without its octal and hexadecimal
    forms; YAML 1.1's sexagesimal (1:20 = 80), leading-zero octal (017 = 15), `_` in numbers,
    yes/no/on/off and `=` are not resolved, so they stay text. `<<` is resolved only to be refused."""


_Resolver.add_implicit_resolver("tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                list("tTfF"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])
_Resolver.add_implicit_resolver("tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789"))
_Resolver.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^(?:[-+]?(?:(?:0|[1-9][0-9]*)(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+.0123456789"))
_Resolver.add_implicit_resolver("tag:yaml.org,2002:merge", re.compile(r"^<<$"), ["<"])


class _DepthLimitedLoader(_DepthLimit, Reader, Scanner, Parser, Composer, _Resolver):
    """PyYAML's pure-Python reader, scanner, parser and composer with our resolver, depth-limited
    (used when libyaml is not available). No constructor: only nodes are composed."""

    def __init__(self, stream):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Resolver.__init__(self)


try:  # libyaml scans and parses ~9x faster; composing stays in Python so the limits above still apply
    from yaml._yaml import CParser as _CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _CParser = None

if _CParser is not None:
    class _FastLoader(_DepthLimit, Composer, _CParser, _Resolver):
        """libyaml's event stream, composed by PyYAML's Python composer with our resolver.
        Only nodes are composed here: no constructor, so no tag can build a Python object."""

        def __init__(self, stream):
            _CParser.__init__(self, stream)
            Composer.__init__(self)
            _Resolver.__init__(self)


_INT = re.compile(r"^[-+]?[0-9]+$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_NULL = {"", "~", "null", "Null", "NULL"}
_KEY_TAGS = {f"tag:yaml.org,2002:{t}" for t in ("str", "int", "float", "bool", "null")}


def number(text: str):
    """A number's text (YAML or JSON) as an exact value: int for whole numbers written without a
    point or an exponent, Decimal otherwise; YamlError when it is not a number or is beyond what
    FEEL's decimal128 holds (numbers.py)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise YamlError(Msg("yaml_not_a_number", text=text)) from None
    problem = numbers.refusal(value, text)
    if problem:
        raise YamlError(problem)
    if _INT.match(text) and len(text) <= 4000:   # Python prints ints of at most 4,300 digits
        return int(value)
    return value


def _scalar(node: ScalarNode):
    tag, text = node.tag, node.value
    mark = (node.start_mark.line + 1, node.start_mark.column + 1)
    if tag == "tag:yaml.org,2002:str":
        return text
    if tag == "tag:yaml.org,2002:null":
        if text in _NULL:
            return None
        raise YamlError(Msg("yaml_not_null", text=text), *mark)
    if tag == "tag:yaml.org,2002:bool":
        if text in _BOOL:
            return _BOOL[text]
        raise YamlError(Msg("yaml_not_bool", text=text), *mark)
    if tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float"):
        if text.lower().lstrip("+-") in (".inf", ".nan"):
            raise YamlError(Msg("yaml_not_finite", text=text), *mark)
        if tag.endswith("int") and not _INT.match(text):
            raise YamlError(Msg("yaml_not_whole", text=text), *mark)
        try:
            return number(text)
        except YamlError as exc:
            raise YamlError(exc.message, *mark) from None
    if tag == "tag:yaml.org,2002:timestamp":
        return text  # validated as a date (format: date) by the schema
    if tag in ("tag:yaml.org,2002:binary", "tag:yaml.org,2002:value", "tag:yaml.org,2002:merge"):
        if tag.endswith("merge") and text == "<<":
            return text   # `<<` as a value is text; as a key it is refused by the builder
        raise YamlError(Msg("yaml_tag_not_allowed", tag=tag.rsplit(":", 1)[-1]), *mark)
    raise YamlError(Msg("yaml_unknown_tag", tag=tag), *mark)


class _Builder:
    """Turns a composed node graph into plain data, recording marks and bounding alias expansion."""

    def __init__(self):
        self.marks: dict = {}
        self.key_marks: dict = {}
        self.count = 0

    def build(self, node, path=(), depth=0):
        self.count += 1
        if self.count > MAX_NODES:
            raise YamlError(Msg("yaml_expands", n=f"{MAX_NODES:,}"), node.start_mark.line + 1, node.start_mark.column + 1)
        if depth > MAX_DEPTH:
            raise YamlError(Msg("yaml_too_deep", n=MAX_DEPTH),
                            node.start_mark.line + 1, node.start_mark.column + 1)
        self.marks[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, ScalarNode):
            try:
                return _scalar(node)
            except YamlError as exc:
                raise YamlError(exc.message, exc.line, exc.col, path) from None
        if node.tag not in ("tag:yaml.org,2002:seq", "tag:yaml.org,2002:map"):
            raise YamlError(Msg("yaml_tag_not_allowed", tag=node.tag),
                            node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, SequenceNode):
            return [self.build(child, path + (i,), depth + 1) for i, child in enumerate(node.value)]
        if isinstance(node, MappingNode):
            out: dict = {}
            for key_node, value_node in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    raise YamlError(Msg("yaml_merge_keys"),
                                    key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if not isinstance(key_node, ScalarNode):
                    raise YamlError(Msg("yaml_key_not_plain"),
                                    key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                if key_node.tag not in _KEY_TAGS:
                    _scalar(key_node)     # an explicit tag on a key is refused as anywhere else
                key = key_node.value      # keys are names: `1` and `true` as keys stay text
                if key in out:
                    first = self.key_marks.get(path + (key,), (None, None))[0]
                    raise YamlError(Msg("yaml_duplicate_key", key=key, first=first),
                                    key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                self.key_marks[path + (key,)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
                out[key] = self.build(value_node, path + (key,), depth + 1)
            return out
        raise YamlError(Msg("yaml_unsupported_node"))  # pragma: no cover


def _check_expansion(root) -> None:
    """Refuse an alias bomb before building anything: the composed graph shares aliased nodes, so
    the size it expands to is counted per distinct node (depth is already bounded by MAX_DEPTH). An
    alias inside its own anchor (`a: &x [*x]`) makes a value that contains itself: refused too."""
    sizes: dict = {}
    open_nodes: set = set()     # those whose size is being counted: met again, the value contains itself

    def size(node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in open_nodes:
            raise YamlError(Msg("yaml_contains_itself"), node.start_mark.line + 1, node.start_mark.column + 1)
        open_nodes.add(id(node))
        total = 1
        if isinstance(node, SequenceNode):
            total += sum(size(child) for child in node.value)
        elif isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        if total > MAX_NODES:
            raise YamlError(Msg("yaml_expands", n=f"{MAX_NODES:,}"), node.start_mark.line + 1, node.start_mark.column + 1)
        sizes[id(node)] = total
        return total

    size(root)


def parse_yaml(text: str) -> Document:
    try:
        loader = (_FastLoader if _CParser is not None else _DepthLimitedLoader)(text)
        try:
            node = loader.get_single_node()
        finally:
            shared = _SHARED.get()
            if shared is not None:
                shared[0] -= loader._nodes
            loader.dispose()
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        if "maximum nesting depth" in str(exc.problem):
            # newer libyaml stops deep documents itself; say it as we say it for every reader
            raise YamlError(Msg("yaml_too_deep", n=MAX_DEPTH),
                            mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
        problem = exc.problem or exc.context or "invalid YAML"
        if exc.context and exc.problem:
            problem = f"{exc.problem} ({exc.context})"
        raise YamlError(Msg("err_yaml_syntax", problem=problem),
                        mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise YamlError(Msg("yaml_error", problem=exc)) from None
    except RecursionError:
        raise YamlError(Msg("yaml_too_deep", n=MAX_DEPTH)) from None
    if node is None:
        return Document(None, {(): (1, 1)}, {})
    _check_expansion(node)
    builder = _Builder()
    data = builder.build(node)
    return Document(data, builder.marks, builder.key_marks)


class _Refused:
    """A JSON number that cannot be used, kept until the walk below can name its path."""

    def __init__(self, message: str):
        self.message = message


def _json_number(text: str):
    try:
        return number(text)
    except YamlError as exc:
        return _Refused(exc.message)


def _json_int(text: str):
    return int(text) if len(text) <= 18 else _json_number(text)   # short: nothing to check (and fast)


def _json_float(text: str):
    if len(text) <= 30 and "e" not in text and "E" not in text:   # at most 30 digits, no exponent
        return Decimal(text)
    return _json_number(text)


def _json_constant(name: str):
    raise ValueError(f"'{name}' is not a finite number")


def _json_pairs(items):
    out = dict(items)
    if len(out) != len(items):      # rare: find the first key written twice
        seen = set()
        for k, _ in items:
            if k in seen:
                raise ValueError(f"duplicate key '{k}'")
            seen.add(k)
    return out


_JSON = json.JSONDecoder(parse_float=_json_float, parse_int=_json_int, parse_constant=_json_constant,
                         object_pairs_hook=_json_pairs)


class _RefusedNumber(Exception):
    """A number _JSON would keep as _Refused: the document is read again by _JSON to say where it is."""


def _fast_int(text: str):
    value = _json_int(text)
    if value.__class__ is _Refused:
        raise _RefusedNumber
    return value


def _fast_float(text: str):
    value = _json_float(text)
    if value.__class__ is _Refused:
        raise _RefusedNumber
    return value


# For a document that is surely within the bounds (see parse_json): no value needs looking at again
_FAST_JSON = json.JSONDecoder(parse_float=_fast_float, parse_int=_fast_int, parse_constant=_json_constant,
                              object_pairs_hook=_json_pairs)


class _SmallInts(dict):
    """JSON's text of a whole number -> its value, for the numbers cases hold most (the decoder looks
    them up in C); any other is read by _fast_int when it is met."""
    __slots__ = ()

    def __missing__(self, text):
        return _fast_int(text)


_PLAIN: dict = {}       # thread id -> what _plain_json reads with in it (see _plain_reader)
_SMALL_INTS: list = []  # the table of _SmallInts, made when first needed


def _plain_reader():
    """A decoder that builds each object in C (no hook making it key by key) and only counts its keys,
    with numbers read by C callables: a whole number of the table (-1000 to 10000) by a look-up, a
    decimal by a context that refuses, rather than rounds, any number it would have to change (more
    than decimal128's 34 digits, an exponent beyond its range): what it accepts is Decimal(text), as
    _json_float and number() make it. One per thread, as its count is its own."""
    ident = _get_ident()
    reader = _PLAIN.get(ident)
    if reader is None:
        from decimal import Context
        if not _SMALL_INTS:
            _SMALL_INTS.append(_SmallInts({str(i): i for i in range(-1000, 10001)}))
        exact = Context(prec=numbers.MAX_DIGITS, Emax=numbers.EMAX, Emin=numbers.EMIN, clamp=0)
        exact.traps = dict.fromkeys(exact.flags, True)      # every signal (Rounded, Inexact, Clamped, ...) raises
        count = [0]

        def counted(obj):
            count[0] += len(obj)
            return obj
        decoder = json.JSONDecoder(parse_float=exact.create_decimal, parse_int=_SMALL_INTS[0].__getitem__,
                                   parse_constant=_json_constant, object_hook=counted)
        if len(_PLAIN) >= 64:           # threads come and go: the readers of those gone are dropped
            _PLAIN.clear()
        reader = _PLAIN[ident] = (decoder.decode, count)
    return reader


_NOT_PLAIN = object()


def _plain_json(text: str):
    """The data of a text within parse_json's bounds, read without a Python hook per object or number,
    or _NOT_PLAIN when it may hold a duplicate key, a number to refuse or look at again, or a mistake
    (for _FAST_JSON and _JSON, which say what it is). A key written twice leaves its object with fewer
    keys than the text has colons (each key is followed by one, and a colon elsewhere is in a string):
    so the count of the objects' keys equal to the colons in the text means no key was written twice."""
    decode, count = _plain_reader()
    count[0] = 0
    try:
        data = decode(text)
    except (ValueError, ArithmeticError, _RefusedNumber):
        return _NOT_PLAIN
    return data if count[0] == text.count(":") else _NOT_PLAIN


def parse_json(text: str) -> Document:
    try:
        if text.startswith("\ufeff"):       # as json.loads says it
            raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
        # A text of at most MAX_NODES characters holds fewer values than that (each takes two: itself
        # and a comma or a bracket), and one with at most MAX_DEPTH brackets nests no deeper: within
        # both bounds, only a refused number or a duplicate key can be wrong, and _FAST_JSON stops at a
        # number (its objects are built by _json_pairs, which finds the key). A case sent to the server
        # or read from a corpus line is such a text (a few KB, 30-60 brackets), and nearly always one
        # without a colon in its strings: _plain_json reads it first, at two thirds of _FAST_JSON's cost.
        if len(text) <= MAX_NODES and text.count("{") + text.count("[") <= MAX_DEPTH:
            data = _plain_json(text)
            if data is not _NOT_PLAIN:
                return Document(data, {(): (1, 1)}, {})
            try:
                return Document(_FAST_JSON.decode(text), {(): (1, 1)}, {})
            except _RefusedNumber:
                pass
        data = _JSON.decode(text)
    except json.JSONDecodeError as exc:
        raise YamlError(Msg("json_syntax", problem=exc.msg), exc.lineno, exc.colno) from None
    except (ValueError, RecursionError) as exc:
        msg = str(exc) if isinstance(exc, ValueError) else Msg("yaml_too_deep", n=MAX_DEPTH)
        raise YamlError(msg) from None
    if not _surely_fine(data):
        _check_json(data)
    return Document(data, {(): (1, 1)}, {})


def _surely_fine(data) -> bool:
    """True when _check_json would find nothing: the depth and the number of values within bounds and
    no refused number. A value costs one type test here (the lists and objects are kept, a level at a
    time; their lengths count the values) where _check_json makes and stacks an entry per value; a
    document this is unsure of is walked by _check_json, which says exactly what is wrong and where."""
    if type(data) is _Refused:
        return False
    total, depth = 1, 0
    level = [data] if (type(data) is dict or type(data) is list) and data else []
    while level:
        if depth >= MAX_DEPTH:      # a non-empty list or object here has values deeper than the limit
            return False
        below = []
        for value in level:
            if type(value) is dict:
                total += 2 * len(value)     # its keys and its values
                value = value.values()
            else:
                total += len(value)
            for v in value:
                t = type(v)
                if t is dict or t is list:
                    if v:
                        below.append(v)
                elif t is _Refused:
                    return False
        level, depth = below, depth + 1
    return total <= MAX_NODES      # _check_json's count never exceeds this total


def _check_json(data) -> None:
    """The same bounds as YAML (depth and number of values), and numbers, walked without recursion.
    A refused number's path is rebuilt from the parent links only when one is found."""
    count = 0
    stack = [(data, 0, None, None)]       # value, depth, key, the parent's entry
    while stack:
        entry = stack.pop()
        value, depth = entry[0], entry[1]
        count += 1
        if depth > MAX_DEPTH:
            raise YamlError(Msg("yaml_too_deep", n=MAX_DEPTH))
        if isinstance(value, (dict, list)):
            count += len(value) if isinstance(value, dict) else 0   # the keys
            if count + len(stack) + len(value) > MAX_NODES:
                raise YamlError(Msg("yaml_too_many_values", n=f"{MAX_NODES:,}"))
            items = value.items() if isinstance(value, dict) else enumerate(value)
            stack.extend((v, depth + 1, k, entry) for k, v in items)
        elif isinstance(value, _Refused):
            path = []
            while entry[3] is not None:
                path.append(entry[2])
                entry = entry[3]
            raise YamlError(value.message, path=tuple(reversed(path)))


def decode(raw: bytes) -> str:
    """The text of a file's bytes: UTF-8 (with or without a BOM); binary files are refused."""
    if b"\x00" in raw:
        raise YamlError(Msg("file_binary"))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlError(Msg("file_not_utf8", offset=exc.start)) from None


def read_text(path: Path, max_bytes: int = MAX_FILE_BYTES) -> str:
    """Read a UTF-8 text file named by the user (a case, a patch), refusing binary, oversized and
    special files (a folder, a FIFO) with a plain message."""
    import os
    import stat
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except IsADirectoryError:
        raise YamlError(Msg("file_is_folder")) from None
    except OSError as exc:
        raise YamlError(Msg("file_cannot_read", reason=exc.strerror or exc)) from None
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fh.fileno())
        if stat.S_ISDIR(info.st_mode):
            raise YamlError(Msg("file_is_folder"))
        if not stat.S_ISREG(info.st_mode):
            raise YamlError(Msg("file_not_regular"))
        if info.st_size > max_bytes:
            raise YamlError(Msg("file_too_large", size=f"{info.st_size / 1048576:.1f}", limit=max_bytes // 1048576))
        try:
            raw = fh.read(max_bytes + 1)
        except OSError as exc:
            raise YamlError(Msg("file_cannot_read", reason=exc.strerror or exc)) from None
    if len(raw) > max_bytes:
        raise YamlError(Msg("file_grew", limit=max_bytes // 1048576))
    return decode(raw)


def parse(text: str, suffix: str) -> Document:
    if not text.strip():
        raise YamlError(Msg("file_empty"))
    if suffix.lower() == ".json":
        return parse_json(text)
    return parse_yaml(text)


def load_file(path: Path) -> Document:
    """Read a .yaml/.yml/.json file into a Document (JSON is parsed as JSON for exact numbers)."""
    path = Path(path)
    return parse(read_text(path), path.suffix)


def load_member(root: Path, rel: str) -> Document:
    """A file of a rule set (see folder.member: nothing outside the folder is read) as a Document."""
    from .folder import RefusedPath, read_member
    try:
        raw = read_member(root, rel, MAX_FILE_BYTES)
    except RefusedPath as exc:
        raise RefusedFile(exc.reason if exc.rel == rel else f"is refused: {exc.message}") from None
    return parse(decode(raw), Path(rel).suffix)
