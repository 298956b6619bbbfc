"""Descriptions of the service and the dataset for other tools: the SPARQL 1.1 Service
Description (https://www.w3.org/TR/sparql11-service-description/), VoID
(https://www.w3.org/TR/void/) and full dumps. Computed once per application."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from graph.namespaces import BASE, ID, ONTOLOGY_IRI, bind_prefixes
from graph.queries import find_query, run_named
from graph.store import dump

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
VOID = Namespace("http://rdfs.org/ns/void#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
OGL = URIRef("http://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/")
DATASET = URIRef(BASE + "dataset")
EXAMPLES = ["kde-2-1-ambulance-handover-45-minutes", "duty-of-quality", "hywel-dda-uhb", "tpg-2-1"]


def _graph() -> Graph:
    graph = bind_prefixes(Graph())
    graph.bind("sd", SD)
    graph.bind("void", VOID)
    return graph


def service_description(endpoint_base: str, app: Flask) -> str:
    graph = _graph()
    service = URIRef(endpoint_base + "/sparql")
    graph.add((service, RDF.type, SD.Service))
    graph.add((service, SD.endpoint, service))
    graph.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    for fmt in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                "Turtle", "N-Triples", "JSON-LD", "RDF_XML"):
        graph.add((service, SD.resultFormat, FORMATS[fmt]))
    graph.add((service, SD.feature, SD.UnionDefaultGraph))
    dataset = BNode()
    graph.add((service, SD.defaultDataset, dataset))
    graph.add((dataset, RDF.type, SD.Dataset))
    graph.add((dataset, DCTERMS.source, URIRef(endpoint_base + "/void")))
    default = BNode()
    graph.add((dataset, SD.defaultGraph, default))
    graph.add((default, RDF.type, SD.Graph))
    graph.add((default, VOID.triples, Literal(len(app.extensions["policy_graph"].store), datatype=XSD.integer)))
    for name in ("ontology", "asserted", "inferred"):
        named = BNode()
        graph.add((dataset, SD.namedGraph, named))
        graph.add((named, SD.name, URIRef(BASE + "graph/" + name)))
    config = app.config
    graph.add((service, DCTERMS.description, Literal(
        f"Read-only; SERVICE and updates are refused; each query may run {config['SPARQL_TIMEOUT']:g} s and "
        f"return {config['SPARQL_MAX_ROWS']} rows or {config['SPARQL_MAX_BYTES']} bytes; queries may be "
        f"{config['SPARQL_MAX_QUERY_LENGTH']} characters long.", lang="en")))
    return graph.serialize(format="turtle")


def void_description(base: str, app: Flask) -> str:
    cached = app.extensions.get("void_ttl", {}).get(base)
    if cached:
        return cached
    store, queries = app.extensions["policy_graph"].store, app.extensions["policy_graph"].queries
    graph = _graph()
    graph.add((DATASET, RDF.type, VOID.Dataset))
    graph.add((DATASET, DCTERMS.title, Literal("NHS Wales planning policy graph", lang="en")))
    graph.add((DATASET, DCTERMS.description, Literal(
        "The NHS Wales Technical Planning Guidance 2026-29 and the National Clinical Framework (2021) as a "
        "sourced knowledge graph: priorities, expectations, actions, targets, requirements, duties, statutes "
        "and bodies, each linked to the verbatim passage it comes from.", lang="en")))
    graph.add((DATASET, DCTERMS.license, OGL))
    graph.add((DATASET, DCTERMS.rights, Literal(app.extensions["policy_attribution"], lang="en")))
    # the licence's own Welsh wording, so a Welsh reader of the description is not left the English only
    welsh = app.extensions["policy_sources"].attribution_cy
    if welsh:
        graph.add((DATASET, DCTERMS.rights, Literal(welsh, lang="cy")))
    for doc in ("tpg", "ncf"):
        graph.add((DATASET, DCTERMS.source, ID[doc]))
    graph.add((DATASET, VOID.sparqlEndpoint, URIRef(base + "/sparql")))
    graph.add((DATASET, VOID.uriSpace, Literal(str(ID))))
    graph.add((DATASET, VOID.vocabulary, URIRef(ONTOLOGY_IRI)))
    for ext in ("ttl", "nt", "jsonld", "nq"):
        graph.add((DATASET, VOID.dataDump, URIRef(f"{base}/dumps/policy-graph.{ext}")))
    for example in EXAMPLES:
        graph.add((DATASET, VOID.exampleResource, ID[example]))
    graph.add((DATASET, VOID.triples, Literal(len(store), datatype=XSD.integer)))
    entities = 0
    for row in run_named(store, find_query(queries, "void_classes")).rows:
        part = BNode()
        graph.add((DATASET, VOID.classPartition, part))
        graph.add((part, VOID["class"], row["class"]))
        graph.add((part, VOID.entities, Literal(int(row["entities"]), datatype=XSD.integer)))
        entities += int(row["entities"])
    properties = run_named(store, find_query(queries, "void_properties")).rows
    graph.add((DATASET, VOID.properties, Literal(len(properties), datatype=XSD.integer)))
    for row in properties:
        part = BNode()
        graph.add((DATASET, VOID.propertyPartition, part))
        graph.add((part, VOID.property, row["property"]))
        graph.add((part, VOID.triples, Literal(int(row["triples"]), datatype=XSD.integer)))
    text = graph.serialize(format="turtle")
    app.extensions.setdefault("void_ttl", {})[base] = text
    return text


DUMP_MIME = {"turtle": "text/turtle; charset=utf-8", "ntriples": "application/n-triples",
             "jsonld": "application/ld+json", "nquads": "application/n-quads"}


def dataset_dump(app: Flask, fmt: str) -> tuple[bytes, str]:
    """The whole graph in *fmt*; N-Quads keeps the named graphs, the others merge them."""
    cache = app.extensions.setdefault("dumps", {})
    if fmt not in cache:
        if fmt == "nquads":
            with open(app.config["GRAPH_PATH"], "rb") as fh:
                cache[fmt] = fh.read()
        else:
            cache[fmt] = dump(Path(app.config["GRAPH_PATH"]), fmt)
    return cache[fmt], DUMP_MIME[fmt]
