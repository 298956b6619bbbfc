"""The SPARQL endpoint's lean path (web/endpoint/lean.py) answers programs' protocol requests
exactly as the Flask view does: each request is sent over real HTTP twice, through the lean
path and through Flask (``SPARQL_LEAN`` off), and the statuses, bodies and headers compared;
real clients (SPARQLWrapper, rdflib's SPARQLStore) are answered by it; what it must leave to
Flask (pages, bearer keys, sessions, the language, the service description, preflight) goes on
to Flask; and under ``policy-graph serve`` (granian) it keeps the endpoint's headers."""

from __future__ import annotations

import json
import urllib.parse

import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import JSON, POST, XML, SPARQLWrapper

from tests.test_serving import start, stop
from tests.test_sparql import http
from web import create_app
from web.background import serving
from web.wsgi_server import granian_available

PRIORITIES = ("PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#> "
              "SELECT ?p WHERE { ?p a nwp:StrategicPriority } ORDER BY ?p")
LOOKUP = "SELECT ?p ?o WHERE { <https://w3id.org/nhs-wales-planning/id/wast> ?p ?o } ORDER BY ?p ?o"
CONSTRUCT = "CONSTRUCT { <https://w3id.org/nhs-wales-planning/id/wast> ?p ?o } WHERE { " \
            "<https://w3id.org/nhs-wales-planning/id/wast> ?p ?o }"
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
#: headers the HTTP server writes, not the app
SERVERS_OWN = {"date", "server", "connection", "keep-alive"}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
DIRECT = {"Content-Type": "application/sparql-query"}


@pytest.fixture(scope="module")
def served(built):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact), "SPARQL_TIMEOUT": 1.5,
                      "SPARQL_MAX_QUERY_LENGTH": 5000, "SPARQL_MAX_ROWS": 500})
    with serving(app) as url:
        yield url + "/sparql", app
    app.extensions["sparql_pool"].close()


def query_url(endpoint: str, **params) -> str:
    return endpoint + "?" + urllib.parse.urlencode(params)


def both_ways(served, url: str, data: bytes | None = None, headers: dict | None = None, method: str | None = None):
    """The answer to one request through the lean path and through Flask, and whether the
    lean path answered it itself: (lean, flask, taken)."""
    _endpoint, app = served
    answers = []
    taken = False
    for lean in (True, False):
        app.config["SPARQL_LEAN"] = lean
        before = app.wsgi_app.answered
        status, found, body = http(url, data, headers, method)
        taken = taken or app.wsgi_app.answered > before
        answers.append((status, sorted((k.lower(), v) for k, v in found.items() if k.lower() not in SERVERS_OWN),
                        body))
    app.config["SPARQL_LEAN"] = True
    return answers[0], answers[1], taken


CASES = {
    "GET, JSON by default": (dict(query=LOOKUP), None, {}, None),
    "GET, CSV, with the receipt": (dict(query=LOOKUP), None, {"Accept": "text/csv"}, None),
    "GET, CSV for a day": (dict(query=LOOKUP, on="2025-04-01"), None, {"Accept": "text/csv"}, None),
    "GET, XML by q-values": (dict(query=PRIORITIES), None,
                             {"Accept": "application/sparql-results+xml;q=0.9, text/csv;q=0.5"}, None),
    "GET, format over Accept": (dict(query=PRIORITIES, format="tsv"), None, {"Accept": "text/csv"}, None),
    "GET, CONSTRUCT in Turtle": (dict(query=CONSTRUCT), None, {"Accept": "text/turtle"}, None),
    "GET, ASK": (dict(query="ASK { ?s ?p ?o }"), None, {}, None),
    "HEAD": (dict(query=LOOKUP), None, {}, "HEAD"),
    "POST form": ({}, urllib.parse.urlencode({"query": PRIORITIES}).encode(), FORM, None),
    "POST direct": ({}, PRIORITIES.encode(), DIRECT, None),
    "POST direct, with a default graph": ({"default-graph-uri": "https://w3id.org/nhs-wales-planning/graph/x"},
                                          PRIORITIES.encode(), DIRECT, None),
    "400 malformed": (dict(query="SELECT ?s WHERE { ?s"), None, {}, None),
    "400 empty": (dict(query="  "), None, {}, None),
    "400 two queries": ({}, urllib.parse.urlencode([("query", "ASK {}"), ("query", "ASK {}")]).encode(), FORM, None),
    "400 bad graph IRI": ({"query": "ASK {}", "default-graph-uri": "not an iri"}, None, {}, None),
    "400 too many rows": (dict(query="SELECT * WHERE { ?s ?p ?o }"), None, {}, None),
    "403 update": (dict(query="INSERT DATA { <https://example.org/a> <https://example.org/b> 1 }"), None, {}, None),
    "403 update parameter": (dict(update="CLEAR ALL"), None, {}, None),
    "403 update body": ({}, b"CLEAR ALL", {"Content-Type": "application/sparql-update"}, None),
    "403 SERVICE": (dict(query="SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }"), None, {}, None),
    "406 nothing acceptable": (dict(query="ASK {}"), None, {"Accept": "image/png"}, None),
    "413 overlong": (dict(query="ASK {} #" + "x" * 6000), None, {}, None),
    "415 other body": ({}, b"ASK {}", {"Content-Type": "text/plain"}, None),
}


@pytest.mark.parametrize("name", list(CASES))
def test_the_lean_path_answers_as_flask_does(served, name):
    params, data, headers, method = CASES[name]
    url = query_url(served[0], **params) if params else served[0]
    lean, flask, taken = both_ways(served, url, data, headers, method)
    assert taken, "the lean path left it to Flask"
    assert lean == flask
    status, found, body = lean
    found = dict(found)
    assert found["access-control-allow-origin"] == "*" and found["vary"] == "Accept"
    assert found["x-content-type-options"] == "nosniff"
    if status >= 400:
        assert found["content-type"].startswith("text/plain") and body.strip()
    if name.startswith("GET, CSV"):
        assert "policy-graph-build" in found and 'rel="describedby"' in found["link"]
    if name == "GET, CSV for a day":
        assert found["policy-graph-as-of"] == "2025-04-01"
    if method == "HEAD":
        assert body == b"" and int(found["content-length"]) > 0


@pytest.mark.parametrize("name, params, headers, method", [
    ("the query page", dict(query="ASK {}"), {"Accept": "text/html"}, None),
    ("the service description", {}, {}, None),
    ("a bearer key", dict(query="ASK {}"), {"Authorization": "Bearer not-a-key"}, None),
    ("a session", dict(query="ASK {}"), {"Cookie": "session=x"}, None),
    ("a language", dict(query="ASK {}", lang="cy"), {}, None),
    ("a preflight", {}, {"Origin": "https://example.org", "Access-Control-Request-Method": "POST"}, "OPTIONS"),
])
def test_what_only_flask_can_answer_goes_on_to_flask(served, name, params, headers, method):
    url = query_url(served[0], **params) if params else served[0]
    lean, flask, taken = both_ways(served, url, None, headers, method)
    assert not taken
    assert lean[0] == flask[0]
    if name == "a bearer key":
        assert lean[0] == 401
    if name == "a language":
        assert any(k == "set-cookie" and v.startswith("lang=cy") for k, v in lean[1])


@pytest.mark.parametrize("name, query_string, taken_here", [
    ("a query that is not UTF-8", "query=ASK%20%7B%7D%FF", True),
    ("a parameter name that is not UTF-8", "query=ASK%20%7B%7D&%FF=1", True),
    ("a language named in escapes", "query=ASK%20%7B%7D&l%61ng=cy", False),
    ("a language beside a query that is not UTF-8", "query=%FF&lang=cy", False),
    ("a language with no value", "query=ASK%20%7B%7D&lang", False),
    ("a day and a language", "query=ASK%20%7B%7D&on=2025-04-01&lang=en", False),
])
def test_the_query_string_is_read_once_as_flask_reads_it(served, name, query_string, taken_here):
    """The lean path reads the query string once, for the query, the language and the day; a
    language however written, even beside a query it refuses, still goes to Flask."""
    lean, flask, taken = both_ways(served, served[0] + "?" + query_string)
    assert taken == taken_here
    assert lean[0] == flask[0]
    if taken_here:
        assert lean == flask and lean[0] == 400 and b"not valid UTF-8" in lean[2]
    elif "lang&" not in query_string + "&":
        assert any(k == "set-cookie" and v.startswith("lang=") for k, v in lean[1])


def test_relative_iris_resolve_against_the_address_each_request_was_sent_to(served):
    """The address a query was sent to is kept by the host it names, not once for all."""
    url = query_url(served[0], query="SELECT ?b WHERE { BIND(<here> AS ?b) }")
    seen = []
    for host in ("one.example", "two.example:8080", "one.example"):
        lean, flask, taken = both_ways(served, url, headers={"Host": host, "Accept": "text/csv"})
        assert taken and lean == flask
        seen.append(lean[2].decode().split("\r\n")[1])
    assert seen == ["http://one.example/here", "http://two.example:8080/here", "http://one.example/here"]


def test_real_clients_are_answered_by_the_lean_path(served):
    endpoint, app = served
    before = app.wsgi_app.answered
    client = SPARQLWrapper(endpoint)
    client.setQuery(PRIORITIES)
    client.setReturnFormat(JSON)
    assert len(client.query().convert()["results"]["bindings"]) == 6
    client.setMethod(POST)
    client.setReturnFormat(XML)
    assert len(client.query().convert().getElementsByTagName("uri")) == 6
    graph = Graph(store=SPARQLStore(endpoint, returnFormat="json"))
    rows = list(graph.query(PRIORITIES))
    assert len(rows) == 6 and isinstance(rows[0][0], URIRef)
    assert app.wsgi_app.answered - before == 3


def test_the_time_limit_still_stops_a_query_on_the_lean_path(served):
    endpoint, app = served
    before, killed = app.wsgi_app.answered, app.extensions["sparql_pool"].killed
    status, headers, body = http(query_url(endpoint, query=CROSS_PRODUCT))
    assert status == 503 and b"time limit" in body and headers["Access-Control-Allow-Origin"] == "*"
    assert app.wsgi_app.answered == before + 1 and app.extensions["sparql_pool"].killed == killed + 1
    status, _, body = http(query_url(endpoint, query=PRIORITIES))
    assert status == 200 and len(json.loads(body)["results"]["bindings"]) == 6


def test_served_by_granian_the_endpoint_keeps_its_headers(built, tmp_path):
    assert granian_available()  # a dependency of the project
    process, base = start(built.artefact, {"POLICY_GRAPH_WORKERS": "1"})
    try:
        client = SPARQLWrapper(base + "/sparql")
        client.setQuery(PRIORITIES)
        client.setReturnFormat(JSON)
        assert len(client.query().convert()["results"]["bindings"]) == 6
        status, headers, body = http(query_url(base + "/sparql", query=PRIORITIES), headers={"Accept": "text/csv"})
        assert status == 200 and body.count(b"\r\n") == 7
        assert headers["Access-Control-Allow-Origin"] == "*" and headers["Vary"] == "Accept"
        assert headers["Policy-Graph-Build"] and headers["X-Content-Type-Options"] == "nosniff"
        status, headers, body = http(query_url(base + "/sparql", query=PRIORITIES), method="HEAD")
        assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0
        status, _, body = http(query_url(base + "/sparql", query="SELECT ?s WHERE { ?s"))
        assert status == 400 and b"Malformed query" in body
        status, headers, body = http(query_url(base + "/sparql", query="ASK {}"), headers={"Accept": "text/html"})
        assert status == 200 and headers["Content-Type"].startswith("text/html") and b"<textarea" in body
    finally:
        stop(process)
