"""Identifiers other schemes give the graph's nodes: every Act and set of Regulations links its
legislation.gov.uk page, every NHS Wales organisation whose ODS code is known carries it, each
identifier records the source it was taken from, an ODS code is an address that resolves, and
item pages say the same in schema.org JSON-LD."""

from __future__ import annotations

import json
import re

import pytest
from rdflib import Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from web import create_app
from web.twins import script_json

ID = Namespace("https://w3id.org/nhs-wales-planning/id/")
NWP = Namespace("https://w3id.org/nhs-wales-planning/ontology#")
ADMS = Namespace("http://www.w3.org/ns/adms#")
SCHEMA = Namespace("https://schema.org/")
PREFIXES = ("PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#> PREFIX adms: <http://www.w3.org/ns/adms#> "
            "PREFIX schema: <https://schema.org/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
            "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ")
LEGISLATION_GOV_UK = re.compile(r"^https://www\.legislation\.gov\.uk/(ukpga|asc|anaw|mwa|wsi|uksi)/\d{4}/\d+$")
#: What the data says, checked here against an independent list.
ODS_CODES = {"aneurin-bevan-uhb": "7A6", "betsi-cadwaladr-uhb": "7A1", "cardiff-and-vale-uhb": "7A4",
             "cwm-taf-morgannwg-uhb": "7A5", "hywel-dda-uhb": "7A2", "powys-thb": "7A7", "swansea-bay-uhb": "7A3",
             "velindre-university-nhs-trust": "RQF", "wast": "RT4", "public-health-wales": "RYT"}
#: NHS Wales organisations whose code could not be checked, left without one on purpose.
WITHOUT_ODS = {"heiw", "dhcw"}
#: Legislation whose instrument number the text does not give and that is not yet checked.
WITHOUT_ADDRESS = {"nhs-complaints-amendment-regulations-2025", "hia-regulations-2025"}


def _id(iri) -> str:
    return str(iri).removeprefix(str(ID))


@pytest.fixture(scope="module")
def client(built):
    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)}).test_client()


def test_every_act_and_regulation_has_its_legislation_gov_uk_address(store):
    rows = store.query(PREFIXES + """
        SELECT ?law ?same ?see ?notation ?source ?note WHERE {
          ?law a nwp:Legislation .
          OPTIONAL { ?law schema:sameAs ?same }
          OPTIONAL { ?law rdfs:seeAlso ?see }
          OPTIONAL { ?law adms:identifier ?i . ?i nwp:legislationGovUkId ?notation ; nwp:hasExternalSource ?source }
          OPTIONAL { ?law skos:note ?note }
        }""").rows
    laws = {_id(r["law"]): r for r in rows}
    assert len(laws) == 10
    missing = {law for law, r in laws.items() if r.get("same") is None}
    assert missing == WITHOUT_ADDRESS
    for law in missing:
        assert "legislation.gov.uk" in str(laws[law]["note"]), law
    for law, r in laws.items():
        if law in missing:
            continue
        assert LEGISLATION_GOV_UK.match(str(r["same"])), law
        assert r["see"] == r["same"], law
        assert str(r["same"]).endswith("/" + str(r["notation"])), law
        assert _id(r["source"]) == "ext-legislation-gov-uk", law
    assert str(laws["qe-act-2020"]["same"]) == "https://www.legislation.gov.uk/asc/2020/1"
    assert str(laws["wfg-act-2015"]["same"]) == "https://www.legislation.gov.uk/anaw/2015/2"
    assert str(laws["equality-act-2010"]["same"]) == "https://www.legislation.gov.uk/ukpga/2010/15"
    assert str(laws["nhs-complaints-regulations-2011"]["same"]) == "https://www.legislation.gov.uk/wsi/2011/704"


def test_legislation_is_typed_for_schema_org_and_never_owl_same_as(store):
    assert store.query(PREFIXES + "ASK { <%s> a schema:Legislation }" % ID["hia-regulations-2025"]).boolean
    assert not store.query(PREFIXES + "ASK { ?s <http://www.w3.org/2002/07/owl#sameAs> ?o }").boolean


def test_every_nhs_wales_organisation_has_its_ods_code(store):
    rows = store.query(PREFIXES + """
        SELECT ?org ?code ?source ?note WHERE {
          ?org a nwp:NHSOrganisation .
          OPTIONAL { ?org adms:identifier ?i . ?i nwp:odsCode ?code ; nwp:hasExternalSource ?source }
          OPTIONAL { ?org skos:note ?note }
        }""").rows
    codes = {_id(r["org"]): r for r in rows}
    assert {org: str(r["code"]) for org, r in codes.items() if r.get("code") is not None} == ODS_CODES
    for org, r in codes.items():
        if r.get("code") is None:
            assert "ODS" in str(r["note"]), org
        else:
            assert r["code"].datatype == NWP.ODSCode and _id(r["source"]) == "ext-ods", org
    assert WITHOUT_ODS <= set(codes)


def test_identifiers_are_externally_sourced_nodes_with_one_notation(store):
    rows = store.query(PREFIXES + """
        SELECT ?i (COUNT(DISTINCT ?n) AS ?notations) (SAMPLE(?flag) AS ?external) WHERE {
          ?i a adms:Identifier ; skos:notation ?n . OPTIONAL { ?i nwp:externallySourced ?flag }
        } GROUP BY ?i""").rows
    assert len(rows) == len(ODS_CODES) + 8
    assert all(int(r["notations"]) == 1 and r["external"] == Literal(True) for r in rows)


def test_an_ods_code_resolves_to_its_organisation_and_its_data_names_the_code(client):
    response = client.get("/id/7A2", headers={"Accept": "text/turtle"})
    assert response.status_code == 303 and response.headers["Location"] == "/id/hywel-dda-uhb"
    followed = client.get(response.headers["Location"], headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=followed.data, format="turtle")
    identifier = graph.value(ID["hywel-dda-uhb"], ADMS.identifier)
    assert identifier == ID["ods-7a2"]
    described = Graph().parse(data=client.get("/id/ods-7a2.ttl").data, format="turtle")
    assert (identifier, SKOS.notation, Literal("7A2", datatype=NWP.ODSCode)) in described
    assert (identifier, NWP.hasExternalSource, ID["ext-ods"]) in described
    page = client.get("/id/RT4")
    assert page.status_code == 303 and page.headers["Location"] == "/id/wast"
    assert client.get("/id/7A2.json").headers["Location"] == "/id/hywel-dda-uhb.json"


def test_codes_are_matched_as_ods_writes_them_and_cannot_shadow_an_item(client):
    # ids are lower case and codes upper case: a lower-case code is an id, and names nothing
    assert client.get("/id/7a2").status_code == 404
    unknown = client.get("/id/ZZ9", headers={"Accept": "text/turtle"})
    assert unknown.status_code == 404 and b"ODS code ZZ9" in unknown.data
    assert client.get("/id/wast").status_code == 200


def test_a_linked_data_client_follows_a_duty_to_its_act_on_legislation_gov_uk(client):
    duty = Graph().parse(data=client.get("/id/duty-of-quality", headers={"Accept": "text/turtle"}).data,
                         format="turtle")
    act = duty.value(ID["duty-of-quality"], NWP.imposedBy)
    response = client.get(str(act).removeprefix("https://w3id.org/nhs-wales-planning"),
                          headers={"Accept": "application/ld+json"})
    graph = Graph().parse(data=response.data, format="json-ld")
    address = URIRef("https://www.legislation.gov.uk/asc/2020/1")
    assert (act, RDFS.seeAlso, address) in graph and (act, SCHEMA.sameAs, address) in graph
    assert (act, RDF.type, SCHEMA.Legislation) in graph


def _json_ld(html: str) -> dict:
    found = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    assert found, "no JSON-LD"
    assert "<" not in found.group(1)
    return json.loads(found.group(1))


def test_item_pages_embed_schema_org_json_ld(client):
    act = _json_ld(client.get("/id/wfg-act-2015").data.decode())
    assert act["@type"] == "Legislation" and act["@id"] == str(ID["wfg-act-2015"])
    assert act["sameAs"] == ["https://www.legislation.gov.uk/anaw/2015/2"]
    assert act["legislationIdentifier"] == "anaw/2015/2"
    board = _json_ld(client.get("/id/hywel-dda-uhb").data.decode())
    assert board["@type"] == "GovernmentOrganization"
    assert {"@type": "PropertyValue", "propertyID": "ODS", "value": "7A2"} in board["identifier"]
    page = client.get("/id/hywel-dda-uhb").data.decode()
    assert "<code>7A2</code>" in page and "https://digital.nhs.uk/services/organisation-data-service" in page


def test_json_ld_cannot_close_its_script_element():
    hostile = {"name": "</script><script>alert(1)</script><!-- & \u2028"}
    text = str(script_json(hostile))
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert json.loads(text) == hostile
