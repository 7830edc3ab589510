"""What a server is started with: where it listens, where rule sets and examples come from, its limits."""
from __future__ import annotations

import ipaddress
import os
from dataclasses import dataclass, field

MiB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 8400
    rulesets: tuple = ()            # extra rule-set folders (as --rulesets); CERTRULES_RULESETS and the bundled ones too
    examples: tuple = ()            # folders of example cases offered by the workbench
    token: str | None = None        # the access token (from --token-file); None: loopback clients only
    workers: int = 0                # evaluation processes; 0: one per core
    time_limit: float = 10.0        # seconds one evaluation (or one document) may take
    max_body: int = 4 * MiB         # bytes of a request body
    max_upload: int = 64 * MiB      # bytes of an uploaded corpus
    max_batch: int = 1000           # cases in one POST evaluate
    max_corpus: int = 100_000       # cases in one impact run
    results_kept: int = 200         # workbench results kept in memory (the oldest go first)
    refresh_seconds: float = 5.0    # how often the rule-set folders are looked at again for changes
    chromium_jobs: int = 2          # PDFs printed at once
    extra_hosts: tuple = field(default=())   # Host header names accepted besides the loopback ones

    @property
    def worker_count(self) -> int:
        return self.workers or os.cpu_count() or 1

    @property
    def local_only(self) -> bool:
        return is_loopback(self.host)


def is_loopback(host: str) -> bool:
    """127.0.0.0/8, ::1 and localhost: addresses no other machine can reach."""
    if host is None:
        return False
    h = host.strip("[]")
    if h.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(h).is_loopback
    except ValueError:
        return False
