"""A planner's question, typed as they would say it (English or Welsh), read and answered by the
library (PolicyGraph.ask), and the same answer through the command line; the question set in
tests/questions/planners.yaml."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import yaml

from graph.api import PolicyGraph
from graph.cli import main

QUESTIONS = yaml.safe_load((Path(__file__).parent / "questions" / "planners.yaml").read_text(encoding="utf-8"))
TODAY = dt.date(2026, 12, 4)
FIRST = 20


@pytest.fixture(scope="module")
def policy_graph(built) -> PolicyGraph:
    return PolicyGraph.open(built.artefact, kind="oxigraph")


@pytest.mark.parametrize("case", QUESTIONS, ids=[q["question"] for q in QUESTIONS])
def test_question_is_read_and_answered(policy_graph, case):
    today = dt.date.fromisoformat(str(case.get("today", TODAY)))
    answer = policy_graph.ask(case["question"], today)
    read, reading = case["read"], answer.reading
    assert (answer.applies_to.id if answer.applies_to else None) == read.get("applies_to")
    assert (answer.as_words.id if answer.as_words else None) == read.get("as_words")
    assert [n.id for n in answer.narrowed_by] == read.get("narrowed_by", [])
    for when in ("due_by", "due_from", "on"):
        wanted = read.get(when)
        assert getattr(reading, when) == (dt.date.fromisoformat(str(wanted)) if wanted else None), when
    assert reading.modalities == read.get("modalities", [])
    assert reading.kinds == read.get("kinds", [])
    assert answer.found, "a question from the guidance gets an answer"
    first = [f.entry.id for f in answer.found[:FIRST]]
    missing = [i for i in case["shows"] if i not in first]
    assert not missing, f"not among the first {FIRST}: {missing}"


def test_a_subject_alone_gives_what_applies_to_it(policy_graph):
    """The rows for a body named alone are the one engine's: PolicyGraph.what_applies."""
    for question, subject in (("Hywel Dda University Health Board", "hywel-dda-uhb"),
                              ("Bwrdd Iechyd Prifysgol Hywel Dda", "hywel-dda-uhb"),
                              ("health boards", "nwp:HealthBoard"), ("mental health", "topic-mental-health")):
        answer = policy_graph.ask(question, TODAY)
        assert answer.applies_to.id == subject
        assert {f.entry.id for f in answer.found} == {e.item for e in policy_graph.what_applies(subject)}


def test_the_topic_takes_in_its_narrower_topics(policy_graph):
    answer = policy_graph.ask("Hywel Dda mental health", TODAY)
    on_topic = {e.item for e in policy_graph.what_applies("topic-mental-health")}
    for_board = {e.item for e in policy_graph.what_applies("hywel-dda-uhb")}
    assert {f.entry.id for f in answer.found} == on_topic & for_board


def test_the_day_a_question_names_is_the_day_asked(policy_graph):
    answer = policy_graph.ask("what applies to health boards from April 2026", TODAY)
    assert answer.reading.on == dt.date(2026, 4, 1)
    assert {f.entry.id for f in answer.found} == {
        e.item for e in policy_graph.what_applies("nwp:HealthBoard", dt.date(2026, 4, 1))}


def test_an_unknown_word_never_empties_the_answer(policy_graph):
    plain = policy_graph.ask("Hywel Dda mental health", TODAY)
    odd = policy_graph.ask("Hywel Dda mental health qwertyuiop", TODAY)
    assert {f.entry.id for f in odd.found} == {f.entry.id for f in plain.found}
    worded = policy_graph.ask("handover escalation zzyzx", TODAY)
    assert worded.found and "handover" in worded.found[0].entry.label.lower()


def test_words_rank_must_before_should_then_by_due_date(policy_graph):
    answer = policy_graph.ask("health boards escalation", TODAY)
    scores = [f.score for f in answer.found]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] > 0 and scores[-1] == 0
    by_due = policy_graph.ask("health boards", TODAY, sort="due").found
    dues = [f.due for f in by_due if f.due]
    assert dues == sorted(dues) and not by_due[-1].due


def test_nothing_matching_all_offers_what_to_drop(policy_graph):
    answer = policy_graph.ask("What should Hywel Dda do on mental health by March 2027?", TODAY)
    assert answer.found == []
    offered = {(r.constraint, r.value): r.count for r in answer.relaxations}
    assert offered, "never a dead end"
    assert all(count > 0 for count in offered.values())
    assert offered[("due_by", "2027-03-31")] == len(policy_graph.ask("What should Hywel Dda do on mental health?",
                                                                     TODAY).found)
    assert ("modality", "should") in offered


def test_a_body_that_nothing_binds_is_looked_for_in_the_words(policy_graph):
    """Public services boards bear no obligation, but the guidance speaks of them: their name is
    read as words, and what names them as a partner is added."""
    assert policy_graph.what_applies("public-services-boards") == []
    answer = policy_graph.ask("What do PSBs do?", TODAY)
    assert answer.as_words.id == "public-services-boards" and answer.applies_to is None
    assert "PSBs" in answer.reading.words or "psbs" in [w.lower() for w in answer.reading.words]
    partners = {e.item for e in policy_graph.what_involves("public-services-boards")}
    found = {f.entry.id for f in answer.found}
    assert partners and partners <= found
    # every other item speaks of PSBs
    assert all(any(w in (f.entry.label + " " + f.entry.quote).lower() for w in ("psb", "public services board"))
               for f in answer.found if f.entry.id not in partners)
    assert answer.as_dict()["as_words"]["id"] == "public-services-boards"


def test_what_names_a_body_as_a_partner_is_part_of_its_answer(policy_graph):
    """WAST is named as a partner of UEC enabling action 2, which binds health boards: it is not
    what applies to WAST, but it is what WAST takes part in, with the action's outcomes."""
    applies = {e.item for e in policy_graph.what_applies("wast")}
    involves = {e.item: e for e in policy_graph.what_involves("wast")}
    assert "uec-action-2-single-point-of-access" in involves and "uec-action-2-single-point-of-access" not in applies
    assert "uec-action-2-outcome-1" in involves
    assert "uec-action-1-falls-response" not in involves  # the falls action does not name WAST
    assert "as a partner" in involves["uec-action-2-single-point-of-access"].summary
    assert "health board" in involves["uec-action-2-single-point-of-access"].summary
    found = {f.entry.id for f in policy_graph.ask("WAST ambulance conveyance", TODAY).found}
    assert {"uec-action-2-single-point-of-access", "uec-action-2-outcome-1"} <= found


def test_an_outcome_binds_whom_its_enabling_action_binds(policy_graph):
    ex = policy_graph.explain("hywel-dda-uhb", "uec-action-2-outcome-2")
    assert ex.applies and "as part of UEC enabling action 2" in ex.summary
    assert any("is part of UEC enabling action 2" in f.text for f in ex.facts)
    # the binding is stated in the action's passage, the outcome in its own
    whole = policy_graph.explain("hywel-dda-uhb", "uec-action-2-single-point-of-access")
    assert ex.facts[-1].source == whole.passage != ex.passage
    assert "uec-action-2-outcome-2" not in {e.item for e in policy_graph.what_applies("wast")}


def test_a_weaker_modality_takes_in_the_stronger_after_it(policy_graph):
    answer = policy_graph.ask("What should health boards do on falls response?", TODAY)
    assert answer.reading.modalities == ["should"] and answer.reading.stronger_too
    modalities = [f.entry.modality for f in answer.found]
    assert "is expected to" in modalities and "uec-action-1-falls-response" in [f.entry.id for f in answer.found]
    must = policy_graph.ask("What must health boards do?", TODAY)
    assert not must.reading.stronger_too and {f.entry.modality for f in must.found} <= {"must", "is required to"}
    shoulds = policy_graph.ask("What should health boards do?", TODAY).found
    kinds = [f.entry.modality == "should" for f in shoulds]
    assert kinds == sorted(kinds, reverse=True), "what is asked for comes first"


def test_welsh_mutations_and_plurals(policy_graph):
    for question, subject in (("fwrdd iechyd", "nwp:HealthBoard"), ("byrddau iechyd", "nwp:HealthBoard"),
                              ("ymddiriedolaethau GIG", "nwp:NHSTrust")):
        assert policy_graph.ask(question, TODAY).applies_to.id == subject


def test_a_misspelt_word_still_names_a_topic(policy_graph):
    """Each misspelt word is looked for in names by its closest match alone."""
    answer = policy_graph.ask("Hywel Dda iechyd medwl", TODAY)
    assert answer.applies_to.id == "hywel-dda-uhb"
    assert [n.id for n in answer.narrowed_by] == ["topic-mental-health"]


def test_the_command_line_gives_the_same_answer(policy_graph, built, capsys):
    question = "Hywel Dda mental health by March 2027"
    assert main(["ask", question, "--format", "json", "--limit", "500", "--graph", str(built.artefact)]) == 0
    out = json.loads(capsys.readouterr().out)
    answer = policy_graph.ask(question, dt.date.today())
    assert [r["id"] for r in out["results"]] == [f.entry.id for f in answer.found]
    assert out["applies_to"]["id"] == "hywel-dda-uhb"
    assert out["reading"]["due_by"] == "2027-03-31"
    assert main(["ask", question, "--graph", str(built.artefact)]) == 0
    text = capsys.readouterr().out
    assert "Hywel Dda University Health Board" in text and "2027-03-31" in text


# --- the same in the browser's search box --------------------------------------------------------

@pytest.fixture(scope="module")
def client(built):
    from web import create_app

    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)}).test_client()


def _soup(response):
    from bs4 import BeautifulSoup

    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def test_the_page_says_how_it_read_the_question_and_each_part_can_be_taken_away(client):
    page = _soup(client.get("/search", query_string={"q": "Hywel Dda mental health by March 2027"}))
    chips = [li.get_text(" ", strip=True) for li in page.select("#reading li.chip")]
    assert any("applies to: Hywel Dda University Health Board" in c for c in chips)
    assert any("topic: Mental health" in c for c in chips) and any("2027-03-31" in c for c in chips)
    remove = page.select_one("#reading li.chip a.chip-remove[href*='due_by']")
    wider = client.get(remove["href"].replace("/search?", "/search.json?")).get_json()
    assert wider["reading"]["due_by"] is None and wider["count"] == len(
        client.get("/search.json", query_string={"q": "Hywel Dda mental health"}).get_json()["results"])


def test_the_page_says_when_a_body_is_read_as_words(client, policy_graph):
    question = "What do clusters need to do?"
    page = _soup(client.get("/search", query_string={"q": question}))
    notice = page.select_one("#reading .as-words")
    assert "No obligation binds Primary care clusters itself" in notice.get_text()
    assert notice.find("a")["href"].endswith("/id/primary-care-clusters")
    data = client.get("/search.json", query_string={"q": question}).get_json()
    assert data["as_words"]["id"] == "primary-care-clusters"
    library = [f.entry.id for f in policy_graph.ask(question).found]
    assert [r["id"] for r in data["results"]] == library[:len(data["results"])]
    # a client of its own, so that the language it chooses stays with it
    welsh = _soup(client.application.test_client().get("/search", query_string={"q": question, "lang": "cy"}))
    assert "Nid oes rhwymedigaeth yn rhwymo" in welsh.select_one("#reading .as-words").get_text()
    assert _soup(client.get("/search", query_string={"q": "Hywel Dda mental health"})).select_one(".as-words") is None


def test_nothing_matching_all_offers_links_with_counts(client):
    page = _soup(client.get("/search", query_string={"q": "What should Hywel Dda do on mental health by March 2027?"}))
    links = page.select("section.relax li a")
    assert links, "never a dead end"
    followed = client.get(links[0]["href"].replace("/search?", "/search.json?")).get_json()
    count = int(page.select("section.relax li .count")[0].get_text().split()[0])
    assert followed["count"] == count > 0


def test_count_paging_and_order_at_the_top(client):
    page = _soup(client.get("/search", query_string={"q": "health boards"}))
    pager = page.select_one("nav.pager")
    assert pager is not None and "Showing 1–100 of" in pager.get_text()
    assert pager.find_previous("ol", class_="results") is None  # above the results
    second = _soup(client.get("/search", query_string={"q": "health boards", "page": "2"}))
    assert "Showing 101–200 of" in second.select_one("nav.pager").get_text()
    by_due = client.get("/search.json", query_string={"q": "health boards", "sort": "due"}).get_json()["results"]
    dues = [r["due"] for r in by_due if r["due"]]
    assert dues == sorted(dues) and by_due[0]["due"]


def test_facet_counts_follow_the_other_filters(client):
    base = {"q": "health boards", "kind": "enabling action"}
    data = client.get("/search.json", query_string=base).get_json()
    for value in data["facets"]["modality"]:
        narrowed = client.get("/search.json", query_string={**base, "modality": value["value"]}).get_json()
        assert narrowed["count"] == value["count"] > 0


def test_every_topic_is_offered(client):
    page = _soup(client.get("/search", query_string={"q": "health boards"}))
    data = client.get("/search.json", query_string={"q": "health boards"}).get_json()
    topics = data["facets"]["topic"]
    assert len(topics) > 12
    more = page.select("nav.facets details.more")
    assert more and sum(len(d.select("li")) for d in more) >= len(topics) - 12


@pytest.mark.parametrize("args, named", [({"sort": "sideways"}, "sort"), ({"page": "0"}, "page"),
                                         ({"without": "nonsense"}, "without"),
                                         ({"without": "subject:no-such-thing"}, "subject")])
def test_bad_search_parameters_are_named(client, args, named):
    response = client.get("/search.json", query_string={"q": "Hywel Dda mental health", **args})
    assert response.status_code == 400 and named in response.get_json()["message"]


@pytest.mark.parametrize("ident", ["hywel-dda-uhb", "nwp:HealthBoard", "topic-mental-health", "priority-womens-health",
                                   "plan-3-8-workforce", "duty-of-quality"])
def test_every_body_kind_topic_priority_plan_and_duty_page_leads_to_what_applies(client, policy_graph, ident):
    page = _soup(client.get(f"/id/{ident}"))
    button = next(a for a in page.select("p.actions a") if a.get_text(strip=True) == "What applies")
    answer = client.get(button["href"].replace("/search?", "/search.json?")).get_json()
    assert answer["subject"]["id"] == ident
    # the page answers for today, as its banner says
    assert {r["id"] for r in answer["results"]} == {e.item for e in policy_graph.what_applies(ident, dt.date.today())}


def test_an_obligation_page_has_no_what_applies_button(client):
    page = _soup(client.get("/id/kde-2-1-ambulance-handover-45-minutes"))
    assert "What applies" not in [a.get_text(strip=True) for a in page.select("p.actions a")]


def test_the_command_line_reads_back_in_welsh(built, capsys):
    assert main(["--lang", "cy", "ask", "Beth ddylai byrddau iechyd ei wneud am iechyd menywod?",
                 "--graph", str(built.artefact)]) == 0
    first = capsys.readouterr().out.splitlines()[0]
    assert first == ("Wedi'i ddarllen fel: yn berthnasol i: bwrdd iechyd · blaenoriaeth: Iechyd Menywod · "
                     "moddolrwydd: dylai, yna rhai cryfach")
