"""Inference as a handful of targeted OWL 2 RL rules run on Oxigraph, for graphs too large for
owlrl's full closure.

The ontology uses only subclass and subproperty axioms, inverse and transitive properties,
domains and ranges, so these rules (named as in the OWL 2 RL rule tables,
https://www.w3.org/TR/owl2-profiles/#Reasoning_in_OWL_2_RL_and_RDF_Graphs_using_Rules) give
the same entailments about the graph's own entities and terms as the full closure; a test
checks that on the real graph against owlrl, which stays the reference.
"""

from __future__ import annotations

import pyoxigraph as ox
from rdflib import Graph

from graph.store import to_oxigraph, to_rdflib

PREFIXES = """PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX owl: <http://www.w3.org/2002/07/owl#>
"""

#: Each rule is a CONSTRUCT over the graph so far; rules run until none adds a triple.
RULES = {
    "scm-sco": "CONSTRUCT { ?c rdfs:subClassOf ?e } WHERE { ?c rdfs:subClassOf ?d . ?d rdfs:subClassOf ?e }",
    "scm-spo": "CONSTRUCT { ?p rdfs:subPropertyOf ?r } WHERE { ?p rdfs:subPropertyOf ?q . ?q rdfs:subPropertyOf ?r }",
    "scm-dom1": "CONSTRUCT { ?p rdfs:domain ?d } WHERE { ?p rdfs:domain ?c . ?c rdfs:subClassOf ?d }",
    "scm-dom2": "CONSTRUCT { ?q rdfs:domain ?c } WHERE { ?p rdfs:domain ?c . ?q rdfs:subPropertyOf ?p }",
    "scm-rng1": "CONSTRUCT { ?p rdfs:range ?d } WHERE { ?p rdfs:range ?c . ?c rdfs:subClassOf ?d }",
    "scm-rng2": "CONSTRUCT { ?q rdfs:range ?c } WHERE { ?p rdfs:range ?c . ?q rdfs:subPropertyOf ?p }",
    "cax-sco": "CONSTRUCT { ?x a ?d } WHERE { ?c rdfs:subClassOf ?d . ?x a ?c }",
    "prp-spo1": "CONSTRUCT { ?x ?q ?y } WHERE { ?p rdfs:subPropertyOf ?q . ?x ?p ?y }",
    "prp-inv1": "CONSTRUCT { ?y ?q ?x } WHERE { ?p owl:inverseOf ?q . ?x ?p ?y . FILTER(!isLiteral(?y)) }",
    "prp-inv2": "CONSTRUCT { ?y ?p ?x } WHERE { ?p owl:inverseOf ?q . ?x ?q ?y . FILTER(!isLiteral(?y)) }",
    "prp-trp": "CONSTRUCT { ?x ?p ?z } WHERE { ?p a owl:TransitiveProperty . ?x ?p ?y . ?y ?p ?z }",
    "prp-dom": "CONSTRUCT { ?x a ?c } WHERE { ?p rdfs:domain ?c . ?x ?p ?y }",
    "prp-rng": "CONSTRUCT { ?y a ?c } WHERE { ?p rdfs:range ?c . ?x ?p ?y . FILTER(!isLiteral(?y)) }",
}


def closure(ontology: Graph, asserted: Graph, max_rounds: int = 50) -> Graph:
    """*ontology* and *asserted* with every triple the rules derive from them."""
    store = ox.Store()
    store.bulk_extend(ox.Quad(to_oxigraph(s), to_oxigraph(p), to_oxigraph(o))
                      for graph in (ontology, asserted) for s, p, o in graph)
    # Oxigraph normalises some literals (derived integer types), so what is new is told apart
    # from what was loaded in Oxigraph's own terms, and only new triples are converted back.
    loaded = set(store)
    for _ in range(max_rounds):
        before = len(store)
        for rule in RULES.values():
            derived = list(store.query(PREFIXES + rule))
            store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in derived)
        if len(store) == before:
            break
    result = Graph()
    result += ontology
    result += asserted
    for quad in store:
        if quad not in loaded:
            result.add((to_rdflib(quad.subject), to_rdflib(quad.predicate), to_rdflib(quad.object)))
    return result
