"""A planner types questions into the home page's search box, as they would say them, in
English and in Welsh, in a real headless Chromium; the page says how it read each one (its
removable parts) and lists the obligations that answer it."""

from __future__ import annotations

import re

import pytest

from tests.conftest import local_page
from web import create_app
from web.background import serving

#: (language, the question as typed, parts of the reading shown, an obligation among the rows)
QUESTIONS = [
    ("en", "Hywel Dda mental health by March 2027",
     ["Hywel Dda University Health Board", "Mental health", "2027-03-31"],
     "Implement and evaluate Open Access Mental Health"),
    ("en", "What obligations apply to a health board about ambulance handover?",
     ["health board", "Ambulance patient handover"], "No ambulance patient handover waits over 45 minutes"),
    ("en", "Which requirements trace back to the duty of quality?",
     ["Duty of Quality", "requirement"], "Boards must assure themselves"),
    ("en", "What must Betsi Cadwaladr do about cancer?",
     ["Betsi Cadwaladr University Health Board", "Cancer", "must"], "Re-procure cardiac PACS"),
    ("en", "Swansea Bay planned care waiting times",
     ["Swansea Bay University Health Board", "Planned care"], "Continue progress on planned care waiting times"),
    ("cy", "Beth ddylai Hywel Dda ei wneud ar iechyd meddwl?",
     ["Bwrdd Iechyd Prifysgol Hywel Dda", "Iechyd meddwl", "dylai"], None),
    ("cy", "Beth ddylai byrddau iechyd ei wneud am iechyd menywod?",
     ["bwrdd iechyd", "Iechyd Menywod", "dylai"], None),
    ("cy", "Targedau Bae Abertawe", ["Bwrdd Iechyd Prifysgol Bae Abertawe", "targed"], None),
    ("cy", "Beth sy'n ddyledus erbyn Mawrth 2027?", ["2027-03-31"], None),
    ("cy", "Dyletswydd Gonestrwydd", ["Dyletswydd Gonestrwydd"], None),
]


@pytest.fixture(scope="module")
def base_url(built):
    with serving(create_app({"GRAPH_PATH": str(built.artefact)})) as url:
        yield url


@pytest.mark.parametrize("lang, question, parts, row", QUESTIONS, ids=[q[1] for q in QUESTIONS])
def test_a_question_typed_as_a_planner_says_it(browser, base_url, lang, question, parts, row):
    with local_page(browser, base_url) as page:
        page.goto("/?lang=cy" if lang == "cy" else "/")
        box = page.locator("#home-q")
        box.fill(question)
        box.press("Enter")
        page.wait_for_url("**/search?**")
        chips = page.locator("#reading li.chip").all_inner_texts()
        shown = " | ".join(chips).lower()
        for part in parts:
            assert part.lower() in shown, (part, chips)
        rows = page.locator("ol.results > li h2").all_inner_texts()
        assert rows, "an answer, never an empty page"
        if row:
            assert any(r.startswith(row) for r in rows[:20]), rows[:20]
        # each part can be taken away, and the answer then is at least as wide
        first = page.locator("#reading a.chip-remove").first
        count = _total(page.locator("nav.pager p").first.inner_text())
        first.click()
        page.wait_for_load_state()
        assert _total(page.locator("nav.pager p").first.inner_text()) >= count


def _total(pager: str) -> int:
    """N of "Showing 1–20 of N." (or "Yn dangos 1–20 o N.")."""
    return int(re.search(r"(?:of|o) (\d+)\.", pager).group(1))
