"""Plain words on the pages: a name is not followed by a kind it already says, an official
legislation number is read out in words, and a long list is cut into pages with their links.

The graph's own terms (ids, official citations, how a link was inferred) stay in the JSON twins
and behind each page's "details"; these helpers only shape what a reader sees first.
"""

from __future__ import annotations

import math
import re

from flask import Flask, request
from markupsafe import Markup

from graph.errors import QueryError
from web.i18n import gettext, name_text, ngettext, term
from web.terms import N_

#: Items one page of a long list shows (the impact of a statute runs to hundreds); the JSON twin
#: and the CSV hold them all unless a page is asked for.
PAGE_SIZE = 50

#: The legislation series of the numbers the data gives ("2020 asc 1", "2015 anaw 2",
#: "2010 c. 15"), as legislation.gov.uk names them.
_SERIES = {
    "asc": N_("Act of Senedd Cymru"),
    "anaw": N_("Act of the National Assembly for Wales"),
    "mwa": N_("Measure of the National Assembly for Wales"),
    "c.": N_("Act of the UK Parliament"),
}
_NUMBER = re.compile(r"(\d{4}) (asc|anaw|mwa|c\.) (\d+)")


def kind_after(ident: str | None, label: str, kind: str) -> str:
    """The kind to show after a name, in this request's language; nothing when the name already
    says it ("Hywel Dda University Health Board" is not followed by "health board")."""
    shown = term(kind)
    if not shown:
        return ""
    text, _fallback = name_text(ident, label)
    said = text.casefold()
    if all(part.strip().casefold() in said for part in shown.split(" / ")):
        return ""
    return shown


def kind_span(ident: str | None, label: str, kind: str) -> Markup:
    """:func:`kind_after` as HTML to follow a name: a space and the kind, or nothing."""
    shown = kind_after(ident, label, kind)
    return Markup(' <span class="kind">{}</span>').format(shown) if shown else Markup()


def legislation_number(text: str) -> Markup:
    """An official legislation number in words ("2020 asc 1": the first Act of Senedd Cymru of
    2020), with the citation as the data gives it after it; any other text as it is."""
    found = _NUMBER.fullmatch(str(text).strip())
    if not found:
        return Markup("{}").format(text)
    year, series, number = found.groups()
    words = gettext("%(series)s %(year)s, No. %(number)s", series=gettext(_SERIES[series]), year=year,
                    number=number) if series != "c." else gettext(
        "%(series)s %(year)s, chapter %(number)s", series=gettext(_SERIES[series]), year=year, number=number)
    return Markup('{} <span class="citation">({})</span>').format(
        words, Markup('<span lang="en">{}</span>').format(text))


def page_of(rows: list, size: int = PAGE_SIZE) -> dict:
    """The page of *rows* that ``?page=`` asks for (the first when none is), with what the page
    links need.

    :raise QueryError: (a 400 page) when the page is not a number from 1 to the last page."""
    total = len(rows)
    pages = max(1, math.ceil(total / size))
    asked = request.args.get("page", "1").strip()
    if not asked.isdigit() or not 1 <= int(asked) <= pages:
        raise QueryError(ngettext("There is no page “%(page)s”: there is %(num)d page.",
                                  "There is no page “%(page)s”: the pages are numbered 1 to %(num)d.", pages,
                                  page=asked[:20]))
    number = int(asked)
    start = (number - 1) * size
    return {"rows": rows[start:start + size], "page": number, "pages": pages, "page_size": size, "total": total,
            "first": start + 1 if total else 0, "last": min(start + size, total)}


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(kind_after=kind_after, kind_span=kind_span, legislation_number=legislation_number)
