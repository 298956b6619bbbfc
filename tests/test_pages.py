"""The browser's pages through the Flask test client: every route, its JSON twin and its CSV
download, on the real built graph."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json

import pytest
from bs4 import BeautifulSoup

from graph.namespaces import short
from graph.rules.trace import trace
from web import create_app

KDE = "kde-2-1-ambulance-handover-45-minutes"
KDE_PASSAGE = "passage/tpg/ensure-no-ambulance-patient-handover-waits-ebe149ee"


@pytest.fixture(scope="module")
def app(built):
    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)})


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


def soup(response) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def csv_rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


# --- home -----------------------------------------------------------------------------------

def test_home_lists_statutes_duties_plans_and_what_is_due_next(client):
    page = soup(client.get("/"))
    assert page.find("a", string="Duty of Quality")["href"] == "/id/duty-of-quality"
    assert page.find("a", string="Well-being of Future Generations (Wales) Act 2015")
    plans = page.find(id="h-plans").find_next("ul").find_all("a")
    assert len(plans) >= 9
    today = dt.date.today().isoformat()
    dates = [t["datetime"] for t in page.find(id="h-due").find_next("table").find_all("time")]
    assert dates and dates == sorted(dates) and all(d >= today for d in dates)
    search = page.find("form", role="search", class_="big-search")
    assert search.find("label")["for"] == search.find("input")["id"]


def test_home_json_twin_by_accept_header(client):
    data = client.get("/", headers={"Accept": "application/json"}).get_json()
    assert [p["label"] for p in data["priorities"]][0] == "Timely Access to Care"
    assert {"duty-of-quality"} <= {d["node"] for d in data["duties"]}
    assert {"wfg-act-2015", "qe-act-2020"} <= {s["node"] for s in data["statutes"]}


def test_every_page_links_the_sparql_endpoint_and_sets_a_content_security_policy(client):
    for url in ["/", f"/id/{KDE}", f"/id/{KDE}/trace", "/search?q=cancer", "/deadlines", "/documents/ncf"]:
        response = client.get(url)
        policy = response.headers["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        page = soup(response)
        assert page.find("nav", attrs={"aria-label": "Main"}).find("a", string="SPARQL")["href"] == "/sparql"
        # no inline script or style for the policy to have to allow (a JSON-LD data block is
        # never run, so the policy need not allow it)
        inline = [s for s in page.find_all("script", src=False) if s.get("type") != "application/ld+json"]
        assert not inline and not page.select("[style]")


# --- item pages ------------------------------------------------------------------------------

ONE_OF_EACH_KIND = [
    "priority-timely-access-to-care", KDE, "uec-action-1-falls-response", "target-2-1-ambulance-handover-45-minutes",
    "req-1-sppp-s18-prepare-report", "qe-act-2020", "duty-of-quality", "hywel-dda-uhb", "nhs-pi",
    "topic-ambulance-handover", KDE_PASSAGE, "tpg-2-1", "tpg", "ncf", "planning-framework-2026-29",
    "open-access-mental-health-support", "nwp:HealthBoard",
]


@pytest.mark.parametrize("ident", ONE_OF_EACH_KIND)
def test_item_page_for_every_kind_of_node(client, app, ident):
    page = soup(client.get(f"/id/{ident}"))
    entry = app.extensions["policy_catalogue"].entries[ident]
    assert page.h1.get_text() == entry.label
    assert page.find("a", href=f"/id/{ident}/trace")
    data = client.get(f"/id/{ident}.json").get_json()
    assert data["id"] == ident and data["label"] == entry.label
    rows = csv_rows(client.get(f"/id/{ident}.csv"))
    assert len(rows) == sum(len(g["links"]) for g in data["relations"])


def test_item_page_shows_the_quote_in_its_section_and_links_to_the_document(client):
    page = soup(client.get(f"/id/{KDE}"))
    figure = page.find("figure", class_="passage")
    assert figure.mark.get_text() == "Ensure no ambulance patient handover waits over 45 minutes"
    assert "No patients waiting more than 104 weeks" in figure.blockquote.get_text()  # its context
    caption = figure.figcaption
    assert caption.find("a", string="2.1 Timely Access to Care")["href"] == "/id/tpg-2-1"
    assert caption.find("a", string="Show in the document")["href"] == "/documents/tpg#p-23533-23591"
    # the licence is the page's footer's, said once there (tests/test_page_furniture.py)
    assert "Open Government Licence" not in caption.get_text()


def test_relations_are_grouped_both_ways_and_inferred_ones_explained(client):
    page = soup(client.get("/id/target-2-1-ambulance-handover-45-minutes"))
    heading = page.find(lambda t: t.name == "h3" and t.get_text().startswith("measures"))
    link = heading.find_next("ul").li
    assert link.a["href"] == f"/id/{KDE}"
    # how the link is known is said once for the group, behind its details, not on every link
    assert "inverse of" not in link.get_text()
    how = heading.find_next("ul").find_next_sibling("details")
    assert how.summary and how.find(class_="inferred") and "inverse of “measured by”" in how.get_text()
    assert how.find("a", href=f"/id/{KDE}") is None and "No ambulance patient handover" in how.get_text()

    data = client.get(f"/id/{KDE}.json").get_json()
    groups = {(g["direction"], g["label"]): g for g in data["relations"]}
    stated = groups[("out", "measured by")]["links"][0]
    assert stated["id"] == "target-2-1-ambulance-handover-45-minutes" and not stated["inferred"]
    topic = client.get("/id/topic-ambulance-handover.json").get_json()
    incoming = {(g["direction"], g["label"]) for g in topic["relations"]}
    assert ("in", "has topic") in incoming


def test_inferred_kinds_say_why(client):
    data = client.get("/id/hywel-dda-uhb.json").get_json()
    kinds = {k["id"]: k for k in data["kinds"]}
    assert not kinds["nwp:HealthBoard"]["inferred"]
    assert kinds["nwp:NHSOrganisation"]["inferred"]
    assert kinds["nwp:NHSOrganisation"]["why"] == "NHS organisation includes every health board"


def test_json_twin_by_accept_header_on_item_pages(client):
    response = client.get(f"/id/{KDE}", headers={"Accept": "application/json"})
    assert response.mimetype == "application/json" and response.get_json()["id"] == KDE


# --- trace -----------------------------------------------------------------------------------

def test_trace_page_draws_the_chain_and_lists_it_in_order(client, store, queries):
    page = soup(client.get(f"/id/{KDE}/trace"))
    svg = page.find("svg", class_="trace-diagram")
    assert svg.title.get_text() and svg.desc.get_text()
    drawn = {a["data-id"]: a["href"] for a in svg.find_all("a")}
    expected = {KDE, "priority-timely-access-to-care", "planning-framework-2026-29", "duty-of-quality",
                "qe-act-2020", KDE_PASSAGE, "tpg-2-1", "tpg-2", "tpg"}
    assert expected <= set(drawn)
    assert all(href == f"/id/{ident}" for ident, href in drawn.items())
    tr = trace(store, queries, KDE)
    steps = page.find("ol", class_="trace-list").find_all("li", recursive=False)
    listed = [a["href"].removeprefix("/id/") for li in steps
              for a in li.find_all("a", href=lambda h: h and h.startswith("/id/"), limit=1)]
    assert listed == [KDE] + [short(n.iri) for n in tr.chain + tr.basis]


def test_trace_twins_match_the_library_trace(client, store, queries):
    data = client.get(f"/id/{KDE}/trace.json").get_json()
    assert data["trace"]["item"]["label"] == "No ambulance patient handover waits over 45 minutes"
    assert data["trace"] == json.loads(json.dumps(trace(store, queries, KDE).as_dict()))
    rows = csv_rows(client.get(f"/id/{KDE}/trace.csv"))
    assert [r["id"] for r in rows] == [s["id"] for s in data["steps"]]
    assert {"imposed by", "underpinned by", "serves priority"} <= {r["relation"] for r in rows}


# --- what applies ----------------------------------------------------------------------------

def test_what_applies_to_a_health_board_under_a_priority(client):
    data = client.get("/search.json?q=Hywel+Dda&priority=Mental+Health+Access").get_json()
    assert data["subject"]["id"] == "hywel-dda-uhb" and data["mode"] == "applies"
    assert data["count"] >= 10 and data["count"] < data["total"]
    assert all("Mental Health Access" in r["priority"] for r in data["results"])
    # the reason is the library's, as the command line gives it
    assert any(w == "applies to every health board, and Hywel Dda University Health Board is one"
               for r in data["results"] for w in r["why"])
    assert all(r["quote"] for r in data["results"] if r["kind"] != "outcome")
    page = soup(client.get("/search?q=Hywel+Dda&priority=Mental+Health+Access"))
    first = page.find("ol", class_="results").li
    assert first.blockquote and "Why:" in first.find(class_="why").get_text()
    on = page.find("nav", class_="facets").find("a", class_="on")
    assert "Mental Health Access" in on.get_text() and "priority" not in on["href"]


@pytest.mark.parametrize("query, subject", [
    ("NHS trusts", "nwp:NHSTrust"), ("health boards", "nwp:HealthBoard"), ("NHS P&I", "nhs-pi"),
    ("women's health", "priority-womens-health"), ("Duty of Quality", "duty-of-quality"),
    ("timely access to care", "priority-timely-access-to-care"),
    ("Workforce Planning and Well-Being", "plan-3-8-workforce"),
    ("Well-being of Future Generations Act", "wfg-act-2015"), ("ambulance handover", "topic-ambulance-handover"),
])
def test_a_query_naming_a_body_kind_topic_or_statute_lists_what_applies(client, query, subject):
    data = client.get("/search.json", query_string={"q": query}).get_json()
    assert data["subject"]["id"] == subject and data["count"] > 0


def test_topics_reach_items_tagged_with_narrower_topics(client):
    data = client.get("/search.json", query_string={"subject": "topic-urgent-and-emergency-care"}).get_json()
    reasons = {w for r in data["results"] for w in r["why"]}
    assert "on the topic Ambulance patient handover, which is part of Urgent and emergency care" in reasons
    assert KDE in {r["id"] for r in data["results"]}


def test_free_text_is_ranked_and_typo_tolerant(client):
    exact = client.get("/search.json", query_string={"q": "No ambulance patient handover waits over 45 minutes"})
    assert exact.get_json()["results"][0]["id"] == KDE
    typo = client.get("/search.json", query_string={"q": "ambulence handovr"}).get_json()
    assert KDE in [r["id"] for r in typo["results"][:5]]
    phrase = client.get("/search.json", query_string={"q": "avoid a major ED"}).get_json()
    assert phrase["mode"] == "text" and "avoid a major ed" in phrase["results"][0]["label"].lower()


def test_search_facets_and_date_range_filter(client):
    base = client.get("/search.json?q=health+boards").get_json()
    kinds = {f["value"]: f["count"] for f in base["facets"]["kind"]}
    only = client.get("/search.json?q=health+boards&kind=delivery+expectation").get_json()
    assert only["count"] == kinds["delivery expectation"]
    dated = client.get("/search.json?q=health+boards&due_from=2027-01-01&due_to=2027-03-31").get_json()
    assert dated["count"] and all("2027-01-01" <= r["due"] <= "2027-03-31" for r in dated["results"])


def test_search_csv_has_every_result(client):
    data = client.get("/search.json?q=NHS+trusts").get_json()
    rows = csv_rows(client.get("/search.csv?q=NHS+trusts"))
    assert len(rows) == data["count"] > 100
    assert rows[0]["why"] and rows[0]["label"] == data["results"][0]["label"]
    page = soup(client.get("/search?q=NHS+trusts"))
    assert len(page.find("ol", class_="results").find_all("li", recursive=False)) == 100
    assert page.find("a", string=f"Show all {data['count']}")


def test_untrusted_query_text_is_escaped(client):
    response = client.get("/search", query_string={"q": '<script>alert("x")</script>'})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<script>alert" not in html and "&lt;script&gt;alert" in html


# --- deadlines -------------------------------------------------------------------------------

def test_deadlines_for_womens_health_by_march_2027(client):
    data = client.get("/deadlines.json?priority=Women%27s+Health&to=2027-03-31").get_json()
    assert data["count"] >= 2
    assert all(d["date"] <= "2027-03-31" and "Women's Health" in d["priority"] for d in data["deadlines"])
    page = soup(client.get("/deadlines?priority=Women%27s+Health&to=2027-03-31"))
    assert len(page.find("table", class_="deadlines").tbody.find_all("tr")) == data["count"]
    assert page.find("select", id="f-priority").find("option", selected=True).get_text() == "Women's Health"


def test_deadlines_filter_by_body_and_download(client):
    everything = client.get("/deadlines.json").get_json()
    hywel = client.get("/deadlines.json?body=hywel-dda-uhb").get_json()
    wast = client.get("/deadlines.json?body=wast").get_json()
    assert 0 < hywel["count"] < everything["count"] and wast["count"] < everything["count"]
    rows = csv_rows(client.get("/deadlines.csv?body=hywel-dda-uhb"))
    assert [r["id"] for r in rows] == [d["id"] for d in hywel["deadlines"]]
    assert {"2026-04-01", "2026-12-31", "2027-03-31"} <= {d["date"] for d in everything["deadlines"]}


# --- documents -------------------------------------------------------------------------------

def test_document_view_highlights_and_links_every_passage(client):
    page = soup(client.get("/documents/tpg"))
    anchor = page.find(id="p-23533-23591")
    mark = anchor.find_next("mark")
    assert mark.get_text().startswith("Ensure no ambulance patient handover")
    chips = [mark.find_next("a", class_="chip")]
    chips.append(chips[0].find_next_sibling("a", class_="chip"))
    assert {c["href"] for c in chips} == {f"/id/{KDE}", "/id/target-2-1-ambulance-handover-45-minutes"}
    data = client.get("/documents/tpg.json").get_json()
    assert len(page.select(".text .anchor")) == len({(p["start"], p["end"]) for p in data["passages"]})
    heading = page.find(id="s-tpg-2-1")
    assert heading.name in ("h3", "h4") and "2.1 TIMELY ACCESS TO CARE" in heading.get_text()


def test_document_headings_have_coverage_counts(client):
    data = client.get("/documents/tpg.json").get_json()
    headings = {h["id"]: h for h in data["headings"]}
    assert headings["tpg-2-1"]["total"] >= headings["tpg-2-1"]["direct"] > 0
    rows = csv_rows(client.get("/documents/ncf.csv"))
    assert rows and {"label", "direct", "total"} <= set(rows[0])
    nav = soup(client.get("/documents/tpg")).find("nav", class_="headings")
    assert nav.find("a", href="#s-tpg-2-1")


# --- errors ----------------------------------------------------------------------------------

def test_unknown_item_gives_a_404_with_suggestions(client):
    response = client.get("/id/kde-2-1-ambulance-handover-45-minute")
    assert response.status_code == 404
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.h1.get_text() == "No such item"
    assert page.find("ul", class_="suggestions").find("a", href=f"/id/{KDE}")
    data = client.get("/id/kde-2-1-ambulance-handover-45-minute.json").get_json()
    assert data["error"] == "No such item" and data["suggestions"][0]["id"] == KDE


@pytest.mark.parametrize("url", ["/id/<b>bad</b>", "/id/nothing-here/trace", "/documents/nope", "/no/such/page"])
def test_other_unknown_addresses_are_404_pages_not_stack_traces(client, url):
    response = client.get(url)
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Traceback" not in html and "<b>bad</b>" not in html
    assert BeautifulSoup(html, "html.parser").find("form", role="search")
