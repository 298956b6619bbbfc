"""Plain words first in a real headless Chromium, without script: the details that hold an item's
id and how its links are known open from the keyboard, and the impact of a statute is read a page
at a time, the page links taking the reader through it and the page staying a sensible height."""

from __future__ import annotations

import pytest

from tests.conftest import local_page
from web import create_app
from web.background import serving


@pytest.fixture(scope="module")
def base_url(built):
    with serving(create_app({"GRAPH_PATH": str(built.artefact)})) as url:
        yield url


@pytest.fixture
def page(browser, base_url):
    with local_page(browser, base_url) as page:
        yield page


def test_technical_details_open_from_the_keyboard_without_script(page):
    page.goto("/id/qe-act-2020")
    technical = page.locator("details.technical")
    ident = technical.locator("code", has_text="qe-act-2020")
    assert not ident.is_visible()
    assert not page.get_by_text("“underpins” is transitive").first.is_visible()
    summary = technical.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    assert ident.is_visible()
    how = page.locator("details.how").nth(1)
    how.locator("summary").focus()
    page.keyboard.press("Space")
    assert how.get_by_text("“underpins” is transitive").is_visible()


def test_the_impact_of_a_statute_is_read_a_page_at_a_time(page):
    page.goto("/id/duty-of-quality/impact")
    assert page.locator("table.dependants tbody tr").count() == 50
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 12_000, f"the first page of the impact is {height} px tall"
    reach = page.locator("#reach").inner_text()
    assert "rest on it directly" in reach and "in all through them" in reach
    first = page.locator("table.dependants tbody tr").first.inner_text()
    page.locator("nav.pager").first.get_by_role("link", name="Next page").click()
    page.wait_for_url("**/impact?page=2")
    assert page.locator("nav.pager a[aria-current=page]").first.inner_text() == "2"
    assert page.locator("table.dependants tbody tr").first.inner_text() != first
    assert "Showing 51–100 of" in page.locator("nav.pager p").first.inner_text()
