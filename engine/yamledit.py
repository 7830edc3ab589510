"""Editing a YAML file in place, the way a person would: what changes is rewritten, everything else
(comments, key order, flow or block style, quoting, indentation) stays as it was written.

Used where certrules writes into a rule set the committee keeps (new-revision, apply). The file is
read with ruamel.yaml's round-trip loader; `merge` makes the loaded tree equal to the new content
(plain data, as engine.yamlio reads it: exact Decimals, dates as ISO text), touching only the nodes
that differ; lists of records are matched by their id (or clause, key, name) so that an inserted
or removed item leaves the others and their comments alone.
"""
from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.util import load_yaml_guess_indent

IDENTITY_KEYS = ("id", "clause", "key", "name", "no")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def _yaml(text: str) -> YAML:
    y = YAML()                      # round-trip
    y.preserve_quotes = True
    y.width = 4096                  # never re-wrap a long line the author kept on one line
    y.brace_single_entry_mapping_in_flow_sequence = True
    _, indent, seq_indent = load_yaml_guess_indent(text) if text.strip() else (None, None, None)
    indent, seq_indent = indent or 2, seq_indent or 0
    y.indent(mapping=indent - seq_indent if seq_indent else indent, sequence=indent, offset=seq_indent)
    y.representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))
    y.representer.add_representer(Decimal, _decimal)
    return y


def _decimal(representer, value):
    text = format(value, "f")
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return representer.represent_scalar(tag, text)


class Edit:
    """One YAML text, loaded for editing: change `data` (or `merge` new content into it), then `text()`."""

    def __init__(self, text: str):
        self.yaml = _yaml(text)
        self.data = self.yaml.load(text) if text.strip() else CommentedMap()

    def merge(self, new) -> None:
        self.data = merge(self.data, new)

    def text(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return out.getvalue()


def plain(node):
    """A round-trip node as engine.yamlio would read it (Decimal numbers, ISO-text dates)."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, date):
        return node.isoformat()
    if isinstance(node, float):
        return Decimal(str(node))
    if isinstance(node, int):
        return int(node)
    if isinstance(node, str):
        return str(node)
    return node


def _same(a, b) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    return a == b


def fresh(value):
    """New content as nodes: an ISO date text is written as a date (both read back as the same text)."""
    if isinstance(value, dict) and not isinstance(value, CommentedMap):
        out = CommentedMap()
        for k, v in value.items():
            out[k] = fresh(v)
        return out
    if isinstance(value, list) and not isinstance(value, CommentedSeq):
        return CommentedSeq(fresh(v) for v in value)
    if isinstance(value, str) and _ISO_DATE.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            return value
    return value


def merge(old, new):
    """`old` (a round-trip node) changed as little as possible to equal `new` (plain data)."""
    if _same(plain(old), new):
        return old
    if isinstance(old, CommentedMap) and isinstance(new, dict):
        for k in [k for k in old if k not in new]:
            del old[k]
        for i, (k, v) in enumerate(new.items()):
            if k in old:
                old[k] = merge(old[k], v)
            else:
                old.insert(i, k, fresh(v))
        return old
    if isinstance(old, CommentedSeq) and isinstance(new, list):
        return _merge_list(old, new)
    return fresh(new)


def _identity(old: list, new: list) -> str | None:
    items = list(old) + list(new)
    if not items or not all(isinstance(x, dict) for x in items):
        return None
    for key in IDENTITY_KEYS:
        if all(key in x for x in items):
            o = [repr(plain(x[key])) for x in old]
            n = [repr(plain(x[key])) for x in new]
            if len(set(o)) == len(o) and len(set(n)) == len(n):
                return key
    return None


def _like_siblings(seq: CommentedSeq, value):
    """A new item written like the items beside it: a record among flow-style records is flow style too."""
    node = fresh(value)
    if isinstance(node, CommentedMap) and any(isinstance(x, CommentedMap) and x.fa.flow_style() for x in seq):
        node.fa.set_flow_style()
    return node


def _merge_list(old: CommentedSeq, new: list) -> CommentedSeq:
    key = _identity(old, new)
    if key is None:
        for i, v in enumerate(new[: len(old)]):
            old[i] = merge(old[i], v)
        while len(old) > len(new):
            old.pop()
        for v in new[len(old):]:
            old.append(_like_siblings(old, v))
        return old
    ident = lambda x: repr(plain(x[key]))  # noqa: E731
    wanted = {ident(x) for x in new}
    for i in reversed(range(len(old))):
        if ident(old[i]) not in wanted:
            old.pop(i)
    for i, v in enumerate(new):
        k = ident(v)
        at = next((j for j in range(i, len(old)) if ident(old[j]) == k), None)
        if at is None:
            old.insert(i, _like_siblings(old, v))
            continue
        if at != i:
            old.insert(i, old.pop(at))
        old[i] = merge(old[i], v)
    return old
