"""Plain words first on every page type (through the Flask test client, on the real built graph):
reasons that name the kind, body, topic or statute; ids, classes and how links were inferred
behind a "details" disclosure while the JSON twins keep them; what a step comes through named and
linked; a name never followed by a kind it already says; the impact of an item told direct from
chained, a page at a time; legislation numbers in words. In English and in Welsh."""

from __future__ import annotations

import csv
import io

import pytest
from bs4 import BeautifulSoup

from web import create_app

KDE = "kde-2-1-ambulance-handover-45-minutes"


@pytest.fixture(scope="module")
def app(built):
    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)})


@pytest.fixture
def client(app):
    # a client of its own for each test: a Welsh page's language cookie stays with its test
    return app.test_client()


def page(response) -> BeautifulSoup:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def outside_details(tag) -> str:
    """The text of *tag* a reader sees before opening any disclosure (the summaries included)."""
    copy = BeautifulSoup(str(tag), "html.parser")
    for details in copy.find_all("details"):
        for child in list(details.children):
            if getattr(child, "name", None) != "summary":
                child.extract()
    return copy.get_text(" ", strip=True)


# --- explanations ------------------------------------------------------------------------------

def test_what_applies_to_a_body_names_the_kind_it_applies_to(client):
    html = page(client.get("/search?subject=hywel-dda-uhb"))
    reasons = [p.get_text(" ", strip=True) for p in html.select("p.why")]
    assert "Why: applies to every health board, and Hywel Dda University Health Board is one" in reasons
    assert any(r.startswith("Why: applies to every NHS organisation, which includes every health board, such as "
                            "Hywel Dda University Health Board") for r in reasons)
    assert not [r for r in reasons if "binds" in r or "the kind of body it binds" in r]


@pytest.mark.parametrize(("subject", "reason"), [
    ("nwp:NHSTrust", "applies to every NHS organisation, which includes every NHS trust"),
    ("nwp:HealthBoard", "applies to every health board"),
    ("duty-of-quality", "rests directly on Duty of Quality"),
    ("duty-of-quality", "rests on Duty of Quality through another item that rests on it"),
    ("priority-womens-health", "set for the priority Women's Health"),
    ("topic-urgent-and-emergency-care", "on the topic Ambulance patient handover, which is part of Urgent and "
                                        "emergency care"),
])
def test_every_kind_of_subject_gets_a_reason_that_names_it(client, subject, reason):
    data = client.get("/search.json", query_string={"subject": subject}).get_json()
    assert data["mode"] == "applies"
    assert reason in {w for r in data["results"] for w in r["why"]}


def test_the_named_query_says_plainly_why_an_obligation_binds_a_body(client):
    data = client.get("/queries/obligations-for.json?subject=hywel-dda-uhb").get_json()
    whys = {row["why"] for row in data["rows"]}
    assert "applies to every body of the kind it is" in whys
    assert "binds every body of a kind this body is" not in whys


def test_reasons_are_plain_in_welsh_too(client):
    html = page(client.get("/search?subject=nwp:NHSTrust&lang=cy"))
    reasons = " ".join(p.get_text(" ", strip=True) for p in html.select("p.why"))
    assert "yn berthnasol i bob corff o'r math sefydliad GIG, sy'n cynnwys pob corff o'r math ymddiriedolaeth GIG" \
        in reasons
    assert "applies to" not in reasons


# --- ids and inferred links behind details --------------------------------------------------------

def test_an_item_page_shows_no_id_until_its_details_are_opened(client):
    html = page(client.get(f"/id/{KDE}"))
    article = html.find("article", class_="item")
    kind_line = article.find(class_="kind-line")
    assert kind_line.get_text(strip=True) == "delivery expectation" and not kind_line.code
    seen = outside_details(article)
    assert KDE not in seen and "inverse of" not in seen and "nwp:" not in seen
    technical = article.find("details", class_="technical")
    assert technical.summary.get_text(strip=True) == "Technical details"
    assert technical.find("code", string=KDE)
    # the JSON twin keeps the technical fields
    assert client.get(f"/id/{KDE}.json").get_json()["id"] == KDE
    data = client.get("/id/qe-act-2020.json").get_json()
    assert any(link["inferred"] and link["why"] for g in data["relations"] for link in g["links"])


def test_how_a_link_is_known_is_said_once_for_its_group(client):
    html = page(client.get("/id/qe-act-2020"))
    heading = html.find(lambda t: t.name == "h3" and t.get_text().startswith("underpins"))
    links = heading.find_next("ul")
    assert "transitive" not in links.get_text() and "inferred" not in links.get_text()
    how = links.find_next_sibling("details", class_="how")
    text = how.get_text(" ", strip=True)
    # each reason once, with the items it explains
    assert text.count("“underpins” is transitive") == 1 and text.count("inverse of “underpinned by”") == 1
    # none of them is stated: the data states the other end of each link
    assert "stated in the data:" not in text
    stated = html.find(lambda t: t.name == "h3" and t.get_text().startswith("has topic"))
    assert "is stated in the data" not in stated.find_next("ul").get_text()
    assert html.find("details", class_="how").summary.get_text(strip=True) == "How these kinds are known"


def test_a_trace_names_what_a_step_comes_through(client):
    html = page(client.get(f"/id/{KDE}/trace"))
    via = [span for span in html.select("span.via")]
    assert via, "a step of the basis comes through something"
    framework = next(span for span in via if "Planning Framework" in span.get_text())
    assert framework.get_text(" ", strip=True) == "through NHS Wales Planning Framework 2026-29"
    assert framework.a["href"] == "/id/planning-framework-2026-29"
    assert "via planning-framework-2026-29" not in outside_details(html.find("main") or html)
    assert not html.select_one("p.kind-line code")
    # the twin keeps the id and gives the label
    step = next(s for s in client.get(f"/id/{KDE}/trace.json").get_json()["steps"]
                if s["via"] == "planning-framework-2026-29")
    assert step["via_label"] == "NHS Wales Planning Framework 2026-29"


def test_the_details_are_in_welsh(client):
    html = page(client.get("/id/qe-act-2020?lang=cy"))
    summaries = [d.summary.get_text(strip=True) for d in html.select("article details")]
    assert summaries == ["Sut y gwyddys y mathau hyn", "Sut y gwyddys y dolenni hyn", "Manylion technegol"]


# --- a name is not followed by its own kind ----------------------------------------------------------

def test_a_name_that_says_its_kind_is_not_followed_by_it(client):
    answer = page(client.get("/search?q=Hywel+Dda+University+Health+Board")).find(id="answer")
    assert "Hywel Dda University Health Board health board" not in answer.get_text(" ", strip=True)
    assert not answer.find(class_="kind")
    others = page(client.get("/search?q=NHS+trusts"))
    assert others.find(id="answer").find(class_="kind").get_text() == "kind of body"
    assert "Velindre University NHS Trust NHS trust" not in others.find(class_="others").get_text(" ", strip=True)
    steps = page(client.get(f"/id/{KDE}/trace")).find("ol", class_="trace-list")
    framework = steps.find("a", href="/id/planning-framework-2026-29").parent
    assert "NHS Wales Planning Framework 2026-29 framework" not in framework.get_text(" ", strip=True)
    duty = steps.find("a", href="/id/duty-of-quality").find_next_sibling("span", class_="kind")
    assert duty.get_text() == "statutory duty"
    welsh = page(client.get("/search?q=Hywel+Dda&lang=cy")).find(id="answer")
    assert "bwrdd iechyd" not in welsh.get_text(" ", strip=True).replace("Bwrdd Iechyd", "")


# --- the impact of an item ---------------------------------------------------------------------------

def test_impact_tells_direct_from_chained_and_pages_its_list(client):
    everything = client.get("/id/duty-of-quality/impact.json").get_json()
    total, direct = everything["total"], everything["direct"]
    assert len(everything["dependants"]) == total > 100 and 0 < direct < total
    assert direct == sum(1 for d in everything["dependants"] if d["distance"] == 1)
    html = page(client.get("/id/duty-of-quality/impact"))
    assert html.find(id="reach").get_text(strip=True) == \
        f"{direct} items rest on it directly; {total} in all through them."
    rows = html.select("table.dependants tbody tr")
    assert len(rows) == 50
    pager = html.find("nav", class_="pager")
    assert pager.p.get_text(strip=True) == f"Showing 1–50 of {total}, page 1 of {-(-total // 50)}."
    assert pager.find("a", attrs={"aria-current": "page"}).get_text(strip=True) == "1"
    assert pager.find("a", rel="next")["href"] == "/id/duty-of-quality/impact?page=2"
    # "Through" names what each comes through, linked, never an id
    through = [r.find_all("td")[3] for r in rows if int(r.find_all("td")[2].get_text()) > 1]
    assert through and all(td.a and not td.code for td in through)
    labels = {d["item"]: d["label"] for d in everything["dependants"]}
    first = next(d for d in everything["dependants"] if d["distance"] > 1)
    assert first["via_label"] == labels.get(first["via"], everything["label"])
    second = page(client.get("/id/duty-of-quality/impact?page=2"))
    assert [r.td.a["href"] for r in second.select("table.dependants tbody tr")] == \
        ["/id/" + d["item"] for d in everything["dependants"][50:100]]
    assert second.find("nav", class_="pager").find("a", rel="prev")["href"] == "/id/duty-of-quality/impact?page=1"


def test_the_impact_twins_page_likewise_or_hold_everything(client):
    paged = client.get("/id/duty-of-quality/impact.json?page=2").get_json()
    full = client.get("/id/duty-of-quality/impact.json").get_json()
    assert paged["dependants"] == full["dependants"][50:100]
    assert paged["paging"]["page"] == 2 and paged["paging"]["total"] == full["total"]
    response = client.get("/id/duty-of-quality/impact.csv")
    assert len(list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))) == full["total"]
    for bad in ("0", "abc", "9999"):
        refused = client.get(f"/id/duty-of-quality/impact?page={bad}")
        assert refused.status_code == 400 and "There is no page" in refused.get_data(as_text=True)


def test_the_impact_page_in_welsh(client):
    html = page(client.get("/id/duty-of-quality/impact?lang=cy"))
    assert "yn seiliedig arno'n uniongyrchol" in html.find(id="reach").get_text()
    assert html.find("nav", class_="pager").find("a", rel="next").get_text(strip=True) == "Y dudalen nesaf"


# --- legislation numbers -------------------------------------------------------------------------------

@pytest.mark.parametrize(("item", "lang", "words"), [
    ("qe-act-2020", "en", "Act of Senedd Cymru 2020, No. 1 (2020 asc 1)"),
    ("wfg-act-2015", "en", "Act of the National Assembly for Wales 2015, No. 2 (2015 anaw 2)"),
    ("qe-act-2020", "cy", "Deddf Senedd Cymru 2020, Rhif 1 (2020 asc 1)"),
])
def test_legislation_numbers_are_read_in_words(client, item, lang, words):
    values = page(client.get(f"/id/{item}?lang={lang}")).find("dl", class_="values")
    shown = [dd.get_text("", strip=True).replace("(", " (").replace("  ", " ") for dd in values.find_all("dd")]
    assert words in shown
    assert not any(dd.get_text(strip=True).startswith(("2020 asc", "2015 anaw")) for dd in values.find_all("dd"))
    assert client.get(f"/id/{item}.json").get_json()["values"]["number"][0].split()[1] in ("asc", "anaw")


def test_a_uk_act_number_is_a_chapter(client):
    values = page(client.get("/id/equality-act-2010")).find("dl", class_="values").get_text(" ", strip=True)
    assert "Act of the UK Parliament 2010, chapter 15" in values


def test_a_long_group_of_links_shows_its_first_fifty_and_a_way_to_all(client):
    total = len(next(g for g in client.get("/id/nwp:NHSOrganisation.json").get_json()["relations"]
                     if g["label"] == "binds kind of body")["links"])
    assert total > 100
    html = page(client.get("/id/nwp:NHSOrganisation"))
    heading = html.find(lambda t: t.name == "h3" and t.get_text().startswith("binds kind of body"))
    assert heading.find(class_="count").get_text() == f"({total})"
    assert len(heading.find_next("ul").find_all("li")) == 50
    more = heading.find_next("p", class_="more")
    assert more.get_text(" ", strip=True) == f"Showing the first 50 of {total} links. Show all {total} links"
    assert more.a["href"] == "/id/nwp:NHSOrganisation?all=1#h-in"
    everything = page(client.get("/id/nwp:NHSOrganisation?all=1"))
    heading = everything.find(lambda t: t.name == "h3" and t.get_text().startswith("binds kind of body"))
    assert len(heading.find_next("ul").find_all("li")) == total
