"""The query page in a real headless Chromium: the YASGUI editor, served by the app, runs a
query against this endpoint and shows the answer, and nothing is fetched from other hosts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from web import create_app
from web.background import serving

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


@pytest.fixture(scope="module")
def base_url(built):
    app = create_app({"GRAPH_PATH": str(built.artefact)})
    with serving(app) as url:
        yield url
    if app.extensions.get("sparql_pool"):
        app.extensions["sparql_pool"].close()


def test_yasgui_runs_a_query_against_this_endpoint(base_url, browser):
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
    page.wait_for_selector(".yasr td:has-text('Timely Access to Care')", timeout=15_000)
    assert page.locator("text=Women's Health").count() >= 1
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sparql-editor.png"), full_page=True)
    for context in browser.contexts:
        context.close()
    assert not errors, errors
    assert requests and all(url.startswith(base_url) for url in requests), \
        [u for u in requests if not u.startswith(base_url)]


def test_the_editor_speaks_welsh_on_a_welsh_page(base_url, browser):
    """YASGUI's own words: the tab name and the results table's words through its configuration,
    button titles, labels and placeholders put in Welsh as it draws them."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base_url + "/sparql?lang=cy")
    page.wait_for_selector("html.yasgui-ready", timeout=15_000)
    assert page.locator(".tabsList .tab span").first.inner_text().strip() == "Ymholiad"
    run = page.locator(".yasqe_queryButton").first
    assert run.get_attribute("title") == "Rhedeg yr ymholiad"
    assert run.get_attribute("aria-label") == "Rhedeg yr ymholiad"
    assert page.locator(".yasqe_share").first.get_attribute("title") == "Rhannu'r ymholiad"
    assert page.locator("button.addTab").first.get_attribute("aria-label") == "Ychwanegu tab newydd"
    run.click()
    page.wait_for_selector(".yasr td:has-text('Mynediad Amserol at Ofal')", timeout=15_000)
    assert page.locator("input.tableFilter").get_attribute("placeholder") == "Hidlo'r ateb"
    switches = page.locator(".tableControls .switch .label").all_inner_texts()
    assert switches == ["Golwg syml", "Byrhau gwerthoedd hir"]
    assert page.locator(".yasr_btn.select_table").get_attribute("title") == "Tabl"
    assert page.locator(".yasr_btn.select_table").inner_text().strip() == "Tabl"
    response = page.locator(".yasr_btn.select_response")
    assert response.get_attribute("aria-label") == "Dangos yr ymateb fel y'i dychwelwyd"
    # the query and the answers are never touched: the English labels are still English
    assert page.locator("td:has-text('Timely Access to Care')").count() >= 1
    assert "rdfs:label ?label" in page.locator(".CodeMirror").first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sparql-editor-cy.png"), full_page=True)
    english = browser.new_page()
    english.goto(base_url + "/sparql?lang=en")
    english.wait_for_selector("html.yasgui-ready", timeout=15_000)
    assert english.locator(".yasqe_queryButton").first.get_attribute("title") == "Run query"
    assert english.locator(".tabsList .tab span").first.inner_text().strip() == "Query"
    for context in browser.contexts:
        context.close()
    assert not errors, errors


def _set_query(page, text: str) -> None:
    page.evaluate("text => document.querySelector('.CodeMirror').CodeMirror.setValue(text)", text)


def test_the_editors_error_states_speak_welsh(base_url, browser):
    """What the editor shows when a query is wrong, when the endpoint refuses it and when no answer
    comes: the editor's, the server's and the browser's words put into Welsh; the technical
    detail of a syntax error (a position, the tokens expected) is kept as it is."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base_url + "/sparql?lang=cy")
    page.wait_for_selector("html.yasgui-ready", timeout=15_000)
    run = page.locator(".yasqe_queryButton").first
    chip = page.locator(".yasr_response_chip").first

    run.click()  # a good query: the count and the time in Welsh
    page.wait_for_selector(".yasr td:has-text('Mynediad Amserol at Ofal')", timeout=15_000)
    page.wait_for_function("() => /^Rhesi: 6; atebwyd mewn [0-9.]+ eiliad$/.test("
                           "document.querySelector('.yasr_response_chip').innerText.trim())", timeout=5_000)

    _set_query(page, "SELECT * WHERE { ?s ?p }")  # the editor's own syntax check
    page.locator(".parseErrorIcon").first.hover()
    tooltip = page.locator(".yasqe_tooltip").first
    tooltip.wait_for(timeout=5_000)
    page.wait_for_function("() => document.querySelector('.yasqe_tooltip').innerText"
                           ".startsWith(\"Nid yw'r llinell hon yn SPARQL dilys. Disgwylid: \")", timeout=5_000)
    assert "This line is invalid" not in tooltip.inner_text()

    run.click()  # the server's answer to the same query
    message = page.locator(".errorResult pre").first
    message.wait_for(timeout=15_000)
    page.wait_for_function("() => document.querySelector('.errorResult pre').innerText"
                           ".startsWith(\"Nid yw'r ymholiad yn SPARQL dilys: \")", timeout=5_000)
    assert "1:25" in message.inner_text() and "Malformed" not in message.inner_text()
    assert re.fullmatch(r"Atebwyd mewn [0-9.]+ eiliad", chip.inner_text().strip()), chip.inner_text()

    _set_query(page, "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    run.click()
    page.wait_for_selector("text=Ni chaniateir SERVICE: nid yw'r pwynt terfyn hwn yn gwneud ceisiadau i bwyntiau "
                           "terfyn eraill.", timeout=15_000)

    # the endpoint down: the request never reaches the server
    page.route("**/sparql*", lambda route: route.abort() if route.request.method == "POST" else route.continue_())
    _set_query(page, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")
    run.click()
    page.wait_for_selector("text=Ni ddaeth ateb o'r pwynt terfyn: efallai ei fod i lawr, neu fod y cysylltiad "
                           "wedi torri.", timeout=15_000)
    assert "Failed to fetch" not in page.locator(".yasr").first.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "sparql-editor-cy-endpoint-down.png"), full_page=True)

    english = browser.new_page()  # an English page keeps the editor's own English
    english.goto(base_url + "/sparql?lang=en")
    english.wait_for_selector("html.yasgui-ready", timeout=15_000)
    english.locator(".yasqe_queryButton").first.click()
    english.wait_for_function("() => / results? in [0-9.]+ seconds?$/.test("
                              "document.querySelector('.yasr_response_chip').innerText.trim())", timeout=15_000)
    for context in browser.contexts:
        context.close()
    assert not errors, errors



#: What the editor's answer chip says once a query has been answered, in English.
_ANSWERED = "() => /in [0-9.]+ seconds?$/.test((document.querySelector('.yasr_response_chip') || {}).innerText || '')"


def test_every_example_link_opens_runnable_and_agrees_with_the_answer_below(base_url, browser):
    """Each example link opens the page with its query in the editor, which runs it: no error,
    and as many rows as the answer the server drew under it. A query holds ';', which a link
    must not leave as it is (a reader of the address may split the query there)."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(base_url + "/sparql")
    links = page.eval_on_selector_all("dl.examples dt a", "links => links.map(a => a.getAttribute('href'))")
    assert len(links) >= 30
    assert sum(";" in page.evaluate("href => new URL(href, location.href).searchParams.get('query')", link)
               for link in links) >= 20
    assert all(";" not in link for link in links), [link for link in links if ";" in link]
    counted = 0
    for link in links:
        page.goto(base_url + link)
        page.wait_for_selector("html.yasgui-ready", timeout=15_000)
        wanted = page.evaluate("href => new URL(href, location.href).searchParams.get('query')", link)
        assert page.locator(".CodeMirror").first.evaluate("el => el.CodeMirror.getValue()") == wanted, link
        assert page.locator("section.error").count() == 0, link
        page.wait_for_function(_ANSWERED, timeout=15_000)
        assert page.locator(".errorResult").count() == 0, (link, page.locator(".errorResult").all_inner_texts())
        chip = page.locator(".yasr_response_chip").first.inner_text().strip()
        assert "Malformed" not in page.locator(".yasr").first.inner_text(), link
        server_rows = page.locator("section[aria-labelledby=answer] tbody tr")
        if page.locator("section[aria-labelledby=answer] table").count():
            found = re.fullmatch(r"(\d+) results? in [0-9.]+ seconds?", chip)
            assert found, (link, chip)
            assert int(found.group(1)) == server_rows.count(), (link, chip, server_rows.count())
            counted += 1
        else:  # a CONSTRUCT or an ASK: the editor shows the answer, as the page does below
            assert page.locator(".yasr_results").first.inner_text().strip(), link
    assert counted >= 20
    for context in browser.contexts:
        context.close()
    assert not errors, errors


def test_the_editors_buttons_leave_the_query_text_clear(base_url, browser):
    """The run and share buttons over the editor's top right corner cover no text, even when
    the first line is long enough to reach them."""
    page = browser.new_page(viewport={"width": 1280, "height": 1000})
    page.goto(base_url + "/sparql")
    page.wait_for_selector("html.yasgui-ready", timeout=15_000)
    _set_query(page, "# " + "a long first line of words " * 12 + "\nSELECT * WHERE { ?s ?p ?o } LIMIT 1")
    boxes = [page.locator(selector).first.bounding_box() for selector in (".yasqe_queryButton", ".yasqe_share")]
    assert all(boxes)
    text = page.evaluate("""() => {
        const line = document.querySelector('.CodeMirror-code .CodeMirror-line');
        const range = document.createRange();
        range.selectNodeContents(line);
        return Array.from(range.getClientRects(), r => ({x: r.x, y: r.y, width: r.width, height: r.height}));
    }""")
    assert len(text) >= 2  # the first line wraps
    for button in boxes:
        for rect in text:
            apart = (rect["x"] + rect["width"] <= button["x"] or button["x"] + button["width"] <= rect["x"]
                     or rect["y"] + rect["height"] <= button["y"] or button["y"] + button["height"] <= rect["y"])
            assert apart, (button, rect)
    for context in browser.contexts:
        context.close()
