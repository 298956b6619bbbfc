"""What the browser keeps at hand, loaded once, when a page first needs it (or in the background
once a worker starts): the library's catalogue of named nodes and its search index."""

from __future__ import annotations

import importlib
import threading
import time

from flask import Flask, current_app

from graph.search.catalogue import Catalogue

#: What :func:`install` provides on ``app.extensions``, computed together on first use.
LAZY_KEYS = ("policy_catalogue", "policy_labels_cy", "policy_welsh_awaiting_review", "policy_search")


class _LazyExtensions(dict):
    """``app.extensions``, computing the catalogue and search index the first time a page asks
    for one of them rather than when the app starts: building them reads every named node
    (about a second at 1x, more as plans grow), and the first answer (a lookup, a query) does
    not need them. Computed once, under a lock, whichever thread asks first."""

    def __init__(self, existing: dict, app: Flask):
        super().__init__(existing)
        self._app = app
        self._lock = threading.Lock()

    def __missing__(self, key):
        if key not in LAZY_KEYS:
            raise KeyError(key)
        with self._lock:
            if not dict.__contains__(self, key):
                self.update(_compute(self._app))
        return dict.__getitem__(self, key)


def install(app: Flask) -> None:
    """Provide the catalogue and the search index on *app*, loaded when first used (see
    :func:`warm_up` to load them in the background once the server is up)."""
    if not isinstance(app.extensions, _LazyExtensions):
        app.extensions = _LazyExtensions(app.extensions, app)


def warm_up(app: Flask, delay_s: float = 1.0) -> threading.Thread:
    """Load the catalogue and search index, and start the SPARQL query workers, in a background
    thread, so that the first page or query that needs them does not wait; a page that needs
    them meanwhile waits for this one load.

    It starts *delay_s* after the server does, so that the server's first answers (and its
    other workers starting beside it) do not share the processor with it. On rdflib, which
    answers one query at a time, a load in the background would hold up every request for its
    whole length, so there it loads now, before the worker serves."""
    if load_if_serial(app):
        delay_s = 0.0

    def load() -> None:
        time.sleep(delay_s)
        app.extensions["policy_catalogue"]  # noqa: B018 - loads it
        from web.endpoint.sparql import start_query_workers

        start_query_workers(app)
        # and what pages import when first used (left out of the start, so the first answer is quick)
        for module in ("networkx", "graph.rules.kept_plans", "graph.rules.analysis"):
            importlib.import_module(module)

    thread = threading.Thread(target=load, name="catalogue-warm-up", daemon=True)
    thread.start()
    return thread


def load_if_serial(app: Flask) -> bool:
    """Load the catalogue now if the app's store answers one query at a time (rdflib), where a
    load in the background would hold up every request; whether it did. A server that forks
    its workers from one loaded app calls this before forking, so the load is done once. The
    query workers are started by :func:`warm_up` in each web process instead: processes started
    before a fork would be its parent's, which the forked process cannot wait for at exit."""
    if app.extensions["policy_graph"].store.serial:
        app.extensions["policy_catalogue"]  # noqa: B018 - loads it
        return True
    return False


def _compute(app: Flask) -> dict:
    graph = app.extensions["policy_graph"]
    catalogue = graph.catalogue()
    welsh = {e.id: e.label_cy for e in catalogue.entries.values() if e.label_cy}
    return {"policy_catalogue": catalogue,
            "policy_labels_cy": (welsh, {catalogue.entries[i].label: w for i, w in welsh.items()}),
            "policy_welsh_awaiting_review": {e.id for e in catalogue.entries.values() if e.welsh_awaiting_review},
            "policy_search": graph.search_index()}


def catalogue() -> Catalogue:
    return current_app.extensions["policy_catalogue"]
