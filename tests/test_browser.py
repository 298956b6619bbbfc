"""The browser in a real headless Chromium (Debian's chromium, driven by playwright) against
the app served over HTTP: the search-to-statute journey, keyboard-only search, and a
screenshot of each main page kept in test-artifacts/."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import local_page
from web import create_app
from web.background import serving

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
KDE = "kde-2-1-ambulance-handover-45-minutes"


@pytest.fixture(scope="module")
def base_url(built):
    with serving(create_app({"GRAPH_PATH": str(built.artefact)})) as url:
        yield url


@pytest.fixture
def page(browser, base_url):
    # everything a page needs comes from the app itself
    with local_page(browser, base_url) as page:
        yield page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    assert (ARTIFACTS / f"{name}.png").stat().st_size > 10_000


def test_from_a_search_to_the_statute_behind_the_45_minute_handover_expectation(page):
    page.goto("/")
    page.get_by_label("What applies to").fill("ambulance handover")
    page.get_by_label("What applies to").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=ambulance\+handover"))
    assert "Ambulance patient handover" in page.locator("#answer").inner_text()
    page.get_by_role("link", name="No ambulance patient handover waits over 45 minutes", exact=True).first.click()
    page.wait_for_url(f"**/id/{KDE}")
    quote = page.locator("figure.passage mark").inner_text()
    assert quote == "Ensure no ambulance patient handover waits over 45 minutes"
    page.get_by_role("link", name="Trace to sources").click()
    page.wait_for_url(f"**/id/{KDE}/trace")
    diagram = page.locator("svg.trace-diagram")
    assert diagram.is_visible()
    links = diagram.locator("a")
    drawn = {links.nth(i).get_attribute("data-id") for i in range(links.count())}
    assert {KDE, "priority-timely-access-to-care", "duty-of-quality", "qe-act-2020", "tpg-2-1"} <= drawn
    box = diagram.locator(f'a[data-id="{KDE}"] rect').bounding_box()
    assert box and box["width"] > 100 and box["height"] > 40  # laid out and painted, not just in the markup
    shot(page, "trace")
    diagram.locator('a[data-id="duty-of-quality"]').click()
    page.wait_for_url("**/id/duty-of-quality")
    assert page.locator("h1").inner_text() == "Duty of Quality"
    imposed = page.locator("h3", has_text="imposed by").locator("xpath=following-sibling::ul[1]")
    assert "Health and Social Care (Quality and Engagement) (Wales) Act 2020" in imposed.inner_text()
    assert "statutory obligations for NHS bodies" in page.locator("figure.passage").first.inner_text()


def test_search_works_from_the_keyboard_alone(page):
    page.goto("/search")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("Hywel Dda")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Hywel\+Dda"))
    assert "Hywel Dda University Health Board" in page.locator("#answer").inner_text()
    for _ in range(80):
        page.keyboard.press("Tab")
        if "Mental Health Access" in page.evaluate("document.activeElement.textContent || ''"):
            break
    focused = page.evaluate("(() => { const s = getComputedStyle(document.activeElement);"
                            " return [s.outlineStyle, s.outlineWidth]; })()")
    assert focused[0] != "none" and focused[1] != "0px"  # focus is visible
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"priority=Mental\+Health\+Access"))
    rows = page.locator("ol.results > li")
    assert rows.count() >= 10
    assert "Mental Health Access" in rows.first.inner_text() and rows.first.locator("blockquote").is_visible()
    shot(page, "search")


@pytest.mark.parametrize("name, path", [
    ("home", "/"), ("item", f"/id/{KDE}"), ("deadlines", "/deadlines?priority=Women%27s+Health&to=2027-03-31"),
    ("document", "/documents/ncf"), ("not-found", "/id/kde-2-1-ambulance-handover"),
])
def test_screenshot_of_each_main_page(page, name, path):
    response = page.goto(path)
    assert response.status == (404 if name == "not-found" else 200)
    assert page.locator("h1").is_visible()
    shot(page, name)
