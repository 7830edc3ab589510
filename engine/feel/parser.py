"""Text -> tokens -> lark LALR tree -> typed AST (nodes.py).

The tokenizer is ours, not lark's, because what counts as one token depends on
the expression's setting: a multi-word name that contains a keyword ("date and
time", "years and months duration", or an input named "Loan and fees") must be
one NAME, and the set of such names grows with registered functions and the
caller's `multiword_names`. Lark does the LALR parsing from our token list.

Limits are enforced before lark runs, so a hostile text fails fast:
MAX_TEXT characters, MAX_BRACKETS nested brackets, MAX_DEPTH levels in the tree.
"""
from __future__ import annotations

import hashlib
import inspect
import os
import re
import sys
from functools import lru_cache
from pathlib import Path

import lark
from lark.lexer import Lexer, Token
from lark.exceptions import UnexpectedInput, UnexpectedToken, UnexpectedEOF, UnexpectedCharacters

from . import nodes as N
from ..paths import data_dir, user_cache_dir
from .errors import FeelSyntaxError
from .values import FEEL_CONTEXT, parse_temporal

GRAMMAR_PATH = data_dir("grammar") / "expr.lark"

MAX_TEXT = 20_000        # characters in one expression
MAX_BRACKETS = 64        # ( [ { nested inside one another
MAX_DEPTH = 200          # levels of the syntax tree (a+b+c+... counts one per +)

KEYWORDS = ("if", "then", "else", "for", "return", "some", "every", "satisfies",
            "in", "and", "or", "between", "true", "false", "null")
# Letters (any script) or _ first, then letters, digits, _; characters beyond the
# Basic Multilingual Plane (emoji) count as letters, as FEEL's name grammar allows.
_WORD = r"(?:[^\W\d]|[\U00010000-\U000EFFFF])(?:\w|[\U00010000-\U000EFFFF])*"


class _TokenListLexer(Lexer):
    """Hands lark the tokens our tokenizer already made."""
    __future_interface__ = 2

    def __init__(self, lexer_conf):
        pass

    def lex(self, lexer_state, parser_state):
        return iter(lexer_state.text)


def _cache_dir() -> Path | None:
    """The user's own cache folder for the parser tables (engine/paths.py), or None."""
    if os.environ.get("CERTRULES_NO_PARSER_CACHE"):
        return None
    return user_cache_dir()


def _build(grammar: str):
    return lark.Lark(grammar, parser="lalr", lexer=_TokenListLexer, start=["start", "unary_tests"],
                     propagate_positions=True, maybe_placeholders=False,
                     strict=True)   # strict: a shift/reduce conflict is a grammar bug, not resolved silently


@lru_cache(maxsize=1)
def _lark() -> tuple[lark.Lark, dict[str, str]]:
    """The parser (built once per process) and a map literal text -> terminal name.

    Building the LALR tables takes ~0.2 s, so they are kept (lark's save/load) in the user's cache
    folder, in a file named by the hash of the grammar, the build options, lark's version and
    Python's. The file is written under a temporary name and renamed, so a reader never sees half
    of one; any problem with the folder or the file means building without the cache."""
    grammar = GRAMMAR_PATH.read_text(encoding="utf-8")
    parser = None
    folder = _cache_dir()
    if folder is not None:
        key = hashlib.sha256("\0".join((grammar, inspect.getsource(_build), lark.__version__,
                                         sys.version)).encode()).hexdigest()[:24]
        path = folder / f"feel-parser-{key}.lark"
        try:
            with open(path, "rb") as fh:
                parser = lark.Lark.load(fh)
        except Exception:   # absent, unreadable or damaged: build (a cache is only an optimisation)
            parser = None
        if parser is None:
            parser = _build(grammar)
            tmp = folder / f".{path.name}.{os.getpid()}.tmp"
            try:
                with open(tmp, "wb") as fh:
                    parser.save(fh)
                os.replace(tmp, path)
            except Exception:
                try:
                    tmp.unlink()
                except OSError:
                    pass
    if parser is None:
        parser = _build(grammar)
    literal = {t.pattern.value: t.name for t in parser.terminals
               if t.pattern.type == "str"}
    return parser, literal


_PUNCT = ["**", "..", "<=", ">=", "!=", "->", "(", ")", "[", "]", "{", "}", ",", ".", ":",
          "+", "-", "*", "/", "<", ">", "=", "?"]
# Punctuation the grammar names (it also uses them inside types: list<number>, function<> -> T).
_NAMED_PUNCT = {"<": "LT", "<=": "LE", ">": "GT", ">=": "GE", "=": "EQ", "!=": "NE", "->": "ARROW"}
# Tokens after which an operand has ended: a "]" there closes a bracket, a "[" opens a filter
# or closes a range; anywhere else "]" opens a range that leaves its start out (]1..5]).
_ENDS_OPERAND = {"NUMBER", "STRING", "AT_LITERAL", "NAME", "RPAR", "RSQB", "RBRACE", "QMARK",
                 "TRUE", "FALSE", "NULL", "RANGE_CLOSE_EXCL"}
# Tokens that cannot start an expression: a "[" after an operand and before one of these closes
# a range that leaves its end out ([1..5[).
_NO_START = {None, "RPAR", "RSQB", "RBRACE", "COMMA", "COLON", "THEN", "ELSE", "RETURN", "SATISFIES",
             "AND", "OR", "IN", "RANGE_CLOSE_EXCL"}
_BASE_RE = (
    r"(?P<ws>\s+)|(?P<lcomment>//[^\n]*)|(?P<bcomment>/\*.*?\*/)"
    r"|(?P<at>@\"(?:[^\"\\\n]|\\.)*\")|(?P<str>\"(?:[^\"\\\n]|\\.)*\")"
    r"|(?P<num>(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<instof>instance\s+of(?!\w))"
    r"|(?P<function>function(?=\s*[(<]))"
    r"|(?P<word>" + _WORD + r")"
    r"|(?P<punct>" + "|".join(re.escape(p) for p in _PUNCT) + ")"
)


@lru_cache(maxsize=64)
def _token_re(multiword: frozenset) -> re.Pattern:
    """The token regex, with the given multi-word names tried before single words.

    Longest names first, so "years and months duration" wins over a shorter prefix;
    any run of whitespace may separate the words.
    """
    alts = sorted(multiword, key=len, reverse=True)
    mw = "|".join(r"\s+".join(re.escape(w) for w in name.split()) for name in alts)
    pattern = _BASE_RE if not mw else r"(?P<multi>(?:" + mw + r")(?!\w))|" + _BASE_RE
    return re.compile(pattern, re.S)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


def _unescape(body: str) -> str:
    r"""FEEL string escapes: \" \\ \n \r \t \' \uXXXX \UXXXXXX. Any other backslash
    stays as written, so regex patterns like "\d" and "\s" reach the regex engine."""
    if "\\" not in body:
        return body

    def repl(m):
        c = m.group(1)
        if c[0] in "uU" and len(c) > 1:
            code = int(c[1:], 16)
            if code > 0x10FFFF:
                raise ValueError(f"the escape \\{c} is beyond the last Unicode character (\\U10FFFF)")
            return chr(code)
        return _ESCAPES.get(c, "\\" + c)
    out = re.sub(r"\\(u[0-9a-fA-F]{4}|U[0-9a-fA-F]{6}|.)", repl, body, flags=re.S)
    # \uD83D\uDCA9 is one character written as a UTF-16 surrogate pair
    try:
        return out.encode("utf-16", "surrogatepass").decode("utf-16")
    except UnicodeDecodeError:
        raise ValueError("a \\u escape between D800 and DFFF is half of a UTF-16 surrogate pair "
                         "without its other half") from None


def _line_col(text: str, pos: int) -> tuple[int, int]:
    line = text.count("\n", 0, pos) + 1
    return line, pos - (text.rfind("\n", 0, pos) + 1) + 1


def _error(msg: str, text: str, pos: int) -> FeelSyntaxError:
    line, col = _line_col(text, pos)
    # replace, not str.format: the message quotes the text, which may hold braces
    return FeelSyntaxError(msg.replace("{at}", f"{line}:{col}"), line, col, text)


def tokenize(text: str, multiword: frozenset = frozenset()) -> list[Token]:
    """Split `text` into lark Tokens; raises FeelSyntaxError on a stray character."""
    _, literal = _lark()
    rx = _token_re(multiword)
    tokens: list[Token] = []
    pos, n, line, line_start = 0, len(text), 1, 0
    while pos < n:
        m = rx.match(text, pos)
        if m is None:
            if text.startswith('"', pos) or text.startswith('@"', pos):
                raise _error("a string starting at {at} is not closed (a '\"' is missing)", text, pos)
            if text.startswith("/*", pos):
                raise _error("a comment starting at {at} is not closed (a '*/' is missing)", text, pos)
            raise _error(f"unexpected character {text[pos]!r} at {{at}}", text, pos)
        kind, value = m.lastgroup, m.group()
        end = m.end()
        col = pos - line_start + 1
        if kind in ("ws", "lcomment", "bcomment"):
            pass
        else:
            if kind == "word":
                ttype = literal.get(value, "NAME") if value in KEYWORDS else "NAME"
            elif kind == "multi":
                ttype, value = "NAME", " ".join(value.split())
            elif kind == "instof":
                ttype, value = "INSTANCE_OF", "instance of"
            elif kind == "function":
                ttype = "FUNCTION"
            elif kind == "num":
                ttype = "NUMBER"
            elif kind == "str":
                ttype = "STRING"
            elif kind == "at":
                ttype = "AT_LITERAL"
            else:
                ttype = _NAMED_PUNCT.get(value) or literal[value]
            end_line = line + value.count("\n") if kind != "multi" else line + m.group().count("\n")
            tok = Token(ttype, value, pos, line, col, end_line, None, end)
            tokens.append(tok)
        nl = text.count("\n", pos, end)
        if nl:
            line += nl
            line_start = text.rfind("\n", pos, end) + 1
        pos = end
    return _retag(tokens, literal)


def _retag(tokens: list[Token], literal: dict) -> list[Token]:
    """Decide what the context-dependent tokens are (see the grammar's header): "]" opening a
    range, "[" closing one, and `external` after a function's parameter list."""
    out = list(tokens)
    function_depth: list[int] = []     # bracket depth at each open `function(`
    depth = 0
    for i, tok in enumerate(out):
        prev = out[i - 1].type if i else None
        if tok.type == "RSQB" and prev not in _ENDS_OPERAND and prev != "LSQB":
            out[i] = Token("RANGE_OPEN_EXCL", tok.value, tok.start_pos, tok.line, tok.column,
                           tok.end_line, tok.end_column, tok.end_pos)
            tok = out[i]
        elif tok.type == "LSQB" and prev in _ENDS_OPERAND:
            nxt = out[i + 1].type if i + 1 < len(out) else None
            if nxt in _NO_START:
                out[i] = Token("RANGE_CLOSE_EXCL", tok.value, tok.start_pos, tok.line, tok.column,
                               tok.end_line, tok.end_column, tok.end_pos)
                tok = out[i]
        if tok.type == "FUNCTION":
            function_depth.append(depth)
        elif tok.type in ("LPAR", "LSQB", "LBRACE"):
            depth += 1
        elif tok.type in ("RPAR", "RSQB", "RBRACE"):
            depth -= 1
            if tok.type == "RPAR" and function_depth and function_depth[-1] == depth:
                function_depth.pop()
                nxt = out[i + 1] if i + 1 < len(out) else None
                if nxt is not None and nxt.type == "NAME" and nxt.value == "external":
                    out[i + 1] = Token("EXTERNAL", nxt.value, nxt.start_pos, nxt.line, nxt.column,
                                       nxt.end_line, nxt.end_column, nxt.end_pos)
    return out


# ------------------------------------------------------------------ errors

_EXPECT_WORDS = {"NAME": "a name", "NUMBER": "a value", "STRING": "a value",
                 "AT_LITERAL": "a value", "$END": "the end of the expression"}
# Tokens that can start a value: when the parser would take any of them, the
# message says "a value" instead of listing them all.
_VALUE_START = {"(", "[", "{", "-", "?", "true", "false", "null", "if", "for", "some", "every"}


def _describe(tok: Token) -> str:
    if tok.type == "$END":
        return "end of the expression"
    if tok.type == "NAME":
        return f"name '{tok.value}'"
    if tok.type == "NUMBER":
        return f"number {tok.value}"
    if tok.type in ("STRING", "AT_LITERAL"):
        return f"string {tok.value}"
    return f"'{tok.value}'"


def _expected(names, literal_by_name) -> str:
    words: list[str] = []
    for name in sorted(names):
        lit = literal_by_name.get(name)
        w = _EXPECT_WORDS.get(name) or ("a value" if lit in _VALUE_START else f"'{lit}'" if lit else None)
        if w and w not in words:
            words.append(w)
    if "a value" in words and "a name" in words:
        words.remove("a name")
    if "a value" in words:               # a value is the most helpful thing to name first
        words.remove("a value")
        words.insert(0, "a value")
    if not words:
        return ""
    if len(words) > 4:
        words = words[:4] + ["..."]
    return "; expected " + (words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1])


def _syntax_error(e: UnexpectedInput, text: str, tokens: list[Token]) -> FeelSyntaxError:
    _, literal = _lark()
    by_name = {v: k for k, v in literal.items()}
    tok = getattr(e, "token", None)
    expected = getattr(e, "expected", None) or getattr(e, "allowed", None) or set()
    if isinstance(e, UnexpectedEOF) or tok is None or tok.type == "$END":
        pos = len(text.rstrip())
        if tokens:
            pos = tokens[-1].end_pos
        line, col = _line_col(text, pos)
        return FeelSyntaxError(f"the expression ends too early at {line}:{col}{_expected(expected, by_name)}",
                               line, col, text)
    line, col = tok.line, tok.column
    return FeelSyntaxError(f"unexpected {_describe(tok)} at {line}:{col}{_expected(expected, by_name)}",
                           line, col, text)


# ------------------------------------------------------------------ parse

def parse(text: str, mode: str = "expr", multiword: frozenset = frozenset()) -> N.Node:
    """Parse an expression (mode "expr") or decision-table unary tests (mode "unary")."""
    if not isinstance(text, str):
        raise FeelSyntaxError("an expression must be text", 1, 1, "")
    _scan_brackets(text)
    if len(text) > MAX_TEXT:
        raise FeelSyntaxError(f"expression is too long ({len(text)} characters; at most {MAX_TEXT}) at 1:1",
                              1, 1, text[:200])
    tokens = tokenize(text, multiword)
    if not tokens:
        raise FeelSyntaxError("the expression is empty at 1:1", 1, 1, text)
    negated = False
    if mode == "unary":
        tokens, negated = _strip_not(tokens)
    parser, _ = _lark()
    try:
        tree = parser.parse(tokens, start="start" if mode == "expr" else "unary_tests")
    except UnexpectedInput as e:
        raise _syntax_error(e, text, tokens) from None
    _check_depth(tree, text)
    node = _Builder(text).build(tree)
    if mode == "unary":
        if isinstance(node, N.UnaryTests):
            node = N.UnaryTests(node.tests, negated, pos=node.pos)
    return node


_BRACKETS_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|[()\[\]{}]')


def _scan_brackets(text: str) -> None:
    """Fail fast on deep bracket nesting, before tokenizing or parsing anything."""
    depth = 0
    for m in _BRACKETS_RE.finditer(text, 0, MAX_TEXT + 1):
        c = m.group()
        if c in "([{":
            depth += 1
            if depth > MAX_BRACKETS:
                line, col = _line_col(text, m.start())
                raise FeelSyntaxError(
                    f"expression nests too deeply (more than {MAX_BRACKETS} levels) at {line}:{col}",
                    line, col, text)
        elif c in ")]}":
            depth -= 1


def _strip_not(tokens: list[Token]) -> tuple[list[Token], bool]:
    """`not( tests )` spanning the whole cell negates the tests (decided here, because
    `not(x)` is also an ordinary function call and LALR cannot tell them apart)."""
    if len(tokens) >= 3 and tokens[0].type == "NAME" and tokens[0].value == "not" \
            and tokens[1].value == "(" and tokens[-1].value == ")":
        depth = 0
        for i, t in enumerate(tokens[1:], 1):
            if t.value in ("(", "[", "{") and t.type != "STRING":
                depth += 1
            elif t.value in (")", "]", "}") and t.type != "STRING":
                depth -= 1
                if depth == 0 and i != len(tokens) - 1:
                    return tokens, False
        return tokens[2:-1], True
    return tokens, False


def _check_depth(tree: lark.Tree, text: str) -> None:
    """Refuse trees deeper than MAX_DEPTH (without recursion), so that checking,
    compiling and evaluating - which recurse - stay far from Python's limit."""
    stack = [(tree, 1)]
    while stack:
        t, d = stack.pop()
        if d > MAX_DEPTH:
            line, col = getattr(t.meta, "line", 1), getattr(t.meta, "column", 1)
            raise FeelSyntaxError(
                f"expression nests too deeply (more than {MAX_DEPTH} levels of operators) at {line}:{col}",
                line, col, text)
        stack.extend((c, d + 1) for c in t.children if isinstance(c, lark.Tree))


_CMP = {"eq": "=", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}
_ARITH = {"add": "+", "sub": "-", "mul": "*", "div": "/", "pow": "**"}
_RANGES = {"range_cc": (True, True), "range_co": (True, False),
           "range_oc": (False, True), "range_oo": (False, False)}


class _Builder:
    """lark tree -> nodes.Node, keeping each node's position."""

    def __init__(self, text: str):
        self.text = text

    def pos(self, t) -> N.Pos:
        if isinstance(t, Token):
            return N.Pos(t.line, t.column, t.start_pos, t.end_pos)
        m = t.meta
        if getattr(m, "empty", True):
            return N.NOPOS
        return N.Pos(m.line, m.column, m.start_pos, m.end_pos)

    def build(self, t) -> N.Node:
        if isinstance(t, Token):        # only from `?` rules that inline a lone token
            raise AssertionError(f"unexpected bare token {t!r}")
        kind = t.data
        p = self.pos(t)
        ch = t.children
        b = self.build
        if kind in _ARITH:
            return N.Arith(_ARITH[kind], b(ch[0]), b(ch[1]), pos=p)
        if kind in _CMP:
            return N.Compare(_CMP[kind], b(ch[0]), b(ch[-1]), pos=p)
        if kind == "test_cmp":
            return N.UnaryCmp(ch[0].children[0].value, b(ch[1]), pos=p)
        if kind in _RANGES:
            lc, hc = _RANGES[kind]
            ends = [c for c in ch if not isinstance(c, Token)]
            return N.RangeLit(b(ends[0]), lc, b(ends[1]), hc, pos=p)
        meth = getattr(self, "b_" + kind.rstrip("_"), None)
        if meth is None:
            if kind in ("start", "range"):
                return b(ch[0])
            raise AssertionError(f"no builder for {kind}")
        return meth(ch, p)

    def b_number(self, ch, p):
        try:
            return N.Num(FEEL_CONTEXT.create_decimal(ch[0].value), pos=p)
        except ArithmeticError:
            raise FeelSyntaxError(f"the number {ch[0].value[:40]} at {p.line}:{p.col} is beyond the range of "
                                  f"FEEL numbers (34 digits, exponents up to 6144)", p.line, p.col, self.text) from None

    def _unescaped(self, body, p):
        try:
            return _unescape(body)
        except ValueError as e:
            raise FeelSyntaxError(f"the string at {p.line}:{p.col} is not text: {e}",
                                  p.line, p.col, self.text) from None

    def b_string(self, ch, p):
        return N.Str(self._unescaped(ch[0].value[1:-1], p), pos=p)

    def b_at_literal(self, ch, p):
        body = self._unescaped(ch[0].value[2:-1], p)
        value = parse_temporal(body)
        if value is None:
            what = "it is not a date (2026-01-31), time (10:30:00, 10:30:00+08:00, 10:30:00@Asia/Shanghai), " \
                "date and time (2026-01-31T10:30:00) or duration (P3Y, P10D, PT2H)"
            raise FeelSyntaxError(f'@"{body}" at {p.line}:{p.col} is not a valid literal: {what}',
                                  p.line, p.col, self.text)
        return N.Temporal(body, value, pos=p)

    def b_true(self, ch, p):
        return N.Bool(True, pos=p)

    def b_false(self, ch, p):
        return N.Bool(False, pos=p)

    def b_null(self, ch, p):
        return N.Null(pos=p)

    def b_input_value(self, ch, p):
        return N.InputValue(pos=p)

    def name(self, t) -> str:
        return " ".join(tok.value for tok in t.children)

    def b_name_ref(self, ch, p):
        return N.Name(self.name(ch[0]), pos=p)

    def b_neg(self, ch, p):
        return N.Neg(self.build(ch[0]), pos=p)

    def b_and(self, ch, p):
        return N.And(self.build(ch[0]), self.build(ch[1]), pos=p)

    def b_or(self, ch, p):
        return N.Or(self.build(ch[0]), self.build(ch[1]), pos=p)

    def b_between(self, ch, p):
        return N.Between(*(self.build(c) for c in ch), pos=p)

    def b_in(self, ch, p):
        rhs = ch[1]
        if isinstance(rhs, lark.Tree) and rhs.data == "test_list":
            tests = tuple(self.build(c) for c in rhs.children)
        else:
            tests = (self.build(rhs),)
        return N.In(self.build(ch[0]), tests, pos=p)

    def b_instance_of(self, ch, p):
        return N.InstanceOf(self.build(ch[0]), self.type_ref(ch[2]), pos=p)

    def type_ref(self, t) -> N.TypeRef:
        p = self.pos(t)
        kids = [c for c in t.children if not isinstance(c, Token)]
        if t.data == "type_name":
            return N.TypeRef(self.name(kids[0]), pos=p)
        if t.data == "type_generic":
            return N.TypeRef(self.name(kids[0]), (self.type_ref(kids[1]),), pos=p)
        if t.data == "type_context":
            base, rest = self.name(kids[0]), kids[1:]
            fields = tuple((self.name(rest[i]), self.type_ref(rest[i + 1])) for i in range(0, len(rest), 2))
            return N.TypeRef(base, (), fields, pos=p)
        # function<T, ...> -> R
        types = [self.type_ref(k) for k in kids]
        return N.TypeRef("function", tuple(types[:-1]), (), types[-1], pos=p)

    def b_function_def(self, ch, p):
        external = any(isinstance(c, Token) and c.type == "EXTERNAL" for c in ch)
        kids = [c for c in ch if not isinstance(c, Token)]
        params = []
        for f in kids[:-1]:
            fk = f.children
            params.append((self.name(fk[0]), self.type_ref(fk[1]) if len(fk) > 1 else None))
        return N.FunctionDef(tuple(params), self.build(kids[-1]), external, pos=p)

    def b_if_expr(self, ch, p):
        return N.If(*(self.build(c) for c in ch), pos=p)

    def b_iteration(self, ch, p):
        end = self.build(ch[2]) if len(ch) > 2 else None
        return N.Iteration(self.name(ch[0]), self.build(ch[1]), end, pos=p)

    def b_for_expr(self, ch, p):
        return N.For(tuple(self.b_iteration(c.children, self.pos(c)) for c in ch[:-1]),
                     self.build(ch[-1]), pos=p)

    def _quant(self, kind, ch, p):
        return N.Quantified(kind, tuple(self.b_iteration(c.children, self.pos(c)) for c in ch[:-1]),
                            self.build(ch[-1]), pos=p)

    def b_some_expr(self, ch, p):
        return self._quant("some", ch, p)

    def b_every_expr(self, ch, p):
        return self._quant("every", ch, p)

    def b_list(self, ch, p):
        return N.ListLit(tuple(self.build(c) for c in ch), pos=p)

    def b_context(self, ch, p):
        entries = []
        for e in ch:
            key_t, val = e.children
            key = _unescape(key_t.value[1:-1]) if isinstance(key_t, Token) else self.name(key_t)
            entries.append((key, self.build(val)))
        return N.ContextLit(tuple(entries), pos=p)

    def b_path(self, ch, p):
        return N.Path(self.build(ch[0]), self.name(ch[1]), pos=p)

    def b_filter(self, ch, p):
        return N.Filter(self.build(ch[0]), self.build(ch[1]), pos=p)

    def b_invoke(self, ch, p):
        """f(..) with f a plain name is a Call (of a built-in, or of a name's function value:
        the checker and compiler tell which); anything else is an Invoke of the value."""
        target = self.build(ch[0])
        args, named = (), ()
        if len(ch) > 1:
            a = ch[1]
            if a.data == "named_args":
                named = tuple((self.name(x.children[0]), self.build(x.children[1])) for x in a.children)
            else:
                args = tuple(self.build(x) for x in a.children)
        if isinstance(target, N.Name):
            return N.Call(target.name, args, named, pos=p)
        return N.Invoke(target, args, named, pos=p)

    def b_any_input(self, ch, p):
        return N.AnyInput(pos=p)

    def b_tests(self, ch, p):
        return N.UnaryTests(tuple(self.build(c) for c in ch), pos=p)
