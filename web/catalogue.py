"""What the browser keeps in memory, loaded once, when a page first needs it: every named node
with the facets a search filters on, and the source texts the pages quote from.

The graph is read-only while the app runs, so answers that depend only on the graph (the
obligations of a subject, a rendered document) are cached here too.
"""

from __future__ import annotations

import importlib
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from babel.support import Translations
from flask import Flask, current_app

from graph.sources import SourceDocument, load_sources
from graph.store import Store
from web.graphdata import run_on


@dataclass
class Entry:
    """One named node, with the facets of an obligation when it is one."""

    id: str
    label: str
    kind: str
    role: str = ""
    alt_labels: list[str] = field(default_factory=list)
    label_cy: str = ""
    quotes: list[str] = field(default_factory=list)
    obligation: bool = False
    modality: str = ""
    priorities: list[str] = field(default_factory=list)
    bearers: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    due: str = ""

    def facets(self) -> dict:
        return {"kind": [self.kind] if self.kind else [], "priority": self.priorities,
                "modality": [self.modality] if self.modality else [], "bearer": self.bearers, "topic": self.topics}


@dataclass
class Catalogue:
    entries: dict[str, Entry]
    documents: dict[str, SourceDocument]
    cache: dict = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store, queries: dict, sources_dir: Path) -> Catalogue:
        entries: dict[str, Entry] = {}
        for row in run_on(store, queries, "nodes"):
            entry = entries.setdefault(row["node"], Entry(row["node"], str(row["label"]), "", row.get("role", "")))
            value, field_name = str(row.get("value", "")), row.get("field")
            if field_name == "kind":
                entry.kind = " / ".join(sorted({*entry.kind.split(" / "), value} - {""}))
            elif field_name == "altLabel":
                entry.alt_labels = sorted({*entry.alt_labels, value})
            elif field_name == "quote":
                entry.quotes = sorted({*entry.quotes, value}, key=len)
        for row in run_on(store, queries, "obligation-facets"):
            entry = entries.get(row["item"])
            if entry is None:
                continue
            entry.obligation = True
            entry.kind = entry.kind or row["kind"]
            entry.modality = row.get("modality", "")
            value, facet = str(row.get("value", "")), row.get("facet")
            if facet == "due":
                entry.due = min(entry.due or value, value)
            elif facet in ("priority", "bearer", "topic"):
                attribute = {"priority": "priorities", "bearer": "bearers", "topic": "topics"}[facet]
                setattr(entry, attribute, sorted({*getattr(entry, attribute), value}))
        for row in run_on(store, queries, "labels-in", language="cy"):
            if row["node"] in entries:
                entries[row["node"]].label_cy = str(row["label"])
        return cls(entries, load_sources(sources_dir).documents)

    def label(self, ident: str) -> str:
        entry = self.entries.get(ident)
        return entry.label if entry else ident

    def cached(self, key, compute):
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]


#: What :func:`install` provides on ``app.extensions``, computed together on first use.
LAZY_KEYS = ("policy_catalogue", "policy_labels_cy", "policy_search")


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
    """Load the catalogue and search index in a background thread, so that the first page that
    needs them does not wait; a page that needs them meanwhile waits for this one load.

    It starts *delay_s* after the server does, so that the server's first answers (and its
    other workers starting beside it) do not share the processor with it. On rdflib, which
    answers one query at a time, a load in the background would hold up every request for its
    whole length, so there it loads now, before the worker serves."""
    if load_if_serial(app):
        delay_s = 0.0

    def load() -> None:
        time.sleep(delay_s)
        app.extensions["policy_catalogue"]  # noqa: B018 - loads it
        # and what pages import when first used (left out of the start, so the first answer is quick)
        for module in ("networkx", "graph.rules.plan_graph", "graph.rules.analysis"):
            importlib.import_module(module)

    thread = threading.Thread(target=load, name="catalogue-warm-up", daemon=True)
    thread.start()
    return thread


def load_if_serial(app: Flask) -> bool:
    """Load the catalogue now if the app's store answers one query at a time (rdflib), where a
    load in the background would hold up every request; whether it did. A server that forks
    its workers from one loaded app calls this before forking, so the load is done once."""
    if app.extensions["policy_graph"].store.serial:
        app.extensions["policy_catalogue"]  # noqa: B018 - loads it
        return True
    return False


def _compute(app: Flask) -> dict:
    from web.search import SearchIndex

    catalogue = Catalogue.load(app.extensions["policy_graph"].store, app.extensions["policy_graph"].queries,
                               Path(app.config["SOURCES_DIR"]))
    # Kinds of body are classes of the ontology, whose names the catalogue translates; with
    # them, "bwrdd iechyd" finds what applies to every health board.
    welsh_terms = Translations.load(str(Path(app.root_path) / "translations"), ["cy"])
    for entry in catalogue.entries.values():
        if entry.role == "kind of body" and not entry.label_cy and welsh_terms.gettext(entry.label) != entry.label:
            entry.label_cy = welsh_terms.gettext(entry.label)
    welsh = {e.id: e.label_cy for e in catalogue.entries.values() if e.label_cy}
    return {"policy_catalogue": catalogue,
            "policy_labels_cy": (welsh, {catalogue.entries[i].label: w for i, w in welsh.items()}),
            "policy_search": SearchIndex(catalogue.entries.values())}


def catalogue() -> Catalogue:
    return current_app.extensions["policy_catalogue"]
