"""The rule sets a server offers: found only in the configured folders, each read and checked once per digest.

The folders are those of every other command (`--rulesets`, CERTRULES_RULESETS, the bundled ones).
They are looked at again at most every `refresh_seconds`; a folder whose digest changed is a new rule
set, loaded on first use. A request names a rule set by its id (code and revision, e.g.
ZBC-SC-2025-A2) or as the command line does (A2, A/2); never by a path.
"""
from __future__ import annotations

import os
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from ..errors import CertrulesError
from ..registry import Entry, choose, find_rulesets, load_cached, matches


@dataclass(frozen=True)
class Item:
    """One rule set on offer: its registry entry, the digest of its folder, and its id in URLs."""
    entry: Entry
    digest: str
    id: str

    folder = property(lambda self: self.entry.folder)
    family = property(lambda self: self.entry.family)
    code = property(lambda self: self.entry.code)
    revision = property(lambda self: self.entry.revision)
    effective = property(lambda self: self.entry.effective)
    status = property(lambda self: self.entry.status)
    provenance = property(lambda self: self.entry.provenance)

    def summary(self) -> dict:
        e = self.entry
        out = {"id": self.id, "family": e.family, "code": e.code, "revision": e.revision, "effective": e.effective,
               "status": e.status, "provenance": e.provenance, "digest": self.digest}
        if e.superseded_by:
            out["superseded_by"] = e.superseded_by
        return out


def _stamp(folder: Path) -> tuple:
    out, todo = [], [str(folder)]
    while todo:
        d = todo.pop()
        try:
            with os.scandir(d) as it:
                for e in it:
                    st = e.stat(follow_symlinks=True)
                    if e.is_dir():
                        todo.append(e.path)
                    else:
                        out.append((e.path, st.st_size, st.st_mtime_ns))
        except OSError:
            out.append((d, -1, -1))
    return tuple(sorted(out))


def slug(entry: Entry) -> str:
    return re.sub(r"[^0-9A-Za-z._-]+", "", f"{entry.code}-{entry.revision}") or "ruleset"


@dataclass
class Rulebook:
    """A rule set's rulebook site, built once per digest and kept in memory: page name -> bytes."""
    pages: dict
    element_page: dict      # element id -> page name that shows it
    clause_page: dict       # clause -> page name

    def page_for(self, clause: str | None = None, element: str | None = None) -> str:
        """The page (and fragment) showing an element, else the clause or the nearest clause above it."""
        if element and element in self.element_page:
            return f"{self.element_page[element]}#el-{element}"
        c = str(clause or "")
        if c in self.clause_page:
            return self.clause_page[c]
        above = sorted((k for k in self.clause_page if c.startswith(k)), key=len, reverse=True)
        return self.clause_page[above[0]] if above else "index.html"


class Catalog:
    def __init__(self, dirs=(), refresh_seconds: float = 2.0):
        self.dirs = tuple(str(d) for d in dirs)
        self.refresh_seconds = refresh_seconds
        self._items: list[Item] = []
        self._stamp = float("-inf")
        self._lock = threading.Lock()
        self._loaded: dict = {}          # digest -> RuleSet or the CertrulesError its load raised
        self._built: dict = {}           # (kind, digest) -> rulebook / coverage rows
        self._locks: dict = {}
        self._stamps: dict = {}          # folder -> (name, size, mtime) of its files, to see a change cheaply

    # ------------------------------------------------------------ what is on offer
    def items(self) -> list[Item]:
        if time.monotonic() - self._stamp > self.refresh_seconds:
            self.refresh()
        return self._items

    def refresh(self) -> None:
        from ..loader import digest_of
        with self._lock:
            items, used = [], set()
            known = {it.folder: it for it in self._items}
            for e in find_rulesets(self.dirs):
                stamp = _stamp(e.folder)
                try:
                    old = known.get(e.folder)
                    # the digest reads every file: only when a file's size or time changed
                    digest = old.digest if old is not None and self._stamps.get(e.folder) == stamp \
                        else digest_of(e.folder)
                except OSError:
                    continue
                self._stamps[e.folder] = stamp
                ident, n = slug(e), 2
                while ident in used:
                    ident, n = f"{slug(e)}-{n}", n + 1
                used.add(ident)
                items.append(Item(e, digest, ident))
            self._items = items
            self._stamp = time.monotonic()
            live = {it.digest for it in items}
            for key in [k for k in self._loaded if k not in live]:
                del self._loaded[key]
            for key in [k for k in self._built if k[1] not in live]:
                del self._built[key]

    def entries(self) -> list[Entry]:
        return [it.entry for it in self.items()]

    def _item_of(self, entry: Entry) -> Item:
        return next(it for it in self.items() if it.entry == entry)

    def find(self, name: str, family: str | None = None) -> Item:
        """The rule set a request names: its id, or a revision as the command line takes it."""
        items = self.items()
        for it in items:
            if it.id == name and (family is None or it.family == family):
                return it
        entry, _ = choose([it.entry for it in items], None, str(name), family)
        return self._item_of(entry)

    def select(self, case: dict, revision: str | None = None, family: str | None = None) -> tuple[Item, dict]:
        """The rule set for a case among the folders already scanned (so a request reads no file): select_in."""
        return select_in(self.items(), case, revision, family)

    # ------------------------------------------------------------ loaded once per digest
    def _once(self, key, make):
        with self._lock:
            lock = self._locks.setdefault(key, threading.Lock())
        with lock:
            store = self._loaded if key[0] == "ruleset" else self._built
            hit = store.get(key if key[0] != "ruleset" else key[1])
            if hit is None:
                try:
                    hit = make()
                except CertrulesError as exc:
                    hit = exc
                store[key if key[0] != "ruleset" else key[1]] = hit
        if isinstance(hit, CertrulesError):
            raise hit
        return hit

    def ruleset(self, item: Item):
        def load():
            rs = load_cached(item.folder)
            if rs.digest != item.digest:      # changed since the scan: look again, and load what is there now
                self._stamp = float("-inf")
            return rs
        return self._once(("ruleset", item.digest), load)

    def loaded(self, item: Item) -> bool:
        return item.digest in self._loaded

    def coverage(self, item: Item) -> list[dict]:
        from ..coverage import clause_rows
        return self._once(("coverage", item.digest), lambda: clause_rows(item.folder)[1])

    def rulebook(self, item: Item) -> Rulebook:
        return self._once(("rulebook", item.digest), lambda: self._build_rulebook(item))

    def _build_rulebook(self, item: Item) -> Rulebook:
        from ..render import anchor
        from ..rulebook import build_rulebook
        rs = self.ruleset(item)
        tmp = Path(tempfile.mkdtemp(prefix="certrules-serve-rulebook-"))
        try:
            site = build_rulebook(rs, tmp / "site", dirs=self.dirs)
            pages = {p.name: p.read_bytes() for p in sorted(site.iterdir()) if p.is_file() and p.suffix == ".html"}
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        element_page, clause_page = {}, {}
        for name, data in pages.items():
            for m in re.finditer(rb'id="el-([^"]+)"', data):
                element_page.setdefault(m.group(1).decode("utf-8", "replace"), name)
        for c in rs.clause_map:
            name = f"clause-{anchor(str(c['clause']))[2:]}.html"
            if name in pages:
                clause_page[str(c["clause"])] = name
        return Rulebook(pages, element_page, clause_page)


def select_in(items: list[Item], case, revision: str | None = None, family: str | None = None) -> tuple[Item, dict]:
    """The rule set for a case and the `selection` of its result, exactly as select_ruleset makes them,
    among `items` (a catalog's, or the copy an evaluation process was sent). A request may also name a
    rule set by its id. A mistake in the case's `revision`, `family` or `as_of` names that field."""
    from ..errors import CaseError
    from ..registry import select_entry, spelling
    if not isinstance(case, dict):
        what = "a list" if isinstance(case, list) else type(case).__name__ if case is not None else "empty"
        raise CaseError(f"a case must be a mapping of fields (as_of, ...), not {what}")
    by_id = next((it for it in items if revision is not None and it.id == revision), None)
    if by_id is not None:
        revision = spelling(by_id.entry)        # FAMILY/REVISION: the one name that always picks it out
    try:
        entry, selection = select_entry(case, [it.entry for it in items], revision, family)
    except CertrulesError as exc:
        m = re.match(r"(?:as_of: |the case's (revision|family|as_of) )", exc.message)
        if m:
            exc.fields = [(m.group(1) or "as_of", exc.message)]
        raise
    return next(it for it in items if it.entry == entry), selection
