"""A small in-memory engine over triples handed to it rather than the built graph: a plan's
graph checked against the plan shapes, or the graph closed under the OWL 2 RL rules at build
time. It is part of the store, so that no other part of the project touches an engine.

Answers keep the engine's own terms (hashable, compared as the engine compares them);
:func:`rdflib_term` turns one into the equal rdflib term.
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox
from rdflib import BNode, Graph
from rdflib.term import Node

from graph.errors import PolicyGraphError
from graph.ntriples import TermError, term_nt
from graph.store.oxigraph_store import to_oxigraph, to_rdflib


def rdflib_term(term) -> Node:
    """*term* as an rdflib term, whether the engine's or already rdflib's."""
    return term if isinstance(term, Node) else to_rdflib(term)


class ScratchStore:
    """Triples in an in-memory Oxigraph store, queried in the engine's terms."""

    def __init__(self, data: Iterable[tuple[Node, Node, Node]] = ()):
        # written out as N-Triples and parsed: about twice as fast as building Oxigraph terms one
        # by one from Python; triples with blank nodes are added as terms, so that a blank node
        # keeps its identifier (a parser would rename it) and a finding names it as pySHACL does
        self.store = ox.Store()
        lines, blank = [], []
        for s, p, o in data:
            if isinstance(s, BNode) or isinstance(o, BNode):
                blank.append(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o)))  # type: ignore[arg-type]
            else:
                try:
                    lines.append(f"{term_nt(s)} {term_nt(p)} {term_nt(o)} .\n")
                except TermError as exc:
                    raise PolicyGraphError(f"the data to check cannot be read as RDF: {exc}") from None
        try:
            self.store.load(input="".join(lines).encode("utf-8"), format=ox.RdfFormat.N_TRIPLES)
        except SyntaxError as exc:
            raise PolicyGraphError(f"the data to check cannot be read as RDF: {exc}") from None
        self.store.extend(blank)

    def query(self, sparql: str):
        """The engine's answer to *sparql*: rows by variable name, with ``variables``."""
        return self.store.query(sparql)

    def select(self, sparql: str) -> list:
        return list(self.store.query(sparql))

    def saturate(self, rules: Iterable[str], max_rounds: int = 50) -> Graph:
        """Run the CONSTRUCT *rules* until none adds a triple; the triples they added, as rdflib
        terms."""
        rules = list(rules)
        # Oxigraph normalises some literals (derived integer types), so what is new is told apart
        # from what was loaded in Oxigraph's own terms, and only new triples are converted back.
        loaded = set(self.store)
        for _ in range(max_rounds):
            before = len(self.store)
            for rule in rules:
                derived = list(self.store.query(rule))
                self.store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in derived)
            if len(self.store) == before:
                break
        added = Graph()
        for quad in self.store:
            if quad not in loaded:
                added.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
        return added

    def __len__(self) -> int:
        return len(self.store)


__all__ = ["ScratchStore", "rdflib_term"]
