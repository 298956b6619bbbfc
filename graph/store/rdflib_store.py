"""The built graph held in memory by rdflib (``POLICY_GRAPH_STORE=rdflib``): the reference
engine, slower than Oxigraph by far."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from rdflib import Dataset, URIRef
from rdflib.term import Node

from graph.binding import Bound, fixed, inline_bindings
from graph.errors import StoreError
from graph.namespaces import INFERRED_GRAPH, bind_prefixes
from graph.store.base import PlanFiles, QueryResult, load_plan
from graph.store.integrity import verify_artefact


class RdflibStore:
    """The built graph held in memory by rdflib; queries see the union of its named graphs."""

    serial = True

    def __init__(self, artefact: Path, plans: bool = True):
        checked = verify_artefact(artefact)
        self.artefact = artefact
        self.dataset = Dataset(default_union=True)
        self.plans = PlanFiles(artefact, plans)
        self._parse(checked)
        for path in self.plans.loaded:
            load_plan(path, self._parse, self._drop)
        bind_prefixes(self.dataset)
        self._inferred = self.dataset.graph(URIRef(INFERRED_GRAPH))
        # rdflib's SPARQL parser is not thread-safe (concurrent parses fail inside pyparsing),
        # and the web server answers requests on several threads: one query at a time.
        self._lock = threading.Lock()

    def _parse(self, path: Path) -> None:
        try:
            with path.open("rb") as source:
                self.dataset.parse(source, format="nquads")
        except Exception as exc:  # rdflib raises several unrelated types on a corrupt file
            raise StoreError(f"cannot read the built graph {path}: {exc}") from None

    def query(self, sparql: str, bindings: Mapping[str, Bound] | None = None) -> QueryResult:
        with self._lock:
            return self._query(sparql, bindings)

    def _drop(self, graph: str) -> None:
        self.dataset.remove_graph(URIRef(graph))

    def refresh(self) -> bool:
        with self._lock:
            return self.plans.follow(self._drop, self._parse)

    def _query(self, sparql: str, bindings: Mapping[str, Bound] | None) -> QueryResult:
        result = self.dataset.query(inline_bindings(sparql, bindings))
        if result.type == "ASK":
            return QueryResult("ask", boolean=bool(result.askAnswer))
        if result.type in ("CONSTRUCT", "DESCRIBE"):
            return QueryResult("graph", graph=result.graph)
        bound = fixed(bindings)
        variables = [str(v) for v in result.vars or [] if str(v) not in bound]
        rows = [{name: row[name] for name in variables if row[name] is not None} for row in result]
        return QueryResult("select", variables, rows)

    def is_inferred(self, subject: Node, predicate: Node, obj: Node) -> bool:
        return (subject, predicate, obj) in self._inferred

    def __len__(self) -> int:
        return len(self.dataset)


