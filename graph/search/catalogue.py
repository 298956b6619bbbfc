"""Every named node of the graph with the facets a search filters on, and the source texts the
pages quote from: read once from the store (named queries ``nodes``, ``obligation-facets`` and
``labels-in``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from graph.display import with_lead_in
from graph.namespaces import plain
from graph.queries import NamedQuery, run_named
from graph.sources import SourceDocument, load_sources
from graph.store import Store
from graph.welsh import AWAITING_REVIEW


def _rows(store: Store, queries: dict[str, NamedQuery], name: str, **params: str) -> list[dict]:
    return [{k: plain(v) for k, v in row.items()} for row in run_named(store, queries[name], params).rows]


@dataclass
class Entry:
    """One named node, with the facets of an obligation when it is one."""

    id: str
    label: str
    kind: str
    role: str = ""
    alt_labels: list[str] = field(default_factory=list)
    label_cy: str = ""
    #: the Welsh name awaits review by a Welsh speaker (graph/welsh.py)
    welsh_awaiting_review: bool = False
    quotes: list[str] = field(default_factory=list)
    #: the quotes in the order of the text (offset, words), from which the one shown is chosen
    placed: list[tuple[int, str]] = field(default_factory=list)
    obligation: bool = False
    modality: str = ""
    priorities: list[str] = field(default_factory=list)
    bearers: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    due: str = ""
    #: the due dates whose year the text leaves out (read, not stated)
    assumed_dates: list[str] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)  # the targets that measure it

    @property
    def due_assumed(self) -> bool:
        return self.due in self.assumed_dates

    @property
    def quote(self) -> str:
        """The item's main quote as people read it, after its lead-in if it has one."""
        return with_lead_in([text for _at, text in sorted(self.placed)])

    def facets(self) -> dict:
        return {"kind": [self.kind] if self.kind else [], "priority": self.priorities,
                "modality": [self.modality] if self.modality else [], "bearer": self.bearers, "topic": self.topics}


@dataclass
class Catalogue:
    entries: dict[str, Entry]
    documents: dict[str, SourceDocument]
    cache: dict = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store, queries: dict, sources_dir: Path,
             documents: dict[str, SourceDocument] | None = None) -> Catalogue:
        entries: dict[str, Entry] = {}
        for row in _rows(store, queries, "nodes"):
            entry = entries.setdefault(row["node"], Entry(row["node"], str(row["label"]), "", row.get("role", "")))
            value, field_name = str(row.get("value", "")), row.get("field")
            if field_name == "kind":
                entry.kind = " / ".join(sorted({*entry.kind.split(" / "), value} - {""}))
            elif field_name == "altLabel":
                entry.alt_labels = sorted({*entry.alt_labels, value})
            elif field_name == "quote":
                entry.quotes = sorted({*entry.quotes, value}, key=len)
                if (int(row.get("at", 0)), value) not in entry.placed:
                    entry.placed.append((int(row.get("at", 0)), value))
        for row in _rows(store, queries, "obligation_facets"):
            entry = entries.get(row["item"])
            if entry is None:
                continue
            entry.obligation = True
            entry.kind = entry.kind or row["kind"]
            entry.modality = row.get("modality", "")
            value, facet = str(row.get("value", "")), row.get("facet")
            if facet == "due":
                entry.due = min(entry.due or value, value)
            elif facet == "due-assumed":
                entry.assumed_dates = sorted({*entry.assumed_dates, value})
            elif facet == "target":
                entry.targets = sorted({*entry.targets, value})
            elif facet in ("priority", "bearer", "topic"):
                attribute = {"priority": "priorities", "bearer": "bearers", "topic": "topics"}[facet]
                setattr(entry, attribute, sorted({*getattr(entry, attribute), value}))
        for row in _rows(store, queries, "labels_in", language="cy"):
            if row["node"] in entries:
                entries[row["node"]].label_cy = str(row["label"])
        for row in _rows(store, queries, "welsh_review", status=AWAITING_REVIEW):
            if row["node"] in entries:
                entries[row["node"]].welsh_awaiting_review = True
        # the texts the graph was built from (a new edition's, when it was built against one)
        return cls(entries, documents if documents is not None else load_sources(sources_dir).documents)

    def name_kinds_in_welsh(self, gettext) -> None:
        """Give the kinds of body (classes of the ontology, whose names the catalogue of words
        translates) their Welsh names, so that "bwrdd iechyd" finds what applies to every health
        board."""
        for entry in self.entries.values():
            if entry.role == "kind of body" and not entry.label_cy and gettext(entry.label) != entry.label:
                entry.label_cy = gettext(entry.label)

    def label(self, ident: str) -> str:
        entry = self.entries.get(ident)
        return entry.label if entry else ident

    def cached(self, key, compute):
        if key not in self.cache:
            self.cache[key] = compute()
        return self.cache[key]
