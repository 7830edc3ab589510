"""Impact analyses in the background: a corpus of cases evaluated under two revisions (engine.impact),
shown with the diff as `certrules diff OLD NEW --cases CORPUS --format html` shows it.

The corpus is an uploaded JSON Lines file (as `certrules cases generate` writes), a body's register
(CSV or XLSX) with its mapping file, imported as `certrules cases import` does, or generated on the
server. Each analysis runs in a process of its own (engine.impact starts its worker pool there) and
reports its progress through its own progress line; the job page refreshes itself while it runs.
One analysis runs at a time; the others wait their turn.
"""
from __future__ import annotations

import asyncio
import multiprocessing as mp
import os
import secrets
import shutil
import signal
import sys
import tempfile
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import CaseError, CertrulesError
from .workers import rebuild

JOB_SECONDS = 3600      # an analysis still running after this long is stopped


@dataclass
class Job:
    id: str
    old: object
    new: object
    source: str                     # what was analysed, in words
    total: int                      # cases in the corpus
    state: str = "queued"           # queued | running | done | failed
    progress: str = ""
    message: str | None = None
    summary: dict | None = None
    report: str | None = None
    imported: str | None = None     # what importing a register gave: rows read, cases written, bad rows
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None

    @property
    def elapsed(self) -> float:
        if self.started is None:
            return 0.0
        return (self.finished or time.time()) - self.started


class _Progress:
    """sys.stderr in the analysis process: engine.impact's progress line, passed to the server."""

    def __init__(self, conn):
        self.conn, self.last = conn, 0.0

    def write(self, text):
        line = text.strip("\r\n").strip()
        now = time.monotonic()
        if line and now - self.last > 0.5:
            self.last = now
            try:
                self.conn.send(("progress", line))
            except OSError:
                pass
        return len(text)

    def flush(self):
        pass

    def isatty(self):
        return False


@dataclass
class Register:
    """An uploaded register and its mapping, saved under the server's own names, and how they were called."""
    path: Path
    mapping: Path
    shown: str                      # the register's name as uploaded
    mapping_shown: str
    schema_folder: str              # the rule set whose case schema the cases must fit
    on_error: str = "refuse"

    def plain(self, message: str) -> str:
        """A message of the import with the names the user gave, not the server's."""
        return message.replace(str(self.path), self.shown).replace(str(self.mapping), self.mapping_shown)


def _import(conn, register: Register, corpus: Path, limit: int) -> None:
    """The register as the corpus (as `certrules cases import REGISTER --map MAP -o CORPUS`)."""
    from ..corpus.register import import_register
    from ..registry import load_cached
    report = import_register(register.path, register.mapping, corpus, on_error=register.on_error,
                             ruleset=load_cached(Path(register.schema_folder)))
    if report.written > limit:
        raise CaseError(f"the register gives {report.written:,} cases; this server analyses at most {limit:,} at once")
    conn.send(("imported", register.plain(report.summary()), report.written))


def _analysis_main(conn, old_folder, new_folder, corpus, workers, register=None, limit=0) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))     # so that impact's finally stops its pool
    sys.stderr = _Progress(conn)
    plain = register.plain if register is not None else str
    try:
        if register is not None:
            _import(conn, register, Path(corpus), limit)
        from ..corpus.sources import check_unique_ids
        from ..impact import impact
        check_unique_ids(Path(corpus))
        reply = ("ok", impact(Path(old_folder), Path(new_folder), Path(corpus), workers=workers, progress=True))
    except CertrulesError as exc:
        reply = ("error", type(exc).__name__, plain(exc.message), [plain(str(p)) for p in exc.problems], None)
    except Exception as exc:   # noqa: BLE001 - a bug: its type only
        reply = ("bug", type(exc).__name__, "")
    conn.send(reply)


def _given(upload) -> bool:
    return upload is not None and bool(getattr(upload, "filename", None))


class Jobs:
    def __init__(self, server, keep: int = 20, workers: int | None = None):
        self.server = server
        self.keep = keep
        self.workers = workers
        self._jobs: OrderedDict = OrderedDict()
        self._turn = asyncio.Semaphore(1)
        self._procs: set = set()
        self._tasks: set = set()

    def get(self, jid: str) -> Job | None:
        return self._jobs.get(jid)

    def recent(self) -> list[Job]:
        return list(reversed(self._jobs.values()))

    async def submit(self, old, new, form) -> Job:
        """A job for the corpus the form gives: a `corpus` file, a `register` with its `mapping`, or
        `generate` cases with a `seed`."""
        limit = self.server.settings.max_corpus
        tmp = Path(tempfile.mkdtemp(prefix="certrules-serve-impact-"))
        corpus = tmp / "corpus.jsonl"          # the server's own name: nothing in the request names a path
        register = None
        try:
            upload = form.get("corpus")
            if _given(form.get("register")):
                register = await self._register(form, new, tmp)
                total = 0
                source = f"{register.shown} + {register.mapping_shown}"
            elif upload is not None and getattr(upload, "filename", None):
                total = 0
                with open(corpus, "wb") as out:
                    while chunk := await upload.read(1 << 20):
                        out.write(chunk)
                with open(corpus, "rb") as fh:
                    total = sum(1 for line in fh if line.strip())
                if total > limit:
                    raise CaseError(f"the corpus has {total:,} cases; this server analyses at most {limit:,} at once")
                source = f"{Path(upload.filename).name}（{total:,} 个案例 cases）"
            else:
                n, seed = str(form.get("generate") or "").strip(), str(form.get("seed") or "1").strip()
                if not n.isdigit() or not 0 < int(n) <= limit or not seed.lstrip("-").isdigit():
                    raise CaseError(f"choose a corpus file (JSON Lines), or a number of cases to generate "
                                    f"(1 to {limit:,}) and a whole-number seed")
                total, seed_n = int(n), int(seed)
                rs = await self.server.ruleset(new)
                from ..corpus import generate_cases
                await asyncio.to_thread(lambda: corpus.write_text("".join(generate_cases(rs, total, seed_n)),
                                                                  encoding="utf-8"))
                source = f"{total:,} 个生成的案例 generated cases, seed {seed_n}"
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        job = Job(secrets.token_urlsafe(9), old, new, source, total)
        self._jobs[job.id] = job
        while len(self._jobs) > self.keep:
            self._jobs.popitem(last=False)
        t = asyncio.get_running_loop().create_task(self._run(job, corpus, tmp, register))
        self._tasks.add(t)
        t.add_done_callback(self._tasks.discard)
        return job

    async def _register(self, form, new, tmp: Path) -> Register:
        """The uploaded register and mapping, saved; the mapping read (a mistake in it is said at once)."""
        from ..corpus.register import Mapping
        reg, mapping = form.get("register"), form.get("mapping")
        if not _given(mapping):
            raise CaseError("a register comes with its mapping file (YAML: which columns become which case "
                            "fields, as for `certrules cases import`)")
        suffix = Path(reg.filename).suffix.lower()
        if suffix not in (".csv", ".xlsx"):
            raise CaseError(f"{Path(reg.filename).name}: a register is a .csv or .xlsx file")
        out = Register(tmp / f"register{suffix}", tmp / "map.yaml", Path(reg.filename).name,
                       Path(mapping.filename).name, "", "skip" if form.get("on_error") == "skip" else "refuse")
        for upload, path in ((reg, out.path), (mapping, out.mapping)):
            with open(path, "wb") as fh:
                while chunk := await upload.read(1 << 20):
                    fh.write(chunk)
        try:
            named = Mapping(out.mapping).ruleset_name
        except CertrulesError as exc:
            raise type(exc)(out.plain(exc.message)) from None
        # the schema the cases must fit: the rule set the mapping names (among those offered, never a
        # path), else the new revision
        out.schema_folder = str((self.server.find(str(named)) if named else new).folder)
        return out

    async def _run(self, job: Job, corpus: Path, tmp: Path, register: Register | None = None) -> None:
        try:
            async with self._turn:
                job.state, job.started = "running", time.time()
                impact = await self._analyse(job, corpus, register)
                s = self.server
                a, b = await s.ruleset(job.old), await s.ruleset(job.new)
                diff = dict(await s.diff(job.old, job.new), impact=impact)
                from ..i18n import texts_for
                from ..render import render_diff_html
                job.report = await asyncio.to_thread(render_diff_html, diff, impact, a, b, texts_for(b.manifest))
                job.summary = {"cases": impact["cases"], "affected": impact["affected"],
                               "outputs": sorted(impact["outputs"])}
                job.state = "done"
        except CertrulesError as exc:
            job.state, job.message = "failed", str(exc)
        except asyncio.CancelledError:
            job.state, job.message = "failed", "the server stopped before the analysis finished"
            raise
        except Exception as exc:   # noqa: BLE001 - a bug: said in one line
            job.state, job.message = "failed", f"internal error ({type(exc).__name__}); this is a bug in certrules"
        finally:
            job.finished = time.time()
            shutil.rmtree(tmp, ignore_errors=True)

    async def _analyse(self, job: Job, corpus: Path, register: Register | None = None) -> dict:
        ctx = mp.get_context("spawn")
        conn, child = ctx.Pipe(duplex=False)
        proc = ctx.Process(target=_analysis_main, name="certrules-serve-impact", daemon=False,
                           args=(child, str(job.old.folder), str(job.new.folder), str(corpus), self.workers,
                                 register, self.server.settings.max_corpus))
        await asyncio.to_thread(proc.start)
        child.close()
        self._procs.add(proc)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + JOB_SECONDS
        try:
            while True:
                ready = loop.create_future()
                loop.add_reader(conn.fileno(), lambda: ready.done() or ready.set_result(None))
                try:
                    await asyncio.wait_for(ready, max(deadline - loop.time(), 0.01))
                except asyncio.TimeoutError:
                    raise CaseError(f"the impact analysis took longer than {JOB_SECONDS} s and was stopped") from None
                finally:
                    loop.remove_reader(conn.fileno())
                    os.set_blocking(conn.fileno(), True)     # as in workers.py: uvloop leaves it non-blocking
                try:
                    msg = conn.recv()
                except (EOFError, OSError):
                    raise RuntimeError("the impact analysis process stopped unexpectedly") from None
                if msg[0] == "progress":
                    job.progress = msg[1]
                    continue
                if msg[0] == "imported":
                    job.imported, job.total = msg[1], msg[2]
                    job.source = f"{job.source}（{job.total:,} 个案例 cases）"
                    continue
                if msg[0] == "ok":
                    return msg[1]
                if msg[0] == "error":
                    raise rebuild(*msg[1:])
                raise RuntimeError(msg[1])
        finally:
            conn.close()
            self._procs.discard(proc)
            if proc.is_alive():
                proc.terminate()
            await asyncio.to_thread(proc.join, 10)
            if proc.is_alive():
                proc.kill()

    async def stop(self) -> None:
        for t in list(self._tasks):
            t.cancel()
        for proc in list(self._procs):
            if proc.is_alive():
                proc.terminate()
