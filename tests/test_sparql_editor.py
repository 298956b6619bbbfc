"""The query page in a real headless Chromium: the YASGUI editor, served by the app, runs a
query against this endpoint and shows the answer, and nothing is fetched from other hosts."""

from __future__ import annotations

from pathlib import Path

import pytest

from nhswales_web import create_app
from nhswales_web.background import serving

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def base_url(built):
    app = create_app({"GRAPH_PATH": str(built.artefact)})
    with serving(app) as url:
        yield url
    if app.extensions.get("sparql_pool"):
        app.extensions["sparql_pool"].close()


def test_yasgui_runs_a_query_against_this_endpoint(base_url):
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: run 'python3 tasks.py test' as root, or 'apt-get install chromium'")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        requests: list[str] = []
        errors: list[str] = []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base_url + "/sparql")
        page.wait_for_selector("html.yasgui-ready", timeout=15_000)
        assert page.locator(".CodeMirror").count() >= 1
        assert page.locator("form.sparql-form").is_hidden()
        page.locator(".yasqe_queryButton").first.click()
        page.wait_for_selector("text=Timely Access to Care", timeout=15_000)
        assert page.locator("text=Women's Health").count() >= 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "sparql-editor.png"), full_page=True)
        browser.close()
    assert not errors, errors
    assert requests and all(url.startswith(base_url) for url in requests), \
        [u for u in requests if not u.startswith(base_url)]
