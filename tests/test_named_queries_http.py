"""The named queries over HTTP: the index (``/queries``) and each query's page
(``/queries/<name>?param=value…``) with its JSON and CSV twins, in English and in Welsh, through
the test client on the real built graph. Every query is asked with the examples its parameters'
help gives, and its JSON rows are checked against the library's own answer."""

from __future__ import annotations

import csv
import io
import json
import textwrap

import pytest
from bs4 import BeautifulSoup

from graph.queries import example_value, load_queries, parse_query_file, run_named
from tests.conftest import REAL, copy_build
from web import create_app
from web.graphdata import plain
from web.views.named_queries import PAGE_ROWS, TRIPLE

QUERIES = load_queries(REAL.queries_dir)
#: The queries whose rows the shipped graph must not have (tests/queries.yaml, `empty: true`): two
#: checks' findings, and the starts of a bearer's own, which neither document gives; their example
#: gives no rows, so the comparison is of two empty answers.
NO_FINDINGS = {"dates_out_of_order", "unbound_obligations", "bearer_starts"}
LANGUAGES = ("en", "cy")


@pytest.fixture(scope="module")
def app(built, tmp_path_factory):
    """The app over the built graph with the illustrative plan kept beside it, so that the queries
    of kept plans have something to answer too (published, so that anyone may see it)."""
    from graph.api import PolicyGraph
    from graph.rules.plans import read_plan

    folder = tmp_path_factory.mktemp("planned")
    copy_build(built, folder / built.artefact.name)
    PolicyGraph.open(folder / built.artefact.name, kind="oxigraph").keep_plan(
        "illustrative", "swansea-bay-uhb", read_plan(REAL.root / "examples" / "illustrative-plan.csv"), published=True)
    return create_app({"TESTING": True, "GRAPH_PATH": str(folder / built.artefact.name)})


@pytest.fixture(scope="module")
def store(app):
    return app.extensions["policy_graph"].store


@pytest.fixture
def client(app):
    return app.test_client()  # a fresh client per test: no language cookie carried over


def soup(response, status: int = 200) -> BeautifulSoup:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/html"
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def csv_table(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def examples(named) -> dict[str, str]:
    """Every parameter of *named* bound to the first example its help gives."""
    return {p.name: example_value(p) for p in named.parameters}


def library_answer(store, named, values) -> tuple[list[str], list[dict]]:
    """The columns and rows the library gives for *named*, as plain values."""
    result = run_named(store, named, values)
    if result.kind == "graph":
        return list(TRIPLE), [dict(zip(TRIPLE, (plain(t) for t in triple), strict=True)) for triple in result.graph]
    return result.variables, [{k: plain(v) for k, v in row.items()} for row in result.rows]


def _key(row: dict) -> str:
    return json.dumps(row, sort_keys=True)


def _text(value) -> str:
    return "" if value is None else str(value)


# --- every query, with its examples, in both languages -------------------------------------------

def test_every_parameter_gives_an_example():
    assert len(QUERIES) >= 25
    assert all(examples(q)[p] for q in QUERIES.values() for p in examples(q)), "a parameter without an example"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", [q.cli_name for q in QUERIES.values()])
def test_every_named_query_answers_its_example_as_the_library_does(client, store, name, lang):
    named = QUERIES[name.replace("-", "_")]
    values = examples(named)
    variables, rows = library_answer(store, named, values)
    assert bool(rows) != (named.name in NO_FINDINGS), f"the example of {name} gives no rows"
    args = {**values, "lang": lang}

    response = client.get(f"/queries/{name}.json", query_string=args)
    assert response.status_code == 200 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["lang"] == lang and data["name"] == name
    assert data["title"] == named.title_in(lang) and data["description"] == named.description_in(lang)
    assert data["parameters"] == values
    assert data["variables"] == variables and data["count"] == len(rows)
    # compared as sets of rows: the triples of a graph have no order, nor have the rows of a query
    # without a full ORDER BY, which two stores on the same graph may give in different orders
    assert data["kind"] == run_named(store, named, values).kind
    assert sorted(data["rows"], key=_key) == sorted(rows, key=_key)

    table = csv_table(client.get(f"/queries/{name}.csv", query_string=args))
    assert len(table[0]) == len(variables)
    if lang == "en":
        assert table[0] == variables
    assert sorted(table[1:]) == sorted([_text(row.get(v)) for v in variables] for row in rows)
    if not rows:  # a check with no findings: its page has no answer table to compare
        return

    page = soup(client.get(f"/queries/{name}", query_string=args))
    assert page.html["lang"] == lang
    assert page.find("h1").get_text() == named.title_in(lang)
    assert page.find("p", class_="lede").get_text() == named.description_in(lang)
    for param in named.parameters:
        field = page.find("form", class_="query-form").find("input", attrs={"name": param.name})
        assert field["value"] == values[param.name] and field["placeholder"] == example_value(param)
        assert param.description_in(lang) in page.find(id=f"p-{param.name}-help").get_text()
    answer = page.find("table", class_="answer-table")
    assert [th.get_text() for th in answer.find("thead").find_all("th")] == variables
    assert len(answer.find("tbody").find_all("tr")) == min(len(rows), PAGE_ROWS)
    twins = {a.get_text(): a["href"] for a in page.find("p", class_="twins").find_all("a")}
    assert twins["JSON"].startswith(f"/queries/{name}.json") and twins["CSV"].startswith(f"/queries/{name}.csv")
    assert all(f"{k}=" in twins["JSON"] for k in values) and ("lang=cy" in twins["JSON"]) == (lang == "cy")


def test_the_answer_links_the_graphs_iris_to_their_item_pages(client):
    for suffix in ("", "?lang=cy"):
        page = soup(client.get(f"/queries/obligations-for{suffix or '?'}&subject=dhcw&all=1"))
        links = {a.get_text(): a["href"] for a in page.find("table", class_="answer-table").find_all("a")}
        assert links["req-2-1-reprocure-national-digital-systems"] == \
            f"/id/req-2-1-reprocure-national-digital-systems{suffix}"
        assert links["nwp:NHSOrganisation"] == f"/id/nwp:NHSOrganisation{suffix}"
        assert all(client.get(href).status_code == 200 for href in set(links.values()))


def test_a_construct_query_answers_with_its_triples(client):
    page = soup(client.get("/queries/describe?node=wast"))
    triples = len(client.get("/queries/describe.json?node=wast").get_json()["rows"])
    assert triples >= 14  # its names, kinds, sources, ODS identifier and Welsh status, at least
    assert page.find(id="count").get_text(strip=True).startswith(f"{triples} triples")
    heads = [th.get_text() for th in page.find("table", class_="answer-table").find_all("th")]
    assert heads == ["subject", "predicate", "object"]
    data = client.get("/queries/describe.json?node=wast").get_json()
    assert data["kind"] == "graph" and data["variables"] == ["subject", "predicate", "object"]
    label = {"subject": "wast", "predicate": "rdfs:label", "object": "Welsh Ambulance Services NHS Trust"}
    assert label in data["rows"]
    table = csv_table(client.get("/queries/describe.csv?node=wast"))
    assert table[0] == ["subject", "predicate", "object"] and ["wast", "rdf:type", "nwp:NHSTrust"] in table


ASK = """\
    # title: Is a node of a kind
    # description: Whether the graph holds that a node is of a kind, stated or inferred.
    # param: node iri required -- the node (wast)
    # param: kind iri required -- the class (nwp:NHSTrust)
    # title@cy: A yw nod o fath
    # description@cy: A yw'r graff yn dal bod nod o fath, wedi'i ddatgan neu wedi'i gasglu.
    # param@cy: node -- y nod (wast)
    # param@cy: kind -- y dosbarth (nwp:NHSTrust)
    ASK WHERE { ?node a ?kind }
"""


def test_an_ask_query_answers_yes_or_no(app, client, tmp_path, monkeypatch):
    path = tmp_path / "is_kind.rq"
    path.write_text(textwrap.dedent(ASK), encoding="utf-8")
    monkeypatch.setitem(app.extensions["policy_graph"].queries, "is_kind", parse_query_file(path))
    yes = client.get("/queries/is-kind.json?node=wast&kind=nwp:NHSTrust").get_json()
    assert yes["kind"] == "ask" and yes["boolean"] is True and yes["rows"] == [] and yes["variables"] == []
    no = client.get("/queries/is-kind.json?node=wast&kind=nwp:HealthBoard").get_json()
    assert no["boolean"] is False
    page = soup(client.get("/queries/is-kind?node=wast&kind=nwp:NHSTrust"))
    assert page.find(id="answer").get_text() == "The answer is yes."
    welsh = soup(client.get("/queries/is-kind?node=wast&kind=nwp:HealthBoard&lang=cy"))
    assert welsh.find("h1").get_text() == "A yw nod o fath"
    assert welsh.find(id="answer").get_text() == "Yr ateb yw na."
    assert csv_table(client.get("/queries/is-kind.csv?node=wast&kind=nwp:NHSTrust")) == [["boolean"], ["true"]]


def test_the_name_is_taken_with_hyphens_or_underscores(client):
    args = {"start": "2026-04-01", "end": "2026-06-30"}
    hyphens = client.get("/queries/due-between.json", query_string=args).get_json()
    underscores = client.get("/queries/due_between.json", query_string=args).get_json()
    assert hyphens == underscores and hyphens["name"] == "due-between" and hyphens["count"] > 0


def test_a_query_asked_for_without_its_required_parameters_shows_the_form(client):
    page = soup(client.get("/queries/obligations-for"))
    field = page.find("form", class_="query-form").find("input", attrs={"name": "subject"})
    assert field["value"] == "" and field["placeholder"] == "topic-cancer" and field.has_attr("required")
    assert page.find(id="no-answer") and not page.find("table", class_="answer-table")
    welsh = soup(client.get("/queries/obligations-for?lang=cy"))
    assert welsh.find("input", attrs={"name": "lang", "type": "hidden"})["value"] == "cy"
    assert welsh.find("form", class_="query-form").find("button").get_text() == "Rhedeg yr ymholiad"


def test_a_long_answer_shows_a_page_of_rows_and_links_them_all(client):
    page = soup(client.get("/queries/nodes"))
    assert len(page.find("table", class_="answer-table").find("tbody").find_all("tr")) == PAGE_ROWS
    total = client.get("/queries/nodes.json").get_json()["count"]
    assert total > PAGE_ROWS
    everything = soup(client.get(page.find("a", string=f"Show all {total} rows")["href"]))
    assert len(everything.find("table", class_="answer-table").find("tbody").find_all("tr")) == total


def test_the_json_twin_is_also_given_by_the_accept_header(client):
    data = client.get("/queries/priorities", headers={"Accept": "application/json"}).get_json()
    assert data["name"] == "priorities" and len(data["rows"]) == 6


# --- the index -------------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_index_lists_every_query_with_its_parameters(client, lang):
    page = soup(client.get("/queries", query_string={"lang": lang}))
    assert page.html["lang"] == lang
    for named in QUERIES.values():
        row = page.find("tr", id=f"q-{named.cli_name}")
        assert row is not None, named.cli_name
        link = row.find("a")
        assert link.get_text() == named.title_in(lang)
        assert link["href"] == f"/queries/{named.cli_name}" + ("?lang=cy" if lang == "cy" else "?lang=en")
        assert named.description_in(lang) in row.get_text()
        for param in named.parameters:
            assert param.name in row.get_text() and param.description_in(lang) in row.get_text()
    if lang == "cy":
        assert page.find("h1").get_text() == "Ymholiadau enwedig"
        assert "gofynnol" in page.find("tr", id="q-due-between").get_text()

    data = client.get("/queries.json", query_string={"lang": lang}).get_json()
    assert data["lang"] == lang
    listed = {q["name"]: q for q in data["queries"]}
    assert set(listed) == {q.cli_name for q in QUERIES.values()}
    due = listed["due-between"]
    assert due["title"] == QUERIES["due_between"].title_in(lang)
    # the start is the day asked for when it is left out; the end must be given
    assert due["parameters"][0] == {"name": "start", "type": "date", "required": False, "asked_day": True,
                                    "example": "2026-04-01",
                                    "help": QUERIES["due_between"].parameters[0].description_in(lang)}
    assert due["parameters"][1]["required"] and not due["parameters"][1]["asked_day"]

    table = csv_table(client.get("/queries.csv", query_string={"lang": lang}))
    assert len(table) == len(QUERIES) + 1
    assert ["due-between", due["title"], due["description"], "start; end"] in table


def test_the_sparql_page_links_the_named_queries(client):
    page = soup(client.get("/sparql", headers={"Accept": "text/html"}))
    examples_section = page.find("section", attrs={"aria-labelledby": "examples"})
    assert examples_section.find("a", href="/queries")
    pages = [dd.find_all("a")[-1]["href"] for dd in examples_section.find("dl", class_="examples").find_all("dd")]
    assert len(pages) == len(QUERIES)
    assert "/queries/due-between?start=2026-04-01&end=2027-03-31" in pages
    assert all(client.get(href).status_code == 200 for href in pages)


# --- refusals ----------------------------------------------------------------------------------------

def test_an_unknown_query_is_a_404_that_suggests_and_lists_the_known_ones(client):
    page = soup(client.get("/queries/obligation-for"), 404)
    assert "obligation-for" in page.find(id="problem").get_text()
    assert page.find("ul", class_="suggestions").find("a", href="/queries/obligations-for")
    assert len(page.find("table", class_="queries").find("tbody").find_all("tr")) == len(QUERIES)
    response = client.get("/queries/obligation-for.json")
    assert response.status_code == 404
    data = response.get_json()
    assert data["error"] == "No such named query" and "obligation-for" in data["message"]
    assert "obligations-for" in data["suggestions"] and len(data["queries"]) == len(QUERIES)
    welsh = client.get("/queries/obligation-for.json?lang=cy").get_json()
    assert welsh["error"] == "Dim ymholiad enwedig o'r fath" and "obligation-for" in welsh["message"]
    assert client.get("/queries/obligation-for.csv").status_code == 404


REFUSALS = [
    # (address, words the problem is named by)
    ("/queries/due-between?start=2026-04-01&end=2027-03-31&colour=red", ["colour", "start, end"]),
    ("/queries/due-between?start=2026-04-01", ["end"]),
    ("/queries/due-between?start=2026-04-01&end=", ["end"]),
    ("/queries/due-between?start=31/03/2027&end=2027-03-31", ["31/03/2027", "start", "YYYY-MM-DD"]),
    ("/queries/obligations-for?subject=not+an+id!", ["not an id!", "subject"]),
    ("/queries/obligations-for?subject=https://example.org/a+b", ["https://example.org/a b", "subject"]),
    ("/queries/priorities?anything=1", ["anything", "none"]),
]


@pytest.mark.parametrize(("address", "words"), REFUSALS)
def test_bad_input_is_a_400_naming_the_problem(client, address, words):
    page = soup(client.get(address), 400)
    problem = page.find(id="problem").get_text()
    assert all(w in problem for w in words), problem
    assert page.find("form", class_="query-form") or "priorities" in address  # the form, to put it right
    path, _, args = address.partition("?")
    response = client.get(f"{path}.json?{args}")
    assert response.status_code == 400 and response.mimetype == "application/json"
    data = response.get_json()
    assert data["error"] and all(w in data["message"] for w in words)
    assert client.get(f"{path}.csv?{args}").status_code == 400


def test_a_refusal_is_given_in_welsh(client):
    page = soup(client.get("/queries/due-between?start=2026-04-01&lang=cy"), 400)
    assert page.find(id="h-problem").get_text() == "Mae paramedr ar goll"
    assert page.find(id="problem").get_text() == "Mae angen y paramedr end ar yr ymholiad “due-between”."
    assert page.find("input", attrs={"name": "start"})["value"] == "2026-04-01"
    data = client.get("/queries/due-between.json?start=yfory&end=2027-03-31&lang=cy").get_json()
    assert data["lang"] == "cy" and data["error"] == "Nid yw'n werth dilys"
    assert data["message"] == "Nid yw “yfory” yn werth dilys i'r paramedr start, sy'n cymryd dyddiad, BBBB-MM-DD."


@pytest.mark.parametrize("address", [
    "/queries/%3Cscript%3E", "/queries/.json", "/queries/due-between.xml?start=2026-04-01&end=2027-03-31",
    "/queries/label?node=%00", "/queries/label?node=" + "a" * 5000, "/queries/labels-in?language=%22%7D%20",
    "/queries/due-between?start=2026-02-30&end=2027-03-31", "/queries/label.csv?node=",
])
def test_odd_input_never_makes_a_500(client, address):
    response = client.get(address)
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
