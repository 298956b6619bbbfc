"""Named queries as plain rows for the pages: ids instead of IRIs, Python values instead of
RDF literals, so a template, a JSON twin and a CSV file can all use the same row."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from flask import current_app
from rdflib import Literal, URIRef

from graph.namespaces import short
from graph.queries import find_query, run_named
from graph.store import Store


def plain(term):
    """An RDF term as a JSON-ready value: an id or CURIE for an IRI, a str/int/float/bool otherwise."""
    if isinstance(term, URIRef):
        return short(str(term))
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, (bool, int, float, str)):
            return value
        return str(term)
    return str(term)


def run_on(store: Store, queries: dict, name: str, **params: str) -> list[dict]:
    """The rows of named query *name* with *params* bound, as plain values."""
    result = run_named(store, find_query(queries, name), params)
    return [{k: plain(v) for k, v in row.items()} for row in result.rows]


def run(name: str, **params: str) -> list[dict]:
    """The rows of named query *name* on the app's store."""
    graph = current_app.extensions["policy_graph"]
    return run_on(graph.store, graph.queries, name, **params)
