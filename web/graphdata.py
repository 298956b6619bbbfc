"""Named queries as plain rows for the pages: ids instead of IRIs, Python values instead of
RDF literals, so a template, a JSON twin and a CSV file can all use the same row."""

from __future__ import annotations

from flask import current_app

from graph.namespaces import plain
from graph.queries import find_query, run_named
from graph.store import Store


def run_on(store: Store, queries: dict, name: str, **params: str) -> list[dict]:
    """The rows of named query *name* with *params* bound, as plain values."""
    result = run_named(store, find_query(queries, name), params)
    return [{k: plain(v) for k, v in row.items()} for row in result.rows]


def run(name: str, **params: str) -> list[dict]:
    """The rows of named query *name* on the app's store."""
    graph = current_app.extensions["policy_graph"]
    return run_on(graph.store, graph.queries, name, **params)
