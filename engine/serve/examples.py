"""The example cases the workbench offers to start from: each file of the configured folders, read
once when the server starts, named by its file name (never a path a request could choose)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..paths import data_dir


@dataclass(frozen=True)
class Example:
    id: str             # the file's name without its suffix
    name: str           # the file's name
    about: tuple        # the paragraphs of the file's header comment (Chinese, then English)
    case: dict


def default_dirs() -> list[Path]:
    """examples/cases of a checkout (a wheel carries no examples)."""
    here = data_dir("rulesets").parent / "examples" / "cases"
    return [here] if here.is_dir() else []


def _about(text: str, name: str) -> tuple:
    paragraphs, current = [], []
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        body = line[1:].strip()
        if body:
            current.append(body)
        elif current:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return tuple(p for p in paragraphs if p != name and not p.startswith("yaml-language-server"))[:2]


def load_examples(dirs) -> list[Example]:
    from ..yamlio import YamlError, load_file, read_text
    out, seen = [], set()
    for d in dirs:
        d = Path(d)
        if not d.is_dir():
            continue
        for p in sorted(d.iterdir()):
            if p.suffix not in (".yaml", ".yml", ".json") or not p.is_file() or p.stem in seen:
                continue
            try:
                data = load_file(p).data
                about = _about(read_text(p), p.name) if p.suffix != ".json" else ()
            except (YamlError, OSError):
                continue
            if isinstance(data, dict):
                seen.add(p.stem)
                out.append(Example(p.stem, p.name, about, data))
    return out
