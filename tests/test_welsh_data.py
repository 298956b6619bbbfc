"""Welsh for everything the project writes: every obligation, target and outcome has a Welsh
name, each Welsh name says whether it is published or awaits review, and the Welsh files name
only items that exist."""

from __future__ import annotations

import pytest

from graph.build.pipeline import build
from graph.errors import BuildError
from graph.welsh import welsh_review
from web import create_app

#: The classes whose names are the project's own words: each must have a Welsh name.
OWN_WORDS = ("Requirement", "DeliveryExpectation", "EnablingAction", "Outcome", "Target")


@pytest.fixture(scope="module")
def client(built):
    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)}).test_client()


@pytest.mark.parametrize("cls", OWN_WORDS)
def test_every_obligation_target_and_outcome_has_a_welsh_name(store, cls):
    query = ("PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#> "
             "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
             f"SELECT ?item WHERE {{ ?item a nwp:{cls} . "
             "FILTER NOT EXISTS { ?item rdfs:label ?cy FILTER(LANGMATCHES(LANG(?cy), 'cy')) } }")
    assert store.query(query).rows == []


def test_every_definition_the_project_wrote_has_welsh(store):
    query = ("PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
             "SELECT ?item WHERE { GRAPH <https://w3id.org/nhs-wales-planning/graph/asserted> { "
             "?item skos:definition ?en FILTER(LANGMATCHES(LANG(?en), 'en')) "
             "FILTER NOT EXISTS { ?item skos:definition ?cy FILTER(LANGMATCHES(LANG(?cy), 'cy')) } } }")
    missing = [str(r["item"]) for r in store.query(query).rows]
    assert missing == []


def test_every_welsh_name_says_whether_it_is_published(store, queries):
    review = welsh_review(store, queries)
    unmarked = store.query(
        "PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#> "
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?item WHERE { ?item rdfs:label ?cy FILTER(LANGMATCHES(LANG(?cy), 'cy')) "
        "FILTER(STRSTARTS(STR(?item), 'https://w3id.org/nhs-wales-planning/id/')) "
        "FILTER NOT EXISTS { ?item nwp:welshStatus ?status } }").rows
    assert unmarked == []
    awaiting = {n.id for n in review.awaiting}
    # the project's own words await review; official names of statutes and bodies are published
    assert {"kde-2-1-ambulance-handover-45-minutes", "topic-mental-health", "topic-digital"} <= awaiting
    assert not {"qe-act-2020", "hywel-dda-uhb", "duty-of-quality", "priority-womens-health"} & awaiting
    assert review.published >= 100 and len(review.awaiting) >= 800


def test_the_review_page_lists_what_awaits_review_with_counts(client, store, queries):
    review = welsh_review(store, queries)
    data = client.get("/welsh-review.json").get_json()
    assert data["awaiting_review"] == len(review.awaiting) and data["published"] == review.published
    kinds = {k["kind"]: k["count"] for k in data["by_kind"]}
    assert kinds["requirement"] >= 500 and kinds["target"] >= 70 and sum(kinds.values()) == data["awaiting_review"]
    html = client.get("/welsh-review?lang=cy").get_data(as_text=True)
    assert f"{data['awaiting_review']} enw Cymraeg yn aros am adolygiad" in html
    assert "Dim un claf ambiwlans yn aros dros 45 munud i&#39;w drosglwyddo" in html
    english = client.get("/welsh-review?lang=en").get_data(as_text=True)
    assert f"{data['awaiting_review']} Welsh names await review" in english
    csv_text = client.get("/welsh-review.csv").get_data(as_text=True)
    assert csv_text.count("\n") == data["awaiting_review"] + 1


ITEM = """
document: tpg
section: tpg-2-1
items:
  - id: req-handover
    type: Requirement
    label: No handover over 45 minutes
    quote: "Ensure no ambulance patient handover waits over 45 minutes"
    modality: nwp:Must
    bindsKind: nwp:HealthBoard
"""


def test_a_translation_of_an_id_no_file_defines_fails_the_build_naming_file_and_id(mini):
    mini.write("cy/tpg.yaml", """
        status: awaiting-review
        items:
          req-handover:
            label: Dim trosglwyddo dros 45 munud
          req-renamed-away:
            label: Rhywbeth arall
        """)
    with pytest.raises(BuildError) as raised:
        build(mini.layout, mini.root / "build")
    message = str(raised.value)
    assert "graph/data/cy/tpg.yaml:5" in message and "item 'req-renamed-away'" in message
    assert "no data file defines" in message


def test_a_welsh_label_given_twice_or_a_status_unknown_fails_the_build(mini):
    mini.write("tpg/more.yaml", ITEM.replace("req-handover", "req-other").replace(
        "label: No handover", "label_cy: Dim trosglwyddo\n    label: No handover"))
    mini.write("cy/tpg.yaml", """
        items:
          req-other:
            label: Dim trosglwyddo eto
          req-handover:
            label: Dim trosglwyddo dros 45 munud
            status: reviewed
        """)
    with pytest.raises(BuildError) as raised:
        build(mini.layout, mini.root / "build")
    message = str(raised.value)
    assert "item 'req-other'" in message and "already has a Welsh label at graph/data/tpg/more.yaml" in message
    assert "unknown status 'reviewed'" in message


def test_a_translation_carries_its_status_into_the_graph(mini):
    mini.write("cy/tpg.yaml", """
        items:
          req-handover:
            label: Dim trosglwyddo dros 45 munud
          priority-timely-access-to-care:
            label: Mynediad Amserol at Ofal
            status: published
        """)
    result = build(mini.layout, mini.root / "build")
    text = result.artefact.read_text(encoding="utf-8")
    assert '"Dim trosglwyddo dros 45 munud"@cy' in text
    assert "/id/req-handover> <https://w3id.org/nhs-wales-planning/ontology#welshStatus> " \
           "<https://w3id.org/nhs-wales-planning/ontology#WelshAwaitingReview>" in text
    assert "/id/priority-timely-access-to-care> <https://w3id.org/nhs-wales-planning/ontology#welshStatus> " \
           "<https://w3id.org/nhs-wales-planning/ontology#WelshPublished>" in text
