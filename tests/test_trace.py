"""`trace` reaches, from every 2.1 delivery expectation and UEC enabling action, the
document section, the verbatim passage and a duty or statute behind it."""

from __future__ import annotations

import pytest

from graph.errors import QueryError
from graph.reports.trace import format_trace
from graph.rules.trace import trace

EXPECTATIONS = ["kde-2-1-ambulance-handover-45-minutes", "kde-2-1-ed-12-hour-waits", "kde-2-1-rtt-104-weeks",
                "kde-2-1-diagnostics-8-weeks", "kde-2-1-cancer-75-percent-and-backlog"]
ACTIONS = ["uec-action-1-falls-response", "uec-action-2-single-point-of-access", "uec-action-3-front-door-flow",
           "uec-action-4-sdec-and-frailty", "uec-action-5-back-door-flow"]
ID = "https://w3id.org/nhs-wales-planning/id/"


@pytest.mark.parametrize("item", EXPECTATIONS + ACTIONS)
def test_trace_reaches_section_passage_priority_and_a_statute(store, queries, item):
    tr = trace(store, queries, item)
    passage = tr.item.passages[0]
    assert passage.exact and passage.document == ID + "tpg"
    assert ID + "tpg-2-1" in tr.sections() and ID + "tpg-2" in tr.sections()
    assert ID + "priority-timely-access-to-care" in [n.iri for n in tr.chain]
    kinds = {n.kind for n in tr.basis}
    assert "statutory duty" in kinds and "Act" in kinds
    text = format_trace(tr)
    assert " ".join(passage.display.split()) in " ".join(text.split())  # as printed, its lines joined
    assert "Health and Social Care (Quality and Engagement) (Wales) Act 2020" in text


def test_action_sections_are_their_own(store, queries):
    tr = trace(store, queries, "uec-action-4-sdec-and-frailty")
    assert tr.sections()[0] == ID + "tpg-2-1-uec-action-4"
    assert [label for _iri, label in tr.item.passages[0].sections][:2] == [
        "UEC enabling action 4: Same Day Emergency Care and Acute Frailty Services at the Front Door",
        "Urgent and emergency care - six goals policy priorities - 2026-2027"]


def test_target_traces_up_through_outcome_and_action(store, queries):
    tr = trace(store, queries, "target-uec-action-2-outcome-2")
    chain = [n.iri for n in tr.chain]
    assert chain.index(ID + "uec-action-2-outcome-2") < chain.index(ID + "uec-action-2-single-point-of-access")


def test_requirement_traces_to_the_duty_and_provisions_behind_it(store, queries):
    tr = trace(store, queries, "req-1-sppp-s18-prepare-report")
    basis = {n.iri.removeprefix(ID): n for n in tr.basis}
    assert {"social-partnership-duty", "sppp-act-2023", "sppp-act-2023-s18"} <= set(basis)
    assert basis["sppp-act-2023"].relation == "imposed by"


def test_externally_sourced_items_say_so(store, queries):
    tr = trace(store, queries, "way-of-working-involvement")
    assert tr.item.passages == [] and tr.item.external
    assert "external source, not quote-checked" in format_trace(tr)


def test_unknown_item_is_an_error(store, queries):
    with pytest.raises(QueryError, match="no item 'kde-nothing' in the graph"):
        trace(store, queries, "kde-nothing")
