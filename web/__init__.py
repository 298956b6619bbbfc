"""The web service: a Flask application factory over the built policy graph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from nhswales_graph.paths import ARTEFACT_NAME, default_layout
from nhswales_graph.queries import load_queries
from nhswales_graph.sources import load_sources
from nhswales_graph.store import open_store


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app; the store is opened here, once, on the built artefact (never rebuilt)."""
    app = Flask(__name__)
    layout = default_layout()
    app.config.from_mapping(
        GRAPH_PATH=str(layout.build_dir / ARTEFACT_NAME),
        QUERIES_DIR=str(layout.queries_dir),
        SOURCES_DIR=str(layout.sources_dir),
        STORE=None,  # "oxigraph" (default), "rdflib", or "sparql" with SPARQL_SERVER_URL
        SPARQL_SERVER_URL=None,
        # The public SPARQL endpoint's limits (see web/views/sparql.py).
        SPARQL_TIMEOUT=5.0,
        SPARQL_MAX_ROWS=10_000,
        SPARQL_MAX_BYTES=10_000_000,
        SPARQL_MAX_QUERY_LENGTH=20_000,
        SPARQL_WORKERS=2,
        # Organisations' plans kept as named graphs are hidden from the public endpoint unless this is set.
        SPARQL_EXPOSE_PLANS=False,
        # The largest plan or trajectory file a check accepts (bytes); larger uploads get a 413 page.
        MAX_CONTENT_LENGTH=2_000_000,
    )
    if test_config:
        app.config.update(test_config)
    app.extensions["policy_store"] = open_store(Path(app.config["GRAPH_PATH"]), app.config["STORE"],
                                                app.config.get("SPARQL_SERVER_URL"))
    app.extensions["policy_queries"] = load_queries(Path(app.config["QUERIES_DIR"]))
    app.extensions["policy_attribution"] = load_sources(Path(app.config["SOURCES_DIR"])).attribution

    from .i18n import init_app as init_languages

    init_languages(app)

    @app.context_processor
    def attribution() -> dict[str, str]:
        return {"attribution": app.extensions["policy_attribution"]}

    from .views import browse, site

    app.register_blueprint(site.bp)
    app.register_blueprint(browse.bp)
    from .views import linked_data, sparql

    app.register_blueprint(sparql.bp)
    app.register_blueprint(linked_data.bp)
    from .views import rules

    app.register_blueprint(rules.bp)
    from .views import named_queries

    app.register_blueprint(named_queries.bp)
    return app
