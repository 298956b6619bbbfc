"""Who may keep, see, publish and remove organisations' plans: writes need an account of the
organisation with the right role, changes from other sites are refused, and a plan not
published is seen by its organisation's accounts only, on every route."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from graph.access import Accounts
from graph.api import PolicyGraph
from graph.cli import main as cli
from graph.paths import ARTEFACT_NAME
from graph.queries import example_value, load_queries
from graph.rules.kept_plans import list_plans
from graph.rules.plan_graph import commitment_iri, plan_graph_iri, plan_iri
from graph.rules.plans import read_plan
from tests.conftest import REAL, copy_build
from web import create_app

ORG, OTHER = "swansea-bay-uhb", "hywel-dda-uhb"
PLAN = REAL.root / "examples" / "illustrative-plan.csv"
ITEM = "req-2-6-implement-listening-to-people"  # answered by commitment c07 of the plan
#: Words of the plan's commitment c07 that nothing in the policy graph says.
MARKER = "secret-marker-7f3a"


def _plan_text() -> bytes:
    text = PLAN.read_text(encoding="utf-8")
    return re.sub(r"^(c07,\")", rf"\g<1>{MARKER} ", text, flags=re.M).encode("utf-8")


@pytest.fixture
def accounts_path(tmp_path) -> Path:
    return tmp_path / "instance" / "accounts.json"


@pytest.fixture
def app(build_dir, accounts_path):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME), "SPARQL_WORKERS": 1,
                      "ACCOUNTS_PATH": str(accounts_path), "MAX_PLANS_PER_ORGANISATION": 3})
    yield app
    pool = app.extensions.get("sparql_pool")
    if pool is not None:
        pool.close()


def _key(app, name: str, organisation: str, role: str = "editor") -> str:
    return Accounts(Path(app.config["ACCOUNTS_PATH"])).add(name, organisation, role)


def _bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


def _keep(client, name: str = "private-plan", headers: dict | None = None, **fields):
    text = _plan_text().replace(ORG.encode(), fields["org"].encode()) if "org" in fields else _plan_text()
    data = {"org": ORG, "keep": "yes", "name": name, "format": "json",
            "plan": (io.BytesIO(text), "plan.csv"), **fields}
    return client.post("/plans/check", data=data, headers=headers or {})


def _signed_in(app, name: str, organisation: str, role: str = "editor"):
    """A test client signed in through the sign-in page, as a person is (session and CSRF)."""
    key = _key(app, name, organisation, role)
    client = app.test_client()
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/sign-in", data={"csrf_token": token, "name": name, "key": key, "next": "/plans"})
    assert response.status_code == 303 and response.headers["Location"] == "/plans"
    return client, token


# --- writes need an account of the organisation ---------------------------------------------

def test_anonymous_visitors_may_check_a_plan_but_not_keep_one(app, build_dir):
    client = app.test_client()
    checked = client.post("/plans/check", data={"org": ORG, "format": "json",
                                                "plan": (io.BytesIO(_plan_text()), "plan.csv")})
    assert checked.status_code == 200 and checked.get_json()["kept_as"] == ""
    for encoding in ("multipart", "urlencoded"):
        if encoding == "multipart":
            refused = _keep(client)
        else:
            refused = client.post("/plans/check", data={"org": ORG, "keep": "yes", "name": "x", "format": "json",
                                                        "plan_text": _plan_text().decode(), "file_name": "p.csv"})
        assert refused.status_code == 401
        assert "Sign in" in refused.get_json()["message"]
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
    page = client.post("/plans/check", data={"org": ORG, "keep": "yes", "plan": (io.BytesIO(_plan_text()), "p.csv")})
    assert page.status_code == 401 and 'href="/sign-in?next=' in page.get_data(as_text=True)
    assert list_plans(build_dir) == []


def test_an_editor_keeps_plans_of_their_own_organisation_only(app, build_dir):
    client = app.test_client()
    key = _key(app, "sam", ORG)
    assert _keep(client, headers=_bearer(key)).get_json()["kept_as"] == "private-plan"
    other = _keep(client, "for-hywel-dda", headers=_bearer(key), org=OTHER)
    assert other.status_code == 403 and "swansea-bay-uhb" in other.get_json()["problems"][0]["message"]
    reader = _keep(client, "by-a-reader", headers=_bearer(_key(app, "rita", ORG, "reader")))
    assert reader.status_code == 403
    admin = _keep(client, "by-the-admin", headers=_bearer(_key(app, "ada", "", "admin")), org=OTHER)
    assert admin.status_code == 200
    assert sorted(p.id for p in list_plans(build_dir)) == ["by-the-admin", "private-plan"]


def test_a_wrong_or_malformed_key_is_a_401_that_says_so(app):
    client = app.test_client()
    for header in ("Bearer not-a-key", "Basic dXNlcjpwYXNz", "Bearer "):
        response = client.get("/plans.json", headers={"Authorization": header})
        assert response.status_code == 401 and response.get_json()["message"]


def test_an_organisation_keeps_a_bounded_number_of_plans(app, build_dir):
    client, key = app.test_client(), _key(app, "sam", ORG)
    for n in range(3):
        assert _keep(client, f"plan-{n}", headers=_bearer(key)).status_code == 200
    refused = _keep(client, "plan-3", headers=_bearer(key))
    assert refused.status_code == 409 and "3 plans already" in refused.get_json()["problems"][0]["message"]
    assert _keep(client, "plan-0", headers=_bearer(key)).status_code == 400  # its name is taken, not replaced
    assert len(list_plans(build_dir)) == 3


# --- CSRF and Origin --------------------------------------------------------------------------

def test_a_change_from_another_site_is_refused_whatever_it_carries(app, build_dir):
    client, token = _signed_in(app, "sam", ORG)
    key = _key(app, "robot", ORG)
    for headers in ({"Origin": "http://evil.example"}, {"Origin": "null"},
                    {"Referer": "http://evil.example/page"}, {"Origin": "http://evil.example", **_bearer(key)}):
        refused = _keep(client, headers=headers, csrf_token=token)
        assert refused.status_code == 403, headers
        assert "other sites" in refused.get_json()["message"]
    assert _keep(client, headers={"Origin": "http://localhost"}, csrf_token=token).status_code == 200
    assert [p.id for p in list_plans(build_dir)] == ["private-plan"]


def test_a_session_change_needs_the_forms_token(app, build_dir):
    client, token = _signed_in(app, "sam", ORG)
    assert _keep(client).status_code == 403
    assert _keep(client, csrf_token="forged").status_code == 403
    assert list_plans(build_dir) == []
    assert _keep(client, csrf_token=token).status_code == 200


def test_sign_in_refuses_a_wrong_key_and_never_redirects_elsewhere(app):
    key = _key(app, "sam", ORG)
    client = app.test_client()
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/sign-in").get_data(as_text=True)).group(1)
    wrong = client.post("/sign-in", data={"csrf_token": token, "name": "sam", "key": key + "x"})
    assert wrong.status_code == 401 and "No account has that name" in wrong.get_data(as_text=True)
    for target in ("//evil.example/", "http://evil.example/", "/\\evil.example"):
        response = client.post("/sign-in", data={"csrf_token": token, "name": "sam", "key": key, "next": target})
        assert response.status_code == 303 and response.headers["Location"] == "/"


def test_a_renewed_key_ends_the_sessions_opened_with_the_old_one(app):
    client, _token = _signed_in(app, "sam", ORG)
    assert "Signed in as sam" in client.get("/plans").get_data(as_text=True)
    Accounts(Path(app.config["ACCOUNTS_PATH"])).add("sam", ORG, "editor", replace=True)
    assert "Signed in as sam" not in client.get("/plans").get_data(as_text=True)


# --- private on every route ---------------------------------------------------------------------

def _routes(client) -> list[str]:
    """Every address that shows plans or the items they answer, and every named query."""
    plan, commitment = str(plan_iri("private-plan")), str(commitment_iri("private-plan", "c07"))
    paths = ["/plans", "/plans.json", "/plans.csv", "/plans/private-plan", "/plans/private-plan.json",
             "/plans/private-plan.csv", "/plans/private-plan/check.json", f"/id/{ITEM}", f"/id/{ITEM}.json",
             f"/id/{ITEM}/trace", f"/id/{ITEM}/trace.json", f"/id/{ITEM}/impact", f"/id/{ITEM}/impact.json",
             "/id/plan/private-plan.ttl", "/id/plan/private-plan/commitment/c07.ttl", "/id/plan/private-plan",
             f"/search.json?q={MARKER}", f"/search?q={MARKER}", "/dumps/policy-graph.nq"]
    for named in load_queries(REAL.queries_dir).values():
        example = {p.name: example_value(p) for p in named.parameters}
        paths.append(f"/queries/{named.cli_name}.json?" + "&".join(f"{k}={v}" for k, v in example.items()))
        for p in named.parameters:
            if p.type == "iri":
                for iri in (plan, commitment, str(plan_graph_iri("private-plan"))):
                    paths.append(f"/queries/{named.cli_name}.json?" + "&".join(
                        f"{k}={iri if k == p.name else v}" for k, v in example.items()))
    sparql = "SELECT * WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'secret-marker')) }"
    paths.append("/sparql?query=" + sparql.replace(" ", "+"))
    return paths


def test_a_plan_not_published_is_seen_by_its_organisation_only_on_every_route(app):
    owner = app.test_client()
    owner.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {_key(app, 'sam', ORG, 'reader')}"
    assert _keep(app.test_client(), headers=_bearer(_key(app, "ed", ORG))).status_code == 200
    outsider = app.test_client()
    outsider.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {_key(app, 'hal', OTHER, 'editor')}"
    routes = _routes(app.test_client())
    assert len(routes) > 60
    for visitor in (app.test_client(), outsider):
        for path in routes:
            response = visitor.get(path)
            assert response.status_code < 500, path
            if MARKER not in path:
                assert MARKER not in response.get_data(as_text=True), path
            if "private-plan" not in path:  # an answer may repeat the address asked for, nothing more
                assert "private-plan" not in response.get_data(as_text=True), path
    # its organisation's accounts see it where the plans show
    assert MARKER in owner.get("/plans/private-plan").get_data(as_text=True)
    assert MARKER in owner.get(f"/id/{ITEM}").get_data(as_text=True)
    assert MARKER in owner.get("/id/plan/private-plan/commitment/c07.ttl").get_data(as_text=True)
    assert [p["id"] for p in owner.get("/plans.json").get_json()["plans"]] == ["private-plan"]


def test_a_published_plan_is_seen_by_everyone(app):
    editor = _key(app, "ed", ORG)
    client = app.test_client()
    assert _keep(client, headers=_bearer(editor), publish="yes").status_code == 200
    assert MARKER in client.get(f"/id/{ITEM}").get_data(as_text=True)
    listed = client.get("/plans.json").get_json()["plans"]
    assert [(p["id"], p["published"]) for p in listed] == [("private-plan", True)]
    # and made private again by its owner
    hidden = client.post("/plans/private-plan/publish", data={"published": "no", "format": "json"},
                         headers=_bearer(editor))
    answer = {k: v for k, v in hidden.get_json().items() if k not in ("receipt", "report")}
    assert answer | {"lang": "en"} == {"plan": "private-plan", "published": False, "lang": "en"}
    assert MARKER not in client.get(f"/id/{ITEM}").get_data(as_text=True)


def test_the_endpoint_shows_only_published_plans_even_when_it_shows_plans(build_dir, accounts_path):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME), "SPARQL_WORKERS": 1,
                      "ACCOUNTS_PATH": str(accounts_path), "SPARQL_EXPOSE_PLANS": True})
    try:
        client, editor = app.test_client(), _bearer(_key(app, "ed", ORG))
        assert _keep(client, headers=editor).status_code == 200
        ask = f"ASK {{ GRAPH <{plan_graph_iri('private-plan')}> {{ ?s ?p ?o }} }}"
        search = "SELECT ?o WHERE { ?s ?p ?o FILTER(CONTAINS(STR(?o), 'secret-marker')) }"

        def answers() -> tuple[bool, int]:
            accept = {"Accept": "application/sparql-results+json"}
            shown = client.get("/sparql", query_string={"query": ask}, headers=accept).get_json()["boolean"]
            rows = client.get("/sparql", query_string={"query": search}, headers=accept).get_json()
            return shown, len(rows["results"]["bindings"])

        assert answers() == (False, 0)
        assert client.post("/plans/private-plan/publish", data={"format": "json"}, headers=editor).status_code == 200
        assert answers() == (True, 1)
    finally:
        pool = app.extensions.get("sparql_pool")
        if pool is not None:
            pool.close()


# --- removing from the browser ------------------------------------------------------------------

def test_the_owner_removes_a_plan_from_its_page(app, build_dir):
    editor, token = _signed_in(app, "sam", ORG)
    assert _keep(editor, csrf_token=token).status_code == 200
    page = editor.get("/plans/private-plan").get_data(as_text=True)
    assert 'action="/plans/private-plan/remove"' in page and "Remove this plan" in page
    outsider, outsider_token = _signed_in(app, "hal", OTHER)
    assert outsider.post("/plans/private-plan/remove", data={"csrf_token": outsider_token}).status_code == 404
    reader, reader_token = _signed_in(app, "rita", ORG, "reader")
    assert "Remove this plan" not in reader.get("/plans/private-plan").get_data(as_text=True)
    assert reader.post("/plans/private-plan/remove", data={"csrf_token": reader_token}).status_code == 403
    assert editor.post("/plans/private-plan/remove").status_code == 403  # no form token
    assert [p.id for p in list_plans(build_dir)] == ["private-plan"]
    removed = editor.post("/plans/private-plan/remove", data={"csrf_token": token}, follow_redirects=True)
    assert removed.status_code == 200 and "was removed" in removed.get_data(as_text=True)
    assert list_plans(build_dir) == []


# --- the command line ---------------------------------------------------------------------------

def test_accounts_are_made_listed_and_removed_from_the_command_line(built, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("POLICY_GRAPH_ACCOUNTS", str(tmp_path / "accounts.json"))
    graph = ["--graph", str(built.artefact)]
    assert cli(["account", "add", "sam", "--org", ORG, "--role", "reader", *graph]) == 0
    key = capsys.readouterr().out.strip().splitlines()[-1]
    assert key.startswith("pgk_") and len(key) > 40
    stored = (tmp_path / "accounts.json").read_text()
    assert key not in stored and (tmp_path / "accounts.json").stat().st_mode & 0o077 == 0
    assert Accounts(tmp_path / "accounts.json").find(key).role == "reader"
    assert cli(["account", "add", "sam", "--org", ORG, *graph]) == 2
    assert "exists already" in capsys.readouterr().err
    assert cli(["account", "add", "x", "--org", "nowhere-uhb", *graph]) == 2
    assert "not an organisation" in capsys.readouterr().err
    # with no graph built the account is made, with a warning that its organisation was not checked
    assert cli(["account", "add", "y", "--org", "somewhere-uhb", "--graph", str(tmp_path / "none.nq")]) == 0
    assert "was not checked" in capsys.readouterr().err
    assert cli(["account", "remove", "y"]) == 0 and "Removed account 'y'" in capsys.readouterr().out
    assert cli(["account", "list", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out) == [{"name": "sam", "organisation": ORG, "role": "reader"}]
    assert cli(["account", "remove", "sam"]) == 0
    assert Accounts(tmp_path / "accounts.json").find(key) is None


def test_plans_are_published_from_the_command_line(built, tmp_path, capsys):
    artefact = tmp_path / "build" / ARTEFACT_NAME
    artefact.parent.mkdir()
    copy_build(built, artefact)
    assert cli(["plan", "load", str(PLAN), "--org", ORG, "--id", "p1", "--graph", str(artefact)]) == 0
    assert [p.published for p in list_plans(artefact.parent)] == [False]
    assert cli(["plan", "publish", "p1", "--graph", str(artefact)]) == 0
    assert "is now public" in capsys.readouterr().out
    assert [p.published for p in list_plans(artefact.parent)] == [True]
    assert cli(["plan", "load", str(PLAN), "--org", ORG, "--id", "p2", "--publish", "--graph", str(artefact)]) == 0
    graph = PolicyGraph.open(artefact, kind="oxigraph")
    assert {p.id: p.published for p in graph.plan_access()} == {"p1": True, "p2": True}
    assert cli(["plan", "publish", "p1", "--undo", "--graph", str(artefact)]) == 0
    assert {p.id: p.published for p in PolicyGraph.open(artefact, kind="oxigraph").plan_access()} == \
        {"p1": False, "p2": True}
    assert read_plan(PLAN)  # the example itself is untouched
