"""The browser's main journeys in Welsh, in a real headless Chromium: a new user switches to
Welsh on the home page and goes from a search to the statute behind an expectation, searches
from the keyboard alone, and sees every main page in Welsh (screenshots in test-artifacts/)."""

from __future__ import annotations

import re

import pytest

# the fixtures of the English journeys: the app served over HTTP, Chromium, and a page that may
# only load from the app
from tests.test_browser import KDE, base_url, page, shot  # noqa: F401

#: The main navigation in Welsh, which every page shows.
NAV_CY = ["Hafan", "Beth sy'n berthnasol", "Terfynau amser", "Canllawiau cynllunio", "Fframwaith clinigol",
          "Gwirio cynllun", "Gwirio targedau", "SPARQL"]


def in_welsh(tab) -> None:
    assert tab.locator("html").get_attribute("lang") == "cy"
    assert tab.locator("header nav[aria-label='Prif lywio'] a").all_inner_texts() == NAV_CY


def test_a_new_user_switches_to_welsh_and_traces_the_handover_expectation_to_its_statute(page):  # noqa: F811
    page.goto("/")
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("link", name="Cymraeg").click()
    page.wait_for_url(re.compile(r"/\?lang=cy$"))
    in_welsh(page)
    page.get_by_label("Beth sy'n berthnasol i").fill("trosglwyddo cleifion")
    page.get_by_label("Beth sy'n berthnasol i").press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=trosglwyddo\+cleifion"))
    in_welsh(page)
    assert "Trosglwyddo cleifion o ambiwlansys" in page.locator("#answer").inner_text()
    page.get_by_role("link", name="Dim un claf ambiwlans yn aros dros 45 munud i'w drosglwyddo (i'w adolygu)",
                     exact=True).first.click()
    page.wait_for_url(f"**/id/{KDE}?lang=cy")
    in_welsh(page)
    quote = page.locator("figure.passage mark").inner_text()
    assert quote == "Ensure no ambulance patient handover waits over 45 minutes"  # as published
    page.get_by_role("link", name="Olrhain i'r ffynonellau").click()
    page.wait_for_url(f"**/id/{KDE}/trace?lang=cy")
    in_welsh(page)
    diagram = page.locator("svg.trace-diagram")
    assert diagram.is_visible()
    priority = diagram.locator('a[data-id="priority-timely-access-to-care"] text.label')
    assert "Mynediad Amserol at Ofal" in priority.text_content()
    shot(page, "trace-cy")
    diagram.locator('a[data-id="duty-of-quality"]').click()
    page.wait_for_url("**/id/duty-of-quality?lang=cy")
    assert page.locator("h1").inner_text() == "Dyletswydd Ansawdd"
    imposed = page.locator("h3", has_text="wedi'i gosod gan").locator("xpath=following-sibling::ul[1]")
    assert "Deddf Iechyd a Gofal Cymdeithasol (Ansawdd ac Ymgysylltu) (Cymru) 2020" in imposed.inner_text()
    # the passage stays as published
    assert "statutory obligations for NHS bodies" in page.locator("figure.passage").first.inner_text()
    # the choice is remembered: an address without the language opens in Welsh
    page.goto("/deadlines")
    in_welsh(page)
    assert page.locator("h1").inner_text() == "Terfynau amser"


def test_search_works_from_the_keyboard_alone_in_welsh(page):  # noqa: F811
    page.goto("/search?lang=cy")
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "q":
            break
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("Hywel Dda")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=Hywel\+Dda.*lang=cy"))
    in_welsh(page)
    assert "Bwrdd Iechyd Prifysgol Hywel Dda" in page.locator("#answer").inner_text()
    for _ in range(80):
        page.keyboard.press("Tab")
        if "Mynediad at Iechyd Meddwl" in page.evaluate("document.activeElement.textContent || ''"):
            break
    assert "Mynediad at Iechyd Meddwl" in page.evaluate("document.activeElement.textContent || ''")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"priority=Mental\+Health\+Access"))
    in_welsh(page)
    rows = page.locator("ol.results > li")
    assert rows.count() >= 10
    assert "Mynediad at Iechyd Meddwl" in rows.first.inner_text() and rows.first.locator("blockquote").is_visible()
    assert rows.first.locator("p.why").inner_text().startswith("Pam: ")
    shot(page, "search-cy")


@pytest.mark.parametrize("name, path, heading", [
    ("home", "/?lang=cy", "Polisi cynllunio GIG Cymru 2026-29"),
    ("item", "/id/duty-of-quality?lang=cy", "Dyletswydd Ansawdd"),
    ("deadlines", "/deadlines?lang=cy&priority=Women%27s+Health&to=2027-03-31", "Terfynau amser"),
    ("document", "/documents/ncf?lang=cy", None),
    ("not-found", "/id/kde-2-1-ambulance-handover?lang=cy", "Dim eitem o'r fath"),
])
def test_each_main_page_in_welsh(page, name, path, heading):  # noqa: F811
    response = page.goto(path)
    assert response.status == (404 if name == "not-found" else 200)
    in_welsh(page)
    assert page.locator("h1").is_visible()
    if heading:
        assert page.locator("h1").inner_text() == heading
    assert page.locator("nav.language a[aria-current='true']").inner_text() == "Cymraeg"
    shot(page, f"{name}-cy")
