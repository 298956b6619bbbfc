"""What the browser keeps in memory, loaded once when the app starts: every named node with
the facets a search filters on, and the source texts the pages quote from.

The graph is read-only while the app runs, so answers that depend only on the graph (the
obligations of a subject, a rendered document) are cached here too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from babel.support import Translations
from flask import Flask, current_app

from nhswales_graph.sources import SourceDocument, load_sources
from nhswales_graph.store import Store

from .graphdata import run_on


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


def install(app: Flask) -> None:
    """Load the catalogue and the search index onto *app* (once, when the browser is registered)."""
    from .search import SearchIndex

    catalogue = Catalogue.load(app.extensions["policy_store"], app.extensions["policy_queries"],
                               Path(app.config["SOURCES_DIR"]))
    # Kinds of body are classes of the ontology, whose names the catalogue translates; with
    # them, "bwrdd iechyd" finds what applies to every health board.
    welsh_terms = Translations.load(str(Path(app.root_path) / "translations"), ["cy"])
    for entry in catalogue.entries.values():
        if entry.role == "kind of body" and not entry.label_cy and welsh_terms.gettext(entry.label) != entry.label:
            entry.label_cy = welsh_terms.gettext(entry.label)
    app.extensions["policy_catalogue"] = catalogue
    welsh = {e.id: e.label_cy for e in catalogue.entries.values() if e.label_cy}
    app.extensions["policy_labels_cy"] = (welsh, {catalogue.entries[i].label: w for i, w in welsh.items()})
    app.extensions["policy_search"] = SearchIndex(catalogue.entries.values())


def catalogue() -> Catalogue:
    return current_app.extensions["policy_catalogue"]
