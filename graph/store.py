"""The one small interface through which the CLI and the web app reach the graph.

A store is opened on the built artefact and answers SPARQL with bound parameters. The
embedded default is rdflib; another engine (an on-disk store, a remote SPARQL server) only
has to implement :class:`Store` for every caller to work unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from rdflib import Dataset, Graph, URIRef
from rdflib.term import Identifier, Node

from .errors import StoreError
from .namespaces import INFERRED_GRAPH, bind_prefixes
from .paths import ARTEFACT_NAME, default_layout


@dataclass
class QueryResult:
    """The answer to one query, independent of the engine that produced it."""

    kind: str  # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Node]] = field(default_factory=list)
    boolean: bool | None = None
    graph: Graph | None = None


class Store(Protocol):
    def query(self, sparql: str, bindings: Mapping[str, Identifier] | None = None) -> QueryResult:
        """Answer *sparql*, with *bindings* pre-bound to the named variables."""

    def is_inferred(self, subject: Node, predicate: Node, obj: Node) -> bool:
        """Whether the triple was entailed at build time rather than stated in the data."""

    def __len__(self) -> int: ...


class RdflibStore:
    """The built graph held in memory by rdflib; queries see the union of its named graphs."""

    def __init__(self, artefact: Path):
        if not artefact.is_file():
            raise StoreError(f"no built graph at {artefact}; run 'policy-graph build' first")
        self.artefact = artefact
        self.dataset = Dataset(default_union=True)
        try:
            with artefact.open("rb") as source:
                self.dataset.parse(source, format="nquads")
        except Exception as exc:  # rdflib raises several unrelated types on a corrupt file
            raise StoreError(f"cannot read the built graph {artefact}: {exc}") from None
        bind_prefixes(self.dataset)
        self._inferred = self.dataset.graph(URIRef(INFERRED_GRAPH))

    def query(self, sparql: str, bindings: Mapping[str, Identifier] | None = None) -> QueryResult:
        result = self.dataset.query(sparql, initBindings=dict(bindings or {}))
        if result.type == "ASK":
            return QueryResult("ask", boolean=bool(result.askAnswer))
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return QueryResult("graph", graph=result.graph)
        variables = [str(v) for v in result.vars or []]
        rows = [{name: row[name] for name in variables if row[name] is not None} for row in result]
        return QueryResult("select", variables, rows)

    def is_inferred(self, subject: Node, predicate: Node, obj: Node) -> bool:
        return (subject, predicate, obj) in self._inferred

    def __len__(self) -> int:
        return len(self.dataset)


def open_store(artefact: Path | None = None) -> Store:
    """Open the built graph (by default ``build/policy-graph.nq`` of this checkout)."""
    return RdflibStore(artefact or default_layout().build_dir / ARTEFACT_NAME)
