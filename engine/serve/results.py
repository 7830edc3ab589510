"""The workbench's results, kept in memory for a while so that a person can explain a value or preview
a document without sending the case again. Ids are random and unguessable; the oldest go first."""
from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass
class Stored:
    id: str
    item: object            # the catalog Item evaluated by
    case: dict
    selection: dict
    result: dict            # the result document, with its trace
    label: str
    made: float = field(default_factory=time.time)
    documents: dict = field(default_factory=dict)   # document name -> HTML, or the problem that refused it


class Results:
    def __init__(self, keep: int = 200):
        self.keep = keep
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def add(self, **kw) -> Stored:
        s = Stored(id=secrets.token_urlsafe(12), **kw)
        with self._lock:
            self._items[s.id] = s
            while len(self._items) > self.keep:
                self._items.popitem(last=False)
        return s

    def get(self, rid: str) -> Stored | None:
        with self._lock:
            s = self._items.get(rid)
            if s is not None:
                self._items.move_to_end(rid)
            return s
