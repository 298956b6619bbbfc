"""The deadlines page's feeds (iCalendar and Atom), read back by real parsers, and its filters:
one library answer (PolicyGraph.deadlines, narrowed by what applies) behind the page, its JSON,
its CSV and both feeds."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import feedparser
import icalendar
import pytest
from bs4 import BeautifulSoup

from graph.api import PolicyGraph
from graph.namespaces import entity
from web import create_app

HYWEL = "hywel-dda-uhb"
#: A topic all of whose dated obligations are tagged with narrower topics only.
PLANNED_CARE = "topic-planned-care"
RTT = "kde-2-1-rtt-104-weeks"  # tagged "Referral to treatment", narrower than planned care


@pytest.fixture(scope="module")
def app(built):
    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)})


@pytest.fixture
def client(app):
    return app.test_client()  # a new one a test: no language cookie carried from another


@pytest.fixture(scope="module")
def graph(built) -> PolicyGraph:
    return PolicyGraph.open(built.artefact)


def calendar(response) -> icalendar.Calendar:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "text/calendar"
    return icalendar.Calendar.from_ical(response.get_data())


def events(cal: icalendar.Calendar) -> list:
    return list(cal.walk("VEVENT"))


def atom(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/atom+xml"
    feed = feedparser.parse(response.get_data())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    return feed


# --- one answer behind them all ----------------------------------------------------------------

def test_the_calendar_the_feed_the_page_and_its_twins_give_the_same_dates(client):
    query = f"body={HYWEL}&to=2027-03-31"
    listed = client.get(f"/deadlines.json?{query}").get_json()["deadlines"]
    assert listed
    expected = [(d["id"], d["date"]) for d in listed]
    cal = events(calendar(client.get(f"/deadlines.ics?{query}")))
    assert [(str(e["URL"]).split("/id/", 1)[1].split("?")[0], e.decoded("DTSTART").isoformat()) for e in cal] == \
        expected
    feed = atom(client.get(f"/deadlines.atom?{query}"))
    assert [e.id for e in feed.entries] == [str(e["UID"]) for e in cal]
    page = BeautifulSoup(client.get(f"/deadlines?{query}").get_data(as_text=True), "html.parser")
    assert [t["datetime"] for t in page.find("table", class_="deadlines").tbody.find_all("time")] == \
        [d for _id, d in expected]


def test_a_body_gets_the_dates_of_what_applies_to_it_and_no_others(client, graph):
    applying = {e.item for e in graph.what_applies(HYWEL)}
    everything = graph.deadlines()
    mine = graph.deadlines(body=HYWEL)
    assert mine == [d for d in everything if d.obligation in applying]
    assert 0 < len(mine) < len(everything)
    uids = {str(e["UID"]) for e in events(calendar(client.get(f"/deadlines.ics?body={HYWEL}")))}
    assert uids == {d.uid for d in mine}
    # a kind of body is a subject too: every health board
    boards = {d.uid for d in graph.deadlines(body="nwp:HealthBoard")}
    assert boards and boards <= {d.uid for d in everything}


def test_a_topic_takes_in_its_narrower_topics(client, graph):
    found = graph.deadlines(topic=PLANNED_CARE)
    assert RTT in {d.obligation for d in found}
    assert "Planned care" not in graph.catalogue().entries[RTT].topics  # only through a narrower topic
    feed = atom(client.get(f"/deadlines.atom?topic={PLANNED_CARE}"))
    assert {e.id for e in feed.entries} == {d.uid for d in found}


def test_priority_and_plan_filters(client, graph):
    timely = graph.deadlines(priority="priority-timely-access-to-care")
    assert timely and all("priority-timely-access-to-care" in [i for i, _ in d.priorities]
                          or d.item for d in timely)
    by_name = client.get("/deadlines.json?priority=Timely+Access+to+Care").get_json()
    assert [d["id"] for d in by_name["deadlines"]] == [d.id for d in timely]
    plans = [e.id for e in graph.catalogue().entries.values() if e.role == "enabling plan"]
    dated_plan = next(p for p in sorted(plans) if graph.deadlines(plan=p))
    cal = events(calendar(client.get(f"/deadlines.ics?plan={dated_plan}")))
    assert {str(e["UID"]) for e in cal} == {d.uid for d in graph.deadlines(plan=dated_plan)}


def test_a_date_range_cuts_the_feeds(client):
    cal = events(calendar(client.get("/deadlines.ics?from=2026-04-01&to=2026-12-31")))
    days = [e.decoded("DTSTART") for e in cal]
    assert days and all(dt.date(2026, 4, 1) <= d <= dt.date(2026, 12, 31) for d in days)


# --- what each entry says --------------------------------------------------------------------

def test_each_event_is_a_whole_day_with_a_stable_uid_its_obligation_passage_and_link(client, graph):
    cal = calendar(client.get(f"/deadlines.ics?body={HYWEL}"))
    assert str(cal["VERSION"]) == "2.0" and str(cal["PRODID"]).startswith("-//")
    uids = [str(e["UID"]) for e in events(cal)]
    assert len(set(uids)) == len(uids)  # one event a UID, or a calendar keeps only the last
    built = dt.datetime.fromisoformat(graph.build_report()["built_at"])
    by_uid = {d.uid: d for d in graph.deadlines(body=HYWEL)}
    for event in events(cal):
        d = by_uid[str(event["UID"])]
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is dt.date and end == start + dt.timedelta(days=1)  # all day, no time
        assert str(event["UID"]).startswith(f"{entity(d.id)}#{'due' if d.date_kind == 'due by' else 'from'}-{d.date}")
        assert event.decoded("DTSTAMP") == built
        assert str(event["URL"]) == f"http://localhost/id/{d.id}?lang=en"
        text = str(event["DESCRIPTION"])
        assert f"Obligation: {d.item_label if d.item else d.label}" in text
        if d.modality:
            assert d.modality in text
        if d.quote:
            assert f"“{d.quote}”" in text and d.section in text and "**" not in text
    # lines are folded at 75 octets, as RFC 5545 asks
    assert max(len(line) for line in client.get(f"/deadlines.ics?body={HYWEL}").get_data().split(b"\r\n")) <= 75


def test_atom_entries_carry_the_obligation_its_passage_and_link_escaped(client, graph):
    feed = atom(client.get(f"/deadlines.atom?body={HYWEL}"))
    assert feed.feed.title.startswith("Deadlines: Hywel Dda University Health Board")
    assert any(link.rel == "self" and "body=hywel-dda-uhb" in link.href for link in feed.feed.links)
    by_uid = {d.uid: d for d in graph.deadlines(body=HYWEL)}
    quoted = 0
    for entry in feed.entries:
        d = by_uid[entry.id]
        assert entry.link == f"http://localhost/id/{d.id}?lang=en"
        html = entry.content[0].value
        assert "Obligation:" in html
        if d.quote:
            quoted += 1
            page = BeautifulSoup(html, "html.parser")
            assert page.find("blockquote", lang="en").get_text() == d.quote
    assert quoted


def test_the_same_build_gives_the_same_feeds_byte_for_byte(app, client):
    for path in (f"/deadlines.ics?body={HYWEL}&topic=topic-urgent-and-emergency-care", "/deadlines.atom?lang=cy"):
        first = client.get(path).get_data()
        again = app.test_client().get(path).get_data()
        assert first == again


def test_a_feed_polled_again_is_not_sent_again(client):
    first = client.get(f"/deadlines.ics?body={HYWEL}")
    again = client.get(f"/deadlines.ics?body={HYWEL}", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    other = client.get("/deadlines.ics?body=wast", headers={"If-None-Match": first.headers["ETag"]})
    assert other.status_code == 200


# --- bad parameters ----------------------------------------------------------------------------

@pytest.mark.parametrize("query, parameter", [
    ("body=no-such-body", "body"), ("body=topic-planned-care", "body"), ("topic=hywel-dda-uhb", "topic"),
    ("priority=hywel-dda-uhb", "priority"), ("plan=priority-timely-access-to-care", "plan"),
    ("from=2027-02-30", "from"), ("to=soon", "to"), ("from=2027-01-01&to=2026-01-01", "from"),
])
@pytest.mark.parametrize("suffix", [".ics", ".atom", ".json", ""])
def test_a_bad_parameter_is_a_400_that_names_it(client, query, parameter, suffix):
    response = client.get(f"/deadlines{suffix}?{query}")
    assert response.status_code == 400
    assert f"parameter '{parameter}'" in response.get_data(as_text=True).replace("&#39;", "'")


# --- Welsh -------------------------------------------------------------------------------------

def test_a_welsh_feed_is_in_welsh_and_its_links_stay_welsh(client):
    cal = calendar(client.get(f"/deadlines.ics?lang=cy&body={HYWEL}"))
    assert str(cal["X-WR-CALNAME"]) == "Terfynau amser: Bwrdd Iechyd Prifysgol Hywel Dda"
    first = events(cal)[0]
    assert str(first["SUMMARY"]).startswith(("Yn ddyledus: ", "Yn berthnasol o: "))
    assert "Rhwymedigaeth: " in str(first["DESCRIPTION"]) and str(first["URL"]).endswith("?lang=cy")
    feed = atom(client.get(f"/deadlines.atom?lang=cy&body={HYWEL}"))
    assert feed.feed.language == "cy" and feed.feed.title.startswith("Terfynau amser")
    assert all(e.link.endswith("?lang=cy") for e in feed.entries)
    assert all(e.title.startswith(("Yn ddyledus: ", "Yn berthnasol o: ")) for e in feed.entries)
    english = atom(client.get(f"/deadlines.atom?lang=en&body={HYWEL}"))
    assert [e.id for e in english.entries] == [e.id for e in feed.entries]


# --- the page --------------------------------------------------------------------------------

def test_the_subscribe_links_carry_the_filters_and_the_language(client):
    query = {"body": HYWEL, "topic": "topic-urgent-and-emergency-care", "priority": "priority-timely-access-to-care",
             "to": "2027-03-31"}
    address = "/deadlines?" + "&".join(f"{k}={v}" for k, v in query.items())
    for lang in ("en", "cy"):
        page = BeautifulSoup(client.get(f"{address}&lang={lang}").get_data(as_text=True), "html.parser")
        links = page.find("p", class_="subscribe").find_all("a")
        hrefs = {urlsplit(a["href"]).scheme + ":" + urlsplit(a["href"]).path: a["href"] for a in links}
        assert set(hrefs) == {"webcal:/deadlines.ics", "http:/deadlines.ics", "http:/deadlines.atom"}
        for href in hrefs.values():
            asked = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
            assert asked == {**query, "lang": lang}
        # and what they give is what the page lists
        listed = [t["datetime"] for t in page.find("table", class_="deadlines").tbody.find_all("time")]
        feed = atom(client.get(hrefs["http:/deadlines.atom"].removeprefix("http://localhost")))
        assert len(feed.entries) == len(listed)
        assert page.find("link", rel="alternate", type="application/atom+xml")["href"] == hrefs["http:/deadlines.atom"]
        # the topic filter is a field of the form, and it shows the topic chosen
        chosen = page.find("select", id="f-topic").find("option", selected=True)
        assert chosen["value"] == "topic-urgent-and-emergency-care"


def test_the_quick_ranges_keep_the_topic(client):
    page = BeautifulSoup(client.get(f"/deadlines?topic={PLANNED_CARE}").get_data(as_text=True), "html.parser")
    quick = page.find("a", string="by March 2027")["href"]
    assert parse_qs(urlsplit(quick).query) == {"topic": [PLANNED_CARE], "to": ["2027-03-31"]}
