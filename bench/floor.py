#!/usr/bin/env python3
"""The floor under the endpoint's figures: a WSGI hello, served by gunicorn exactly as
``policy-graph serve`` serves the app (web/wsgi_server.py ``gunicorn_options``), that answers
every request with the same bytes (a SPARQL JSON answer the size of a lookup's) and does nothing
else. What a lookup costs beyond it is the endpoint's own work; what it costs beyond the Oxigraph
server is the Python web server's.

With ``--server granian`` the same hello is served by granian (a web server written in Rust, if
installed) instead, with as many worker processes, to compare what another server's floor would be:
``--blocking-threads`` (the threads that run the app, per worker; by default as many as gunicorn's)
and ``--runtime-mode`` (``st``: one I/O thread per worker; ``mt``: several) are its settings.

    .venv/bin/python bench/floor.py --port 8124 [--workers N] [--threads N]
    .venv/bin/python bench/floor.py --port 8124 --server granian [--blocking-threads N] \
        [--runtime-mode st|mt] [--runtime-threads N]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gunicorn.app.base import BaseApplication

from web import wsgi_server

#: about as long as the answer to a lookup of one item
BODY = (b'{"head":{"vars":["p","o"]},"results":{"bindings":['
        + b",".join([b'{"p":{"type":"uri","value":"http://www.w3.org/2000/01/rdf-schema#label"},'
                     b'"o":{"type":"literal","value":"An item of the policy graph"}}'] * 12) + b"]}}")
HEADERS = [("Content-Type", "application/sparql-results+json; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def hello(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]


class Floor(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            if value is not None:
                self.cfg.set(key, value)

    def load(self):
        return hello


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, help="worker processes (default: as policy-graph serve)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: as policy-graph serve)")
    parser.add_argument("--server", choices=("gunicorn", "granian"), default="gunicorn")
    parser.add_argument("--blocking-threads", type=int, help="granian: threads that run the app, per worker")
    parser.add_argument("--runtime-mode", choices=("auto", "st", "mt"), default="auto",
                        help="granian: one I/O runtime per worker (st) or one shared by its threads (mt)")
    parser.add_argument("--runtime-threads", type=int, default=1, help="granian: I/O threads per worker")
    args = parser.parse_args()
    if args.threads:
        wsgi_server.THREADS = args.threads
    if args.server == "granian":
        from granian import Granian

        Granian("floor:hello", "127.0.0.1", args.port, interface="wsgi",
                workers=args.workers or wsgi_server.default_workers(),
                blocking_threads=args.blocking_threads or wsgi_server.THREADS, runtime_mode=args.runtime_mode,
                runtime_threads=args.runtime_threads,
                working_dir=Path(__file__).resolve().parent, log_level="warning").serve()
        return
    Floor(wsgi_server.gunicorn_options("127.0.0.1", args.port, args.workers or wsgi_server.default_workers())).run()


if __name__ == "__main__":
    main()
