"""The SPARQL 1.1 Protocol endpoint, tested over real HTTP on loopback with real clients
(SPARQLWrapper, rdflib's SPARQLStore) and raw requests for each protocol case, including the
error cases; and its safety limits: read-only, no outbound requests, time, rows and length.
https://www.w3.org/TR/sparql11-protocol/"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, XML, SPARQLWrapper

from web import create_app
from web.background import serving

PRIORITIES = ("PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#> "
              "SELECT ?p WHERE { ?p a nwp:StrategicPriority } ORDER BY ?p")
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
TIME_LIMIT = 2.0


@pytest.fixture(scope="module")
def server(built):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact), "SPARQL_TIMEOUT": TIME_LIMIT,
                      "SPARQL_MAX_QUERY_LENGTH": 5000})
    with serving(app) as url:
        yield url, app
    pool = app.extensions.get("sparql_pool")
    if pool:
        pool.close()


@pytest.fixture(scope="module")
def endpoint(server):
    return server[0] + "/sparql"


def http(url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    """(status, headers, body) of one request; error statuses are returned, not raised."""
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


def get(endpoint: str, query: str, accept: str | None = None, **params):
    url = endpoint + "?" + urllib.parse.urlencode({"query": query, **params})
    return http(url, headers={"Accept": accept} if accept else {})


def priorities_in_json(body: bytes) -> list[str]:
    data = json.loads(body)
    return [b["p"]["value"].rsplit("/", 1)[-1] for b in data["results"]["bindings"]]


# --- real clients -------------------------------------------------------------------------

def test_sparqlwrapper_get_json(endpoint):
    client = SPARQLWrapper(endpoint)
    client.setQuery(PRIORITIES)
    client.setReturnFormat(JSON)
    data = client.query().convert()
    assert len(data["results"]["bindings"]) == 6


def test_sparqlwrapper_post_xml(endpoint):
    client = SPARQLWrapper(endpoint)
    client.setQuery(PRIORITIES)
    client.setMethod(POST)
    client.setReturnFormat(XML)
    document = client.query().convert()
    uris = [n.firstChild.data for n in document.getElementsByTagName("uri")]
    assert len(uris) == 6 and uris[0].endswith("priority-community-by-design")


def test_rdflib_sparqlstore_select_and_ask(endpoint):
    graph = Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    rows = list(graph.query(PRIORITIES))
    assert len(rows) == 6 and isinstance(rows[0][0], URIRef)
    assert graph.query("ASK { ?s a <https://w3id.org/nhs-wales-planning/ontology#HealthBoard> }").askAnswer is True


# --- protocol cases -----------------------------------------------------------------------

def test_query_via_get_defaults_to_sparql_json_with_cors(endpoint):
    status, headers, body = get(endpoint, PRIORITIES)
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert len(priorities_in_json(body)) == 6


def test_query_via_post_form(endpoint):
    data = urllib.parse.urlencode({"query": PRIORITIES}).encode()
    status, _, body = http(endpoint, data, {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 200 and len(priorities_in_json(body)) == 6


def test_query_via_post_directly(endpoint):
    status, _, body = http(endpoint, PRIORITIES.encode(), {"Content-Type": "application/sparql-query"})
    assert status == 200 and len(priorities_in_json(body)) == 6


@pytest.mark.parametrize("accept, mime", [
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml;q=0.5, text/csv;q=0.9", "text/csv"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_results_by_accept_with_q_values(endpoint, accept, mime):
    status, headers, body = get(endpoint, PRIORITIES, accept)
    assert status == 200 and headers["Content-Type"].startswith(mime)
    if mime == "text/csv":
        rows = list(csv.reader(io.StringIO(body.decode())))
        assert rows[0] == ["p"] and len(rows) == 7
    if mime == "application/sparql-results+xml":
        assert len(ET.fromstring(body).findall(".//{http://www.w3.org/2005/sparql-results#}result")) == 6


def test_format_parameter_overrides_accept(endpoint):
    status, headers, body = get(endpoint, PRIORITIES, "application/sparql-results+json", format="tsv")
    assert status == 200 and headers["Content-Type"].startswith("text/tab-separated-values")
    assert body.decode().splitlines()[0] == "?p"


@pytest.mark.parametrize("accept, mime, rdflib_format", [
    (None, "text/turtle", "turtle"),
    ("application/n-triples", "application/n-triples", "nt"),
    ("application/ld+json", "application/ld+json", "json-ld"),
    ("application/rdf+xml", "application/rdf+xml", "xml"),
])
def test_construct_in_every_rdf_format(endpoint, accept, mime, rdflib_format):
    query = ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o "
             "FILTER(?s = <https://w3id.org/nhs-wales-planning/id/kde-2-1-rtt-104-weeks>) }")
    status, headers, body = get(endpoint, query, accept)
    assert status == 200 and headers["Content-Type"].startswith(mime)
    graph = Graph().parse(data=body, format=rdflib_format)
    assert len(graph) > 5


def test_ask_answers_true_and_false(endpoint):
    _, _, yes = get(endpoint, "ASK { ?s a <https://w3id.org/nhs-wales-planning/ontology#Requirement> }")
    _, _, no = get(endpoint, "ASK { ?s a <https://example.org/Nothing> }")
    assert json.loads(yes)["boolean"] is True and json.loads(no)["boolean"] is False


def test_nothing_acceptable_is_406(endpoint):
    status, _, body = get(endpoint, PRIORITIES, "image/png")
    assert status == 406 and b"application/sparql-results+json" in body
    status, _, _ = get(endpoint, PRIORITIES, format="turtle")
    assert status == 406


def test_malformed_query_is_400_with_the_position(endpoint):
    status, headers, body = get(endpoint, "SELECT ?s WHERE { ?s ?p }")
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert b"Malformed query" in body and b"1:" in body


def test_default_graph_uri_selects_the_default_graph(endpoint):
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    whole = int(json.loads(get(endpoint, count)[2])["results"]["bindings"][0]["n"]["value"])
    inferred_iri = "https://w3id.org/nhs-wales-planning/graph/inferred"
    inferred = int(json.loads(get(endpoint, count, **{"default-graph-uri": inferred_iri})[2])
                   ["results"]["bindings"][0]["n"]["value"])
    assert 0 < inferred < whole
    status, _, _ = get(endpoint, count, **{"default-graph-uri": "not an iri"})
    assert status == 400


def test_service_description_without_a_query(endpoint):
    status, headers, body = http(endpoint)
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    graph = Graph().parse(data=body, format="turtle")
    sd = "http://www.w3.org/ns/sparql-service-description#"
    assert (URIRef(endpoint), URIRef(sd + "endpoint"), URIRef(endpoint)) in graph
    assert (URIRef(endpoint), URIRef(sd + "supportedLanguage"), URIRef(sd + "SPARQL11Query")) in graph
    status, headers, body = http(endpoint, headers={"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"].startswith("text/html") and b"<textarea" in body


def test_cors_preflight(endpoint):
    status, headers, _ = http(endpoint, method="OPTIONS", headers={
        "Origin": "https://example.org", "Access-Control-Request-Method": "POST"})
    assert status == 204 and "POST" in headers["Access-Control-Allow-Methods"]
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Content-Type" in headers["Access-Control-Allow-Headers"] and headers["Access-Control-Max-Age"]


def test_an_answer_lets_any_origin_read_it_and_says_the_rest_only_in_the_preflight(endpoint):
    # the methods, headers and how long to keep them are read from the preflight's answer alone
    status, headers, _ = get(endpoint, PRIORITIES)
    assert status == 200 and headers["Access-Control-Allow-Origin"] == "*"
    told = {h.lower() for h in headers if h.lower().startswith("access-control-")}
    assert told == {"access-control-allow-origin"}


# --- safety -------------------------------------------------------------------------------

@pytest.mark.parametrize("how", ["form", "direct", "get-update", "query-param"])
def test_updates_are_refused_whatever_the_method(endpoint, how):
    update = "INSERT DATA { <https://example.org/a> <https://example.org/b> <https://example.org/c> }"
    if how == "form":
        status, _, body = http(endpoint, urllib.parse.urlencode({"update": update}).encode(),
                               {"Content-Type": "application/x-www-form-urlencoded"})
    elif how == "direct":
        status, _, body = http(endpoint, update.encode(), {"Content-Type": "application/sparql-update"})
    elif how == "get-update":
        status, _, body = http(endpoint + "?" + urllib.parse.urlencode({"update": update}))
    else:
        status, _, body = get(endpoint, "PREFIX ex: <https://example.org/> " + update)
    assert status == 403 and b"read-only" in body
    _, _, after = get(endpoint, "ASK { <https://example.org/a> ?p ?o }")
    assert json.loads(after)["boolean"] is False


def test_service_is_refused_and_no_connection_is_made(endpoint):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    try:
        for query in (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
                      f"SELECT * WHERE {{ SeRvIcE SILENT <http://127.0.0.1:{port}/x> {{ ?s ?p ?o }} }}"):
            status, _, body = get(endpoint, query)
            assert status == 403 and b"SERVICE is not allowed" in body
        status, _, _ = get(endpoint, f"SELECT * FROM <http://127.0.0.1:{port}/data> WHERE {{ ?s ?p ?o }} LIMIT 1")
        assert status == 200
        with pytest.raises(TimeoutError):
            listener.accept()
    finally:
        listener.close()


def test_a_literal_naming_service_is_not_refused(endpoint):
    status, _, _ = get(endpoint, 'SELECT ?s WHERE { ?s ?p "SERVICE <http://127.0.0.1:1/>" }')
    assert status == 200


def test_pathological_query_is_cut_off_while_others_are_answered(server, endpoint):
    app = server[1]
    outcome = {}

    def slow():
        started = time.monotonic()
        outcome["status"], _, outcome["body"] = get(endpoint, CROSS_PRODUCT)
        outcome["seconds"] = time.monotonic() - started

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    status, _, body = get(endpoint, PRIORITIES)
    answered_while_it_ran = thread.is_alive()
    thread.join(120)
    assert status == 200 and len(priorities_in_json(body)) == 6
    assert answered_while_it_ran
    assert outcome["status"] == 503 and b"time limit" in outcome["body"]
    # the limit counts the query's processor time, which its time in all can only exceed
    assert outcome["seconds"] >= TIME_LIMIT
    assert app.extensions["sparql_pool"].killed >= 1
    # The killed worker is replaced: the endpoint keeps answering.
    for _ in range(3):
        assert get(endpoint, PRIORITIES)[0] == 200


def test_unbounded_path_over_the_whole_graph_is_cut_off(endpoint):
    status, _, body = get(endpoint, "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<https://example.org/none>)* ?b }")
    assert status == 503 and b"time limit" in body


def test_too_many_rows_is_a_clear_error(endpoint):
    status, _, body = get(endpoint, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 400 and b"more than 10000 rows" in body and b"LIMIT" in body


def test_overlong_query_is_413(endpoint):
    status, _, body = get(endpoint, "SELECT * WHERE { ?s ?p ?o } #" + "x" * 6000)
    assert status == 413 and b"at most 5000" in body


def test_unsupported_content_type_is_415(endpoint):
    status, _, _ = http(endpoint, b"{}", {"Content-Type": "application/json"})
    assert status == 415


def test_describe_answers_with_rdf(endpoint):
    status, headers, body = get(endpoint, "DESCRIBE <https://w3id.org/nhs-wales-planning/id/duty-of-quality>",
                                "application/n-triples")
    assert status == 200 and headers["Content-Type"].startswith("application/n-triples")
    graph = Graph().parse(data=body, format="nt")
    assert (URIRef("https://w3id.org/nhs-wales-planning/id/duty-of-quality"),
            URIRef("https://w3id.org/nhs-wales-planning/ontology#imposedBy"),
            URIRef("https://w3id.org/nhs-wales-planning/id/qe-act-2020")) in graph


def test_an_answer_over_the_size_cap_is_refused(built):
    from graph.store import OxigraphStore
    from web.endpoint.worker import Job, execute

    store = OxigraphStore(built.artefact)
    query = "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }"
    assert execute(store, Job(query, max_bytes=10_000_000)).status == 200
    reply = execute(store, Job(query, max_bytes=5_000))
    assert reply.status == 400 and b"larger than 5000 bytes" in reply.body
