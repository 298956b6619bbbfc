"""Every kind of page passes axe-core's checks with no violation, in English and in Welsh, on a
desktop (1280 px) and on a phone (390 px): the rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA
and the best practices that axe runs by default, in a real headless Chromium (Debian's chromium,
driven by playwright) against the app served over HTTP. The SPARQL page is checked with its editor
(YASGUI) running, once with the example query in it and once with an answer drawn by the editor.

axe-core comes inside the ``axe-playwright-python`` package (the test extras), so the check needs
nothing from another host; each page is loaded once, checked at 1280 px, then narrowed to 390 px
(where the menu folds behind its toggle) and checked again."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from graph.paths import ARTEFACT_NAME
from tests.conftest import REAL, copy_build, local_page
from tests.test_responsive import in_language, plan_report, problems, targets_report
from web import create_app
from web.background import serving

EXAMPLES = REAL.root / "examples"
WIDTHS = ((1280, 900), (390, 844))
LANGUAGES = ("en", "cy")
PLAN = "illustrative"

PRIORITIES_QUERY = """PREFIX nwp: <https://w3id.org/nhs-wales-planning/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?priority ?label WHERE { ?priority a nwp:StrategicPriority ; rdfs:label ?label . } LIMIT 20"""


@pytest.fixture(scope="module")
def axe():
    from axe_playwright_python.sync_playwright import Axe

    return Axe()


@pytest.fixture(scope="module")
def base_url(built, tmp_path_factory):
    """The app over a copy of the graph with the illustrative plan kept and published, so that
    the pages of kept plans have something to show."""
    from graph.api import PolicyGraph
    from graph.rules.plans import read_plan

    folder = tmp_path_factory.mktemp("accessibility")
    copy_build(built, folder / ARTEFACT_NAME)
    PolicyGraph.open(folder / ARTEFACT_NAME, kind="oxigraph").keep_plan(
        PLAN, "swansea-bay-uhb", read_plan(EXAMPLES / "illustrative-plan.csv"), published=True)
    app = create_app({"GRAPH_PATH": str(folder / ARTEFACT_NAME)})
    with serving(app) as url:
        yield url
    if app.extensions.get("sparql_pool"):  # the SPARQL page's answer started its workers
        app.extensions["sparql_pool"].close()


def sparql_editor(page, lang: str, folder: Path) -> None:
    page.goto(in_language("/sparql", lang))
    page.wait_for_selector("html.yasgui-ready", timeout=15_000)
    assert "StrategicPriority" in page.locator(".CodeMirror").first.inner_text()


def sparql_settings(page, lang: str, folder: Path) -> None:
    """The editor's settings opened (request method, answer formats, arguments)."""
    sparql_editor(page, lang, folder)
    page.locator(".tabContextButton").first.click()
    page.locator(".tabMenu.open").wait_for()


def sparql_share(page, lang: str, folder: Path) -> None:
    """The editor's box with a link to share the query."""
    sparql_editor(page, lang, folder)
    page.locator(".yasqe_share").first.click()
    page.locator(".yasqe_sharePopup").wait_for()


def sparql_new_tab(page, lang: str, folder: Path) -> None:
    """A second tab added with the button beside the tab list (which holds only tabs)."""
    sparql_editor(page, lang, folder)
    page.locator("button.addTab").click()
    page.locator(".tabsList [role=tab]").nth(1).wait_for()
    assert page.locator(".tabsList button.addTab").count() == 0
    assert page.locator(".tabsList > *:not(.tab)").count() == 0


def sparql_answer(page, lang: str, folder: Path) -> None:
    """A link to a query: the server's answer below, and the editor's, which it runs at once."""
    page.goto(in_language("/sparql?query=" + quote(PRIORITIES_QUERY), lang))
    page.wait_for_selector("html.yasgui-ready", timeout=15_000)
    page.locator(".yasr table.dataTable tbody tr").first.wait_for(timeout=15_000)


#: Every kind of page: (name, address or a function that opens it).
PAGES = [
    ("home", "/"),
    ("what-applies", "/search?q=Hywel+Dda"),
    ("search", "/search?q=ambulance+handover"),
    ("question", "/search?q=Hywel+Dda+mental+health+by+March+2027"),
    ("question-relaxations", "/search?q=What+should+Hywel+Dda+do+on+mental+health+by+March+2027"),
    ("search-page-2", "/search?q=health+boards&page=2&sort=due"),
    ("delivery-expectation", "/id/kde-2-1-ambulance-handover-45-minutes"),
    ("requirement", "/id/req-3-enabling-actions-underpin-priorities"),
    ("target", "/id/target-uec-action-1-outcome-1"),
    ("priority", "/id/priority-timely-access-to-care"),
    ("enabling-plan", "/id/plan-3-1-digital-technology-innovation"),
    ("body", "/id/swansea-bay-uhb"),
    ("kind-of-body", "/id/nwp:HealthBoard"),
    ("topic", "/id/topic-ambulance-handover"),
    ("act", "/id/wfg-act-2015"),
    ("duty", "/id/duty-of-quality"),
    ("quality-standard", "/id/hcqs-safe"),
    ("section", "/id/tpg-2-1"),
    ("passage", "/id/passage/tpg/ensure-no-ambulance-patient-handover-waits-ebe149ee"),
    ("trace", "/id/target-uec-action-1-outcome-1/trace"),
    ("impact", "/id/qe-act-2020/impact"),
    ("deadlines", "/deadlines"),
    ("deadlines-filtered", "/deadlines?body=hywel-dda-uhb&topic=topic-mental-health"),
    ("build", "/build"),
    ("consistency", "/consistency"),
    ("context-statement", "/id/req-ncf-4-np-diagnostics-transformational-change"),
    ("welsh-review", "/welsh-review"),
    ("assumed-date", "/id/foreword-plan-submissions-march"),
    ("document", "/documents/ncf"),
    ("plan-form", "/plans/check"),
    ("plan-report", plan_report),
    ("targets-form", "/targets/check"),
    ("targets-report", targets_report),
    ("problems", problems),
    ("plans", "/plans"),
    ("plan", f"/plans/{PLAN}"),
    ("plan-check", f"/plans/{PLAN}/check"),
    ("metrics", "/metrics"),
    ("queries", "/queries"),
    ("query", "/queries/due-between?start=2026-04-01&end=2027-03-31"),
    ("query-form", "/queries/obligations-for"),
    ("sparql", sparql_editor),
    ("sparql-settings", sparql_settings),
    ("sparql-share", sparql_share),
    ("sparql-new-tab", sparql_new_tab),
    ("sparql-answer", sparql_answer),
    ("ontology", "/ontology"),
    ("sign-in", "/sign-in"),
    ("not-found", "/id/kde-2-1-ambulance-handover"),
    ("bad-request", "/queries/due-between?start=soon&end=later"),
]


#: axe's default rules (WCAG 2.0-2.2 A and AA, best practices), and one that axe still calls
#: experimental: a control's spoken name holds the words it shows (WCAG 2.5.3), so that a
#: person using speech can say what they see.
OPTIONS = {"resultTypes": ["violations"], "rules": {"label-content-name-mismatch": {"enabled": True}}}


def open_page(page, target, lang: str, folder: Path) -> None:
    if callable(target):
        target(page, lang, folder)
    else:
        page.goto(in_language(target, lang))


def described(violations: list[dict], width: int) -> list[str]:
    """One line for each violation: the rule, its impact, the elements and what would fix it."""
    lines = []
    for v in violations:
        targets = ", ".join(" ".join(map(str, node["target"])) for node in v["nodes"][:8])
        more = f" (and {len(v['nodes']) - 8} more)" if len(v["nodes"]) > 8 else ""
        lines.append(f"{width}px {v['id']} ({v['impact']}): {v['help']} — {targets}{more} — {v['helpUrl']}")
    return lines


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name, target", PAGES, ids=[p[0] for p in PAGES])
def test_no_accessibility_violations(browser, base_url, axe, name, target, lang, tmp_path):
    with local_page(browser, base_url, java_script_enabled=True) as page:
        open_page(page, target, lang, tmp_path)
        found: list[str] = []
        for width, height in WIDTHS:
            page.set_viewport_size({"width": width, "height": height})
            result = axe.run(page, options=OPTIONS)
            found += described(result.response["violations"], width)
    assert not found, f"{name} ({lang}):\n" + "\n".join(found)
