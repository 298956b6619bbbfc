"""When things start and end, on every surface: the handover from Putting Things Right to
Listening to People on 1 April 2026 (Listening to People supersedes it; its end is inferred), the
day before, on and after, from the library, the command line, the JSON twins and the pages; a day
that is not one is refused naming its parameter; every page says the day it answers for."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from bs4 import BeautifulSoup

from graph.api import PolicyGraph
from graph.cli import main
from graph.rules.clocks import Clock
from web import create_app

STATUTE = "nhs-complaints-regulations-2011"  # both processes rest on it
OLD, NEW = "putting-things-right", "listening-to-people"
BEFORE, ON, AFTER = "2026-03-31", "2026-04-01", "2026-11-30"


@pytest.fixture(scope="module")
def graph(built) -> PolicyGraph:
    return PolicyGraph.open(built.artefact)


@pytest.fixture(scope="module")
def client(built):
    return create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)}).test_client()


def _ids(found) -> set[str]:
    return {e.item for e in found}


def test_a_clock_reads_its_end_from_its_replacement():
    stated = Clock(applies_from=dt.date(2026, 1, 1), last_day_stated=dt.date(2026, 6, 30))
    days = (dt.date(2025, 12, 31), dt.date(2026, 6, 30), dt.date(2026, 7, 1))
    assert [stated.state(day) for day in days] == ["not yet in force", "in force", "ended"]
    replaced = Clock(replaced_by=("x", "X"), replaced_from=dt.date(2026, 4, 1))
    assert replaced.last_day == dt.date(2026, 3, 31) and replaced.end_inferred
    # a replacement with no day does not end it: the text does not say when
    assert Clock(replaced_by=("x", "X")).state(dt.date(2100, 1, 1)) == "in force"
    # a stated last day wins over the one a replacement implies
    both = Clock(last_day_stated=dt.date(2026, 5, 1), replaced_from=dt.date(2026, 4, 1))
    assert both.last_day == dt.date(2026, 5, 1) and not both.end_inferred


def test_library_hands_over_on_the_day(graph):
    before = _ids(graph.what_applies(STATUTE, dt.date.fromisoformat(BEFORE)))
    on = _ids(graph.what_applies(STATUTE, dt.date.fromisoformat(ON)))
    after = _ids(graph.what_applies(STATUTE, dt.date.fromisoformat(AFTER)))
    assert OLD in before and NEW not in before
    assert NEW in on and OLD not in on
    assert NEW in after and OLD not in after
    # what starts later is listed when asked for; what has ended never is
    pending = {e.item: e for e in graph.what_applies(STATUTE, dt.date.fromisoformat(BEFORE), pending=True)}
    assert pending[NEW].state == "not yet in force" and not pending[NEW].applies
    assert OLD not in _ids(graph.what_applies(STATUTE, dt.date.fromisoformat(ON), pending=True))
    # with no day, the library judges no dates: both are listed
    assert {OLD, NEW} <= _ids(graph.what_applies(STATUTE, None))


def test_library_standing_says_why(graph):
    old = graph.standing(OLD, dt.date.fromisoformat(ON))
    assert old["state"] == "ended" and old["eli_in_force"] == "eli:InForce-notInForce"
    assert (old["in_force_until"], old["end_inferred"], old["replaced_by"]) == (BEFORE, True, NEW)
    assert "replaced by Listening to People" in old["summary"]
    assert graph.standing(OLD, dt.date.fromisoformat(BEFORE))["state"] == "in force"
    law = graph.standing("nhs-complaints-amendment-regulations-2025", dt.date.fromisoformat(BEFORE))
    # a law comes into force; it does not "apply from" by its own statement
    assert (law["in_force_from"], law["state"]) == (ON, "not yet in force")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("day", "listed", "left_out"), [(BEFORE, OLD, NEW), (ON, NEW, OLD), (AFTER, NEW, OLD)])
def test_cli_answers_for_the_day(capsys, built, day, listed, left_out):
    code, out, _err = run(capsys, "applies", STATUTE, "--on", day, "--format", "json", "--graph", str(built.artefact))
    data = json.loads(out)
    items = {row["item"]: row for row in data["results"]}
    assert code == 0 and listed in items and left_out not in items
    assert data["on"] == data["receipt"]["as_of"] == day and data["subject"] == STATUTE
    assert items[listed]["state"] == "in force"


def test_cli_defaults_to_today_and_refuses_a_bad_day(capsys, built):
    code, out, _err = run(capsys, "trace", OLD, "--format", "json", "--graph", str(built.artefact))
    data = json.loads(out)
    assert code == 0 and data["receipt"]["as_of"] == dt.date.today().isoformat()
    assert data["standing"]["on"] == dt.date.today().isoformat()
    with pytest.raises(SystemExit) as stopped:
        main(["applies", STATUTE, "--on", "2026-02-30"])
    _out, err = capsys.readouterr()
    assert stopped.value.code == 2 and "argument --on" in err and "2026-02-30" in err


def test_cli_trace_states_the_end(capsys, built):
    code, out, _err = run(capsys, "trace", OLD, "--on", ON, "--graph", str(built.artefact))
    assert code == 0 and "State: no longer in force on 2026-04-01: replaced by Listening to People" in out


@pytest.mark.parametrize(("day", "listed", "left_out"), [(BEFORE, OLD, NEW), (ON, NEW, OLD), (AFTER, NEW, OLD)])
def test_json_answers_for_the_day(client, day, listed, left_out):
    data = client.get(f"/search.json?subject={STATUTE}&on={day}").get_json()
    ids = {r["id"] for r in data["results"]}
    assert data["on"] == day and listed in ids and left_out not in ids
    assert data["receipt"]["as_of"] == day
    standing = client.get(f"/id/{OLD}.json?on={day}").get_json()["standing"]
    assert standing["state"] == ("in force" if day == BEFORE else "ended")


@pytest.mark.parametrize("address", [f"/search.json?subject={STATUTE}&on=2026-13-01", f"/id/{OLD}.json?on=tomorrow",
                                     "/deadlines.json?on=2026-4-1", "/queries/targets.json?on=x"])
def test_a_bad_day_is_a_400_naming_the_parameter(client, address):
    response = client.get(address)
    assert response.status_code == 400 and "“on”" in response.get_json()["message"]


def test_the_csv_answers_for_the_day(client, capsys, built):
    text = client.get(f"/search.csv?subject={STATUTE}&on={ON}").get_data(as_text=True)
    assert NEW in text and OLD not in text
    # each row says its state on the day, and when it ends, in the browser's CSV and the command line's
    import csv
    import io

    rows = {r["item"]: r for r in csv.DictReader(io.StringIO(
        create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)}).test_client()
        .get(f"/search.csv?subject={STATUTE}&on={BEFORE}").get_data(as_text=True)))}
    assert (rows[OLD]["state"], rows[OLD]["in_force_until"]) == ("in force", BEFORE)
    code, out, _err = run(capsys, "applies", STATUTE, "--on", BEFORE, "--pending", "--format", "csv",
                          "--graph", str(built.artefact))
    listed = {r["item"]: r for r in csv.DictReader(io.StringIO(out))}
    assert code == 0 and listed[NEW]["state"] == "not yet in force" and listed[NEW]["effective_from"] == ON
    assert listed[OLD]["state"] == "in force" and listed[OLD]["in_force_until"] == BEFORE


def test_the_page_shows_the_day_and_the_state(client):
    page = BeautifulSoup(client.get(f"/id/{OLD}?on={ON}").get_data(as_text=True), "html.parser")
    assert page.select_one("aside.as-on summary").get_text(" ", strip=True).startswith("As on 1 April 2026")
    state = page.select_one("section.standing")
    assert "ended" in state.select_one("p.state").get_text() and "2026-03-31" in state.get_text()
    assert state.find("a", href=lambda h: h and h.endswith(f"/id/{NEW}"))
    before = BeautifulSoup(client.get(f"/id/{OLD}?on={BEFORE}").get_data(as_text=True), "html.parser")
    assert "in force" in before.select_one("section.standing p.state strong").get_text()
    # the form that changes the day keeps the rest of the address
    search = BeautifulSoup(client.get(f"/search?subject={STATUTE}&on={BEFORE}").get_data(as_text=True), "html.parser")
    kept = {i["name"]: i["value"] for i in search.select("aside.as-on input[type=hidden]")}
    assert kept.get("subject") == STATUTE and "on" not in kept
    assert search.select_one("aside.as-on input[name=on]")["value"] == BEFORE


def test_the_banner_is_in_welsh(client):
    page = BeautifulSoup(client.get(f"/id/{OLD}?on={ON}&lang=cy").get_data(as_text=True), "html.parser")
    assert page.select_one("aside.as-on summary").get_text(" ", strip=True).startswith("Fel ar 1 Ebrill 2026")
    assert "wedi dod i ben" in page.select_one("section.standing p.state").get_text()


@pytest.mark.parametrize(("day", "not_yet", "ended"), [(BEFORE, NEW, None), (ON, None, OLD), (AFTER, None, OLD)])
def test_what_stands_on_the_day(capsys, built, graph, day, not_yet, ended):
    stands = graph.the_day(dt.date.fromisoformat(day))
    waiting = {e["item"]: e for e in stands["not_yet_in_force"]}
    gone = {e["item"]: e for e in stands["ended"]}
    assert (NEW in waiting) == (not_yet == NEW) and (OLD in gone) == (ended == OLD)
    assert stands["in_force"] + len(waiting) + len(gone) == stands["items_with_days"] > 20
    if ended:
        assert gone[OLD]["day"] == BEFORE and gone[OLD]["end_inferred"]
    else:
        assert waiting[NEW]["day"] == ON
    # the due dates split at the day: none of the 2026-27 ones has passed before the year starts
    assert stands["due_passed"] + stands["due_ahead"] > 40
    assert all(d <= day for d in [stands["next_due"]] if stands["due_passed"] == 0) or stands["next_due"] >= day
    code, out, _err = run(capsys, "stats", "--on", day, "--graph", str(built.artefact))
    listed = out[out.index(f"on {day} (--on for another day):"):]
    assert code == 0 and (f"- {OLD}" in listed) == bool(ended) and (f"- {NEW}" in listed) == bool(not_yet)
    code, out, _err = run(capsys, "stats", "--on", day, "--format", "json", "--graph", str(built.artefact))
    assert json.loads(out)["the_day"] == stands
    page = BeautifulSoup(client_get(built, f"/build?on={day}"), "html.parser")
    rows = {a["href"].rsplit("/", 1)[-1]: a.find_parent("tr").get_text(" ", strip=True)
            for a in page.select("table.day-states a")}
    assert (OLD in rows) == bool(ended) and (NEW in rows) == bool(not_yet)
    if ended:
        assert "ended" in rows[OLD] and "2026-03-31" in rows[OLD]


def client_get(built, address: str) -> str:
    app = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)})
    response = app.test_client().get(address)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_days_stats_are_in_welsh(capsys, built):
    code, out, _err = run(capsys, "--lang", "cy", "stats", "--on", ON, "--graph", str(built.artefact))
    assert code == 0 and "Gweithio i Wella" in out and "(--on for another day)" not in out


def test_build_and_validate_say_what_stands_on_the_day(capsys, mini):
    code, out, _err = run(capsys, "--root", str(mini.root), "validate", "--on", BEFORE)
    assert code == 0 and f"on {BEFORE}: " in out and "items with days of their own in force" in out
    code, out, _err = run(capsys, "--root", str(mini.root), "build", "--on", AFTER)
    assert code == 0 and f"on {AFTER}: " in out
    # building, and a build found up to date, open the graph to say it only when a day is named
    code, out, _err = run(capsys, "--root", str(mini.root), "build", "--if-changed")
    assert code == 0 and "up to date" in out and "items with days of their own" not in out
    code, out, _err = run(capsys, "--root", str(mini.root), "build", "--if-changed", "--on", BEFORE)
    assert code == 0 and "up to date" in out and f"on {BEFORE}: " in out
    code, out, _err = run(capsys, "--root", str(mini.root), "stats")
    assert code == 0 and "items with days of their own" not in out


@pytest.mark.parametrize(("day", "named"), [(BEFORE, False), (ON, True)])
def test_a_plan_load_names_references_to_what_is_not_in_force(capsys, build_dir, tmp_path, day, named):
    plan = tmp_path / "plan.csv"
    plan.write_text("id,text,organisation,references\n"
                    f"c1,Keep to the complaints process,hywel-dda-uhb,{OLD}\n"
                    "c2,Hand over within 45 minutes,hywel-dda-uhb,kde-2-1-ambulance-handover-45-minutes\n")
    code, out, _err = run(capsys, "plan", "load", str(plan), "--org", "hywel-dda-uhb", "--on", day,
                          "--graph", str(build_dir / "policy-graph.nq"))
    assert code == 0 and "Loaded plan 'plan'" in out
    assert (f"c1 → {OLD} (ended, until {BEFORE})" in out) == named
    assert "c2 →" not in out


def test_a_named_query_takes_the_day_asked_for_a_date_left_out(capsys, built, graph, client):
    rows = graph.query("due-between", {"end": "2027-03-31"}, on=dt.date(2026, 12, 5)).rows
    days = sorted(str(r["date"]) for r in rows)
    assert days and days[0] >= "2026-12-05" and days[-1] <= "2027-03-31"
    every = graph.query("due-between", {"start": "2026-01-01", "end": "2027-03-31"}).rows
    assert len(every) > len(rows) and any(str(r["date"]) < "2026-12-05" for r in every)
    # the command line and the twins answer the same for the same day
    code, out, _err = run(capsys, "query", "due-between", "-p", "end=2027-03-31", "--on", "2026-12-05",
                          "--format", "json", "--graph", str(built.artefact))
    assert code == 0 and len(json.loads(out)["rows"]) == len(rows)
    data = client.get("/queries/due-between.json?end=2027-03-31&on=2026-12-05").get_json()
    assert data["count"] == len(rows) and data["parameters"] == {"end": "2027-03-31", "start": "2026-12-05"}
    today = client.get("/queries/due-between.json?end=2030-03-31").get_json()
    assert today["parameters"]["start"] == dt.date.today().isoformat()
    form = BeautifulSoup(client_get(built, "/queries/due-between"), "html.parser")
    assert "the day asked when not given" in form.find("label", attrs={"for": "p-start"}).get_text()


def test_every_command_about_the_policy_takes_the_day():
    from graph.cli import make_parser

    sub = next(a for a in make_parser()._actions if a.dest == "command")
    taking = {name for name, p in sub.choices.items() if any(a.dest == "on" for a in p._actions)}
    plan = sub.choices["plan"]._actions[-1].choices
    assert taking == {"query", "trace", "ask", "search", "coverage", "applies", "metrics", "check-targets",
                      "check-plan", "impact", "build", "validate", "stats"}
    assert any(a.dest == "on" for a in plan["load"]._actions)
    # what takes no day answers nothing about the policy on a day: accounts, kept plans, a copy, two texts
    assert set(sub.choices) - taking == {"plan", "account", "push", "diff", "serve"}


#: An obligation on every NHS organisation from 1 April 2026 that the text gives NHS trusts, and one
#: named trust, a later day of their own (made up here: no text of the two documents gives one
#: bearer a day apart, so the rule is shown on a small project of its own).
PER_BEARER = """
document: tpg
section: tpg-2-1
defaults:
  externalSource: ext-nhs-wales-organisations
items:
  - {id: hywel-dda-uhb, type: nwp:HealthBoard, label: Hywel Dda University Health Board}
  - {id: heiw, type: nwp:SpecialHealthAuthority, label: Health Education and Improvement Wales}
  - {id: velindre-university-nhs-trust, type: nwp:NHSTrust, label: Velindre University NHS Trust}
  - {id: trust-of-the-test, type: nwp:NHSTrust, label: Trust of the test}
  - id: req-staggered
    type: Requirement
    label: Ensure no handover over 45 minutes
    quote: "Ensure no ambulance patient handover waits over 45 minutes"
    modality: nwp:Must
    bindsKind: nwp:NHSOrganisation
    effectiveFrom: 2026-04-01
    startsFor:
      - type: nwp:BearerStart
        label: NHS trusts from 1 April 2027
        startBearer: nwp:NHSTrust
        eli:date_applicability: 2027-04-01
      - type: nwp:BearerStart
        label: Velindre from 1 January 2027
        startBearer: velindre-university-nhs-trust
        eli:date_applicability: 2027-01-01
"""


@pytest.fixture
def staggered(mini):
    mini.write("tpg/staggered.yaml", PER_BEARER)
    assert main(["--root", str(mini.root), "build"]) == 0
    return PolicyGraph.open(mini.root / "build" / "policy-graph.nq", root=mini.root)


@pytest.mark.parametrize(("body", "day", "state", "own"), [
    ("hywel-dda-uhb", "2026-04-01", "in force", ""), ("heiw", "2026-04-01", "in force", ""),
    ("trust-of-the-test", "2026-04-01", "not yet in force", "2027-04-01"),
    ("trust-of-the-test", "2027-04-01", "in force", "2027-04-01"),
    # a start stated for the body itself comes before the one stated for its kind
    ("velindre-university-nhs-trust", "2026-12-31", "not yet in force", "2027-01-01"),
    ("velindre-university-nhs-trust", "2027-01-01", "in force", "2027-01-01")])
def test_a_bearer_may_have_a_start_of_its_own(staggered, body, day, state, own):
    found = staggered.explain(body, "req-staggered", dt.date.fromisoformat(day))
    assert found.state == state and found.applies == (state == "in force")
    assert found.effective_from == (own or "2026-04-01")
    # the explanation says the day is the bearer's own, citing where the text gives it
    assert any("a day of their own" in f.text and own in f.text for f in found.facts) == bool(own)


def test_a_kind_of_body_keeps_its_own_start(staggered, capsys, mini):
    trusts = {e.item: e for e in staggered.what_applies("nwp:NHSTrust", dt.date(2026, 6, 1), pending=True)}
    assert trusts["req-staggered"].state == "not yet in force"
    assert "req-staggered" not in {e.item for e in staggered.what_applies("nwp:NHSTrust", dt.date(2026, 6, 1))}
    boards = {e.item: e for e in staggered.what_applies("nwp:HealthBoard", dt.date(2026, 6, 1))}
    assert boards["req-staggered"].state == "in force"
    code, out, _err = run(capsys, "--root", str(mini.root), "applies", "trust-of-the-test", "--item",
                          "req-staggered", "--on", "2026-06-01", "--explain")
    assert code == 0 and "not yet in force on 2026-06-01: applies to Trust of the test from 2027-04-01" in out


def test_a_start_for_a_bearer_names_one_bearer_and_one_day(mini, capsys):
    mini.write("tpg/staggered.yaml", PER_BEARER.replace("        eli:date_applicability: 2027-01-01\n", ""))
    code, _out, err = run(capsys, "--root", str(mini.root), "build")
    assert code == 1 and "exactly one day YYYY-MM-DD (eli:date_applicability)" in err
