"""Serving the app in production: gunicorn where it is installed, with several worker
processes (so requests are answered on every core, not one thread at a time under Python's
global lock), else werkzeug's threaded server.

The workers are stateless readers of the graph, so a deployment that needs more scales out by
more workers or more hosts over one store. With an in-memory store the app is created once in
the main process and the workers are forked from it, sharing the loaded graph; an on-disk
store is opened by each worker after the fork (its engine's threads do not survive a fork).
"""

from __future__ import annotations

import os
from collections.abc import Callable

from flask import Flask

from graph.errors import PolicyGraphError

#: Worker processes by default: one per core and one more, so a core is never idle while a
#: worker waits on its socket; ``POLICY_GRAPH_WORKERS`` sets another number.
WORKERS_ENV = "POLICY_GRAPH_WORKERS"
#: Threads per worker: a kept-alive connection holds a thread, a lookup mostly runs in the
#: store's engine, which releases the global lock while it works, and a SPARQL query waiting for
#: a place holds one doing nothing (a waiting thread costs little; a refused query is an error).
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


def gunicorn_available() -> bool:
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return False
    return True


def serve(make_app: Callable[[], Flask], host: str, port: int, *, workers: int | None = None,
          fork_after_load: bool = True, access_log: bool = False, on_worker_start: Callable[[Flask], None] | None = None
          ) -> None:
    """Serve the app *make_app* creates on *host*:*port* until stopped.

    With gunicorn: *workers* processes (default :func:`default_workers`) of :data:`THREADS`
    threads each; with *fork_after_load* the app is made once before the workers are forked
    (right for an in-memory store), else in each worker. *on_worker_start* runs in each worker
    once it serves (to warm caches in the background). Without gunicorn, werkzeug's threaded
    server in this process.
    """
    if gunicorn_available():
        workers = workers or default_workers()  # a bad setting is refused before anything starts
    else:
        from werkzeug.serving import make_server

        from web.background import QuietHandler

        app = make_app()
        if on_worker_start:
            on_worker_start(app)
        server = make_server(host, port, app, threaded=True,
                             **({} if access_log else {"request_handler": QuietHandler}))
        server.serve_forever()
        return
    def make_served_app() -> Flask:
        return spare_a_thread(make_app())

    # made here, before gunicorn starts, so that a graph that cannot be opened is a clear error
    # of the command rather than a worker that fails to boot
    ready = make_served_app() if fork_after_load else None
    _Gunicorn(make_served_app, ready, gunicorn_options(host, port, workers, fork_after_load, access_log),
              on_worker_start).run()


def gunicorn_options(host: str, port: int, workers: int, preload: bool = True, access_log: bool = False) -> dict:
    """How gunicorn serves the app: also what the bench serves its floor (a WSGI hello) with,
    so that the two are measured alike."""
    return {"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread", "threads": THREADS,
            "preload_app": preload, "graceful_timeout": 5, "timeout": 120, "keepalive": 30,
            "accesslog": "-" if access_log else None, "errorlog": "-", "loglevel": "warning"}


def _gunicorn_base():
    from gunicorn.app.base import BaseApplication

    return BaseApplication


class _Gunicorn(_gunicorn_base() if gunicorn_available() else object):  # type: ignore[misc]
    def __init__(self, make_app: Callable, app: Callable | None, options: dict, on_worker_start=None):
        self.make_app = make_app
        self.options = options
        self.on_worker_start = on_worker_start
        self.app = app
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)
        if self.on_worker_start:
            start = self.on_worker_start
            self.cfg.set("post_worker_init", lambda worker: start(worker.wsgi))

    def load(self) -> Callable:
        if self.app is None:
            self.app = self.make_app()
        return self.app


__all__ = ["THREADS", "WORKERS_ENV", "default_workers", "gunicorn_available", "gunicorn_options", "serve",
           "spare_a_thread"]
