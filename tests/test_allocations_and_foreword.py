"""Funding is encoded as allocations, not targets; units and dates say what the text says (a rate
is a rate, a year the text leaves out is marked as assumed); and the Foreword is in the graph with
its dates and what "adopt or justify" applies to."""

from __future__ import annotations

from decimal import Decimal

import pytest

from graph.build.validate import validate
from graph.namespaces import NWP, entity

PREFIXES = ("PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#> PREFIX oa: <http://www.w3.org/ns/oa#> "
            "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> ")
ALLOCATIONS = {
    "waiting-times-residual-challenge-funding": (Decimal("20"), "PoundsMillion"),
    "discretionary-capital-allocation": (Decimal("12"), "PercentChange"),
    "health-professional-education-funding-2025-26": (Decimal("294.224"), "PoundsMillion"),
    "hsc-capital-budget-2026-27": (Decimal("626"), "PoundsMillion"),
    "ifrs16-capital-funding-2026-27": (Decimal("60"), "PoundsMillion"),
}


def _ask(store, query: str) -> bool:
    return store.query(PREFIXES + query).boolean


def _rows(store, query: str) -> list[dict]:
    return store.query(PREFIXES + query).rows


@pytest.mark.parametrize("ident, expected", ALLOCATIONS.items())
def test_funding_is_an_allocation_with_amount_unit_and_funder_not_a_target(store, ident, expected):
    rows = _rows(store, f"""SELECT ?amount ?unit ?funder WHERE {{
        <{entity(ident)}> a nwp:Allocation ; nwp:amount ?amount ; nwp:unit ?unit ; nwp:ledBy ?funder }}""")
    assert len(rows) == 1
    amount, unit = expected
    assert rows[0]["amount"].toPython() == amount and rows[0]["unit"] == NWP[unit]
    assert str(rows[0]["funder"]) == entity("welsh-government")
    assert not _ask(store, f"ASK {{ <{entity(ident)}> a nwp:Target }}")
    assert not _ask(store, f"ASK {{ <{entity(ident)}> nwp:measuredBy ?t . ?t nwp:unit nwp:PoundsMillion }}")


def test_the_funding_once_read_as_targets_is_gone_from_the_targets(store):
    for gone in ("target-3-2-retained-waiting-times-funding-20m", "target-3-2-discretionary-capital-uplift-12-percent",
                 "target-3-8-education-funding-294m"):
        assert not _ask(store, f"ASK {{ <{entity(gone)}> ?p ?o }}"), gone
    # no target is stated in pounds except the financial balance a health body plans for
    rows = _rows(store, "SELECT ?t WHERE { ?t a nwp:Target ; nwp:unit nwp:PoundsMillion }")
    assert [str(r["t"]) for r in rows] == [entity("target-3-2-financial-balance")]


def test_allocations_carry_their_recipients_conditions_and_baseline(store):
    uplift = entity("discretionary-capital-allocation")
    assert _ask(store, f'ASK {{ <{uplift}> nwp:recipient nwp:NHSOrganisation ; nwp:period "2026-27" ; '
                       f'nwp:baselinePeriod "the baseline allocation" }}')
    retained = entity("waiting-times-residual-challenge-funding")
    condition = entity("req-3-2-exhaust-opportunities-before-retained-funding")
    # the condition is what the text states; it binds no one (a context statement, not an obligation)
    assert _ask(store, f"ASK {{ <{retained}> nwp:hasCondition <{condition}> . <{condition}> a nwp:ContextStatement }}")


def test_a_node_typed_both_allocation_and_target_fails_validation(built):
    from rdflib import Graph

    from graph.build.pipeline import load_ontology, parse_turtle
    from tests.conftest import REAL

    data = Graph()
    node = entity("both")
    data.parse(data=f"""@prefix nwp: <{NWP}> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        <{node}> a nwp:Allocation , nwp:Target ; rdfs:label "both"@en ; nwp:amount 5.0 ;
            nwp:ledBy <{entity('welsh-government')}> .""", format="turtle")
    report = validate(data + load_ontology(REAL), parse_turtle(REAL.shapes_file, REAL.root))
    messages = " ".join(str(v.message) for v in report.violations)
    assert "funding is not a threshold to meet" in messages
    assert "states an amount but no unit" in messages


def test_perinatal_mortality_is_measured_as_a_rate(store):
    for node in ("target-2-5-perinatal-mortality", "metric-perinatal-mortality-rate"):
        assert _ask(store, f"ASK {{ <{entity(node)}> nwp:unit nwp:Rate }}"), node


def test_advice_on_welsh_essential_posts_is_not_an_obligation(store):
    node = entity("req-3-6-increase-welsh-essential-posts")
    assert _ask(store, f"ASK {{ <{node}> a nwp:PolicyItem }}")
    for absent in ("a nwp:Requirement", "nwp:modality ?m", "nwp:bindsKind ?k", "nwp:measuredBy ?t"):
        assert not _ask(store, f"ASK {{ <{node}> {absent} }}"), absent


def test_pocd_is_not_expanded_where_the_source_does_not(store):
    # the source never spells POCD out, so nothing stated about POCD may either
    rows = _rows(store, 'SELECT ?s ?o WHERE { ?s rdfs:label ?l . FILTER(CONTAINS(STR(?l), "POCD")) ?s ?p ?o . '
                        'FILTER(isLiteral(?o)) }')
    assert rows
    assert not [r for r in rows if "pathway of care delay" in str(r["o"]).lower()]


def test_a_year_the_text_leaves_out_is_marked_assumed_and_not_shown_as_stated(store):
    rows = _rows(store, "SELECT ?n ?label ?text ?note WHERE { ?n nwp:dateAssumed true ; rdfs:label ?label ; "
                        "nwp:dateText ?text ; skos:note ?note . FILTER(LANGMATCHES(LANG(?label), 'en')) }")
    assumed = {str(r["n"]).rsplit("/", 1)[-1]: r for r in rows}
    assert {"target-uec-action-4-outcome-1", "target-uec-action-4-outcome-3", "foreword-plan-submissions-march",
            "foreword-planning-framework-issued", "open-access-mental-health-guidance"} <= set(assumed)
    q2 = assumed["target-uec-action-4-outcome-1"]
    assert str(q2["text"]) == "by end of Q2" and "2026" not in str(q2["label"])
    assert all("assumed" in str(r["note"]) for r in rows)
    # the words of the text, never a year added in brackets that the passage does not have
    bracketed = _rows(store, 'SELECT ?n ?t (GROUP_CONCAT(?exact) AS ?words) WHERE { ?n nwp:dateText ?t . '
                             'FILTER(REGEX(STR(?t), "[(][0-9]{4}")) '
                             '?n (nwp:measures?)/nwp:hasSourcePassage/oa:hasSelector/oa:exact ?exact } GROUP BY ?n ?t')
    assert bracketed and all(str(r["t"]).split("(")[1] in str(r["words"]) for r in bracketed), bracketed


def test_pages_show_an_assumed_year_as_assumed(built):
    from web import create_app

    client = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)}).test_client()
    page = client.get("/id/foreword-plan-submissions-march").data.decode()
    assert '<time datetime="2026-03-31">2026-03-31</time> <span class="assumed" lang="en">(year assumed)</span>' in page
    welsh = client.get("/id/foreword-plan-submissions-march?lang=cy").data.decode()
    assert "(blwyddyn wedi'i thybio)" in welsh
    rows = client.get("/deadlines.json").json["deadlines"]
    march = [r for r in rows if r["id"] == "foreword-plan-submissions-march"]
    assert march and march[0]["date_assumed"] is True
    assert not next(r for r in rows if r["id"] == "target-2-1-rtt-104-weeks")["date_assumed"]


def test_the_foreword_gives_the_plan_submission_date_verbatim(store):
    node = entity("foreword-plan-submissions-march")
    rows = _rows(store, f"""SELECT ?due ?exact ?section WHERE {{ <{node}> nwp:dueBy ?due ; nwp:dateAssumed ?assumed ;
        nwp:hasSourcePassage ?p . ?p oa:hasSelector/oa:exact ?exact ; nwp:inSection ?section }}""")
    assert len(rows) == 1
    assert str(rows[0]["due"]) == "2026-03-31"
    assert str(rows[0]["exact"]) == "I look forward to seeing your plan submissions in March."
    assert str(rows[0]["section"]) == entity("tpg-foreword")


def test_the_foreword_says_what_adopt_or_justify_applies_to(store):
    node = entity("req-foreword-adopt-or-justify-enabling-actions")
    assert _ask(store, f"ASK {{ <{node}> a nwp:Requirement ; nwp:modality nwp:ExpectedTo ; "
                       f"nwp:bindsKind nwp:NHSOrganisation ; nwp:implements <{entity('enabling-plans')}> }}")
    query = f"SELECT ?exact WHERE {{ <{node}> nwp:hasSourcePassage/oa:hasSelector/oa:exact ?exact }}"
    quotes = {str(r["exact"]) for r in _rows(store, query)}
    assert "A set of evidence based enabling actions have again been issued." in quotes
    assert any("'adopt or justify' these actions" in q for q in quotes)


def test_the_foreword_dates_the_planning_framework(store):
    node = entity("foreword-planning-framework-issued")
    rows = _rows(store, f"SELECT ?from ?text WHERE {{ <{node}> nwp:effectiveFrom ?from ; nwp:dateText ?text ; "
                        f"nwp:dateAssumed true }}")
    assert [(str(r["from"]), str(r["text"])) for r in rows] == [("2025-12-19", "on 19 December")]


def test_the_command_line_says_when_a_due_date_s_year_is_assumed(store, queries):
    from graph.reports.explanations import format_explanation
    from graph.rules.applicability import Explanation
    from graph.wording import ENGLISH, wording

    stated = Explanation("hywel-dda-uhb", "Hywel Dda", "x", "X", True, True, [], [], "applies", due_by="2026-09-30")
    assumed = Explanation("hywel-dda-uhb", "Hywel Dda", "x", "X", True, True, [], [], "applies", due_by="2026-09-30",
                          due_assumed=True)
    assert format_explanation(stated, ENGLISH).endswith("due by 2026-09-30")
    assert format_explanation(assumed, ENGLISH).endswith("due by 2026-09-30 (year assumed)")
    assert format_explanation(assumed, wording(store, queries, "cy")).endswith(
        "erbyn 2026-09-30 (blwyddyn wedi'i thybio)")
