"""The web service: a Flask application factory over the built policy graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, current_app

from graph.api import PolicyGraph
from graph.paths import ARTEFACT_NAME, default_layout
from graph.rules.limits import DEFAULT_LIMITS


def policy_graph() -> PolicyGraph:
    """The library over the graph this app serves."""
    return current_app.extensions["policy_graph"]


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app; the store is opened here, once, on the built artefact (never rebuilt)."""
    app = Flask(__name__)
    layout = default_layout()
    app.config.from_mapping(
        GRAPH_PATH=str(layout.build_dir / ARTEFACT_NAME),
        QUERIES_DIR=str(layout.queries_dir),
        SOURCES_DIR=str(layout.sources_dir),
        EXAMPLES_DIR=str(layout.examples_dir),
        STORE=None,  # "oxigraph" (default), "rdflib", or "sparql" with SPARQL_SERVER_URL
        SPARQL_SERVER_URL=None,
        # where a kept plan is put on that server (Graph Store Protocol); else POLICY_GRAPH_SPARQL_STORE_URL
        SPARQL_STORE_URL=None,
        # The public SPARQL endpoint's limits (see web/endpoint/sparql.py).
        SPARQL_TIMEOUT=5.0,
        SPARQL_MAX_ROWS=10_000,
        SPARQL_MAX_BYTES=10_000_000,
        SPARQL_MAX_QUERY_LENGTH=20_000,
        SPARQL_WORKERS=2,
        # SPARQL queries in progress at once in one server process, waiting ones included
        # (default: one more than SPARQL_WORKERS); never all of a process's threads (web/wsgi_server.py)
        SPARQL_QUEUE=None,
        # queries that may wait for a place, and for how long (s), before a 503
        SPARQL_WAITING=None,
        SPARQL_ADMIT_WAIT=5.0,
        # the memory (address space) each query worker may use; a loaded worker uses about 100 MB
        SPARQL_WORKER_MEMORY_MB=2048,
        # how long a query worker may take to load the graph before it is started again
        SPARQL_WORKER_START_SECONDS=60,
        # how deeply a query's brackets may nest: far deeper crashes the engine's parser
        SPARQL_MAX_DEPTH=64,
        # Organisations' plans kept as named graphs are hidden from the public endpoint unless this is set.
        SPARQL_EXPOSE_PLANS=False,
        # SPARQL protocol requests from programs answered in front of Flask, by the same
        # functions (web/endpoint/lean.py); false sends them through Flask's request handling.
        SPARQL_LEAN=True,
        # Lookups of one triple pattern (web/endpoint/simple.py) answered in the web process, over
        # the graphs a query worker holds, without a worker's round trip; false sends every query to one.
        SPARQL_FAST_LOOKUPS=True,
        # The largest plan or trajectory file a check accepts (bytes); larger uploads get a 413 page.
        MAX_CONTENT_LENGTH=2_000_000,
        # Who may see and keep organisations' plans (policy-graph account add ...); the key that
        # signs session cookies is SECRET_KEY, else one made once beside the accounts file.
        ACCOUNTS_PATH=str(layout.accounts_file),
        SECRET_KEY=None,
        MAX_PLANS_PER_ORGANISATION=50,
        # What one plan or trajectory may hold (MAX_PLAN_ROWS, MAX_FIELD_CHARS …; docs/deployment.md):
        # the library's defaults, so the command line and the service refuse the same files unless
        # a deployment sets its own.
        **DEFAULT_LIMITS.as_config(),
    )
    if test_config:
        app.config.update(test_config)
    graph = PolicyGraph.open(Path(app.config["GRAPH_PATH"]), app.config["STORE"], app.config.get("SPARQL_SERVER_URL"),
                             app.config.get("SPARQL_STORE_URL"), queries_dir=Path(app.config["QUERIES_DIR"]),
                             sources_dir=Path(app.config["SOURCES_DIR"]))
    app.extensions["policy_graph"] = graph
    app.extensions["policy_attribution"] = graph.sources().attribution

    @app.before_request
    def follow_the_plans() -> None:
        # a plan kept or removed by another worker or the command line is seen by this request
        graph.refresh()

    from web.i18n import init_app as init_languages

    init_languages(app)
    from web.plain import init_app as init_plain_words

    init_plain_words(app)
    from web.auth import init_app as init_accounts

    init_accounts(app)
    from web.vary import init_app as init_vary

    init_vary(app)
    from web.receipt import init_app as init_receipts

    init_receipts(app)
    from web.csvw import init_app as init_csvw

    init_csvw(app)

    from web.twins import script_json

    app.jinja_env.globals["script_json"] = script_json

    @app.context_processor
    def attribution() -> dict[str, str]:
        return {"attribution": app.extensions["policy_attribution"]}

    from web.views import browse, site

    app.register_blueprint(site.bp)
    app.register_blueprint(browse.bp)
    from web.endpoint import linked_data, sparql

    app.register_blueprint(sparql.bp)
    app.register_blueprint(linked_data.bp)
    from web.views import rules

    app.register_blueprint(rules.bp)
    from web.views import named_queries

    app.register_blueprint(named_queries.bp)
    from web.views import checks

    app.register_blueprint(checks.bp)
    from web.views import editions

    app.register_blueprint(editions.bp)
    from web.endpoint.lean import install as lean_sparql

    return lean_sparql(app)
