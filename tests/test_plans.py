"""Plans traced and gap-checked, impact analysis and orphans, through the library and the CLI."""

from __future__ import annotations

import csv
import io
import json

import pytest

from graph.cli import main
from graph.errors import QueryError
from graph.reports.plans import report_csv, report_html
from graph.rules.analysis import BASIS_KINDS, impact, most_relied_on, orphans
from graph.rules.applicability import Applicability
from graph.rules.plans import PlanError, check_plan, dependency_graph, read_plan
from tests.conftest import REAL

EXAMPLE_PLAN = REAL.root / "examples" / "illustrative-plan.csv"


@pytest.fixture(scope="module")
def rules(store, queries) -> Applicability:
    return Applicability(store, queries)


@pytest.fixture(scope="module")
def deps(store, queries):
    return dependency_graph(store, queries)


@pytest.fixture(scope="module")
def example(store, queries, rules, deps):
    return check_plan(store, queries, read_plan(EXAMPLE_PLAN), "swansea-bay-uhb", rules, deps)


def test_example_plan_counts(example):
    counts = example.counts()
    assert counts["commitments"] == 12
    assert (counts["traced"], counts["suggested"], counts["untraced"]) == (8, 3, 1)
    assert counts["obligations_justified"] == 2 and counts["obligations_adopted"] == 13
    assert counts["obligations_uncovered"] == counts["obligations_applicable"] - 13 - 2


def test_explicit_references_are_adopted_and_cover_their_parts(example):
    c04 = next(c for c in example.commitments if c.id == "c04")
    assert c04.status == "traced"
    assert [(link.item, link.kind) for link in c04.links] == [("uec-action-1-falls-response", "adopted")]
    uncovered = {g.item for g in example.gaps if g.status == "uncovered"}
    assert "uec-action-1-falls-response" not in uncovered
    assert "uec-action-1-outcome-1" not in uncovered  # an outcome of the action it adopts
    assert "kde-2-1-diagnostics-8-weeks" in uncovered


def test_suggestions_are_marked_and_scored(example):
    c10 = next(c for c in example.commitments if c.id == "c10")
    assert c10.status == "suggested"
    assert c10.links[0].item == "req-2-6-coding-95-percent-one-month"
    assert all(l.kind == "suggested" and 0 < l.score <= 1 for l in c10.links)
    assert [l.score for l in c10.links] == sorted((l.score for l in c10.links), reverse=True)
    # a suggestion is a lead, not coverage
    assert "req-2-6-coding-95-percent-one-month" in {g.item for g in example.gaps if g.status == "uncovered"}


def test_justified_and_untraced(example):
    justified = {g.item: g for g in example.gaps if g.status == "justified"}
    assert "uec-action-2-single-point-of-access" in justified and len(justified) == 2
    assert justified["uec-action-2-single-point-of-access"].by == ["c11"]
    assert "duplicate" in justified["uec-action-2-single-point-of-access"].justification
    c12 = next(c for c in example.commitments if c.id == "c12")
    assert c12.status == "untraced" and c12.links == []


def test_gaps_are_grouped_by_priority_and_plan(example):
    groups = example.groups()
    assert "Timely Access to Care" in groups and "Quality and Safety" in groups
    assert all(g.passage.startswith("passage/") for gaps in groups.values() for g in gaps if g.passage)


def test_reports_in_csv_html_and_json_carry_passages(example):
    rows = list(csv.DictReader(io.StringIO(report_csv(example))))
    assert {r["status"] for r in rows} >= {"adopted", "suggested", "justified", "uncovered", "untraced"}
    assert all(r["passage"].startswith("passage/") for r in rows if r["status"] in ("adopted", "uncovered")
               and r["item"].startswith(("kde-", "req-")))
    page = report_html(example)
    assert page.startswith("<!doctype html>") and "suggestion, score" in page and "passage/tpg/" in page
    data = json.loads(json.dumps(example.as_dict()))
    assert data["counts"]["untraced"] == 1 and data["justified"]


def test_html_escapes_plan_text(store, queries, rules, deps, tmp_path):
    plan = tmp_path / "p.csv"
    plan.write_text('id,text,organisation\nx1,"<script>alert(1)</script> diagnostics",powys-thb\n', encoding="utf-8")
    page = report_html(check_plan(store, queries, read_plan(plan), "powys-thb", rules, deps))
    assert "<script>" not in page and "&lt;script&gt;" in page


@pytest.mark.parametrize("name, text", [
    ("plan.yaml", "commitments:\n  - id: y1\n    text: Clear 104-week waits\n    organisation: powys-thb\n"
                  "    references: [kde-2-1-rtt-104-weeks]\n"),
    ("plan.json", json.dumps([{"id": "y1", "text": "Clear 104-week waits", "organisation": "powys-thb",
                               "references": ["kde-2-1-rtt-104-weeks"]}])),
    ("plan.ttl", "@prefix prov: <http://www.w3.org/ns/prov#> .\n"
                 "@prefix id: <https://w3id.org/nhs-wales-planning/id/> .\n"
                 "@prefix dcterms: <http://purl.org/dc/terms/> .\n"
                 "<https://example.org/plan/y1> a prov:Plan ; dcterms:description \"Clear 104-week waits\" ;\n"
                 "  prov:wasAttributedTo id:powys-thb ; dcterms:references id:kde-2-1-rtt-104-weeks .\n"),
])
def test_every_plan_format(store, queries, rules, deps, tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    [commitment] = read_plan(path)
    assert (commitment.id, commitment.references) == ("y1", ["kde-2-1-rtt-104-weeks"])
    report = check_plan(store, queries, [commitment], "powys-thb", rules, deps)
    assert report.commitments[0].status == "traced"


@pytest.mark.parametrize("name, text, message", [
    ("p.csv", "id,organisation\nx,powys-thb\n", "p.csv:1: missing column(s) text"),
    ("p.csv", "id,text,organisation,colour\nx,t,powys-thb,red\n", "p.csv:2: unknown field(s) colour"),
    ("p.csv", "id,text,organisation\nx,,powys-thb\n", "p.csv:2, field 'text': no text"),
    ("p.csv", "id,text,organisation\nx,a,powys-thb\nx,b,powys-thb\n",
     "p.csv:3, item 'x', field 'id': commitment id 'x' is used twice"),
    ("p.csv", "id,text,organisation\nx,a,b,c\n", "p.csv:2: 4 cells but the header names 3 columns"),
    ("p.csv", "", "the file is empty"),
    ("p.yaml", "commitments:\n  - id: x\n    text: [unclosed\n", "p.yaml:4: YAML error"),
    ("p.yaml", "- id: x\n  text: t\n", "p.yaml:1, field 'organisation': no organisation"),
    ("p.json", "[{\"id\": \"x\",}]", "p.json:1: JSON error"),
    ("p.json", "{\"plan\": 1}", "expected a list of commitments"),
    ("p.ttl", "this is not turtle", "p.ttl: Turtle syntax error"),
    ("p.docx", "x", "unknown plan format '.docx'"),
])
def test_bad_plan_files_are_refused_with_their_place(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        read_plan(path)
    assert message in str(caught.value)


def test_unknown_references_and_other_organisations_are_errors(store, queries, rules, deps, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,text,organisation,references\nx1,a,powys-thb,kde-2-1-rtt-104-weeks no-such-item\n"
                    "x2,b,wast,\nx3,c,powys-thb,Not An Id!\n", encoding="utf-8")
    with pytest.raises(PlanError) as caught:
        check_plan(store, queries, read_plan(path), "powys-thb", rules, deps)
    text = str(caught.value)
    assert "p.csv:2, item 'x1', field 'references': references 'no-such-item', which is not in the graph" in text
    assert "p.csv:3, item 'x2', field 'organisation': belongs to 'wast', not to powys-thb" in text
    assert "p.csv:4, item 'x3', field 'references'" in text


def test_a_reference_that_does_not_bind_the_body_is_noted(store, queries, rules, deps, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,text,organisation,references\nx1,handovers,wast,kde-2-1-ambulance-handover-45-minutes\n",
                    encoding="utf-8")
    report = check_plan(store, queries, read_plan(path), "wast", rules, deps)
    assert "does not bind Welsh Ambulance Services NHS Trust" in report.commitments[0].notes[0]
    assert report.commitments[0].links[0].applies is False


def test_check_plan_command_writes_each_format_and_changes_no_graph(built, tmp_path, capsys):
    before = built.artefact.read_bytes()
    for fmt in ("text", "json", "csv", "html"):
        out = tmp_path / f"report.{fmt}"
        assert main(["check-plan", str(EXAMPLE_PLAN), "--org", "swansea-bay-uhb", "--graph", str(built.artefact),
                     "--format", fmt, "--out", str(out)]) == 0
        assert out.stat().st_size > 1000
    assert json.loads((tmp_path / "report.json").read_text())["counts"]["traced"] == 8
    bad = tmp_path / "bad.csv"
    bad.write_text("id,text,organisation,references\nx,t,swansea-bay-uhb,nope\n", encoding="utf-8")
    assert main(["check-plan", str(bad), "--org", "swansea-bay-uhb", "--graph", str(built.artefact)]) == 2
    assert "references 'nope', which is not in the graph" in capsys.readouterr().err
    assert built.artefact.read_bytes() == before


def test_impact_of_a_duty_reaches_requirements_and_plan_commitments(store, queries, deps):
    commitments = read_plan(EXAMPLE_PLAN)
    result = impact(store, queries, "duty-of-quality", commitments, deps)
    found = {d.item: d for d in result.dependants}
    assert found["req-2-6-decisions-through-lens-of-quality"].distance == 1
    assert "kde-2-1-rtt-104-weeks" in found and found["kde-2-1-rtt-104-weeks"].distance > 1
    assert "c03" in {cid for cid, _t, _v in result.commitments}
    narrow = impact(store, queries, "nhs-complaints-amendment-regulations-2025", commitments, deps)
    assert {d.item for d in narrow.dependants} >= {"req-2-6-implement-listening-to-people"}
    assert [cid for cid, _t, _v in narrow.commitments] == ["c07"]
    with pytest.raises(QueryError, match="not linked to anything"):
        impact(store, queries, "no-such-item", [], deps)


def test_most_relied_on_and_orphans(deps):
    top = most_relied_on(deps, BASIS_KINDS, 3)
    assert top[0][0] in ("qe-act-2020", "duty-of-quality") and top[0][2] > 100
    lonely = {ident for ident, _label, _kind in orphans(deps)}
    assert "kde-2-1-rtt-104-weeks" not in lonely


def test_validate_reports_an_orphan(mini, capsys):
    mini.write("tpg/orphan.yaml", """
        document: tpg
        section: tpg-2-1
        items:
          - id: req-orphan
            type: Requirement
            label: A requirement tied to no priority, duty or statute
            quote: "No patients waiting more than 104 weeks for referral to treatment."
            modality: nwp:Must
            bindsKind: nwp:HealthBoard
        """)
    assert main(["--root", str(mini.root), "validate"]) == 0
    out = capsys.readouterr().out
    assert "1 orphan:" in out and "req-orphan" in out and "req-handover" not in out.split("1 orphan:")[1]
