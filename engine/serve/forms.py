"""A case form made from a rule set's case schema, and the case made back from what was submitted.

The schema becomes a tree of Fields once per rule set: an object is a group of fields, an enum a
select, a `format: date` string a date input, a boolean a yes/no select (unset is a third choice),
a number a text input read as an exact decimal, an array a list of rows that can be added and
removed. Anything else (oneOf, $ref, an object without properties) is a YAML text area for that part.

What the browser sends is first read into a *form state* that keeps exactly what was typed (every
row, empty ones too), so that "add a row" and "remove a row" work by posting the form, without
JavaScript. The state becomes a case only when it is evaluated: empty inputs are left out, numbers
become exact, enums their members. A case becomes a state to prefill the form (an example, a pasted
case). Form input names are JSON Pointers into the case (`/organization/contacts/0/name`).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

MAX_ROWS = 500          # rows of one array in a form (a longer list is for the YAML/JSON upload)
MAX_DEPTH = 12
ROWS = "#rows"          # suffix of the hidden input that says how many rows an array has ("" = not given)
MISSING = object()


@dataclass
class Field:
    key: str | None                 # property name; None for the root and for array items
    kind: str                       # object | array | text | date | integer | number | bool | enum | yaml
    zh: str = ""
    en: str = ""
    required: bool = False
    children: list = field(default_factory=list)
    item: "Field | None" = None
    options: list = field(default_factory=list)
    description: str = ""


_TITLE_SPLIT = re.compile(r"\s*/\s+(?=[A-Za-z0-9(])")


def titles(schema: dict, fallback: str) -> tuple[str, str]:
    """A schema title as (Chinese, English): {zh, en}, 'zh / en', or one text."""
    t = schema.get("title") if isinstance(schema, dict) else None
    if isinstance(t, dict):
        return str(t.get("zh") or ""), str(t.get("en") or "")
    if isinstance(t, str) and t.strip():
        parts = _TITLE_SPLIT.split(t.strip(), maxsplit=1)     # '评分/扣分（5.6.4.2）/ Mystery-customer points'
        return (parts[0].strip(), parts[1].strip()) if len(parts) == 2 else (t.strip(), "")
    return fallback, ""


def _types(schema: dict) -> list:
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    if isinstance(t, list):
        return [x for x in t if x != "null"]
    return []


def build(schema, key=None, required=False, depth=0) -> Field:
    """The Field tree of a (sub)schema."""
    if not isinstance(schema, dict):
        return Field(key, "yaml", *titles({}, key or ""), required=required)
    zh, en = titles(schema, key or "")
    desc = schema.get("description") if isinstance(schema.get("description"), str) else ""
    f = Field(key, "yaml", zh, en, required=required, description=desc)
    types = _types(schema)
    composite = any(k in schema for k in ("oneOf", "anyOf", "allOf", "$ref", "if", "not"))
    if depth > MAX_DEPTH or composite or len(types) > 1:
        return f
    if isinstance(schema.get("enum"), list) and schema["enum"]:
        f.kind, f.options = "enum", list(schema["enum"])
    elif types == ["object"] or (not types and isinstance(schema.get("properties"), dict)):
        props = schema.get("properties")
        if isinstance(props, dict) and props:
            req = set(schema.get("required") or []) if isinstance(schema.get("required"), list) else set()
            f.kind = "object"
            f.children = [build(sub, str(name), str(name) in req, depth + 1) for name, sub in props.items()]
    elif types == ["array"] and isinstance(schema.get("items"), dict):
        f.kind, f.item = "array", build(schema["items"], None, True, depth + 1)
    elif types == ["string"]:
        f.kind = "date" if schema.get("format") == "date" else "text"
    elif types in (["integer"], ["number"], ["boolean"]):
        f.kind = {"integer": "integer", "number": "number", "boolean": "bool"}[types[0]]
    return f


# ------------------------------------------------------------------ names, paths

def escape(key: str) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def pointer_parts(pointer: str) -> list[str]:
    if not pointer:
        return []
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def path_text(parts) -> str:
    """A field path as the command line's messages write it: organization.contacts[0].name."""
    out = ""
    for i, p in enumerate(parts):
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
    return out or "(the case)"


# ------------------------------------------------------------------ the form state

def empty(f: Field):
    if f.kind == "object":
        return {c.key: empty(c) for c in f.children}
    if f.kind == "array":
        return None
    return ""


def from_form(f: Field, form, pointer: str = ""):
    """The state of a submitted form (`form` has .get(name) like Starlette's FormData)."""
    if f.kind == "object":
        return {c.key: from_form(c, form, f"{pointer}/{escape(c.key)}") for c in f.children}
    if f.kind == "array":
        rows = str(form.get(pointer + ROWS) or "").strip()
        if not rows.isdigit():
            return None
        return [from_form(f.item, form, f"{pointer}/{i}") for i in range(min(int(rows), MAX_ROWS))]
    value = form.get(pointer)
    return value if isinstance(value, str) else ""


def _text(value) -> str:
    from ..jsonout import number_text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return number_text(value) if value.is_finite() else str(value)
    return "" if value is None else str(value)


_DUMPER = None


def yaml_text(value) -> str:
    """A part of a case as YAML that reads back to the same values (exact numbers stay numbers)."""
    global _DUMPER
    import yaml
    from ..jsonout import number_text
    if _DUMPER is None:
        class Dumper(yaml.SafeDumper):
            pass
        Dumper.add_representer(Decimal, lambda d, v: d.represent_scalar("tag:yaml.org,2002:float", number_text(v)))
        _DUMPER = Dumper
    return yaml.dump(value, Dumper=_DUMPER, allow_unicode=True, sort_keys=False).rstrip() + "\n"


def _same(a, b) -> bool:
    """Enum membership as JSON Schema sees it: 1 and 1.0 are the same number, true is not 1."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    numbers = all(isinstance(x, (int, Decimal)) for x in (a, b))
    return (numbers or type(a) is type(b)) and a == b


def from_case(f: Field, value=MISSING):
    """The state that shows a case (or part of it) in the form."""
    if value is MISSING or value is None:
        return empty(f)
    if f.kind == "object":
        if not isinstance(value, dict):
            return empty(f)
        return {c.key: from_case(c, value.get(c.key, MISSING)) for c in f.children}
    if f.kind == "array":
        if not isinstance(value, list):
            return None
        return [from_case(f.item, v) for v in value[:MAX_ROWS]]
    if f.kind == "enum":
        for i, option in enumerate(f.options):
            if _same(option, value):
                return str(i)
        return "?" + _text(value)         # not a member: kept, so that the schema check names it
    if f.kind == "yaml":
        return yaml_text(value)
    if isinstance(value, (dict, list)):
        return yaml_text(value)
    return _text(value)


class FormErrors(Exception):
    """Inputs that could not be read at all (YAML that does not parse), by field path."""

    def __init__(self, fields: list):
        super().__init__("; ".join(f"{p}: {m}" for p, m in fields))
        self.fields = fields


def _is_date(text: str) -> bool:
    from datetime import date
    try:
        return len(text) == 10 and bool(date.fromisoformat(text))
    except ValueError:
        return False


_INTEGER = re.compile(r"^[-+]?\d+$")
_DECIMAL = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")


def _scalar(f: Field, text: str):
    text = text.strip()
    if text == "":
        return MISSING
    if f.kind in ("integer", "number"):
        if _INTEGER.match(text):
            return int(text)
        if _DECIMAL.match(text):
            try:
                return Decimal(text)
            except InvalidOperation:
                return text
        return text                      # the schema check says what is wrong with it
    if f.kind == "bool":
        return {"true": True, "false": False}.get(text, text)
    if f.kind == "enum":
        if text.isdigit() and int(text) < len(f.options):
            return f.options[int(text)]
        return text[1:] if text.startswith("?") else text
    return text


def to_case(f: Field, state, parts=(), errors=None, in_array=False):
    """The case a form state stands for; unreadable YAML inputs are collected in `errors`."""
    top = errors is None
    errors = [] if top else errors
    if f.kind == "object":
        out = {}
        for c in f.children:
            v = to_case(c, (state or {}).get(c.key, empty(c)) if isinstance(state, dict) else empty(c),
                        parts + (c.key,), errors)
            if v is not MISSING:
                out[c.key] = v
        value = out if (out or in_array or not parts) else MISSING
    elif f.kind == "array":
        if state is None:
            value = MISSING
        else:
            items = [to_case(f.item, s, parts + (i,), errors, in_array=True) for i, s in enumerate(state)]
            value = [v for v in items if v is not MISSING]
    elif f.kind == "yaml":
        value = MISSING
        if isinstance(state, str) and state.strip():
            from ..yamlio import YamlError, parse_yaml
            try:
                value = parse_yaml(state).data
            except YamlError as exc:
                errors.append((path_text(parts), (f"line {exc.line}: " if exc.line else "") + exc.message))
    else:
        value = _scalar(f, state if isinstance(state, str) else "")
    if top and errors:
        raise FormErrors(errors)
    return value


# ------------------------------------------------------------------ editing the state

def _walk(f: Field, state, parts: list):
    """(field, container, key) of the node a pointer names inside the state."""
    node_f, node = f, state
    container, key = None, None
    for part in parts:
        if node_f.kind == "object" and isinstance(node, dict):
            child = next((c for c in node_f.children if c.key == part), None)
            if child is None:
                raise KeyError(part)
            container, key, node_f, node = node, part, child, node.get(part)
        elif node_f.kind == "array" and isinstance(node, list) and part.isdigit() and int(part) < len(node):
            container, key, node_f, node = node, int(part), node_f.item, node[int(part)]
        else:
            raise KeyError(part)
    return node_f, container, key


def apply(f: Field, state, action: str) -> bool:
    """Do a row action on the state: add:/ptr, remove:/ptr/i, omit:/ptr, empty:/ptr. False if it names nothing."""
    verb, _, pointer = action.partition(":")
    try:
        node_f, container, key = _walk(f, state, pointer_parts(pointer))
    except KeyError:
        return False
    if container is None:
        return False
    if verb == "remove" and isinstance(container, list):
        del container[key]
        return True
    if node_f.kind != "array":
        return False
    if verb == "add":
        rows = container[key] if isinstance(container[key], list) else []
        if len(rows) < MAX_ROWS:
            rows.append(empty(node_f.item))
        container[key] = rows
    elif verb == "omit":
        container[key] = None
    elif verb == "empty":
        container[key] = []
    else:
        return False
    return True


# ------------------------------------------------------------------ what the template draws

def view(f: Field, state, errors: dict, parts=(), pointer="", row=None) -> dict:
    """A node for the form template: its input name, id, value, label, options and the messages at it.
    `errors` maps field paths (as path_text writes them) to messages; each is taken by the field it names."""
    path = path_text(parts)
    node = {"kind": f.kind, "zh": f.zh, "en": f.en, "key": f.key, "required": f.required, "name": pointer,
            "id": "f" + re.sub(r"[^0-9A-Za-z_-]", lambda m: f"_{ord(m.group()):x}_", pointer), "path": path,
            "row": row, "errors": errors.pop(path, []), "description": f.description}
    if f.kind == "object":
        st = state if isinstance(state, dict) else {}
        node["children"] = [view(c, st.get(c.key, empty(c)), errors, parts + (c.key,), f"{pointer}/{escape(c.key)}")
                            for c in f.children]
    elif f.kind == "array":
        node["given"] = state is not None
        node["rows"] = [view(f.item, s, errors, parts + (i,), f"{pointer}/{i}", row=i)
                        for i, s in enumerate(state or [])]
        node["count"] = "" if state is None else str(len(state))
        node["item_zh"], node["item_en"] = f.item.zh, f.item.en
    else:
        node["value"] = state if isinstance(state, str) else ""
        if f.kind == "date":    # a browser empties a date input it cannot read: show such a value as text
            node["input"] = "date" if node["value"] == "" or _is_date(node["value"]) else "text"
        if f.kind == "enum":
            node["options"] = [(str(i), _text(o)) for i, o in enumerate(f.options)]
            if node["value"].startswith("?"):
                node["options"].append((node["value"], node["value"][1:] + " (?)"))
    return node


def all_errors(node: dict) -> list:
    out = [(node["path"], node["id"], m) for m in node["errors"]]
    for child in node.get("children", []) + node.get("rows", []):
        out.extend(all_errors(child))
    return out
