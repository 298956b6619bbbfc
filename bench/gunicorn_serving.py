"""The service and the floor served by gunicorn as ``policy-graph serve`` served them before it
served with granian (web/wsgi_server.py), to compare the two web servers (bench/servers.py):
gthread workers of :data:`web.wsgi_server.THREADS` threads, forked from one loaded app, each
starting its query workers once it serves. Needs gunicorn: ``pip install -e '.[bench]'``."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from gunicorn.app.base import BaseApplication

from web import wsgi_server


def options(port: int, workers: int | None = None, preload: bool = True) -> dict:
    """How gunicorn served the app, and serves the floor (a WSGI hello) here."""
    return {"bind": f"127.0.0.1:{port}", "workers": workers or wsgi_server.default_workers(),
            "worker_class": "gthread", "threads": wsgi_server.THREADS, "preload_app": preload,
            "graceful_timeout": wsgi_server.GRACE_SECONDS, "timeout": 120, "keepalive": 30, "errorlog": "-",
            "loglevel": "warning"}


class Served(BaseApplication):
    """*app* (a WSGI callable), or the one *make_app* makes in each worker, served with *settings*;
    *on_worker_start* runs in each worker as it starts serving."""

    def __init__(self, settings: dict, app: Callable | None = None, make_app: Callable[[], Callable] | None = None,
                 on_worker_start: Callable[[Flask], None] | None = None):
        self.settings = settings
        self.app = app
        self.make_app = make_app
        self.on_worker_start = on_worker_start
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.settings.items():
            if value is not None:
                self.cfg.set(key, value)
        if self.on_worker_start:
            start = self.on_worker_start
            self.cfg.set("post_worker_init", lambda worker: start(worker.wsgi))

    def load(self) -> Callable:
        if self.app is None:
            self.app = self.make_app()
        return self.app


def serve_app(make_app: Callable[[], Flask], port: int, workers: int | None, fork_after_load: bool,
              on_worker_start: Callable[[Flask], None]) -> None:
    def make_served_app() -> Flask:
        return wsgi_server.spare_a_thread(make_app())

    Served(options(port, workers, fork_after_load), make_served_app() if fork_after_load else None,
           make_served_app, on_worker_start).run()
