"""The rules in the browser, through the test client: plan and trajectory checks with their
JSON and CSV downloads (made statelessly, so another worker can answer them), the gaps under
both groupings, keeping a plan as a named graph (on a SPARQL server too), kept plans in traces,
impact, bad and oversized uploads, and the public SPARQL endpoint's view of kept plans."""

from __future__ import annotations

import csv
import hashlib
import io
import re

import pytest
from bs4 import BeautifulSoup
from markupsafe import escape
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from graph.paths import ARTEFACT_NAME
from graph.rules.kept_plans import list_plans
from tests.conftest import REAL, copy_build, sign_in
from tests.test_plan_graph import sparql_server  # noqa: F401 (a fixture)
from web import create_app

EXAMPLES = REAL.root / "examples"
ORG = "swansea-bay-uhb"


@pytest.fixture
def app(build_dir):
    return create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME), "SPARQL_WORKERS": 1})


@pytest.fixture
def client(app):
    """A client signed in with an editor's account of the organisation whose plans are kept."""
    client = app.test_client()
    sign_in(client, ORG)
    return client


def upload(name: str, data: bytes | None = None):
    return (io.BytesIO(data if data is not None else (EXAMPLES / name).read_bytes()), name)


def counts(html: str) -> dict[str, int]:
    return {k: int(v) for k, v in re.findall(r'id="n-([a-z-]+)">(\d+)<', html)}


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def download_form(html: str) -> tuple[str, dict[str, str]]:
    """The report page's download form: where it posts and its hidden fields, with the text's
    line ends made CRLF as a browser posts them."""
    form = BeautifulSoup(html, "html.parser").find("form", class_="download")
    fields = {i["name"]: i["value"].replace("\n", "\r\n") for i in form.find_all("input", type="hidden")}
    assert form["method"] == "post" and form["enctype"] == "multipart/form-data"
    return form["action"], fields


def download(client, html: str, fmt: str):
    action, fields = download_form(html)
    response = client.post(action, data={**fields, "format": fmt}, content_type="multipart/form-data")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response


@pytest.fixture
def other_app(built, tmp_path):
    """A second worker: an app of its own over its own copy of the graph, sharing no memory."""
    folder = tmp_path / "other"
    folder.mkdir()
    copy_build(built, folder / ARTEFACT_NAME)
    return create_app({"TESTING": True, "GRAPH_PATH": str(folder / ARTEFACT_NAME), "SPARQL_WORKERS": 1})


def test_forms_list_the_organisations(client):
    for path, field in (("/plans/check", 'name="plan"'), ("/targets/check", 'name="trajectory"')):
        html = client.get(path).get_data(as_text=True)
        assert field in html and f'value="{ORG}"' in html and 'value="wast"' in html
        assert 'enctype="multipart/form-data"' in html
    assert 'href="/metrics"' in client.get("/targets/check").get_data(as_text=True)


def test_plan_check_report_and_its_downloads(client, other_app, build_dir):
    before = digest(build_dir / ARTEFACT_NAME)
    response = client.post("/plans/check", data={"org": ORG, "plan": upload("illustrative-plan.csv")})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert counts(html) == {"commitments": 12, "traced": 8, "suggested": 3, "untraced": 1, "applicable": 535,
                            "adopted": 21, "justified": 5, "uncovered": 509}
    assert "suggestion, score 0.53" in html  # c10, clearly marked as a suggestion with its score
    assert 'href="/id/passage/tpg/' in html  # rows link their source passage
    assert "Refurbish the staff car park lighting" in html.split('id="h-untraced"')[1].split("</section>")[0]
    # the downloads are made again from the text the page carries, by another worker
    other = other_app.test_client()
    data = download(other, html, "json").get_json()
    assert data["counts"]["suggested"] == 3 and len(data["gaps"]) == 509 and len(data["justified"]) == 5
    assert data["file"] == "illustrative-plan.csv" and data["organisation"] == ORG
    assert all(g["passage"].startswith("passage/") for g in data["gaps"] if g["passage"])
    direct = client.post("/plans/check", data={"org": ORG, "format": "json", "plan": upload("illustrative-plan.csv")})
    assert data == direct.get_json()  # the same report as the one the page shows
    got = download(other, html, "csv")
    assert 'filename="plan-check-swansea-bay-uhb.csv"' in got.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(got.get_data(as_text=True))))
    assert sum(r["status"] == "uncovered" for r in rows) == 509
    assert {r["status"] for r in rows if r["commitment"] == "c10"} == {"suggested"}
    assert "/plans/check/" not in html  # no address of a report kept on the server
    # a check keeps nothing unless asked, and never changes the policy graph
    assert list_plans(build_dir) == [] and digest(build_dir / ARTEFACT_NAME) == before


def test_plan_check_answers_json_directly(client):
    response = client.post("/plans/check", data={"org": ORG, "format": "json",
                                                 "plan": upload("illustrative-plan.csv")})
    assert response.status_code == 200 and response.get_json()["counts"]["traced"] == 8


def test_keeping_a_plan_shows_its_commitments(client, build_dir):
    before = digest(build_dir / ARTEFACT_NAME)
    response = client.post("/plans/check", data={"org": ORG, "keep": "yes", "name": "imtp-2026",
                                                 "plan": upload("illustrative-plan.csv")}, follow_redirects=True)
    assert 'id="kept"' in response.get_data(as_text=True)
    assert [p.id for p in list_plans(build_dir)] == ["imtp-2026"]
    assert digest(build_dir / ARTEFACT_NAME) == before
    listing = client.get("/plans.json").get_json()["plans"]
    assert [(p["id"], p["organisation"], p["commitments"]) for p in listing] == [("imtp-2026", ORG, 12)]
    assert "imtp-2026" in client.get("/plans").get_data(as_text=True)
    plan = client.get("/plans/imtp-2026.json").get_json()
    assert [c["id"] for c in plan["commitments"]][:2] == ["c01", "c02"]
    assert client.get("/plans/imtp-2026/check.json").get_json()["counts"]["obligations_justified"] == 5
    item = client.get("/id/req-2-6-implement-listening-to-people").get_data(as_text=True)
    assert "Commitments of kept plans" in item and "c07" in item
    impact = client.get("/id/nhs-complaints-amendment-regulations-2025/impact.json").get_json()
    assert {(c["plan"], c["commitment"]) for c in impact["commitments"]} == {("imtp-2026", "c07")}
    # the same name cannot be kept twice
    again = client.post("/plans/check", data={"org": ORG, "keep": "yes", "name": "imtp-2026",
                                              "plan": upload("illustrative-plan.csv")})
    assert again.status_code == 400 and "already kept" in again.get_data(as_text=True)


def test_trajectory_check_and_its_downloads(client, other_app):
    response = client.post("/targets/check", data={"org": ORG, "trajectory": upload("illustrative-trajectory.csv")})
    html = response.get_data(as_text=True)
    assert counts(html) == {"met": 13, "not-met": 11, "not-assessable": 3}
    other = other_app.test_client()
    data = download(other, html, "json").get_json()
    weekend = next(v for v in data["verdicts"] if v["target"] == "target-uec-action-5-outcome-2-weekend-25"
                   and v["period"] == "2026-27 Q4")
    assert weekend["verdict"] == "not met" and escape(weekend["rule"]) in html and escape(weekend["figures"]) in html
    assert f'href="/id/{weekend["passage"]}"' in html
    assert data["counts"] == {"met": 13, "not met": 11, "not assessable": 3}
    got = download(other, html, "csv")
    assert 'filename="targets-check-swansea-bay-uhb.csv"' in got.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(got.get_data(as_text=True))))
    assert len(rows) == 1 + 27


def test_a_download_of_a_large_plan_is_accepted(build_dir, tmp_path):
    """The text a download posts again is a form field, bounded as the file was."""
    app = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME), "MAX_CONTENT_LENGTH": 1_500_000})
    client = app.test_client()
    body = (EXAMPLES / "illustrative-plan.csv").read_text(encoding="utf-8")
    padding = "".join(f"# filler line {n:06d} {'x' * 60}\n" for n in range(12_000))  # ~900 kB of comments
    # bodies encoded in memory: the test client would spool one this large to an unclosed file
    boundary, data = encode_multipart({"org": ORG, "plan": FileStorage(io.BytesIO((padding + body).encode("utf-8")),
                                                                       "big-plan.csv")})
    response = client.post("/plans/check", data=data, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 200
    action, fields = download_form(response.get_data(as_text=True))
    assert len(fields["plan_text"]) > 500_000  # more than Werkzeug bounds a form field by default
    boundary, data = encode_multipart({**fields, "format": "json"})
    got = client.post(action, data=data, content_type=f"multipart/form-data; boundary={boundary}")
    assert got.status_code == 200 and got.get_json()["counts"]["commitments"] == 12


def test_a_changed_download_is_checked_like_an_upload(client):
    """The download posts text a reader could change: it is checked whole, as an upload is."""
    response = client.post("/plans/check", data={"org": ORG, "plan": upload("illustrative-plan.csv")})
    action, fields = download_form(response.get_data(as_text=True))
    fields["plan_text"] = fields["plan_text"].replace("kde-2-1-rtt-104-weeks", "kde-no-such")
    response = client.post(action, data={**fields, "format": "json"}, content_type="multipart/form-data")
    assert response.status_code == 400
    assert [(p["line"], p["field"]) for p in response.get_json()["problems"]] == [(8, "references")]


def test_gaps_are_under_both_their_priority_and_their_enabling_plan(client):
    response = client.post("/plans/check", data={"org": ORG, "plan": upload("illustrative-plan.csv")})
    html = response.get_data(as_text=True)
    data = download(client, html, "json").get_json()
    both = [g for g in data["gaps"] if g["priority"] and g["plan"]]
    assert both, "the example should leave an obligation serving both a priority and an enabling plan uncovered"
    soup = BeautifulSoup(html, "html.parser")
    assert [a["href"] for a in soup.select("nav.gap-switch a")] == ["#gaps-by-priority", "#gaps-by-plan"]
    for gap in both:
        for view, key in (("priority", "priority"), ("plan", "plan")):
            rows = soup.select(f'#gaps-by-{view} tr[data-item="{gap["item"]}"]')
            assert len(rows) == 1
            assert rows[0].find_parent("details")["data-group"] == gap[key]
    # each view lists every gap once
    for view in ("priority", "plan"):
        assert len(soup.select(f"#gaps-by-{view} tr[data-item]")) == len(data["gaps"])
    rows = list(csv.DictReader(io.StringIO(download(client, html, "csv").get_data(as_text=True))))
    by_item = {r["item"]: r for r in rows if r["row"] == "obligation" and r["status"] == "uncovered"}
    for gap in both:
        assert (by_item[gap["item"]]["priority"], by_item[gap["item"]]["enabling_plan"]) == (gap["priority"],
                                                                                             gap["plan"])


def test_metrics_list_and_twins(client):
    assert "metric-weekend-discharges" in client.get("/metrics").get_data(as_text=True)
    assert any(m["metric"] == "metric-weekend-discharges" for m in client.get("/metrics.json").get_json()["metrics"])
    assert client.get("/metrics.csv").get_data(as_text=True).startswith("metric,")


@pytest.mark.parametrize(("path", "field", "name", "data", "expected"), [
    ("/plans/check", "plan", "plan.csv", b"id,text\nc1,Something\n", "missing column(s) organisation"),
    ("/plans/check", "plan", "plan.csv", b"id,text,organisation,references\nc1,Do,swansea-bay-uhb,no-such\n",
     "references 'no-such', which is not in the graph"),
    ("/plans/check", "plan", "plan.docx", b"x", "must end in"),
    ("/targets/check", "trajectory", "t.csv", b"metric,period,value\nmetric-nope,2026-27,x\n", "unknown metric"),
    ("/targets/check", "trajectory", "t.csv", b"\xff\xfe\x00", "not UTF-8"),
])
def test_bad_uploads_get_a_400_naming_line_and_field_and_store_nothing(client, build_dir, path, field, name, data,
                                                                        expected):
    response = client.post(path, data={"org": ORG, "keep": "yes", field: upload(name, data)})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert expected in html.replace("&#39;", "'")
    assert list_plans(build_dir) == [] and not (build_dir / "plans").exists()
    as_json = client.post(path, data={"org": ORG, "format": "json", field: upload(name, data)})
    assert as_json.status_code == 400 and as_json.get_json()["problems"]


def test_bad_plan_problems_name_the_line(client):
    data = b"id,text,organisation,references\nc1,Do,swansea-bay-uhb,\nc2,,swansea-bay-uhb,\n"
    problems = client.post("/plans/check", data={"org": ORG, "format": "json",
                                                 "plan": upload("p.csv", data)}).get_json()["problems"]
    assert [(p["file"], p["line"], p["field"]) for p in problems] == [("p.csv", 3, "text")]


def test_missing_file_or_organisation(client):
    assert client.post("/plans/check", data={"org": ORG}).status_code == 400
    response = client.post("/targets/check", data={"trajectory": upload("illustrative-trajectory.csv")})
    assert response.status_code == 400 and "choose the organisation" in response.get_data(as_text=True)
    unknown = client.post("/plans/check", data={"org": "nobody", "plan": upload("illustrative-plan.csv")})
    assert unknown.status_code == 400 and "no organisation &#39;nobody&#39;" in unknown.get_data(as_text=True)


def test_oversized_upload_is_a_413_page(build_dir):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME), "MAX_CONTENT_LENGTH": 1000})
    response = app.test_client().post("/plans/check", data={"org": ORG, "plan": upload("big.csv", b"x" * 5000)})
    assert response.status_code == 413
    assert "The file is too large" in response.get_data(as_text=True)
    assert list_plans(build_dir) == []


def test_impact_page_and_twin(client):
    html = client.get("/id/duty-of-quality/impact").get_data(as_text=True)
    assert "Impact of" in html and 'href="/id/duty-of-quality/impact.json"' in html
    data = client.get("/id/duty-of-quality/impact.json").get_json()
    assert data["id"] == "duty-of-quality" and len(data["dependants"]) > 10
    assert all(d["distance"] >= 1 for d in data["dependants"])
    item = client.get("/id/duty-of-quality").get_data(as_text=True)
    assert 'href="/id/duty-of-quality/impact"' in item
    # an item nothing depends on has an impact page too, with nothing downstream
    lone = client.get("/id/metric-weekend-discharges/impact.json")
    assert lone.status_code == 200 and lone.get_json()["dependants"] == []
    assert client.get("/id/no-such-item/impact").status_code == 404


def test_trace_pages_show_commitments_answering_anything_in_the_trace(client):
    client.post("/plans/check", data={"org": ORG, "keep": "yes", "name": "imtp-2026",
                                      "plan": upload("illustrative-plan.csv")})
    # c04 answers UEC action 1; its outcome's trace passes through the action
    data = client.get("/id/target-uec-action-1-outcome-1/trace.json").get_json()
    found = {(c["plan"], c["commitment"], c["item"]) for c in data["commitments"]}
    assert ("imtp-2026", "c04", "uec-action-1-falls-response") in found
    assert "uec-action-1-falls-response" in {s["id"] for s in data["steps"]}
    assert all(c["item"] in {s["id"] for s in data["steps"]} | {data["id"]} for c in data["commitments"])
    html = client.get("/id/target-uec-action-1-outcome-1/trace").get_data(as_text=True)
    listed = BeautifulSoup(html, "html.parser").select("ul.plan-commitments li")
    assert any("c04" in li.get_text() and li["data-item"] == "uec-action-1-falls-response" for li in listed)
    # the item answered itself shows it too; an item nothing kept answers shows none
    own = client.get("/id/req-2-6-implement-listening-to-people/trace.json").get_json()["commitments"]
    assert ("c07", "req-2-6-implement-listening-to-people") in {(c["commitment"], c["item"]) for c in own}
    assert client.get("/id/duty-of-quality/trace.json").get_json()["commitments"] == []
    assert "plan-commitments" not in client.get("/id/duty-of-quality/trace").get_data(as_text=True)


def test_unknown_plan_page_is_404(client):
    response = client.get("/plans/nope")
    assert response.status_code == 404 and "no loaded plan" in response.get_data(as_text=True)


@pytest.mark.parametrize("expose", [False, True])
def test_public_endpoint_shows_plans_only_when_configured(build_dir, expose):
    app = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME), "SPARQL_WORKERS": 1,
                      "SPARQL_EXPOSE_PLANS": expose})
    client = app.test_client()
    sign_in(client, ORG)
    client.post("/plans/check", data={"org": ORG, "keep": "yes", "name": "imtp-2026", "publish": "yes",
                                      "plan": upload("illustrative-plan.csv")})
    ask = ("ASK { GRAPH <https://w3id.org/nhs-wales-planning/graph/plan/imtp-2026> "
           "{ ?c a <https://w3id.org/nhs-wales-planning/ontology#Commitment> } }")
    try:
        response = client.get("/sparql", query_string={"query": ask},
                              headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200
        assert response.get_json()["boolean"] is expose
        # the browser shows the kept plan either way
        assert "c07" in client.get("/id/req-2-6-implement-listening-to-people").get_data(as_text=True)
    finally:
        pool = app.extensions.get("sparql_pool")
        if pool is not None:
            pool.close()


def test_keeping_a_plan_over_a_sparql_server_puts_its_graph_there(build_dir, sparql_server):  # noqa: F811
    query_url, store_url = sparql_server
    config = {"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME), "STORE": "sparql",
              "SPARQL_SERVER_URL": query_url, "SPARQL_STORE_URL": store_url}
    worker, other = create_app(config).test_client(), create_app(config).test_client()
    sign_in(worker, ORG)
    sign_in(other, ORG, name="reader-of-swansea", role="reader")
    response = worker.post("/plans/check", data={"org": ORG, "keep": "yes", "name": "served",
                                                 "plan": upload("illustrative-plan.csv")})
    assert response.status_code == 200 and 'id="kept"' in response.get_data(as_text=True)
    assert [p.id for p in list_plans(build_dir)] == ["served"]
    # another worker over the same server shows the kept commitments without being told
    item = other.get("/id/req-2-6-implement-listening-to-people.json").get_json()
    assert {(c["plan"], c["commitment"]) for c in item["commitments"]} == {("served", "c07")}
    trace = other.get("/id/target-uec-action-1-outcome-1/trace.json").get_json()
    assert ("served", "c04") in {(c["plan"], c["commitment"]) for c in trace["commitments"]}
    from graph.rules.kept_plans import drop_plan
    from graph.store import plan_server
    from graph.store.remote import SparqlServerStore

    drop_plan(build_dir, "served", plan_server(SparqlServerStore(query_url, store_url)))
    assert other.get("/id/req-2-6-implement-listening-to-people.json").get_json()["commitments"] == []


def test_keeping_over_a_sparql_server_without_its_store_address_keeps_nothing(build_dir, sparql_server):  # noqa: F811
    client = create_app({"TESTING": True, "GRAPH_PATH": str(build_dir / ARTEFACT_NAME), "STORE": "sparql",
                         "SPARQL_SERVER_URL": sparql_server[0]}).test_client()
    sign_in(client, ORG)
    response = client.post("/plans/check", data={"org": ORG, "keep": "yes", "name": "nowhere", "format": "json",
                                                 "plan": upload("illustrative-plan.csv")})
    assert response.status_code == 503
    assert "Graph Store Protocol address" in response.get_json()["problems"][0]["message"]
    assert list_plans(build_dir) == []


def test_item_and_trace_pages_list_the_first_commitments_and_link_to_them_all(client):
    """A national deployment's plans answer a popular item hundreds of times: a page lists the
    first COMMITMENT_ROWS of them (in plan and commitment order), says how many there are and
    links to them all; the JSON twin has them all."""
    from web.views.browse import COMMITMENT_ROWS

    item = "req-2-6-implement-listening-to-people"
    many = COMMITMENT_ROWS + 5
    lines = ["id,text,organisation,references"] + [
        f'k{n:02d},"Resolve more complaints early, step {n}",{ORG},{item}' for n in range(many)]
    kept = client.post("/plans/check", data={"org": ORG, "keep": "yes", "name": "many",
                                             "plan": upload("many.csv", "\n".join(lines).encode())})
    assert kept.status_code in (200, 302), kept.get_data(as_text=True)[:500]
    everything = client.get(f"/id/{item}.json").get_json()["commitments"]
    assert [c["commitment"] for c in everything] == [f"k{n:02d}" for n in range(many)]

    for path in (f"/id/{item}", f"/id/{item}/trace"):
        page = BeautifulSoup(client.get(path).get_data(as_text=True), "html.parser")
        listed = [li.select_one("code").get_text() for li in page.select("ul.plan-commitments li")]
        assert listed == [f"k{n:02d}" for n in range(COMMITMENT_ROWS)]
        assert f"({many})" in page.select_one("#h-commitments").get_text()
        more = page.select_one("p.more a")
        assert more is not None and "all=1" in more["href"]
        full = BeautifulSoup(client.get(more["href"]).get_data(as_text=True), "html.parser")
        assert len(full.select("ul.plan-commitments li")) == many
        assert full.select_one("p.more") is None
    welsh = BeautifulSoup(client.get(f"/id/{item}?lang=cy").get_data(as_text=True), "html.parser")
    notice = welsh.select_one("p.more").get_text(" ", strip=True)
    assert f"o {many} ymrwymiad" in notice and f"Dangos pob un o'r {many} ymrwymiad" in notice


def test_the_forms_link_their_example_files_in_both_languages(client):
    for path, name in (("/plans/check", "illustrative-plan.csv"), ("/targets/check", "illustrative-trajectory.csv")):
        for lang in ("en", "cy"):
            soup = BeautifulSoup(client.get(f"{path}?lang={lang}").get_data(as_text=True), "html.parser")
            href = soup.select_one("#example a[download]")["href"]
            assert href.split("?")[0] == f"/examples/{name}"
            got = client.get(href)
            assert got.status_code == 200 and got.mimetype == "text/csv"
            assert got.get_data() == (EXAMPLES / name).read_bytes()
            assert got.headers["Content-Disposition"].startswith("attachment;")
            got.close()
    assert client.get("/examples/README.md").status_code == 404
    assert client.get("/examples/..%2Fpyproject.toml").status_code == 404


def test_the_organisation_is_the_one_the_file_names(client):
    form = BeautifulSoup(client.get("/plans/check").get_data(as_text=True), "html.parser")
    select = form.find("select", id="f-org")
    assert not select.has_attr("required") and select.find("option", selected=True) is None
    response = client.post("/plans/check", data={"plan": upload("illustrative-plan.csv")})
    assert response.status_code == 200
    assert counts(response.get_data(as_text=True))["adopted"] == 21
    as_json = client.post("/plans/check", data={"format": "json", "plan": upload("illustrative-plan.csv")})
    assert as_json.get_json()["organisation"] == ORG


def test_a_choice_the_file_contradicts_is_one_problem_naming_both(client):
    response = client.post("/plans/check", data={"org": "cardiff-and-vale-uhb", "format": "json",
                                                 "plan": upload("illustrative-plan.csv")})
    assert response.status_code == 400
    [problem] = response.get_json()["problems"]
    assert problem["message"] == ("every commitment of the plan names Swansea Bay University Health Board, but "
                                  "Cardiff and Vale University Health Board was chosen: choose Swansea Bay "
                                  "University Health Board, or leave the organisation for the file to name")
    welsh = client.post("/plans/check?lang=cy", data={"org": "cardiff-and-vale-uhb",
                                                      "plan": upload("illustrative-plan.csv")})
    html = welsh.get_data(as_text=True)
    assert welsh.status_code == 400 and "Bwrdd Iechyd Prifysgol Bae Abertawe" in html
    assert "swansea-bay-uhb" not in BeautifulSoup(html, "html.parser").find("main").get_text()


def test_the_report_gives_the_coverage_and_orders_the_gaps(client):
    response = client.post("/plans/check", data={"plan": upload("illustrative-plan.csv")})
    html = response.get_data(as_text=True)
    soup = BeautifulSoup(html, "html.parser")
    assert soup.select_one("#coverage-overall").get_text().startswith("26 of 535 covered, 5%")
    timely = soup.select_one('#coverage-by-priority tr[data-group="Timely Access to Care"]')
    assert [td.get_text() for td in timely.find_all("td")] == ["24", "76", "24 of 76 covered, 32%"]
    assert soup.select_one('#coverage-by-plan tr[data-group=""]') is not None
    data = download(client, html, "json").get_json()
    assert data["coverage"]["overall"] == {"name": "", "covered": 26, "applicable": 535, "percent": 4.9}
    assert {s["name"] for s in data["coverage"]["by_priority"]} >= {"Timely Access to Care", ""}
    strength = {"must": 1, "is required to": 2, "is expected to": 3, "should": 4, "": 99}
    keys = [(strength[g["modality"]], g["due"] or "9999") for g in data["gaps"]]
    assert keys == sorted(keys)
    first = soup.select("#gaps-by-priority details")[0].select("tr[data-item] td")
    assert first[2].get_text() == "must"
    assert soup.select_one("#gaps-by-priority tr[data-item] td time[datetime]") is not None
    rows = list(csv.DictReader(io.StringIO(download(client, html, "csv").get_data(as_text=True))))
    gaps = [r for r in rows if r["row"] == "obligation"]
    assert all(r["priority_or_plan"] for r in gaps)
    row = next(r for r in gaps if r["item"] == "kde-2-1-diagnostics-8-weeks")
    assert row["source"] == "TPG 2.1 Timely Access to Care"
    assert row["source_url"] == "http://localhost/id/" + row["passage"]
    assert client.get(row["source_url"].removeprefix("http://localhost")).status_code == 200
