"""Namespaces of the graph: our ontology and entity IRIs, and the W3C vocabularies reused."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, OWL, PROV, RDF, RDFS, SKOS, XSD, NamespaceManager

BASE = "https://w3id.org/nhs-wales-planning/"
NWP = Namespace(BASE + "ontology#")
ONTOLOGY_IRI = BASE + "ontology"
ID = Namespace(BASE + "id/")
GRAPHS = Namespace(BASE + "graph/")
SHAPES = Namespace(BASE + "shapes#")
OA = Namespace("http://www.w3.org/ns/oa#")

#: Named graphs of the built artefact: what the ontology says, what the data asserts and what
#: inference added, so a reader can always tell an asserted fact from an entailed one.
ONTOLOGY_GRAPH = GRAPHS["ontology"]
ASSERTED_GRAPH = GRAPHS["asserted"]
INFERRED_GRAPH = GRAPHS["inferred"]

PREFIXES: dict[str, Namespace] = {
    "nwp": NWP,
    "id": ID,
    "oa": OA,
    "shape": SHAPES,
    "rdf": Namespace(str(RDF)),
    "rdfs": Namespace(str(RDFS)),
    "owl": Namespace(str(OWL)),
    "xsd": Namespace(str(XSD)),
    "skos": Namespace(str(SKOS)),
    "dcterms": Namespace(str(DCTERMS)),
    "prov": Namespace(str(PROV)),
    "org": Namespace(str(ORG)),
    "foaf": Namespace(str(FOAF)),
    "schema": Namespace("https://schema.org/"),
    "adms": Namespace("http://www.w3.org/ns/adms#"),
    "eli": Namespace("http://data.europa.eu/eli/ontology#"),
}


def bind_prefixes(graph: Graph) -> Graph:
    """Bind the project's prefixes on *graph* (replacing rdflib's defaults) and return it."""
    graph.namespace_manager = NamespaceManager(graph, bind_namespaces="none")
    for prefix, ns in PREFIXES.items():
        graph.bind(prefix, ns, override=True, replace=True)
    return graph


def entity(identifier: str) -> str:
    """The IRI of the entity with the given data id."""
    return str(ID[identifier])


def short(iri: str) -> str:
    """A compact form of *iri*: the bare id for entities, a CURIE for vocabulary terms."""
    if iri.startswith(str(ID)):
        return iri[len(str(ID)):]
    for prefix, ns in PREFIXES.items():
        if prefix != "id" and iri.startswith(str(ns)):
            return f"{prefix}:{iri[len(str(ns)):]}"
    return iri


def plain(term):
    """An RDF term as a JSON-ready value: an id or CURIE for an IRI, a str/int/float/bool otherwise."""
    if isinstance(term, URIRef):
        return short(str(term))
    if isinstance(term, Literal):
        value = term.toPython()
        if isinstance(value, (dt.date, dt.datetime)):
            return value.isoformat()
        if isinstance(value, Decimal):
            return float(value)
        if isinstance(value, (bool, int, float, str)):
            return value
        return str(term)
    return str(term)
