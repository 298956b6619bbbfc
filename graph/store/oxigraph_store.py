"""The built graph in an in-memory Oxigraph store (pyoxigraph), the embedded default; and how
rdflib terms and Oxigraph terms stand for each other."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Identifier, Node

from graph.binding import Bound, fixed, inline_bindings
from graph.errors import QueryError, StoreError
from graph.namespaces import INFERRED_GRAPH
from graph.store.answers import write_boolean, write_solutions, write_triples
from graph.store.base import PlanFiles, QueryResult, load_plan
from graph.store.integrity import verify_artefact


def to_rdflib(term) -> Node:
    """An Oxigraph term as the equal rdflib term."""
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == str(XSD.string):
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    raise TypeError(f"unsupported term {term!r}")


def to_oxigraph(term: Identifier):
    """An rdflib term as the equal Oxigraph term."""
    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype or XSD.string)))
    if isinstance(term, BNode):
        return ox.BlankNode(str(term))
    raise TypeError(f"unsupported term {term!r}")


@dataclass
class Answer:
    """An answer as the SPARQL protocol gives it: a boolean, triples or solutions (with their
    variables), not yet evaluated past what the engine needed to start it; :meth:`write` has
    the engine write it in a format."""

    kind: str  # "boolean", "graph" or "solutions"
    variables: list[str] = field(default_factory=list)
    boolean: bool | None = None
    result: object = None

    def write(self, fmt: str, max_rows: int, max_bytes: int) -> tuple[bytes, int | None]:
        """The answer in *fmt* (a key of :data:`RESULT_WRITERS` or :data:`GRAPH_WRITERS`), written
        by the engine as it evaluates; the bytes and the number of rows or triples (None for a
        boolean).

        :raise AnswerTooLargeError: past *max_rows* rows (triples) or *max_bytes* bytes.
        :raise OSError: when the engine's own I/O fails (a ``SERVICE`` call) as it evaluates."""
        if self.kind == "boolean":
            return write_boolean(self.result, fmt), None
        if self.kind == "graph":
            return write_triples(self.result, fmt, max_rows, max_bytes)
        return write_solutions(self.result, fmt, max_rows, max_bytes)


class OxigraphStore:
    serial = False
    #: the engine that answers, in memory or on disk: the one the SPARQL endpoint's workers run
    engine = "oxigraph"
    #: whether the graph is held in memory, read in the order it was loaded (as the endpoint's
    #: query workers hold it), rather than on disk, in the order of its indexes
    in_memory = True
    #: odd while the graphs held change, raised by two each change: a reader that finds it odd,
    #: or changed after it has read, knows that it may have seen the graphs mid-change
    changes = 0

    """The built graph loaded into an in-memory Oxigraph store; queries see the union of
    its named graphs."""

    def __init__(self, artefact: Path, plans: bool = True):
        checked = verify_artefact(artefact)
        self.artefact = artefact
        self.store = ox.Store()
        self.plans = PlanFiles(artefact, plans)
        self._lock = threading.Lock()
        self._load(checked)
        for path in self.plans.loaded:
            load_plan(path, self._load, self._drop)
        self._inferred = ox.NamedNode(str(INFERRED_GRAPH))

    def _load(self, path: Path) -> None:
        try:
            # a plain load: quicker into memory than the bulk loader, from 40 thousand quads
            # (0.10 s against 0.12 s) to 4 million in 445 plan files (19 s against 23 s)
            self.store.load(path=str(path), format=ox.RdfFormat.N_QUADS)
        except (SyntaxError, OSError, ValueError) as exc:
            raise StoreError(f"cannot read the built graph {path}: {exc}") from None

    def _drop(self, graph: str) -> None:
        self.store.remove_graph(ox.NamedNode(graph))

    @contextmanager
    def _changing(self):
        """Mark the graphs as changing (:attr:`changes`) while the block runs; under the lock."""
        self.changes += 1
        try:
            yield
        finally:
            self.changes += 1

    def _change(self, change: Callable):
        def changed(what):
            with self._changing():
                change(what)
        return changed

    def remove_graph(self, iri: str) -> None:
        """Leave named graph *iri* out of this store (its file is untouched)."""
        with self._lock, self._changing():
            self.store.remove_graph(ox.NamedNode(iri))

    def refresh(self) -> bool:
        with self._lock:
            return self.plans.follow(self._change(self._drop), self._change(self._load))

    def graph_names(self) -> list[str]:
        """The IRIs of the named graphs this store holds."""
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def query(self, sparql: str, bindings: Mapping[str, Bound] | None = None) -> QueryResult:
        result = self.store.query(inline_bindings(sparql, bindings), use_default_graph_as_union=True)
        if isinstance(result, (bool, ox.QueryBoolean)):
            return QueryResult("ask", boolean=bool(result))
        if isinstance(result, ox.QueryTriples):
            graph = Graph()
            for triple in result:
                graph.add((to_rdflib(triple.subject), to_rdflib(triple.predicate), to_rdflib(triple.object)))
            return QueryResult("graph", graph=graph)
        bound = fixed(bindings)
        variables = [v.value for v in result.variables if v.value not in bound]
        rows = []
        for solution in result:
            row = {}
            for name in variables:
                value = solution[name]
                if value is not None:
                    row[name] = to_rdflib(value)
            rows.append(row)
        return QueryResult("select", variables, rows)

    def answer(self, sparql: str, default_graphs: Sequence[str] = (), named_graphs: Sequence[str] = (),
               base: str | None = None) -> Answer:
        """The answer to a query as the SPARQL protocol asks it (over the named *default_graphs*,
        else their union, and the *named_graphs*; relative IRIs resolved against *base*), streamed:
        its rows or triples are evaluated as :meth:`Answer.write` writes them, so that a cap stops the engine.

        :raise QueryError: for a malformed query, naming where it is wrong, or a function the
            engine does not know.
        :raise OSError: when the engine's own I/O fails (a ``SERVICE`` call), here or as rows are read."""
        options: dict = {"base_iri": base} if base else {}
        if default_graphs:
            options["default_graph"] = [ox.NamedNode(iri) for iri in default_graphs]
        else:
            options["use_default_graph_as_union"] = True
        if named_graphs:
            options["named_graphs"] = [ox.NamedNode(iri) for iri in named_graphs]
        try:
            result = self.store.query(sparql, **options)
        except SyntaxError as exc:
            raise QueryError(f"Malformed query: {exc}") from None
        except RuntimeError as exc:
            if "custom function" in str(exc):
                raise QueryError(f"Unknown function: {exc}") from None
            raise
        except ValueError as exc:
            raise QueryError(f"Query failed: {exc}") from None
        if isinstance(result, ox.QueryBoolean):
            return Answer("boolean", boolean=bool(result), result=result)
        if isinstance(result, ox.QueryTriples):
            return Answer("graph", result=result)
        return Answer("solutions", [v.value for v in result.variables], result=result)

    def is_inferred(self, subject: Node, predicate: Node, obj: Node) -> bool:
        pattern = (to_oxigraph(subject), to_oxigraph(predicate), to_oxigraph(obj), self._inferred)
        return next(iter(self.store.quads_for_pattern(*pattern)), None) is not None

    def __len__(self) -> int:
        return len(self.store)


