"""Serving the app in production: granian (a web server written in Rust) where it is installed,
with several worker processes (so requests are answered on every core, not one thread at a time
under Python's global lock), else werkzeug's threaded server.

The workers are stateless readers of the graph, so a deployment that needs more scales out by
more workers or more hosts over one store. With an in-memory store the app is created once in
the main process and the workers are forked from it, sharing the loaded graph; an on-disk
store is opened by each worker after the fork (its engine's threads do not survive a fork).

granian rather than gunicorn: its HTTP handling costs a lookup about a quarter of what
gunicorn's did in processor time, which is what sets how many lookups a second the SPARQL
endpoint answers (docs/benchmarks.md).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys
from collections.abc import Callable

from flask import Flask

from graph.errors import PolicyGraphError

#: Worker processes by default: one per core and one more, so a core is never idle while a
#: worker waits on its socket; ``POLICY_GRAPH_WORKERS`` sets another number.
WORKERS_ENV = "POLICY_GRAPH_WORKERS"
#: Threads that run the app, per worker: a lookup mostly runs in the store's engine, which
#: releases the global lock while it works, and a SPARQL query waiting for a place holds one
#: doing nothing (a waiting thread costs little; a refused query is an error). Requests beyond
#: them wait in the server, holding no thread.
THREADS = 32


def default_workers() -> int:
    configured = os.environ.get(WORKERS_ENV, "").strip()
    if configured:
        try:
            workers = int(configured)
        except ValueError:
            raise PolicyGraphError(f"{WORKERS_ENV} must be a whole number of worker processes, "
                                   f"not '{configured}'") from None
        if workers < 1:
            raise PolicyGraphError(f"{WORKERS_ENV} must be at least 1, not {workers}")
        return workers
    return (os.cpu_count() or 1) + 1


def spare_a_thread(app: Flask, threads: int | None = None) -> Flask:
    """Let the SPARQL endpoint hold at most all but two of a process's *threads* at once, its
    queries in progress (``SPARQL_QUEUE``) and those briefly waiting for a place
    (``SPARQL_WAITING``, by default all the rest) together, lowered if need be, so that pages
    always find a thread however busy the endpoint is; the queries beyond are answered at once
    with 503."""
    threads = threads or THREADS
    config = app.config
    wanted = config.get("SPARQL_QUEUE") or config.get("SPARQL_WORKERS", 2) + 1
    config["SPARQL_QUEUE"] = places = max(1, min(wanted, threads - 2))
    spare = threads - 2 - places
    wanted_waiting = config.get("SPARQL_WAITING")
    config["SPARQL_WAITING"] = max(0, spare if wanted_waiting is None else min(wanted_waiting, spare))
    return app


def granian_available() -> bool:
    """Whether the app can be served by granian here: installed, and on a system that forks
    (the workers are forked from the loaded app)."""
    if "fork" not in multiprocessing.get_all_start_methods():
        return False
    try:
        import granian  # noqa: F401
    except ImportError:
        return False
    return True


def serve(make_app: Callable[[], Flask], host: str, port: int, *, workers: int | None = None,
          fork_after_load: bool = True, access_log: bool = False, on_worker_start: Callable[[Flask], None] | None = None
          ) -> None:
    """Serve the app *make_app* creates on *host*:*port* until stopped.

    With granian: *workers* processes (default :func:`default_workers`) of :data:`THREADS`
    threads each; with *fork_after_load* the app is made once before the workers are forked
    (right for an in-memory store), else in each worker. *on_worker_start* runs in each worker
    as it starts serving (to warm caches and start the query workers in the background). A worker
    that dies is started again. Without granian, werkzeug's threaded server in this process.
    """
    if not granian_available():
        from werkzeug.serving import make_server

        from web.background import QuietHandler

        app = make_app()
        if on_worker_start:
            on_worker_start(app)
        server = make_server(host, port, app, threaded=True,
                             **({} if access_log else {"request_handler": QuietHandler}))
        server.serve_forever()
        return
    workers = workers or default_workers()  # a bad setting is refused before anything starts

    def make_served_app() -> Flask:
        return spare_a_thread(make_app())

    # made here, before the server starts, so that a graph that cannot be opened is a clear error
    # of the command rather than a worker that fails to start
    ready = make_served_app() if fork_after_load else None

    def worker_app(_target: str) -> Flask:
        # in each worker, once forked: the app made before the fork, or its own
        app = ready if ready is not None else make_served_app()
        if on_worker_start:
            on_worker_start(app)
        return app

    # the workers are forked from this process: the app made above is theirs without loading it again
    multiprocessing.set_start_method("fork", force=True)
    granian_server(host, port, workers, access_log).serve(target_loader=worker_app)


def granian_server(host: str, port: int, workers: int, access_log: bool = False, target: str = "policy-graph"):
    """The granian server :func:`serve` serves with: also what the bench serves its floor (a WSGI
    hello) with, so that the two are measured alike (*target* names what the workers load)."""
    from granian import Granian

    return Granian(target, host, port, interface="wsgi", workers=workers, blocking_threads=THREADS,
                   runtime_mode="st", respawn_failed_workers=True, workers_kill_timeout=GRACE_SECONDS,
                   log_level="warning", log_access=access_log, log_dictconfig=_LOGGING)


#: How long a stopping worker may finish the requests it holds before it is killed.
GRACE_SECONDS = 5


class _Deliberate(logging.Filter):
    """Leaves out granian's advice against what is chosen here on purpose: more threads and
    workers than cores (see :data:`THREADS` and :func:`default_workers`)."""

    ADVICE = ("Configuration allows spawning up to", "Configured number of workers appears to be higher")

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self.ADVICE)


#: granian's messages on standard error, as the command's own, with the advice above left out.
_LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"deliberate": {"()": _Deliberate}},
    "formatters": {"generic": {"format": "[%(levelname)s] %(message)s"}, "access": {"format": "%(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": sys.stderr,
                             "filters": ["deliberate"]},
                 "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": sys.stderr}},
    "loggers": {"_granian": {"handlers": ["console"], "level": "WARNING", "propagate": False},
                "granian.access": {"handlers": ["access"], "level": "INFO", "propagate": False}},
}


__all__ = ["GRACE_SECONDS", "THREADS", "WORKERS_ENV", "default_workers", "granian_available", "granian_server",
           "serve", "spare_a_thread"]
