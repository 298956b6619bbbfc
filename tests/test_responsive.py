"""Every page on a phone (390 px wide) and on a desktop (1280 px), in English and in Welsh, in a
real headless Chromium (Debian's chromium, driven by playwright) against the app served over
HTTP: no page is wider than the screen (a wide table or diagram scrolls in its own box, with a
shadow on the edge that has more), the menu folds behind its toggle on a phone and opens from
the keyboard, a date never breaks across lines, and the trace diagram is never cut off. A
full-page screenshot of each main page at both widths is kept in test-artifacts/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.paths import ARTEFACT_NAME
from tests.conftest import REAL, account_key, copy_build, local_page
from web import create_app
from web.background import serving

SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "screenshots"
EXAMPLES = REAL.root / "examples"
PHONE, DESKTOP = 390, 1280
KDE = "kde-2-1-ambulance-handover-45-minutes"
#: the widest trace diagram in the graph, and one that fits a desktop screen
WIDE_TRACE, NARROW_TRACE = "target-uec-action-1-outcome-1", "tpg-2-1"
LANGUAGES = ("en", "cy")
MENU = {"en": "Menu", "cy": "Dewislen"}
NAV = {"en": "Main", "cy": "Prif lywio"}


@pytest.fixture(scope="module")
def base_url(built, tmp_path_factory):
    """The app over a copy of the graph with the illustrative plan kept and published, so that
    the pages of kept plans have something to show."""
    from graph.api import PolicyGraph
    from graph.rules.plans import read_plan

    folder = tmp_path_factory.mktemp("responsive")
    copy_build(built, folder / ARTEFACT_NAME)
    PolicyGraph.open(folder / ARTEFACT_NAME, kind="oxigraph").keep_plan(
        "illustrative", "swansea-bay-uhb", read_plan(EXAMPLES / "illustrative-plan.csv"), published=True)
    app = create_app({"GRAPH_PATH": str(folder / ARTEFACT_NAME)})
    with serving(app) as url:
        yield url
    if app.extensions.get("sparql_pool"):  # the SPARQL page's answer started its workers
        app.extensions["sparql_pool"].close()


@pytest.fixture
def phone(browser, base_url):
    with local_page(browser, base_url) as page:
        page.set_viewport_size({"width": PHONE, "height": 844})
        yield page


def in_language(path: str, lang: str) -> str:
    return path + ("&" if "?" in path else "?") + f"lang={lang}"


def upload(page, lang: str, form: str, field: str, path: Path) -> None:
    """Send *path* through the check form at *form* for Swansea Bay."""
    page.goto(in_language(form, lang))
    page.locator(f"input[type=file][name={field}]").set_input_files(str(path))
    page.locator("select[name=org]").select_option("swansea-bay-uhb")
    page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state()


def plan_report(page, lang: str, folder: Path) -> None:
    upload(page, lang, "/plans/check", "plan", EXAMPLES / "illustrative-plan.csv")
    page.locator("#counts").wait_for()


def targets_report(page, lang: str, folder: Path) -> None:
    upload(page, lang, "/targets/check", "trajectory", EXAMPLES / "illustrative-trajectory.csv")
    page.locator("#counts").wait_for()


def problems(page, lang: str, folder: Path) -> None:
    bad = folder / "bad.csv"
    bad.write_text("metric,period,value\nmetric-weekend-discharge,2026-27,24\n", encoding="utf-8")
    upload(page, lang, "/targets/check", "trajectory", bad)
    page.locator("table.problems").wait_for()


#: Every kind of page: (name, address or a function that opens it, kept as a screenshot).
PAGES = [
    ("home", "/", True),
    ("what-applies", "/search?q=Hywel+Dda", True),
    ("search", "/search?q=ambulance+handover", False),
    ("item", f"/id/{KDE}", True),
    ("item-kind", "/id/nwp:HealthBoard", False),
    ("passage", "/id/passage/tpg/ensure-no-ambulance-patient-handover-waits-ebe149ee", False),
    ("duty", "/id/duty-of-quality", False),
    ("trace", f"/id/{WIDE_TRACE}/trace", True),
    ("impact", "/id/qe-act-2020/impact", True),
    ("deadlines", "/deadlines", True),
    ("document", "/documents/ncf", True),
    ("document-tpg", "/documents/tpg", False),
    ("plans", "/plans", True),
    ("plan", "/plans/illustrative", True),
    ("plan-check", "/plans/illustrative/check", False),
    ("plan-form", "/plans/check", False),
    ("plan-report", plan_report, True),
    ("targets-form", "/targets/check", False),
    ("targets-report", targets_report, True),
    ("problems", problems, False),
    ("metrics", "/metrics", False),
    ("queries", "/queries", True),
    ("query", "/queries/due-between?start=2026-04-01&end=2027-03-31", True),
    ("query-form", "/queries/obligations-for", False),
    ("sparql", "/sparql", True),
    ("sparql-answer", "/sparql?query=SELECT+%3Fs+%3Fp+%3Fo+WHERE+%7B+%3Fs+%3Fp+%3Fo+%7D+LIMIT+25", False),
    ("ontology", "/ontology", False),
    ("sign-in", "/sign-in", False),
    ("not-found", "/id/kde-2-1-ambulance-handover", True),
    ("bad-request", "/queries/due-between?start=soon&end=later", False),
]

#: Boxes that scroll sideways in their own box when their content is wider than the screen.
SCROLL_BOXES = "main table, main .table-scroll, main pre, main figure.diagram .scroll"


def open_page(page, target, lang: str, folder: Path) -> None:
    if callable(target):
        target(page, lang, folder)
    else:
        page.goto(in_language(target, lang))
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").first.is_visible()


def page_width(page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


def overflowing_boxes(page) -> list[dict]:
    """Every scroll box in the page whose content is wider than it: its overflow and background."""
    return page.evaluate("""selector => [...document.querySelectorAll(selector)]
        .filter(e => e.scrollWidth > e.clientWidth + 1)
        .map(e => ({tag: e.tagName.toLowerCase(), overflow: getComputedStyle(e).overflowX,
                    background: getComputedStyle(e).backgroundImage,
                    attachment: getComputedStyle(e).backgroundAttachment}))""", SCROLL_BOXES)


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 5_000


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name, target, keep", PAGES, ids=[p[0] for p in PAGES])
def test_no_page_is_wider_than_a_phone(phone, name, target, keep, lang, tmp_path):
    open_page(phone, target, lang, tmp_path)
    width, screen = page_width(phone)
    assert width <= screen == PHONE, f"{name} is {width} px wide on a {screen} px screen"
    # what is wider than the screen scrolls in its own box, which shows that it does
    for box in overflowing_boxes(phone):
        assert box["overflow"] in ("auto", "scroll"), box
        if box["tag"] != "pre":
            assert "gradient" in box["background"] and "local" in box["attachment"], box
    if keep:
        shot(phone, f"{name}-{lang}-{PHONE}")
        phone.set_viewport_size({"width": DESKTOP, "height": 900})
        assert page_width(phone)[0] <= DESKTOP
        shot(phone, f"{name}-{lang}-{DESKTOP}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_menu_is_folded_on_a_phone_and_opens_from_the_keyboard(phone, lang):
    phone.goto(in_language("/", lang))
    header = phone.locator("header.site")
    assert header.bounding_box()["height"] < 120
    toggle = header.locator("details.menu > summary")
    assert toggle.is_visible() and toggle.inner_text().strip() == MENU[lang]
    links = header.locator(f"nav[aria-label='{NAV[lang]}'] a")
    assert links.count() == 8 and not any(links.nth(i).is_visible() for i in range(8))
    assert header.locator("#header-q").is_hidden()
    assert header.locator("nav.language a").first.is_visible()  # the language stays on show
    # the toggle is reached and opened from the keyboard alone
    for _ in range(10):
        phone.keyboard.press("Tab")
        if phone.evaluate("document.activeElement.tagName") == "SUMMARY":
            break
    assert phone.evaluate("document.activeElement.textContent.trim()") == MENU[lang]
    phone.keyboard.press("Enter")
    assert header.locator("details.menu").get_attribute("open") is not None
    assert all(links.nth(i).is_visible() for i in range(8))
    assert header.locator("#header-q").is_visible()
    assert page_width(phone)[0] <= PHONE
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.getAttribute('href')").startswith("/")
    links.nth(2).click()  # the deadlines
    phone.wait_for_url("**/deadlines**")
    assert header.locator("details.menu").get_attribute("open") is None  # a new page starts folded


def test_the_menu_shows_who_is_signed_in_within_a_phone_screen(phone):
    key = account_key("swansea-bay-uhb", name="a-planner-with-a-rather-long-account-name-for-a-phone")
    phone.goto("/sign-in")
    phone.get_by_label("Account name").fill("a-planner-with-a-rather-long-account-name-for-a-phone")
    phone.get_by_label("Access key").fill(key)
    phone.locator("main").get_by_role("button", name="Sign in").click()
    phone.wait_for_load_state()
    header = phone.locator("header.site")
    assert header.bounding_box()["height"] < 120
    header.locator("details.menu > summary").click()
    account = header.locator(".account")
    assert "a-planner-with-a-rather-long-account-name-for-a-phone" in account.inner_text()
    assert account.get_by_role("button").is_visible()
    assert page_width(phone)[0] <= PHONE


def test_the_menu_is_a_plain_row_of_links_on_a_desktop(phone):
    phone.set_viewport_size({"width": DESKTOP, "height": 900})
    phone.goto("/")
    header = phone.locator("header.site")
    assert header.locator("details.menu > summary").is_hidden()
    links = header.locator("nav[aria-label='Main'] a")
    boxes = [links.nth(i).bounding_box() for i in range(links.count())]
    assert len(boxes) == 8 and all(b and b["width"] > 0 for b in boxes)
    assert len({round(b["y"]) for b in boxes}) == 1  # one row
    assert header.locator("#header-q").is_visible()


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("path", ["/", "/deadlines", "/search?q=Hywel+Dda", f"/id/{KDE}", "/plans/illustrative",
                                  "/plans"])
def test_a_date_stays_on_one_line(phone, path, lang):
    phone.goto(in_language(path, lang))
    # a date with its time of day (when a plan was kept) may put the time on the next line
    dates = phone.evaluate("""selector => [...document.querySelectorAll(selector)].map(e => ({
        text: e.textContent, lines: e.getClientRects().length, height: e.getBoundingClientRect().height,
        line: parseFloat(getComputedStyle(e).fontSize) * 1.5}))""", "main time:not(.stamp), main time.stamp > span")
    assert dates, f"no dates on {path}"
    for date in dates:
        assert date["lines"] == 1 and date["height"] <= date["line"], date


def test_the_widest_trace_diagram_scrolls_in_its_box_with_a_cue_on_a_desktop(phone):
    phone.set_viewport_size({"width": DESKTOP, "height": 900})
    phone.goto(f"/id/{WIDE_TRACE}/trace")
    assert page_width(phone)[0] <= DESKTOP
    box = phone.locator("figure.diagram .scroll")
    svg = box.locator("svg.trace-diagram")
    scroll = box.evaluate("e => [e.scrollWidth, e.clientWidth, getComputedStyle(e).overflowX]")
    assert scroll[0] > scroll[1] and scroll[2] == "auto"
    assert box.get_attribute("tabindex") == "0"  # it scrolls from the keyboard too
    # the shadows on its edges and the line under it say that it scrolls
    assert "radial-gradient" in box.evaluate("e => getComputedStyle(e).backgroundImage")
    hint = phone.locator("figure.diagram .scroll-hint")
    assert hint.is_visible() and hint.evaluate("e => getComputedStyle(e).visibility") == "visible"
    assert "scroll" in hint.inner_text()
    # and nothing is cut off: scrolled to its end, the last box is inside the scroll box
    box.evaluate("e => { e.scrollLeft = e.scrollWidth; }")
    right = max(b["x"] + b["width"] for b in (svg.locator("rect").nth(i).bounding_box()
                                              for i in range(svg.locator("rect").count())))
    frame = box.bounding_box()
    assert right <= frame["x"] + frame["width"]


def test_a_trace_diagram_that_fits_says_nothing_of_scrolling(phone):
    phone.set_viewport_size({"width": DESKTOP, "height": 900})
    phone.goto(f"/id/{NARROW_TRACE}/trace?lang=cy")
    box = phone.locator("figure.diagram .scroll")
    assert box.evaluate("e => e.scrollWidth <= e.clientWidth")
    assert not phone.locator("figure.diagram .scroll-hint").is_visible()
    # on a phone the same diagram scrolls, and the line says so in Welsh
    phone.set_viewport_size({"width": PHONE, "height": 844})
    assert box.evaluate("e => e.scrollWidth > e.clientWidth")
    hint = phone.locator("figure.diagram .scroll-hint")
    assert hint.is_visible() and "sgroliwch" in hint.inner_text()
    assert page_width(phone)[0] <= PHONE


@pytest.mark.parametrize("path", ["/", "/search?q=Hywel+Dda", "/deadlines", "/plans/check", "/targets/check",
                                  f"/id/{KDE}/trace"])
def test_the_forms_fit_a_smaller_phone_too(phone, path):
    phone.set_viewport_size({"width": 320, "height": 700})
    phone.goto(path)
    assert page_width(phone) == [320, 320]
    assert phone.locator("header.site").bounding_box()["height"] < 120
