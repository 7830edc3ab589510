"""Reading a corpus: a JSON Lines file ({"id", "case"} per line), a folder of YAML/JSON case files, or
one case file. Records are read as raw text (cheap to send to a worker) and parsed where they are
compared, so the parent process only reads and the workers do the work."""
from __future__ import annotations

from pathlib import Path

from ..errors import CaseError

CASE_SUFFIXES = (".yaml", ".yml", ".json")


def iter_records(source):
    """Raw records, in the corpus's order: ("line", file, n, text) or ("file", name, suffix, text)."""
    from ..yamlio import YamlError, read_text
    source = Path(source)
    if source.is_dir():
        for p in sorted(source.rglob("*")):
            if p.suffix in CASE_SUFFIXES and p.is_file():
                try:
                    yield ("file", p.name, p.suffix, read_text(p))
                except YamlError as exc:
                    raise CaseError(f"{p}: {exc.message}") from None
                except OSError as exc:
                    raise CaseError(f"{p}: cannot read it ({exc.strerror or exc})") from None
    elif source.suffix == ".jsonl" and source.is_file():
        try:
            with open(source, "rb") as fh:
                for n, raw in enumerate(fh, 1):
                    try:
                        line = raw.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        raise CaseError(f"{source}:{n}: the line is not UTF-8 text (bad byte at column "
                                        f"{exc.start + 1})") from None
                    if line.strip():
                        yield ("line", str(source), n, line)
        except OSError as exc:
            raise CaseError(f"{source}: cannot read it ({exc.strerror or exc})") from None
    elif source.is_file():
        try:
            yield ("file", source.name, source.suffix, read_text(source))
        except (YamlError, OSError) as exc:
            raise CaseError(f"{source}: {getattr(exc, 'message', None) or exc}") from None
    else:
        raise CaseError(f"{source}: no such case file or folder")


def parse_record(record):
    """(case id, case) from a raw record; a record that is not a case is a CaseError naming its place."""
    from ..yamlio import YamlError, parse_json, parse_yaml
    if record[0] == "line":
        _, name, n, text = record
        try:
            data = parse_json(text).data
        except YamlError as exc:
            raise CaseError(f"{name}:{n}: {exc.message}") from None
        if isinstance(data, dict) and isinstance(data.get("case"), dict):
            return str(data.get("id") or f"line {n}"), data["case"]
        return f"line {n}", data
    _, name, suffix, text = record
    try:
        data = (parse_json(text) if suffix == ".json" else parse_yaml(text)).data
    except YamlError as exc:
        raise CaseError(f"{name}:{exc.line or ''}: {exc.message}") from None
    return name, data


def count_records(source) -> int | None:
    """How many cases a corpus holds, when cheap to know (a progress bar's total)."""
    source = Path(source)
    try:
        if source.is_dir():
            return sum(1 for p in source.rglob("*") if p.suffix in CASE_SUFFIXES and p.is_file())
        if source.suffix == ".jsonl":
            with open(source, "rb") as fh:
                return sum(1 for line in fh if line.strip())
        return 1
    except OSError:
        return None
