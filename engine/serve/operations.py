"""What the server does for a request, shared by the API and the workbench: choose the rule set,
evaluate, render a document, compare two revisions. Each is the library's own function, run where it
belongs: evaluations and documents in a worker process (time limit), the rest in a thread."""
from __future__ import annotations

import asyncio
from dataclasses import dataclass

from .catalog import Catalog, Item
from .problems import DocumentUnknown
from .results import Results
from .settings import Settings
from .workers import Pool


@dataclass
class Server:
    """Everything a request handler reaches: app.state.server."""
    settings: Settings
    catalog: Catalog
    pool: Pool
    results: Results
    jobs: object = None
    examples: object = None

    def __post_init__(self):
        self._chromium = asyncio.Semaphore(self.settings.chromium_jobs)
        self._diffs: dict = {}

    # ------------------------------------------------------------ cases
    def select(self, case, revision=None, family=None) -> tuple[Item, dict]:
        return self.catalog.select(case, revision, family)

    async def ruleset(self, item: Item):
        if self.catalog.loaded(item):
            return self.catalog.ruleset(item)
        return await asyncio.to_thread(self.catalog.ruleset, item)

    async def evaluate(self, item: Item, case: dict, selection: dict, *, trace=True, outputs=None,
                       label="the case", as_json=True):
        """The result document (as_json: the exact text of `certrules eval --format json`)."""
        return await self.pool.call("evaluate", str(item.folder), item.digest, case, selection, trace, outputs,
                                    label, as_json)

    async def render_html(self, item: Item, case: dict, selection: dict, document: str, label="the case",
                          lang: str | None = None) -> str:
        rs = await self.ruleset(item)
        from ..render import documents
        if document not in documents(rs):
            names = ", ".join(documents(rs)) or "none"
            raise DocumentUnknown(f"{rs.name} has no document '{document}'; its documents: {names}")
        return await self.pool.call("render", str(item.folder), item.digest, case, selection, document, label, lang)

    async def print_pdf(self, html: str) -> bytes:
        from ..render import print_pdf
        async with self._chromium:
            return await asyncio.to_thread(print_pdf, html)

    # ------------------------------------------------------------ revisions
    async def diff(self, old: Item, new: Item) -> dict:
        """diff_rulesets of two revisions, worked out once per pair of digests."""
        key = (old.digest, new.digest)
        hit = self._diffs.get(key)
        if hit is None:
            from ..diff import diff_rulesets
            a, b = await self.ruleset(old), await self.ruleset(new)
            hit = await asyncio.to_thread(diff_rulesets, a, b)
            if len(self._diffs) > 64:
                self._diffs.clear()
            self._diffs[key] = hit
        return hit

    def find(self, name: str, family: str | None = None) -> Item:
        return self.catalog.find(name, family)

