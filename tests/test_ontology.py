"""The ontology documents itself and stays within what the build relies on."""

from __future__ import annotations

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SH, SKOS

from graph.build.pipeline import load_ontology, parse_turtle
from graph.namespaces import NWP
from tests.conftest import REAL


def _ontology() -> Graph:
    return load_ontology(REAL)


def test_every_class_and_property_has_a_label_and_a_one_line_definition():
    onto = _ontology()
    terms = [t for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
             for t in onto.subjects(RDF.type, kind) if str(t).startswith(str(NWP))]
    assert len(terms) > 90
    for term in terms:
        assert onto.value(term, RDFS.label), f"{term} has no label"
        definition = onto.value(term, SKOS.definition)
        assert definition and "\n" not in definition and definition.endswith("."), f"{term}: {definition!r}"


def test_required_classes_exist():
    onto = _ontology()
    for name in ("PolicyDocument", "Section", "Passage", "StrategicPriority", "DeliveryExpectation",
                 "EnablingAction", "Outcome", "Target", "Requirement", "QualityStandard", "QualityDomain",
                 "Legislation", "Act", "Regulations", "StatutoryDuty", "HealthBoard", "NHSTrust",
                 "SpecialHealthAuthority", "NationalBody", "PartnershipBoard", "Programme", "Plan", "Strategy",
                 "Framework", "Topic"):
        assert (NWP[name], RDF.type, OWL.Class) in onto, name


def test_relations_declare_inverses_and_transitivity_where_they_hold():
    onto = _ontology()
    for prop, inverse in ((NWP.partOf, NWP.hasPart), (NWP.underpinnedBy, NWP.underpins),
                          (NWP.measuredBy, NWP.measures), (NWP.supersedes, NWP.supersededBy),
                          (NWP.ledBy, NWP.leads), (NWP.appliesTo, NWP.subjectTo)):
        assert (prop, OWL.inverseOf, inverse) in onto
    for prop in (NWP.partOf, NWP.underpinnedBy):
        assert (prop, RDF.type, OWL.TransitiveProperty) in onto
    assert (NWP.bearer, RDFS.subPropertyOf, NWP.appliesTo) in onto
    assert (NWP.hasSourcePassage, RDFS.subPropertyOf, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")) in onto


def test_every_shape_has_a_stable_iri_a_label_and_messages():
    shapes = parse_turtle(REAL.shapes_file, REAL.root)
    node_shapes = list(shapes.subjects(RDF.type, SH.NodeShape))
    assert len(node_shapes) >= 10
    for shape in node_shapes:
        assert isinstance(shape, URIRef) and shapes.value(shape, RDFS.label)
        messages = list(shapes.objects(shape, SH.message)) + [
            m for p in shapes.objects(shape, SH.property) for m in shapes.objects(p, SH.message)]
        assert messages, f"{shape} has no sh:message"


@pytest.mark.parametrize("kind", ["store", "rdflib_store"])
def test_inference_adds_types_inverses_and_transitive_links(kind, request):
    store = request.getfixturevalue(kind)
    ask = "ASK { ?s ?p ?o }"
    hb_req = URIRef("https://w3id.org/nhs-wales-planning/id/req-2-1-implement-3ps-policy")
    assert store.is_inferred(hb_req, RDF.type, NWP.PolicyItem)
    target = URIRef("https://w3id.org/nhs-wales-planning/id/target-2-1-rtt-104-weeks")
    kde = URIRef("https://w3id.org/nhs-wales-planning/id/kde-2-1-rtt-104-weeks")
    assert store.query(ask, {"s": target, "p": NWP.measures, "o": kde}).boolean
    assert store.is_inferred(target, NWP.measures, kde)
    section = URIRef("https://w3id.org/nhs-wales-planning/id/tpg-2-1-uec-action-1")
    doc = URIRef("https://w3id.org/nhs-wales-planning/id/tpg")
    assert store.is_inferred(section, NWP.partOf, doc)
    assert not store.is_inferred(kde, NWP.servesPriority,
                                 URIRef("https://w3id.org/nhs-wales-planning/id/priority-timely-access-to-care"))
