"""One core, one answer: the command line and the browser ask the one library, so the same
question on the same day gets the same obligations, reasons and dates on both, on every store;
and a plan kept or removed from the browser or the command line is seen by every web worker at
once, on every store: in memory, on disk, rdflib and a real SPARQL server on loopback."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import json
import os
import subprocess
import sys
import urllib.request

import pytest

from graph.api import PolicyGraph
from graph.cli import main
from graph.paths import ARTEFACT_NAME
from graph.queries import load_queries
from graph.store import push
from tests.conftest import REAL, account_key, copy_build
from tests.test_remote_store import oxigraph_server
from tests.test_serving import ROOT, start, stop
from web import create_app

#: Listening to People takes effect on this day: the days before, on and after it.
START = "2026-04-01"
DAYS = ["2026-03-31", START, "2026-04-02"]
PLAN = REAL.root / "examples" / "illustrative-plan.csv"
ITEM = "kde-2-1-rtt-104-weeks"  # a commitment of the illustrative plan answers it


@pytest.fixture(scope="module")
def nhs_organisations(built) -> list[str]:
    rows = PolicyGraph.open(built.artefact, kind="oxigraph").store.query(
        "PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#> "
        "SELECT ?body WHERE { ?body a nwp:NHSOrganisation }").rows
    found = sorted(str(r["body"]).rsplit("/", 1)[-1] for r in rows)
    assert len(found) >= 10 and "hywel-dda-uhb" in found and "wast" in found
    return found


@pytest.fixture(scope="module")
def client(built):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(built.artefact)})
    return app.test_client()


def cli_json(*argv: str):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main([*argv, "-f", "json"]) == 0
    return json.loads(out.getvalue())


def test_the_browser_and_the_command_line_agree_for_every_nhs_organisation_on_three_days(
        built, client, nhs_organisations):
    changed = 0
    for org in nhs_organisations:
        answers = {}
        for day in DAYS:
            cli = {(e["item"], e["summary"], e["effective_from"], e["due_by"], e["priority"], e["plan"])
                   for e in cli_json("applies", org, "--on", day, "--graph", str(built.artefact))["results"]}
            web = client.get("/search.json", query_string={"subject": org, "on": day}).get_json()
            assert web["subject"]["id"] == org and web["on"] == day
            browser = {(r["id"], "; ".join(r["why"]), r["effective_from"], r["due_by"], "; ".join(r["priority_names"]),
                        r["plan"]) for r in web["results"]}
            assert len(web["results"]) == len(browser)  # one row per obligation
            assert browser == cli, f"{org} on {day}: {sorted(browser ^ cli)[:4]}"
            assert cli, f"nothing applies to {org} on {day}"
            answers[day] = {a[0] for a in cli}
        # a start date: what takes effect on it is out the day before and in on it and after
        assert answers[DAYS[0]] <= answers[DAYS[1]] == answers[DAYS[2]]
        changed += answers[DAYS[0]] != answers[DAYS[1]]
    assert changed >= 7  # at least every health board gains Listening to People on its start day


def test_the_browsers_csv_has_the_command_lines_columns_and_rows(built, client):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert main(["applies", "wast", "--on", START, "--graph", str(built.artefact), "-f", "csv"]) == 0
    cli = list(csv.DictReader(io.StringIO(out.getvalue())))
    web = list(csv.DictReader(io.StringIO(client.get("/search.csv", query_string={
        "subject": "wast", "on": START}).get_data(as_text=True))))
    assert len(cli) == len(web) > 20
    pick = ("item", "why", "effective_from", "due_by", "plan")
    assert sorted(tuple(r[k] for k in pick) for r in cli) == sorted(tuple(r[k] for k in pick) for r in web)


def test_an_item_serving_several_enabling_plans_lists_them_all_in_one_order(built, client):
    graph = PolicyGraph.open(built.artefact, kind="oxigraph")
    several = [e for e in graph.what_applies("hywel-dda-uhb") if "; " in e.plan]
    assert several, "no obligation of Hywel Dda serves more than one enabling plan"
    for answer in several:
        names = answer.plan.split("; ")
        assert names == sorted(names)
    web = {r["id"]: r["plan"] for r in client.get("/search.json", query_string={
        "subject": "hywel-dda-uhb"}).get_json()["results"]}
    assert all(web[a.item] == a.plan for a in several)


@pytest.mark.parametrize("subject", ["nwp:HealthBoard", "topic-mental-health", "priority-timely-access-to-care",
                                     "plan-3-8-workforce", "duty-of-quality"])
def test_every_kind_of_subject_is_answered_by_the_one_engine_on_both_surfaces(built, client, subject):
    cli = cli_json("applies", subject, "--graph", str(built.artefact))["results"]
    web = client.get("/search.json", query_string={"subject": subject}).get_json()
    assert cli and {e["item"] for e in cli} == {r["id"] for r in web["results"]}
    assert {e["item"]: e["reasons"] for e in cli} == {r["id"]: r["why"] for r in web["results"]}


def test_every_store_gives_the_same_answers(built, rdflib_store):
    queries = load_queries(REAL.queries_dir)
    oxigraph = PolicyGraph.open(built.artefact, kind="oxigraph")
    rdflib = PolicyGraph(rdflib_store, queries, built.artefact, REAL.sources_dir)
    for subject in ("swansea-bay-uhb", "topic-mental-health"):
        assert [e.as_dict() for e in oxigraph.what_applies(subject, on=None)] == \
               [e.as_dict() for e in rdflib.what_applies(subject, on=None)]


# --- every worker sees a kept plan at once -----------------------------------------------------

def _as(key: str, url: str, **options) -> urllib.request.Request:
    return urllib.request.Request(url, headers={"Authorization": f"Bearer {key}", **options.pop("headers", {})},
                                  **options)


def _commitments(base: str, key: str, item: str = ITEM) -> int:
    with urllib.request.urlopen(_as(key, f"{base}/id/{item}.json"), timeout=30) as response:
        return len(json.load(response)["commitments"])


def _keep_in_browser(base: str, name: str, key: str) -> dict:
    boundary = "----one-core"
    parts = [("org", "swansea-bay-uhb"), ("keep", "yes"), ("name", name), ("format", "json")]
    body = "".join(f"--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n" for k, v in parts)
    body += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"plan\"; filename=\"{PLAN.name}\"\r\n"
             f"Content-Type: text/csv\r\n\r\n{PLAN.read_text(encoding='utf-8')}\r\n--{boundary}--\r\n")
    request = _as(key, f"{base}/plans/check", data=body.encode("utf-8"), method="POST",
                  headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.load(response)


def _cli(env: dict, *argv: str) -> subprocess.CompletedProcess:
    code = "import sys; from graph.cli import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, cwd=ROOT, timeout=300,
                          env={**os.environ, **env})


@contextlib.contextmanager
def _store_settings(store: str, artefact, tmp_path):
    """The settings that serve *store*: for a SPARQL server, a real Oxigraph server on loopback
    loaded as 'policy-graph push' loads it."""
    if store != "sparql":
        yield {"POLICY_GRAPH_STORE": store}
        return
    with oxigraph_server(tmp_path / "oxigraph") as (query_url, store_url):
        push(artefact, query_url, store_url)
        yield {"POLICY_GRAPH_STORE": "sparql", "POLICY_GRAPH_SPARQL_URL": query_url,
               "POLICY_GRAPH_SPARQL_STORE_URL": store_url}


@pytest.mark.parametrize("store", ["oxigraph", "oxigraph-disk", "rdflib", "sparql"])
def test_a_plan_kept_or_removed_anywhere_is_seen_by_every_worker_at_once(built, tmp_path, store):
    artefact = tmp_path / "build" / ARTEFACT_NAME
    artefact.parent.mkdir()
    copy_build(built, artefact)
    with _store_settings(store, artefact, tmp_path) as env:
        _every_worker_sees_the_plans(artefact, env)


def _every_worker_sees_the_plans(artefact, env: dict) -> None:
    key = account_key("swansea-bay-uhb")  # the plans are Swansea Bay's own: its account sees them
    process, base = start(artefact, {**env, "POLICY_GRAPH_WORKERS": "3"})
    try:
        assert {_commitments(base, key) for _ in range(30)} == {0}
        kept = _keep_in_browser(base, "from-the-browser", key)
        assert kept["kept_as"] == "from-the-browser"
        assert [_commitments(base, key) for _ in range(30)] == [1] * 30  # every worker, first time
        loaded = _cli(env, "plan", "load", str(PLAN), "--org", "swansea-bay-uhb", "--id", "from-the-cli",
                      "--graph", str(artefact))
        assert loaded.returncode == 0, loaded.stderr
        assert [_commitments(base, key) for _ in range(30)] == [2] * 30
        for plan in ("from-the-cli", "from-the-browser"):
            removed = _cli(env, "plan", "remove", plan, "--graph", str(artefact))
            assert removed.returncode == 0, removed.stderr
        assert [_commitments(base, key) for _ in range(30)] == [0] * 30
        listed = urllib.request.urlopen(_as(key, f"{base}/plans.json"), timeout=30).read()
        assert json.loads(listed)["plans"] == []
    finally:
        output = stop(process)
    assert "Traceback" not in output, output


def test_search_json_names_the_day_it_answers_for(client):
    data = client.get("/search.json", query_string={"subject": "swansea-bay-uhb"}).get_json()
    assert data["on"] == dt.date.today().isoformat() == data["receipt"]["as_of"]  # no day given: today
    refused = client.get("/search.json", query_string={"subject": "swansea-bay-uhb", "on": "2026-02-30"})
    assert refused.status_code == 400 and "“on”" in refused.get_json()["message"]  # not a day: named


# --- search is the library's too ---------------------------------------------------------------

@pytest.mark.parametrize("words", ["handover waits", "handovr waits over 45 minuts", "delayed pathways dashboard",
                                   "Hywel Dda mental health by March 2027", "Beth ddylai byrddau iechyd ei wneud?"])
def test_the_command_lines_ask_answers_as_the_browsers_search_box_does(built, client, words):
    cli = cli_json("ask", words, "--limit", "1000", "--graph", str(built.artefact))
    web = client.get("/search.json", query_string={"q": words}).get_json()
    assert cli["reading"]["subjects"] == web["reading"]["subjects"]
    assert [r["id"] for r in cli["results"]] == [r["id"] for r in web["results"]] != []


@pytest.mark.parametrize("words", ["handover waits", "delayed pathways dashboard"])
def test_the_command_lines_search_finds_the_items_the_browser_lists_beside(built, client, words):
    cli = cli_json("search", *words.split(), "--limit", "200", "--graph", str(built.artefact))
    web = client.get("/search.json", query_string={"q": words}).get_json()
    beside = [h["id"] for h in cli["hits"] if h["kind"] != "passage"]
    assert [m["id"] for m in web["text_matches"]] == [i for i in beside[:10] if i in
                                                      {m["id"] for m in web["text_matches"]}]


def test_a_search_that_names_a_subject_points_to_what_applies(built, client):
    cli = cli_json("search", "Hywel", "Dda", "--graph", str(built.artefact))
    web = client.get("/search.json", query_string={"q": "Hywel Dda"}).get_json()
    assert cli["subjects"][0] == web["subject"]["id"] == "hywel-dda-uhb"
