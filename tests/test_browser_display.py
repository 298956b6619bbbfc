"""Quotes as people read them, in a real headless Chromium (Debian's chromium, driven by
playwright) against the app served over HTTP: no page shows the source's markdown marks (``**``
bold, ``[words](address)`` links), in English or in Welsh; a list item's lead-in is shown as its
context."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.paths import ARTEFACT_NAME
from tests.conftest import REAL, copy_build, local_page
from web import create_app
from web.background import serving

EXAMPLES = REAL.root / "examples"
BOLD = "req-2-2-optimise-vaccination"
LINKS = "req-3-1-innovation-engagement"
LISTED = "req-2-3-cbd-community-first"
MARKS = ("**", "](")

#: One address of every kind of page that shows a quote, and the words it must show cleanly.
PAGES = [
    ("item", f"/id/{BOLD}", "organisations must continue to optimise vaccination"),
    ("item with links", f"/id/{LINKS}", "Contracts for Innovation Cymru (formerly SBRI Wales)"),
    ("trace", f"/id/{LINKS}/trace", "Contracts for Innovation Cymru"),
    ("passage", "/id/passage/tpg/ensure-no-ambulance-patient-handover-waits-ebe149ee",
     "Ensure no ambulance patient handover waits over 45 minutes"),
    ("document", "/documents/tpg", "Health Technology Wales"),
    ("document ncf", "/documents/ncf", "A Healthier Wales"),
    ("search rows", "/search?q=vaccination+opportunities", "organisations must continue to optimise vaccination"),
    ("what applies", "/search?subject=swansea-bay-uhb", "“"),
    ("deadlines", "/deadlines", ""),
    ("kept plan", "/plans/illustrative", ""),
    ("welsh review", "/welsh-review", ""),
]


@pytest.fixture(scope="module")
def base_url(built, tmp_path_factory):
    from graph.api import PolicyGraph
    from graph.rules.plans import read_plan

    folder = tmp_path_factory.mktemp("display")
    copy_build(built, folder / ARTEFACT_NAME)
    PolicyGraph.open(folder / ARTEFACT_NAME, kind="oxigraph").keep_plan(
        "illustrative", "swansea-bay-uhb", read_plan(EXAMPLES / "illustrative-plan.csv"), published=True)
    with serving(create_app({"GRAPH_PATH": str(folder / ARTEFACT_NAME)})) as url:
        yield url


@pytest.fixture
def page(browser, base_url):
    with local_page(browser, base_url) as page:
        yield page


def visible_text(page) -> str:
    return page.locator("body").inner_text()


def assert_clean(text: str, where: str) -> None:
    for mark in MARKS:
        at = text.find(mark)
        assert at < 0, f"{where} shows {mark!r}: …{text[max(0, at - 60):at + 60]}…"


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize(("kind", "path", "words"), PAGES, ids=[p[0] for p in PAGES])
def test_no_page_shows_markdown_marks(page, kind, path, words, lang):
    page.goto(path + ("&" if "?" in path else "?") + f"lang={lang}")
    text = visible_text(page)
    assert_clean(text, f"{path} ({lang})")
    assert words in text


def upload(page, form: str, field: str, path: Path) -> None:
    page.goto(form)
    page.locator(f"input[type=file][name={field}]").set_input_files(str(path))
    page.locator("select[name=org]").select_option("swansea-bay-uhb")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()
    page.locator("#counts").wait_for()


@pytest.mark.parametrize(("form", "field", "example"), [
    ("/plans/check", "plan", "illustrative-plan.csv"),
    ("/targets/check", "trajectory", "illustrative-trajectory.csv"),
])
def test_the_plan_and_target_reports_show_quotes_cleanly(page, form, field, example):
    upload(page, form, field, EXAMPLES / example)
    assert_clean(visible_text(page), form)


def test_a_list_item_shows_its_lead_in_as_context(page):
    page.goto(f"/id/{LISTED}")
    figures = page.locator("figure.passage")
    assert figures.count() == 2
    assert "lead-in" in (figures.nth(0).get_attribute("class") or "")
    assert figures.nth(0).locator("mark").inner_text() == "This includes:"
    assert figures.nth(1).locator("mark").inner_text() == "Starting with community-first options for service delivery,"
    page.goto("/search?q=community-first+options")
    assert "“This includes: … Starting with community-first options for service delivery,”" in visible_text(page)
