"""The rules pages in a real headless Chromium (Debian's chromium, driven by playwright) against
the app served over HTTP: the example plan and trajectory uploaded through the forms, the
numbers the reports show, their JSON and CSV downloads, the gaps under both groupings, keeping
the plan, and its commitments on an item page, in a trace and in impact."""

from __future__ import annotations

import csv
import json

import pytest

from graph.paths import ARTEFACT_NAME
from tests.conftest import REAL, account_key, copy_build, local_page
from tests.test_browser import shot
from web import create_app
from web.background import serving

EXAMPLES = REAL.root / "examples"


@pytest.fixture(scope="module")
def base_url(built, tmp_path_factory):
    folder = tmp_path_factory.mktemp("browser-rules")
    copy_build(built, folder / ARTEFACT_NAME)
    with serving(create_app({"GRAPH_PATH": str(folder / ARTEFACT_NAME)})) as url:
        yield url


@pytest.fixture
def page(browser, base_url):
    with local_page(browser, base_url, accept_downloads=True) as page:
        yield page


def number(page, ident: str) -> int:
    return int(page.locator(f"#n-{ident}").inner_text())


def download(page, name: str, folder):
    """Click the report's download button *name* and return the saved file's name and path."""
    with page.expect_download() as event:
        page.locator("form.download").get_by_role("button", name=name).click()
    path = folder / event.value.suggested_filename
    event.value.save_as(path)
    return event.value.suggested_filename, path


def sign_in(page, organisation: str, name: str) -> None:
    """Sign in through the sign-in page with a new editor's account of *organisation*."""
    key = account_key(organisation, name=name)
    page.get_by_role("link", name="Sign in").first.click()
    page.wait_for_url("**/sign-in**")
    page.get_by_label("Account name").fill(name)
    page.get_by_label("Access key").fill(key)
    page.get_by_role("button", name="Sign in").click()


def test_plan_upload_shows_the_example_counts_and_keeps_the_plan(page, tmp_path):
    page.goto("/plans/check")
    assert page.get_by_label("Keep the plan as a named graph").count() == 0  # anonymous: check only
    sign_in(page, "swansea-bay-uhb", "swansea-planner")
    page.wait_for_url("**/plans/check")
    assert "Signed in as swansea-planner" in page.locator("header.site").inner_text()
    page.get_by_label("Plan file (CSV, YAML, JSON or Turtle)").set_input_files(str(EXAMPLES / "illustrative-plan.csv"))
    page.get_by_label("Organisation", exact=True).select_option("swansea-bay-uhb")
    page.get_by_label("Keep the plan as a named graph").check()
    page.get_by_label("Name to keep it under").fill("illustrative")
    page.get_by_role("button", name="Check the plan").click()
    page.locator("#counts").wait_for()
    counts = {k: number(page, k) for k in ("commitments", "traced", "suggested", "untraced", "applicable",
                                           "adopted", "justified", "uncovered")}
    assert counts == {"commitments": 12, "traced": 8, "suggested": 3, "untraced": 1, "applicable": 535,
                      "adopted": 21, "justified": 5, "uncovered": 509}
    c10 = page.locator('tr[data-commitment="c10"]').first
    assert "suggestion, score 0.53" in c10.inner_text()
    assert page.locator("#kept").is_visible()
    shot(page, "plan-check")
    # the downloads post the checked text again: the report is kept nowhere on the server
    name, path = download(page, "as CSV", tmp_path)
    assert name == "plan-check-swansea-bay-uhb.csv"
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    assert sum(r["status"] == "uncovered" for r in rows) == 509
    assert {r["status"] for r in rows if r["commitment"] == "c10"} == {"suggested"}
    name, path = download(page, "as JSON", tmp_path)
    assert name == "plan-check-swansea-bay-uhb.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["counts"]["traced"] == 8 and len(data["gaps"]) == 509
    # an obligation serving a priority and an enabling plan is under each grouping
    both = next(g for g in data["gaps"] if g["priority"] and g["plan"])
    page.get_by_role("link", name="by enabling plan").click()
    page.wait_for_url("**#gaps-by-plan")
    for view, group in (("priority", both["priority"]), ("plan", both["plan"])):
        row = page.locator(f'#gaps-by-{view} details[data-group="{group}"] tr[data-item="{both["item"]}"]')
        assert row.count() == 1
    assert page.locator("#gaps-by-plan details.gap-group").count() > 1

    page.goto("/plans")
    page.get_by_role("link", name="Plan illustrative").click()
    page.wait_for_url("**/plans/illustrative")
    assert page.locator("table.commitments tbody tr").count() == 12
    page.goto("/id/req-2-6-implement-listening-to-people")
    assert "c07" in page.locator("ul.plan-commitments").inner_text()
    page.get_by_role("link", name="What depends on it").click()
    page.wait_for_url("**/impact")
    page.goto("/id/nhs-complaints-amendment-regulations-2025/impact")
    assert "c07" in page.locator("ul.plan-commitments").inner_text()
    shot(page, "impact")
    # a trace shows the commitments answering anything it passes through
    page.goto("/id/target-uec-action-1-outcome-1/trace")
    answered = page.locator('ul.plan-commitments li[data-item="uec-action-1-falls-response"]')
    assert "c04" in answered.inner_text()

    # the plan is Swansea Bay's alone until published; its editor removes it from its page
    page.goto("/plans/illustrative")
    assert "its organisation’s accounts only" in page.locator("#plan-access").inner_text()
    page.get_by_role("button", name="Remove this plan").click()
    page.wait_for_url("**/plans")
    assert "was removed" in page.locator("main").inner_text()
    assert page.locator("#no-plans").is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(lambda url: url.endswith("/"))
    assert page.get_by_role("link", name="Sign in").first.is_visible()


def test_the_example_plan_downloaded_from_the_form_is_checked_for_the_organisation_it_names(page, base_url,
                                                                                           tmp_path):
    page.goto("/plans/check")
    with page.expect_download() as event:
        page.get_by_role("link", name="illustrative plan").click()
    assert event.value.suggested_filename == "illustrative-plan.csv"
    example = tmp_path / "illustrative-plan.csv"
    event.value.save_as(example)
    assert example.read_bytes() == (EXAMPLES / "illustrative-plan.csv").read_bytes()
    # the organisation is left to the file
    page.get_by_label("Plan file (CSV, YAML, JSON or Turtle)").set_input_files(str(example))
    page.get_by_role("button", name="Check the plan").click()
    page.locator("#coverage").wait_for()
    assert page.locator("h1").inner_text() == "Plan check: Swansea Bay University Health Board"
    assert page.locator("#coverage-overall").inner_text().startswith("26 of 535 covered, 5%")
    timely = page.locator('#coverage-by-priority tr[data-group="Timely Access to Care"]')
    assert "24 of 76 covered, 32%" in timely.inner_text()
    _name, path = download(page, "as CSV", tmp_path)
    rows = [r for r in csv.DictReader(path.read_text(encoding="utf-8").splitlines()) if r["row"] == "obligation"]
    assert all(r["priority_or_plan"] for r in rows)
    assert all(r["source_url"] == f"{base_url}/id/{r['passage']}" for r in rows if r["passage"])
    # choosing another organisation than the file names is one problem naming both
    page.goto("/plans/check")
    page.get_by_label("Plan file (CSV, YAML, JSON or Turtle)").set_input_files(str(example))
    page.get_by_label("Organisation", exact=True).select_option("cardiff-and-vale-uhb")
    page.get_by_role("button", name="Check the plan").click()
    problems = page.locator("table.problems tbody tr")
    problems.first.wait_for()
    assert problems.count() == 1
    assert "names Swansea Bay University Health Board, but Cardiff and Vale University Health Board was chosen" \
        in problems.first.inner_text()


def test_trajectory_upload_shows_the_verdict_counts(page, tmp_path):
    page.goto("/targets/check")
    page.get_by_label("Trajectory file (CSV)").set_input_files(str(EXAMPLES / "illustrative-trajectory.csv"))
    page.get_by_label("Organisation").select_option("swansea-bay-uhb")
    page.get_by_role("button", name="Check the figures").click()
    page.locator("#counts").wait_for()
    assert (number(page, "met"), number(page, "not-met"), number(page, "not-assessable")) == (13, 11, 3)
    assert page.locator("table.verdicts tbody tr").count() == 27
    assert page.locator("tr.verdict-not-met").count() == 11
    shot(page, "targets-check")
    name, path = download(page, "as CSV", tmp_path)
    assert name == "targets-check-swansea-bay-uhb.csv"
    rows = list(csv.DictReader(path.read_text(encoding="utf-8").splitlines()))
    assert len(rows) == 27 and sum(r["verdict"] == "not met" for r in rows) == 11
    name, path = download(page, "as JSON", tmp_path)
    assert json.loads(path.read_text(encoding="utf-8"))["counts"] == {"met": 13, "not met": 11, "not assessable": 3}


def test_a_bad_trajectory_gets_a_page_naming_the_line(page, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("metric,period,value\nmetric-weekend-discharge,2026-27,24\n", encoding="utf-8")
    page.goto("/targets/check")
    page.get_by_label("Trajectory file (CSV)").set_input_files(str(bad))
    page.get_by_label("Organisation").select_option("swansea-bay-uhb")
    page.get_by_role("button", name="Check the figures").click()
    row = page.locator("table.problems tbody tr")
    assert row.count() == 1
    assert "bad.csv" in row.inner_text() and "2" in row.locator("td").nth(1).inner_text()
    assert "did you mean metric-weekend-discharges" in row.inner_text()
