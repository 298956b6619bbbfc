"""A query worker: a separate process holding its own Oxigraph copy of the built graph.

Oxigraph queries cannot be interrupted from Python, so a query that runs past the time limit
is stopped by killing the process that runs it (see :mod:`web.endpoint.pool`); nothing the web
process holds is lost. The worker answers one job at a time: it runs the query, enforces the
row and size caps, and serialises the answer in the negotiated format.

Before it loads anything the worker shuts itself in: the network sandbox
(:mod:`web.endpoint.sandbox`; without it the worker answers nothing) and a ceiling on its memory.
Queries run on a thread apart from the first, which the pool puts at a lower CPU priority than the
web process once a query has run longer than a lookup does: pages stay quick however busy the
endpoint is, while lookups are not made to wait behind them. That thread answers one query after
another until it is lowered; the next query then starts on a new thread, at full priority.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
import threading
from dataclasses import dataclass, field
from pathlib import Path

from graph.errors import AnswerTooLargeError, QueryError
from graph.store import Store, open_store
from web.endpoint import sandbox
from web.endpoint.formats import GRAPH_FORMATS, RESULT_FORMATS, choose_format

PR_SET_PDEATHSIG = 1
#: How much less CPU priority a query takes than the web process once it has used
#: QUICK_SECONDS of processor time.
NICENESS = 10
#: Far more processor time than a lookup takes.
QUICK_SECONDS = 0.1
#: A query's thread has the stack a process's first thread would have, and more: the engine recurses.
QUERY_STACK_BYTES = 32 * 2**20
OUTBOUND = ("This endpoint makes no requests to other endpoints (SERVICE); the engine's attempt was "
            "refused: {}")


@dataclass
class Job:
    query: str
    accept: str | None = None
    format: str | None = None
    default_graphs: list[str] = field(default_factory=list)
    named_graphs: list[str] = field(default_factory=list)
    max_rows: int = 10_000
    max_bytes: int = 10_000_000
    #: what relative IRIs in the query resolve against: the endpoint's address
    base: str | None = None


@dataclass
class Reply:
    status: int
    content_type: str
    body: bytes
    kind: str | None = None
    rows: int | None = None
    #: seconds a client is asked to wait before trying again (a busy or recovering endpoint)
    retry_after: int | None = None

    @classmethod
    def error(cls, status: int, message: str, retry_after: int | None = None) -> Reply:
        body = (message.rstrip() + "\n").encode("utf-8", "backslashreplace")
        return cls(status, "text/plain; charset=utf-8", body, retry_after=retry_after)


def _memory_limit() -> str:
    soft, _hard = resource.getrlimit(resource.RLIMIT_AS)
    return "" if soft == resource.RLIM_INFINITY else f" (its memory limit of {soft // 2**20} MB)"


def engine_failure(exc: BaseException) -> Reply:
    """The answer for an error the engine raised while evaluating a query: the query's fault
    (400) where that is certain, a refused outbound request (403), else the service's (503)."""
    if isinstance(exc, QueryError):
        return Reply.error(400, str(exc))
    if isinstance(exc, OSError):
        # the store is in memory: the engine's only I/O is a SERVICE call, which the sandbox stops
        return Reply.error(403, OUTBOUND.format(exc))
    if isinstance(exc, MemoryError):
        return Reply.error(503, f"The query needed more memory than a query worker may use{_memory_limit()}; "
                                "narrow the query or add a LIMIT.")
    if isinstance(exc, RecursionError):
        return Reply.error(400, "The query is nested too deeply to be evaluated.")
    return Reply.error(503, f"The engine could not answer this query: {type(exc).__name__}: {exc}")


def execute(store: Store, job: Job) -> Reply:
    """Run one job against *store* and return the HTTP answer, written by the engine."""
    try:
        result = store.answer(job.query, job.default_graphs, job.named_graphs, base=job.base)
    except Exception as exc:  # noqa: BLE001 - every engine error becomes an answer that says what happened
        return engine_failure(exc)
    kind = result.kind
    key = choose_format(kind, job.accept, job.format)
    if key is None:
        offered = ", ".join(m for m, _ in (GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS).values())
        return Reply.error(406, f"None of the requested formats can carry this result; available: {offered}")
    mime = (GRAPH_FORMATS if kind == "graph" else RESULT_FORMATS)[key][0]
    try:
        if kind == "boolean" and key in ("csv", "tsv"):
            # the CSV/TSV results format defines no boolean; this is the common reading of it
            # (a one-column table named _askResult), the same in both
            word = b"true" if result.boolean else b"false"
            rows = None
            body = (b"_askResult\r\n" + word + b"\r\n") if key == "csv" else (b"?_askResult\n" + word + b"\n")
        else:
            body, rows = result.write(key, job.max_rows, job.max_bytes)
    except AnswerTooLargeError as exc:
        if exc.what == "bytes":
            return Reply.error(400, f"The answer is larger than {job.max_bytes} bytes, the limit of this endpoint; "
                                    "narrow the query or add a LIMIT.")
        return Reply.error(400, f"The answer has more than {job.max_rows} {exc.what}, the limit of this endpoint; "
                                f"add a LIMIT (at most {job.max_rows}) or narrow the query.")
    except QueryError as exc:
        return Reply.error(400, str(exc))
    except (OSError, MemoryError, RecursionError, RuntimeError) as exc:
        # raised by the engine as it evaluates: evaluation is lazy
        return engine_failure(exc)
    except ValueError as exc:
        return Reply.error(400, f"The answer could not be written: {exc}")
    return Reply(200, mime + _CHARSET.get(mime, ""), body, kind, rows)


#: Every format's media type names its character set but N-Triples' (always UTF-8).
_CHARSET = {mime: "; charset=utf-8" for mime, _ in [*RESULT_FORMATS.values(), *GRAPH_FORMATS.values()]
            if mime.startswith("text/") or "json" in mime or "xml" in mime}


def _die_with_parent(parent: int | None) -> None:
    """Be killed when the web process ends, however it ends: a worker left behind would go
    on running its query with no one to answer."""
    if parent is None:
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(0)


def _confine(memory_mb: int | None, log: str | None, parent: int | None) -> None:
    """Everything the worker does to itself before it loads the graph; the sandbox first."""
    _die_with_parent(parent)
    if log:
        # the engine reports a failed allocation on stderr just before it aborts: the pool
        # reads it from here to say why the worker died
        fd = os.open(log, os.O_WRONLY | os.O_APPEND)
        os.dup2(fd, 2)
        os.close(fd)
    sandbox.install()
    if memory_mb:
        limit = memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def _published_only(store) -> None:
    """Leave in *store* only the kept plans their organisations have published: the endpoint
    answers anyone, and an unpublished plan is its organisation's alone."""
    from graph.rules.kept_plans import plan_access
    from graph.rules.plan_graph import plan_graph_iri

    for plan in plan_access(store):
        if not plan.published:
            store.remove_graph(str(plan_graph_iri(plan.id)))


def _answer(store: Store, job: Job) -> Reply:
    try:
        return execute(store, job)
    except Exception as exc:  # noqa: BLE001 - one bad job must not take the worker down
        return engine_failure(exc)


def _serve(conn, store: Store, job: Job | None) -> Job | None:
    """Answer *job* (if any), then each job received, on this thread for as long as it keeps
    the worker's full priority; a job received once the pool has lowered it (see
    :mod:`web.endpoint.pool`) is returned for a new thread, which starts at full priority
    again. None when the worker is told to stop.

    The pool sends a job only once it has the answer to the last, and lowers a thread only
    before it has that answer, so the priority read on a job's arrival is final for the last."""
    me, full = threading.get_native_id(), os.getpriority(os.PRIO_PROCESS, os.getpid())
    while True:
        if job is not None:
            conn.send(_answer(store, job))
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return None
        if job is None:
            return None
        if os.getpriority(os.PRIO_PROCESS, me) != full:
            return job


def _serve_into(handed: list, conn, store: Store, job: Job | None) -> None:
    handed.append(_serve(conn, store, job))


def _answer_on_query_threads(conn, store: Store) -> None:
    """Answer jobs until told to stop, on one thread after another: each serves until the pool
    lowers it. A thread that ends without handing a job on ends the worker, which the pool
    replaces."""
    job: Job | None = None
    while True:
        handed: list[Job | None] = []
        thread = threading.Thread(target=_serve_into, args=(handed, conn, store, job), name="sparql-query")
        thread.start()
        thread.join()
        job = handed[0] if handed else None
        if job is None:
            return


def worker_main(conn, artefact: str, plans: bool = False, memory_mb: int | None = None,
                log: str | None = None, parent: int | None = None) -> None:
    """Process entry point: shut itself in (see :func:`_confine`), load the graph (with the
    organisations' plans kept beside it only when *plans*), say ready, then answer jobs until
    told to stop. When it cannot start, it says why instead of ready, and ends."""
    try:
        _confine(memory_mb, log, parent)
    except sandbox.SandboxError as exc:
        conn.send(("refused", f"the query sandbox could not be started: {exc}"))
        return
    except OSError as exc:
        conn.send(("refused", f"a query worker could not limit itself: {exc}"))
        return
    try:
        store = open_store(Path(artefact), "oxigraph", plans=plans)
        if plans:
            _published_only(store)
    except Exception as exc:  # noqa: BLE001 - reported to the pool, which tries again later
        conn.send(("failed", f"a query worker could not load the graph: {exc}"))
        return
    threading.stack_size(QUERY_STACK_BYTES)
    conn.send("ready")
    _answer_on_query_threads(conn, store)
