"""OWL 2 RL closure with owlrl, kept apart from the asserted triples.

Only entailments about the graph's own entities and ontology terms are kept: owlrl also
derives reflexive and vocabulary-level triples (``x owl:sameAs x``, ``x a owl:Thing``, facts
about RDFS and OWL themselves) that carry no information for a reader.
"""

from __future__ import annotations

import owlrl
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS

from graph.namespaces import ID, NWP

_NOISE_OBJECTS = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, RDF.Property}
_REFLEXIVE = {OWL.sameAs, RDFS.subClassOf, RDFS.subPropertyOf, OWL.equivalentClass,
              OWL.equivalentProperty}


def _ours(term) -> bool:
    return isinstance(term, URIRef) and (str(term).startswith(str(ID)) or str(term).startswith(str(NWP)))


def _keep(triple) -> bool:
    s, p, o = triple
    if not _ours(s) or isinstance(o, Literal) and p != RDF.type and not _ours(s):
        return False
    if o in _NOISE_OBJECTS or (p in _REFLEXIVE and s == o):
        return False
    if p == OWL.sameAs or p == OWL.differentFrom:
        return False
    return True


REASONERS = ("owlrl", "rules")


def infer(ontology: Graph, asserted: Graph, reasoner: str = "owlrl") -> Graph:
    """The triples OWL-RL entails from *ontology* and *asserted* that neither states.

    ``owlrl`` computes the full OWL 2 RL closure (the reference); ``rules`` runs the targeted
    rules of :mod:`rules` on Oxigraph, which give the same result far faster on large graphs.
    """
    if reasoner == "rules":
        from graph.build.entailment import closure as rules_closure

        closure = rules_closure(ontology, asserted)
    else:
        closure = Graph()
        closure += ontology
        closure += asserted
        owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                               datatype_axioms=False).expand(closure)
    inferred = Graph()
    for triple in closure:
        if triple in asserted or triple in ontology:
            continue
        if _keep(triple):
            inferred.add(triple)
    return inferred
