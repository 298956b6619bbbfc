#!/usr/bin/env python3
"""The service as the bench measures it, in its own process: the real Flask app, created and
served as ``policy-graph serve`` serves it (granian's worker processes where granian is
installed, else werkzeug's threaded server; ``--workers``), on the store named by
``--store``. One route is added for the bench: ``/bench/query/<name>?param=value`` answers a
named query on the app's store as JSON rows, the way the pages call them, so every named query
can be timed over HTTP on every store.

    .venv/bin/python bench/server.py --graph build/policy-graph.nq --store oxigraph --port 8123

With ``--server gunicorn`` the same app is served by gunicorn (if installed: the ``bench`` extra)
as ``policy-graph serve`` served it before it served with granian, to compare (bench/servers.py).
"""

from __future__ import annotations

import argparse
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
    parser.add_argument("--threads", type=int, help="threads that run the app, per web process (default: as "
                                                    "policy-graph serve)")
    parser.add_argument("--through-flask", action="store_true",
                        help="send SPARQL protocol requests through Flask, not the lean path (SPARQL_LEAN off)")
    parser.add_argument("--no-fast-lookups", action="store_true",
                        help="send lookups to a query worker too, not answer them in the web process "
                             "(SPARQL_FAST_LOOKUPS off)")
    parser.add_argument("--werkzeug", action="store_true",
                        help="serve with werkzeug's threaded server in one process instead, to compare")
    parser.add_argument("--server", choices=("granian", "gunicorn"), default="granian",
                        help="the web server (default: granian, as policy-graph serve; gunicorn as it served before, "
                             "to compare: pip install -e '.[bench]')")
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


def main() -> None:
    args = parse()
    make_app = app_maker(args)
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
    if args.server == "gunicorn":
        from gunicorn_serving import serve_app

        serve_app(make_app, args.port, args.workers, args.store != "oxigraph-disk", warm_up)
        return
    serve(make_app, "127.0.0.1", args.port, workers=args.workers, fork_after_load=args.store != "oxigraph-disk",
          on_worker_start=warm_up)


if __name__ == "__main__":
    main()
