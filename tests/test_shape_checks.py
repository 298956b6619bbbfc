"""The fast plan checker (SHACL compiled to SPARQL on Oxigraph) gives exactly pySHACL's findings
on the plan shapes: on the illustrative plan, on plans broken one constraint at a time, and on
one broken every way at once; and it refuses shapes it does not implement, naming them."""

from __future__ import annotations

import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF, XSD

from graph.build.validate import validate
from graph.errors import StoreError
from graph.namespaces import ID, NWP
from graph.rules.plan_graph import commitment_iri, figure_iri, plan_iri, plan_shapes, plan_to_graph, validate_plan
from graph.rules.plans import read_plan
from graph.rules.shape_checks import UnsupportedShapeError, check_shapes, compile_shapes
from graph.rules.targets import load_metrics, read_trajectory_file
from tests.conftest import REAL

EXAMPLE_PLAN = REAL.root / "examples" / "illustrative-plan.csv"
EXAMPLE_TRAJECTORY = REAL.root / "examples" / "illustrative-trajectory.csv"
ORG = "swansea-bay-uhb"
PLAN = plan_iri("demo")
C01 = commitment_iri("demo", "c01")
C11 = commitment_iri("demo", "c11")  # the commitment that justifies not adopting an item
TOPIC_QUERY = "SELECT ?t WHERE { ?t a <https://w3id.org/nhs-wales-planning/ontology#Topic> } ORDER BY ?t LIMIT 1"


@pytest.fixture(scope="module")
def plan(store, queries) -> Graph:
    figures = read_trajectory_file(EXAMPLE_TRAJECTORY, load_metrics(store, queries))
    return plan_to_graph("demo", ORG, read_plan(EXAMPLE_PLAN), figures, "Illustrative plan",
                         source="illustrative-plan.csv")


@pytest.fixture(scope="module")
def topic(store) -> URIRef:
    return store.query(TOPIC_QUERY).rows[0]["t"]  # type: ignore[return-value]


def with_types(graph: Graph, store) -> Graph:
    """The plan graph plus the policy graph's types of every IRI it names, as validate_plan
    gives the checkers."""
    data = Graph()
    data += graph
    named = sorted({o for o in graph.objects() if isinstance(o, URIRef)})
    values = " ".join(n.n3() for n in named)
    for row in store.query(f"SELECT ?n ?t WHERE {{ VALUES ?n {{ {values} }} ?n a ?t }}").rows:
        data.add((row["n"], RDF.type, row["t"]))
    return data


def same(fast, reference) -> bool:
    """The same findings: the reports sort by focus, shape and message only, so findings that
    tie on those (two breaches of one property shape) may come in either order."""
    return (fast.conforms, sorted(fast.violations, key=repr), sorted(fast.warnings, key=repr)) == \
        (reference.conforms, sorted(reference.violations, key=repr), sorted(reference.warnings, key=repr))


def first_figure(graph: Graph) -> URIRef:
    return sorted(graph.subjects(RDF.type, NWP.PlannedFigure))[0]  # type: ignore[return-value]


def set_value(graph: Graph, node, predicate, *values) -> None:
    graph.remove((node, predicate, None))
    for value in values:
        graph.add((node, predicate, value))


#: One damage per constraint of ontology/plan-shapes.ttl (shape, path, component).
DAMAGES = {
    "P1 identifier minCount": lambda g, t: set_value(g, PLAN, DCTERMS.identifier),
    "P1 identifier maxCount": lambda g, t: g.add((PLAN, DCTERMS.identifier, Literal("second"))),
    "P1 identifier datatype": lambda g, t: set_value(g, PLAN, DCTERMS.identifier, Literal("demo", lang="en")),
    "P1 identifier pattern": lambda g, t: set_value(g, PLAN, DCTERMS.identifier, Literal("not an id!")),
    "P1 creator minCount": lambda g, t: set_value(g, PLAN, DCTERMS.creator),
    "P1 creator maxCount": lambda g, t: g.add((PLAN, DCTERMS.creator, ID["wast"])),
    "P1 creator class": lambda g, t: set_value(g, PLAN, DCTERMS.creator, t),
    "P1 title maxCount": lambda g, t: g.add((PLAN, DCTERMS.title, Literal("Another title", lang="en"))),
    "P2 identifier minCount": lambda g, t: set_value(g, C01, DCTERMS.identifier),
    "P2 identifier maxCount": lambda g, t: g.add((C01, DCTERMS.identifier, Literal("c01b"))),
    "P2 identifier datatype": lambda g, t: set_value(g, C01, DCTERMS.identifier, Literal(1)),
    "P2 description minCount": lambda g, t: set_value(g, C01, DCTERMS.description),
    "P2 description maxCount": lambda g, t: g.add((C01, DCTERMS.description, Literal("again", lang="en"))),
    "P2 description minLength": lambda g, t: set_value(g, C01, DCTERMS.description, Literal("", lang="en")),
    "P2 isPartOf minCount": lambda g, t: set_value(g, C01, DCTERMS.isPartOf),
    "P2 isPartOf maxCount": lambda g, t: g.add((C01, DCTERMS.isPartOf, plan_iri("other"))),
    "P2 isPartOf class": lambda g, t: set_value(g, C01, DCTERMS.isPartOf, t),
    "P2 attributed minCount": lambda g, t: set_value(g, C01, PROV.wasAttributedTo),
    "P2 attributed maxCount": lambda g, t: g.add((C01, PROV.wasAttributedTo, ID[ORG + "-twin"])),
    "P2 attributed class": lambda g, t: set_value(g, C01, PROV.wasAttributedTo, Literal(ORG)),
    "P2 justification maxCount": lambda g, t: g.add((C11, NWP.justification, Literal("And another reason."))),
    "P2 justification datatype": lambda g, t: set_value(g, C11, NWP.justification, Literal(3)),
    "P2 dueBy maxCount": lambda g, t: g.add((C01, NWP.dueBy, Literal("2028-03-31", datatype=XSD.date))),
    "P2 dueBy datatype": lambda g, t: set_value(g, C01, NWP.dueBy, Literal("Q4 2026/27")),
    "P2 dueBy ill-formed date": lambda g, t: set_value(g, C01, NWP.dueBy, Literal("2027-13-45", datatype=XSD.date)),
    "P2 tracksMetric class": lambda g, t: g.add((C01, NWP.tracksMetric, t)),
    "P3 answers or": lambda g, t: g.add((C01, NWP.answers, t)),
    "P3 answers a literal": lambda g, t: g.add((C01, NWP.answers, Literal("kde-2-1-rtt-104-weeks"))),
    "P3 justifies or": lambda g, t: g.add((C11, NWP.justifiesNotAdopting, t)),
    "P4 or": lambda g, t: set_value(g, C11, NWP.justification),
    "P5 sparql": lambda g, t: set_value(g, C01, PROV.wasAttributedTo, ID["wast"]),
    "P6 tracksMetric minCount": lambda g, t: set_value(g, first_figure(g), NWP.tracksMetric),
    "P6 tracksMetric maxCount": lambda g, t: g.add((first_figure(g), NWP.tracksMetric, ID["metric-ed-12-hour-waits"])),
    "P6 tracksMetric class": lambda g, t: set_value(g, first_figure(g), NWP.tracksMetric, t),
    "P6 period minCount": lambda g, t: set_value(g, first_figure(g), NWP.period),
    "P6 period maxCount": lambda g, t: g.add((first_figure(g), NWP.period, Literal("2027-05"))),
    "P6 period datatype": lambda g, t: set_value(g, first_figure(g), NWP.period, BNode()),
    "P6 value minCount": lambda g, t: set_value(g, first_figure(g), RDF.value),
    "P6 value maxCount": lambda g, t: g.add((first_figure(g), RDF.value, Literal("7", datatype=XSD.decimal))),
    "P6 value datatype": lambda g, t: set_value(g, first_figure(g), RDF.value, Literal(7.5)),
    "P6 value ill-formed decimal": lambda g, t: set_value(g, first_figure(g), RDF.value,
                                                          Literal("lots", datatype=XSD.decimal)),
    "P6 baseline maxCount": lambda g, t: g.add((first_figure(g), NWP.baselineValue,
                                                Literal("1", datatype=XSD.decimal))),
    "P6 baseline datatype": lambda g, t: set_value(g, first_figure(g), NWP.baselineValue, Literal("about 40")),
    "node that is not a figure's": lambda g, t: g.add((figure_iri("demo", "x", "2027"), RDF.type, NWP.PlannedFigure)),
}


def test_the_illustrative_plan_passes_both(plan, store):
    data = with_types(plan, store)
    fast = check_shapes(data, plan_shapes())
    assert same(fast, validate(data, plan_shapes()))
    assert fast.conforms and fast.violations == []


def test_without_the_policy_types_both_find_the_same_many_problems(plan):
    fast = check_shapes(plan, plan_shapes())
    assert same(fast, validate(plan, plan_shapes()))
    assert len(fast.violations) > 10  # every named body, item and metric is unknown without its type


@pytest.mark.parametrize("damage", DAMAGES, ids=list(DAMAGES))
def test_one_broken_constraint_gives_the_same_findings(plan, store, topic, damage):
    broken = with_types(plan, store)
    DAMAGES[damage](broken, topic)
    reference = validate(broken, plan_shapes())
    assert not reference.conforms, "the damage must break a shape for the comparison to mean anything"
    assert same(check_shapes(broken, plan_shapes()), reference)


def test_a_plan_broken_every_way_at_once_gives_the_same_findings(plan, store, topic):
    broken = with_types(plan, store)
    for damage in DAMAGES.values():
        damage(broken, topic)
    fast = check_shapes(broken, plan_shapes())
    assert same(fast, validate(broken, plan_shapes()))
    assert {f.shape.rsplit("#", 1)[-1] for f in fast.violations} == {
        "P1-plan", "P2-commitment", "P3-answers-policy", "P4-justified", "P5-same-organisation", "P6-figure"}


def test_validate_plan_gives_the_same_problems_with_either_checker(plan, store, topic, monkeypatch):
    def broken() -> Graph:
        graph = Graph(identifier=plan.identifier)
        graph += plan
        graph.add((C01, NWP.answers, topic))
        graph.add((C01, NWP.answers, ID["no-such-item"]))
        set_value(graph, C11, NWP.justification)
        set_value(graph, first_figure(graph), RDF.value, Literal("lots", datatype=XSD.decimal))
        return graph

    fast = validate_plan(broken(), store)
    assert fast == validate_plan(broken(), store, checker="pyshacl") and len(fast) == 4
    monkeypatch.setenv("POLICY_GRAPH_PLAN_CHECKER", "pyshacl")
    assert validate_plan(broken(), store) == fast
    with pytest.raises(StoreError, match="unknown plan checker 'shacl'"):
        validate_plan(plan, store, checker="shacl")


SHAPES_HEAD = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <https://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""


@pytest.mark.parametrize(("turtle", "refusal"), [
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:maxLength 3 ; sh:message 'm' ] .",
     r"a shape inside ex:S uses sh:maxLength"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:nodeKind sh:IRI ; sh:message 'm' .",
     r"shape ex:S uses sh:nodeKind"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ; "
     "sh:message 'm' ] .", r"has a path that is not one property"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:or ( [ sh:class ex:D ] ) ; "
     "sh:message 'm' ] .", r"sh:or inside a property shape"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .",
     r"a shape inside ex:S has no sh:message"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:deactivated true .", r"shape ex:S uses sh:deactivated"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ "
     "sh:select 'SELECT $this WHERE { MINUS { $this ?p ?o } }' ; sh:message 'm' ] .",
     r"shape ex:S: its SPARQL constraint uses MINUS"),
    ("ex:S a sh:NodeShape ; sh:targetClass ex:C ; sh:sparql [ sh:select 'SELECT ?x WHERE { ?x ?p ?o }' ; "
     "sh:prefixes ex: ; sh:message 'm' ] .", r"its SPARQL constraint uses sh:prefixes"),
    ("ex:Lone a sh:NodeShape ; sh:languageIn ( 'en' ) .", r"shape ex:Lone uses sh:languageIn"),
    ("ex:N sh:targetNode ex:x ; sh:property [ sh:path ex:p ; sh:minCount 1 ; sh:message 'm' ] .",
     r"shape ex:N uses sh:targetNode"),
])
def test_a_shape_it_does_not_implement_is_refused_by_name(turtle, refusal):
    shapes = Graph().parse(data=SHAPES_HEAD + turtle, format="turtle")
    with pytest.raises(UnsupportedShapeError, match=refusal):
        compile_shapes(shapes)
    with pytest.raises(UnsupportedShapeError, match=refusal):
        check_shapes(Graph(), shapes)


def test_the_plan_shapes_compile():
    compiled = compile_shapes(plan_shapes())
    assert [s.name.rsplit("#", 1)[-1] for s in compiled.shapes] == [
        "P1-plan", "P2-commitment", "P3-answers-policy", "P4-justified", "P5-same-organisation", "P6-figure"]


def test_an_unrelated_commitment_shape_is_checked_alike():
    """A commitment outside any plan the policy graph holds breaks the same shapes in both."""
    graph = Graph()
    node = commitment_iri("loose", "c1")
    graph.add((node, RDF.type, NWP.Commitment))
    graph.add((node, DCTERMS.identifier, Literal("c1")))
    assert same(check_shapes(graph, plan_shapes()), validate(graph, plan_shapes()))
