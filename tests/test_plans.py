"""Plans traced and gap-checked, impact analysis and orphans, through the library and the CLI."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from graph.cli import main
from graph.errors import QueryError
from graph.reports.plans import report_csv, report_html, report_text, share_text
from graph.rules.analysis import BASIS_KINDS, impact, most_relied_on, orphans
from graph.rules.applicability import Applicability
from graph.rules.plans import OrganisationMismatchError, PlanError, Share, check_plan, dependency_graph, read_plan
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
    # an adopted or justified enabling action takes its outcomes with it
    assert counts["obligations_justified"] == 5 and counts["obligations_adopted"] == 21
    assert counts["obligations_uncovered"] == counts["obligations_applicable"] - 21 - 5


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
    outcomes = {f"uec-action-2-outcome-{n}" for n in range(1, 5)}
    assert set(justified) == {"uec-action-2-single-point-of-access", *outcomes}
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
    assert ("p.csv:3, field 'organisation': 1 commitment (line 3) names Welsh Ambulance Services NHS Trust, "
            "not Powys Teaching Health Board, the organisation chosen") in text
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


def test_the_organisation_is_the_one_the_file_names(store, queries, rules, deps):
    report = check_plan(store, queries, read_plan(EXAMPLE_PLAN), None, rules, deps)
    assert (report.organisation, report.organisation_label) == ("swansea-bay-uhb",
                                                                "Swansea Bay University Health Board")
    assert report.counts() == check_plan(store, queries, read_plan(EXAMPLE_PLAN), "swansea-bay-uhb", rules,
                                         deps).counts()


def test_a_choice_the_file_contradicts_is_one_error_naming_both_by_label(store, queries, rules, deps):
    with pytest.raises(OrganisationMismatchError) as caught:
        check_plan(store, queries, read_plan(EXAMPLE_PLAN), "cardiff-and-vale-uhb", rules, deps)
    [problem] = caught.value.problems
    assert problem.message == ("every commitment of the plan names Swansea Bay University Health Board, but "
                               "Cardiff and Vale University Health Board was chosen: choose Swansea Bay University "
                               "Health Board, or leave the organisation for the file to name")
    assert caught.value.chosen == ("cardiff-and-vale-uhb", "Cardiff and Vale University Health Board")
    assert [(i, every) for i, _label, _lines, every in caught.value.named] == [("swansea-bay-uhb", True)]


def test_a_file_naming_several_or_unknown_organisations_needs_a_choice(store, queries, rules, deps, tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,text,organisation\nx1,a,powys-thb\nx2,b,wast\n", encoding="utf-8")
    with pytest.raises(PlanError, match="names 2 organisations .Powys Teaching Health Board; Welsh Ambulance"):
        check_plan(store, queries, read_plan(path), None, rules, deps)
    path.write_text("id,text,organisation\nx1,a,nobody\nx2,b,nobody\n", encoding="utf-8")
    with pytest.raises(PlanError, match="names the organisation 'nobody', which is not in the graph .lines 2, 3."):
        check_plan(store, queries, read_plan(path), None, rules, deps)


def test_coverage_overall_by_priority_and_by_enabling_plan(example):
    assert example.coverage().as_dict() == {"name": "", "covered": 26, "applicable": 535, "percent": 4.9}
    assert share_text(example.coverage()) == "26 of 535 covered, 5%"
    for shares in (example.by_priority, example.by_plan):
        names = [s.name for s in shares]
        assert names[-1] == "" and names[:-1] == sorted(names[:-1])  # by name, those serving none last
        assert all(0 <= s.covered <= s.applicable for s in shares)
    timely = next(s for s in example.by_priority if s.name == "Timely Access to Care")
    assert timely.covered == 24 and timely.applicable > timely.covered
    # every obligation that applies is counted under each priority it serves, or under none
    assert sum(s.covered for s in example.by_priority) >= 26
    data = example.as_dict()["coverage"]
    assert data["overall"]["covered"] == 26 and data["by_plan"][0]["name"] == "Digital, Technology and Innovation"


def test_a_share_is_never_shown_as_none_or_all_when_it_is_not(example):
    assert share_text(Share("", 1, 543)) == "1 of 543 covered, under 1%"
    assert share_text(Share("", 542, 543)) == "542 of 543 covered, over 99%"
    assert share_text(Share("", 0, 0)) == "0 of 0 covered, 0%"


def test_uncovered_obligations_come_strongest_first_then_soonest_due(example, rules):
    strength = {"must": 1, "is required to": 2, "is expected to": 3, "should": 4, "": 99}
    gaps = [g for g in example.gaps if g.status == "uncovered"]
    keys = [(strength[g.modality], g.due or "9999-12-31") for g in gaps]
    assert keys == sorted(keys)
    assert gaps[0].modality == "must" and gaps[0].due and gaps[-1].modality == ""
    for group in example.groups().values():
        keys = [(strength[g.modality], g.due or "9999-12-31") for g in group]
        assert keys == sorted(keys)


def test_csv_obligation_rows_carry_priority_or_plan_due_date_and_a_readable_linked_source(example):
    rows = [r for r in csv.DictReader(io.StringIO(report_csv(example))) if r["row"] == "obligation"]
    assert len(rows) == 514
    # before: 277 rows had no priority, 106 neither priority nor enabling plan
    assert sum(not r["priority"] for r in rows) == 277
    assert sum(not r["priority"] and not r["enabling_plan"] for r in rows) == 106
    assert all(r["priority_or_plan"] for r in rows)
    stated = [r for r in rows if not r["priority"] and not r["enabling_plan"]]
    assert all(r["priority_or_plan"] == f"no priority or enabling plan; stated in {r['source']}" for r in stated)
    plan_only = [r for r in rows if not r["priority"] and r["enabling_plan"]]
    assert plan_only and all(r["priority_or_plan"] == r["enabling_plan"] for r in plan_only)
    by_item = {r["item"]: r for r in rows}
    row = by_item["kde-2-1-diagnostics-8-weeks"]
    assert row["source"] == "TPG 2.1 Timely Access to Care"
    assert row["source_url"] == "https://w3id.org/nhs-wales-planning/id/" + row["passage"]
    assert by_item["req-1-think-long-term"]["source"] == "TPG 1 Context › Well-being of Future Generations"
    assert any(r["source"].startswith("NCF ") for r in rows)
    assert sum(bool(r["due"]) for r in rows) > 0
    assert all(not r["due"] or re.fullmatch(r"\d{4}-\d{2}-\d{2}", r["due"]) for r in rows)
    commitments = [r for r in csv.DictReader(io.StringIO(report_csv(example))) if r["row"] == "commitment"]
    assert {r["due"] for r in commitments if r["commitment"] == "c01"} == {"2027-03-31"}


def test_csv_source_links_can_be_the_site_s_and_cells_stay_safe(store, queries, rules, deps, tmp_path):
    plan = tmp_path / "p.csv"
    plan.write_text('id,text,organisation,references\nx1,"=HYPERLINK(""http://evil.example"")",powys-thb,'
                    'kde-2-1-rtt-104-weeks\n', encoding="utf-8")
    report = check_plan(store, queries, read_plan(plan), None, rules, deps)
    rows = list(csv.DictReader(io.StringIO(report_csv(report, lambda p: "https://example.org/id/" + p))))
    assert rows[0]["commitment_text"].startswith("'=")
    assert rows[0]["source_url"] == "https://example.org/id/" + rows[0]["passage"]


def test_text_and_html_reports_give_the_shares(example):
    text = report_text(example)
    assert "Coverage (adopted or justified): 26 of 535 covered, 5%" in text
    assert "Coverage by priority:" in text and "  Timely Access to Care: 24 of 76 covered, 32%" in text
    assert "Coverage by enabling plan:" in text and "no enabling plan: 26 of" in text
    assert "    [must, due 2027-03-31] " in text
    page = report_html(example)
    assert "26 of 535 covered, 5%" in page and "<h2>Coverage by enabling plan</h2>" in page


def test_check_plan_command_takes_the_organisation_from_the_file(built, capsys):
    assert main(["check-plan", str(EXAMPLE_PLAN), "--graph", str(built.artefact), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["organisation"] == "swansea-bay-uhb" and data["coverage"]["overall"]["covered"] == 26
    assert main(["check-plan", str(EXAMPLE_PLAN), "--org", "cardiff-and-vale-uhb",
                 "--graph", str(built.artefact)]) == 2
    err = capsys.readouterr().err
    assert "1 problem(s)" in err and err.count("Cardiff and Vale University Health Board") == 1
    assert "swansea-bay-uhb" not in err


def test_check_plan_command_in_welsh_gives_the_shares(built, capsys):
    assert main(["--lang", "cy", "check-plan", str(EXAMPLE_PLAN), "--graph", str(built.artefact)]) == 0
    out = capsys.readouterr().out
    assert "26 o 535" in out and "5%" in out
