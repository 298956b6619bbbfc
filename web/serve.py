"""``policy-graph serve``: the command that serves the browser, added to the command line by
this package (entry point group ``policy_graph.commands``), so the command line itself never
needs the web package."""

from __future__ import annotations

import argparse
import errno
import os
import socket
import sys
from pathlib import Path

from graph.cli.language import _
from graph.errors import PolicyGraphError
from graph.paths import ARTEFACT_NAME, Layout, default_layout
from graph.store import build_report, prepare_disk_store_apart, verify_artefact, when_built


def register(commands: argparse._SubParsersAction) -> None:
    p = commands.add_parser("serve", help=_("serve the web browser on the built graph"))
    p.add_argument("--host", default="127.0.0.1",
                   help=_("the network address to listen on (default: 127.0.0.1, this machine alone); another "
                          "address, or 0.0.0.0 for every one, lets other machines reach the service: anyone who "
                          "can reach it may browse and query it (see docs/deployment.md)"))
    p.add_argument("--port", type=int, default=5000,
                   help=_("the TCP port to listen on (default: 5000); the address is then http://HOST:PORT/"))
    p.add_argument("--graph", help=_("built graph to serve (default: build/policy-graph.nq)"))
    p.set_defaults(func=serve_command)


def serve_command(args: argparse.Namespace) -> int:
    from web import create_app
    from web.catalogue import load_if_serial, warm_up
    from web.wsgi_server import serve

    layout = Layout(Path(args.root).resolve()) if args.root else default_layout()
    artefact = Path(args.graph) if args.graph else layout.build_dir / ARTEFACT_NAME
    if not artefact.is_file():
        raise PolicyGraphError(_("no built graph at %(path)s; run 'policy-graph build' first") % {"path": artefact})
    verify_artefact(artefact)  # here, before anything is served: a damaged graph is refused with the reason
    check_address(args.host, args.port)
    on_disk = os.environ.get("POLICY_GRAPH_STORE") == "oxigraph-disk"
    if on_disk:
        prepare_disk_store_apart(artefact)  # once, here, so each worker only opens it
    print(started_with(artefact), file=sys.stderr)
    print(_("Serving the policy graph on %(url)s") % {"url": f"http://{args.host}:{args.port}/"}, file=sys.stderr)

    # granian's worker processes where it is installed (POLICY_GRAPH_WORKERS), else werkzeug's server
    def make_app():
        app = create_app({"GRAPH_PATH": str(artefact), "QUERIES_DIR": str(layout.queries_dir),
                          "ACCOUNTS_PATH": str(layout.accounts_file),
                          "SOURCES_DIR": str(layout.sources_dir),
                          "EXAMPLES_DIR": str(layout.examples_dir)})
        load_if_serial(app)
        return app

    serve(make_app, args.host, args.port, fork_after_load=not on_disk, on_worker_start=warm_up)
    return 0


def check_address(host: str, port: int) -> None:
    """Refuse, before anything is loaded, an address this machine cannot listen on: a port in
    use (another service, or this one already running) or a host that is not one of its own.

    :raise PolicyGraphError: naming the address, the reason and what to do."""
    try:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            # as the server will bind it: a port left in TIME_WAIT by a server just stopped is free
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        reason = _("it is in use") if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
        raise PolicyGraphError(_("cannot listen on %(address)s: %(reason)s; choose another address with --port "
                                 "(or --host), or stop what is listening there")
                               % {"address": f"{host}:{port}", "reason": reason}) from None


def started_with(artefact: Path) -> str:
    """One line on the graph being served: how much it holds and where and when it was built
    (its counts by class are in the build report, ``policy-graph stats``)."""
    report = build_report(artefact)
    triples = report.get("triples", {})
    return _("The graph: %(entities)s entities, %(passages)s passages, %(triples)s triples, from %(path)s, "
             "built %(time)s with the %(reasoner)s reasoner") % {
        "entities": report.get("entities", "?"), "passages": report.get("passages", "?"),
        "triples": triples.get("total", "?") if isinstance(triples, dict) else "?", "path": _shown(artefact),
        "time": when_built(report), "reasoner": report.get("reasoner", "?")}


def _shown(path: Path) -> Path:
    # the name the user knows (build/policy-graph.nq), not the version folder its link leads to
    path = Path(os.path.abspath(path))
    return path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
