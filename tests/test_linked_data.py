"""Every entity IRI resolves on this server: data for machines by Accept or suffix, the
ontology at its IRI, VoID and full dumps with the licence."""

from __future__ import annotations

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF

from web import create_app

ID = Namespace("https://w3id.org/nhs-wales-planning/id/")
NWP = Namespace("https://w3id.org/nhs-wales-planning/ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
VOID = Namespace("http://rdfs.org/ns/void#")


@pytest.fixture(scope="module")
def client(built):
    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)}).test_client()


@pytest.mark.parametrize("accept, mime, fmt", [
    ("text/turtle", "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
])
def test_entity_iri_gives_rdf_by_accept(client, accept, mime, fmt):
    response = client.get("/id/wast", headers={"Accept": accept})
    assert response.status_code == 200 and response.content_type.startswith(mime)
    assert response.headers["Vary"] == "Accept" and response.headers["Access-Control-Allow-Origin"] == "*"
    graph = Graph().parse(data=response.data, format=fmt)
    assert (ID.wast, RDF.type, NWP.NHSTrust) in graph
    assert (ID.wast, RDF.type, NWP.NHSOrganisation) in graph  # inferred triples are served too


@pytest.mark.parametrize("suffix, fmt", [(".ttl", "turtle"), (".nt", "nt"), (".jsonld", "json-ld"), (".rdf", "xml")])
def test_entity_iri_gives_rdf_by_suffix(client, suffix, fmt):
    response = client.get("/id/duty-of-quality" + suffix)
    assert response.status_code == 200 and response.headers["Content-Location"] == "/id/duty-of-quality" + suffix
    graph = Graph().parse(data=response.data, format=fmt)
    assert (ID["duty-of-quality"], NWP.imposedBy, ID["qe-act-2020"]) in graph


KDE_PASSAGE = "passage/tpg/ensure-no-ambulance-patient-handover-waits-ebe149ee"


def test_passage_iri_carries_its_selectors(client):
    answer = client.get(f"/id/{KDE_PASSAGE}.ttl")
    graph = Graph().parse(data=answer.data, format="turtle")
    passage = ID[KDE_PASSAGE]
    quote = URIRef(str(passage) + "#quote")
    assert (passage, OA.hasSelector, quote) in graph
    assert (quote, OA.exact, Literal("Ensure no ambulance patient handover waits over 45 minutes")) in graph


def test_a_passage_iri_holds_words_not_offsets_and_keeps_them_in_its_selector(client):
    graph = Graph().parse(data=client.get(f"/id/{KDE_PASSAGE}.ttl").data, format="turtle")
    position = URIRef(str(ID[KDE_PASSAGE]) + "#position")
    assert [int(start) for start in graph.objects(position, OA.start)] == [23533]
    assert (ID[KDE_PASSAGE], DCTERMS.replaces, ID["passage/tpg/23533-23591"]) in graph


@pytest.mark.parametrize("suffix, accept", [("", "text/html"), (".ttl", None), ("", "text/turtle")])
def test_an_old_offset_address_redirects_to_its_passage(client, suffix, accept):
    headers = {"Accept": accept} if accept else {}
    response = client.get("/id/passage/tpg/23533-23591" + suffix + "?lang=cy", headers=headers)
    assert response.status_code == 308
    assert response.headers["Location"].endswith(f"/id/{KDE_PASSAGE}{suffix}?lang=cy")
    followed = client.get(response.headers["Location"], headers=headers)
    assert followed.status_code == 200 and "ambulance patient handover" in followed.get_data(as_text=True)


def test_an_offset_address_no_passage_ever_had_is_404(client):
    response = client.get("/id/passage/tpg/1-2")
    assert response.status_code == 404
    assert "No passage of this graph was ever at passage/tpg/1-2" in response.get_data(as_text=True)


def test_unknown_entity_is_404_for_machines(client):
    response = client.get("/id/no-such-thing", headers={"Accept": "text/turtle"})
    assert response.status_code == 404 and b"No resource" in response.data


def test_browsers_are_not_sent_rdf(client):
    response = client.get("/id/wast", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert not response.content_type.startswith("text/turtle")


def test_ontology_iri_serves_the_ontology(client):
    for response in (client.get("/ontology", headers={"Accept": "text/turtle"}), client.get("/ontology.ttl")):
        graph = Graph().parse(data=response.data, format="turtle")
        assert (NWP.Requirement, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in graph


FORMATS = {"nt": "nt", "jsonld": "json-ld", "rdf": "xml", "ttl": "turtle"}


def test_a_browser_gets_the_ontology_as_a_page_and_its_json_twin_is_json_ld(client):
    from bs4 import BeautifulSoup

    page = client.get("/ontology?lang=cy", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html" and "Accept" in page.vary
    html = BeautifulSoup(page.get_data(as_text=True), "html.parser")
    assert html.find("h1").get_text() == "Yr ontoleg"
    shown = Graph().parse(data=html.find("pre").get_text(), format="turtle")
    assert (NWP.Requirement, RDF.type, URIRef("http://www.w3.org/2002/07/owl#Class")) in shown
    downloads = {a["href"] for a in html.select("main .lede a")}
    assert downloads == {f"/ontology.{x}" for x in ("nt", "jsonld", "rdf", "ttl")}
    for address in downloads:
        assert len(Graph().parse(data=client.get(address).data, format=FORMATS[address.split(".")[-1]])) > 100
    twin = client.get("/ontology", headers={"Accept": "application/json"})
    assert twin.mimetype == "application/ld+json"
    assert len(Graph().parse(data=twin.data, format="json-ld")) == len(shown)


def test_void_describes_the_dataset(client, store):
    graph = Graph().parse(data=client.get("/void").data, format="turtle")
    dataset = URIRef("https://w3id.org/nhs-wales-planning/dataset")
    assert (dataset, RDF.type, VOID.Dataset) in graph
    assert int(graph.value(dataset, VOID.triples)) == len(store)
    assert graph.value(dataset, URIRef("http://purl.org/dc/terms/license")) is not None
    classes = {graph.value(p, VOID["class"]) for p in graph.objects(dataset, VOID.classPartition)}
    assert {NWP.Requirement, NWP.DeliveryExpectation, NWP.HealthBoard} <= classes
    assert len(list(graph.objects(dataset, VOID.exampleResource))) >= 3
    assert len(list(graph.objects(dataset, VOID.dataDump))) == 4


@pytest.mark.parametrize("ext, fmt", [("ttl", "turtle"), ("nt", "nt"), ("jsonld", "json-ld"), ("nq", "nquads")])
def test_dumps_download_the_whole_graph_with_the_licence(client, built, ext, fmt):
    response = client.get(f"/dumps/policy-graph.{ext}")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    assert "open-government-licence" in response.headers["Link"]
    if ext == "nq":
        assert response.data == built.artefact.read_bytes()
        return
    graph = Graph().parse(data=response.data, format=fmt)
    assert len(graph) > 30000
    attribution = graph.value(ID.tpg, NWP.attribution)
    assert "Open Government Licence v3.0" in str(attribution)
