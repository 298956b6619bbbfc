#!/usr/bin/env python3
"""The floor under the endpoint's figures: a WSGI hello, served by granian exactly as
``policy-graph serve`` serves the app (web/wsgi_server.py ``granian_server``), that answers
every request with the same bytes (a SPARQL JSON answer the size of a lookup's) and does nothing
else. What a lookup costs beyond it is the endpoint's own work; what it costs beyond the Oxigraph
server is the Python web server's.

With ``--server gunicorn`` the same hello is served by gunicorn as the service was served before
(bench/gunicorn_serving.py; the ``bench`` extra), to compare the two servers' floors.

    .venv/bin/python bench/floor.py --port 8124 [--workers N] [--threads N] [--server gunicorn]
"""

from __future__ import annotations

import argparse
import multiprocessing

from web import wsgi_server

#: about as long as the answer to a lookup of one item
BODY = (b'{"head":{"vars":["p","o"]},"results":{"bindings":['
        + b",".join([b'{"p":{"type":"uri","value":"http://www.w3.org/2000/01/rdf-schema#label"},'
                     b'"o":{"type":"literal","value":"An item of the policy graph"}}'] * 12) + b"]}}")
HEADERS = [("Content-Type", "application/sparql-results+json; charset=utf-8"), ("Content-Length", str(len(BODY)))]


def hello(environ, start_response):
    start_response("200 OK", HEADERS)
    return [BODY]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, help="worker processes (default: as policy-graph serve)")
    parser.add_argument("--threads", type=int, help="threads per worker (default: as policy-graph serve)")
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian")
    args = parser.parse_args()
    if args.threads:
        wsgi_server.THREADS = args.threads
    if args.server == "gunicorn":
        from gunicorn_serving import Served, options

        Served(options(args.port, args.workers), hello).run()
        return
    multiprocessing.set_start_method("fork", force=True)
    wsgi_server.granian_server("127.0.0.1", args.port, args.workers or wsgi_server.default_workers(),
                               target="hello").serve(target_loader=lambda _target: hello)


if __name__ == "__main__":
    main()
