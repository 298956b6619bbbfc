"""The consistency check (``policy-graph validate``, ``/consistency``): the shipped graph has no
finding its data does not explain, and conflicts planted in a small project are each found."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from graph.build.pipeline import build
from graph.queries import load_queries
from graph.rules.consistency import SAME_WORDS, check_consistency, word_overlap
from graph.store import OxigraphStore

HANDOVER = "Ensure no ambulance patient handover waits over 45 minutes"
TWELVE_HOURS = ("Ensure no patient spend spends 12 hours or more in all major and minor emergency care facilities "
                "from arrival until admission, transfer or discharge.")

PLANTED = f"""
document: tpg
section: tpg-2-1
items:
  - id: metric-handovers-over-45
    type: Metric
    label: Ambulance handovers over 45 minutes
    unit: nwp:Count
  - id: req-required
    type: Requirement
    label: Required reading
    quote: "{HANDOVER}"
    modality: nwp:Must
    bindsKind: nwp:HealthBoard
    measuredBy:
      - id: target-zero
        type: Target
        label: Zero by March 2027
        metric: metric-handovers-over-45
        comparator: nwp:AtMost
        targetValue: 0
        unit: nwp:Count
        dueBy: 2027-03-31
  - id: req-advised
    type: Requirement
    label: Advised reading
    quote: "{HANDOVER}"
    modality: nwp:Should
    bindsKind: nwp:HealthBoard
    measuredBy:
      - id: target-five
        type: Target
        label: Five by March 2027
        metric: metric-handovers-over-45
        comparator: nwp:AtMost
        targetValue: 5
        unit: nwp:Count
        dueBy: 2027-03-31
  - id: req-backwards
    type: Requirement
    label: Takes effect after it is due
    quote: "{TWELVE_HOURS}"
    modality: nwp:ExpectedTo
    bindsKind: nwp:HealthBoard
    effectiveFrom: 2027-04-01
    dueBy: 2027-03-31
"""


def _check(project) -> list:
    result = build(project.layout, project.root / "out")
    return check_consistency(OxigraphStore(result.artefact), load_queries(project.layout.queries_dir))


def test_the_shipped_graph_has_no_unexplained_finding(store, queries):
    findings = check_consistency(store, queries)
    assert [(f.kind, [i.id for i in f.items]) for f in findings if not f.explained] == []
    # what is explained says why, in the data
    assert all(len(f.explanation) > 40 for f in findings)


def test_planted_conflicts_are_each_found(mini):
    mini.write("tpg/items.yaml", PLANTED)
    findings = _check(mini)
    found = {(f.kind, tuple(i.id for i in f.items)) for f in findings}
    assert ("conflicting-target", ("target-five", "target-zero")) in found
    assert ("contradicting-modality", ("req-required", "req-advised")) in found
    assert ("dates-out-of-order", ("req-backwards",)) in found
    conflict = next(f for f in findings if f.kind == "conflicting-target")
    assert conflict.detail["metric"] == "metric-handovers-over-45"
    assert conflict.detail["bound"] == "nwp:HealthBoard"
    assert sorted(conflict.detail["values"].split(" / ")) == ["0", "5"]
    assert [i.label for i in conflict.items] == ["Five by March 2027", "Zero by March 2027"]
    assert not any(f.explained for f in findings)


def test_targets_in_different_years_or_for_different_bodies_do_not_conflict(mini):
    mini.write("tpg/items.yaml", PLANTED.replace("dueBy: 2027-03-31\n  - id: req-backwards",
                                                 "dueBy: 2028-03-31\n  - id: req-backwards")
               .replace("modality: nwp:Should\n    bindsKind: nwp:HealthBoard",
                        "modality: nwp:Should\n    bindsKind: nwp:NHSTrust"))
    kinds = {f.kind for f in _check(mini)}
    assert "conflicting-target" not in kinds and "contradicting-modality" not in kinds


def test_a_consistency_note_explains_a_finding(mini):
    note = "        consistencyNote: The text sets both figures, in two places, for the same year.\n"
    mini.write("tpg/items.yaml", PLANTED.replace("        targetValue: 5\n", "        targetValue: 5\n" + note))
    conflict = next(f for f in _check(mini) if f.kind == "conflicting-target")
    assert conflict.explained and conflict.explanation.startswith("The text sets both figures")


LEAD_IN = "Key areas of focus will be the implementation of:"
REGIONAL = "Regional models"
REDESIGN = "Implementation of referral redesign"


def _obligations(*items: str) -> str:
    """A data file of the section 2.1 holding a statute and the obligations *items*."""
    return textwrap.dedent("""
        document: tpg
        section: tpg-2-1
        items:
          - id: planted-duty
            type: LegislativeProvision
            label: A planted duty
            quote: "To achieve this, health boards must:"
        """) + "".join(textwrap.indent(textwrap.dedent(item), "  ") for item in items)


def _obligation(ident: str, modality: str, label: str, quotes: list[str], extra: str = "") -> str:
    lines = "".join(f'      - "{q}"\n' for q in quotes)
    return (f"- id: {ident}\n  type: Requirement\n  label: {label}\n  quotes:\n{lines.replace('      ', '    ')}"
            f"  modality: {modality}\n  bindsKind: nwp:HealthBoard\n{extra}")


def _modalities(project) -> list:
    return [f for f in _check(project) if f.kind == "contradicting-modality"]


def test_a_shared_passage_that_is_no_lead_in_is_a_contradiction_though_the_quotes_differ(mini):
    mini.write("tpg/items.yaml", _obligations(
        _obligation("req-must", "nwp:Must", "Handovers within 45 minutes", [HANDOVER]),
        _obligation("req-should", "nwp:Should", "Handovers and 12-hour waits", [HANDOVER, TWELVE_HOURS])))
    [finding] = _modalities(mini)
    assert [i.id for i in finding.items] == ["req-must", "req-should"]
    assert finding.detail["bound"] == "nwp:HealthBoard"
    assert finding.detail["passage"].startswith("passage/tpg/ensure-no-ambulance-patient-handover")
    assert finding.detail["duty"] == "" and finding.detail["modalities"] == "nwp:Must / nwp:Should"
    assert not finding.explained


def test_a_shared_lead_in_alone_is_no_contradiction(mini):
    mini.write("tpg/items.yaml", _obligations(
        _obligation("req-must", "nwp:Must", "Regional models", [LEAD_IN, REGIONAL]),
        _obligation("req-should", "nwp:Should", "Referral redesign", [LEAD_IN, REDESIGN])))
    assert _modalities(mini) == []


def test_the_same_basis_and_nearly_the_same_words_is_a_contradiction(mini):
    basis = "  underpinnedBy: planted-duty\n"
    mini.write("tpg/items.yaml", _obligations(
        _obligation("req-must", "nwp:Must", "Implement regional models for planned care", [REGIONAL], basis),
        _obligation("req-should", "nwp:Should", "Implement the regional models of planned care", [REDESIGN], basis)))
    [finding] = _modalities(mini)
    assert [i.id for i in finding.items] == ["req-must", "req-should"]
    assert finding.detail["duty"] == "planted-duty" and finding.detail["passage"] == ""
    overlap = word_overlap(f"Implement regional models for planned care {REGIONAL}",
                           f"Implement the regional models of planned care {REDESIGN}")
    assert finding.detail["overlap"] == f"{overlap:.2f}" and overlap >= SAME_WORDS


def test_the_same_basis_with_different_words_is_no_contradiction(mini):
    basis = "  underpinnedBy: planted-duty\n"
    mini.write("tpg/items.yaml", _obligations(
        _obligation("req-must", "nwp:Must", "Implement regional models", [REGIONAL], basis),
        _obligation("req-should", "nwp:Should", "Redesign how patients are referred", [REDESIGN], basis)))
    assert word_overlap(f"Implement regional models {REGIONAL}", f"Redesign how patients are referred {REDESIGN}") \
        < SAME_WORDS
    assert _modalities(mini) == []


def test_a_consistency_note_explains_a_contradicting_modality(mini):
    basis = "  underpinnedBy: planted-duty\n"
    note = "  consistencyNote: The text requires the models and separately advises the same models for planning.\n"
    mini.write("tpg/items.yaml", _obligations(
        _obligation("req-must", "nwp:Must", "Implement regional models for planned care", [REGIONAL], basis),
        _obligation("req-should", "nwp:Should", "Implement the regional models of planned care", [REDESIGN],
                    basis + note)))
    [finding] = _modalities(mini)
    assert finding.explained and finding.explanation.startswith("The text requires the models")


def test_every_contradicting_modality_in_the_shipped_graph_is_explained(store, queries):
    found = [f for f in check_consistency(store, queries) if f.kind == "contradicting-modality"]
    pairs = {tuple(i.id for i in f.items): f for f in found}
    standard = pairs[("req-3-6-standard-110-plans", "req-3-6-focus-standard-110")]
    assert standard.detail["duty"] == "welsh-language-standard-110"
    assert standard.detail["bound"] == "nwp:NHSOrganisation"
    assert float(standard.detail["overlap"]) >= SAME_WORDS
    assert all(f.explained for f in found)


def test_an_obligation_with_no_bearer_or_passage_is_found(mini):
    # the shapes stop such an item at build time, so it is planted beside the built graph
    result = build(mini.layout, mini.root / "out")
    plans = result.artefact.parent / "plans"
    plans.mkdir()
    base, where = "https://w3id.org/nhs-wales-planning/", "<https://w3id.org/nhs-wales-planning/graph/plan/planted>"
    (plans / "planted.nq").write_text(
        f"<{base}id/req-nobody> <{base}ontology#modality> <{base}ontology#Must> {where} .\n"
        f"<{base}id/req-nobody> <http://www.w3.org/2000/01/rdf-schema#label> \"Binds nobody\"@en {where} .\n",
        encoding="utf-8")
    findings = check_consistency(OxigraphStore(result.artefact), load_queries(mini.layout.queries_dir))
    unbound = sorted(f.detail["missing"] for f in findings if f.kind == "unbound-obligation"
                     and f.items[0].id == "req-nobody")
    assert unbound == ["bearer", "passage"]
    assert findings[-1].items[0].label == "Binds nobody"


def test_validate_fails_on_an_unexplained_finding_and_names_it(mini):
    mini.write("tpg/items.yaml", PLANTED)
    run = subprocess.run([sys.executable, "-m", "graph.cli", "--root", str(mini.root), "validate"],
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"})
    assert run.returncode == 1, run.stdout + run.stderr
    assert "Consistency: 3 findings, 3 unexplained:" in run.stdout
    assert "[conflicting targets] target-five (Five by March 2027); target-zero (Zero by March 2027)" in run.stdout
    assert "[dates out of order] req-backwards (Takes effect after it is due)" in run.stdout


@pytest.fixture(scope="module")
def client(built):
    from web import create_app

    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)}).test_client()


def test_the_page_and_its_twins_list_the_findings_with_links(client, store, queries):
    expected = check_consistency(store, queries)
    data = client.get("/consistency.json").get_json()
    expected_items = [[{"id": i.id, "label": i.label} for i in f.items] for f in expected]
    assert [f["items"] for f in data["findings"]] == expected_items
    assert data["unexplained"] == 0 and data["kinds"][0] == "conflicting-target"
    html = client.get("/consistency?lang=en").get_data(as_text=True)
    for finding in expected:
        for involved in finding.items:
            assert f'href="/id/{involved.id}' in html
    assert "Not explained." not in html
    csv = client.get("/consistency.csv").get_data(as_text=True)
    assert csv.count("\n") == len(expected) + 1


def test_the_page_speaks_welsh(client):
    html = client.get("/consistency?lang=cy").get_data(as_text=True)
    assert "<h1>Cysondeb</h1>" in html and "Targedau sy'n gwrthdaro" in html


def test_an_item_page_shows_the_words_its_modality_rests_on(client):
    data = client.get("/id/req-2-2-making-every-contact-count.json").get_json()
    assert data["reading"]["cue"] == "will need" and data["reading"]["rule"] == "nwp:ReadNeedTo"
    html = client.get("/id/req-2-2-making-every-contact-count?lang=en").get_data(as_text=True)
    assert "the words “will need” of" in html
    statement = client.get("/id/req-ncf-4-np-diagnostics-transformational-change?lang=en").get_data(as_text=True)
    assert "Not an obligation: says why the programmes exist" in statement
