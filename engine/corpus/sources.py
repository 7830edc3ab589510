"""Reading a corpus: a JSON Lines file ({"id", "case"} per line), a folder of YAML/JSON case files, or
one case file. Records are read as raw text (cheap to send to a worker) and parsed where they are
compared, so the parent process only reads and the workers do the work."""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import CaseError
from ..i18n import Msg

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
                    raise CaseError(Msg("err_at", where=p, message=exc.message)) from None
                except OSError as exc:
                    raise CaseError(Msg("err_at", where=p, message=Msg("file_cannot_read", reason=exc.strerror or exc))) from None
    elif source.suffix == ".jsonl" and source.is_file():
        try:
            with open(source, "rb") as fh:
                for n, raw in enumerate(fh, 1):
                    try:
                        line = raw.decode("utf-8")
                    except UnicodeDecodeError as exc:
                        raise CaseError(Msg("err_at", where=f"{source}:{n}",
                                            message=Msg("line_not_utf8", column=exc.start + 1))) from None
                    if line.strip():
                        yield ("line", str(source), n, line)
        except OSError as exc:
            raise CaseError(Msg("err_at", where=source, message=Msg("file_cannot_read", reason=exc.strerror or exc))) from None
    elif source.is_file():
        try:
            yield ("file", source.name, source.suffix, read_text(source))
        except (YamlError, OSError) as exc:
            raise CaseError(Msg("err_at", where=source, message=getattr(exc, "message", None) or exc)) from None
    else:
        raise CaseError(Msg("err_at", where=source, message=Msg("err_no_case_source")))


def span_records(span, fh=None):
    """The raw records of one span (file, offset, length, number of its first line), cut at line ends
    by impact.executors.spans, as iter_records gives them: ("line", file, n, text)."""
    name, offset, length, n = span
    try:
        if fh is None:
            with open(name, "rb") as f:
                f.seek(offset)
                data = f.read(length)
        else:
            fh.seek(offset)
            data = fh.read(length)
    except OSError as exc:
        raise CaseError(Msg("err_at", where=name, message=Msg("file_cannot_read", reason=exc.strerror or exc))) from None
    pieces = data.split(b"\n")
    last = len(pieces) - 1
    for i, raw in enumerate(pieces):
        if i == last and not raw:
            break
        try:
            line = raw.decode("utf-8") + ("\n" if i < last else "")     # as a file's lines come: with their end
        except UnicodeDecodeError as exc:
            raise CaseError(Msg("err_at", where=f"{name}:{n}", message=Msg("line_not_utf8", column=exc.start + 1))) from None
        if line.strip():
            yield ("line", name, n, line)
        n += 1


def parse_record(record):
    """(case id, case) from a raw record; a record that is not a case is a CaseError naming its place."""
    from ..yamlio import YamlError, parse_json, parse_yaml
    if record[0] == "line":
        _, name, n, text = record
        try:
            data = parse_json(text).data
        except YamlError as exc:
            raise CaseError(Msg("err_at", where=f"{name}:{n}", message=exc.message)) from None
        if isinstance(data, dict) and "case" in data:
            if not isinstance(data["case"], dict):
                raise CaseError(Msg("err_at", where=f"{name}:{n}: case", message=_not_a_case(data["case"])))
            return str(data.get("id") or f"line {n}"), data["case"]
        if not isinstance(data, dict):
            raise CaseError(Msg("err_at", where=f"{name}:{n}", message=_not_a_case(data)))
        return f"line {n}", data
    _, name, suffix, text = record
    try:
        data = (parse_json(text) if suffix == ".json" else parse_yaml(text)).data
    except YamlError as exc:
        raise CaseError(Msg("err_at", where=f"{name}:{exc.line or ''}", message=exc.message)) from None
    if not isinstance(data, dict):
        raise CaseError(Msg("err_at", where=name, message=_not_a_case(data)))
    return name, data


def _not_a_case(data) -> str:
    from ..case import _kind
    return Msg("err_case_not_mapping", kind=_kind(data))


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


# A line as corpora write it ({"case": {...}, "id": "..."}, keys sorted): its id read from the end of
# the line without parsing the case. The last member before the line's final '}' is a member of the
# top-level object (an unescaped '"' never occurs inside a JSON string, so neither can ',"id"').
_WRITTEN_LINE = re.compile(rb'\s*\{\s*"case"\s*:')
_ID_AT_END = re.compile(rb'"id"\s*:\s*("(?:[^"\\]|\\.)*")\s*\}\s*$')


def _line_id(raw: bytes, n: int):
    """The id parse_record gives the line's case, or None when the line is not a case (its error is
    reported where it is parsed)."""
    import json
    if _WRITTEN_LINE.match(raw):
        i = raw.rfind(b'"id"')
        j = i - 1
        while j > 0 and raw[j] in b" \t\r\n":
            j -= 1
        m = _ID_AT_END.match(raw, i) if j > 0 and raw[j] in b",{" else None
        if m is not None:
            try:
                return json.loads(m.group(1)) or f"line {n}"
            except ValueError:
                pass
    try:
        return parse_record(("line", "", n, raw.decode("utf-8")))[0]
    except (CaseError, UnicodeDecodeError):
        return None


def check_unique_ids(source) -> None:
    """Refuse a corpus in which two cases have the same id (two corpora put together, a register typed
    twice): the impact names its cases by id, so an example id would name either. The places of both
    are given. One pass over the file that decodes only the end of each line."""
    source = Path(source)
    first: dict = {}
    if source.is_dir():
        for p in sorted(source.rglob("*")):
            if p.suffix in CASE_SUFFIXES and p.is_file():
                rel = p.relative_to(source).as_posix()
                if p.name in first:
                    raise CaseError(Msg("err_corpus_id_twice_file", file=rel, id=p.name, other=first[p.name]))
                first[p.name] = rel
        return
    if source.suffix != ".jsonl" or not source.is_file():
        return
    try:
        with open(source, "rb") as fh:
            for n, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                cid = _line_id(raw, n)
                if cid is None:
                    continue
                if cid in first:
                    raise CaseError(Msg("err_corpus_id_twice", where=f"{source}:{n}", id=cid, line=first[cid]))
                first[cid] = n
    except OSError as exc:
        raise CaseError(Msg("err_at", where=source, message=Msg("file_cannot_read", reason=exc.strerror or exc))) from None
