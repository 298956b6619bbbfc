"""Lookups answered in the web process (web/endpoint/simple.py): only the exact shapes that
cannot run long are recognised; their answers (status, body, headers) are the same as a query
worker's, through the lean path and through Flask, in every results format and at the caps;
and they see only what a worker holds: no unpublished plan."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

import pytest

from graph.paths import ARTEFACT_NAME
from graph.rules.plan_graph import commitment_iri
from tests.test_access import ORG, _bearer, _keep, _key
from tests.test_sparql import http
from tests.test_sparql_lean import SERVERS_OWN
from web import create_app
from web.background import serving
from web.endpoint.simple import counter, is_lookup

WAST = "https://w3id.org/nhs-wales-planning/id/wast"
NWP = "PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#>\n"
RDFS = "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"

LOOKUPS = [
    f"SELECT ?p ?o WHERE {{ <{WAST}> ?p ?o }}",
    f"select * {{ <{WAST}> ?p ?o . }} limit 5",
    f"{NWP}SELECT ?p WHERE {{ ?p a nwp:StrategicPriority }}",
    f"{NWP}Select ?p\nWhere\n{{\n\t?p a nwp:StrategicPriority .\n}}\nLIMIT 3",
    f"{RDFS}SELECT ?s {{ ?s rdfs:label \"Welsh Ambulance Services University NHS Trust\"@en }}",
    "SELECT ?s WHERE { ?s ?p \"}\" }",
    "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } LIMIT 20",
    "BASE <https://w3id.org/nhs-wales-planning/id/> SELECT ?p ?o { <wast> ?p ?o }",
    "SELECT ?s WHERE { ?s ?p '2020'^^<http://www.w3.org/2001/XMLSchema#gYear> }",
    "SELECT?p?o{<https://w3id.org/nhs-wales-planning/id/wast>?p?o}",
    "PREFIX : <https://w3id.org/nhs-wales-planning/id/> SELECT $p $o { :wast $p $o }",
]

REFUSED = [
    f"SELECT ?p ?o WHERE {{ <{WAST}> ?p ?o . ?o ?q ?r }}",
    f"SELECT * {{ <{WAST}> ?p ?o }} OFFSET 10",
    f"SELECT * {{ <{WAST}> ?p ?o }} LIMIT 1 OFFSET 1",
    f"SELECT * FROM <https://w3id.org/nhs-wales-planning/graph/asserted> {{ <{WAST}> ?p ?o }}",
    f"SELECT * FROM NAMED <https://w3id.org/nhs-wales-planning/graph/asserted> {{ <{WAST}> ?p ?o }}",
    f"SELECT * {{ GRAPH ?g {{ <{WAST}> ?p ?o }} }}",
    f"SELECT * {{ SERVICE <http://example.org/sparql> {{ <{WAST}> ?p ?o }} }}",
    f"SELECT * {{ <{WAST}> ?p \"}}\" . ?x ?y ?z }}",
    f"SELECT * {{ <{WAST}> ?p ?o # a comment\n }}",
    f"# a comment\nSELECT * {{ <{WAST}> ?p ?o }}",
    f"SELECT * {{ <{WAST}> ?p ?o }} # a comment",
    f"SELECT DISTINCT ?p {{ <{WAST}> ?p ?o }}",
    f"SELECT REDUCED ?p {{ <{WAST}> ?p ?o }}",
    f"SELECT (STR(?o) AS ?t) {{ <{WAST}> ?p ?o }}",
    f"SELECT * {{ <{WAST}> ?p ?o FILTER(isIRI(?o)) }}",
    f"SELECT * {{ <{WAST}> ?p ?o OPTIONAL {{ ?o ?q ?r }} }}",
    f"SELECT * {{ {{ <{WAST}> ?p ?o }} UNION {{ ?o ?p <{WAST}> }} }}",
    f"SELECT * {{ {{ <{WAST}> ?p ?o }} }}",
    f"SELECT * {{ <{WAST}> <http://a>/<http://b> ?o }}",
    f"SELECT * {{ <{WAST}> <http://a>* ?o }}",
    f"SELECT * {{ <{WAST}> ^<http://a> ?o }}",
    "SELECT * { _:b ?p ?o }",
    f"SELECT * {{ <{WAST}> ?p [] }}",
    f"SELECT * {{ <{WAST}> ?p ?o }} ORDER BY ?o",
    f"SELECT ?p {{ <{WAST}> ?p ?o }} GROUP BY ?p",
    f"SELECT * {{ <{WAST}> ?p ?o VALUES ?o {{ 1 }} }}",
    f"SELECT * {{ {{ SELECT * {{ <{WAST}> ?p ?o }} }} }}",
    f"SELECT * {{ <{WAST}> ?p ?o ; ?q ?r }}",
    f"SELECT * {{ <{WAST}> ?p ?o , ?r }}",
    "SELECT * { ?s ?s ?o }",
    "SELECT * { ?s ?p ?s }",
    "SELECT * { nwp:x ?p ?o }",
    f"SELECT * {{ <{WAST}> ?p \"\\u0022\" }}",
    f"SELECT * {{ <{WAST}> ?p 12 }}",
    f"SELECT * {{ <{WAST}> ?p true }}",
    f"SELECT * {{ <{WAST}> ?p \"x\"^^nwp:t }}",
    f"SELECT * {{ <{WAST}> ?p \"\"\"long\"\"\" }}",
    "SELECT * { a ?p ?o }",
    f"SELECT * {{ <{WAST}> A ?o }}",
    f"ASK {{ <{WAST}> ?p ?o }}",
    f"CONSTRUCT {{ <{WAST}> ?p ?o }} WHERE {{ <{WAST}> ?p ?o }}",
    f"DESCRIBE <{WAST}>",
    f"SELECT * {{ <{WAST}> ?p ?o }} LIMIT",
    f"SELECT * {{ <{WAST}> ?p ?o }} LIMIT 5 LIMIT 6",
    f"SELECT * {{ <{WAST}> ?p ?o }}; SELECT * {{ ?s ?p ?o }}",
    f"SELECT * {{ <{WAST}> ?p ?o }} }}",
    f"SELECT * WHERE {{ <{WAST}> ?p ?o . . }}",
    f"SELECT * WHERE {{ <{WAST}>\u00a0?p ?o }}",
    f"SELECT ?p ?o WHEREX {{ <{WAST}> ?p ?o }}",
    f"INSERT DATA {{ <{WAST}> <http://a> <http://b> }}",
]


@pytest.mark.parametrize("query", LOOKUPS)
def test_lookups_are_recognised(query):
    assert is_lookup(query)


@pytest.mark.parametrize("query", REFUSED)
def test_every_other_shape_is_left_to_the_workers(query):
    assert not is_lookup(query)


@pytest.fixture(scope="module")
def served(built):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact), "SPARQL_TIMEOUT": 5,
                      "SPARQL_WORKERS": 1, "SPARQL_MAX_ROWS": 500})
    with serving(app) as url:
        yield url + "/sparql", app
    app.extensions["sparql_pool"].close()


def _four_ways(served, url: str, data: bytes | None = None, headers: dict | None = None):
    """The answer through the lean path and through Flask, each with and without the fast
    path, and how many of the four were answered in the web process."""
    _endpoint, app = served
    answers = {}
    before = counter(app).answered
    for lean in (True, False):
        for fast in (True, False):
            app.config.update(SPARQL_LEAN=lean, SPARQL_FAST_LOOKUPS=fast)
            status, found, body = http(url, data, headers)
            answers[lean, fast] = (status, sorted((k.lower(), v) for k, v in found.items()
                                                  if k.lower() not in SERVERS_OWN), body)
    app.config.update(SPARQL_LEAN=True, SPARQL_FAST_LOOKUPS=True)
    return answers, counter(app).answered - before


ACCEPTS = {"json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
           "csv": "text/csv", "tsv": "text/tab-separated-values"}


@pytest.mark.parametrize("accept", ACCEPTS.values(), ids=ACCEPTS.keys())
@pytest.mark.parametrize("query", LOOKUPS)
def test_a_lookup_is_answered_here_as_a_worker_answers_it(served, query, accept):
    endpoint, _app = served
    answers, fast = _four_ways(served, endpoint + "?" + urllib.parse.urlencode({"query": query}),
                               headers={"Accept": accept})
    assert fast == 2  # with the setting on, through the lean path and through Flask
    assert len(set(map(repr, answers.values()))) == 1, answers
    status, headers, _body = answers[True, True]
    assert status == 200 and dict(headers)["content-type"].startswith(accept)
    assert ("policy-graph-build" in dict(headers)) == (accept == "text/csv")  # the receipt, on CSV


def test_a_posted_lookup_is_answered_here_too(served):
    endpoint, _app = served
    answers, fast = _four_ways(served, endpoint, LOOKUPS[0].encode(), {"Content-Type": "application/sparql-query"})
    assert fast == 2 and len(set(map(repr, answers.values()))) == 1


def test_named_graphs_and_other_shapes_go_to_a_worker(served):
    endpoint, _app = served
    named = endpoint + "?" + urllib.parse.urlencode(
        {"query": LOOKUPS[0], "default-graph-uri": "https://w3id.org/nhs-wales-planning/graph/asserted"})
    answers, fast = _four_ways(served, named)
    assert fast == 0 and len(set(map(repr, answers.values()))) == 1
    answers, fast = _four_ways(served, endpoint + "?" + urllib.parse.urlencode({"query": REFUSED[0]}))
    assert fast == 0 and answers[True, True][0] == 200


def test_over_the_row_cap_the_same_400(served):
    endpoint, _app = served
    answers, fast = _four_ways(served, endpoint + "?" + urllib.parse.urlencode({"query": "SELECT * { ?s ?p ?o }"}))
    assert fast == 2 and len(set(map(repr, answers.values()))) == 1
    status, _headers, body = answers[True, True]
    assert status == 400 and b"more than 500" in body


def test_over_the_byte_cap_the_same_400(served):
    endpoint, app = served
    app.config["SPARQL_MAX_BYTES"] = 5_000
    try:
        query = "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o } LIMIT 400"
        answers, fast = _four_ways(served, endpoint + "?" + urllib.parse.urlencode({"query": query}))
    finally:
        app.config["SPARQL_MAX_BYTES"] = 10_000_000
    assert fast == 2 and len(set(map(repr, answers.values()))) == 1
    status, _headers, body = answers[True, True]
    assert status == 400 and b"larger than 5000 bytes" in body


def test_a_malformed_lookup_gets_the_workers_error(served):
    endpoint, _app = served
    query = "SELECT * { <not an iri> ?p ?o }"
    answers, _fast = _four_ways(served, endpoint + "?" + urllib.parse.urlencode({"query": query}))
    assert len(set(map(repr, answers.values()))) == 1 and answers[True, True][0] == 400


@pytest.mark.parametrize("query", [
    "PREFIX ex: <http://example.org/> SELECT * { ex:a.SERVICE ?p ?o }",
    "SELECT * { ?s ?p \"x\"@en-Service }",
])
def test_a_lookup_the_text_reads_as_service_is_refused_as_before(served, query):
    """The readings of the text are skipped for a lookup, but not where they would see SERVICE."""
    endpoint, _app = served
    assert is_lookup(query)
    answers, fast = _four_ways(served, endpoint + "?" + urllib.parse.urlencode({"query": query}))
    assert fast == 0 and len(set(map(repr, answers.values()))) == 1
    assert answers[True, True][0] == 403 and b"SERVICE is not allowed" in answers[True, True][2]


def test_a_lookup_is_held_to_the_nesting_limit_too(served):
    endpoint, app = served
    app.config["SPARQL_MAX_DEPTH"] = 0
    try:
        answers, fast = _four_ways(served, endpoint + "?" + urllib.parse.urlencode({"query": LOOKUPS[0]}))
    finally:
        app.config["SPARQL_MAX_DEPTH"] = 64
    assert fast == 0 and len(set(map(repr, answers.values()))) == 1
    assert answers[True, True][0] == 400 and b"nested 1 deep" in answers[True, True][2]


@pytest.fixture
def accounts_path(tmp_path) -> Path:
    return tmp_path / "instance" / "accounts.json"


@pytest.mark.parametrize("expose", [True, False])
def test_an_unpublished_plan_is_not_seen_by_a_lookup(build_dir, accounts_path, expose):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME), "SPARQL_WORKERS": 1,
                      "ACCOUNTS_PATH": str(accounts_path), "SPARQL_EXPOSE_PLANS": expose})
    lookup = f"SELECT ?p ?o WHERE {{ <{commitment_iri('private-plan', 'c07')}> ?p ?o }}"
    try:
        client, editor = app.test_client(), _bearer(_key(app, "ed", ORG))
        assert _keep(client, headers=editor).status_code == 200

        def rows(fast: bool, taken: bool) -> list:
            app.config["SPARQL_FAST_LOOKUPS"] = fast
            before = counter(app).answered
            answer = client.get("/sparql", query_string={"query": lookup},
                                headers={"Accept": "application/sparql-results+json"})
            assert counter(app).answered - before == (1 if fast and taken else 0)
            return answer.get_json()["results"]["bindings"]

        # while this process holds a plan the workers do not, every lookup goes to a worker: over
        # the graphs left, the engine could give the same rows in another order
        assert rows(True, taken=False) == rows(False, taken=False) == []
        wide = f"SELECT ?p ?o WHERE {{ <{WAST}> ?p ?o }}"
        answers = []
        for fast in (True, False):
            app.config["SPARQL_FAST_LOOKUPS"] = fast
            before = counter(app).answered
            answer = client.get("/sparql", query_string={"query": wide}, headers={"Accept": "text/csv"})
            assert answer.status_code == 200 and counter(app).answered == before
            answers.append(answer.get_data())
        assert answers[0] == answers[1] and answers[0].count(b"\n") > 5
        assert client.post("/plans/private-plan/publish", data={"format": "json"}, headers=editor).status_code == 200
        # published and shown, the workers hold every graph this process does: the lookup is answered here
        shown = rows(True, taken=expose)
        assert shown == rows(False, taken=False)
        assert bool(shown) == expose
    finally:
        pool = app.extensions.get("sparql_pool")
        if pool is not None:
            pool.close()


def test_while_the_graphs_change_a_lookup_goes_to_a_worker(served):
    endpoint, app = served
    store = app.extensions["policy_graph"].store
    url = endpoint + "?" + urllib.parse.urlencode({"query": LOOKUPS[0]})
    before = counter(app).answered
    with store._changing():  # as while a plan kept elsewhere is loaded
        during = http(url)
    assert counter(app).answered == before
    after = http(url)
    assert counter(app).answered == before + 1
    assert (during[0], during[2]) == (after[0], after[2]) and during[0] == 200
