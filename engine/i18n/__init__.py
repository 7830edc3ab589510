"""Display languages, as data.

A rule set declares its languages in `ruleset.yaml` (`languages: [zh, en]`, the primary first;
`[en]` when it says nothing). Its titles, messages and interpretations are a plain string (in the
primary language) or a mapping from language to text. The engine's own interface texts (every
command's text output: summaries, explanations, diff and impact reports, check, test, coverage,
revisions, rulebook pages; and the load errors a rule author meets) come from one catalogue per
language beside this file (`en.yaml`, `zh.yaml`): the same keys and placeholders in each (a test
checks), English filling any gap.

A message the engine makes before it knows the language of its output (a load error, a failed
rule-author test) is a `Msg`: a str holding the English text, which also remembers its key and values
so that `Texts.say` can give it in another language.

The language of an output is `--lang` when given, else the first language of the user's locale
(LANGUAGE, LC_ALL, LC_MESSAGES, LANG) that the rule set declares, else the rule set's primary one.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from ..errors import UsageError

DEFAULT_LANGUAGES = ("en",)
BASE = "en"                       # the catalogue every other one falls back to, key by key
_DIR = Path(__file__).resolve().parent


def declared(manifest: dict) -> list[str]:
    """The rule set's languages, primary first."""
    langs = manifest.get("languages") if isinstance(manifest, dict) else None
    return [str(x) for x in langs] if langs else list(DEFAULT_LANGUAGES)


def primary(manifest: dict) -> str:
    return declared(manifest)[0]


def match(tag: str, available) -> str | None:
    """The member of `available` that `tag` names: the same tag (any case), else the same primary
    subtag (`zh-CN` and `zh`)."""
    if not tag:
        return None
    want = str(tag).replace("_", "-").lower()
    avail = list(available)
    for a in avail:
        if a.lower() == want:
            return a
    base = want.split("-")[0]
    for a in avail:
        if a.lower().split("-")[0] == base:
            return a
    return None


def from_locale(environ=None) -> list[str]:
    """The languages the user's locale asks for, most wanted first, as gettext reads them: the locale
    is the first of LC_ALL, LC_MESSAGES, LANG that is set; LANGUAGE (a list) comes before it unless
    the locale is C or POSIX, which ask for no language at all."""
    env = os.environ if environ is None else environ
    locale = next((env[v] for v in ("LC_ALL", "LC_MESSAGES", "LANG") if env.get(v)), "")
    tag = locale.split(".")[0].split("@")[0]
    if tag in ("C", "POSIX"):
        return []
    wanted = [x for x in (env.get("LANGUAGE") or "").split(":") if x] + ([tag] if tag else [])
    return [x.split(".")[0].split("@")[0].replace("_", "-") for x in wanted]


def catalogues() -> list[str]:
    return sorted(p.stem for p in _DIR.glob("*.yaml"))


@functools.lru_cache(maxsize=None)
def _load(lang: str) -> dict:
    """A catalogue's messages, parsed once per text (cachefile.by_content: a marshal load costs a
    tenth of parsing the YAML)."""
    from ..cachefile import by_content
    return by_content(f"i18n-{lang}", (_DIR / f"{lang}.yaml").read_bytes(), _parse_catalogue)


def _parse_catalogue(raw: bytes) -> dict:
    import yaml
    # libyaml's loader when PyYAML has it: the same data, read in a fraction of the time a command takes
    data = yaml.load(raw.decode("utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return {str(k): str(v) for k, v in data["messages"].items()}


@functools.lru_cache(maxsize=None)
def messages(lang: str) -> dict:
    """The interface texts in `lang` (any gap filled from the base catalogue)."""
    out = dict(_load(BASE))
    found = match(lang, catalogues())
    if found and found != BASE:
        out.update(_load(found))
    return out


def choose(languages, requested: str | None = None, environ=None) -> str:
    """The language to show: the requested one, else the locale's if the rule set has it, else the primary."""
    languages = list(languages) or list(DEFAULT_LANGUAGES)
    if requested:
        found = match(requested, languages) or match(requested, catalogues())
        if found is None:
            raise UsageError(f"--lang {requested}: the rule set's languages are {', '.join(languages)} "
                             f"and certrules speaks {', '.join(catalogues())}")
        return found
    for tag in from_locale(environ):
        found = match(tag, languages)
        if found:
            return found
    return languages[0]


def _fill(catalogue: dict, key: str, values: dict) -> str:
    text = catalogue[key]
    if not values:
        return text
    return text.format(**{k: _said(catalogue, v) for k, v in values.items()})


def _said(catalogue: dict, value):
    """A value in a message: a Msg in the catalogue's language, a list as its items one per line."""
    if isinstance(value, Msg):
        return _fill(catalogue, value.key, value.values)
    if isinstance(value, list):
        return "\n".join(str(_said(catalogue, v)) for v in value)
    return value


class Msg(str):
    """An interface text made before its output's language is known: the English text as a str (what
    logs, exceptions and str() show), plus its catalogue key and values, to give it in another
    language (`Texts.say`). A value may itself be a Msg, or a list of them (one per line): it is given
    in the same language."""

    def __new__(cls, key: str, /, **values):
        self = super().__new__(cls, _fill(messages(BASE), key, values))
        self.key = key
        self.values = values
        return self

    def __reduce__(self):           # pickled (worker processes) as its key and values, not its English text
        return (_msg, (self.key, self.values))


def _msg(key, values):
    return Msg(key, **values)


def either(items: list[str]):
    """'a or b or c', said in the language of the output (a Msg)."""
    out = items[-1]
    for item in reversed(items[:-1]):
        out = Msg("either_or", first=item, rest=out)
    return out


class Texts:
    """What an output shows, in one language: `t(key, **values)` for the engine's own texts,
    `t.text(value)` for a rule set's text (a string, or a mapping from language to text)."""

    def __init__(self, lang: str, languages=DEFAULT_LANGUAGES):
        self.lang = lang
        self.languages = list(languages) or list(DEFAULT_LANGUAGES)
        self.messages = messages(lang)

    def __call__(self, key: str, /, **values) -> str:
        return _fill(self.messages, key, values)

    def say(self, message) -> str:
        """A message in this language: a Msg from the catalogue, any other text as it is."""
        return _fill(self.messages, message.key, message.values) if isinstance(message, Msg) else str(message)

    def problem(self, p) -> str:
        """An errors.Problem in this language (str(p) is the English)."""
        return p.render(self.say, self.severity)

    def error(self, exc) -> str:
        """A CertrulesError in this language (str(exc) is the English)."""
        return exc.render(self.say, self.problem)

    def text(self, value, fallback: str = "") -> str:
        """A rule set's text in this language, else its primary language, else whichever it has."""
        if value is None or value == "" or value == {}:
            return fallback
        if not isinstance(value, dict):
            return str(value)
        for want in [self.lang] + self.languages:
            found = match(want, [k for k, v in value.items() if v])
            if found:
                return str(value[found])
        return next((str(v) for v in value.values() if v), fallback)

    def word(self, group: str, value: str) -> str:
        """A word of the data (a status, a severity, a kind) in this language: the catalogue's
        `GROUP_VALUE`, else the word as the data has it."""
        return self.messages.get(f"{group}_{value}", value)

    def severity(self, severity: str) -> str:
        return self.word("severity", severity)

    def change(self, kind: str) -> str:
        return self.word("change", kind)

    def kind(self, kind: str) -> str:
        return self.word("kind", kind)


def texts_for(manifest: dict, requested: str | None = None, environ=None) -> Texts:
    """The Texts for an output about a rule set (given by its manifest)."""
    languages = declared(manifest)
    return Texts(choose(languages, requested, environ), languages)


def file_text(value, language: str) -> dict | None:
    """A title/interpretation/message as written (a string, or a mapping by language) as a mapping:
    a plain string is filed under the rule set's primary language."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): v for k, v in value.items() if v}
    return {language: str(value)}
