#!/usr/bin/env python3
"""The service as the bench measures it, in its own process: the real Flask app, created and
served as ``policy-graph serve`` serves it (gunicorn's worker processes where gunicorn is
installed, else werkzeug's threaded server; ``--workers``), on the store named by
``--store``. One route is added for the bench: ``/bench/query/<name>?param=value`` answers a
named query on the app's store as JSON rows, the way the pages call them, so every named query
can be timed over HTTP on every store.

    .venv/bin/python bench/server.py --graph build/policy-graph.nq --store oxigraph --port 8123

With ``--server granian`` the same app is served by granian (if installed) instead, to compare:
its worker processes each make the app themselves (granian forks before loading it), and start
their query workers as gunicorn's do once they serve (``--blocking-threads`` per worker, by
default as many as gunicorn's threads).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from flask import Blueprint, current_app, jsonify, request

from graph.paths import default_layout
from graph.store import prepare_disk_store_apart
from web import create_app, wsgi_server
from web.catalogue import load_if_serial, warm_up
from web.graphdata import plain
from web.wsgi_server import serve

bench = Blueprint("bench", __name__)


@bench.get("/bench/query/<name>")
def named_query(name: str):
    result = current_app.extensions["policy_graph"].query(name, request.args.to_dict())
    return jsonify([{k: plain(v) for k, v in row.items()} for row in result.rows])


#: the command's arguments, for granian's workers, which make the app themselves
ARGV_ENV = "BENCH_SERVER_ARGV"


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--graph", required=True, help="the built artefact to serve")
    parser.add_argument("--store", required=True, help="store kind (oxigraph, rdflib, sparql, ...)")
    parser.add_argument("--sparql-url", help="the SPARQL server's query address, for --store sparql")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, help="worker processes (default: as policy-graph serve)")
    parser.add_argument("--expose-plans", action="store_true",
                        help="show the published kept plans on the SPARQL endpoint (SPARQL_EXPOSE_PLANS)")
    parser.add_argument("--sparql-worker-memory-mb", type=int,
                        help="each SPARQL query worker's memory limit (SPARQL_WORKER_MEMORY_MB)")
    parser.add_argument("--sparql-worker-start-seconds", type=float,
                        help="how long a query worker may take to load the graph (SPARQL_WORKER_START_SECONDS)")
    parser.add_argument("--sparql-workers", type=int, help="query workers per web process (SPARQL_WORKERS)")
    parser.add_argument("--threads", type=int, help="threads per web process (default: as policy-graph serve)")
    parser.add_argument("--through-flask", action="store_true",
                        help="send SPARQL protocol requests through Flask, not the lean path (SPARQL_LEAN off)")
    parser.add_argument("--no-fast-lookups", action="store_true",
                        help="send lookups to a query worker too, not answer them in the web process "
                             "(SPARQL_FAST_LOOKUPS off)")
    parser.add_argument("--werkzeug", action="store_true",
                        help="serve with werkzeug's threaded server in one process instead, to compare")
    parser.add_argument("--server", choices=("gunicorn", "granian"), default="gunicorn",
                        help="the web server (default: gunicorn, as policy-graph serve)")
    parser.add_argument("--blocking-threads", type=int, help="granian: threads that run the app, per worker")
    parser.add_argument("--runtime-mode", choices=("auto", "st", "mt"), default="auto",
                        help="granian: one I/O runtime per worker (st) or one shared by its threads (mt)")
    return parser.parse_args(argv)


def app_maker(args: argparse.Namespace):
    def make_app():
        app = create_app({"GRAPH_PATH": args.graph, "QUERIES_DIR": str(default_layout().queries_dir),
                          "STORE": args.store, "SPARQL_SERVER_URL": args.sparql_url,
                          "SPARQL_EXPOSE_PLANS": args.expose_plans, "SPARQL_LEAN": not args.through_flask,
                          "SPARQL_FAST_LOOKUPS": not args.no_fast_lookups,
                          **({"SPARQL_WORKERS": args.sparql_workers} if args.sparql_workers else {}),
                          **({"SPARQL_WORKER_START_SECONDS": args.sparql_worker_start_seconds}
                             if args.sparql_worker_start_seconds else {}),
                          **({"SPARQL_WORKER_MEMORY_MB": args.sparql_worker_memory_mb}
                             if args.sparql_worker_memory_mb else {})})
        app.register_blueprint(bench)
        load_if_serial(app)
        return app

    return make_app


def granian_app():
    """The app as one of granian's worker processes serves it (its factory): its places for
    queries fitted to the worker's threads, its query workers started once it serves."""
    args = parse(json.loads(os.environ[ARGV_ENV]))
    app = wsgi_server.spare_a_thread(app_maker(args)(), args.blocking_threads or wsgi_server.THREADS)
    warm_up(app)
    return app


def main() -> None:
    args = parse()
    make_app = app_maker(args)
    if args.server == "granian":
        from granian import Granian

        if args.store == "oxigraph-disk":
            prepare_disk_store_apart(Path(args.graph))
        os.environ[ARGV_ENV] = json.dumps(sys.argv[1:])
        Granian("server:granian_app", "127.0.0.1", args.port, interface="wsgi", factory=True,
                workers=args.workers or wsgi_server.default_workers(),
                blocking_threads=args.blocking_threads or wsgi_server.THREADS, runtime_mode=args.runtime_mode,
                working_dir=Path(__file__).resolve().parent, log_level="warning").serve()
        return
    if args.werkzeug:
        from werkzeug.serving import make_server

        from web.background import QuietHandler

        app = make_app()
        warm_up(app)
        make_server("127.0.0.1", args.port, app, threaded=True, request_handler=QuietHandler).serve_forever()
        return
    if args.threads:
        wsgi_server.THREADS = args.threads
    if args.store == "oxigraph-disk":
        prepare_disk_store_apart(Path(args.graph))  # once, before the workers open it
    serve(make_app, "127.0.0.1", args.port, workers=args.workers, fork_after_load=args.store != "oxigraph-disk",
          on_worker_start=warm_up)


if __name__ == "__main__":
    main()
